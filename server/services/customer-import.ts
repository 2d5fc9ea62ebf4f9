// Bringing a shop's existing contacts in (from Intercom, Chatwoot, the shop's own user list) and taking them out:
// an admin sends a CSV file or JSON `{customers: [...]}`, each contact is matched to a record or becomes a new one,
// and the answer counts what happened and names every refused row by its line. A customer record otherwise exists
// only once the shopper loads the widget; an imported one can be written to first (an email follow-up reaches them).
//
// Matching, per row: the record holding the row's externalId (the shop's user id), else a new record — never a record
// found by email alone, which a visitor can set (see below); a row with an email and no externalId: a live record with
// the same email (case-insensitive; of several, the most recently seen), else a new record. The email holding one record and
// the externalId another is a conflict, never a silent merge: the row is refused and the agents can merge in the
// console. What an import writes: it fills a record's empty name, email, locale and shop user id, and sets the
// attributes the row gives (other attributes stay). It never blanks or replaces a known name, email, locale or shop
// user id (what the shopper or the shop's sign-in said is newer than an old tool's export), and an empty cell or a
// missing field changes nothing. One transaction per request (rows are capped), so a file is all in or all out except
// the rows it refuses, and sending the same file again changes nothing (every row "unchanged").
//
// Attributes follow the shop API's rules (customer-attributes.ts: names, values, 30 keys and 8 KB per record, counting
// those it has), or a record filled past them by an import could get no new attribute from the API or identify(). A cell
// holding the NUL character or a lone surrogate, which Postgres cannot store, refuses its row: the routes leave their
// rows to readContact rather than the global text guard, so one bad cell does not refuse the whole file unnamed.
import type { Sql } from '../db/client.ts';
import { AppError } from '../errors.ts';
import { customersRepository, type CustomerRow } from '../repositories/customers.ts';
import { recordAudit } from './audit-log.ts';
import { csvField } from './console-reports.ts';
import { attributeCapPassed, checkAttributeChanges, MAX_ATTRIBUTES_BYTES, MAX_SHOP_ATTRIBUTES, SYSTEM_ATTRIBUTES } from './customer-attributes.ts';
import { unstorableText } from '../plugins/text-guard.ts';

/** Contacts per request: 5,000 rows are a few seconds in one transaction. A larger list is sent in several files. */
export const MAX_IMPORT_ROWS = 5_000;
/** Bytes per request (the route's body limit): 5,000 contacts with a few attributes each stay well below. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
/**
 * Columns of a CSV file: the four known ones, the export's own, and attribute columns. More than a customer's
 * MAX_SHOP_ATTRIBUTES: a sparse file gives each contact a few of them, and a row with too many is refused on its own.
 */
const MAX_COLUMNS = 120;
// The same limits as the widget's identify() (userId, email, name, locale); attributes follow customer-attributes.ts,
// the rules of the shop's API and identify(): a record imported past them could not be given a new attribute by either.
const MAX_EXTERNAL_ID = 200;
const MAX_EMAIL = 254;
const MAX_NAME = 200;
const MAX_LOCALE = 16;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOCALE_PATTERN = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/;

export type AttributeValue = string | number | boolean | null;
export interface Contact {
  externalId: string | null;
  email: string | null;
  name: string | null;
  locale: string | null;
  attributes: Record<string, AttributeValue>;
}
/**
 * A row as read from the file, by its line (CSV: the line it starts on, the header being line 1; JSON: its 1-based
 * position in `customers`). JSON rows carry their object; CSV rows their known columns as text, their attribute
 * columns, the export's JSON attributes column, or why the row cannot be read.
 */
export type SourceRow =
  | { line: number; kind: 'json'; fields: Record<string, unknown> }
  | { line: number; kind: 'csv'; fields: Partial<Record<'externalId' | 'email' | 'name' | 'locale', string>>; columnAttributes: Record<string, string>; attributesJson?: string; error?: string };
export interface RejectedRow { line: number; code: 'invalid' | 'conflict' | 'changed_meanwhile'; reason: string; customerIds?: number[] }
export interface ImportResult {
  dryRun: boolean;
  format: 'json' | 'csv';
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  conflicts: number;
  /** Rows whose name, email or locale differed from a value the record already had, which was kept. */
  keptExisting: number;
  rejectedRows: RejectedRow[];
  /** CSV: the columns read as attributes, and the export's columns passed over (id, dates, counts). */
  columns?: { attributes: string[]; ignored: string[] };
}

const refuse = (code: string, message: string) => new AppError(400, code, message);

// ---------- CSV ----------

/**
 * The records of a CSV text (RFC 4180: quoted fields may hold the delimiter, doubled quotes and line breaks), each
 * with the line it starts on. The delimiter is the header's: a comma, else a semicolon or a tab (spreadsheets in
 * many European languages save with semicolons). A byte-order mark is dropped, and blank lines (or empty cells only)
 * are skipped. An unterminated quote makes the file unreadable: a 400 naming its line.
 */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = firstLine.includes(',') ? ',' : firstLine.includes(';') ? ';' : firstLine.includes('\t') ? '\t' : ',';
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 0;
  const endField = () => { fields.push(field); field = ''; };
  // A line of empty cells (",,,", which spreadsheets leave under the data) is as blank as an empty one.
  const endRecord = () => {
    endField();
    if (fields.some((f) => f.trim() !== '')) records.push({ line: recordLine, fields });
    fields = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') { quoted = true; quoteLine = line; continue; }
    if (c === delimiter) { endField(); continue; }
    if (c === '\r' && text[i + 1] === '\n') continue;
    if (c === '\n' || c === '\r') {
      endRecord();
      line++;
      recordLine = line;
      continue;
    }
    field += c; // a quote inside an unquoted field is taken as it is
  }
  if (quoted) throw refuse('not_parseable', `The CSV file could not be read: the quoted field opened on line ${quoteLine} is never closed.`);
  endRecord();
  return records;
}

/** Undoes the export's guard against spreadsheet formulas (console-reports.ts csvField: a leading ' before = + - @). */
const unguarded = (value: string) => (/^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value);

/** Header names as the import knows them, however the file spells them (externalId, external_id, External ID). */
const normalisedHeader = (name: string) => name.trim().toLowerCase().replace(/[\s_-]+/g, '');
const KNOWN_COLUMNS: Record<string, 'externalId' | 'email' | 'name' | 'locale' | 'attributes'> = {
  externalid: 'externalId', userid: 'externalId', email: 'email', name: 'name', locale: 'locale', attributes: 'attributes',
};
/** The export's columns that describe the record here (its id, dates, counts): read back, they change nothing. */
const EXPORT_ONLY_COLUMNS = new Set(['id', 'createdat', 'lastseenat', 'conversationscount']);

/**
 * The rows of a CSV file as fields by name: the known columns by their import name, every other column as an
 * attribute named by its header (as written), an `attributes` column (the export's) as JSON. Refuses the file
 * (400) when it has no header, a column without a name, the same column twice, or too many columns.
 */
export function csvRows(text: string): { rows: SourceRow[]; columns: { attributes: string[]; ignored: string[] } } {
  const records = parseCsv(text);
  if (!records.length) throw refuse('not_parseable', 'The CSV file is empty: it needs a header row (externalId, email, name, locale, and any attribute columns) and a row per contact.');
  const [header, ...body] = records;
  if (header.fields.length > MAX_COLUMNS) throw refuse('too_many_columns', `The CSV file has ${header.fields.length} columns; at most ${MAX_COLUMNS} are read (a customer has at most ${MAX_SHOP_ATTRIBUTES} attributes).`);
  const seen = new Map<string, number>();
  const columns = header.fields.map((raw, index) => {
    const name = raw.trim();
    if (!name) throw refuse('not_parseable', `Column ${index + 1} of the CSV header has no name.`);
    const known: string | undefined = KNOWN_COLUMNS[normalisedHeader(name)];
    const kind = (known ?? (EXPORT_ONLY_COLUMNS.has(normalisedHeader(name)) ? 'ignored' : 'attribute')) as (typeof KNOWN_COLUMNS)[string] | 'ignored' | 'attribute';
    const key = known ?? (kind === 'ignored' ? `ignored:${normalisedHeader(name)}` : `attribute:${name}`);
    if (seen.has(key)) throw refuse('not_parseable', `The CSV header names the same column twice: "${header.fields[seen.get(key)!].trim()}" and "${name}".`);
    seen.set(key, index);
    return { name, kind };
  });
  if (!columns.some((c) => c.kind === 'externalId' || c.kind === 'email')) {
    throw refuse('not_parseable', 'The CSV header has neither an externalId (or external_id, user_id) nor an email column: every contact needs one of them. Is the first row the header?');
  }
  const rows = body.map((record): SourceRow => {
    // No prototype: a column named __proto__ is an attribute like any other.
    const row: SourceRow & { kind: 'csv' } = { line: record.line, kind: 'csv', fields: {}, columnAttributes: Object.create(null) as Record<string, string> };
    if (record.fields.length > columns.length) {
      return { ...row, error: `the row has ${record.fields.length} fields and the header ${columns.length} (a value with the delimiter in it that is not in quotes?)` };
    }
    record.fields.forEach((raw, index) => {
      const column = columns[index];
      const value = unguarded(raw).trim();
      if (!value || column.kind === 'ignored') return; // an empty cell changes nothing
      if (column.kind === 'attribute') row.columnAttributes[column.name] = value;
      else if (column.kind === 'attributes') row.attributesJson = value;
      else row.fields[column.kind] = value;
    });
    return row;
  });
  return {
    rows,
    columns: { attributes: columns.filter((c) => c.kind === 'attribute').map((c) => c.name), ignored: columns.filter((c) => c.kind === 'ignored').map((c) => c.name) },
  };
}

// ---------- one row ----------

const JSON_FIELDS = new Set(['externalId', 'email', 'name', 'locale', 'attributes']);

/**
 * The first of a row's fields holding text Postgres cannot store (NUL, a lone surrogate), named; or null. The import
 * routes leave their rows to this check instead of the global text guard (plugins/text-guard.ts), so one such cell
 * refuses its row with its line rather than the whole file.
 */
export function unstorableField(fields: Record<string, unknown>): string | null {
  for (const [name, value] of Object.entries(fields)) {
    const problem = unstorableText(name, true) ?? unstorableText(value, true);
    // The sentence as a reason: "name: text cannot contain …", the way the other reasons read.
    if (problem) return `${JSON.stringify(name.slice(0, 60)).slice(1, -1)}: ${problem[0].toLowerCase()}${problem.slice(1).replace(/\.$/, '')}`;
  }
  return null;
}

/** The same rules as the shop's API (customer-attributes.ts): the checked attributes, or why the row is refused. */
function checkedAttributes(attributes: Record<string, unknown>): { attributes: Record<string, AttributeValue> } | { problem: string } {
  try {
    return { attributes: checkAttributeChanges(attributes) };
  } catch (error) {
    if (error instanceof AppError) return { problem: error.message.replace(/\.$/, '') };
    throw error;
  }
}

/** Why the record's attributes, once the row's are set, pass a cap a record has (count, bytes), or null. */
function attributeCapProblem(current: Record<string, unknown>, next: Record<string, unknown>, customerId?: number): string | null {
  const passed = attributeCapPassed(current, next);
  if (!passed) return null;
  const who = customerId === undefined ? 'the contact' : `customer #${customerId}`;
  const shopKeys = Object.keys(next).filter((k) => !SYSTEM_ATTRIBUTES.has(k)).length;
  return passed === 'too_many'
    ? `${who} would have ${shopKeys} attributes; a customer has at most ${MAX_SHOP_ATTRIBUTES}`
    : `${who}'s attributes would be ${Buffer.byteLength(JSON.stringify(next))} bytes; at most ${MAX_ATTRIBUTES_BYTES}`;
}

/** A row's contact, or why it is refused. JSON rows and CSV rows (csvRows) both come here. */
export function readContact(row: SourceRow): Contact | { problem: string } {
  if (row.kind === 'csv' && row.error) return { problem: row.error };
  // Before anything reads them: what cannot be stored refuses this row alone (the routes' guard leaves rows to this).
  const unstorable = row.kind === 'csv'
    ? unstorableField(row.fields) ?? unstorableField(row.columnAttributes) ?? unstorableField({ attributes: row.attributesJson })
    : unstorableField(row.fields);
  if (unstorable) return { problem: unstorable };
  const fields: Record<string, unknown> = row.fields;
  const unknown = Object.keys(fields).filter((k) => !JSON_FIELDS.has(k));
  if (unknown.length) return { problem: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k.slice(0, 60)}"`).join(', ')} (attributes go in "attributes")` };
  const text = (name: string, value: unknown, max: number): string | null | { problem: string } => {
    if (value === undefined || value === null) return null;
    if (name === 'externalId' && typeof value === 'number' && Number.isSafeInteger(value)) value = String(value);
    if (typeof value !== 'string') return { problem: `${name}: expected text` };
    const trimmed = value.trim();
    if (trimmed.length > max) return { problem: `${name}: at most ${max} characters` };
    return trimmed || null;
  };
  const externalId = text('externalId', fields.externalId, MAX_EXTERNAL_ID);
  const email = text('email', fields.email, MAX_EMAIL);
  const name = text('name', fields.name, MAX_NAME);
  const locale = text('locale', fields.locale, MAX_LOCALE);
  for (const value of [externalId, email, name, locale]) if (value && typeof value === 'object') return value;
  if (typeof email === 'string' && !EMAIL_PATTERN.test(email)) return { problem: `email: "${email.slice(0, 80)}" is not an email address` };
  if (typeof locale === 'string' && !LOCALE_PATTERN.test(locale)) return { problem: `locale: "${locale}" is not a language code such as en, zh or pt-BR` };
  if (!externalId && !email) return { problem: 'neither an externalId nor an email: one of them says who the contact is' };

  let attributes: Record<string, unknown> = {};
  if (row.kind === 'json' && fields.attributes !== undefined && fields.attributes !== null) {
    if (typeof fields.attributes !== 'object' || Array.isArray(fields.attributes)) return { problem: 'attributes: expected an object of names and values' };
    attributes = { ...(fields.attributes as Record<string, unknown>) };
  }
  if (row.kind === 'csv') {
    if (row.attributesJson !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(row.attributesJson);
      } catch {
        return { problem: 'the attributes column is not JSON (the export writes an object such as {"plan":"gold"})' };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: 'the attributes column is not a JSON object' };
      attributes = { ...(parsed as Record<string, unknown>) };
    }
    // A column of its own wins over the same name in the JSON column.
    attributes = { ...attributes, ...row.columnAttributes };
  }
  // An import stores a null as the value (it never removes a key); the names, values and count follow the API's rules.
  const checked = checkedAttributes(attributes);
  if ('problem' in checked) return checked;
  return { externalId: externalId as string | null, email: email as string | null, name: name as string | null, locale: locale as string | null, attributes: checked.attributes };
}

// ---------- the import ----------

/** Thrown to roll a dry run's transaction back once its result is known. */
class DryRunDone<T> extends Error {
  constructor(readonly result: T) {
    super('dry run');
  }
}

/**
 * An import's work in one transaction, one import at a time: the contacts and the conversations imports both create
 * customers from a file, so they share one lock, and a second import meanwhile is refused (409) rather than racing
 * the first to create the same people. A dry run does the same work and rolls back, so what it answers is exactly what
 * the import would do; a real one then records itself (`audit`) in the same transaction.
 */
export async function inImportTransaction<T>(sql: Sql, dryRun: boolean, work: (tx: Sql) => Promise<T>, audit: (tx: Sql, result: T) => Promise<void>): Promise<T> {
  try {
    return (await sql.begin(async (txn) => {
      const tx = txn as unknown as Sql;
      const [lock] = await tx<{ locked: boolean }[]>`select pg_try_advisory_xact_lock(hashtext('shopdesk:customer-import')) as locked`;
      if (!lock.locked) throw new AppError(409, 'import_running', 'Another import (of contacts or conversations) is running; try again when it has finished.');
      const result = await work(tx);
      if (dryRun) throw new DryRunDone(result);
      await audit(tx, result);
      return result;
    })) as T;
  } catch (error) {
    if (error instanceof DryRunDone) return error.result as T;
    throw error;
  }
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const lower = (email: string | null) => email?.toLowerCase() ?? null;

/**
 * Imports the rows in one transaction (a dry run: the same work, rolled back, so what it answers is exactly what the
 * import would do — a file naming the same contact twice included). One import at a time: a second one meanwhile is
 * refused (409) rather than racing the first to create the same contacts. Audited (not a dry run).
 */
export async function importContacts(sql: Sql, input: {
  rows: SourceRow[]; format: 'json' | 'csv'; dryRun: boolean; actorId: number; columns?: ImportResult['columns']; fileName?: string;
}): Promise<ImportResult> {
  if (input.rows.length > MAX_IMPORT_ROWS) throw tooManyRows(input.rows.length);
  return inImportTransaction(sql, input.dryRun, (tx) => runImport(tx, input), (tx, result) => recordAudit(tx, input.actorId, 'customers.import', null, {
    format: input.format, ...(input.fileName ? { fileName: input.fileName } : {}), rows: result.rows, created: result.created,
    updated: result.updated, unchanged: result.unchanged, rejected: result.rejected, conflicts: result.conflicts,
  }));
}

export const tooManyRows = (rows: number) =>
  new AppError(413, 'too_many_rows', `The file has ${rows.toLocaleString('en')} contacts; at most ${MAX_IMPORT_ROWS.toLocaleString('en')} are imported per request. Split it into several files.`);

/**
 * The rows' work inside the caller's transaction (which holds the import lock). `matched`, when given, receives each
 * imported row's record by line: the conversations import (conversation-import.ts) files each chat under it.
 */
export async function runImport(tx: Sql, input: { rows: SourceRow[]; format: 'json' | 'csv'; dryRun: boolean; columns?: ImportResult['columns']; matched?: Map<number, number> }): Promise<ImportResult> {
  const customers = customersRepository(tx);
  const result: ImportResult = {
    dryRun: input.dryRun, format: input.format, rows: input.rows.length, created: 0, updated: 0, unchanged: 0, rejected: 0, conflicts: 0, keptExisting: 0,
    rejectedRows: [], ...(input.columns ? { columns: input.columns } : {}),
  };
  const reject = (line: number, code: RejectedRow['code'], reason: string, customerIds?: number[]) => {
    result.rejected++;
    if (code === 'conflict') result.conflicts++;
    result.rejectedRows.push({ line, code, reason, ...(customerIds ? { customerIds } : {}) });
  };
  const contacts: { line: number; contact: Contact }[] = [];
  for (const row of input.rows) {
    const read = readContact(row);
    if ('problem' in read) reject(row.line, 'invalid', read.problem);
    else contacts.push({ line: row.line, contact: read });
  }

  // Every record a row could match, read (and locked) at once; kept up to date below as rows create and change them,
  // so a later row naming the same contact finds what an earlier one did.
  const candidates = await customers.importCandidates(
    [...new Set(contacts.map((c) => c.contact.externalId).filter((v): v is string => !!v))],
    [...new Set(contacts.map((c) => lower(c.contact.email)).filter((v): v is string => !!v))],
  );
  const byExternalId = new Map<string, CustomerRow>();
  const byEmail = new Map<string, CustomerRow[]>();
  const remember = (row: CustomerRow, previous?: CustomerRow) => {
    if (previous?.email && lower(previous.email) !== lower(row.email)) {
      byEmail.set(lower(previous.email)!, (byEmail.get(lower(previous.email)!) ?? []).filter((r) => r.id !== row.id));
    }
    if (row.external_id) byExternalId.set(row.external_id, row);
    if (row.email) {
      const list = (byEmail.get(lower(row.email)!) ?? []).filter((r) => r.id !== row.id);
      list.push(row);
      // The most recently seen first: of several records of one address, the one an email-only row updates.
      list.sort((a, b) => (b.last_seen_at?.getTime() ?? -Infinity) - (a.last_seen_at?.getTime() ?? -Infinity) || b.id - a.id);
      byEmail.set(lower(row.email)!, list);
    }
  };
  for (const row of candidates) {
    if (row.merged_into_id || row.attributes.deleted) continue; // cannot hold an id or address; never matched
    remember(row);
  }

  const madeHere = new Set<number>();
  for (const { line, contact } of contacts) {
    const email = lower(contact.email);
    const withEmail = email ? byEmail.get(email) ?? [] : [];
    let target: CustomerRow | undefined;
    if (contact.externalId) {
      target = byExternalId.get(contact.externalId);
      if (target && email && lower(target.email) !== email) {
        const others = withEmail.filter((r) => r.id !== target!.id);
        if (others.length) {
          reject(line, 'conflict', `externalId "${contact.externalId}" is customer #${target.id} and ${contact.email} is customer #${others[0].id}: `
            + 'not merged by an import. Merge them from the customer\'s panel (Possible duplicates), or correct the row.', [target.id, others[0].id]);
          continue;
        }
      }
      // No record holds this shop user id: a new one does, even when a record has the row's email. A visitor types
      // any address they like (the widget's session, the pre-chat form, a left message), so giving the record that
      // bears it the shop user id would make that visitor the customer — their orders, and their chats once the real
      // one signs in (identify never upgrades an anonymous record in place for this reason). The two records show up as
      // possible duplicates for an agent to merge, which moves the visitor's tokens safely.
      // A record this import made a row ago (the file naming the contact twice) is the file's own: that one is taken.
      if (!target) target = withEmail.find((r) => madeHere.has(r.id) && !r.external_id);
      if (!target && withEmail.some((r) => r.external_id)) {
        const other = withEmail.find((r) => r.external_id)!;
        reject(line, 'conflict', `${contact.email} is customer #${other.id}, whose externalId is "${other.external_id}", not "${contact.externalId}": `
          + 'not merged by an import. Correct the row, or merge the records in the console.', [other.id]);
        continue;
      }
    } else {
      target = withEmail[0];
    }

    if (!target) {
      const capProblem = attributeCapProblem({}, contact.attributes);
      if (capProblem) {
        reject(line, 'invalid', capProblem);
        continue;
      }
      const created = await customers.insertImported(contact);
      if (!created) {
        reject(line, 'changed_meanwhile', `externalId "${contact.externalId}" was taken by a shopper signing in during the import: run the import again.`);
        continue;
      }
      result.created++;
      madeHere.add(created.id);
      input.matched?.set(line, created.id);
      remember(created);
      continue;
    }

    // Fill what is empty; keep what is known (and count the rows whose file said otherwise); set the given attributes.
    const next = {
      externalId: target.external_id ?? contact.externalId,
      email: target.email ?? contact.email,
      name: target.name ?? contact.name,
      locale: target.locale ?? contact.locale,
      attributes: { ...target.attributes, ...contact.attributes },
    };
    // As the API: a record already past a cap (an older import allowed more) may change its values, never grow.
    const capProblem = attributeCapProblem(target.attributes, next.attributes, target.id);
    if (capProblem) {
      reject(line, 'invalid', capProblem, [target.id]);
      continue;
    }
    if ((contact.name && target.name && contact.name !== target.name.trim()) || (email && target.email && email !== lower(target.email.trim()))
      || (contact.locale && target.locale && contact.locale !== target.locale)) result.keptExisting++;
    const attributesChanged = Object.entries(contact.attributes)
      .some(([key, value]) => !Object.prototype.hasOwnProperty.call(target!.attributes, key) || !sameValue(target!.attributes[key], value));
    const changed = attributesChanged || next.externalId !== target.external_id || next.email !== target.email
      || next.name !== target.name || next.locale !== target.locale;
    input.matched?.set(line, target.id);
    if (!changed) {
      result.unchanged++;
      continue;
    }
    const updated = await customers.updateImported(target.id, next, Object.keys(contact.attributes));
    result.updated++;
    remember(updated, target);
  }
  return result;
}

// ---------- the export ----------

/** Customers read per statement of the export: 150,000 of them are 30 statements, never all in memory at once. */
const EXPORT_PAGE = 5_000;
const EXPORT_HEADER = ['id', 'external_id', 'email', 'name', 'locale', 'created_at', 'last_seen_at', 'conversations_count', 'attributes'];

/**
 * The contacts as CSV text in pieces (the header, then a piece per page of EXPORT_PAGE records in id order), in the
 * import's format: read back by the import, every row is unchanged (id, dates and counts are passed over; the
 * attributes column is JSON, so numbers and true/false stay what they are).
 */
export async function* contactsCsvChunks(sql: Sql): AsyncGenerator<string> {
  yield EXPORT_HEADER.map(csvField).join(',') + '\r\n';
  const customers = customersRepository(sql);
  let afterId = 0;
  for (;;) {
    const rows = await customers.exportPage(afterId, EXPORT_PAGE);
    if (!rows.length) return;
    // The shop's attributes only: the system's keys are not the shop's data, and an import refuses them (round trip).
    const shopAttributes = (r: { attributes: Record<string, unknown> }) => Object.fromEntries(Object.entries(r.attributes).filter(([k]) => !SYSTEM_ATTRIBUTES.has(k)));
    yield rows.map((r) => [r.id, r.external_id, r.email, r.name, r.locale, r.created_at, r.last_seen_at, r.conversations_count,
      Object.keys(shopAttributes(r)).length ? JSON.stringify(shopAttributes(r)) : ''].map(csvField).join(',')).join('\r\n') + '\r\n';
    afterId = rows[rows.length - 1].id;
    if (rows.length < EXPORT_PAGE) return;
  }
}
