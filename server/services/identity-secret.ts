// A new identity secret withdraws the visitor tokens of every customer the old secret signed in: whoever could
// compute the old hashes (the reason a shop changes its secret after a leak) must not keep a signed-in customer's
// chat and orders through a token made back then. Noticed where the secret is used, the session route, so a secret
// changed in the environment (IDENTITY_SECRET) is caught as well as one changed in the console.
import { createHash } from 'node:crypto';
import type { Sql } from '../db/client.ts';
import { newVisitorKey } from './visitor-tokens.ts';

const SETTING = 'identity_secret_fingerprint';
/** The fingerprint this process last saw stored, per database: skips the query while the secret stays the same. */
const known = new WeakMap<Sql, string>();

const fingerprint = (secret: string) => createHash('sha256').update(`shopdesk-identity:${secret}`).digest('hex');

export async function noteIdentitySecret(ctx: { sql: Sql }, secret: string): Promise<void> {
  const current = fingerprint(secret);
  if (known.get(ctx.sql) === current) return;
  await ctx.sql.begin(async (tx) => {
    const [stored] = await tx<{ value: string }[]>`select value #>> '{}' as value from settings where key = ${SETTING} for update`;
    if (stored?.value === current) return;
    await tx`insert into settings (key, value) values (${SETTING}, ${tx.json(current)})
             on conflict (key) do update set value = excluded.value, updated_at = now()`;
    // The first secret ever seen withdraws nothing: no customer was signed in with another one.
    if (stored) await tx`update customers set visitor_key = ${newVisitorKey()} || id::text where external_id is not null`;
  });
  known.set(ctx.sql, current);
}
