// Two customer records of one person become one. It happens when an anonymous
// visitor signs in to the shop (verified identify()) as a customer we already
// know — their chat so far must follow them, or the agent sees a stranger and
// the shopper loses the conversation on screen — and when an agent sees that
// two records are the same person (the same email, say) and merges them.
//
// Everything that hangs off the merged-away record moves to the kept one in one
// transaction: conversations, history, ratings, left messages, files, orders,
// webhook deliveries, email records and the agents' notes on the customer; when both had an open chat, one stays open
// (closeDuplicateOpenChats). The merged-away row stays behind, empty,
// pointing at the kept one (`merged_into_id`): jobs still queued for its id land
// on the kept record (workers/interaction-store.ts, workers/feedback-store.ts),
// and its visitor token is not resumed — the browser that signed in got the kept
// record's token, and any other holder of the old token starts over rather than
// inherit a signed-in customer's orders.
import type { AppContext } from '../context.ts';
import type { Sql } from '../db/client.ts';
import { AppError, notFound } from '../errors.ts';
import type { CustomerRow } from '../repositories/customers.ts';
import { conversationsRepository, forShopper, toChatMessage, toSummary, type MessageRow } from '../repositories/conversations.ts';
import { lockCustomerChats } from '../repositories/customer-chat-lock.ts';
import { interactionEvent } from './message-events.ts';
import { recordAudit } from './audit-log.ts';
import { lastPages } from './shopper-activity.ts';

/**
 * Every table with a customer_id referencing customers. A test compares this list with the database's foreign
 * keys: a table added later and left out here would lose its rows' link (or, with a cascade, its rows) on a merge.
 */
export const CUSTOMER_OWNED_TABLES = [
  'conversations', 'interaction_events', 'feedback', 'offline_messages', 'attachments', 'orders',
  'webhook_deliveries', 'email_followups', 'inbound_emails', 'customer_notes',
] as const;

/** At most this many tags survive on the kept record (the console's own limit for tags). */
const MAX_TAGS = 50;

/** sign_in: the shop identified an anonymous visitor; resume_link: an email's "Continue the chat" opened on a device; agent: by hand. */
export type MergeReason = 'sign_in' | 'resume_link' | 'agent';

export interface MergeResult {
  kept: CustomerRow;
  mergedId: number;
  /** Conversations that moved to the kept record. */
  conversations: number;
}

type Deps = Pick<AppContext, 'sql' | 'realtime' | 'requestRedis' | 'config' | 'log' | 'chat'>;

const refuse = (code: string, message: string) => new AppError(409, code, message);

/** Which writer set the attributes the source record gives the kept one (customer-attributes.ts, 058): the backend's stay its own. */
function carriedSources(source: CustomerRow, target: CustomerRow): Record<string, string> {
  return Object.fromEntries(Object.entries(source.attribute_sources ?? {}).filter(([key]) => !Object.hasOwn(target.attributes, key)));
}

/** Attributes that describe the record, not the person: they do not carry over. */
function carriedAttributes(source: CustomerRow, target: CustomerRow): Record<string, unknown> {
  // An unverified claim of a shop user id means nothing once the person has a verified one.
  const { unverifiedUserId, ...rest } = source.attributes;
  const claim = unverifiedUserId === undefined || target.external_id || source.external_id ? {} : { unverifiedUserId };
  // The union of both records' attributes (customer-attributes.ts); on a key both hold, the kept record's value wins:
  // the kept record is the one the shop signs in (or the agent chose to keep), so its value is the one the shop's
  // identify() and backend keep writing, and the other record's copy of the same key is the older, anonymous guess.
  // A union may hold more than the writers' 30 keys: a merge never drops a fact (those writers can still remove keys).
  return { ...rest, ...claim, ...target.attributes };
}

/**
 * Moves the source record into the target in one transaction and returns the kept record. Refused (409) when
 * either is a deleted or already merged record, or when both are signed-in shop accounts: those are two people
 * as far as the shop knows, and identify() must keep finding each by its own user id.
 */
export async function mergeCustomers(deps: Deps, input: { sourceId: number; targetId: number; reason: MergeReason; actorId: number | null }): Promise<MergeResult> {
  const { sourceId, targetId } = input;
  if (sourceId === targetId) throw refuse('same_customer', 'A customer cannot be merged into itself.');
  const result = await deps.sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const rows = await tx<CustomerRow[]>`select * from customers where id in (${sourceId}, ${targetId}) order by id for update`;
    const source = rows.find((r) => r.id === sourceId);
    const target = rows.find((r) => r.id === targetId);
    if (!source || !target) throw notFound('Customer');
    for (const row of [source, target]) {
      if (row.attributes.deleted) throw refuse('customer_deleted', `Customer #${row.id} was deleted at their request.`);
      if (row.merged_into_id) throw refuse('customer_merged', `Customer #${row.id} was already merged into #${row.merged_into_id}.`);
    }
    if (source.external_id && target.external_id) {
      throw refuse('both_signed_in', 'Both customers are signed-in shop accounts (each has its own shop user id); they stay separate.');
    }
    // The kept record takes the shop user id, and every browser holding the kept record's token would then be that
    // shop account (its orders included): an anonymous browser must never become it by a merge. The other way round
    // is the same person's history moving to their account.
    if (source.external_id && !target.external_id) {
      throw refuse('signed_in_into_anonymous', `Customer #${sourceId} is a signed-in shop account: merge customer #${targetId} into it instead, so the account stays the kept record.`);
    }

    // What decides the kept record's open chat below is decided under its chat lock, as a first message and a reopen
    // are (customer-chat-lock.ts): taken after the records, before any of their chats is locked.
    await lockCustomerChats(tx, targetId);
    const moved = await tx<{ id: number }[]>`update conversations set customer_id = ${targetId} where customer_id = ${sourceId} returning id`;
    const movedConversations = moved.map((r) => Number(r.id));
    let movedRows = moved.length;
    for (const table of CUSTOMER_OWNED_TABLES.filter((t) => t !== 'conversations')) {
      movedRows += (await tx`update ${tx(table)} set customer_id = ${targetId} where customer_id = ${sourceId}`).count;
    }
    // Records merged into the source earlier now point at the target: one hop always reaches the kept record.
    await tx`update customers set merged_into_id = ${targetId} where merged_into_id = ${sourceId}`;
    const closedChats = await closeDuplicateOpenChats(tx, targetId, sourceId);

    const tags = [...new Set([...target.tags, ...source.tags])].slice(0, MAX_TAGS);
    // The shop user id is unique: the source gives it up before the target takes it.
    await tx`update customers set
        merged_into_id = ${targetId}, merged_at = now(), external_id = null, name = null, email = null, locale = null,
        tags = '{}', attributes = '{}'::jsonb, conversations_count = 0, messages_count = 0,
        blocked_at = null, blocked_by = null, block_reason = null, updated_at = now()
      where id = ${sourceId}`;
    // The target keeps what it knows and takes what only the source knew; a block on either holds for the person, and so
    // does an email opt-out (the earlier one): the follow-up and rating emails read only the kept record.
    const [kept] = await tx<CustomerRow[]>`update customers set
        external_id = coalesce(external_id, ${source.external_id}),
        name = coalesce(name, ${source.name}), email = coalesce(email, ${source.email}), locale = coalesce(locale, ${source.locale}),
        tags = ${tx.array(tags)}::text[], attributes = ${tx.json(carriedAttributes(source, target) as never)},
        attribute_sources = ${tx.json(carriedSources(source, target) as never)}::jsonb || attribute_sources,
        conversations_count = conversations_count + ${source.conversations_count},
        messages_count = messages_count + ${source.messages_count},
        first_seen_at = least(first_seen_at, ${source.first_seen_at}),
        last_seen_at = greatest(last_seen_at, ${source.last_seen_at}),
        blocked_at = coalesce(blocked_at, ${source.blocked_at}),
        blocked_by = case when blocked_at is null then ${source.blocked_by} else blocked_by end,
        block_reason = case when blocked_at is null then ${source.block_reason} else block_reason end,
        email_followups_off_at = least(email_followups_off_at, ${source.email_followups_off_at}),
        updated_at = now()
      where id = ${targetId} returning *`;
    if (input.actorId !== null) {
      await recordAudit(tx, input.actorId, 'customer.merge', `customer:${targetId}`, { mergedId: sourceId, reason: input.reason });
    }
    // The widget opens an anonymous session before the shop's page can call identify(), so every sign-in on a new
    // browser merges a record that holds nothing: not worth a line on the person's timeline or a webhook call.
    const heldNothing = movedRows === 0 && !source.name && !source.email && source.tags.length === 0 && Object.keys(source.attributes).length === 0;
    return { kept, mergedId: sourceId, movedConversations, heldNothing, closedChats };
  });
  await announceMerge(deps, sourceId, targetId, result.movedConversations);
  await announceClosedChats(deps, targetId, result.closedChats);
  if (result.heldNothing && input.reason === 'sign_in') return { kept: result.kept, mergedId: sourceId, conversations: 0 };
  // Through the interactions worker like every history event: it writes the timeline row, and the shop's webhooks
  // hear of it (`customer.merged`), so a CRM keyed by our customer ids can follow the old id to the kept one. Queued as
  // the chat service queues its own changes' events: with Redis away they are lost and said so, as theirs are, and once
  // Redis is back the first to get through tells the consoles again of ratings stored meanwhile.
  await deps.chat.queueChangeEvents([interactionEvent('customer.merged', `merged:${sourceId}`, targetId, null,
    { mergedId: sourceId, reason: input.reason, byAgentId: input.actorId })], null);
  return { kept: result.kept, mergedId: sourceId, conversations: result.movedConversations.length };
}

/** A chat of the kept record's the merge closed, with the notes it wrote there and in the chat that stays open. */
interface ClosedChat {
  id: number;
  keptOpenId: number;
  /** What it was before (bot, queued, assigned): a held seat or a place in the queue is freed. */
  was: string;
  customerId: number;
  resolvedAt: Date;
  notes: MessageRow[];
}

/**
 * Leaves the kept record one open chat. The rest of the system holds a customer to one at a time (customer-chat-lock.ts):
 * the widget resumes "the" open chat, a shopper's next message goes to it, a reopen is refused beside it. Two records
 * that each had one would leave the person with two after the merge: the shopper sees one, the other waits in an
 * agent's inbox for an answer that never reaches them. The chat a person holds stays open, else the one queued for a
 * person, else the bot's; the newest among equals. Closing an agent's live chat would cut them off mid-conversation
 * and send the shopper back to the bot, or to the end of the queue. A widget tab on a closed chat takes the open one
 * whichever id it has (widget/src/chat-client.ts). The other is closed by the system, not deleted or folded in: its
 * history, and its holder (assignee_id stays, as on any resolved chat), are still found in the resolved chats and the
 * per-agent reports. A private note in each points to the other, so whoever held the closed one sees where the
 * conversation went, and whoever holds the open one sees the earlier chat. Only the notes: the inbox order and the
 * idle timers do not move for them.
 */
async function closeDuplicateOpenChats(tx: Sql, keptId: number, mergedId: number): Promise<ClosedChat[]> {
  const open = await tx<{ id: number; status: string }[]>`
    select id, status from conversations where customer_id = ${keptId} and status <> 'resolved' and anonymised_at is null
    order by case status when 'assigned' then 0 when 'queued' then 1 else 2 end, id desc for no key update`;
  if (open.length < 2) return [];
  const [stays, ...others] = open.map((row) => ({ ...row, id: Number(row.id) }));
  const chats = conversationsRepository(tx);
  const note = async (conversationId: number, text: string, metadata: Record<string, unknown> & { event: string }) =>
    (await chats.insertMessage({ conversationId, authorType: 'system', body: text, private: true, touchesConversation: false, metadata })).message;
  const closed: ClosedChat[] = [];
  for (const other of others) {
    const [row] = await tx<{ resolved_at: Date }[]>`
      update conversations set status = 'resolved', resolved_at = now(), resolved_by = 'system', resolver_id = null,
        resolution_seconds = extract(epoch from now() - created_at)::int, snoozed_until = null, updated_at = now()
      where id = ${other.id} returning resolved_at`;
    const merge = { mergedId, keptCustomerId: keptId };
    const notes = [
      await note(other.id, `Closed when customer #${mergedId} was merged into customer #${keptId}: a customer has one open chat. The conversation continues in chat #${stays.id}.`,
        { event: 'merge_closed', continuedIn: stays.id, ...merge }),
      await note(stays.id, `Customer #${mergedId} was merged into customer #${keptId}. Their other open chat, #${other.id}, was closed: the conversation continues here.`,
        { event: 'merge_continued', closedChat: other.id, ...merge }),
    ];
    closed.push({ id: other.id, keptOpenId: stays.id, was: other.status, customerId: keptId, resolvedAt: row.resolved_at, notes });
  }
  return closed;
}

/**
 * After the commit, for the chats the merge closed: their notes and new state go out, a widget tab still on a closed
 * chat takes the open one, the closing goes into the history and the reports as a system's resolve, and a seat it held
 * or a place it had in the queue goes to the next chat.
 */
async function announceClosedChats(deps: Deps, keptId: number, closed: ClosedChat[]): Promise<void> {
  if (!closed.length) return;
  const conversations = conversationsRepository(deps.sql);
  // The kept record's tabs joined their chats' rooms when they connected, before the open chat was theirs (it may
  // have been the merged record's): they join it now, before they are sent to it, or they would not hear its replies.
  await deps.realtime.joinCustomerToConversation(keptId, closed[0].keptOpenId)
    .catch((error: unknown) => deps.log.warn({ err: error, keptId }, 'customer merge: tabs not joined to the open chat; they do at their next connect'));
  for (const chat of closed) {
    for (const line of chat.notes) deps.realtime.announceMessage(toChatMessage(line));
    const [closedRow, openRow] = [await conversations.findById(chat.id), await conversations.findById(chat.keptOpenId)];
    if (closedRow) deps.realtime.toAgents('conversation:updated', toSummary(closedRow));
    if (openRow) deps.realtime.toWidgetConversation(chat.id, 'conversation:updated', forShopper(toSummary(openRow)));
  }
  await deps.chat.queueChangeEvents(closed.map((chat) => interactionEvent('resolved', `resolved:${chat.id}:${chat.resolvedAt.getTime()}`, chat.customerId, chat.id,
    { by: 'system', was: chat.was, mergedInto: keptId, continuedIn: chat.keptOpenId }, chat.resolvedAt)), null);
  // No rating is asked for (askRatingByEmail): the conversation did not end, it goes on in the open chat.
  try {
    if (closed.some((chat) => chat.was === 'assigned')) await deps.chat.assignPending();
    else if (closed.some((chat) => chat.was === 'queued')) await deps.chat.pushQueuePositions();
  } catch (error) {
    // The merge is done: the assignment sweep (app.ts) takes the freed seat if this pass could not.
    deps.log.warn({ err: error, keptId }, 'customer merge: assignment after closing a chat failed');
  }
}

/**
 * After the commit: the old record's tabs start over, consoles see the moved chats' new customer, and the kept
 * record's open panels reload (the notes moved to it are listed apart from its profile).
 */
async function announceMerge(deps: Deps, sourceId: number, targetId: number, movedConversations: number[]): Promise<void> {
  deps.realtime.disconnectShopper(sourceId);
  deps.realtime.toAgents('customer:updated', { customerId: targetId });
  // On the requests' connection, which refuses at once while Redis is away: the merge is done, and the agent's (or the
  // signing-in shopper's) request must not wait for Redis to come back. Not removed then, it expires within a day.
  await lastPages(deps.requestRedis, deps.config).forget(sourceId).catch((error: unknown) => deps.log.warn({ err: error }, 'last page of a merged customer not removed'));
  const conversations = conversationsRepository(deps.sql);
  for (const id of movedConversations) {
    const row = await conversations.findById(id);
    if (row) deps.realtime.toAgents('conversation:updated', toSummary(row));
  }
}
