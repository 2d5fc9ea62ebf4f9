// Customer tags changed by adding and removing some (PATCH /api/customers/:id/tags, services/customer-tags.ts),
// under the record's row lock: two agents tagging the same shopper at the same moment both keep their tag. The
// whole-set PATCH /api/customers/:id the console used before (read the tags, send them back with one more) loses
// one of two such tags; the same harness shows it. Real server, Postgres and HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { MAX_CUSTOMER_TAGS } from '../../server/services/customer-tags.ts';

const ROUNDS = 25;
let stack: TestStack;
let alice: Awaited<ReturnType<typeof login>>;
let bob: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  stack = await startStack({ config: { rateLimitSessionsPerMinute: 300 } }); // a fresh shopper per round
  alice = await login(stack.url, stack.agent.email, stack.agent.password);
  bob = await login(stack.url, stack.admin.email, stack.admin.password); // a second signed-in teammate
});
afterAll(() => stack?.close());

const changeTags = (auth: { cookie: string }, id: number, body: unknown) => httpAs(stack.url, 'PATCH', `/api/customers/${id}/tags`, auth, body);
const storedTags = async (id: number) => (await stack.env.sql<{ tags: string[] }[]>`select tags from customers where id = ${id}`)[0].tags;
const newCustomer = async () => (await widgetSession(stack.url, {})).customerId;

/** The console's old tag save: read the record's tags, send them back with one more as the whole set. */
const readTags = async (auth: { cookie: string }, id: number) => (await httpAs(stack.url, 'GET', `/api/customers/${id}`, auth)).json.customer.tags as string[];
const replaceTags = (auth: { cookie: string }, id: number, tags: string[]) => httpAs(stack.url, 'PATCH', `/api/customers/${id}`, auth, { tags });

describe('customer tags: add and remove', () => {
  it(`keeps both of two tags added at the same moment by two agents (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = await newCustomer();
      await stack.env.sql`update customers set tags = '{returning}' where id = ${id}`;
      const answers = await Promise.all([changeTags(alice, id, { add: ['vip'] }), changeTags(bob, id, { add: ['wholesale'] })]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect((await storedTags(id)).sort(), `round ${round}`).toEqual(['returning', 'vip', 'wholesale']);
    }
  });

  it('keeps a tag added while another is removed at the same moment', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = await newCustomer();
      await stack.env.sql`update customers set tags = '{vip,late-payer}' where id = ${id}`;
      await Promise.all([changeTags(alice, id, { remove: ['late-payer'] }), changeTags(bob, id, { add: ['wholesale'] })]);
      expect((await storedTags(id)).sort(), `round ${round}`).toEqual(['vip', 'wholesale']);
    }
  });

  it('the whole-set write, from reads made before either write, loses one of the two tags', async () => {
    let lost = 0;
    for (let round = 0; round < 5; round++) {
      const id = await newCustomer();
      const [seenByAlice, seenByBob] = await Promise.all([readTags(alice, id), readTags(bob, id)]);
      await Promise.all([replaceTags(alice, id, [...seenByAlice, 'vip']), replaceTags(bob, id, [...seenByBob, 'wholesale'])]);
      if ((await storedTags(id)).length < 2) lost++;
    }
    expect(lost).toBe(5); // why the console now sends the change instead
  });

  it('trims, compares without case, keeps the first spelling, and says nothing changed as the record was', async () => {
    const id = await newCustomer();
    expect((await changeTags(alice, id, { add: ['  VIP ', 'wholesale'] })).json.customer.tags).toEqual(['VIP', 'wholesale']);
    expect((await changeTags(alice, id, { add: ['vip'] })).json.customer.tags).toEqual(['VIP', 'wholesale']);
    expect((await changeTags(alice, id, { remove: ['vip'], add: ['late-payer'] })).json.customer.tags).toEqual(['wholesale', 'late-payer']);
    expect((await changeTags(alice, id, { remove: ['never-there'] })).json.customer.tags).toEqual(['wholesale', 'late-payer']);
  });

  it('refuses bad bodies with a 400 naming the field, and writes nothing', async () => {
    const id = await newCustomer();
    await stack.env.sql`update customers set tags = '{vip}' where id = ${id}`;
    const cases: [unknown, RegExp][] = [
      [{}, /must NOT have fewer than 1 properties/],
      [{ add: 'vip' }, /add/],
      [{ add: ['a,b'] }, /add\/0/],
      [{ add: ['x'.repeat(41)] }, /add\/0/],
      [{ add: ['   '] }, /add\[0\]: a tag needs a character other than spaces/],
      [{ add: Array.from({ length: MAX_CUSTOMER_TAGS + 1 }, (_, i) => `t${i}`) }, /add/],
      [{ tags: ['vip'] }, /additional properties/],
    ];
    for (const [body, message] of cases) {
      const refused = await changeTags(alice, id, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.json.error.message, JSON.stringify(body)).toMatch(message);
    }
    // The cap counts the record's tags too: 49 stored + 2 added is one too many.
    await stack.env.sql`update customers set tags = ${stack.env.sql.array(Array.from({ length: MAX_CUSTOMER_TAGS - 1 }, (_, i) => `t${i}`))}::text[] where id = ${id}`;
    const over = await changeTags(alice, id, { add: ['one', 'two'] });
    expect(over.status).toBe(400);
    expect(over.json.error.message).toMatch(`at most ${MAX_CUSTOMER_TAGS} tags`);
    expect(await storedTags(id)).toHaveLength(MAX_CUSTOMER_TAGS - 1);
    expect((await changeTags(alice, id, { add: ['one'] })).status).toBe(200);
  });

  it('refuses a stranger (401), an unknown customer (404) and one deleted at their request (409)', async () => {
    const id = await newCustomer();
    expect((await changeTags({ cookie: '' }, id, { add: ['vip'] })).status).toBe(401);
    expect((await changeTags(alice, 999_999_999, { add: ['vip'] })).status).toBe(404);
    await stack.env.sql`update customers set attributes = attributes || '{"deleted": true}' where id = ${id}`;
    expect((await changeTags(alice, id, { add: ['vip'] })).status).toBe(409);
    expect(await storedTags(id)).toEqual([]);
  });
});
