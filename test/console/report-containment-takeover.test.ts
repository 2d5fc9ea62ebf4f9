// The overview's containment on a real server and Postgres, for four findings of a review of the reports:
// (a) a chat a person took from the bot without a hand-off (accepted, taken by replying, or reopened after the bot
//     settled it) is "taken over by the team": against the bot, never "still with the bot" nor "resolved by the bot"
//     (the idle sweep of chats with a person closes it as 'system', which read as the bot's), nor "closed by an agent";
// (b) a shopper's reply to the team's email goes straight to a person (hand-off reason email_reply): outside the
//     rate, like "Who answers first", not a hand-off the bot lost;
// (c) deleting a customer keeps the bot's turns, top intents and hand-off reasons as they were (as containment, read
//     from the chats, stays), the events kept without the customer and without their words;
// (d) a range reaching 9999-12-31 is refused with 400 on every report route (it answered 500).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, type AgentClient } from '../support/sockets.ts';
import { routingRepository } from '../../server/repositories/routing.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let agent: AgentClient;
const open: { close(): void }[] = [];
const http = (method: string, path: string) => httpAs(stack.url, method, path, admin);

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  const session = await login(stack.url, stack.agent.email, stack.agent.password);
  agent = await connectAgent(stack.url, session.token);
  open.push(agent);
});
afterAll(async () => {
  for (const socket of open) socket.close();
  await stack?.close();
});

const DAY_MS = 86_400_000;
/** Today's chats, in a range that also holds them when the test runs across midnight (UTC). */
const aroundToday = () => {
  const day = (offset: number) => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
  return `from=${day(-1)}&to=${day(1)}`;
};
const containment = async () => (await http('GET', `/api/admin/reports?${aroundToday()}`)).json.containment;

/** A widget shopper asks something and the bot (the default greeter) answers: a chat with the bot. */
async function shopperAsks(label: string): Promise<{ customerId: number; conversationId: number }> {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${label}-1`, text: 'Do you ship to Norway?' });
  await eventually(async () => (await stack.env.sql`select 1 from messages where conversation_id = ${sent.conversationId} and author_type = 'bot'`).length > 0,
    10_000, `the bot's answer in ${label}`);
  return { customerId: session.customerId, conversationId: sent.conversationId };
}

const stored = async (id: number) => (await stack.env.sql<{ status: string; handed_off: boolean; resolved_by: string | null; handoff_reason: string | null }[]>`
  select status, handed_off, resolved_by, handoff_reason from conversations where id = ${id}`)[0];

describe('chats the team took over from the bot', () => {
  it('count against the bot however they close, and a reply to the team\'s email goes straight to a person', async () => {
    const routing = routingRepository(stack.env.sql);

    // An agent writes in a chat the bot is answering: it is theirs now, with no hand-off on record.
    const written = await shopperAsks('written');
    await callOk(agent, 'message:send', { conversationId: written.conversationId, clientId: 'written-a1', text: 'Hi, I can help with that.' });
    expect(await stored(written.conversationId)).toMatchObject({ status: 'assigned', handed_off: false });
    // It read "still with the bot" while the agent held it.
    expect(await containment()).toMatchObject({ total: 1, withBot: 0, takenOver: 1, botResolved: 0, handedOff: 0, decided: 1, undecided: 0, rate: 0 });

    // The idle sweep of chats with a person closes it as the system: it read as resolved by the bot, rate 100 %.
    expect((await routing.resolveIdleHumanConversations(0)).map((r) => r.id)).toEqual([written.conversationId]);
    expect(await stored(written.conversationId)).toMatchObject({ status: 'resolved', resolved_by: 'system' });
    expect(await containment()).toMatchObject({ total: 1, botResolved: 0, takenOver: 1, withBot: 0, decided: 1, rate: 0, rateRange: null });

    // An agent accepts a chat from the bot and resolves it: it was "closed by an agent", on neither side of the rate.
    const accepted = await shopperAsks('accepted');
    await callOk(agent, 'conversation:accept', { conversationId: accepted.conversationId });
    await callOk(agent, 'conversation:resolve', { conversationId: accepted.conversationId });
    expect(await stored(accepted.conversationId)).toMatchObject({ status: 'resolved', handed_off: false, resolved_by: 'agent' });
    expect(await containment()).toMatchObject({ total: 2, takenOver: 2, closedByTeam: 0, botResolved: 0, decided: 2, rate: 0 });

    // A chat the bot settled (the shopper went quiet) is the bot's success…
    const settled = await shopperAsks('settled');
    expect((await routing.resolveIdleBotConversations(0)).map((r) => r.id)).toEqual([settled.conversationId]);
    expect(await containment()).toMatchObject({ total: 3, botResolved: 1, takenOver: 2, decided: 3, rate: 0.3333 });
    // …until an agent reopens it and answers: then the team took it over (it read "still with the bot" again).
    await callOk(agent, 'conversation:reopen', { conversationId: settled.conversationId });
    await callOk(agent, 'message:send', { conversationId: settled.conversationId, clientId: 'settled-a1', text: 'Following up on your question.' });
    expect(await containment()).toMatchObject({ total: 3, botResolved: 0, takenOver: 3, withBot: 0, decided: 3, rate: 0 });
    await callOk(agent, 'conversation:resolve', { conversationId: settled.conversationId });
    expect(await containment()).toMatchObject({ botResolved: 0, takenOver: 3, closedByTeam: 0, rate: 0 });

    // The shopper answers the team's email after the chat closed: a new chat, straight to the queue. It counted as a
    // hand-off the bot lost; it never was the bot's.
    const reply = await stack.servers[0].handle.ctx.chat.customerEmailReply({
      customerId: settled.customerId, conversationId: settled.conversationId, emailMessageId: '<takeover-reply-1@mail.example.com>',
      text: 'Thanks, and can you ship two?', metadata: {},
    });
    expect(reply.conversationId).not.toBe(settled.conversationId);
    expect(await stored(reply.conversationId)).toMatchObject({ handed_off: true, handoff_reason: 'email_reply' });
    expect(await containment()).toMatchObject({ total: 4, peopleFirst: 1, handedOff: 0, botResolved: 0, takenOver: 3, decided: 3, rate: 0 });
    // The chart of chats per day splits the same way: none was the bot's alone (its "bot only" bar is what is left), the
    // email reply straight to a person as in the doughnut, not among the hand-offs.
    const perDay = (await http('GET', `/api/admin/reports?${aroundToday()}`)).json.conversationsPerDay as { total: number; handedOff: number; peopleFirst: number; takenOver: number }[];
    const summed = perDay.reduce((n, d) => ({ total: n.total + d.total, handedOff: n.handedOff + d.handedOff, peopleFirst: n.peopleFirst + d.peopleFirst, takenOver: n.takenOver + d.takenOver }),
      { total: 0, handedOff: 0, peopleFirst: 0, takenOver: 0 });
    expect(summed).toEqual({ total: 4, handedOff: 0, peopleFirst: 1, takenOver: 3 });
  });
});

describe("a customer's deletion", () => {
  it("keeps the bot's turns, top intents and hand-off reasons of the range, without the customer or their words", async () => {
    const sql = stack.env.sql;
    const day = '2019-07-01';
    const at = (time: string) => new Date(`${day}T${time}Z`);
    const [customer] = await sql<{ id: number }[]>`insert into customers (name, email) values ('Jo Deleted', 'jo.deleted@example.com') returning id`;
    const [chat] = await sql<{ id: number }[]>`
      insert into conversations (customer_id, status, handed_off, handoff_reason, queued_at, created_at)
      values (${customer.id}, 'queued', true, 'customer_request', ${at('10:02:00')}, ${at('10:00:00')}) returning id`;
    const events: [string, string, Record<string, unknown>, string][] = [
      ['bot.decision', 'del:d1', { intent: 'order_status', action: 'answer', reason: 'intent', question: 'Where is order 5521 for Jo Deleted?', confidence: 0.9 }, '10:00:05'],
      ['bot.decision', 'del:d2', { intent: null, action: 'clarify', reason: 'no_match', question: 'My address is 9 Hidden Road' }, '10:01:00'],
      ['handoff', 'del:h1', { reason: 'customer_request' }, '10:02:00'],
      ['message.customer', 'del:m1', { text: 'My address is 9 Hidden Road' }, '10:01:00'],
    ];
    for (const [type, key, payload, time] of events) {
      await sql`insert into interaction_events (idempotency_key, customer_id, conversation_id, type, payload, occurred_at)
                values (${key}, ${customer.id}, ${chat.id}, ${type}, ${sql.json(payload as never)}, ${at(time)})`;
    }
    const figures = async () => {
      const r = (await http('GET', `/api/admin/reports?from=${day}&to=${day}`)).json;
      return { containment: r.containment, botQuestions: r.botQuestions, topIntents: r.topIntents, handoffReasons: r.handoffReasons };
    };
    const before = await figures();
    expect(before.botQuestions).toMatchObject({ total: 2, answered: 1, unanswered: 1 });
    expect(before.topIntents).toEqual([{ intent: 'order_status', count: 1 }]);
    expect(before.handoffReasons).toEqual([{ reason: 'customer_request', count: 1 }]);

    const deleted = await http('DELETE', `/api/admin/customers/${customer.id}`);
    expect(deleted.status).toBe(200);
    // All four are off their history: three kept for the figures, their message deleted.
    expect(deleted.json.timelineEventsRemoved).toBe(4);
    // The figures stand: they went to zero while containment (from the chats) stayed.
    expect(await figures()).toEqual(before);
    // Nothing of them is left on the events: not tied to the record, no question, only what the reports read.
    expect((await sql`select 1 from interaction_events where customer_id = ${customer.id}`).length).toBe(0);
    const kept = await sql<{ idempotency_key: string; customer_id: number | null; payload: Record<string, unknown> }[]>`
      select idempotency_key, customer_id, payload from interaction_events where idempotency_key like 'del:%' order by idempotency_key`;
    expect(kept).toEqual([
      { idempotency_key: 'del:d1', customer_id: null, payload: { intent: 'order_status', action: 'answer', reason: 'intent' } },
      { idempotency_key: 'del:d2', customer_id: null, payload: { intent: null, action: 'clarify', reason: 'no_match' } },
      { idempotency_key: 'del:h1', customer_id: null, payload: { reason: 'customer_request' } },
    ]);
    expect(JSON.stringify(await sql`select payload from interaction_events`)).not.toMatch(/Hidden Road|Jo Deleted|5521/);
  });
});

describe('a range at the end of the calendar', () => {
  it('is refused with 400 on every report route', async () => {
    const range = 'from=9999-12-25&to=9999-12-31';
    for (const path of ['/api/admin/reports', '/api/admin/reports/conversations.csv', '/api/admin/reports/agents', '/api/admin/reports/agents.csv',
      '/api/admin/reports/teams', '/api/admin/reports/teams.csv', '/api/admin/reports/ratings']) {
      const response = await http('GET', `${path}?${range}`);
      expect({ path, status: response.status, message: response.json?.error?.message }).toEqual({ path, status: 400, message: 'Dates must be between 2000-01-01 and 9998-12-31.' });
    }
  });
});
