// A customer's tags (about the person, shown on every chat they have) changed by adding and removing some, under the
// record's row lock: two agents tagging the same shopper at once both keep their tag. The whole-set PATCH
// /api/customers/:id read-modify-wrote from the console's copy, so the later of two near-simultaneous saves
// dropped the other's tag.
//
// Tags compare case-insensitively, as the console's chips do: adding "VIP" to a record with "vip" changes nothing,
// and removing "vip" removes "VIP". A tag keeps the spelling it was first added with.
import type { Sql } from '../db/client.ts';
import type { CustomerRow } from '../repositories/customers.ts';
import { badRequest, worded } from '../errors.ts';
import { lockEditableCustomer } from './customer-attributes.ts';

/** Tags one customer may carry: the whole-set PATCH's cap too. */
export const MAX_CUSTOMER_TAGS = 50;

const sameTag = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The tags after the change: the removed ones taken out, then the added ones not already there appended in order. */
export function changedTags(current: readonly string[], add: readonly string[], remove: readonly string[]): string[] {
  const next = current.filter((tag) => !remove.some((gone) => sameTag(tag, gone)));
  for (const tag of add) if (!next.some((kept) => sameTag(kept, tag))) next.push(tag);
  return next;
}

/**
 * Adds and removes tags on one live customer (trimmed, non-empty tags: the route checks them). 404 for an unknown or
 * merged record, 409 for one deleted at the customer's request, 400 when the record would pass MAX_CUSTOMER_TAGS.
 */
export async function changeCustomerTags(sql: Sql, customerId: number, add: readonly string[], remove: readonly string[]): Promise<{ customer: CustomerRow; changed: boolean }> {
  return sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const row = await lockEditableCustomer(tx, customerId);
    const next = changedTags(row.tags, add, remove);
    // A record already over the cap (an older writer) may still lose tags, never gain them.
    if (next.length > MAX_CUSTOMER_TAGS && next.length > row.tags.length) {
      throw worded(badRequest(`add: a customer has at most ${MAX_CUSTOMER_TAGS} tags; this one has ${row.tags.length}.`), 'too_many_tags', { n: String(MAX_CUSTOMER_TAGS) });
    }
    if (next.length === row.tags.length && next.every((tag, i) => tag === row.tags[i])) return { customer: row, changed: false };
    const [updated] = await tx<CustomerRow[]>`update customers set tags = ${tx.array(next)}::text[], updated_at = now() where id = ${customerId} returning *`;
    return { customer: updated, changed: true };
  }) as Promise<{ customer: CustomerRow; changed: boolean }>;
}
