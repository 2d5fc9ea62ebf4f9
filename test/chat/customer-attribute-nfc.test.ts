// Attribute names in either Unicode spelling are one name: "café" typed decomposed ("cafe" + U+0301) by one page or
// panel and precomposed by another. Every writer stores NFC, and a removal or a set finds the name however it was
// typed — also a key an older writer stored decomposed. Over real HTTP against a real server and Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { identityHash } from '../../server/services/visitor-tokens.ts';

const DECOMPOSED = 'cafe\u0301';
const PRECOMPOSED = 'caf\u00e9';
const IDENTITY_SECRET = 'attribute-nfc-identity-secret';
let stack: TestStack;
let agent: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  stack = await startStack({ config: { identitySecret: IDENTITY_SECRET } });
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
});
afterAll(() => stack?.close());

const storedKeys = async (id: number) => Object.keys((await stack.env.sql<{ attributes: Record<string, unknown> }[]>`
  select attributes from customers where id = ${id}`)[0].attributes);
const shownAttributes = async (id: number) => (await httpAs(stack.url, 'GET', `/api/customers/${id}`, agent)).json.customer.attributes;
const changeSome = (id: number, attributes: Record<string, unknown>) => httpAs(stack.url, 'PATCH', `/api/customers/${id}/attributes`, agent, { attributes });
const replaceAll = (id: number, attributes: Record<string, unknown>) => httpAs(stack.url, 'PATCH', `/api/customers/${id}`, agent, { attributes });
const newCustomer = async () => (await widgetSession(stack.url, {})).customerId;

describe('attribute names in NFC', () => {
  it('removes a key named in the decomposed spelling', async () => {
    const id = await newCustomer();
    expect((await changeSome(id, { [PRECOMPOSED]: 'latte', plan: 'VIP' })).status).toBe(200);
    const removed = await changeSome(id, { [DECOMPOSED]: null });
    expect(removed.status).toBe(200);
    expect(removed.json.customer.attributes).toEqual({ plan: 'VIP' });
    expect(await storedKeys(id)).toEqual(['plan']);
  });

  it("stores the console's whole-set write in NFC, so either spelling reads and removes it", async () => {
    const id = await newCustomer();
    expect((await replaceAll(id, { [DECOMPOSED]: 'latte' })).status).toBe(200);
    expect(await storedKeys(id)).toEqual([PRECOMPOSED]);
    expect(await shownAttributes(id)).toEqual({ [PRECOMPOSED]: 'latte' });
    // Setting it again in the other spelling changes the one key.
    expect((await changeSome(id, { [DECOMPOSED]: 'mocha' })).json.customer.attributes).toEqual({ [PRECOMPOSED]: 'mocha' });
    expect((await changeSome(id, { [DECOMPOSED]: null })).status).toBe(200);
    expect(await storedKeys(id)).toEqual([]);
    // Both spellings in one set are one name given twice: refused, nothing written.
    const twice = await replaceAll(id, { [DECOMPOSED]: 'a', [PRECOMPOSED]: 'b' });
    expect(twice.status).toBe(400);
    expect(twice.json.error).toMatchObject({ code: 'invalid_attributes', message: expect.stringContaining('two Unicode spellings') });
    expect(await storedKeys(id)).toEqual([]);
  });

  it('removes or replaces a key an older writer stored decomposed, named in either spelling', async () => {
    for (const [spelling, change] of [[DECOMPOSED, null], [PRECOMPOSED, null], [PRECOMPOSED, 'flat white'], [DECOMPOSED, 'flat white']] as const) {
      const id = await newCustomer();
      // As the whole-set PATCH stored it before it normalised.
      await stack.env.sql`update customers set attributes = ${stack.env.sql.json({ [DECOMPOSED]: 'latte', plan: 'VIP' })}, attribute_sources = ${stack.env.sql.json({ [DECOMPOSED]: 'console' })} where id = ${id}`;
      const answer = await changeSome(id, { [spelling]: change });
      expect(answer.status, `${JSON.stringify(spelling)} → ${change}`).toBe(200);
      const expected = change === null ? { plan: 'VIP' } : { plan: 'VIP', [PRECOMPOSED]: change };
      expect(answer.json.customer.attributes, `${JSON.stringify(spelling)} → ${change}`).toEqual(expected);
      expect((await storedKeys(id)).sort(), `${JSON.stringify(spelling)} → ${change}`).toEqual(Object.keys(expected).sort());
    }
  });

  it("identify() with a decomposed name writes the NFC key the shop's side reads and removes, and leaves the backend's key alone", async () => {
    const signIn = (userId: string, attributes: Record<string, unknown>) =>
      widgetSession(stack.url, { userId, hash: identityHash(IDENTITY_SECRET, userId), attributes });
    const { customerId: id } = await signIn('nfc-1', { [DECOMPOSED]: 'espresso' });
    expect(await storedKeys(id)).toEqual([PRECOMPOSED]);
    expect(await shownAttributes(id)).toEqual({ [PRECOMPOSED]: 'espresso' });
    expect((await changeSome(id, { [DECOMPOSED]: null })).json.customer.attributes).toEqual({});
    // The backend removed it: the page may not bring it back in either spelling.
    expect(await signIn('nfc-1', { [DECOMPOSED]: 'espresso' })).toMatchObject({ attributesRefused: [{ key: PRECOMPOSED, reason: 'backend_owned' }] });
    expect(await storedKeys(id)).toEqual([]);
  });
});
