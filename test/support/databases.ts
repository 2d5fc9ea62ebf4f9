import type { Sql } from '../../server/db/client.ts';
/** Postgres server used by the tests (the machine's own unless TEST_PG_URL says otherwise). */
const SERVER_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
/**
 * The migrated template of this test run. Unique per run (set by the global setup, inherited by the
 * test workers) so that concurrent runs on one machine never drop each other's template.
 */
export function templateDb(): string {
  const name = process.env.SHOPDESK_TEST_TEMPLATE;
  if (!name) throw new Error('SHOPDESK_TEST_TEMPLATE is not set: run the tests through vitest (test/support/global-setup.ts)');
  return name;
}

export function adminUrl(): string {
  return `${SERVER_URL}/postgres`;
}
export function databaseUrl(name: string): string {
  return `${SERVER_URL}/${name}`;
}

/**
 * Holds an exclusive lock on a table in a transaction of its own, as a migration or a long admin job might, until
 * the returned function is called (it resolves once the transaction has ended). Every statement touching the table
 * waits meanwhile: a real "Postgres cannot answer that now".
 */
export async function holdTableLock(sql: Sql, table: string): Promise<() => Promise<void>> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let transaction!: Promise<unknown>;
  await new Promise<void>((locked) => {
    transaction = sql.begin(async (tx) => {
      await tx`lock table ${tx(table)} in access exclusive mode`;
      locked();
      await held;
    });
  });
  return async () => {
    release();
    await transaction;
  };
}
