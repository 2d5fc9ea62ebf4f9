// How a worker tells "retry later" from "never": BullMQ retries a thrown error
// with backoff, but fails an UnrecoverableError at once and keeps the job in the
// failed list for inspection.
import { UnrecoverableError } from 'bullmq';

function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** Deadlock or serialization failure: the same transaction will very likely pass if run again now. */
export function isTransientSqlError(error: unknown): boolean {
  return ['40P01', '40001'].includes(sqlState(error));
}

/** Bad data (class 22) or a broken constraint (class 23, e.g. the customer was deleted): retrying the same job cannot help. */
export function isDataSqlError(error: unknown): boolean {
  const state = sqlState(error);
  return state.startsWith('22') || state.startsWith('23');
}

/** Data errors become UnrecoverableError; anything else (connection lost, Postgres down) is returned as is, to be retried. */
export function asJobError(error: unknown): Error {
  if (isDataSqlError(error)) return new UnrecoverableError(`Rejected by Postgres (${sqlState(error)}): ${(error as Error).message}`);
  return error instanceof Error ? error : new Error(String(error));
}
