// Every browser that loads the widget gets a customer record, because its
// visitor token names one; most never write. Left alone they would pile up by
// the million on a busy shop. A sweep removes, a bounded batch at a time, the
// visitors who left nothing behind — no name, email, shop user id, tag or block,
// no row in any table that refers to a customer — and were not seen for
// VISITOR_CLEANUP_DAYS, and the emptied rows of records merged into another that
// long ago (customer-merge.ts: by then no queued job still names them). A removed
// visitor who comes back is simply a new visitor: their token names nobody, and
// the widget starts a fresh session, as it does for any unknown token.
import type { Sql } from '../db/client.ts';
import { CUSTOMER_OWNED_TABLES } from './customer-merge.ts';

const BATCH = 1000;
/** Batches per sweep: about 0.13 s each on 500,000 visitors here, so a sweep stays short and still clears 10,000. */
const MAX_BATCHES = 10;

/** Removes idle visitors in batches until none are left or MAX_BATCHES ran; returns how many records went. */
export async function removeIdleVisitors(sql: Sql, days: number): Promise<number> {
  if (days <= 0) return 0;
  let removed = 0;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const batch = await removeOneBatch(sql, days);
    removed += batch.idle + batch.merged;
    if (batch.idle < BATCH && batch.merged < BATCH) break;
  }
  return removed;
}

async function removeOneBatch(sql: Sql, days: number): Promise<{ idle: number; merged: number }> {
  const cutoff = sql`now() - make_interval(days => ${days})`;
  // Checked table by table, each through its customer_id index: the counters alone are kept by a worker, so a
  // visitor whose first message is still queued would look empty to them.
  const ownsNothing = CUSTOMER_OWNED_TABLES.reduce(
    (fragment, table) => sql`${fragment} and not exists (select 1 from ${sql(table)} x where x.customer_id = c.id)`,
    sql`true`,
  );
  // SKIP LOCKED: two servers sweeping at once take different rows, and a visitor whose session is touching their
  // row right now is left for the next sweep.
  const idle = await sql`
    delete from customers where id in (
      select c.id from customers c
      where c.external_id is null and c.email is null and c.name is null and c.conversations_count = 0
        and c.merged_into_id is null and c.blocked_at is null and c.tags = '{}' and c.last_seen_at < ${cutoff}
        and not exists (select 1 from customers m where m.merged_into_id = c.id)
        and ${ownsNothing}
      order by c.last_seen_at limit ${BATCH} for update skip locked)
    returning id`;
  const merged = await sql`
    delete from customers where id in (
      select c.id from customers c
      where c.merged_into_id is not null and c.merged_at < ${cutoff} and ${ownsNothing}
      order by c.merged_at limit ${BATCH} for update skip locked)
    returning id`;
  return { idle: idle.length, merged: merged.length };
}
