// Secrets every server of an install must share. When not configured, one is
// generated on first start and kept in Postgres, so several servers agree
// without anyone having to set SESSION_SECRET by hand.
import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/client.ts';

export async function sharedSecret(sql: Sql, key: string, configured: string): Promise<string> {
  if (configured) return configured;
  const generated = randomBytes(32).toString('base64url');
  await sql`insert into settings (key, value) values (${key}, ${sql.json(generated)}) on conflict (key) do nothing`;
  const [row] = await sql<{ value: string }[]>`select value from settings where key = ${key}`;
  return row.value;
}
