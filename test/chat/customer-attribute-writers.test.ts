// Who may write a customer's attributes, and when (services/customer-attributes.ts, 058_customer_attribute_sources):
// - the console's whole-replace PATCH /api/customers/:id checks "not deleted" in the same statement as its write, so
//   a deletion committing meanwhile is never undone, and it keeps the system's keys as stored;
// - the contact import neither sets nor removes the system's keys;
// - a sign-in (identify()) that merges records never ends in a 400 over attributes: what passes a cap is reported;
// - keys the shop's backend wrote (API, import, console) are not overwritten or removed by identify();
// - the validator's edges: Object.prototype names, lone surrogates, huge numbers, combining marks, NFC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { eventually } from '../support/sockets.ts';
import { identityHash } from '../../server/services/visitor-tokens.ts';
import { applyAttributeChanges, checkAttributeChanges, MAX_SHOP_ATTRIBUTES } from '../../server/services/customer-attributes.ts';
import { customersRepository } from '../../server/repositories/customers.ts';

const IDENTITY_SECRET = 'attribute-writers-identity-secret';
let stack: TestStack;
let agentAuth: { cookie: string; token: string };
let adminAuth: { cookie: string; token: string };

beforeAll(async () => {
  stack = await startStack({ config: { identitySecret: IDENTITY_SECRET, rateLimitSessionsPerMinute: 300 } });
  agentAuth = await login(stack.url, stack.agent.email, stack.agent.password);
  adminAuth = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  await stack?.close();
});

const signIn = (userId: string, extra: Record<string, unknown> = {}) =>
  httpAs(stack.url, 'POST', '/api/widget/sessions', null, { siteKey: 'demo', userId, hash: identityHash(IDENTITY_SECRET, userId), ...extra });
const attributesOf = async (id: number) =>
  (await stack.env.sql<{ attributes: Record<string, unknown> }[]>`select attributes from customers where id = ${id}`)[0].attributes;
const idOf = async (externalId: string) =>
  Number((await stack.env.sql<{ id: number }[]>`select id from customers where external_id = ${externalId}`)[0].id);

describe('the console\'s PATCH /api/customers/:id (whole replace)', () => {
  it('does not undo a deletion that commits between its check and its write: 409, and the record stays deleted', async () => {
    const { customerId } = await widgetSession(stack.url);
    await stack.env.sql`update customers set attributes = ${stack.env.sql.json({ plan: 'basic' })} where id = ${customerId}`;
    let answer: Awaited<ReturnType<typeof httpAs>> | undefined;
    await stack.env.sql.begin(async (tx) => {
      // The deletion, not yet committed: the PATCH reads the record as not deleted and then waits on its row lock.
      await tx`update customers set attributes = attributes || '{"deleted": true}'::jsonb where id = ${customerId}`;
      const patching = httpAs(stack.url, 'PATCH', `/api/customers/${customerId}`, agentAuth, { attributes: { plan: 'VIP' } }).then((a) => { answer = a; });
      await eventually(async () => (await stack.env.sql`
        select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.query ilike '%update customers%'`).length > 0, 10_000, 'the PATCH waiting');
      void patching;
    });
    await eventually(async () => answer, 10_000, 'the PATCH answer');
    expect(answer!.status, answer!.text).toBe(409);
    expect(await attributesOf(customerId)).toEqual({ plan: 'basic', deleted: true });
  });

  it('keeps the system\'s keys as stored: an edit that omits unverifiedUserId does not drop it, one that sends it does not set it', async () => {
    const { customerId } = await widgetSession(stack.url);
    await stack.env.sql`update customers set attributes = ${stack.env.sql.json({ unverifiedUserId: 'claimed-7', plan: 'basic' })} where id = ${customerId}`;
    const path = `/api/customers/${customerId}`;
    const omitted = await httpAs(stack.url, 'PATCH', path, agentAuth, { attributes: { plan: 'VIP' } });
    expect(omitted.status, omitted.text).toBe(200);
    expect(await attributesOf(customerId)).toEqual({ unverifiedUserId: 'claimed-7', plan: 'VIP' });
    const sent = await httpAs(stack.url, 'PATCH', path, agentAuth, { attributes: { plan: 'VIP', unverifiedUserId: 'someone-else' } });
    expect(sent.status, sent.text).toBe(200);
    expect(await attributesOf(customerId)).toEqual({ unverifiedUserId: 'claimed-7', plan: 'VIP' });
    // "deleted" is still refused by name, and a missing record is a 404.
    expect((await httpAs(stack.url, 'PATCH', path, agentAuth, { attributes: { deleted: false } })).status).toBe(400);
    expect((await httpAs(stack.url, 'PATCH', '/api/customers/999999998', agentAuth, { tags: ['x'] })).status).toBe(404);
  });
});

describe('the contact import', () => {
  it('refuses a row that sets a system key, and leaves the stored one alone', async () => {
    const { customerId } = await widgetSession(stack.url, { email: 'import-system-keys@example.com' });
    await stack.env.sql`update customers set attributes = ${stack.env.sql.json({ unverifiedUserId: 'claimed-8' })} where id = ${customerId}`;
    const answer = await httpAs(stack.url, 'POST', '/api/admin/customers/import', adminAuth, {
      customers: [{ email: 'import-system-keys@example.com', attributes: { unverifiedUserId: 'forged', tier: 'gold' } }],
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.rejected).toBe(1);
    expect(answer.json.rejectedRows[0].reason).toContain('"unverifiedUserId" is kept by the system');
    expect(await attributesOf(customerId)).toEqual({ unverifiedUserId: 'claimed-8' });
  });
});

describe('identify() after a merge', () => {
  it('never fails the sign-in over the union\'s size: it writes what fits and reports the rest, and the next sign-in works', async () => {
    // The known customer holds 5 keys; the anonymous record about to be merged in holds 20 (an older import's, say).
    const known = await signIn('writers-union', { attributes: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`known${i}`, i])) });
    expect(known.status, known.text).toBe(200);
    const anonymous = await widgetSession(stack.url);
    await stack.env.sql`update customers set attributes = ${stack.env.sql.json(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`anon${i}`, i])))} where id = ${anonymous.customerId}`;
    // 8 new keys: 5 + 8 fit, 25 + 8 do not.
    const fresh = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`fresh${i}`, i]));
    const merged = await signIn('writers-union', { visitorToken: anonymous.visitorToken, attributes: fresh });
    expect(merged.status, merged.text).toBe(200);
    const id = await idOf('writers-union');
    const stored = await attributesOf(id);
    expect(Object.keys(stored)).toHaveLength(MAX_SHOP_ATTRIBUTES);
    expect(stored).toMatchObject({ anon0: 0, known0: 0, fresh0: 0, fresh4: 4 });
    expect(merged.json.attributesRefused).toEqual(['fresh5', 'fresh6', 'fresh7'].map((key) => ({ key, reason: 'too_many' })));
    // Signing in again with the same call: no 400 now either.
    const again = await signIn('writers-union', { attributes: fresh });
    expect(again.status, again.text).toBe(200);
  });

  it('answers a lone surrogate in a value with a 400, not a 500, and writes nothing', async () => {
    const answer = await signIn('writers-surrogate', { attributes: { note: 'half \ud83d of an emoji' } });
    expect(answer.status, answer.text).toBe(400);
    expect((await stack.env.sql`select 1 from customers where external_id = 'writers-surrogate'`).length).toBe(0);
  });
});

describe('keys the shop\'s backend wrote', () => {
  it('are left alone by identify() (reported as backend_owned), whichever backend path wrote them; the page\'s own keys it still changes', async () => {
    const first = await signIn('writers-owned', { attributes: { plan: 'page', note: 'page', tier: 'page', source: 'page', gone: 'page' } });
    expect(first.status, first.text).toBe(200);
    const id = await idOf('writers-owned');
    // The API sets one key and removes another; the import sets one; the console edits one.
    expect((await httpAs(stack.url, 'PATCH', `/api/customers/${id}/attributes`, agentAuth, { attributes: { plan: 'Enterprise', gone: null } })).status).toBe(200);
    expect((await httpAs(stack.url, 'POST', '/api/admin/customers/import', adminAuth, { customers: [{ externalId: 'writers-owned', attributes: { tier: 'gold' } }] })).json.updated).toBe(1);
    const current = await attributesOf(id);
    expect((await httpAs(stack.url, 'PATCH', `/api/customers/${id}`, agentAuth, { attributes: { ...current, note: 'agent' } })).status).toBe(200);
    expect(await attributesOf(id)).toEqual({ plan: 'Enterprise', note: 'agent', tier: 'gold', source: 'page' });

    const page = await signIn('writers-owned', { attributes: { plan: 'Free', note: null, tier: 'bronze', gone: 'back', source: 'page 2' } });
    expect(page.status, page.text).toBe(200);
    expect(page.json.attributesRefused).toEqual(['plan', 'note', 'tier', 'gone'].map((key) => ({ key, reason: 'backend_owned' })));
    expect(await attributesOf(id)).toEqual({ plan: 'Enterprise', note: 'agent', tier: 'gold', source: 'page 2' });
    // A sign-in with nothing refused carries no attributesRefused.
    const quiet = await signIn('writers-owned', { attributes: { source: 'page 3' } });
    expect(quiet.json.attributesRefused).toBeUndefined();
  });
});

describe('the validator\'s edges', () => {
  it('keeps stored keys named like Object.prototype members when an unrelated key changes', () => {
    expect(applyAttributeChanges({ constructor: 'a', toString: 'b', valueOf: 'c', plan: 'x' }, { plan: 'y' }))
      .toEqual({ constructor: 'a', toString: 'b', valueOf: 'c', plan: 'y' });
  });

  it('refuses lone surrogates in values and names (400 over HTTP too), and takes a whole emoji', async () => {
    expect(() => checkAttributeChanges({ note: 'a\ud800' })).toThrow(/"note": text with a lone surrogate/);
    expect(() => checkAttributeChanges({ ['a\udc00']: 1 })).toThrow(/not well-formed/);
    expect(checkAttributeChanges({ note: 'ok 😀' })).toEqual({ note: 'ok 😀' });
    const { customerId } = await widgetSession(stack.url);
    for (const [method, path, body] of [
      ['PATCH', `/api/customers/${customerId}/attributes`, { attributes: { note: 'x\ud800' } }],
      ['PATCH', `/api/customers/${customerId}`, { attributes: { note: 'x\ud800' } }],
      ['PATCH', `/api/customers/${customerId}`, { tags: ['x\udfff'] }],
    ] as const) {
      const answer = await httpAs(stack.url, method, path, agentAuth, body);
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(400);
    }
  });

  it('bounds numbers below 1e15 in magnitude and says so', () => {
    expect(checkAttributeChanges({ ltv: 999_999_999_999_999, debt: -1.5e14 })).toEqual({ ltv: 999_999_999_999_999, debt: -1.5e14 });
    expect(() => checkAttributeChanges({ ltv: 1e15 })).toThrow(/"ltv".*1e15/);
    expect(() => checkAttributeChanges({ ltv: -1e300 })).toThrow(/"ltv".*1e15/);
  });

  it('takes names with combining marks after the first character, stored in NFC', () => {
    const decomposed = 'cafe\u0301'; // "café" typed as e + combining acute
    expect(checkAttributeChanges({ ชื่อ: 'สมชาย', नाम: 'राम', [decomposed]: 1 })).toEqual({ ชื่อ: 'สมชาย', नाम: 'राम', 'caf\u00e9': 1 });
    expect(() => checkAttributeChanges({ '\u0301x': 1 })).toThrow(/may hold only letters/); // a mark cannot come first
  });
});

describe('an unsigned identify() (no identity secret configured)', () => {
  let open: TestStack;
  beforeAll(async () => { open = await startStack({}); });
  afterAll(async () => { await open?.close(); });

  it('adds unverifiedUserId beside the stored attributes, in one statement that leaves a deleted record alone', async () => {
    const first = await widgetSession(open.url);
    await open.env.sql`update customers set attributes = ${open.env.sql.json({ plan: 'basic' })} where id = ${first.customerId}`;
    const claimed = await httpAs(open.url, 'POST', '/api/widget/sessions', null, { siteKey: 'demo', visitorToken: first.visitorToken, userId: 'claims-42' });
    expect(claimed.status, claimed.text).toBe(200);
    expect(claimed.json).toMatchObject({ customerId: first.customerId, identified: false });
    const [row] = await open.env.sql<{ attributes: Record<string, unknown> }[]>`select attributes from customers where id = ${first.customerId}`;
    expect(row.attributes).toEqual({ plan: 'basic', unverifiedUserId: 'claims-42' });

    // The write itself refuses a record deleted meanwhile (its read in the route may be older than the deletion).
    await open.env.sql`update customers set attributes = '{"deleted": true}'::jsonb where id = ${first.customerId}`;
    await customersRepository(open.env.sql).noteUnverifiedUserId(first.customerId, 'claims-43');
    const [after] = await open.env.sql<{ attributes: Record<string, unknown> }[]>`select attributes from customers where id = ${first.customerId}`;
    expect(after.attributes).toEqual({ deleted: true });
  });
});
