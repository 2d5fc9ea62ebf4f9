// The unsubscribe link of follow-up emails: a customer id signed with the
// install's shared secret (the visitor-token secret, under a purpose prefix so
// the signature can stand for nothing else). Stateless, like visitor tokens:
// a link in an old email still works.
//
// An opt-out is kept twice: on the customer record (the console shows it), and for the address, as a hash
// (email_suppressions, migration 067), so that no record with that address — another browser's, one made later, one
// left after the first was deleted — is emailed again. Every check before emailing a shopper asks emailOptedOut.
import type { Sql, Tx } from '../db/client.ts';
import { withKeptCustomer } from '../repositories/kept-customers.ts';
import { identityHash, signatureMatches } from './visitor-tokens.ts';

const PURPOSE = 'email-unsubscribe';
const signed = (customerId: number) => `${PURPOSE}:${customerId}`;

export function unsubscribeToken(secret: string, customerId: number): string {
  return `${customerId}.${identityHash(secret, signed(customerId))}`;
}

/** The customer a token stands for, or null when it is malformed or forged. */
export function verifyUnsubscribeToken(secret: string, token: unknown): number | null {
  if (typeof token !== 'string' || token.length > 100) return null;
  const match = /^([1-9][0-9]{0,15})\.([0-9a-f]{64})$/.exec(token);
  if (!match) return null;
  const customerId = Number(match[1]);
  return signatureMatches(secret, signed(customerId), match[2]) ? customerId : null;
}

export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/api/email/unsubscribe?token=${encodeURIComponent(token)}`;
}

/**
 * SQL: the key customer `alias`'s address is suppressed under (null without an address): the sha256 hex of it trimmed
 * and lower-cased. Postgres computes it both when storing and when checking, so the two always agree.
 */
const addressKey = (sql: Sql | Tx, alias: string) =>
  sql`encode(sha256(convert_to(lower(btrim(${sql(alias)}.email)), 'UTF8')), 'hex')`;

/**
 * SQL: customer `alias` must not get the shop's emails to shoppers (follow-ups, rating requests): their record
 * unsubscribed, or their address did on any record. The one spelling of that test, for every path that emails them.
 */
export const emailOptedOut = (sql: Sql | Tx, alias: string) =>
  sql`(${sql(alias)}.email_followups_off_at is not null
       or exists (select 1 from email_suppressions s where s.address_hash = ${addressKey(sql, alias)}))`;

/**
 * Records the opt-out (the first time only: its time stays when the link is used again), on the record and for its
 * address; false for an unknown customer.
 * The link names the record the email was sent for, which a merge (a sign-in, say) may since have emptied into another:
 * the opt-out goes on the record kept now, which is the one the follow-up and rating emails read (kept-customers.ts).
 */
export async function optOutOfFollowups(sql: Sql, customerId: number): Promise<boolean> {
  return withKeptCustomer(sql, customerId, async (tx, keptId) => {
    const rows = await tx`update customers set email_followups_off_at = coalesce(email_followups_off_at, now()), updated_at = now()
                          where id = ${keptId} returning id`;
    // And the address, the kept record's and the one the link's record had (the email may have gone there before a
    // merge): a later record with it is not emailed either, and a deletion of these records does not lift it.
    await tx`insert into email_suppressions (address_hash)
             select distinct ${addressKey(tx, 'c')} from customers c where c.id in (${customerId}, ${keptId}) and c.email is not null
             on conflict (address_hash) do nothing`;
    return rows.length > 0;
  });
}

/** The language of the emails the customer of a link gets now: their kept record's (after a merge), else null. */
export async function unsubscribeLocale(sql: Sql, customerId: number): Promise<string | null> {
  const [row] = await sql<{ locale: string | null }[]>`
    select coalesce(kept.locale, c.locale) as locale from customers c left join customers kept on kept.id = c.merged_into_id
    where c.id = ${customerId}`;
  return row?.locale ?? null;
}
