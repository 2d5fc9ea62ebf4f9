// Secrets every server of an install must share. When not configured, one is
// generated on first start and kept in Postgres, so several servers agree
// without anyone having to set SESSION_SECRET by hand.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../db/client.ts';

export async function sharedSecret(sql: Sql, key: string, configured: string): Promise<string> {
  if (configured) return configured;
  const generated = randomBytes(32).toString('base64url');
  await sql`insert into settings (key, value) values (${key}, ${sql.json(generated)}) on conflict (key) do nothing`;
  const [row] = await sql<{ value: string }[]>`select value from settings where key = ${key}`;
  return row.value;
}

/**
 * Whether a secret a caller presented is the configured one. Both are hashed first: equal lengths for
 * timingSafeEqual, so the comparison takes the same time whatever was sent and reveals nothing of the secret's length.
 */
export function sameSecret(given: string | null | undefined, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return given !== null && given !== undefined && timingSafeEqual(digest(given), digest(expected));
}
