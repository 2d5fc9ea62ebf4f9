// SQL of the interactions worker: many events in one statement (after one
// locking read of their customers, in the same transaction), each stored at most once (unique
// idempotency key), and the per-customer counters moved only by the rows this
// statement really inserted. A re-delivered event therefore neither duplicates
// a row nor counts twice. Events of a customer whose data was deleted are
// dropped (they may have been queued just before). The same statement creates the webhook deliveries of
// the rows it inserted (one per active webhook subscribed to the event), so a
// re-delivered event never notifies a webhook twice either.
import type { Sql } from '../server/db/client.ts';
import type { InteractionEvent, InteractionType } from '../server/interaction-events.ts';
import { webhookEnvelope } from '../server/webhook-events.ts';
import { holdKeptCustomers } from '../server/repositories/kept-customers.ts';
import { deletedCustomer } from '../server/repositories/customers.ts';

/** Events that count in customers.messages_count (agents' private notes do not). */
export const MESSAGE_TYPES: readonly InteractionType[] = ['message.customer', 'message.bot', 'message.agent'];
/** Events that show the shopper was there: they move customers.last_seen_at (a bot or agent reply does not). */
export const CUSTOMER_ACTIVITY_TYPES: readonly InteractionType[] = ['conversation.started', 'message.customer', 'rating', 'offline.message'];

export interface BatchResult {
  /** Rows written by this batch; the rest were already there (re-delivered events). */
  inserted: number;
  /** Webhook deliveries created for those rows, to be queued once the batch has committed. */
  deliveryIds: number[];
}

/**
 * Writes events and moves counters atomically. Duplicate keys inside the batch
 * are dropped first; rows go in key order and customers are locked in id order
 * so that batches racing on the same keys or customers wait instead of
 * deadlocking (a deadlock that still happens is retried by the batcher).
 * Each event goes to the record its customer is kept in, resolved and held in
 * the same transaction (workers/kept-customers.ts), so a merge running
 * meanwhile cannot leave it on the record it empties.
 */
export async function writeInteractionBatch(sql: Sql, events: readonly InteractionEvent[]): Promise<BatchResult> {
  const unique = new Map<string, InteractionEvent>();
  for (const event of events) if (!unique.has(event.idempotencyKey)) unique.set(event.idempotencyKey, event);
  if (unique.size === 0) return { inserted: 0, deliveryIds: [] };
  return (await sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    // An event queued for a record that was merged since (or is being merged now) belongs to the record it was merged into.
    const kept = await holdKeptCustomers(txn, [...unique.values()].flatMap((e) => (e.customerId === null ? [] : [e.customerId])));
    const rows = [...unique.values()].map((e) => {
      const customerId = e.customerId === null ? null : kept.get(e.customerId) ?? e.customerId;
      // we / wp: the webhook event and body (null for events no webhook receives, e.g. private notes), naming the kept record.
      const envelope = webhookEnvelope({ ...e, customerId });
      return { k: e.idempotencyKey, cu: customerId, co: e.conversationId, t: e.type, p: e.payload, at: e.occurredAt, we: envelope?.event ?? null, wp: envelope };
    });
    return writeRows(tx, rows);
  })) as BatchResult;
}

interface EventRow {
  k: string; cu: number | null; co: number | null; t: string; p: unknown; at: string; we: string | null; wp: unknown;
}

/** The batch's one statement, its customers already resolved and held by the caller's transaction. */
async function writeRows(sql: Sql, rows: EventRow[]): Promise<BatchResult> {
  const [result] = await sql<{ inserted: number; delivery_ids: number[] }[]>`
    with src as (
      select r.k, r.cu, r.co, r.t, r.p, r.at, r.we, r.wp
      from jsonb_to_recordset(${sql.json(rows as never)}::jsonb)
        as r(k text, cu bigint, co bigint, t text, p jsonb, at timestamptz, we text, wp jsonb)
    ),
    ins as (
      insert into interaction_events (idempotency_key, customer_id, conversation_id, type, payload, occurred_at)
      select r.k, r.cu, r.co, r.t, r.p, r.at
      from src r
      -- An event queued before its customer's data was deleted must not bring their words back into the timeline.
      where not exists (select 1 from customers gone where gone.id = r.cu and ${deletedCustomer(sql, 'gone')})
      order by r.k
      on conflict (idempotency_key) do nothing
      returning idempotency_key, customer_id, type, occurred_at
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
    -- No key update (the counters' own lock): it waits for another batch's, not for the key share every writer holds.
    locked as (
      select id from customers where id in (select customer_id from deltas) order by id for no key update
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
    ),
    -- Only rows inserted just now notify webhooks; the unique (webhook_id, event_key) is the second guard. Nothing
    -- about an anonymised conversation leaves (a deleted customer's events were not inserted at all).
    deliveries as (
      insert into webhook_deliveries (webhook_id, event_key, event, payload, customer_id, conversation_id)
      select w.id, ins.idempotency_key, r.we, r.wp, r.cu, r.co
      from ins
      join src r on r.k = ins.idempotency_key
      join webhooks w on w.active and r.we = any(w.events)
      where not exists (select 1 from conversations erased where erased.id = r.co and erased.anonymised_at is not null)
      order by w.id, ins.idempotency_key
      on conflict (webhook_id, event_key) do nothing
      returning id
    )
    select (select count(*) from ins)::int as inserted, (select count(*) from updated)::int as customers,
           (select coalesce(jsonb_agg(id order by id), '[]'::jsonb) from deliveries) as delivery_ids`;
  return { inserted: result.inserted, deliveryIds: result.delivery_ids };
}
