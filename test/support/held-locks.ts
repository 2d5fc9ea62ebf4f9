// Race tests hold a lock in a transaction of their own, start the actions that must wait for it, see them waiting in
// pg_stat_activity, then let go: the order in which the actions meet is then the test's, not the scheduler's.
import type { Sql } from '../../server/db/client.ts';

/** Sessions of this database waiting for a lock now. */
export const lockWaiters = async (sql: Sql) => Number((await sql<{ n: number }[]>`
  select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)[0].n);

/** Holds what `lock` locks in a transaction of its own until the returned function is called (which waits for its end). */
export async function holdLocks(sql: Sql, lock: (tx: Sql) => Promise<unknown>): Promise<() => Promise<void>> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let transaction!: Promise<unknown>;
  await new Promise<void>((locked, failed) => {
    transaction = sql.begin(async (tx) => {
      await lock(tx as unknown as Sql);
      locked();
      await held;
    }).catch(failed);
  });
  return async () => {
    release();
    await transaction;
  };
}
