// SQL of the interactions worker: many events in one statement (so one round
// trip and one atomic transaction), each stored at most once (unique
// idempotency key), and the per-customer counters moved only by the rows this
// statement really inserted. A re-delivered event therefore neither duplicates
// a row nor counts twice.
import type { Sql } from '../server/db/client.ts';
import type { InteractionEvent, InteractionType } from '../server/interaction-events.ts';

/** Events that count in customers.messages_count (agents' private notes do not). */
export const MESSAGE_TYPES: readonly InteractionType[] = ['message.customer', 'message.bot', 'message.agent'];
/** Events that show the shopper was there: they move customers.last_seen_at (a bot or agent reply does not). */
export const CUSTOMER_ACTIVITY_TYPES: readonly InteractionType[] = ['conversation.started', 'message.customer', 'rating', 'offline.message'];

export interface BatchResult {
  /** Rows written by this batch; the rest were already there (re-delivered events). */
  inserted: number;
}

/**
 * Writes events and moves counters atomically. Duplicate keys inside the batch
 * are dropped first; rows go in key order and customers are locked in id order
 * so that batches racing on the same keys or customers wait instead of
 * deadlocking (a deadlock that still happens is retried by the batcher).
 */
export async function writeInteractionBatch(sql: Sql, events: readonly InteractionEvent[]): Promise<BatchResult> {
  const unique = new Map<string, InteractionEvent>();
  for (const event of events) if (!unique.has(event.idempotencyKey)) unique.set(event.idempotencyKey, event);
  const rows = [...unique.values()].map((e) => ({ k: e.idempotencyKey, cu: e.customerId, co: e.conversationId, t: e.type, p: e.payload, at: e.occurredAt }));
  if (rows.length === 0) return { inserted: 0 };
  const [result] = await sql<{ inserted: number }[]>`
    with ins as (
      insert into interaction_events (idempotency_key, customer_id, conversation_id, type, payload, occurred_at)
      select r.k, r.cu, r.co, r.t, r.p, r.at
      from jsonb_to_recordset(${sql.json(rows as never)}::jsonb) as r(k text, cu bigint, co bigint, t text, p jsonb, at timestamptz)
      order by r.k
      on conflict (idempotency_key) do nothing
      returning customer_id, type, occurred_at
    ),
    deltas as (
      select customer_id,
        count(*) filter (where type = 'conversation.started')::int as conversations,
        count(*) filter (where type = any(${MESSAGE_TYPES as string[]}::text[]))::int as messages,
        max(occurred_at) filter (where type = any(${CUSTOMER_ACTIVITY_TYPES as string[]}::text[])) as last_seen_at
      from ins
      where customer_id is not null
      group by customer_id
    ),
    locked as (
      select id from customers where id in (select customer_id from deltas) order by id for update
    ),
    updated as (
      update customers c set
        conversations_count = c.conversations_count + d.conversations,
        messages_count = c.messages_count + d.messages,
        last_seen_at = greatest(c.last_seen_at, d.last_seen_at)
      from deltas d
      where c.id = d.customer_id and c.id in (select id from locked)
        and (d.conversations > 0 or d.messages > 0 or d.last_seen_at is not null)
      returning 1
    )
    select (select count(*) from ins)::int as inserted, (select count(*) from updated)::int as customers`;
  return { inserted: result.inserted };
}
