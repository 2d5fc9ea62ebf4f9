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
//   and spaces inside (not at either end), combining marks after the first character (Thai ชื่อ, Hindi नाम);
//   stored in NFC, so a precomposed and a decomposed "é" are one key;
// - a value is text up to 200 characters (no control characters: jsonb cannot hold \u0000; no lone surrogate,
//   which jsonb refuses too), a number below 1e15 in magnitude (its JSON stays short, so the byte cap holds as
//   stored), true/false, or null (remove);
// - the record's attributes stay under MAX_ATTRIBUTES_BYTES of JSON.
// A refusal is a 400 `invalid_attributes` naming the key, and nothing is written. A record already over a limit
// (an older import allowed more) can still change and remove keys, never grow.
//
// Whose word wins: the shop's backend (the API here, the contacts import, an agent's edit in the console) over the
// shopper's page. `customers.attribute_sources` (058) names the writer that last set or removed each key on the
// shop's side; identify() leaves those keys alone. identify() also never fails over the caps — it runs after the
// sign-in may have merged records, and a 400 then would lock the shopper out for good — so the shape of the values
// is checked up front (400, nothing written), and the caps key by key: what does not fit, or is the backend's, is
// returned as refused (`attributesRefused` in the session answer).
//
// The backend can hand keys back: the API's `release` (a list of names) drops their marks, whichever backend writer
// left them, so identify() writes those keys again. The value stays until the page changes it. A null only removes a
// value and keeps the key the backend's — "this shopper has no trial" must not be undone by a stale page — so a key
// the backend wants gone and the page's again is sent as null and released in one call.
//
// The name rules are for keys being set. The older writers were looser — the console's whole-replace PATCH
// /api/customers/:id takes any name of up to 60 characters, the contacts import did — so a record may hold
// "Favourite colour?" or a 50-character key. Removing one (null) or releasing it is accepted under its stored spelling
// whatever that is, within those writers' bounds (MAX_HELD_KEY_CHARS, no control characters, not a system key), when the
// record holds it: as a value or as a backend mark. A name outside the rules that the record does not hold is refused.
import type { Sql } from '../db/client.ts';
import { AppError, conflict, notFound } from '../errors.ts';
import type { CustomerRow } from '../repositories/customers.ts';

export const MAX_SHOP_ATTRIBUTES = 30;
export const MAX_ATTRIBUTE_KEY_CHARS = 40;
/** The longest name the looser writers (the whole-replace PATCH, the contacts import before it used these rules) store: removable, not settable. */
export const MAX_HELD_KEY_CHARS = 60;
export const MAX_ATTRIBUTE_TEXT_CHARS = 200;
/** UTF-8 bytes of the record's attributes as JSON: 30 keys of short values fit many times; 30 of 200 Chinese characters do not. */
export const MAX_ATTRIBUTES_BYTES = 8 * 1024;
/** Kept by the system in the same column: never set or removed through these writers. */
export const SYSTEM_ATTRIBUTES: ReadonlySet<string> = new Set(['deleted', 'unverifiedUserId']);

// Combining marks (\p{M}) after the first character: Thai ชื่อ, Hindi नाम and a decomposed é are words of their scripts.
const KEY_PATTERN = /^[\p{L}\p{N}_.-](?:[\p{L}\p{N}\p{M}_. -]*[\p{L}\p{N}\p{M}_.-])?$/u;
/** Numbers are kept below this magnitude: their JSON then stays short (no 1e+308), so the byte cap holds as stored. */
export const MAX_ATTRIBUTE_NUMBER = 1e15;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** Half of a surrogate pair on its own (String#isWellFormed, which the compile target's library does not declare). */
export const LONE_SURROGATE = /\p{Cs}/u;

export type AttributeValue = string | number | boolean | null;
/** Checked changes: a value sets its key, null removes it. */
export type AttributeChanges = Record<string, AttributeValue>;

/** The one line of documentation both routes' OpenAPI descriptions carry. */
export const ATTRIBUTE_RULES = `An object of changes: each key is set to its value, null removes the key, other keys stay. `
  + `Keys: 1-${MAX_ATTRIBUTE_KEY_CHARS} characters, letters, digits, "_", "-", "." and inner spaces. Values: text up to `
  + `${MAX_ATTRIBUTE_TEXT_CHARS} characters, a number, true/false, or null. At most ${MAX_SHOP_ATTRIBUTES} attributes per `
  + `customer, ${MAX_ATTRIBUTES_BYTES / 1024} KB in all; numbers below 1e15 in magnitude; "deleted" and "unverifiedUserId" `
  + 'are kept by the system. 400 `invalid_attributes` names the offending key. identify() never overwrites or removes a key the '
  + "shop's backend wrote (API, import, console) until the backend releases it, and writes what fits the caps; what it left "
  + 'out is in `attributesRefused`.';

/** Names one PATCH …/attributes may release: more than the keys a record holds, since removed keys stay marked too. */
export const MAX_RELEASED_KEYS = 100;

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

/** Why a name cannot even be one of the looser writers' (see the header), or null. */
function heldKeyProblem(key: string): string | null {
  const length = [...key].length;
  if (length < 1 || length > MAX_HELD_KEY_CHARS) return `attribute name ${shown(key)} must be 1-${MAX_HELD_KEY_CHARS} characters`;
  if (CONTROL_CHARACTERS.test(key)) return `attribute name ${shown(key)} has control characters`;
  if (SYSTEM_ATTRIBUTES.has(key)) return `attribute ${shown(key)} is kept by the system`;
  return null;
}

/**
 * The key a removal or a release names: in NFC when it meets the name rules; otherwise as given (the spelling an older
 * writer stored), if it is within their bounds — updateCustomerAttributes then requires the record to hold it.
 */
function removableKey(given: string): { key: string } | { problem: string } {
  const key = given.normalize('NFC');
  const problem = keyProblem(key);
  if (!problem) return { key };
  return heldKeyProblem(given) ? { problem } : { key: given };
}

/** A name outside the rules: only one the record holds may be removed or released (see the header). */
const outsideNameRules = (key: string) => keyProblem(key.normalize('NFC')) !== null;

function valueProblem(key: string, value: unknown): string | null {
  if (value === null || typeof value === 'boolean') return null;
  if (typeof value === 'number') {
    return Number.isFinite(value) && Math.abs(value) < MAX_ATTRIBUTE_NUMBER ? null
      : `attribute ${shown(key)}: the number must be finite and below 10^15 in magnitude (1e15)`;
  }
  if (typeof value === 'string') {
    // A lone surrogate (half of an emoji cut off) is not text Postgres can store in jsonb: it would fail the statement.
    if (LONE_SURROGATE.test(value)) return `attribute ${shown(key)}: text with a lone surrogate (not well-formed Unicode)`;
    if (value.length > MAX_ATTRIBUTE_TEXT_CHARS) return `attribute ${shown(key)}: text longer than ${MAX_ATTRIBUTE_TEXT_CHARS} characters`;
    if (CONTROL_CHARACTERS.test(value)) return `attribute ${shown(key)}: text with control characters`;
    return null;
  }
  return `attribute ${shown(key)}: expected text, a number, true/false or null, not ${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : typeof value}`;
}

/**
 * Checks what a request sent as `attributes`; throws 400 `invalid_attributes` naming the first bad key. With
 * `removeHeldKeys` (the shop's side), a null may name a key outside the rules an older writer stored (see the header).
 */
export function checkAttributeChanges(input: unknown, options: { removeHeldKeys?: boolean } = {}): AttributeChanges {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw refuse('attributes: expected an object of names and values.');
  const entries = Object.entries(input);
  if (entries.length > MAX_SHOP_ATTRIBUTES) throw refuse(`attributes: ${entries.length} given; a customer has at most ${MAX_SHOP_ATTRIBUTES}.`);
  const checked: [string, unknown][] = [];
  for (const [given, value] of entries) {
    if (LONE_SURROGATE.test(given)) throw refuse(`attribute name ${shown(given)} is not well-formed Unicode.`);
    if (value === null && options.removeHeldKeys) {
      const removal = removableKey(given);
      if ('problem' in removal) throw refuse(`${removal.problem}.`);
      checked.push([removal.key, null]);
      continue;
    }
    // One spelling per name: "é" typed precomposed on one page and decomposed on another is one attribute.
    const key = given.normalize('NFC');
    const problem = keyProblem(key) ?? valueProblem(key, value);
    if (problem) throw refuse(`${problem}.`);
    checked.push([key, value]);
  }
  // fromEntries defines own properties: a key such as "__proto__" cannot reach the object's prototype.
  return Object.fromEntries(checked) as AttributeChanges;
}

/**
 * Checks what the API sent as `release` (undefined: none); throws 400 `invalid_attributes` naming the first bad name.
 * A name outside the rules is kept as given, for a key the record holds (see the header).
 */
export function checkReleasedKeys(input: unknown): string[] {
  if (input === undefined) return [];
  if (!Array.isArray(input) || input.some((key) => typeof key !== 'string')) throw refuse('release: expected a list of attribute names.');
  if (input.length > MAX_RELEASED_KEYS) throw refuse(`release: ${input.length} names given; at most ${MAX_RELEASED_KEYS}.`);
  return (input as string[]).map((given) => {
    if (LONE_SURROGATE.test(given)) throw refuse(`attribute name ${shown(given)} is not well-formed Unicode.`);
    const release = removableKey(given); // NFC: the spelling a key within the rules is stored and marked under
    if ('problem' in release) throw refuse(`release: ${release.problem}.`);
    return release.key;
  });
}

const shopKeys = (attributes: Record<string, unknown>) => Object.keys(attributes).filter((k) => !SYSTEM_ATTRIBUTES.has(k));
const jsonBytes = (attributes: Record<string, unknown>) => Buffer.byteLength(JSON.stringify(attributes));

/** The changes applied, no caps checked. */
const withChanges = (current: Record<string, unknown>, changes: AttributeChanges) => Object.fromEntries([
  ...Object.entries(current).filter(([key]) => !Object.hasOwn(changes, key)),
  ...Object.entries(changes).filter(([, value]) => value !== null),
]);

/** Which cap the changed attributes would pass (growing past it; see the header), or null. Also the contacts import's check. */
export function attributeCapPassed(current: Record<string, unknown>, next: Record<string, unknown>): 'too_many' | 'too_large' | null {
  const count = shopKeys(next).length;
  if (count > MAX_SHOP_ATTRIBUTES && count > shopKeys(current).length) return 'too_many';
  const bytes = jsonBytes(next);
  return bytes > MAX_ATTRIBUTES_BYTES && bytes > jsonBytes(current) ? 'too_large' : null;
}

/**
 * The record's attributes with the changes applied (checked changes: system keys are never among them). Throws 400
 * when the result would have too many keys or bytes — unless it is no larger than before (see the header).
 */
export function applyAttributeChanges(current: Record<string, unknown>, changes: AttributeChanges): Record<string, unknown> {
  const next = withChanges(current, changes);
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
 * A whole set of attributes (the console's replace) with its keys in NFC, as every other writer stores them; throws
 * 400 `invalid_attributes` when two keys are one name in different spellings (which value was meant is unknown).
 */
export function withNfcKeys<T>(attributes: Record<string, T>): Record<string, T> {
  const keyed = new Map<string, string>();
  for (const given of Object.keys(attributes)) {
    const key = given.normalize('NFC');
    if (keyed.has(key)) throw refuse(`attribute name ${shown(key)} is given twice, in two Unicode spellings.`);
    keyed.set(key, given);
  }
  return Object.fromEntries([...keyed].map(([key, given]) => [key, attributes[given]]));
}

/**
 * The changes extended to the record's other spellings of their keys. An older writer (the console's whole-replace
 * PATCH before it normalised) may have stored "café" decomposed; the changes name it in NFC. A removal removes every
 * spelling, and a value set under the NFC key replaces the old spelling rather than standing beside it, so a record
 * ends up with one key per name whichever way the request typed it.
 */
function withStoredSpellings(changes: AttributeChanges, stored: Record<string, unknown>): AttributeChanges {
  const others = Object.keys(stored).filter((key) => !SYSTEM_ATTRIBUTES.has(key) && key.normalize('NFC') !== key);
  const spelled = others.filter((key) => Object.hasOwn(changes, key.normalize('NFC')) && !Object.hasOwn(changes, key));
  return { ...Object.fromEntries(spelled.map((key) => [key, null])), ...changes };
}

/**
 * The customer's row, locked for the rest of the transaction `tx`: the shop's side edits it (attributes, tags). 404
 * for an unknown or merged record, 409 for one deleted at the customer's request.
 */
export async function lockEditableCustomer(tx: Sql, customerId: number): Promise<CustomerRow> {
  const [row] = await tx<CustomerRow[]>`select * from customers where id = ${customerId} for update`;
  if (!row) throw notFound('Customer');
  if (row.merged_into_id) throw new AppError(404, 'customer_merged', `Customer #${customerId} was merged into customer #${row.merged_into_id}.`);
  if (row.attributes.deleted) throw conflict(`Customer #${customerId} was deleted at their request; the record cannot be edited.`, 'customer_deleted');
  return row;
}

/**
 * Who writes: the shop's side through PATCH …/attributes — its backend with an API token ('api') or an agent in the
 * console's customer panel ('console'); the contacts import writes through its own statement — or the shopper's page.
 */
export type AttributeWriter = 'api' | 'console' | 'shopper';
/** A key identify() did not write, and why: the shop's backend wrote it, or it would pass the count or size cap. */
export interface RefusedAttribute { key: string; reason: 'backend_owned' | 'too_many' | 'too_large' }

/**
 * Applies checked changes to one customer in a transaction (the row locked: two tabs identifying at once, or the
 * shop's backend writing meanwhile, must not undo each other's keys). Refuses a deleted or merged record.
 *
 * The shop's side ('api', 'console') writes all or nothing (a 400 names the key) and marks every key it sets or removes as the
 * backend's. The shopper's page (identify(), 'shopper') never fails over attributes — it runs after the sign-in has
 * merged records, and a 400 then would leave the shopper unable to sign in again: keys the backend wrote are left
 * alone, the rest are applied one by one while they fit the caps, and what was not written is returned.
 *
 * `released` (checked names, the API only): after the changes, these keys lose their backend mark (see the header).
 */
export async function updateCustomerAttributes(sql: Sql, customerId: number, changes: AttributeChanges, writer: AttributeWriter = 'api', released: readonly string[] = []): Promise<{ customer: CustomerRow; changed: boolean; refused: RefusedAttribute[] }> {
  return sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const row = await lockEditableCustomer(tx, customerId);
    const backend = writer !== 'shopper';
    if (backend) {
      changes = withStoredSpellings(changes, row.attributes);
      released = Object.keys(withStoredSpellings(Object.fromEntries(released.map((key) => [key, null])), row.attribute_sources ?? {}));
    }
    // The backend's keys in NFC: one it stored in another spelling is still its key for identify().
    const backendNames = new Set(Object.keys(row.attribute_sources ?? {}).map((key) => key.normalize('NFC')));
    const held = (key: string) => Object.hasOwn(row.attributes, key) || Object.hasOwn(row.attribute_sources ?? {}, key);
    const removed = Object.keys(changes).filter((key) => changes[key] === null);
    for (const [what, keys] of [['attributes', removed], ['release', released]] as const) {
      const unheld = keys.find((key) => outsideNameRules(key) && !held(key));
      if (unheld !== undefined) {
        throw refuse(`${what}: ${keyProblem(unheld.normalize('NFC'))}; a name outside these rules is accepted only for an attribute the customer has.`);
      }
    }
    const refused: RefusedAttribute[] = [];
    let next: Record<string, unknown>;
    if (backend) next = applyAttributeChanges(row.attributes, changes);
    else {
      next = row.attributes;
      for (const [key, value] of Object.entries(changes)) {
        if (backendNames.has(key)) { refused.push({ key, reason: 'backend_owned' }); continue; }
        const candidate = withChanges(next, { [key]: value });
        const passed = attributeCapPassed(next, candidate);
        if (passed) refused.push({ key, reason: passed });
        else next = candidate;
      }
    }
    const sources = backend ? Object.fromEntries(Object.keys(changes).map((key) => [key, writer])) : {};
    // A shop calls identify() on every page view with the same values: nothing to write, nobody to tell. (The API
    // setting a value the page had set already still makes the key the backend's.)
    const changed = !sameAttributes(row.attributes, next);
    const marksUnchanged = Object.keys(sources).every((key) => released.includes(key) || row.attribute_sources?.[key] === writer)
      && !released.some((key) => Object.hasOwn(row.attribute_sources ?? {}, key));
    if (!changed && marksUnchanged) return { customer: row, changed: false, refused };
    // Released keys are taken out after the new marks go in: a key both set and released is the page's from now on.
    const [updated] = await tx<CustomerRow[]>`
      update customers set attributes = ${tx.json(next as never)},
        attribute_sources = (attribute_sources || ${tx.json(sources as never)}) - ${tx.array([...released])}::text[],
        updated_at = now() where id = ${customerId} returning *`;
    return { customer: updated, changed, refused };
  }) as Promise<{ customer: CustomerRow; changed: boolean; refused: RefusedAttribute[] }>;
}
