// Custom attributes the shop sends about a shopper (Intercom / Chatwoot style: plan "VIP", lifetimeValue 1200,
// wholesale true, signupDate "2024-03-01"), shown to agents beside the chat. They live in `customers.attributes`
// (jsonb, 001) beside the few keys the system keeps there itself (`deleted`, `unverifiedUserId`).
//
// Two writers use this module: the widget's verified identify() (POST /api/widget/sessions with `attributes`) and
// the API (PATCH /api/customers/:id/attributes, for the shop's backend with an API token). Both send *changes*, not
// the whole set: the given keys are set, a null removes its key, every other key stays (a page that only knows the
// plan must not wipe the lifetime value the backend set). The rules are strict because the values come from a
// browser page and are shown to every agent:
// - at most MAX_SHOP_ATTRIBUTES keys on a record (not counting the system's own);
// - a key is 1–40 characters: letters (any script, so a Chinese shop can write 会员等级), digits, `_`, `-`, `.`
//   and spaces inside (not at either end);
// - a value is text up to 200 characters (no control characters: jsonb cannot hold \u0000), a finite number,
//   true/false, or null (remove);
// - the record's attributes stay under MAX_ATTRIBUTES_BYTES of JSON.
// A refusal is a 400 `invalid_attributes` naming the key, and nothing is written. A record already over a limit
// (an older import allowed more) can still change and remove keys, never grow.
import type { Sql } from '../db/client.ts';
import { AppError, conflict, notFound } from '../errors.ts';
import type { CustomerRow } from '../repositories/customers.ts';

export const MAX_SHOP_ATTRIBUTES = 30;
export const MAX_ATTRIBUTE_KEY_CHARS = 40;
export const MAX_ATTRIBUTE_TEXT_CHARS = 200;
/** UTF-8 bytes of the record's attributes as JSON: 30 keys of short values fit many times; 30 of 200 Chinese characters do not. */
export const MAX_ATTRIBUTES_BYTES = 8 * 1024;
/** Kept by the system in the same column: never set or removed through these writers. */
export const SYSTEM_ATTRIBUTES: ReadonlySet<string> = new Set(['deleted', 'unverifiedUserId']);

const KEY_PATTERN = /^[\p{L}\p{N}_.-](?:[\p{L}\p{N}_. -]*[\p{L}\p{N}_.-])?$/u;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

export type AttributeValue = string | number | boolean | null;
/** Checked changes: a value sets its key, null removes it. */
export type AttributeChanges = Record<string, AttributeValue>;

/** The one line of documentation both routes' OpenAPI descriptions carry. */
export const ATTRIBUTE_RULES = `An object of changes: each key is set to its value, null removes the key, other keys stay. `
  + `Keys: 1-${MAX_ATTRIBUTE_KEY_CHARS} characters, letters, digits, "_", "-", "." and inner spaces. Values: text up to `
  + `${MAX_ATTRIBUTE_TEXT_CHARS} characters, a number, true/false, or null. At most ${MAX_SHOP_ATTRIBUTES} attributes per `
  + `customer, ${MAX_ATTRIBUTES_BYTES / 1024} KB in all; "deleted" and "unverifiedUserId" are kept by the system. `
  + '400 `invalid_attributes` names the offending key.';

const refuse = (message: string) => new AppError(400, 'invalid_attributes', message);
const shown = (key: string) => JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);

/** Why a key cannot be used, or null. */
function keyProblem(key: string): string | null {
  const length = [...key].length;
  if (length < 1 || length > MAX_ATTRIBUTE_KEY_CHARS) return `attribute name ${shown(key)} must be 1-${MAX_ATTRIBUTE_KEY_CHARS} characters`;
  if (!KEY_PATTERN.test(key)) return `attribute name ${shown(key)} may hold only letters, digits, "_", "-", "." and spaces inside`;
  if (SYSTEM_ATTRIBUTES.has(key)) return `attribute ${shown(key)} is kept by the system`;
  return null;
}

function valueProblem(key: string, value: unknown): string | null {
  if (value === null || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `attribute ${shown(key)}: the number must be finite`;
  if (typeof value === 'string') {
    if (value.length > MAX_ATTRIBUTE_TEXT_CHARS) return `attribute ${shown(key)}: text longer than ${MAX_ATTRIBUTE_TEXT_CHARS} characters`;
    if (CONTROL_CHARACTERS.test(value)) return `attribute ${shown(key)}: text with control characters`;
    return null;
  }
  return `attribute ${shown(key)}: expected text, a number, true/false or null, not ${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value}`;
}

/** Checks what a request sent as `attributes`; throws 400 `invalid_attributes` naming the first bad key. */
export function checkAttributeChanges(input: unknown): AttributeChanges {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw refuse('attributes: expected an object of names and values.');
  const entries = Object.entries(input);
  if (entries.length > MAX_SHOP_ATTRIBUTES) throw refuse(`attributes: ${entries.length} given; a customer has at most ${MAX_SHOP_ATTRIBUTES}.`);
  for (const [key, value] of entries) {
    const problem = keyProblem(key) ?? valueProblem(key, value);
    if (problem) throw refuse(`${problem}.`);
  }
  // fromEntries defines own properties: a key such as "__proto__" cannot reach the object's prototype.
  return Object.fromEntries(entries) as AttributeChanges;
}

const shopKeys = (attributes: Record<string, unknown>) => Object.keys(attributes).filter((k) => !SYSTEM_ATTRIBUTES.has(k));
const jsonBytes = (attributes: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(attributes));

/**
 * The record's attributes with the changes applied (checked changes: system keys are never among them). Throws 400
 * when the result would have too many keys or bytes — unless it is no larger than before (see the header).
 */
export function applyAttributeChanges(current: Record<string, unknown>, changes: AttributeChanges): Record<string, unknown> {
  const next = Object.fromEntries([
    ...Object.entries(current).filter(([key]) => !(key in changes)),
    ...Object.entries(changes).filter(([, value]) => value !== null),
  ]);
  const added = Object.keys(changes).filter((key) => changes[key] !== null && !Object.prototype.hasOwnProperty.call(current, key));
  const count = shopKeys(next).length;
  if (count > MAX_SHOP_ATTRIBUTES && count > shopKeys(current).length) {
    throw refuse(`attribute ${shown(added[0] ?? '')} would make ${count} attributes; a customer has at most ${MAX_SHOP_ATTRIBUTES}.`);
  }
  const bytes = jsonBytes(next);
  if (bytes > MAX_ATTRIBUTES_BYTES && bytes > jsonBytes(current)) {
    // The key whose value grew the most is the one to name.
    const grown = Object.keys(changes).filter((key) => changes[key] !== null)
      .sort((a, b) => JSON.stringify(changes[b]).length - JSON.stringify(changes[a]).length)[0] ?? '';
    throw refuse(`attribute ${shown(grown)}: the customer's attributes would be ${bytes} bytes; at most ${MAX_ATTRIBUTES_BYTES}.`);
  }
  return next;
}

function sameAttributes(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length
    && keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && JSON.stringify(a[key]) === JSON.stringify(b[key]));
}

/**
 * Applies checked changes to one customer in a transaction (the row locked: two tabs identifying at once, or the
 * shop's backend writing meanwhile, must not undo each other's keys). Refuses a deleted or merged record.
 */
export async function updateCustomerAttributes(sql: Sql, customerId: number, changes: AttributeChanges): Promise<{ customer: CustomerRow; changed: boolean }> {
  return sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const [row] = await tx<CustomerRow[]>`select * from customers where id = ${customerId} for update`;
    if (!row) throw notFound('Customer');
    if (row.merged_into_id) throw new AppError(404, 'customer_merged', `Customer #${customerId} was merged into customer #${row.merged_into_id}.`);
    if (row.attributes.deleted) throw conflict(`Customer #${customerId} was deleted at their request; the record cannot be edited.`);
    const next = applyAttributeChanges(row.attributes, changes);
    // A shop calls identify() on every page view with the same values: nothing to write, nobody to tell.
    if (sameAttributes(row.attributes, next)) return { customer: row, changed: false };
    const [updated] = await tx<CustomerRow[]>`
      update customers set attributes = ${tx.json(next as never)}, updated_at = now() where id = ${customerId} returning *`;
    return { customer: updated, changed: true };
  }) as Promise<{ customer: CustomerRow; changed: boolean }>;
}
