/** Postgres server used by the tests (the machine's own unless TEST_PG_URL says otherwise). */
const SERVER_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const TEMPLATE_DB = 'shopdesk_test_template';

export function adminUrl(): string {
  return `${SERVER_URL}/postgres`;
}
export function databaseUrl(name: string): string {
  return `${SERVER_URL}/${name}`;
}
