// SQL of the interactions worker: many events in one transaction, each stored
// at most once (unique idempotency key), and the per-customer counters moved
// only by the rows this transaction really inserted. A re-delivered event
// therefore neither duplicates a row nor counts twice.
import type { Sql, Tx } from '../server/db/client.ts';
import type { InteractionEvent, InteractionType } from '../server/interaction-events.ts';

/** Events that count as a message in customers.messages_count (agents' private notes do not). */
const MESSAGE_TYPES: ReadonlySet<string> = new Set<InteractionType>(['message.customer', 'message.bot', 'message.agent']);
/** Events that show the shopper was there: they move customers.last_seen_at (a bot or agent reply does not). */
const CUSTOMER_ACTIVITY_TYPES: ReadonlySet<string> = new Set<InteractionType>(['conversation.started', 'message.customer', 'rating', 'offline.message']);

export interface CounterDelta {
  customerId: number;
  conversations: number;
  messages: number;
  lastSeenAt: string | null;
}

interface InsertedRow {
  customer_id: number | null;
  type: string;
  occurred_at: Date;
}

/** Adds up what the inserted rows mean for each customer's counters. */
export function counterDeltas(rows: readonly InsertedRow[]): CounterDelta[] {
  const byCustomer = new Map<number, { conversations: number; messages: number; lastSeen: number | null }>();
  for (const row of rows) {
    if (row.customer_id === null) continue;
    let delta = byCustomer.get(row.customer_id);
    if (!delta) byCustomer.set(row.customer_id, (delta = { conversations: 0, messages: 0, lastSeen: null }));
    if (row.type === 'conversation.started') delta.conversations += 1;
    if (MESSAGE_TYPES.has(row.type)) delta.messages += 1;
    if (CUSTOMER_ACTIVITY_TYPES.has(row.type)) delta.lastSeen = Math.max(delta.lastSeen ?? 0, row.occurred_at.getTime());
  }
  return [...byCustomer.entries()]
    .filter(([, d]) => d.conversations > 0 || d.messages > 0 || d.lastSeen !== null)
    .sort(([a], [b]) => a - b)
    .map(([customerId, d]) => ({
      customerId,
      conversations: d.conversations,
      messages: d.messages,
      lastSeenAt: d.lastSeen === null ? null : new Date(d.lastSeen).toISOString(),
    }));
}

/** Moves the counters of several customers; rows are locked in id order so that concurrent batches cannot deadlock. */
export async function applyCounterDeltas(tx: Tx, deltas: readonly CounterDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const ids = deltas.map((d) => d.customerId);
  await tx`select id from customers where id = any(${ids}::bigint[]) order by id for update`;
  await tx`
    update customers c set
      conversations_count = c.conversations_count + d.conversations,
      messages_count = c.messages_count + d.messages,
      last_seen_at = greatest(c.last_seen_at, d."lastSeenAt")
    from jsonb_to_recordset(${tx.json(deltas as never)}::jsonb)
      as d("customerId" bigint, conversations integer, messages integer, "lastSeenAt" timestamptz)
    where c.id = d."customerId"`;
}

export interface BatchResult {
  /** Rows written by this batch; the rest were already there (re-delivered events). */
  inserted: number;
}

/**
 * Writes events in one transaction. Duplicate keys inside the batch are dropped
 * first, and rows go in key order so two batches racing on the same keys wait
 * on each other instead of deadlocking.
 */
export async function writeInteractionBatch(sql: Sql, events: readonly InteractionEvent[]): Promise<BatchResult> {
  const unique = new Map<string, InteractionEvent>();
  for (const event of events) if (!unique.has(event.idempotencyKey)) unique.set(event.idempotencyKey, event);
  const rows = [...unique.values()]
    .sort((a, b) => (a.idempotencyKey < b.idempotencyKey ? -1 : a.idempotencyKey > b.idempotencyKey ? 1 : 0))
    .map((e) => ({ k: e.idempotencyKey, cu: e.customerId, co: e.conversationId, t: e.type, p: e.payload, at: e.occurredAt }));
  if (rows.length === 0) return { inserted: 0 };
  return sql.begin(async (tx) => {
    const inserted = await tx<InsertedRow[]>`
      insert into interaction_events (idempotency_key, customer_id, conversation_id, type, payload, occurred_at)
      select r.k, r.cu, r.co, r.t, r.p, r.at
      from jsonb_to_recordset(${tx.json(rows as never)}::jsonb) as r(k text, cu bigint, co bigint, t text, p jsonb, at timestamptz)
      order by r.k
      on conflict (idempotency_key) do nothing
      returning customer_id, type, occurred_at`;
    await applyCounterDeltas(tx, counterDeltas(inserted));
    return { inserted: inserted.length };
  });
}
