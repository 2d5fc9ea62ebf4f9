// The shop's backend hands keys back to the page (services/customer-attributes.ts, 058_customer_attribute_sources):
// PATCH /api/customers/:id/attributes with `release: [names]` drops the backend's mark on those keys, whichever
// backend writer (API, import, console) left it, so identify() may set them again. A `null` still only removes a
// value and keeps the key the backend's (its "this shopper has no trial" must not be undone by a stale page); the two
// together remove and release. Bad names are a 400 `invalid_attributes` naming the key, with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { identityHash } from '../../server/services/visitor-tokens.ts';

const IDENTITY_SECRET = 'attribute-release-identity-secret';
let stack: TestStack;
let agentAuth: { cookie: string; token: string };
let adminAuth: { cookie: string; token: string };
/** The shop's backend: a personal API token (agent scope), as a CRM sync would hold. */
let backendToken: string;

beforeAll(async () => {
  stack = await startStack({ config: { identitySecret: IDENTITY_SECRET, rateLimitSessionsPerMinute: 300 } });
  agentAuth = await login(stack.url, stack.agent.email, stack.agent.password);
  adminAuth = await login(stack.url, stack.admin.email, stack.admin.password);
  const made = await httpAs(stack.url, 'POST', '/api/admin/api-tokens', adminAuth, { name: 'Shop backend', scope: 'agent' });
  expect(made.status, made.text).toBe(201);
  backendToken = made.json.token;
});
afterAll(async () => {
  await stack?.close();
});

const signIn = (userId: string, attributes: Record<string, unknown>) =>
  httpAs(stack.url, 'POST', '/api/widget/sessions', null, { siteKey: 'demo', userId, hash: identityHash(IDENTITY_SECRET, userId), attributes });
async function patch(id: number, body: unknown) {
  const response = await fetch(`${stack.url}/api/customers/${id}/attributes`, {
    method: 'PATCH', headers: { authorization: `Bearer ${backendToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) };
}
const stored = async (id: number) => (await stack.env.sql<{ attributes: Record<string, unknown>; attribute_sources: Record<string, string> }[]>`
  select attributes, attribute_sources from customers where id = ${id}`)[0];
/** A signed-in shopper whose record exists, with the given page-written attributes. */
async function shopper(userId: string, attributes: Record<string, unknown>): Promise<number> {
  const answer = await signIn(userId, attributes);
  expect(answer.status, answer.text).toBe(200);
  return Number(answer.json.customerId);
}

describe('release: handing backend-owned keys back to identify()', () => {
  it('keeps the value, drops the mark whichever backend writer left it, and identify() then writes the key', async () => {
    const id = await shopper('release-1', { plan: 'page', tier: 'page', note: 'page', keep: 'page' });
    expect((await patch(id, { attributes: { plan: 'Enterprise', keep: 'api' } })).status).toBe(200);
    expect((await httpAs(stack.url, 'POST', '/api/admin/customers/import', adminAuth, { customers: [{ externalId: 'release-1', attributes: { tier: 'gold' } }] })).json.updated).toBe(1);
    const current = (await stored(id)).attributes;
    expect((await httpAs(stack.url, 'PATCH', `/api/customers/${id}`, agentAuth, { attributes: { ...current, note: 'agent' } })).status).toBe(200);
    expect((await stored(id)).attribute_sources).toEqual({ plan: 'api', keep: 'api', tier: 'import', note: 'console' });

    const released = await patch(id, { release: ['plan', 'tier', 'note'] });
    expect(released.status, released.text).toBe(200);
    // Releasing is not removing: the values the backend wrote stay until the page changes them.
    expect(released.json.customer.attributes).toEqual({ plan: 'Enterprise', tier: 'gold', note: 'agent', keep: 'api' });
    expect((await stored(id)).attribute_sources).toEqual({ keep: 'api' });

    const page = await signIn('release-1', { plan: 'Free', tier: 'bronze', note: null, keep: 'page 2' });
    expect(page.status, page.text).toBe(200);
    expect(page.json.attributesRefused).toEqual([{ key: 'keep', reason: 'backend_owned' }]); // not released: still the backend's
    expect((await stored(id)).attributes).toEqual({ plan: 'Free', tier: 'bronze', keep: 'api' });
  });

  it('marks a key an agent wrote in the console (a session, not a token) as the console\'s; the backend\'s token as the API\'s', async () => {
    const id = await shopper('release-writers', {});
    expect((await httpAs(stack.url, 'PATCH', `/api/customers/${id}/attributes`, agentAuth, { attributes: { tier: 'gold' } })).status).toBe(200);
    expect((await patch(id, { attributes: { plan: 'VIP' } })).status).toBe(200);
    expect((await stored(id)).attribute_sources).toEqual({ tier: 'console', plan: 'api' });
    const page = await signIn('release-writers', { tier: 'page', plan: 'page' });
    expect(page.json.attributesRefused).toEqual([{ key: 'tier', reason: 'backend_owned' }, { key: 'plan', reason: 'backend_owned' }]);
  });

  it('with null removes the key and releases it in one call; null alone still keeps it the backend\'s', async () => {
    const id = await shopper('release-2', { trial: true, coupon: 'page' });
    expect((await patch(id, { attributes: { trial: null, coupon: null } })).status).toBe(200);
    const blocked = await signIn('release-2', { trial: true, coupon: 'again' });
    expect(blocked.json.attributesRefused).toEqual([{ key: 'trial', reason: 'backend_owned' }, { key: 'coupon', reason: 'backend_owned' }]);

    const both = await patch(id, { attributes: { coupon: null }, release: ['coupon'] });
    expect(both.status, both.text).toBe(200);
    expect(both.json.customer.attributes).toEqual({});
    expect((await stored(id)).attribute_sources).toEqual({ trial: 'api' });
    const page = await signIn('release-2', { trial: true, coupon: 'again' });
    expect(page.json.attributesRefused).toEqual([{ key: 'trial', reason: 'backend_owned' }]);
    expect((await stored(id)).attributes).toEqual({ coupon: 'again' });
  });

  it('sets a value and releases it at once (a default the page may change), and the API writing the key again takes it back', async () => {
    const id = await shopper('release-3', {});
    expect((await patch(id, { attributes: { segment: 'new' }, release: ['segment'] })).status).toBe(200);
    expect(await stored(id)).toEqual({ attributes: { segment: 'new' }, attribute_sources: {} });
    expect((await signIn('release-3', { segment: 'returning' })).json.attributesRefused).toBeUndefined();
    expect((await stored(id)).attributes).toEqual({ segment: 'returning' });
    expect((await patch(id, { attributes: { segment: 'wholesale' } })).status).toBe(200);
    expect((await signIn('release-3', { segment: 'page' })).json.attributesRefused).toEqual([{ key: 'segment', reason: 'backend_owned' }]);
  });

  it('takes a name in either Unicode spelling, and a key nobody owns is no error', async () => {
    const id = await shopper('release-4', {});
    expect((await patch(id, { attributes: { 'caf\u00e9': 'api' } })).status).toBe(200);
    const answer = await patch(id, { release: ['cafe\u0301', 'never-written'] });
    expect(answer.status, answer.text).toBe(200);
    expect((await stored(id)).attribute_sources).toEqual({});
  });

  it('refuses a malformed release with 400 invalid_attributes naming the key, and writes nothing (not even the attributes beside it)', async () => {
    const id = await shopper('release-5', {});
    expect((await patch(id, { attributes: { plan: 'api' } })).status).toBe(200);
    const before = await stored(id);
    for (const [release, named] of [
      ['plan', /list of attribute names/],
      [['plan', 7], /list of attribute names/],
      [['deleted'], /"deleted" is kept by the system/],
      [[' plan'], /may hold only letters/],
      [['x'.repeat(41)], /must be 1-40 characters/],
    ] as const) {
      const answer = await patch(id, { attributes: { extra: 'must not be written' }, release });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.error.code).toBe('invalid_attributes');
      expect(answer.json.error.message).toMatch(named);
    }
    expect(await stored(id)).toEqual(before);
    const empty = await patch(id, {});
    expect(empty.status).toBe(400); // neither attributes nor release
    expect(await stored(id)).toEqual(before);
  });
});
