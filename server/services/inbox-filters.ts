// The inbox list's filters, in one place: the list route (GET /api/conversations) turns its query string into them,
// a saved view (inbox-views.ts) stores them as they are, and both become the same SQL here — so a view's count is
// what its list holds, and a filter added to the list is one a view can keep.
//
// Each filter narrows the list; they combine with "and" (labels among themselves with "or": any of them). Over the
// cost of each (measured on 5,000 chats, docs in the report of migration 054): status, assignee, team and labels are
// served by the indexes of conversations (status, assignee, team, the labels' GIN); channel is read from the row the
// others find (no index: "email chats" is a large share or a small one depending on the shop); priority by the partial index of
// migration 054 for open chats; language and "waiting longer than" are computed per chat (a subquery on the chat's
// messages through their (conversation_id, id) index), so they cost per chat the other filters leave.
import { Type, type Static } from 'typebox';
import type { Sql } from '../db/client.ts';
import { ID_RANGE } from '../http/schemas.ts';
import { ConversationChannelSchema } from '../http/chat-schemas.ts';
import { badRequest } from '../errors.ts';
import { labelKey, MAX_LABEL_LENGTH } from './conversation-labels.ts';
import { conversationLanguage, shopperWaitingSince } from '../repositories/routing.ts';

type Fragment = ReturnType<Sql>;

/** The inbox's fixed lists; `all` is every chat (the widened search, and a view over everything). */
export type InboxTab = 'queued' | 'mine' | 'open' | 'snoozed' | 'mentions' | 'resolved' | 'all';
/** At most this many labels in one "any of" filter. */
export const MAX_FILTER_LABELS = 10;
/** "Waiting longer than" up to a week: past that a number is a typo. */
export const MAX_WAITING_MINUTES = 7 * 24 * 60;

/** The languages the team answers in (015_agent_languages.sql's check). */
export const ChatLanguage = Type.Union([Type.Literal('en'), Type.Literal('zh')], { description: "The chat's language: what the bot last answered in, else the widget's" });

/** A filter set as a saved view stores it (and as the list's query string means it). Every field is optional. */
export const InboxFilters = Type.Object({
  view: Type.Optional(Type.Union([
    Type.Literal('queued'), Type.Literal('mine'), Type.Literal('open'), Type.Literal('snoozed'), Type.Literal('mentions'), Type.Literal('resolved'), Type.Literal('all'),
  ], { description: 'One of the inbox lists the filters narrow (default: all)' })),
  status: Type.Optional(Type.Array(Type.Union([Type.Literal('bot'), Type.Literal('queued'), Type.Literal('assigned'), Type.Literal('resolved')]), { minItems: 1, maxItems: 4, description: 'Any of these statuses' })),
  assignee: Type.Optional(Type.Union([Type.Literal('me'), Type.Literal('nobody'), Type.Integer(ID_RANGE)], {
    description: 'me: held by whoever looks (a team view means each agent\'s own); nobody: held by no agent; a number: that agent',
  })),
  teamId: Type.Optional(Type.Integer({ ...ID_RANGE, description: 'Only chats handed off to this team' })),
  labels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH + 8 }), {
    minItems: 1, maxItems: MAX_FILTER_LABELS, description: 'Chats with any of these labels',
  })),
  priority: Type.Optional(Type.Boolean({ description: 'true: only priority chats; false: only the others' })),
  language: Type.Optional(ChatLanguage),
  channel: Type.Optional(Type.Array(ConversationChannelSchema, { minItems: 1, maxItems: 4, description: 'Chats started in any of these channels' })),
  waitingMinutes: Type.Optional(Type.Integer({
    minimum: 1, maximum: MAX_WAITING_MINUTES,
    description: 'Only chats whose shopper has waited for a reply longer than this (the list\'s `waitingSince`)',
  })),
}, { additionalProperties: false });
export type InboxFilters = Static<typeof InboxFilters>;

/** Filters as stored: labels in their stored spelling, without repeats; an empty list of them is no filter. */
export function cleanedFilters(filters: InboxFilters): InboxFilters {
  const cleaned: InboxFilters = { ...filters };
  if (filters.labels) {
    const keys = [...new Set(filters.labels.map(labelKey).filter(Boolean))];
    if (!keys.length) throw badRequest('labels: give at least one label that is not blank.', 'invalid_filter');
    cleaned.labels = keys;
  }
  if (filters.status) cleaned.status = [...new Set(filters.status)];
  if (filters.channel) cleaned.channel = [...new Set(filters.channel)];
  return cleaned;
}

/** Conversation `c` has a private note naming this agent (served by the index of migration 014). */
export const mentionsOf = (sql: Sql, agentId: number) => sql`exists (
  select 1 from messages n where n.conversation_id = c.id and n.private and n.metadata -> 'mentions' @> ${sql.json([{ id: agentId }])})`;

/**
 * Conversation `c` is not resolved, named status by status (001_core.sql's check: bot, queued, assigned, resolved):
 * `status <> 'resolved'` cannot use conversations_status_idx and read the whole table, resolved history included.
 */
export const openStatus = (sql: Sql) => sql`c.status in ('bot', 'queued', 'assigned')`;

/** The tab's own condition on conversation `c` ("and …", or nothing for all). */
function tabCondition(sql: Sql, tab: InboxTab, me: number): Fragment {
  switch (tab) {
    case 'queued': return sql`and c.status = 'queued'`;
    case 'mine': return sql`and c.status = 'assigned' and c.assignee_id = ${me} and c.snoozed_until is null`;
    case 'open': return sql`and ${openStatus(sql)} and c.snoozed_until is null`;
    case 'snoozed': return sql`and c.snoozed_until is not null`;
    case 'resolved': return sql`and c.status = 'resolved'`;
    case 'mentions': return sql`and ${mentionsOf(sql, me)}`;
    default: return sql``;
  }
}

/**
 * The filters as conditions on conversation `c`, each starting with "and" (the list's `where true …`). `me` is the
 * agent looking: "mine", "mentions" and `assignee: 'me'` are theirs.
 */
export function inboxFilterSql(sql: Sql, filters: InboxFilters, me: number): Fragment {
  const { assignee } = filters;
  return sql`
    ${tabCondition(sql, filters.view ?? 'all', me)}
    ${filters.status ? sql`and c.status = any(${filters.status}::text[])` : sql``}
    ${assignee === 'me' ? sql`and c.assignee_id = ${me}` : assignee === 'nobody' ? sql`and c.assignee_id is null` : assignee ? sql`and c.assignee_id = ${assignee}` : sql``}
    ${filters.teamId ? sql`and c.team_id = ${filters.teamId}` : sql``}
    ${filters.labels?.length ? sql`and c.labels && ${filters.labels}::text[]` : sql``}
    ${filters.priority === undefined ? sql`` : filters.priority ? sql`and c.priority` : sql`and not c.priority`}
    ${filters.language ? sql`and ${conversationLanguage(sql)} = ${filters.language}` : sql``}
    ${filters.channel ? sql`and c.channel = any(${filters.channel}::text[])` : sql``}
    ${filters.waitingMinutes
    // The waiting time is null but for these statuses: saying so lets the index pick them before the per-chat subquery.
    ? sql`and c.status in ('queued', 'assigned') and ${shopperWaitingSince(sql)} < now() - make_interval(mins => ${filters.waitingMinutes})`
    : sql``}`;
}

/** Whether a filter set computes a subquery per chat (the planner's JIT then costs more than the query: see withoutJit). */
export const perChatFilters = (filters: InboxFilters) => Boolean(filters.language || filters.waitingMinutes);

/** Whether the chats a filter set lists depend on who looks: "mine", "mentions" or assigned to "me". */
export const dependsOnViewer = (filters: InboxFilters) => filters.view === 'mine' || filters.view === 'mentions' || filters.assignee === 'me';
