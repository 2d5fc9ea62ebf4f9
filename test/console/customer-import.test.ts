// Bringing contacts in and taking them out (POST /api/admin/customers/import, GET /api/admin/customers/export.csv) on
// a real server, Postgres and Redis: JSON and CSV create and complete the right records, a second run changes
// nothing, bad rows are refused with their line and reason while the rest go in, conflicts are never merged, a dry
// run writes nothing, the caps answer 413/400 in words, agents are refused, the export reads back as unchanged, both
// are audited, and an imported customer who never opened the widget can be written to first (and is emailed).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { smtpReceiver, type SmtpReceiver } from '../support/smtp.ts';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, parseCsv } from '../../server/services/customer-import.ts';

let stack: TestStack;
let smtp: SmtpReceiver;
let admin: Awaited<ReturnType<typeof login>>;
let agent: Awaited<ReturnType<typeof login>>;
const IDENTITY_SECRET = 'identity-secret-for-import-tests';

beforeAll(async () => {
  smtp = smtpReceiver();
  const port = await smtp.listen();
  stack = await startStack({ workers: true, config: {
    smtpUrl: `smtp://127.0.0.1:${port}`, emailFollowupDelaySeconds: 1, emailRetryDelayMs: 300, mailFrom: '', identitySecret: IDENTITY_SECRET,
  } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
});
afterAll(async () => {
  await stack?.close();
  await smtp?.close();
});

type Who = { cookie: string } | null;
const importJson = (body: unknown, options: { dryRun?: boolean; who?: Who } = {}) =>
  httpAs(stack.url, 'POST', `/api/admin/customers/import${options.dryRun ? '?dryRun=true' : ''}`, options.who === undefined ? admin : options.who, body);

async function importCsv(csv: string, options: { dryRun?: boolean; who?: Who; type?: string } = {}) {
  const who = options.who === undefined ? admin : options.who;
  const response = await fetch(`${stack.url}/api/admin/customers/import${options.dryRun ? '?dryRun=true' : ''}`, {
    method: 'POST', headers: { 'content-type': options.type ?? 'text/csv; charset=utf-8', ...(who ? { cookie: who.cookie } : {}) }, body: csv,
  });
  const text = await response.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, json, text };
}

const customerBy = async (where: { externalId?: string; email?: string }) => {
  const rows = where.externalId
    ? await stack.env.sql`select * from customers where external_id = ${where.externalId}`
    : await stack.env.sql`select * from customers where lower(email) = lower(${where.email!}) order by id`;
  return rows as unknown as { id: number; external_id: string | null; email: string | null; name: string | null; locale: string | null; attributes: Record<string, unknown>; last_seen_at: Date | null }[];
};
const customerCount = async () => (await stack.env.sql<{ n: number }[]>`select count(*)::int as n from customers`)[0].n;

describe('who may import and export', () => {
  it('refuses agents (403) and signed-out callers (401), for JSON, CSV and the export', async () => {
    expect((await importJson({ customers: [{ email: 'x@example.com' }] }, { who: agent })).status).toBe(403);
    expect((await importCsv('email\nx@example.com\n', { who: agent })).status).toBe(403);
    expect((await httpAs(stack.url, 'GET', '/api/admin/customers/export.csv', agent)).status).toBe(403);
    expect((await importJson({ customers: [] }, { who: null })).status).toBe(401);
    expect(await customerBy({ email: 'x@example.com' })).toHaveLength(0);
  });
});

describe('importing contacts', () => {
  it('creates from JSON, then a second run of the same file changes nothing', async () => {
    const file = { customers: [
      { externalId: 'shop-1', email: 'Ann@Example.com', name: 'Ann Archer', locale: 'en', attributes: { plan: 'gold', visits: 3, vip: true } },
      { email: 'bob@example.com', name: 'Bob Baker' },
      { externalId: 42, name: 'Numeric Id' },
    ] };
    const first = await importJson(file);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ dryRun: false, format: 'json', rows: 3, created: 3, updated: 0, unchanged: 0, rejected: 0, rejectedRows: [] });
    const [ann] = await customerBy({ externalId: 'shop-1' });
    expect(ann).toMatchObject({ email: 'Ann@Example.com', name: 'Ann Archer', locale: 'en', attributes: { plan: 'gold', visits: 3, vip: true }, last_seen_at: null });
    expect((await customerBy({ externalId: '42' }))[0].name).toBe('Numeric Id');

    const count = await customerCount();
    const again = await importJson(file);
    expect(again.json).toMatchObject({ created: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(await customerCount()).toBe(count);
  });

  it('completes known records from CSV: matched by externalId, else email (any case); fills only what is empty; never gives a shop user id to a record found by email', async () => {
    // A shopper who chatted before the switch: known here by email only.
    const carl = await widgetSession(stack.url, { name: 'Carl', email: 'carl@example.com' });
    const csv = [
      'external_id,Email,name,locale,plan,phone',
      'shop-3,CARL@example.com,Carl Carlsson,sv,silver,+46 70 123',
      'shop-1,,Annie Archer,,platinum,', // Ann keeps her name; her plan changes; the empty phone changes nothing
      ',bob@example.com,,de,,',
    ].join('\r\n');
    const result = await importCsv(csv);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ format: 'csv', rows: 3, created: 1, updated: 2, unchanged: 0, rejected: 0, keptExisting: 1,
      columns: { attributes: ['plan', 'phone'], ignored: [] } });
    // Carl's address was typed into the widget (anyone can type any address): his visitor record does not become shop
    // user shop-3 — that would hand shop-3's orders and chats to whoever typed it. shop-3 is a record of its own, and
    // the two are possible duplicates for an agent to merge.
    const carlRecords = await customerBy({ email: 'carl@example.com' });
    expect(carlRecords.find((r) => r.id === carl.customerId)).toMatchObject({ external_id: null, name: 'Carl' });
    expect(carlRecords.find((r) => r.id !== carl.customerId)).toMatchObject({ external_id: 'shop-3', name: 'Carl Carlsson', locale: 'sv', attributes: { plan: 'silver', phone: '+46 70 123' } });
    const [ann] = await customerBy({ externalId: 'shop-1' });
    expect(ann).toMatchObject({ name: 'Ann Archer', attributes: { plan: 'platinum', visits: 3, vip: true } });
    expect(ann.attributes).not.toHaveProperty('phone');
    expect((await customerBy({ email: 'bob@example.com' }))[0]).toMatchObject({ locale: 'de', name: 'Bob Baker' });

    expect((await importCsv(csv)).json).toMatchObject({ created: 0, updated: 0, unchanged: 3, rejected: 0 });
  });

  it('refuses bad rows with their line and reason and imports the others', async () => {
    const csv = [
      'email,externalId,name,note', // line 1
      'good-1@example.com,,Good One,"a note', // lines 2-3: a quoted field across two lines (a line break: a control character)
      'spanning two lines"',
      'not-an-email,,Bad Email,', // line 4
      ',,Nobody,', // line 5
      '', // line 6: blank, skipped
      `long@example.com,,${'x'.repeat(201)},`, // line 7
      'extra@example.com,,Extra,note,one too many', // line 8
      'good-2@example.com,,Good Two,', // line 9
    ].join('\n');
    const result = await importCsv(csv);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ rows: 6, created: 1, rejected: 5 });
    const rejected = result.json.rejectedRows as { line: number; code: string; reason: string }[];
    expect(rejected.map((r) => r.line)).toEqual([2, 4, 5, 7, 8]);
    expect(rejected.every((r) => r.code === 'invalid')).toBe(true);
    // As the shop's API: an attribute is one line of text.
    expect(rejected[0].reason).toBe('attribute "note": text with control characters');
    expect(rejected[1].reason).toMatch(/email: "not-an-email" is not an email address/);
    expect(rejected[2].reason).toMatch(/neither an externalId nor an email/);
    expect(rejected[3].reason).toMatch(/name: at most 200 characters/);
    expect(rejected[4].reason).toMatch(/5 fields and the header 4/);
    expect(await customerBy({ email: 'good-1@example.com' })).toHaveLength(0);
    expect(await customerBy({ email: 'good-2@example.com' })).toHaveLength(1);

    const json = await importJson({ customers: [
      { email: 'fine@example.com' },
      { email: 'attr@example.com', attributes: { deleted: true } },
      { email: 'attr2@example.com', attributes: { nested: { no: 1 } } },
      { email: 'attr3@example.com', phone: '123' },
      { email: 5 },
      { email: 'attr4@example.com', attributes: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, i])) },
    ] });
    expect(json.json).toMatchObject({ rows: 6, created: 1, rejected: 5 });
    expect(json.json.rejectedRows.map((r: { line: number; reason: string }) => [r.line, r.reason])).toEqual([
      [2, expect.stringMatching(/"deleted" is kept by the system/)],
      [3, expect.stringMatching(/attribute "nested": expected text, a number, true\/false or null/)],
      [4, expect.stringMatching(/unknown field "phone"/)],
      [5, 'email: expected text'],
      [6, expect.stringMatching(/31 given; a customer has at most 30/)],
    ]);
  });

  it("holds attributes to the shop API's rules, so an imported customer can still be given one by the API", async () => {
    const thirty = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`key${i}`, i]));
    const result = await importJson({ customers: [
      { email: 'rules-ok@example.com', attributes: thirty }, // line 1: at the cap, fine
      { email: 'rules-name@example.com', attributes: { 'Favourite colour?': 'red' } },
      { email: 'rules-long-name@example.com', attributes: { [`k${'x'.repeat(40)}`]: 1 } },
      { email: 'rules-value@example.com', attributes: { note: 'x'.repeat(201) } },
      { email: 'rules-control@example.com', attributes: { note: 'bell\u0007' } },
      { email: 'rules-bytes@example.com', attributes: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`cn${i}`, '会'.repeat(200)])) },
      { externalId: 'rules-existing', email: 'rules-existing@example.com', attributes: Object.fromEntries(Array.from({ length: 28 }, (_, i) => [`old${i}`, i])) },
    ] });
    expect(result.status).toBe(200);
    expect(result.json.rejectedRows.map((r: { line: number; reason: string }) => [r.line, r.reason])).toEqual([
      [2, expect.stringMatching(/attribute name "Favourite colour\?" may hold only letters/)],
      [3, expect.stringMatching(/must be 1-40 characters/)],
      [4, expect.stringMatching(/attribute "note": text longer than 200 characters/)],
      [5, expect.stringMatching(/attribute "note": text with control characters/)],
      [6, expect.stringMatching(/^the contact's attributes would be \d+ bytes; at most 8192$/)],
    ]);
    expect(await customerBy({ email: 'rules-bytes@example.com' })).toHaveLength(0);

    // A record's own attributes count: 28 it has and 3 more are 31.
    const [existing] = await customerBy({ externalId: 'rules-existing' });
    const more = await importJson({ customers: [{ externalId: 'rules-existing', attributes: { new1: 1, new2: 2, new3: 3 } }] });
    expect(more.json).toMatchObject({ updated: 0, rejected: 1, rejectedRows: [{ line: 1, code: 'invalid', customerIds: [existing.id],
      reason: `customer #${existing.id} would have 31 attributes; a customer has at most 30` }] });
    // Two fit; the API can still change a value on a record the import filled to the cap, and set one in a freed place.
    expect((await importJson({ customers: [{ externalId: 'rules-existing', attributes: { new1: 1, new2: 2 } }] })).json).toMatchObject({ updated: 1, rejected: 0 });
    const [full] = await customerBy({ externalId: 'rules-existing' });
    expect(Object.keys(full.attributes)).toHaveLength(30);
    expect((await httpAs(stack.url, 'PATCH', `/api/customers/${full.id}/attributes`, admin, { attributes: { old0: 'changed' } })).status).toBe(200);
    expect((await httpAs(stack.url, 'PATCH', `/api/customers/${full.id}/attributes`, admin, { attributes: { old1: null, plan: 'gold' } })).status).toBe(200);
  });

  it('refuses a row with the NUL character or a lone surrogate in a cell by its line, and imports the others', async () => {
    const csv = [
      'email,name,note,attributes',
      'nul-ok-1@example.com,Fine One,,', // line 2
      'nul-bad@example.com,Nul\u0000Name,,', // line 3: NUL in a known column
      'nul-bad-2@example.com,,bad\u0000note,', // line 4: NUL in an attribute column
      'nul-bad-3@example.com,,,"{""a"":""\\u0000""}"', // line 5: NUL written as a JSON escape in the export's column
      'nul-ok-2@example.com,Fine Two,,', // line 6
    ].join('\n');
    const result = await importCsv(csv);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ rows: 5, created: 2, rejected: 3 });
    expect(result.json.rejectedRows.map((r: { line: number; reason: string }) => [r.line, r.reason])).toEqual([
      [3, 'name: text cannot contain the NUL character (U+0000)'],
      [4, 'note: text cannot contain the NUL character (U+0000)'],
      [5, expect.stringMatching(/attribute "a": text with control characters/)],
    ]);
    expect((await customerBy({ email: 'nul-ok-2@example.com' }))[0]).toMatchObject({ name: 'Fine Two' });

    const json = await importJson({ customers: [
      { email: 'half-ok@example.com' },
      { email: 'half@example.com', name: 'Emoji cut \ud83d' },
      { email: 'half-2@example.com', attributes: { ['\ud800key']: 1 } },
    ] });
    expect(json.status).toBe(200);
    expect(json.json.rejectedRows.map((r: { line: number; reason: string }) => [r.line, r.reason])).toEqual([
      [2, expect.stringMatching(/^name: text must be well-formed Unicode/)],
      [3, expect.stringMatching(/^attributes: text must be well-formed Unicode/)],
    ]);
    expect(await customerBy({ email: 'half-ok@example.com' })).toHaveLength(1);

    // What is not a row is guarded as on every route: a 400 before anything is read.
    const badQuery = await httpAs(stack.url, 'POST', `/api/admin/customers/import?fileName=${encodeURIComponent('a\u0000.csv')}`, admin, { customers: [{ email: 'q@example.com' }] });
    expect(badQuery.status).toBe(400);
    expect(badQuery.json.error.message).toBe('Text cannot contain the NUL character (U+0000).');
    const badKey = await importJson({ customers: [{ email: 'q@example.com' }], ['x\u0000']: 1 });
    expect(badKey.status).toBe(400);
    expect(badKey.json.error.message).toBe('Text cannot contain the NUL character (U+0000).');
    expect(await customerBy({ email: 'q@example.com' })).toHaveLength(0);
  });

  it('never merges: an email on one record and an externalId on another is a conflict', async () => {
    const dora = await widgetSession(stack.url, { name: 'Dora', email: 'dora@example.com' });
    await importJson({ customers: [{ externalId: 'shop-9', name: 'Dora D.' }] });
    const [shop9] = await customerBy({ externalId: 'shop-9' });
    const result = await importJson({ customers: [
      { externalId: 'shop-9', email: 'dora@example.com' }, // two records: the visitor and the shop account
      { externalId: 'shop-10', email: 'ann@example.com' }, // Ann's address, and Ann is shop-1
    ] });
    expect(result.json).toMatchObject({ created: 0, updated: 0, rejected: 2, conflicts: 2 });
    expect(result.json.rejectedRows[0]).toMatchObject({ line: 1, code: 'conflict', customerIds: [shop9.id, dora.customerId] });
    expect(result.json.rejectedRows[0].reason).toMatch(/not merged by an import/);
    expect(result.json.rejectedRows[1]).toMatchObject({ line: 2, code: 'conflict' });
    expect((await customerBy({ externalId: 'shop-9' }))[0].email).toBeNull();
    expect(await customerBy({ externalId: 'shop-10' })).toHaveLength(0);
  });

  it('a file naming the same contact twice creates it once; the dry run says exactly what the import then does, and writes nothing', async () => {
    const file = { customers: [
      { email: 'twice@example.com', name: 'Twice' },
      { email: 'TWICE@example.com', externalId: 'shop-20', attributes: { source: 'intercom' } },
      { externalId: 'shop-1', attributes: { plan: 'diamond' } },
      { email: 'bad' },
    ] };
    const count = await customerCount();
    const audits = (await stack.env.sql`select count(*)::int as n from audit_log where action = 'customers.import'`)[0].n;
    const [annBefore] = await customerBy({ externalId: 'shop-1' });
    const dry = await importJson(file, { dryRun: true });
    expect(dry.json).toMatchObject({ dryRun: true, created: 1, updated: 2, unchanged: 0, rejected: 1 });
    expect(await customerCount()).toBe(count);
    expect((await customerBy({ externalId: 'shop-1' }))[0].attributes).toEqual(annBefore.attributes);
    expect((await stack.env.sql`select count(*)::int as n from audit_log where action = 'customers.import'`)[0].n).toBe(audits);

    const real = await importJson(file);
    expect({ ...real.json, dryRun: true }).toEqual(dry.json);
    const twice = await customerBy({ email: 'twice@example.com' });
    expect(twice).toHaveLength(1);
    expect(twice[0]).toMatchObject({ external_id: 'shop-20', name: 'Twice', attributes: { source: 'intercom' } });
  });
});

describe('limits', () => {
  it(`imports ${MAX_IMPORT_ROWS} contacts in one request, and refuses one more with a 413 that says so`, async () => {
    const many = Array.from({ length: MAX_IMPORT_ROWS }, (_, i) => ({ externalId: `bulk-${i}`, email: `bulk-${i}@example.com`, name: `Bulk ${i}`, attributes: { batch: 1 } }));
    const created = await importJson({ customers: many });
    expect(created.json).toMatchObject({ created: MAX_IMPORT_ROWS, rejected: 0 });
    const again = await importJson({ customers: many });
    expect(again.json).toMatchObject({ unchanged: MAX_IMPORT_ROWS });

    const tooMany = await importJson({ customers: [...many, { email: 'one-more@example.com' }] });
    expect(tooMany.status).toBe(413);
    expect(tooMany.json.error).toMatchObject({ code: 'too_many_rows' });
    expect(tooMany.json.error.message).toMatch(/5,001 contacts; at most 5,000/);
    const csv = ['email', ...Array.from({ length: MAX_IMPORT_ROWS + 1 }, (_, i) => `csv-${i}@example.com`)].join('\n');
    const tooManyCsv = await importCsv(csv);
    expect(tooManyCsv.status).toBe(413);
    expect(tooManyCsv.json.error.code).toBe('too_many_rows');
    expect(await customerBy({ email: 'csv-0@example.com' })).toHaveLength(0);
  });

  it('refuses a body over the size cap (413), and a file it cannot read (400), naming what is wrong', async () => {
    const big = `email,note\n${`a@example.com,${'x'.repeat(400)}\n`.repeat(Math.ceil(MAX_IMPORT_BYTES / 400) + 10)}`;
    const tooLarge = await importCsv(big);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.error).toMatchObject({ code: 'too_large' });
    expect(tooLarge.json.error.message).toMatch(/larger than 5 MB/);

    const notJson = await fetch(`${stack.url}/api/admin/customers/import`, { method: 'POST', headers: { cookie: admin.cookie, 'content-type': 'application/json' }, body: '{"customers": [' });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error).toMatchObject({ code: 'not_parseable', message: expect.stringMatching(/not valid JSON/) });
    const unclosed = await importCsv('email,name\na@example.com,"Ann\nb@example.com,Bob\n');
    expect(unclosed.status).toBe(400);
    expect(unclosed.json.error).toMatchObject({ code: 'not_parseable', message: expect.stringMatching(/opened on line 2 is never closed/) });
    const noIdentity = await importCsv('name,plan\nAnn,gold\n');
    expect(noIdentity.status).toBe(400);
    expect(noIdentity.json.error.message).toMatch(/neither an externalId .* nor an email column/);
    expect((await importCsv('email,email\na@example.com,b@example.com\n')).json.error.message).toMatch(/same column twice/);
    expect((await importCsv('')).status).toBe(400);
    expect((await importJson({ contacts: [] })).status).toBe(400);
    expect((await importCsv('email\na@example.com\n', { type: 'application/xml' })).status).toBe(415);
    expect(await customerBy({ email: 'a@example.com' })).toHaveLength(0);
  });

  it('reads semicolon-separated files with a byte-order mark, as spreadsheets save them', async () => {
    const result = await importCsv('\uFEFFE-mail;Name;Loyalty tier\nsemi@example.com;Semi Colon;2\n');
    // "E-mail" is read as email: the header's spelling (case, spaces, - and _) does not matter.
    expect(result.json).toMatchObject({ created: 1, rejected: 0, columns: { attributes: ['Loyalty tier'] } });
    expect((await customerBy({ email: 'semi@example.com' }))[0]).toMatchObject({ name: 'Semi Colon', attributes: { 'Loyalty tier': '2' } });
  });

  it('parses quoted fields, doubled quotes and line numbers', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\r\n\r\n3,4\r\n,\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['x, y', 'say "hi"'] }, { line: 4, fields: ['3', '4'] },
    ]);
  });
});

describe('the export', () => {
  it('lists the customers as CSV that imports back as unchanged; both are audited', async () => {
    // Values a spreadsheet would take for a formula are guarded in the file; the import undoes the guard.
    await importJson({ customers: [{ email: 'eve@example.com', name: '=Eve', attributes: { phone: '+44 20 7946', score: 1.5, optIn: false, none: null } }] });
    const anonymous = await widgetSession(stack.url); // a visitor who gave nothing: not a contact
    // The limits test's 5,000: an export that size is imported back in files of 5,000 rows, not in this test.
    await stack.env.sql`delete from customers where external_id like 'bulk-%'`;

    const response = await fetch(`${stack.url}/api/admin/customers/export.csv`, { headers: { cookie: admin.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename="customers-\d{4}-\d{2}-\d{2}\.csv"/);
    const csv = await response.text();
    const lines = parseCsv(csv);
    expect(lines[0].fields).toEqual(['id', 'external_id', 'email', 'name', 'locale', 'created_at', 'last_seen_at', 'conversations_count', 'attributes']);
    const live = (await stack.env.sql<{ n: number }[]>`select count(*)::int as n from customers
      where merged_into_id is null and (email is not null or external_id is not null or name is not null or conversations_count > 0)`)[0].n;
    expect(lines.length - 1).toBe(live);
    expect(lines.some((l) => l.fields[0] === String(anonymous.customerId))).toBe(false);
    const eve = lines.find((l) => l.fields[2] === 'eve@example.com')!;
    expect(eve.fields[3]).toBe("'=Eve");
    expect(JSON.parse(eve.fields[8])).toEqual({ phone: '+44 20 7946', score: 1.5, optIn: false, none: null });
    expect((await stack.env.sql`select 1 from audit_log where action = 'customers.export'`).length).toBe(1);

    // Every record the team dealt with has an email or shop user id here, so every row reads back.
    const count = await customerCount();
    const back = await importCsv(csv);
    expect(back.status).toBe(200);
    expect(back.json).toMatchObject({ rows: live, created: 0, updated: 0, unchanged: live, rejected: 0,
      columns: { attributes: [], ignored: ['id', 'created_at', 'last_seen_at', 'conversations_count'] } });
    expect(await customerCount()).toBe(count);

    const [audit] = await stack.env.sql`select actor_user_id, target, details from audit_log where action = 'customers.import' order by id desc limit 1`;
    expect(audit).toMatchObject({ actor_user_id: admin.user.id, target: null, details: { format: 'csv', rows: live, created: 0, updated: 0, unchanged: live, rejected: 0 } });
  });
});

describe('after the import', () => {
  it('an imported customer who never opened the widget can be written to first, and is emailed the message', async () => {
    const [bob] = await customerBy({ email: 'bob@example.com' });
    expect(bob.last_seen_at).toBeNull();
    const started = await httpAs(stack.url, 'POST', `/api/customers/${bob.id}/conversations`, agent, { text: 'Hi Bob, we moved our support chat here.' });
    expect(started.status).toBe(201);
    const [conversation] = await stack.env.sql`select customer_id, status, started_by from conversations where id = ${started.json.conversationId}`;
    expect(conversation).toMatchObject({ customer_id: bob.id, status: 'assigned', started_by: 'agent' });
    await expect.poll(() => smtp.to('bob@example.com').length, { timeout: 20_000 }).toBe(1);
    expect(smtp.to('bob@example.com')[0].mail.text).toContain('Hi Bob, we moved our support chat here.');
  });

  it('an imported shop account written to first is the record the shopper gets when the shop signs them in', async () => {
    await importJson({ customers: [{ externalId: 'shop-77', name: 'Signed In Later' }] });
    const [imported] = await customerBy({ externalId: 'shop-77' });
    const started = await httpAs(stack.url, 'POST', `/api/customers/${imported.id}/conversations`, agent, { text: 'Your order is ready.' });
    expect(started.status).toBe(201);
    const visitor = await widgetSession(stack.url); // their browser, before they sign in
    const signedIn = await widgetSession(stack.url, {
      visitorToken: visitor.visitorToken, userId: 'shop-77', hash: createHmac('sha256', IDENTITY_SECRET).update('shop-77').digest('hex'),
    });
    expect(signedIn).toMatchObject({ customerId: imported.id, identified: true });
  });

  it('one import at a time: another running is a 409, and nothing is written', async () => {
    await stack.env.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('shopdesk:customer-import'))`;
      const refused = await importJson({ customers: [{ email: 'meanwhile@example.com' }] });
      expect(refused.status).toBe(409);
      expect(refused.json.error.code).toBe('import_running');
    });
    expect(await customerBy({ email: 'meanwhile@example.com' })).toHaveLength(0);
  });

  it('a customer deleted at their request is not brought back into the deleted record (no record of the deletion exists: a new one is made)', async () => {
    await importJson({ customers: [{ externalId: 'shop-gone', email: 'gone@example.com', name: 'Gone' }] });
    const [gone] = await customerBy({ externalId: 'shop-gone' });
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/customers/${gone.id}`, admin)).status).toBe(200);
    const again = await importJson({ customers: [{ externalId: 'shop-gone', email: 'gone@example.com', name: 'Gone' }] });
    expect(again.json).toMatchObject({ created: 1 });
    const [deleted] = await stack.env.sql`select email, external_id, attributes from customers where id = ${gone.id}`;
    expect(deleted).toMatchObject({ email: null, external_id: null, attributes: { deleted: true } });
  });
});
