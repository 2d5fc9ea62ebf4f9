// A shorter wait for locks than the pool's (config.dbLockTimeoutMs), for work that must not queue behind someone
// else's long transaction: an automation rule's actions (services/automation-rules.ts), which run while a chat waits
// for them. The limit is the transaction's own (SET LOCAL), so it ends with it and the pooled connection keeps its own.
import type { Sql, Tx } from './client.ts';

/** In a transaction already open: its lock waits from here on (row, table, advisory) give up after `ms` milliseconds. */
export async function limitLockWait(tx: Tx | Sql, ms: number): Promise<void> {
  await tx`select set_config('lock_timeout', ${String(Math.max(1, Math.round(ms)))}, true)`;
}

/** Runs `work` in a transaction whose lock waits give up after `ms` milliseconds. */
export function withLockTimeout<T>(sql: Sql, ms: number, work: (tx: Tx) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await limitLockWait(tx, ms);
    return work(tx);
  }) as Promise<T>;
}

/** Postgres's lock_not_available (55P03): a statement gave up waiting for a lock (lock_timeout, or NOWAIT). */
export function isLockTimeout(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === '55P03';
}
