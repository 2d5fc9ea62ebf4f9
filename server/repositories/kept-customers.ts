// Which customer record a row belongs to, decided inside the writer's own transaction: a worker's (history, ratings,
// follow-up emails) or a server request's (a new chat, a left message, a file, an email reply) whose customer id was
// read before a merge committed — from the shopper's token or the agent's pick.
//
// A job names the customer it was queued for; a merge (server/services/customer-merge.ts) may since have emptied that
// record into another (`merged_into_id`), or be doing so right now. Reading `merged_into_id` without a lock is not
// enough: while the merge's transaction runs, the writer still sees the record unmerged, its insert then waits on the
// merge's row lock (the foreign key check) and, once the merge commits, lands on the emptied record — after the merge
// moved that record's rows, so nothing moves it later.
//
// So the writer first takes FOR KEY SHARE on the records it was given. That lock conflicts with the FOR UPDATE the
// merge takes on both its records before moving anything, so:
//   - a merge in progress makes the writer wait, and the writer then reads the committed merged_into_id (a locking
//     read in READ COMMITTED returns the row's newest version), and its later statements see everything moved;
//   - a merge that starts after the writer has the lock waits for the writer's commit, and then moves its rows.
// The record a row goes to is held the same way until the caller's transaction ends, so it cannot be merged away
// before the row is committed. FOR KEY SHARE (not a stronger lock) keeps writers of one customer from waiting on
// each other here, and does not block the merge's repointing of older merged rows (a no-key update).
import type { Sql, Tx } from '../db/client.ts';

/** A merge committing under each attempt needs one more; this many in a row means something is wrong. */
const MAX_ATTEMPTS = 8;

/** An attempt found a record merged into one it had not locked: its locks are given back and it starts over. */
class MergedMeanwhile extends Error {}

/**
 * Maps each customer id to the record its rows belong to now (itself, or the record it was merged into) and holds
 * those records (FOR KEY SHARE) until the transaction `tx` ends. Call it first in the transaction, before the writes.
 * An id with no customer row maps to itself (the write's foreign key then refuses it, as before).
 *
 * Every attempt locks all it needs in one statement in id order, as the merge locks its two records, so the two
 * never deadlock. Locking more records after a first statement would: holding the old record while asking for the
 * kept one, it waits for a second merge of the same pair (two tabs signing in at once) that holds the kept one and
 * asks for the old. So when the records locked show a merge this statement's snapshot did not (it committed while
 * the attempt waited for it), the attempt rolls back to its savepoint — which gives its row locks back — and the
 * next one, whose snapshot now sees that merge, locks the kept records along with the others.
 */
export async function holdKeptCustomers(tx: Tx, ids: readonly number[]): Promise<Map<number, number>> {
  const asked = [...new Set(ids)];
  if (asked.length === 0) return new Map();
  for (let attempt = 1; ; attempt++) {
    try {
      return (await tx.savepoint((sp) => lockAndResolve(sp as unknown as Sql, asked))) as Map<number, number>;
    } catch (error) {
      if (!(error instanceof MergedMeanwhile) || attempt === MAX_ATTEMPTS) throw error;
    }
  }
}

async function lockAndResolve(sql: Sql, asked: number[]): Promise<Map<number, number>> {
  // The records asked for and, as this statement's snapshot knows them, the ones they were merged into.
  const rows = await sql<{ id: number; merged_into_id: number | null }[]>`
    select id, merged_into_id from customers
    where id = any(${asked}::bigint[] || array(select merged_into_id from customers where id = any(${asked}::bigint[]) and merged_into_id is not null))
    order by id for key share`;
  // Each row as locked: its newest version, the merges that committed while this statement waited included.
  const mergedInto = new Map(rows.map((r) => [Number(r.id), r.merged_into_id === null ? null : Number(r.merged_into_id)]));
  const kept = new Map<number, number>();
  for (const id of asked) {
    let at = id;
    let into = mergedInto.get(at) ?? null; // no such customer: itself
    // One hop normally (a merge repoints the records merged into its source); more only across merges committing now.
    while (into !== null && mergedInto.has(into)) {
      at = into;
      into = mergedInto.get(at) ?? null;
    }
    if (into !== null) throw new MergedMeanwhile(`customer ${id} was merged into ${into} meanwhile`);
    kept.set(id, at);
  }
  return kept;
}

/**
 * Runs `write` in a transaction — the caller's when `sql` is one, else a new one — holding the record `customerId`
 * is kept in (holdKeptCustomers), and gives it that record's id to write on. In a caller's transaction, call it before
 * the writes that name the customer.
 */
export async function withKeptCustomer<T>(sql: Sql, customerId: number, write: (tx: Sql, keptId: number) => Promise<T>): Promise<T> {
  const run = async (tx: Tx) => write(tx as unknown as Sql, (await holdKeptCustomers(tx, [customerId])).get(customerId) ?? customerId);
  const inTransaction = typeof (sql as unknown as Partial<Tx>).savepoint === 'function';
  return inTransaction ? run(sql as unknown as Tx) : ((await sql.begin((tx) => run(tx))) as T);
}
