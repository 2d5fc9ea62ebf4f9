// Agents' view of conversations: the inbox lists, one conversation with its
// messages (private notes included), transcripts and offline messages.
import { Type, type Static } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, ID_RANGE, Id, IdParams, Ok, Nullable } from './schemas.ts';
import { changeConversationLabels, setConversationPriority } from '../services/conversation-marks.ts';
import { ConversationSchema, MessageSchema, CustomerSchema } from './chat-schemas.ts';
import { AGENT_HISTORY_PAGE, conversationsRepository, toChatMessage, toSummary } from '../repositories/conversations.ts';
import { inboxPage, inboxSearch, SEARCH_WINDOW, type InboxQuery } from '../repositories/conversation-search.ts';
import { conversationTranscript } from '../services/transcript.ts';
import { AppError, badRequest, conflict, notFound, refusalBody } from '../errors.ts';
import { labelFound, labelKey, labelsChanged, labelsGeneration, labelsInUse, LABELS_IN_USE_TTL_MS, MAX_LABEL_LENGTH, MAX_LABELS, normaliseLabels, referencesChanged, removeLabelEverywhere, renameLabelEverywhere } from '../services/conversation-labels.ts';
import type { LabelReferencesChanged } from '../services/label-references.ts';
import type { Sql } from '../db/client.ts';
import { toCustomer } from './customer-routes.ts';
import type { CustomerRow } from '../repositories/customers.ts';
import { recordAudit } from '../services/audit-log.ts';
import { mentionReadsRepository } from '../repositories/mention-reads.ts';
import { shopperWaitingSince } from '../repositories/routing.ts';
import { withoutJit } from '../services/console-reports.ts';
import { ChatLanguage, cleanedFilters, inboxFilterSql, MAX_FILTER_LABELS, MAX_WAITING_MINUTES, openStatus, perChatFilters, type InboxFilters, type InboxTab } from '../services/inbox-filters.ts';

/**
 * The Resolved view's count stops here ("10000+"): resolved chats are the history, and counting them all read every
 * one on each refresh of the counts (115 ms at 300,000 chats, growing); an agent needs the figure only when it is small.
 */
export const RESOLVED_COUNT_CAP = 10_000;

/** The inbox shows up to 100 conversations: a selection is at most that. */
const MAX_BULK = 100;

const Labels = Type.Array(Type.String(), { description: "Agents' labels (lower-case; never shown to the shopper)" });

const InboxItem = Type.Object({
  conversation: ConversationSchema,
  customer: Type.Object({ id: Type.Integer(), name: Nullable(Type.String()), email: Nullable(Type.String()) }),
  lastMessage: Nullable(Type.Object({ text: Type.String(), authorType: Type.String(), createdAt: Type.String() })),
  unread: Type.Integer({ description: 'Shopper messages after the agents last marked the chat seen (0 while the bot has the chat)' }),
  waitingSince: Nullable(Type.String({
    description: 'Since when the shopper has waited for the team: the hand-off while no agent has replied since, else their oldest '
      + 'message after the latest agent reply; null when the agent spoke last, and while the bot has the chat or it is resolved',
  })),
  labels: Labels,
  mentionUnseen: Type.Optional(Type.Boolean({ description: 'With view=mentions: a note in this chat names me and I have not opened the chat since' })),
  match: Type.Optional(Type.Object({
    messageId: Type.Integer(),
    authorType: Type.String(),
    private: Type.Boolean({ description: "An agents' private note" }),
    snippet: Type.String({ description: 'A short excerpt around the first hit, "…" where cut' }),
  }, { description: "With q: the chat's newest message containing the words (absent when only the customer's name, email or id matched)" })),
});

const InboxSearchScope = Type.Object({
  scope: Type.Union([Type.Literal('all'), Type.Literal('recent')], {
    description: 'recent: a short search (no 3 letters or digits in a row; the index cannot serve it) looked in the list\'s `window` first chats only',
  }),
  window: Type.Integer(),
});

/** The inbox list's orders an agent may choose (`sort`); without one, each view lists in its own (inboxOrder). */
const InboxSort = Type.Union([Type.Literal('newest'), Type.Literal('oldest'), Type.Literal('waiting'), Type.Literal('priority')], {
  description: "newest / oldest: by the chat's latest activity (its last message, else its start). waiting: the chats whose shopper "
    + 'waits for a reply (`waitingSince`) first, the longest waiting first. priority: the chats marked priority first. Without it: '
    + 'queued lists them in the order they are served (priority chats, then first in line), snoozed the soonest to wake, the other views the newest activity; waiting and '
    + 'priority keep that order among the rest.',
});

/**
 * The list's query string as the shared filters (inbox-filters.ts), which saved views store: `assigneeId` and `label`
 * are the older spellings of `assignee` and `labels`; a label that is blank once normalised filters nothing.
 */
type ListQueryString = {
  view?: InboxTab; status?: string; assigneeId?: number; assignee?: string; teamId?: number; label?: string; labels?: string;
  priority?: boolean; language?: InboxFilters['language']; waitingMinutes?: number; channel?: string;
  customerId?: number; beforeId?: number; sort?: Static<typeof InboxSort>; q?: string; limit?: number;
};
function listFilters(q: ListQueryString): InboxFilters {
  const labels = [q.label ?? '', ...(q.labels ?? '').split(',')].map(labelKey).filter(Boolean);
  if (labels.length > MAX_FILTER_LABELS) throw badRequest(`labels: at most ${MAX_FILTER_LABELS} labels.`, 'invalid_filter');
  const assignee = q.assignee === 'me' || q.assignee === 'nobody' ? q.assignee : q.assignee ? Number(q.assignee) : q.assigneeId;
  return cleanedFilters({
    view: q.view,
    status: q.status ? (q.status.split(',') as InboxFilters['status']) : undefined,
    assignee, teamId: q.teamId, labels: labels.length ? labels : undefined,
    priority: q.priority, language: q.language, waitingMinutes: q.waitingMinutes,
    channel: q.channel ? (q.channel.split(',') as InboxFilters['channel']) : undefined,
  });
}

/** The list's query (GET /api/conversations) for agent `me`: its filters, order, page size and search. */
export function inboxListQuery(sql: Sql, q: ListQueryString, me: number): InboxQuery {
  return {
    filters: sql`
      ${inboxFilterSql(sql, listFilters(q), me)}
      ${q.customerId ? sql`and c.customer_id = ${q.customerId}` : sql``}
      ${q.beforeId ? sql`and c.id < ${q.beforeId}` : sql``}`,
    order: inboxOrder(sql, q.view ?? 'all', q.sort),
    // The shopper's waiting time is null but for queued and assigned chats (shopperWaitingSince): those are read
    // through the status index, the others in the view's own order through its index (a sort of every chat took 2 s).
    leadingKey: q.sort === 'waiting' ? { value: sql`${shopperWaitingSince(sql)}`, holders: sql`c.status in ('queued', 'assigned')`, rest: viewOrder(sql, q.view ?? 'all') } : undefined,
    limit: q.limit ?? 50,
    search: inboxSearch(q.q),
  };
}

/**
 * The views' counts but mentions' (GET /api/conversations/counts): the open chats read through the status index, the
 * resolved ones counted up to RESOLVED_COUNT_CAP + 1. Unread is counted for chats with or waiting for a person only: a
 * resolved chat's backlog needs no badge (and resolved chats are the ones that pile up), and a chat the bot is
 * handling is the bot's to answer.
 */
export async function inboxCounts(sql: Sql, me: number): Promise<Record<string, number>> {
  // Materialized: inlined, the open chats' unread subquery ran once per sum() that reads it (5 times a chat).
  const [row] = await sql<Record<string, number>[]>`
    with open as materialized (
      select c.status, c.assignee_id, c.snoozed_until is not null as snoozed,
             case when c.status = 'bot' then 0 else
               (select count(*) from messages x where x.conversation_id = c.id and x.author_type = 'customer' and x.id > c.agent_last_seen_id) end as unread
      from conversations c where ${openStatus(sql)}
    )
    select count(*) filter (where status = 'queued')::int as queued_total,
           coalesce(sum(unread) filter (where status = 'queued'), 0)::int as queued_unread,
           count(*) filter (where status = 'assigned' and assignee_id = ${me} and not snoozed)::int as mine_total,
           coalesce(sum(unread) filter (where status = 'assigned' and assignee_id = ${me} and not snoozed), 0)::int as mine_unread,
           count(*) filter (where not snoozed)::int as open_total,
           coalesce(sum(unread) filter (where not snoozed), 0)::int as open_unread,
           count(*) filter (where snoozed)::int as snoozed_total,
           count(*) filter (where status = 'bot' and not snoozed)::int as open_bot_total,
           count(*) filter (where status = 'queued' and not snoozed)::int as open_queued_total,
           coalesce(sum(unread) filter (where status = 'queued' and not snoozed), 0)::int as open_queued_unread,
           count(*) filter (where status = 'assigned' and not snoozed)::int as open_assigned_total,
           coalesce(sum(unread) filter (where status = 'assigned' and not snoozed), 0)::int as open_assigned_unread,
           (select count(*) from (select from conversations where status = 'resolved' limit ${RESOLVED_COUNT_CAP + 1}) counted)::int as resolved_total
    from open`;
  return row;
}

type Order = InboxQuery['order'];
const activity = (sql: Sql): Order => sql`coalesce(c.last_message_at, c.created_at)`;
const newest = (sql: Sql): Order => sql`${activity(sql)} desc, c.id desc`;
/** The view's own order, without a `sort`. */
function viewOrder(sql: Sql, view: string): Order {
  // The queue in the order it is served (routing.ts): priority chats first, then first come.
  return view === 'queued' ? sql`c.priority desc, c.queued_at, c.id` : view === 'snoozed' ? sql`c.snoozed_until, c.id` : newest(sql);
}
/** The list's order for a view and the agent's choice, ending in c.id: a total order, so every step of a search agrees on it. */
function inboxOrder(sql: Sql, view: string, sort: Static<typeof InboxSort> | undefined): Order {
  const viewOwn = viewOrder(sql, view);
  switch (sort) {
    case 'newest': return newest(sql);
    case 'oldest': return sql`${activity(sql)}, c.id`;
    // The same "since when" as the list's `waitingSince` (null, last: nobody owes that shopper a reply).
    case 'waiting': return sql`${shopperWaitingSince(sql)} nulls last, ${viewOwn}`;
    case 'priority': return sql`c.priority desc, ${viewOwn}`;
    default: return viewOwn;
  }
}

export default function conversationRoutes(ctx: AppContext) {
  return async (app: App) => {
    const inUse = labelsInUse(ctx.sql, LABELS_IN_USE_TTL_MS, labelsGeneration(ctx.redis, ctx.config));
    const conversations = conversationsRepository(ctx.sql);
    const mentionReads = mentionReadsRepository(ctx.sql);


    app.get('/api/conversations', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: 'Inbox: filter by view, status, assignee, customer, label or text',
        querystring: Type.Object({
          view: Type.Optional(Type.Union([Type.Literal('queued'), Type.Literal('mine'), Type.Literal('open'), Type.Literal('snoozed'), Type.Literal('mentions'), Type.Literal('resolved'), Type.Literal('all')], {
            description: 'mentions: chats where a teammate named me ("@Name") in a private note, open or not. mine and open leave out snoozed '
              + "chats; snoozed lists the team's, the soonest to wake first",
          })),
          status: Type.Optional(Type.String({
            pattern: '^(bot|queued|assigned|resolved)(,(bot|queued|assigned|resolved))*$',
            description: 'One status, or several separated by commas (queued,assigned: the chats people deal with, as the console\'s "All open" shows by default)',
          })),
          assigneeId: Type.Optional({ ...Id, description: 'Held by this agent (as assignee=<id>)' }),
          assignee: Type.Optional(Type.String({ pattern: '^(me|nobody|[1-9][0-9]{0,14})$', description: 'me: held by me; nobody: held by no agent; an id: held by that agent' })),
          customerId: Type.Optional(Id),
          label: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH + 8, description: 'Only conversations with this label' })),
          labels: Type.Optional(Type.String({ minLength: 1, maxLength: (MAX_LABEL_LENGTH + 9) * MAX_FILTER_LABELS, description: `Only conversations with any of these labels, separated by commas (at most ${MAX_FILTER_LABELS})` })),
          priority: Type.Optional(Type.Boolean({ description: 'true: only priority chats; false: only the others' })),
          language: Type.Optional(ChatLanguage),
          channel: Type.Optional(Type.String({
            pattern: '^(widget|email|agent|import)(,(widget|email|agent|import)){0,3}$',
            description: 'Where the chat started, or several separated by commas (any of them): widget, email (a shopper\'s email reply started it), agent (an agent wrote first), import',
          })),
          waitingMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_WAITING_MINUTES, description: 'Only chats whose shopper has waited for a reply longer than this many minutes (`waitingSince`)' })),
          q: Type.Optional(Type.String({ maxLength: 200, description: 'Words as typed (case-insensitive, % and _ literal) in any message, notes included, or the customer\'s name, email or user id' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          beforeId: Type.Optional({ ...Id, description: 'Only chats with a smaller id (started earlier): a cut of the list, not a cursor in its order' }),
          teamId: Type.Optional(Type.Integer({ ...ID_RANGE, description: 'Only chats handed off to this team' })),
          sort: Type.Optional(InboxSort),
        }),
        response: { 200: Type.Object({ items: Type.Array(InboxItem), search: Type.Optional(InboxSearchScope) }), 401: ErrorResponse },
      },
    }, async (request) => {
      const q = request.query;
      const sql = ctx.sql;
      const me = request.user!.id;
      const view = q.view ?? 'all';
      const filters = listFilters(q);
      const query = inboxListQuery(sql, q, me);
      // Waiting first costs a subquery per open chat, which the planner prices for every chat of the list: from a few
      // thousand chats its estimate passed the JIT threshold, and compiling took 240 ms of a 255 ms list (30,000 chats).
      // The language and "waiting longer than" filters are such subqueries too.
      const perChat = q.sort === 'waiting' || perChatFilters(filters);
      const { rows, scope } = perChat ? await withoutJit(sql, (tx) => inboxPage(tx, query)) : await inboxPage(sql, query);
      // Answered once and then forgotten is as late as never answered: the console marks both (reply-target.ts).
      const waiting = await conversations.waitingSince(rows.map((r) => Number(r.id)));
      // The Mentions view marks the chats whose mention of me I have not seen yet (opening the chat sees it).
      const unseen = view === 'mentions' ? await mentionReads.unseenAmong(me, rows.map((r) => Number(r.id))) : null;
      return {
        items: rows.map((r) => ({
          conversation: toSummary(r),
          customer: { id: r.customer_id, name: r.cust_name, email: r.cust_email },
          lastMessage: r.last_message && { ...r.last_message, createdAt: new Date(r.last_message.createdAt).toISOString() },
          unread: r.unread,
          waitingSince: waiting.get(Number(r.id))?.toISOString() ?? null,
          labels: r.labels,
          ...(unseen ? { mentionUnseen: unseen.has(Number(r.id)) } : {}),
          ...(r.match ? { match: r.match } : {}),
        })),
        ...(scope ? { search: { scope, window: SEARCH_WINDOW } } : {}),
      };
    });

    const ViewCount = Type.Object({ total: Type.Integer(), unread: Type.Integer({ description: 'Unread shopper messages in those chats' }) });
    const ResolvedCount = Type.Object({
      ...ViewCount.properties,
      capped: Type.Boolean({ description: `true: there are more than ${RESOLVED_COUNT_CAP} resolved chats, and \`total\` is ${RESOLVED_COUNT_CAP}` }),
    });
    app.get('/api/conversations/counts', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: 'How many chats each inbox view holds, with their unread shopper messages (resolved chats count no unread)',
        description: 'mentions: `total` is every chat a note named me in, open or resolved (what the Mentions view lists); `unread` is how many '
          + 'of them have a mention I have not seen (not opened the chat since: POST /api/conversations/{id}/mentions/seen).',
        response: {
          200: Type.Object({
            queued: ViewCount, mine: ViewCount, open: ViewCount, snoozed: ViewCount, mentions: ViewCount, resolved: ResolvedCount,
            openByStatus: Type.Object({ bot: ViewCount, queued: ViewCount, assigned: ViewCount }, {
              description: '`open` split by status (the console\'s status filter on All open): they add up to `open`',
            }),
          }),
          401: ErrorResponse,
        },
      },
    }, async (request) => {
      const me = request.user!.id;
      const row = await inboxCounts(ctx.sql, me);
      // Mentions in open and resolved chats alike: one made while the agent was away is news after the resolve too.
      const mentions = await mentionReads.counts(me);
      return {
        queued: { total: row.queued_total, unread: row.queued_unread },
        mine: { total: row.mine_total, unread: row.mine_unread },
        open: { total: row.open_total, unread: row.open_unread },
        // A snoozed chat's unread messages are none: the shopper writing wakes it.
        snoozed: { total: row.snoozed_total, unread: 0 },
        mentions: { total: mentions.total, unread: mentions.unseen },
        resolved: { total: Math.min(row.resolved_total, RESOLVED_COUNT_CAP), unread: 0, capped: row.resolved_total > RESOLVED_COUNT_CAP },
        openByStatus: {
          bot: { total: row.open_bot_total, unread: 0 }, // the bot's to answer: never unread for agents (as above)
          queued: { total: row.open_queued_total, unread: row.open_queued_unread },
          assigned: { total: row.open_assigned_total, unread: row.open_assigned_unread },
        },
      };
    });

    app.get('/api/conversations/:id', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: `One conversation with its newest ${AGENT_HISTORY_PAGE} messages (bot evidence and private notes included) and its customer`,
        description: 'Messages come oldest first. `hasEarlier`: the chat has older messages; ask again with `beforeId` set to the '
          + 'oldest id received for the page before it (pages neither overlap nor leave gaps).',
        params: IdParams,
        querystring: Type.Object({ beforeId: Type.Optional(Type.Integer({ ...ID_RANGE, description: 'Only messages older than this one' })) }),
        response: {
          200: Type.Object({ conversation: ConversationSchema, customer: CustomerSchema, messages: Type.Array(MessageSchema), hasEarlier: Type.Boolean(), labels: Labels }),
          400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse,
        },
      },
    }, async (request) => {
      const row = await conversations.findById(request.params.id);
      if (!row) throw notFound('Conversation');
      const [customer] = await ctx.sql<CustomerRow[]>`select * from customers where id = ${row.customer_id}`;
      // The newest page: a long chat opens where it stands now, read in one index scan whatever its length.
      const { messages, hasEarlier } = await conversations.latestMessages(row.id, true, AGENT_HISTORY_PAGE, request.query.beforeId);
      const [{ labels }] = await ctx.sql<{ labels: string[] }[]>`select labels from conversations where id = ${row.id}`;
      return { conversation: toSummary(row), customer: toCustomer(customer), messages: messages.map(toChatMessage), hasEarlier, labels };
    });

    app.post('/api/conversations/:id/unread', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: "Mark a chat unread for the team: the agents' seen mark goes back to just before the shopper's latest message, "
          + 'so the chat counts 1 unread (more if more were unseen) until someone opens it again',
        description: 'Only a chat waiting for or held by a person (one the bot handles or a resolved one has no unread for agents) with '
          + 'a message from the shopper. A mark already further back stays. Every console is told (`conversation:updated`).',
        params: IdParams,
        response: { 200: Type.Object({ conversation: ConversationSchema }), 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    }, async (request) => {
      const id = request.params.id;
      const [found] = await ctx.sql<{ status: string; last_customer: number | null }[]>`
        select c.status, (select max(m.id) from messages m where m.conversation_id = c.id and m.author_type = 'customer') as last_customer
        from conversations c where c.id = ${id}`;
      if (!found) throw notFound('Conversation');
      if (found.status !== 'queued' && found.status !== 'assigned') {
        throw conflict('Only a chat waiting for or held by a person can be marked unread.', 'unread_needs_person');
      }
      if (!found.last_customer) throw conflict('The shopper has written nothing in this chat yet.', 'nothing_from_shopper');
      await ctx.sql`update conversations set agent_last_seen_id = least(agent_last_seen_id, ${Number(found.last_customer) - 1}) where id = ${id}`;
      const conversation = toSummary((await conversations.findById(id))!);
      ctx.realtime.toAgents('conversation:updated', conversation);
      return { conversation };
    });

    app.put('/api/conversations/:id/priority', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: 'Mark a chat priority, or take the mark off (any agent, any chat); every console is told (`conversation:updated`)',
        description: 'The inbox marks a priority chat and lists those first with sort=priority; the queue offers a queued priority '
          + 'chat to the next free agent before the others (its shoppers are told their new places). Setting what the chat already has '
          + 'changes nothing and tells nobody. Agents only: the shopper never sees it.',
        params: IdParams,
        body: Type.Object({ priority: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Type.Object({ conversation: ConversationSchema }), 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      return { conversation: await setConversationPriority(ctx, request.params.id, request.body.priority) };
    });

    app.post('/api/conversations/:id/mentions/seen', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: 'I have seen the notes naming me in this chat (the console says so when the agent opens it); answers how many chats still have an unseen mention of me, and tells all my consoles so (`mentions:seen`)',
        params: IdParams,
        response: { 200: Type.Object({ ok: Type.Literal(true), unseen: Type.Integer() }), 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const [found] = await ctx.sql<{ id: number }[]>`select id from conversations where id = ${request.params.id}`;
      if (!found) throw notFound('Conversation');
      const unseen = await mentionReads.markSeen(request.user!.id, request.params.id);
      // The agent's other tabs update their Mentions count too (only this tab asked).
      ctx.realtime.toAgent(request.user!.id, 'mentions:seen', { conversationId: request.params.id, unseen });
      return { ok: true as const, unseen };
    });

    app.get('/api/conversations/:id/alert', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: "What a console's alert about this chat says: who it is with, the shopper's latest words, and whether a chat waiting in the queue is one for me",
        description: '`queueAlert`: the chat is queued now, I am active and online, and it has no team, I am in its team, or none of its team '
          + 'is online (the team is a preference of routing, not a wall: anyone may take the chat then). Reading it changes nothing.',
        params: IdParams,
        response: {
          200: Type.Object({
            conversationId: Type.Integer(),
            status: Type.String(),
            customer: Type.Object({ id: Type.Integer(), name: Nullable(Type.String()), email: Nullable(Type.String()) }),
            latestShopperText: Nullable(Type.String({ description: "The shopper's latest message, its first 500 characters" })),
            queueAlert: Type.Boolean(),
          }),
          401: ErrorResponse, 404: ErrorResponse,
        },
      },
    }, async (request) => {
      const me = request.user!.id;
      const [row] = await ctx.sql<{ id: number; status: string; customer_id: number; name: string | null; email: string | null; latest: string | null; queue_alert: boolean }[]>`
        select c.id, c.status, cu.id as customer_id, cu.name, cu.email,
               (select left(m.body, 500) from messages m where m.conversation_id = c.id and m.author_type = 'customer' order by m.id desc limit 1) as latest,
               (c.status = 'queued' and u.active and u.presence = 'online' and (
                  c.team_id is null
                  or exists (select 1 from team_members tm where tm.team_id = c.team_id and tm.user_id = u.id)
                  or not exists (select 1 from team_members tm join users o on o.id = tm.user_id
                                 where tm.team_id = c.team_id and o.active and o.presence = 'online'))) as queue_alert
        from conversations c join customers cu on cu.id = c.customer_id join users u on u.id = ${me}
        where c.id = ${request.params.id}`;
      if (!row) throw notFound('Conversation');
      return {
        conversationId: Number(row.id), status: row.status,
        customer: { id: Number(row.customer_id), name: row.name, email: row.email },
        latestShopperText: row.latest, queueAlert: row.queue_alert,
      };
    });

    app.patch('/api/conversations/:id/labels', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: "Add and remove a conversation's labels (normalised: trimmed, lower-case, no duplicates); every console is told",
        description: 'Changes, not a new list: two agents labelling the same chat at once both keep their label.',
        params: IdParams,
        body: Type.Object({
          add: Type.Optional(Type.Array(Type.String({ maxLength: MAX_LABEL_LENGTH + 8 }), { maxItems: MAX_LABELS * 2 })),
          remove: Type.Optional(Type.Array(Type.String({ maxLength: MAX_LABEL_LENGTH + 8 }), { maxItems: MAX_LABELS * 2 })),
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ labels: Labels }), 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const labels = await changeLabels(request.params.id, normaliseLabels(request.body.add ?? []), (request.body.remove ?? []).map(labelKey));
      return { labels };
    });

    async function changeLabels(conversationId: number, add: string[], remove: string[]): Promise<string[]> {
      const labels = await changeConversationLabels(ctx, conversationId, add, remove);
      inUse.invalidate();
      return labels;
    }

    app.post('/api/conversations/bulk', {
      onRequest: app.requireAgent,
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['agent'],
        summary: `Resolve, or add a label to, up to ${MAX_BULK} conversations at once (the inbox's selection)`,
        description: 'Each conversation is handled as if alone, with the same rules (an agent resolves only chats nobody else holds); '
          + 'one that cannot be is listed in `failed` with the refusal an error body would carry (code, sentence, and `reason` and '
          + '`params` where set, for wording it) and does not stop the others.',
        body: Type.Object({
          conversationIds: Type.Array(Id, { minItems: 1, maxItems: MAX_BULK, uniqueItems: true }),
          action: Type.Union([Type.Literal('resolve'), Type.Literal('label')]),
          label: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH + 8, description: 'With action "label": the label to add' })),
        }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            done: Type.Array(Type.Integer()),
            failed: Type.Array(Type.Object({ conversationId: Type.Integer(), ...ErrorResponse.properties.error.properties })),
          }),
          400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse,
        },
      },
    }, async (request) => {
      const { conversationIds, action } = request.body;
      const label = action === 'label' ? normaliseLabels([request.body.label ?? '']) : [];
      if (action === 'label' && label.length !== 1) throw badRequest('action "label" needs the label to add.');
      if (action === 'resolve' && request.body.label !== undefined) throw badRequest('label goes only with action "label".');
      const actor = request.user!;
      const done: number[] = [];
      const failed: ({ conversationId: number } & ReturnType<typeof refusalBody>)[] = [];
      // One at a time, in the order given: each runs the single-chat path (its checks, system lines, events).
      for (const conversationId of conversationIds) {
        try {
          if (action === 'resolve') await ctx.chat.resolve(actor, conversationId);
          else await changeLabels(conversationId, label, []);
          done.push(conversationId);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          failed.push({ conversationId, ...refusalBody(error) });
        }
      }
      if (done.length) request.log.info({ action, done: done.length, failed: failed.length }, 'bulk conversation action');
      return { done, failed };
    });

    app.get('/api/conversation-labels', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: 'The labels in use, most used first, with how many conversations carry each (for suggestions and the inbox filter)',
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ label: Type.String(), conversations: Type.Integer() })) }), 401: ErrorResponse },
      },
    }, async () => ({ items: await inUse.get() }));

    const audit = (actorId: number, action: string, details: Record<string, unknown>) => recordAudit(ctx.sql, actorId, action, 'labels', details);
    const LabelParams = Type.Object({ label: Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH + 8 }) });
    /** Consoles reload the macros and saved views a label change rewrote (macro-routes.ts, inbox-view-routes.ts). */
    const tellSavedThingsChanged = ({ macros, views }: LabelReferencesChanged) => {
      for (const [event, changed] of [['macros:changed', macros], ['views:changed', views]] as const) {
        if (changed.team) ctx.realtime.toAgents(event, { scope: 'team' });
        for (const owner of changed.owners) ctx.realtime.toAgent(owner, event, { scope: 'personal' });
      }
    };
    const LabelChange = Type.Object({ label: Nullable(Type.String()), conversations: Type.Integer({ description: 'Conversations changed' }) });

    app.put('/api/admin/conversation-labels/:label', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Rename a label on every conversation (into an existing label merges them) and in the macros, automation rules and saved views that name it; every console is told',
        params: LabelParams,
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH + 8 }) }, { additionalProperties: false }),
        response: { 200: LabelChange, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const from = labelKey(request.params.label);
      const [to] = normaliseLabels([request.body.name]);
      if (to === from) return { label: to, conversations: 0 };
      const changed = await renameLabelEverywhere(ctx.sql, from, to);
      if (!labelFound(changed)) throw notFound(`Label "${from.slice(0, 40)}"`);
      const { conversations } = changed;
      await audit(request.user!.id, 'labels.rename', { from, to, conversations, ...referencesChanged(changed) });
      inUse.invalidate();
      await labelsChanged(ctx);
      tellSavedThingsChanged(changed.references);
      ctx.realtime.toAgents('labels:changed', { from, to, conversations });
      return { label: to, conversations };
    });

    app.delete('/api/admin/conversation-labels/:label', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'Remove a label from every conversation and from the macros, automation rules and saved views that name it (a macro or rule left with nothing to do is deleted; a view keeps its filter); every console is told', params: LabelParams,
        response: { 200: LabelChange, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const label = labelKey(request.params.label);
      const changed = await removeLabelEverywhere(ctx.sql, label);
      if (!labelFound(changed)) throw notFound(`Label "${label.slice(0, 40)}"`);
      const { conversations } = changed;
      await audit(request.user!.id, 'labels.remove', { label, conversations, ...referencesChanged(changed) });
      inUse.invalidate();
      await labelsChanged(ctx);
      tellSavedThingsChanged(changed.references);
      ctx.realtime.toAgents('labels:changed', { from: label, to: null, conversations });
      return { label: null, conversations };
    });

    app.get('/api/conversations/:id/transcript', {
      onRequest: app.requireAgent,
      schema: { tags: ['agent'], summary: 'Plain-text transcript (private notes marked)', params: IdParams, response: { 200: Type.String(), 401: ErrorResponse, 404: ErrorResponse } },
    }, async (request, reply) => {
      const text = await conversationTranscript(ctx.sql, request.params.id, { audience: 'team' });
      if (text === null) throw notFound('Conversation');
      reply.header('content-type', 'text/plain; charset=utf-8');
      return text;
    });

    const OfflineMessage = Type.Object({
      id: Type.Integer(), customerId: Nullable(Type.Integer()), conversationId: Nullable(Type.Integer()), name: Nullable(Type.String()),
      email: Type.String(), text: Type.String(), createdAt: Type.String(), handledAt: Nullable(Type.String()), handledBy: Nullable(Type.Integer()),
      handledByName: Nullable(Type.String()),
      handledInChat: Type.Boolean({ description: 'Answered by an agent reply (or the resolve) in its chat, not with "Mark answered"' }),
    });
    app.get('/api/offline-messages', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'Messages shoppers left while nobody was available (newest first; `openCount` counts the unanswered)',
        querystring: Type.Object({ handled: Type.Optional(Type.Boolean()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }),
        response: {
          200: Type.Object({
            items: Type.Array(OfflineMessage), openCount: Type.Integer(),
            repliesByEmail: Type.Boolean({ description: "An agent's reply in the message's chat is emailed to a shopper who does not see it (SMTP_URL set)" }),
          }),
          401: ErrorResponse,
        },
      },
    }, async (request) => {
      const handled = request.query.handled;
      const rows = await ctx.sql<{ id: number; customer_id: number | null; conversation_id: number | null; name: string | null; email: string; body: string; created_at: Date; handled_at: Date | null; handled_by: number | null; handled_by_name: string | null; handled_in_chat: boolean }[]>`
        select o.*, u.name as handled_by_name from offline_messages o left join users u on u.id = o.handled_by
        where ${handled === undefined ? ctx.sql`true` : handled ? ctx.sql`o.handled_at is not null` : ctx.sql`o.handled_at is null`}
        order by o.id desc limit ${request.query.limit ?? 200}`;
      const [open] = await ctx.sql<{ n: number }[]>`select count(*)::int as n from offline_messages where handled_at is null`;
      return {
        items: rows.map((r) => ({
          id: r.id, customerId: r.customer_id, conversationId: r.conversation_id, name: r.name, email: r.email, text: r.body,
          createdAt: r.created_at.toISOString(), handledAt: r.handled_at?.toISOString() ?? null, handledBy: r.handled_by, handledByName: r.handled_by_name,
          handledInChat: r.handled_in_chat,
        })),
        openCount: open.n,
        repliesByEmail: ctx.config.smtpUrl !== '',
      };
    });

    app.post('/api/offline-messages/:id/handled', {
      onRequest: app.requireAgent,
      schema: { tags: ['agent'], summary: 'Mark an offline message as answered (the first agent to do so is kept)', params: IdParams, response: { 200: Ok, 401: ErrorResponse, 404: ErrorResponse } },
    }, async (request) => {
      // Two agents answering the same message: the first one's name and time stay; its chat gets a note.
      await ctx.chat.markLeftMessageAnswered(request.user!, request.params.id);
      return { ok: true as const };
    });
  };
}
