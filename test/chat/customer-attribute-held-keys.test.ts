// Keys an older, looser writer stored can be removed and released through PATCH /api/customers/:id/attributes (the
// console panel's × sends `{[key]: null}` there). The whole-replace PATCH /api/customers/:id and older contacts imports
// take any name of up to 60 characters ("Favourite colour?", a 50-character key), which the name rules for setting a
// key (1-40 characters, letters, digits, "_", "-", ".", inner spaces) refuse. A null or a release of a key the record
// holds is accepted under its stored spelling; a name outside the rules that the record does not hold, one past 60
// characters, one with control characters or a system key is still a 400 `invalid_attributes` with nothing written,
// and setting a value under such a name is refused as before. Real server and Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';

let stack: TestStack;
let agentAuth: { cookie: string; token: string };

beforeAll(async () => {
  stack = await startStack();
  agentAuth = await login(stack.url, stack.agent.email, stack.agent.password);
});
afterAll(async () => {
  await stack?.close();
});

const FIFTY = 'Preferred delivery window for heavy furniture items'.slice(0, 50);
const QUESTION = 'Favourite colour?';

/** What the console panel sends: one key at a time, through the partial PATCH, as the signed-in agent. */
const panelPatch = (id: number, body: unknown) => httpAs(stack.url, 'PATCH', `/api/customers/${id}/attributes`, agentAuth, body);
const stored = async (id: number) => (await stack.env.sql<{ attributes: Record<string, unknown>; attribute_sources: Record<string, string> }[]>`
  select attributes, attribute_sources from customers where id = ${id}`)[0];

/** A customer holding keys the name rules refuse, written by the console's whole-replace PATCH. */
async function customerWithLooseKeys(): Promise<number> {
  const { customerId } = await widgetSession(stack.url);
  const replaced = await httpAs(stack.url, 'PATCH', `/api/customers/${customerId}`, agentAuth, { attributes: { [QUESTION]: 'green', [FIFTY]: 'mornings', plan: 'VIP' } });
  expect(replaced.status, replaced.text).toBe(200);
  return customerId;
}

describe('removing and releasing a key an older writer stored under a name the rules refuse', () => {
  it('removes "Favourite colour?" and a 50-character key with null; the other keys stay', async () => {
    expect([...FIFTY]).toHaveLength(50);
    const id = await customerWithLooseKeys();

    const question = await panelPatch(id, { attributes: { [QUESTION]: null } });
    expect(question.status, question.text).toBe(200);
    expect(question.json.customer.attributes).toEqual({ [FIFTY]: 'mornings', plan: 'VIP' });
    const long = await panelPatch(id, { attributes: { [FIFTY]: null } });
    expect(long.status, long.text).toBe(200);
    expect((await stored(id)).attributes).toEqual({ plan: 'VIP' });
    // Removed from the shop's side, so the keys stay the console's (as any removal there).
    expect((await stored(id)).attribute_sources).toMatchObject({ [QUESTION]: 'console', [FIFTY]: 'console' });
  });

  it('releases such a key an older contacts import wrote, and one whose value was removed but whose mark stays', async () => {
    // The import now holds names to the rules (customer-import.ts): the record an older one left is written as it did.
    const attributes = { 'Loyalty tier (2023)': 'gold', [QUESTION]: 'blue' };
    const [{ id }] = await stack.env.sql<{ id: number }[]>`
      insert into customers (external_id, attributes, attribute_sources)
      values ('held-keys-import', ${stack.env.sql.json(attributes)}, ${stack.env.sql.json({ 'Loyalty tier (2023)': 'import', [QUESTION]: 'import' })}) returning id`;
    expect((await stored(id)).attribute_sources).toMatchObject({ 'Loyalty tier (2023)': 'import', [QUESTION]: 'import' });
    expect((await panelPatch(id, { attributes: { [QUESTION]: null } })).status).toBe(200);

    const released = await panelPatch(id, { release: ['Loyalty tier (2023)', QUESTION] });
    expect(released.status, released.text).toBe(200);
    expect(released.json.customer.attributes).toEqual({ 'Loyalty tier (2023)': 'gold' }); // released, not removed
    const { attribute_sources: sources } = await stored(id);
    expect(Object.hasOwn(sources, 'Loyalty tier (2023)')).toBe(false);
    expect(Object.hasOwn(sources, QUESTION)).toBe(false);
  });

  it('still refuses such a name the record does not hold, past 60 characters, with control characters, or a system key; nothing is written', async () => {
    const id = await customerWithLooseKeys();
    const before = await stored(id);
    for (const [body, named] of [
      [{ attributes: { 'Least favourite colour?': null } }, /may hold only letters/],
      [{ release: ['Least favourite colour?'] }, /may hold only letters/],
      [{ attributes: { ['y'.repeat(61)]: null } }, /must be 1-40 characters/],
      [{ release: ['y'.repeat(61)] }, /must be 1-40 characters/],
      [{ attributes: { 'Favourite\u0007colour': null } }, /may hold only letters/],
      [{ attributes: { unverifiedUserId: null } }, /"unverifiedUserId" is kept by the system/],
      // Setting a value under such a name: the rules apply, even for a key the record holds.
      [{ attributes: { [QUESTION]: 'red' } }, /may hold only letters/],
      [{ attributes: { [FIFTY]: 'evenings' } }, /must be 1-40 characters/],
    ] as const) {
      const answer = await panelPatch(id, { ...body, ...('release' in body ? { attributes: { extra: 'must not be written' } } : {}) });
      expect(answer.status, `${JSON.stringify(body)}: ${answer.text}`).toBe(400);
      expect(answer.json.error.code).toBe('invalid_attributes');
      expect(answer.json.error.message).toMatch(named);
    }
    expect(await stored(id)).toEqual(before);
  });

  it('removes and releases a held key under its stored spelling in the same call as keys within the rules', async () => {
    const id = await customerWithLooseKeys();
    const answer = await panelPatch(id, { attributes: { [QUESTION]: null, plan: 'Gold', tier: 'new' }, release: [FIFTY, 'plan'] });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.customer.attributes).toEqual({ [FIFTY]: 'mornings', plan: 'Gold', tier: 'new' });
    const { attribute_sources: sources } = await stored(id);
    expect(sources).toMatchObject({ [QUESTION]: 'console', tier: 'console' });
    expect(Object.hasOwn(sources, FIFTY)).toBe(false);
    expect(Object.hasOwn(sources, 'plan')).toBe(false);
  });
});
