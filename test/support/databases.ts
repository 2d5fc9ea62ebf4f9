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
