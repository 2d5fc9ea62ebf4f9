import postgres from 'postgres';
import type { Config } from '../config.ts';

export type Sql = postgres.Sql<Record<string, never>>;

/**
 * Opens the Postgres pool. Bigint ids come back as JS numbers (ids stay far below 2^53). `lockTimeoutMs` bounds
 * row-lock waits (not for pools that take the migration or seeding advisory locks, which wait on purpose).
 */
export function createSql(config: Pick<Config, 'databaseUrl'>, options: { max?: number; lockTimeoutMs?: number } = {}): Sql {
  return postgres(config.databaseUrl, {
    max: options.max ?? 10,
    onnotice: () => {},
    // int8 (bigserial ids, count(*)) parsed as numbers rather than strings.
    types: { bigint: { to: 20, from: [20], parse: (x: string) => Number(x), serialize: (x: number) => String(x) } },
    transform: { undefined: null },
    connection: { application_name: 'shopdesk', ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs } : {}) },
  }) as unknown as Sql;
}

/** A transaction handle, as given to sql.begin callbacks. */
export type Tx = postgres.TransactionSql<Record<string, never>>;

/**
 * Postgres's unique_violation (23505), from any constraint or, given `constraint`, that one: a row a concurrent save
 * took after the caller's own checks passed, answered as a conflict rather than a server error.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const failure = error as { code?: string; constraint_name?: string } | null;
  return failure?.code === '23505' && (constraint === undefined || failure.constraint_name === constraint);
}
