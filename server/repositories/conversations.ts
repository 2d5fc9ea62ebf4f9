import type { Sql } from '../db/client.ts';
import type { ChatMessage, ConversationStatus, ConversationSummary } from '../realtime/event-maps.ts';
import { shopperWaitingSince } from './routing.ts';
import { shownNameColumn } from './users.ts';
import { withKeptCustomer } from './kept-customers.ts';
import { deletedCustomer } from './customers.ts';
import { lockCustomerChats } from './customer-chat-lock.ts';
import { notFound } from '../errors.ts';

/** Where a conversation started (055_conversation_channel.sql's check). */
export const CONVERSATION_CHANNELS = ['widget', 'email', 'agent', 'import'] as const;
export type ConversationChannel = typeof CONVERSATION_CHANNELS[number];

/** A bot reply's client id names the shopper message it answers: one reply per question, even if a turn is retried. */
/**
 * How many of a chat's newest messages opening it reads: the console's page (it loads earlier pages on request), and
 * the widget's (a shopper scrolls back that far at most; earlier ones stay in the transcript).
 */
export const AGENT_HISTORY_PAGE = 200;
export const SHOPPER_HISTORY_PAGE = 150;
/** At most this many messages per catch-up after a reconnect (messages:sync); the client asks again while `hasMore`. */
export const SYNC_PAGE = 500;

export const BOT_REPLY_PREFIX = 'bot-reply:';
export const botReplyClientId = (questionId: number): string => `${BOT_REPLY_PREFIX}${questionId}`;

export interface ConversationRow {
  id: number;
  customer_id: number;
  status: ConversationStatus;
  assignee_id: number | null;
  assignee_name: string | null;
  /** The name the shopper is shown for the assignee (migration 044), where the statement reads it. */
  assignee_shown_name?: string | null;
  handed_off: boolean;
  queued_at: Date | null;
  assigned_at: Date | null;
  first_response_at: Date | null;
  resolved_at: Date | null;
  last_message_at: Date | null;
  created_at: Date;
  customer_last_seen_id: number;
  agent_last_seen_id: number;
  snoozed_until: Date | null;
  /** The team the chat was handed off to (migration 028), with its name; null when none takes its topic. */
  team_id: number | null;
  team_name: string | null;
  /** Counts up on every change of the row (migration 039): clients keep the newest of updates that cross. */
  version: number;
  /** An agent marked the chat as priority (migration 045). */
  priority: boolean;
  /** The tool an imported conversation came from (047, services/conversation-import.ts); null for the chats held here. */
  imported_from: string | null;
  /** Where the chat started (migration 055): the widget, an email, an agent writing first, or an import. */
  channel: ConversationChannel;
  /** Anonymised by retention or a customer's deletion (`anonymised_at` set), where the statement reads it. */
  anonymised?: boolean;
}

export interface MessageRow {
  id: number;
  conversation_id: number;
  author_type: ChatMessage['author']['type'];
  author_id: number | null;
  author_name: string | null;
  client_id: string | null;
  body: string;
  private: boolean;
  metadata: Record<string, unknown>;
  created_at: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toSummary(row: ConversationRow): ConversationSummary {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    assignee: row.assignee_id ? {
      id: row.assignee_id, name: row.assignee_name ?? '',
      ...(row.assignee_shown_name && row.assignee_shown_name !== row.assignee_name ? { shownName: row.assignee_shown_name } : {}),
    } : null,
    handedOff: row.handed_off,
    queuedAt: iso(row.queued_at),
    assignedAt: iso(row.assigned_at),
    resolvedAt: iso(row.resolved_at),
    lastMessageAt: iso(row.last_message_at),
    createdAt: row.created_at.toISOString(),
    customerLastSeenId: row.customer_last_seen_id,
    agentLastSeenId: row.agent_last_seen_id,
    snoozedUntil: iso(row.snoozed_until),
    team: row.team_id ? { id: row.team_id, name: row.team_name ?? '' } : null,
    firstResponseAt: iso(row.first_response_at),
    version: row.version,
    priority: row.priority,
    importedFrom: row.imported_from,
    channel: row.channel,
    anonymised: row.anonymised === true,
  };
}

/**
 * A conversation as the shopper's widget gets it: whether an agent snoozed their chat, which of the shop's teams it
 * went to, how the team's reply time is measured and whether it marked the chat priority, are the team's business.
 */
export function forShopper(summary: ConversationSummary): ConversationSummary {
  const { snoozedUntil: _agentsOnly, team: _internal, firstResponseAt: _measured, priority: _triage, importedFrom: _ours, channel: _how, anonymised: _retention, ...shown } = summary;
  // The agent by the name shoppers are told, not the full name colleagues see.
  const assignee = summary.assignee && { id: summary.assignee.id, name: summary.assignee.shownName ?? summary.assignee.name };
  return { ...shown, assignee };
}

/**
 * What of a system line's metadata a shopper's widget, transcript or email may get: the event and the parameters its
 * wording fills in (widget/src/i18n.ts systemLineText: the people, the idle hours, their own left message), and the
 * ids the names are looked up by (shopper-agent-names.ts). Everything else — the rule or team that moved the chat, a
 * rule's outcomes, ids of the team's records — is the team's business: an allow-list, so a field added to a line later
 * stays with the team unless it is added here.
 */
const SHOPPER_SYSTEM_FIELDS = ['event', 'agentId', 'agentName', 'agentShownName', 'fromAgentId', 'fromAgentName', 'fromAgentShownName', 'idleHours', 'email', 'text'] as const;

function shopperSystemLineMetadata(message: ChatMessage): Record<string, unknown> {
  const metadata = (message.metadata ?? {}) as Record<string, unknown>;
  if (message.author.type !== 'system') return metadata;
  return Object.fromEntries(SHOPPER_SYSTEM_FIELDS.filter((key) => key in metadata).map((key) => [key, metadata[key]]));
}

/**
 * A message as the shopper's widget (and their transcript) gets it: the agents in it named as shoppers are told
 * (users.display_name, migration 044), not by the full names colleagues see, as stored with each line when it was
 * written (metadata.agentShownName, fromAgentShownName): right for a line just written (the live `message:new`). A
 * history read later goes through services/shopper-agent-names.ts, which names everyone by their shown name now.
 */
export function forShopperMessage(message: ChatMessage): ChatMessage {
  // The other tool's agents' names on an imported message (conversation-import.ts) are for the team only, too.
  const { agentShownName, fromAgentShownName, importedAuthorName, ...metadata } = shopperSystemLineMetadata(message);
  const shown = typeof agentShownName === 'string' ? agentShownName : null;
  const fromShown = typeof fromAgentShownName === 'string' ? fromAgentShownName : null;
  if (shown === null && fromShown === null) return importedAuthorName === undefined && message.author.type !== 'system' ? message : { ...message, metadata };
  if (shown !== null && 'agentName' in metadata) metadata.agentName = shown;
  if (fromShown !== null && 'fromAgentName' in metadata) metadata.fromAgentName = fromShown;
  const author = message.author.type === 'agent' && shown !== null ? { ...message.author, name: shown } : message.author;
  return { ...message, author, metadata };
}

export function toChatMessage(row: MessageRow): ChatMessage {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    clientId: row.client_id,
    author: { type: row.author_type, id: row.author_id, name: row.author_name },
    text: row.body,
    private: row.private,
    metadata: row.metadata,
    createdAt: row.created_at.toISOString(),
  };
}

/** An inbox row's preview: what was said last. */
export interface PreviewMessage { text: string; authorType: string; createdAt: string }

/**
 * The inbox preview of conversation `c`, as a column (jsonb {text, authorType, createdAt}): the last thing the
 * shopper, an agent or the bot said, since "Ada joined the chat." says nothing about the chat; the last system line
 * only when nothing was said. Private notes are left out (a preview is what the chat says to the shopper). Each
 * branch walks the (conversation, id) index backwards and the append stops at the first row, so the fallback runs
 * only for chats without a said message. A column rather than a lateral join: it is computed for the rows the
 * list returns after its LIMIT, where the join ran for every matching conversation before the sort.
 */
export const previewMessage = (sql: Sql) => sql`(
  select jsonb_build_object('text', said.body, 'authorType', said.author_type, 'createdAt', said.created_at) from (
    (select body, author_type, created_at from messages m
     where m.conversation_id = c.id and not m.private and m.author_type <> 'system' order by m.id desc limit 1)
    union all
    (select body, author_type, created_at from messages m
     where m.conversation_id = c.id and not m.private order by m.id desc limit 1)
  ) said limit 1)`;

/**
 * Read under the customer record's lock (withKeptCustomer holds it from then on): a deletion that committed while the
 * caller waited for it is seen, and one that starts later waits for the new chat and anonymises it with the rest.
 */
async function refuseDeletedCustomer(tx: Sql, customerId: number): Promise<void> {
  if ((await tx`select 1 from customers cu where cu.id = ${customerId} and ${deletedCustomer(tx, 'cu')}`).length) throw notFound('Customer');
}

/** A new conversation row; it owes the new chat's automation rules while any is enabled (migration 056). */
async function insertConversation(tx: Sql, customerId: number, channel: 'widget' | 'email'): Promise<number> {
  const [created] = await tx<{ id: number }[]>`
    insert into conversations (customer_id, channel, new_chat_rules_owed)
    values (${customerId}, ${channel}, exists (select 1 from automation_rules where enabled and trigger = 'conversation_created'))
    returning id`;
  return created.id;
}

export const conversationsRepository = (sql: Sql) => {
  /**
   * A shopper's message wakes a snoozed chat in the same UPDATE that touches the conversation (server/services/
   * snooze.ts): on the row as it is when the update runs, so a snooze committed a moment before the message is seen
   * too, and the message can never end up in a sleeping chat. Unchanged columns keep the update HOT.
   */
  const wakeOnShopperMessage = () => sql`snoozed_until = null,
    woke_at = case when conversations.snoozed_until is not null then now() else conversations.woke_at end`;
  /** In that update's RETURNING: this statement woke the chat (woke_at is its transaction's time). */
  const wokeNow = () => sql`conversations.woke_at is not distinct from now()`;

  const selectConversation = (where: ReturnType<Sql>) => sql<ConversationRow[]>`
    select c.id, c.customer_id, c.status, c.assignee_id, u.name as assignee_name, u.display_name as assignee_shown_name, c.handed_off, c.queued_at,
           c.assigned_at, c.first_response_at, c.resolved_at, c.last_message_at, c.created_at,
           c.customer_last_seen_id, c.agent_last_seen_id, c.snoozed_until, c.team_id, t.name as team_name, c.version, c.priority, c.imported_from, c.channel,
           c.anonymised_at is not null as anonymised
    from conversations c left join users u on u.id = c.assignee_id left join teams t on t.id = c.team_id
    where ${where}`;

  return {
    /**
     * A new conversation of the customer — on the record it is kept in: the id came from a token read before a merge
     * may have committed (kept-customers.ts). In the caller's transaction when `sql` is one. Its customer_id says whose.
     * `channel`: what the shopper wrote from — the widget, or an email reply to a resolved chat.
     * The row says it owes the new chat's automation rules while any is enabled (migration 056): the caller runs them
     * after the ack, and should its server die first, a recovery sweep does (new-chat-rules-recovery.ts).
     */
    async create(customerId: number, channel: 'widget' | 'email' = 'widget'): Promise<ConversationRow> {
      const id = await withKeptCustomer(sql, customerId, async (tx, keptId) => {
        await refuseDeletedCustomer(tx, keptId);
        return insertConversation(tx, keptId, channel);
      });
      return (await this.findById(id))!;
    },
    /**
     * The chat a shopper's message goes to when it names no open one (a first message, or one after a resolve): the
     * customer's open chat, else a new one — decided under the customer's chat lock (lockCustomerChats), so two tabs
     * sending at once start one chat, not two. `clientId` first: a resend after a lost ack (the widget sends it without
     * the chat, which was resolved meanwhile) finds the message it stored then, among the customer's recent ones,
     * instead of storing it twice in a new chat. Lock order: the customer's record (FOR KEY SHARE, withKeptCustomer),
     * then the chat lock; a merge takes only row locks, so it never waits for the chat lock while holding what a
     * writer here waits for.
     */
    async openOrCreate(customerId: number, clientId: string, channel: 'widget' | 'email' = 'widget'): Promise<{ row: ConversationRow; created: boolean; earlier?: MessageRow }> {
      const found = await withKeptCustomer(sql, customerId, async (tx, keptId) => {
        await lockCustomerChats(tx, keptId);
        await refuseDeletedCustomer(tx, keptId);
        const [earlier] = await tx<MessageRow[]>`
          select m.*, null as author_name from messages m join conversations c on c.id = m.conversation_id
          where c.customer_id = ${keptId} and m.client_id = ${clientId} and m.author_type = 'customer'
            and m.created_at > now() - interval '10 minutes'
          order by m.id desc limit 1`;
        if (earlier) return { id: earlier.conversation_id, created: false, earlier };
        const [open] = await tx<{ id: number }[]>`
          select id from conversations where customer_id = ${keptId} and status <> 'resolved' and anonymised_at is null order by id desc limit 1`;
        if (open) return { id: open.id, created: false };
        return { id: await insertConversation(tx, keptId, channel), created: true };
      });
      const row = await this.findById(found.id);
      if (!row) throw notFound('Conversation');
      return { row, created: found.created, ...(found.earlier ? { earlier: found.earlier } : {}) };
    },
    async findById(id: number): Promise<ConversationRow | undefined> {
      const [row] = await selectConversation(sql`c.id = ${id}`);
      return row;
    },
    /**
     * The shopper's latest conversation that is not resolved. Never one anonymised (a customer's deletion): it takes no
     * shopper or bot message any more, so, as for openOrCreate, it is not the shopper's open chat.
     */
    async findOpenForCustomer(customerId: number): Promise<ConversationRow | undefined> {
      const [row] = await selectConversation(sql`c.customer_id = ${customerId} and c.status <> 'resolved' and c.anonymised_at is null order by c.id desc limit 1`);
      return row;
    },
    /** The shopper's latest chat here, for their widget: never one imported from another tool (their old transcript). */
    async findLatestForCustomer(customerId: number): Promise<ConversationRow | undefined> {
      const [row] = await selectConversation(sql`c.customer_id = ${customerId} and c.imported_from is null order by c.id desc limit 1`);
      return row;
    },
    async listForCustomer(customerId: number, limit: number): Promise<ConversationRow[]> {
      return selectConversation(sql`c.customer_id = ${customerId} order by c.id desc limit ${limit}`);
    },

    /** Stores a message once per (conversation, client id); a repeat returns the stored one. */
    async insertMessage(m: {
      conversationId: number;
      authorType: MessageRow['author_type'];
      authorId?: number | null;
      clientId?: string | null;
      body: string;
      private?: boolean;
      metadata?: Record<string, unknown>;
      /** false: a note about the chat, not activity in it; the idle timers and the inbox order do not move. */
      touchesConversation?: boolean;
    }): Promise<{ message: MessageRow; duplicate: boolean; woke: boolean }> {
      const byShopper = m.authorType === 'customer';
      // An agent's reply carries the name the shopper is shown for them now, read from their row as it is stored: a
      // later rename does not change what this message said (forShopperMessage).
      const metadata = sql.json((m.metadata ?? {}) as never);
      const withShownName = m.authorType === 'agent' && m.authorId && !m.private
        ? sql`${metadata}::jsonb || coalesce((select jsonb_build_object('agentShownName', ${shownNameColumn(sql)}) from users where id = ${m.authorId}), '{}'::jsonb)`
        : metadata;
      // The shopper's words and the bot's answers to them never go into a conversation anonymised at the customer's
      // request (customer-privacy.ts): its row is locked first, so a deletion running now is waited for and its
      // anonymised_at then seen (the lock re-reads the row), and a deletion starting later finds this message.
      const guarded = m.authorType === 'customer' || m.authorType === 'bot';
      const inserted = await sql<(MessageRow & { conversation_woke: boolean | null })[]>`
        with live as (
          select id from conversations where id = ${m.conversationId} ${guarded ? sql`and anonymised_at is null` : sql``} for no key update
        ), m as (
          insert into messages (conversation_id, author_type, author_id, client_id, body, private, metadata)
          select live.id, ${m.authorType}::text, ${m.authorId ?? null}::bigint, ${m.clientId ?? null}::text, ${m.body}::text,
                 ${m.private ?? false}::boolean, (${withShownName})::jsonb
          from live
          on conflict (conversation_id, client_id) do nothing
          returning *
        ), touch as (
          update conversations set last_message_at = m.created_at, updated_at = now() ${byShopper ? sql`, ${wakeOnShopperMessage()}` : sql``} from m
          where conversations.id = m.conversation_id and ${m.touchesConversation ?? true}
          returning ${byShopper ? wokeNow() : sql`false`} as woke
        )
        select m.*, u.name as author_name, (select woke from touch) as conversation_woke from m left join users u on u.id = m.author_id`;
      if (inserted.length) {
        const { conversation_woke: woke, ...message } = inserted[0];
        return { message, duplicate: false, woke: woke === true };
      }
      const [existing] = await sql<(MessageRow & { conversation_gone: boolean })[]>`
        select m.*, u.name as author_name, ${guarded ? sql`c.anonymised_at is not null` : sql`false`} as conversation_gone
        from messages m join conversations c on c.id = m.conversation_id left join users u on u.id = m.author_id
        where m.conversation_id = ${m.conversationId} and m.client_id = ${m.clientId ?? null}`;
      // Nothing stored and no earlier one: the conversation is gone (deleted, or anonymised for a customer's deletion).
      if (!existing || existing.conversation_gone) throw notFound('Conversation');
      const { conversation_gone: _gone, ...message } = existing;
      return { message, duplicate: true, woke: false };
    },
    /**
     * The common case of shopper messages, many in one statement (one round trip, one commit): each is stored
     * in the given conversation, or without one in the customer's open conversation, when that conversation is
     * the customer's and open and the client id is new; rows go in in the order given, so ids keep the order of
     * arrival. Items that could not be stored get undefined (the caller finds out why: a first message, a repeat,
     * a closed or a foreign conversation).
     */
    async insertCustomerMessagesFast(items: { customerId: number; conversationId: number | null; clientId: string; body: string; metadata: Record<string, unknown> }[]): Promise<({ message: MessageRow; status: ConversationRow['status']; woke: boolean } | undefined)[]> {
      const input = items.map((item, i) => ({ i, cu: item.customerId, co: item.conversationId, k: item.clientId, b: item.body, m: item.metadata }));
      // Only what the database decides comes back (id, conversation, time, status, whether the message woke a snoozed
      // chat); the rest is the input's.
      const rows = await sql<{ id: number; conversation_id: number; created_at: Date; input_index: number; conversation_status: ConversationRow['status']; woke: boolean }[]>`
        with input as (
          select * from jsonb_to_recordset(${sql.json(input as never)}::jsonb) as r(i int, cu bigint, co bigint, k text, b text, m jsonb)
        ), candidate as (
          select input.i, open.id from input
          join lateral (
            select id from conversations
            where customer_id = input.cu and status <> 'resolved' and anonymised_at is null and (input.co is null or id = input.co)
            order by id desc limit 1
          ) open on true
        ), locked as (
          -- Locked all at once in id order, not in the order the messages came: two batches naming the same chats in
          -- opposite orders would otherwise each hold one and wait for the other (a deadlock). Never one anonymised at
          -- the customer's request: a deletion running now is waited for, and the row as it then committed is checked
          -- again (insertMessage says why); one resolved or anonymised meanwhile drops out, and its messages go the
          -- general way (undefined below).
          select id, status from conversations
          where id = any(array(select id from candidate)) and status <> 'resolved' and anonymised_at is null
          order by id
          for no key update
        ), c as (
          select input.*, locked.id as conversation_id, locked.status from input
          join candidate on candidate.i = input.i
          join locked on locked.id = candidate.id
        ), m as (
          insert into messages (conversation_id, author_type, client_id, body, metadata)
          select conversation_id, 'customer', k, b, m from c order by i
          on conflict (conversation_id, client_id) do nothing
          returning id, conversation_id, client_id, created_at
        ), touch as (
          update conversations set last_message_at = latest.at, updated_at = now(), ${wakeOnShopperMessage()}
          from (select conversation_id, max(created_at) as at from m group by conversation_id) latest
          where conversations.id = latest.conversation_id
          returning conversations.id, ${wokeNow()} as woke
        )
        select m.id, m.conversation_id, m.created_at, c.i as input_index, c.status as conversation_status, coalesce(t.woke, false) as woke
        from m join c on c.conversation_id = m.conversation_id and c.k = m.client_id
        left join touch t on t.id = m.conversation_id
        order by c.i`;
      const results: ({ message: MessageRow; status: ConversationRow['status']; woke: boolean } | undefined)[] = items.map(() => undefined);
      const taken = new Set<number>();
      for (const row of rows) {
        // The same client id twice in one batch joins the one stored row twice: only the first is new.
        if (taken.has(row.id)) continue;
        taken.add(row.id);
        const item = items[row.input_index];
        results[row.input_index] = {
          message: {
            id: row.id, conversation_id: row.conversation_id, author_type: 'customer', author_id: null, author_name: null,
            client_id: item.clientId, body: item.body, private: false, metadata: item.metadata, created_at: row.created_at,
          },
          status: row.conversation_status,
          woke: row.woke,
        };
      }
      return results;
    },
    /**
     * A chat's newest `limit` messages (before `beforeId` when given: the page above one already shown), oldest first,
     * and whether earlier ones exist. Opening a long chat shows where it stands now, not how it began.
     */
    async latestMessages(conversationId: number, includePrivate: boolean, limit: number, beforeId?: number): Promise<{ messages: MessageRow[]; hasEarlier: boolean }> {
      // One row past the page says whether there are earlier messages without counting them.
      const rows = await sql<MessageRow[]>`
        select m.*, u.name as author_name from messages m left join users u on u.id = m.author_id
        where m.conversation_id = ${conversationId} ${beforeId === undefined ? sql`` : sql`and m.id < ${beforeId}`}
          ${includePrivate ? sql`` : sql`and not m.private`}
        order by m.id desc limit ${limit + 1}`;
      return { messages: rows.slice(0, limit).reverse(), hasEarlier: rows.length > limit };
    },
    /** The `limit` oldest messages after afterId; `hasMore`: there are later ones, asked for after the last of these. */
    async messagesAfter(conversationId: number, afterId: number, includePrivate: boolean, limit = SYNC_PAGE): Promise<{ messages: MessageRow[]; hasMore: boolean }> {
      const rows = await sql<MessageRow[]>`
        select m.*, u.name as author_name from messages m left join users u on u.id = m.author_id
        where m.conversation_id = ${conversationId} and m.id > ${afterId} ${includePrivate ? sql`` : sql`and not m.private`}
        order by m.id limit ${limit + 1}`;
      return { messages: rows.slice(0, limit), hasMore: rows.length > limit };
    },
    /**
     * `reader`: the agent reporting the team's mark. On a chat someone holds only the holder's report moves it (a
     * teammate's screen left on the chat must not read the holder's new messages for them); checked in the update
     * itself, so a transfer at the same moment cannot slip between the check and the write.
     */
    async markSeen(conversationId: number, by: 'customer' | 'agent', lastSeenId: number, reader?: number): Promise<boolean> {
      const heldByReader = reader === undefined ? sql`` : sql`and (status <> 'assigned' or assignee_id = ${reader})`;
      const rows =
        by === 'customer'
          ? await sql`update conversations set customer_last_seen_id = ${lastSeenId}
                      where id = ${conversationId} and customer_last_seen_id < ${lastSeenId}
                        and ${lastSeenId} <= (select coalesce(max(id), 0) from messages where conversation_id = ${conversationId}) returning id`
          : await sql`update conversations set agent_last_seen_id = ${lastSeenId}
                      where id = ${conversationId} and agent_last_seen_id < ${lastSeenId} ${heldByReader}
                        and ${lastSeenId} <= (select coalesce(max(id), 0) from messages where conversation_id = ${conversationId}) returning id`;
      return rows.length > 0;
    },
    /**
     * For the inbox list: since when each chat's shopper has been waiting for the team (routing.shopperWaitingSince),
     * by conversation id; chats nobody owes a reply are absent. One query for a page of the list.
     */
    async waitingSince(conversationIds: number[]): Promise<Map<number, Date>> {
      if (!conversationIds.length) return new Map();
      const rows = await sql<{ id: number; since: Date | null }[]>`
        select c.id, ${shopperWaitingSince(sql)} as since from conversations c where c.id = any(${conversationIds}::bigint[])`;
      return new Map(rows.filter((r) => r.since).map((r) => [Number(r.id), r.since!]));
    },
  };
};
export type ConversationsRepository = ReturnType<typeof conversationsRepository>;

/** The latest shopper message of a chat still with the bot (see latestShopperMessagesWithBot). */
export interface LatestShopperMessage {
  conversationId: number;
  customerId: number;
  message: MessageRow;
  /** Whether a bot reply keyed to it (botReplyClientId) exists. */
  answered: boolean;
}

/**
 * Chats still with the bot whose latest shopper message was sent between `maxAgeSeconds` and `graceSeconds` ago,
 * oldest first, with whether the bot answered it: what a server killed after the shopper's ack but before the bot's
 * turn (or an email reply's hand-off) left behind (server/services/bot-turn-recovery.ts). Only the latest message
 * counts: an earlier one left unanswered is part of the history the bot reads with it. The set of chats with the bot
 * is small (the idle sweep closes them after BOT_IDLE_MINUTES); each is read by the status index and one backward
 * step of (conversation, id), and the reply check is the (conversation, client id) key. A chat still owing its new-chat
 * rules (migration 056) waits for them: the sweep that runs them (new-chat-rules-recovery.ts) clears the mark, so its
 * labels, priority and notes are there before the bot answers or hands off, as on the live path.
 */
export async function latestShopperMessagesWithBot(sql: Sql, window: { graceSeconds: number; maxAgeSeconds: number; limit: number }): Promise<LatestShopperMessage[]> {
  const rows = await sql<(MessageRow & { customer_id: number; answered: boolean })[]>`
    select q.*, null as author_name, c.customer_id,
           exists (select 1 from messages r where r.conversation_id = c.id and r.client_id = ${BOT_REPLY_PREFIX} || q.id::text) as answered
    from conversations c
    join lateral (
      select m.* from messages m
      where m.conversation_id = c.id and m.author_type = 'customer'
      order by m.id desc limit 1
    ) q on true
    where c.status = 'bot' and not c.new_chat_rules_owed
      -- A deleted customer's chat (anonymised) takes no bot answer: it would be refused on every sweep until too old.
      and c.anonymised_at is null
      and c.last_message_at >= now() - make_interval(secs => ${window.maxAgeSeconds})
      and q.created_at >= now() - make_interval(secs => ${window.maxAgeSeconds})
      and q.created_at < now() - make_interval(secs => ${window.graceSeconds})
    order by q.created_at
    limit ${window.limit}`;
  return rows.map(({ customer_id: customerId, answered, ...message }) => ({ conversationId: message.conversation_id, customerId, message, answered }));
}
