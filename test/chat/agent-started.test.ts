// An agent writes to a customer first: a new conversation held by them, shown in the shopper's open widget at once,
// answered by the shopper to that agent (not the bot), and kept out of the bot's and the hand-offs' report figures.
// Refused while the customer has an open conversation, for a blocked shopper, and to anyone but an agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextEvent, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';

let stack: TestStack;
let agent: Awaited<ReturnType<typeof login>>;
let admin: Awaited<ReturnType<typeof login>>;
const open: WidgetClient[] = [];

beforeAll(async () => {
  stack = await startStack({ workers: true });
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

const start = (customerId: number, body: unknown, who: { cookie: string } | null = agent) =>
  httpAs(stack.url, 'POST', `/api/customers/${customerId}/conversations`, who, body);

describe('an agent writing to a customer first', () => {
  it("starts a conversation held by the agent, shown in the shopper's open widget, answered to the agent", async () => {
    const shopper = await widgetSession(stack.url, { name: 'Pia Proactive', email: 'pia@example.com' });
    const widget = await connectWidget(stack.url, shopper.visitorToken);
    open.push(widget);
    const shown = nextEvent<ConversationSummary>(widget, 'conversation:updated');
    const said = nextEvent<ChatMessage>(widget, 'message:new', (m) => m.author.type === 'agent');

    const started = await start(shopper.customerId, { text: 'Hi Pia, your replacement strap shipped today.' });
    expect(started.status).toBe(201);
    const { conversationId } = started.json;
    expect((await shown).id).toBe(conversationId);
    expect((await said).text).toBe('Hi Pia, your replacement strap shipped today.');
    const [row] = await stack.env.sql`select status, assignee_id, started_by, handed_off, channel from conversations where id = ${conversationId}`;
    expect(row).toMatchObject({ status: 'assigned', assignee_id: agent.user.id, started_by: 'agent', handed_off: false, channel: 'agent' });

    // The shopper answers in it: it stays with the agent, and the bot says nothing.
    await callOk(widget, 'message:send', { clientId: 'pia-1', text: 'Great, thanks! Which carrier?', conversationId });
    await new Promise((r) => setTimeout(r, 500));
    const authors = await stack.env.sql`select author_type from messages where conversation_id = ${conversationId} order by id`;
    expect(authors.map((m) => m.author_type)).toEqual(['agent', 'customer']);

    // On the customer's history, as a conversation the team started.
    await eventually(async () => (await stack.env.sql`
      select 1 from interaction_events where conversation_id = ${conversationId} and type = 'conversation.started' and payload->>'channel' = 'agent'`).length === 1, 15_000, 'history');

    // While it is open, another is refused: the answer belongs there.
    const again = await start(shopper.customerId, { text: 'One more thing' });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'open_conversation', message: `This customer has an open conversation (#${conversationId}): answer there.` });
  });

  it("stays out of the bot's figures and the hand-offs, counted on its own", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const report = async () => (await httpAs(stack.url, 'GET', `/api/admin/reports?from=${today}&to=${today}`, admin)).json;
    const before = await report();
    const shopper = await widgetSession(stack.url, { name: 'Rae Reported' });
    const started = await start(shopper.customerId, { text: 'Hello Rae, a quick question about your order.' });
    const agentSocket = await connectAgent(stack.url, agent.token);
    try {
      await callOk(agentSocket, 'conversation:resolve', { conversationId: started.json.conversationId });
    } finally {
      agentSocket.close();
    }
    const after = await report();
    expect(after.agentStarted).toBe(before.agentStarted + 1);
    expect(after.containment).toEqual(before.containment);
    expect(after.firstResponse).toEqual(before.firstResponse);
    expect(after.conversationsPerDay).toEqual(before.conversationsPerDay);
    // The CSV lists it, marked as the team's.
    const csv = (await httpAs(stack.url, 'GET', `/api/admin/reports/conversations.csv?from=${today}&to=${today}`, admin)).text;
    expect(csv.split('\r\n')[0]).toContain('"status","started_by","handed_off"');
    expect(csv).toContain(`"${started.json.conversationId}","`);
    expect(csv.split('\r\n').find((line) => line.startsWith(`"${started.json.conversationId}",`))).toMatch(/^"\d+","[^"]+","resolved","agent","false",/);
  });

  it('is refused for a blocked shopper, a merged or unknown record, bad input and anyone but an agent, and keeps nothing', async () => {
    const blocked = await widgetSession(stack.url);
    await httpAs(stack.url, 'POST', `/api/customers/${blocked.customerId}/block`, agent, {});
    expect((await start(blocked.customerId, { text: 'hello' })).json.error.code).toBe('blocked');
    expect((await start(999_999_999, { text: 'hello' })).status).toBe(404);
    const someone = await widgetSession(stack.url);
    for (const body of [{}, { text: '' }, { text: '   ' }, { text: 'x'.repeat(4001) }, { text: 'hi', extra: 1 }]) {
      expect((await start(someone.customerId, body)).status, JSON.stringify(body).slice(0, 40)).toBe(400);
    }
    expect((await start(someone.customerId, { text: 'hi' }, null)).status).toBe(401);
    const asShopper = await fetch(`${stack.url}/api/customers/${someone.customerId}/conversations`, {
      method: 'POST', headers: { authorization: `Bearer ${someone.visitorToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hi' }),
    });
    expect(asShopper.status).toBe(401);
    const [{ n }] = await stack.env.sql`select count(*)::int as n from conversations where customer_id in (${blocked.customerId}, ${someone.customerId})`;
    expect(n).toBe(0);
  });
});
