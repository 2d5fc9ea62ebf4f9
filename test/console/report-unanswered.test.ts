// The report's "Questions the bot could not answer" on a real server and Postgres: the Unanswered page's groups
// (unanswered_questions), counted by their questions asked in the range, with what was done about each — not exact
// repeats of the interaction events (which, without repeats, listed the ten latest questions once each).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, type TestStack } from '../support/server.ts';
import { unansweredRepository } from '../../knowledge-base/unanswered.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;

const http = (method: string, path: string, body?: unknown) => httpAs(stack.url, method, path, admin, body);

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  await stack?.close();
});

const at = (day: string, time = '12:00:00') => new Date(`${day}T${time}Z`);

/** A group as knowledge-base/unanswered.ts stores it: a total, first/last seen, and its newest examples (newest first). */
async function group(text: string, fields: { count: number; examples: Date[]; firstSeen: Date; status?: 'open' | 'handled'; resolution?: Record<string, unknown> }) {
  const examples = [...fields.examples].sort((a, b) => b.getTime() - a.getTime())
    .map((when) => ({ text, conversationId: null, at: when.toISOString(), reason: 'no_match' }));
  const [row] = await stack.env.sql<{ id: number }[]>`
    insert into unanswered_questions (locale, text, normalised, cluster_key, tokens, count, examples, status, resolution, first_seen, last_seen)
    values ('en', ${text}, ${text.toLowerCase()}, ${`${text} ${Math.random()}`}, ${stack.env.sql.array(text.split(' '))}::text[], ${fields.count},
            ${stack.env.sql.json(examples as never)}, ${fields.status ?? 'open'}, ${fields.resolution ? stack.env.sql.json(fields.resolution as never) : null},
            ${fields.firstSeen}, ${examples.length ? new Date(examples[0].at) : fields.firstSeen})
    returning id`;
  return row.id;
}

type UnansweredRow = { id: number; count: number; countExact: boolean; lastAsked: string };

const days = (month: string, from: number, n: number) => Array.from({ length: n }, (_, i) => at(`2019-${month}-${String(from + i).padStart(2, '0')}`));

describe('report: questions the bot could not answer', () => {
  it("lists the Unanswered page's groups by their questions in the range, with their status", async () => {
    const sql = stack.env.sql;
    const [customer] = await sql<{ id: number }[]>`insert into customers (name) values ('Unanswered Shopper') returning id`;
    // What the reviewer saw before: questions with no exact repeats, each its own row of 1.
    for (const [i, question] of ['Where is my parcel?', 'my parcel has not arrived', 'Write me a poem'].entries()) {
      await sql`insert into interaction_events (idempotency_key, customer_id, type, payload, occurred_at)
                values (${`unanswered-${i}`}, ${customer.id}, 'bot.decision', ${sql.json({ intent: null, action: 'clarify', reason: 'no_match', question })}, ${at('2019-06-10', `1${i}:00:00`)})`;
    }
    // A: open, all three questions in June.
    const parcel = await group('Where is my parcel?', { count: 3, examples: [at('2019-06-05'), at('2019-06-10'), at('2019-06-12')], firstSeen: at('2019-06-05') });
    // B: "Not for the bot" — handled, still listed, saying so.
    const poem = await group('Write me a poem', { count: 2, examples: [at('2019-06-10'), at('2019-06-11')], firstSeen: at('2019-06-10'), status: 'handled', resolution: { kind: 'out_of_scope', added: 2, by: admin.user.id } });
    // C: added as an example to an intent; one of its two questions was asked in May.
    const refund = await group('refund status', { count: 2, examples: [at('2019-05-20'), at('2019-06-15')], firstSeen: at('2019-05-20'), status: 'handled', resolution: { kind: 'example', intentId: 1, intent: 'refund_status', by: admin.user.id } });
    // D: busy since May and still asked in July; only its newest ten kept (4 in June). The 15 not kept were asked from
    // May 1 to June 25, 24.5 of those 55 days in June: about 4 + 15 × 24.5 / 55 = 11.
    const busy = await group('gift card balance', { count: 25, examples: [...days('06', 25, 4), ...days('07', 1, 6)], firstSeen: at('2019-05-01') });
    // E: began in June and went on in July: 14 in all, ten kept (3 in June, 7 in July), so 14 − 7 = 7 in June, exactly.
    const began = await group('ship to mars', { count: 14, examples: [...days('06', 28, 3), ...days('07', 1, 7)], firstSeen: at('2019-06-20') });
    // F: only in May.
    await group('old question', { count: 5, examples: days('05', 1, 5), firstSeen: at('2019-05-01') });

    const r = (await http('GET', '/api/admin/reports?from=2019-06-01&to=2019-06-30')).json;
    expect(r.topUnanswered).toEqual([
      { id: busy, question: 'gift card balance', count: 11, countExact: false, lastAsked: at('2019-06-28').toISOString(), status: 'open', handled: null },
      { id: began, question: 'ship to mars', count: 7, countExact: true, lastAsked: at('2019-06-30').toISOString(), status: 'open', handled: null },
      { id: parcel, question: 'Where is my parcel?', count: 3, countExact: true, lastAsked: at('2019-06-12').toISOString(), status: 'open', handled: null },
      { id: poem, question: 'Write me a poem', count: 2, countExact: true, lastAsked: at('2019-06-11').toISOString(), status: 'handled', handled: { kind: 'out_of_scope' } },
      { id: refund, question: 'refund status', count: 1, countExact: true, lastAsked: at('2019-06-15').toISOString(), status: 'handled', handled: { kind: 'example', intent: 'refund_status' } },
    ]);
    // May alone: the busy group's questions there were not kept, so they are estimated (30.5 of its 55 days: about 8;
    // counting only kept ones left the busiest groups out), then the old group and the refund question's first ask.
    const may = (await http('GET', '/api/admin/reports?from=2019-05-01&to=2019-05-31')).json;
    expect(may.topUnanswered.map((u: { question: string; count: number; countExact: boolean }) => [u.question, u.count, u.countExact]))
      .toEqual([['gift card balance', 8, false], ['old question', 5, true], ['refund status', 1, true]]);
    // The bot's own tally still comes from its decisions.
    expect(r.botQuestions).toMatchObject({ total: 3, unanswered: 3 });
  });

  it("estimates a group whose saved questions were all deleted with its customer from its first and last time seen", async () => {
    const sql = stack.env.sql;
    const customer = async (name: string) => (await sql<{ id: number }[]>`insert into customers (name) values (${name}) returning id`)[0].id;
    const chat = async (customerId: number, created: string) =>
      (await sql<{ id: number }[]>`insert into conversations (customer_id, status, created_at) values (${customerId}, 'bot', ${new Date(created)}) returning id`)[0].id;
    const other = await customer('Asked first');
    const leaving = await customer('Asked since');
    const firstChat = await chat(other, '2019-05-05T00:00:00Z');
    const laterChat = await chat(leaving, '2019-05-10T01:00:00Z');
    // Asked 4 times from 5 May 00:00 to 10 May 02:00; its text from the first asker's chat, the 2 kept from the other's.
    const examples = [{ text: 'mars?', conversationId: laterChat, at: '2019-05-10T02:00:00.000Z' }, { text: 'ship to mars', conversationId: laterChat, at: '2019-05-10T01:00:00.000Z' }];
    const [{ id }] = await sql<{ id: number }[]>`
      insert into unanswered_questions (locale, text, normalised, cluster_key, count, examples, first_seen, last_seen, source_conversation_id)
      values ('en', 'do you ship to mars', 'do you ship to mars', 'mars ship', 4, ${sql.json(examples as never)},
              ${new Date('2019-05-05T00:00:00Z')}, ${new Date('2019-05-10T02:00:00Z')}, ${firstChat})
      returning id`;
    const listed = async (from: string, to: string) =>
      ((await http('GET', `/api/admin/reports?from=${from}&to=${to}`)).json.topUnanswered as UnansweredRow[]).find((u) => u.id === id);
    expect(await listed('2019-05-10', '2019-05-10')).toMatchObject({ count: 2, countExact: false });

    expect((await http('DELETE', `/api/admin/customers/${leaving}`)).status).toBe(200);
    const [kept] = await sql<{ count: number; examples: unknown[] }[]>`select count, examples from unanswered_questions where id = ${id}`;
    expect(kept).toEqual({ count: 4, examples: [] });
    // The last question was asked at last_seen (10 May 02:00), the other 3 are spread over the 122 hours from first_seen:
    // 2 of them in the range's first 72 hours, 1 in the rest, whose day also has the last one. It read 345,600 (4 × the
    // day's seconds) with nothing saved to count from.
    expect(await listed('2019-05-10', '2019-05-10')).toMatchObject({ count: 1, countExact: false, lastAsked: '2019-05-10T02:00:00.000Z' });
    expect(await listed('2019-05-05', '2019-05-07')).toMatchObject({ count: 2, countExact: false });
    expect(await listed('2019-05-08', '2019-05-10')).toMatchObject({ count: 2, countExact: false });
    expect(await listed('2019-05-01', '2019-05-31')).toMatchObject({ count: 4, countExact: true });
  });

  it('follows a group recorded and handled through the Unanswered page', async () => {
    const repo = unansweredRepository(stack.env.sql);
    const first = await repo.record('Do you sell wooden toys for toddlers?', null, { reason: 'no_match' });
    expect(await repo.record('do you sell wooden toys for toddlers', null, { reason: 'no_match' })).toBe(first);
    const today = new Date().toISOString().slice(0, 10);
    const before = (await http('GET', `/api/admin/reports?from=${today}&to=${today}`)).json.topUnanswered;
    expect(before.find((u: { id: number }) => u.id === first)).toMatchObject({ count: 2, countExact: true, status: 'open', handled: null });

    expect((await http('POST', `/api/admin/unanswered/${first}/handled`)).status).toBe(200);
    const after = (await http('GET', `/api/admin/reports?from=${today}&to=${today}`)).json.topUnanswered;
    expect(after.find((u: { id: number }) => u.id === first)).toMatchObject({ count: 2, status: 'handled', handled: { kind: 'dismissed' } });
  });
});
