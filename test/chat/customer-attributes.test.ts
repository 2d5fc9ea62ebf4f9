// Custom attributes on customers (services/customer-attributes.ts): the shop's verified identify() and the API set
// and remove keys (merged, never wiped), refuse what breaks the rules with a 400 naming the key and write nothing,
// an unverified identify writes nothing, a merge keeps the union with the kept record's values, and the privacy
// export carries them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { connectAgent, nextEvent, type AgentClient } from '../support/sockets.ts';
import { identityHash } from '../../server/services/visitor-tokens.ts';
import { applyAttributeChanges, checkAttributeChanges, MAX_SHOP_ATTRIBUTES } from '../../server/services/customer-attributes.ts';

const IDENTITY_SECRET = 'attributes-test-identity-secret';
let stack: TestStack;
let agentAuth: { cookie: string; token: string };
let adminAuth: { cookie: string; token: string };
let agentSocket: AgentClient;

beforeAll(async () => {
  stack = await startStack({ config: { identitySecret: IDENTITY_SECRET, rateLimitSessionsPerMinute: 300 } });
  agentAuth = await login(stack.url, stack.agent.email, stack.agent.password);
  adminAuth = await login(stack.url, stack.admin.email, stack.admin.password);
  agentSocket = await connectAgent(stack.url, agentAuth.token);
});
afterAll(async () => {
  agentSocket?.close();
  await stack?.close();
});

const session = (body: Record<string, unknown>) => httpAs(stack.url, 'POST', '/api/widget/sessions', null, { siteKey: 'demo', ...body });
const signIn = (userId: string, extra: Record<string, unknown> = {}) =>
  session({ userId, hash: identityHash(IDENTITY_SECRET, userId), ...extra });
const stored = async (externalId: string) =>
  (await stack.env.sql<{ id: number; attributes: Record<string, unknown> }[]>`select id, attributes from customers where external_id = ${externalId}`)[0];
const attributesOf = async (id: number) =>
  (await stack.env.sql<{ attributes: Record<string, unknown> }[]>`select attributes from customers where id = ${id}`)[0].attributes;

describe('the rules', () => {
  it('takes text, finite numbers, booleans and null under names of letters (any script), digits, _ - . and inner spaces', () => {
    expect(checkAttributeChanges({ plan: 'VIP', 'Lifetime value': 1200.5, wholesale: true, trial: null, 会员等级: '金卡', 'sign-up.date': '2024-03-01' }))
      .toEqual({ plan: 'VIP', 'Lifetime value': 1200.5, wholesale: true, trial: null, 会员等级: '金卡', 'sign-up.date': '2024-03-01' });
  });
  it.each([
    [{ 'plan!': 'x' }, /"plan!"/],
    [{ ' plan': 'x' }, /" plan"/],
    [{ '': 'x' }, /""/],
    [{ ['k'.repeat(41)]: 'x' }, /1-40 characters/],
    [{ deleted: true }, /"deleted" is kept by the system/],
    [{ unverifiedUserId: '7' }, /"unverifiedUserId" is kept by the system/],
    [{ plan: 'x'.repeat(201) }, /"plan": text longer than 200/],
    [{ note: 'a\u0000b' }, /"note": text with control characters/],
    [{ tiers: ['a'] }, /"tiers": expected text, a number, true\/false or null, not a list/],
    [{ address: { city: 'x' } }, /"address": .*not an object/],
    ['VIP', /expected an object/],
    [Object.fromEntries(Array.from({ length: MAX_SHOP_ATTRIBUTES + 1 }, (_, i) => [`k${i}`, i])), /31 given; a customer has at most 30/],
  ])('refuses %j', (input, message) => {
    expect(() => checkAttributeChanges(input)).toThrow(message);
  });
  it('merges: sets the given keys, null removes, others stay; a full record cannot grow but can change and shrink', () => {
    expect(applyAttributeChanges({ plan: 'basic', ltv: 5, unverifiedUserId: '9' }, { plan: 'VIP', ltv: null, wholesale: false }))
      .toEqual({ plan: 'VIP', unverifiedUserId: '9', wholesale: false });
    const full = Object.fromEntries(Array.from({ length: MAX_SHOP_ATTRIBUTES }, (_, i) => [`k${i}`, i]));
    expect(() => applyAttributeChanges(full, { extra: 1 })).toThrow(/"extra" would make 31 attributes/);
    expect(applyAttributeChanges(full, { k0: 'changed', k1: null })).toMatchObject({ k0: 'changed' });
    // A record an older import filled past the limit still takes changes that do not add keys.
    const over = { ...full, older: 1, oldest: 2 };
    expect(Object.keys(applyAttributeChanges(over, { k0: 'x' }))).toHaveLength(32);
    // Bytes: 30 keys of 200 Chinese characters (600 bytes each) are over 8 KB.
    const big = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`k${i}`, '字'.repeat(200)]));
    expect(() => applyAttributeChanges(big, { k13: '字'.repeat(200) })).toThrow(/"k13": the customer's attributes would be \d+ bytes; at most 8192/);
  });
});

describe('identify()', () => {
  it('stores the attributes of a verified identity and merges a later identify into them', async () => {
    const first = await signIn('attr-1', { attributes: { plan: 'VIP', lifetimeValue: 1200, wholesale: true, trial: 'yes' } });
    expect(first.status, first.text).toBe(200);
    expect(first.json.identified).toBe(true);
    expect((await stored('attr-1')).attributes).toEqual({ plan: 'VIP', lifetimeValue: 1200, wholesale: true, trial: 'yes' });

    // A second page: a changed value, a new key, a removal; what it does not name stays. Agents hear of it.
    const heard = nextEvent(agentSocket, 'customer:updated');
    const second = await signIn('attr-1', { visitorToken: first.json.visitorToken, attributes: { plan: 'Gold', signupDate: '2024-03-01', trial: null } });
    expect(second.status, second.text).toBe(200);
    expect(second.json.customerId).toBe(first.json.customerId);
    expect(await heard).toEqual({ customerId: first.json.customerId });
    expect((await stored('attr-1')).attributes).toEqual({ plan: 'Gold', lifetimeValue: 1200, wholesale: true, signupDate: '2024-03-01' });

    // No attributes: nothing changes.
    expect((await signIn('attr-1', { visitorToken: first.json.visitorToken })).status).toBe(200);
    expect((await stored('attr-1')).attributes).toEqual({ plan: 'Gold', lifetimeValue: 1200, wholesale: true, signupDate: '2024-03-01' });
  });

  it('refuses invalid attributes with a 400 naming the key, and writes nothing: no new record, no change to a known one', async () => {
    const refused = await signIn('attr-new', { attributes: { plan: 'VIP', 'bad key!': 1 } });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'invalid_attributes' });
    expect(refused.json.error.message).toContain('"bad key!"');
    expect(await stored('attr-new')).toBeUndefined();

    await signIn('attr-known', { attributes: { plan: 'VIP' } });
    const before = await stored('attr-known');
    for (const attributes of [{ plan: 'Gold', nested: { a: 1 } }, { plan: 'x'.repeat(201) }, { deleted: true }]) {
      const answer = await signIn('attr-known', { attributes });
      expect(answer.status).toBe(400);
      expect(answer.json.error.message).toMatch(/"(nested|plan|deleted)"/);
    }
    // Too many for what the known record holds: the sign-in is not refused (it may have merged records by now); what
    // fits is written and the rest is reported.
    await httpAs(stack.url, 'PATCH', `/api/customers/${before.id}/attributes`, agentAuth,
      { attributes: Object.fromEntries(Array.from({ length: MAX_SHOP_ATTRIBUTES - 1 }, (_, i) => [`k${i}`, i])) });
    const full = await stored('attr-known');
    expect(full.attributes.plan).toBe('VIP');
    const tooMany = await signIn('attr-known', { attributes: { plan: 'Gold', extra: 1, more: 2 } });
    expect(tooMany.status, tooMany.text).toBe(200);
    expect(tooMany.json.attributesRefused).toEqual([{ key: 'extra', reason: 'too_many' }, { key: 'more', reason: 'too_many' }]);
    expect((await stored('attr-known')).attributes).toEqual({ ...full.attributes, plan: 'Gold' });
  });

  it('stores nothing for an unverified identity (a wrong hash, or none)', async () => {
    const wrong = await session({ userId: 'attr-forged', hash: identityHash('another-secret', 'attr-forged'), attributes: { plan: 'VIP' } });
    expect(wrong.status).toBe(401);
    const none = await session({ userId: 'attr-forged', attributes: { plan: 'VIP' } });
    expect(none.status).toBe(401);
    expect(await stored('attr-forged')).toBeUndefined();
    // A signed-in customer's record is not touched by someone claiming their id with a wrong hash.
    await signIn('attr-victim', { attributes: { plan: 'basic' } });
    expect((await session({ userId: 'attr-victim', hash: 'f'.repeat(64), attributes: { plan: 'VIP' } })).status).toBe(401);
    expect((await stored('attr-victim')).attributes).toEqual({ plan: 'basic' });
    // An anonymous session's attributes are not stored either (only a verified identity's are).
    const anonymous = await session({ attributes: { plan: 'VIP' } });
    expect(anonymous.status).toBe(200);
    expect(await attributesOf(anonymous.json.customerId)).toEqual({});
  });
});

describe('PATCH /api/customers/:id/attributes', () => {
  it('lets agents and API tokens set and remove keys, and refuses anyone else', async () => {
    const { customerId, visitorToken } = await widgetSession(stack.url);
    const path = `/api/customers/${customerId}/attributes`;
    const set = await httpAs(stack.url, 'PATCH', path, agentAuth, { attributes: { plan: 'VIP', lifetimeValue: 1200, wholesale: true } });
    expect(set.status, set.text).toBe(200);
    expect(set.json.customer.attributes).toEqual({ plan: 'VIP', lifetimeValue: 1200, wholesale: true });
    // The customer JSON the console reads carries them.
    expect((await httpAs(stack.url, 'GET', `/api/customers/${customerId}`, agentAuth)).json.customer.attributes).toEqual({ plan: 'VIP', lifetimeValue: 1200, wholesale: true });

    // The shop's backend, with an API token (agent scope).
    const made = await httpAs(stack.url, 'POST', '/api/admin/api-tokens', adminAuth, { name: 'CRM sync', scope: 'agent' });
    expect(made.status, made.text).toBe(201);
    const byToken = await fetch(`${stack.url}${path}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${made.json.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ attributes: { wholesale: null, signupDate: '2024-03-01' } }),
    });
    expect(byToken.status).toBe(200);
    expect(await attributesOf(customerId)).toEqual({ plan: 'VIP', lifetimeValue: 1200, signupDate: '2024-03-01' });

    // Not staff: nobody, and the shopper's own visitor token.
    expect((await httpAs(stack.url, 'PATCH', path, null, { attributes: { plan: 'free' } })).status).toBe(401);
    const asShopper = await fetch(`${stack.url}${path}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${visitorToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ attributes: { plan: 'free' } }),
    });
    expect(asShopper.status).toBe(401);

    // Refusals name the key and change nothing.
    const bad = await httpAs(stack.url, 'PATCH', path, agentAuth, { attributes: { plan: 'free', lifetimeValue: 'x'.repeat(201) } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'invalid_attributes' });
    expect(bad.json.error.message).toContain('"lifetimeValue"');
    expect((await httpAs(stack.url, 'PATCH', path, agentAuth, { attributes: { deleted: true } })).json.error.message).toContain('"deleted"');
    expect((await httpAs(stack.url, 'PATCH', path, agentAuth, { attributes: [1] })).status).toBe(400);
    expect((await httpAs(stack.url, 'PATCH', path, agentAuth, {})).status).toBe(400);
    expect(await attributesOf(customerId)).toEqual({ plan: 'VIP', lifetimeValue: 1200, signupDate: '2024-03-01' });

    expect((await httpAs(stack.url, 'PATCH', '/api/customers/999999999/attributes', agentAuth, { attributes: { plan: 'x' } })).status).toBe(404);
  });

  it('refuses a customer deleted at their request', async () => {
    const { customerId } = await widgetSession(stack.url);
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/customers/${customerId}`, adminAuth)).status).toBe(200);
    const answer = await httpAs(stack.url, 'PATCH', `/api/customers/${customerId}/attributes`, agentAuth, { attributes: { plan: 'x' } });
    expect(answer.status).toBe(409);
    expect(await attributesOf(customerId)).toEqual({ deleted: true });
  });

  it('is in the OpenAPI document', async () => {
    const spec = (await httpAs(stack.url, 'GET', '/docs/json', null)).json;
    const route = spec.paths['/api/customers/{id}/attributes'].patch;
    expect(route.description).toMatch(/null removes the key/);
    expect(route.security).toBeTruthy();
    expect(spec.paths['/api/widget/sessions'].post.requestBody.content['application/json'].schema.properties.attributes.description).toMatch(/verified identity/);
  });
});

describe('merging and the privacy export', () => {
  it('keeps the union of both records on a merge, the kept record winning on a shared key', async () => {
    const anonymous = await widgetSession(stack.url);
    await httpAs(stack.url, 'PATCH', `/api/customers/${anonymous.customerId}/attributes`, agentAuth, { attributes: { plan: 'guess', referrer: 'newsletter' } });
    const kept = await signIn('attr-merge', { attributes: { plan: 'VIP', lifetimeValue: 1200 } });
    const merged = await httpAs(stack.url, 'POST', `/api/customers/${anonymous.customerId}/merge`, agentAuth, { intoId: kept.json.customerId });
    expect(merged.status, merged.text).toBe(200);
    expect(merged.json.customer.attributes).toEqual({ plan: 'VIP', lifetimeValue: 1200, referrer: 'newsletter' });
    expect(await attributesOf(anonymous.customerId)).toEqual({});
  });

  it('a sign-in that merges the anonymous record keeps its attributes too, and the new ones on top — but not over the API\'s', async () => {
    const anonymous = await widgetSession(stack.url);
    await httpAs(stack.url, 'PATCH', `/api/customers/${anonymous.customerId}/attributes`, agentAuth, { attributes: { plan: 'guess', referrer: 'ad' } });
    const signedIn = await signIn('attr-merge-2', { visitorToken: anonymous.visitorToken, attributes: { plan: 'VIP', source: 'page' } });
    expect(signedIn.status, signedIn.text).toBe(200);
    // `plan` came with the merged record, written through the API: the backend's word stays (058 attribute_sources).
    expect(await attributesOf(signedIn.json.customerId)).toEqual({ plan: 'guess', referrer: 'ad', source: 'page' });
    expect(signedIn.json.attributesRefused).toEqual([{ key: 'plan', reason: 'backend_owned' }]);
  });

  it('puts them in the privacy export of the customer', async () => {
    const signedIn = await signIn('attr-export', { attributes: { plan: 'VIP', wholesale: false } });
    const exported = await httpAs(stack.url, 'GET', `/api/admin/customers/${signedIn.json.customerId}/export`, adminAuth);
    expect(exported.status, exported.text).toBe(200);
    expect(exported.json.customer.attributes).toEqual({ plan: 'VIP', wholesale: false });
  });
});
