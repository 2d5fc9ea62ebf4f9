// Two customer records of one person become one. It happens when an anonymous
// visitor signs in to the shop (verified identify()) as a customer we already
// know — their chat so far must follow them, or the agent sees a stranger and
// the shopper loses the conversation on screen — and when an agent sees that
// two records are the same person (the same email, say) and merges them.
//
// Everything that hangs off the merged-away record moves to the kept one in one
// transaction: conversations, history, ratings, left messages, files, orders,
// webhook deliveries, email records and the agents' notes on the customer. The merged-away row stays behind, empty,
// pointing at the kept one (`merged_into_id`): jobs still queued for its id land
// on the kept record (workers/interaction-store.ts, workers/feedback-store.ts),
// and its visitor token is not resumed — the browser that signed in got the kept
// record's token, and any other holder of the old token starts over rather than
// inherit a signed-in customer's orders.
import type { AppContext } from '../context.ts';
import type { Sql } from '../db/client.ts';
import { AppError, notFound } from '../errors.ts';
import type { CustomerRow } from '../repositories/customers.ts';
import { conversationsRepository, toSummary } from '../repositories/conversations.ts';
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

type Deps = Pick<AppContext, 'sql' | 'realtime' | 'redis' | 'config' | 'log' | 'queues'>;

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

    const moved = await tx<{ id: number }[]>`update conversations set customer_id = ${targetId} where customer_id = ${sourceId} returning id`;
    const movedConversations = moved.map((r) => Number(r.id));
    let movedRows = moved.length;
    for (const table of CUSTOMER_OWNED_TABLES.filter((t) => t !== 'conversations')) {
      movedRows += (await tx`update ${tx(table)} set customer_id = ${targetId} where customer_id = ${sourceId}`).count;
    }
    // Records merged into the source earlier now point at the target: one hop always reaches the kept record.
    await tx`update customers set merged_into_id = ${targetId} where merged_into_id = ${sourceId}`;

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
    return { kept, mergedId: sourceId, movedConversations, heldNothing };
  });
  await announceMerge(deps, sourceId, targetId, result.movedConversations);
  if (result.heldNothing && input.reason === 'sign_in') return { kept: result.kept, mergedId: sourceId, conversations: 0 };
  // Through the interactions worker like every history event: it writes the timeline row, and the shop's webhooks
  // hear of it (`customer.merged`), so a CRM keyed by our customer ids can follow the old id to the kept one.
  await deps.queues.enqueueInteractions([{
    idempotencyKey: `merged:${sourceId}`, type: 'customer.merged', customerId: targetId, conversationId: null,
    occurredAt: new Date().toISOString(), payload: { mergedId: sourceId, reason: input.reason, byAgentId: input.actorId },
  }]).catch((error: unknown) => deps.log.warn({ err: error, sourceId, targetId }, 'customer merge: history event not queued'));
  return { kept: result.kept, mergedId: sourceId, conversations: result.movedConversations.length };
}

/**
 * After the commit: the old record's tabs start over, consoles see the moved chats' new customer, and the kept
 * record's open panels reload (the notes moved to it are listed apart from its profile).
 */
async function announceMerge(deps: Deps, sourceId: number, targetId: number, movedConversations: number[]): Promise<void> {
  deps.realtime.disconnectShopper(sourceId);
  deps.realtime.toAgents('customer:updated', { customerId: targetId });
  await lastPages(deps.redis, deps.config).forget(sourceId).catch((error: unknown) => deps.log.warn({ err: error }, 'last page of a merged customer not removed'));
  const conversations = conversationsRepository(deps.sql);
  for (const id of movedConversations) {
    const row = await conversations.findById(id);
    if (row) deps.realtime.toAgents('conversation:updated', toSummary(row));
  }
}
