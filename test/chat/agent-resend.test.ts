// An agent's reply stored by a first attempt whose event was never queued (an operator review: Redis stopped for a
// moment, the console was told "internal" although the reply was stored) gets its history event when the console
// sends it again with the same client id, as a shopper's resend already did: nothing is stored or shown twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';

let stack: TestStack;
const sockets: (AgentClient | WidgetClient)[] = [];

beforeAll(async () => {
  stack = await startStack({ workers: true });
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

describe("an agent's resend", () => {
  it('queues the history event a first attempt stored the reply without, and stores and shows nothing twice', async () => {
    const shopper = await widgetSession(stack.url);
    const widget = await connectWidget(stack.url, shopper.visitorToken);
    sockets.push(widget);
    const { conversationId } = await callOk<{ conversationId: number }>(widget, 'message:send', { clientId: 'q1', text: 'Is my refund on its way?' });
    const auth = await login(stack.url, stack.agent.email, stack.agent.password);
    const agent = await connectAgent(stack.url, auth.token);
    sockets.push(agent);
    await callOk(agent, 'conversation:join', { conversationId });

    // What the first attempt left: the reply stored, its event never queued.
    const [stored] = await stack.env.sql<{ id: number }[]>`
      insert into messages (conversation_id, author_type, author_id, client_id, body)
      values (${conversationId}, 'agent', ${auth.user.id}, 'reply-1', 'Your refund was issued today') returning id`;
    const timeline = () => stack.env.sql`select 1 from interaction_events where idempotency_key = ${`msg:${stored.id}`}`;
    expect(await timeline()).toHaveLength(0);

    const again = await callOk<{ id: number; duplicate: boolean }>(agent, 'message:send', { conversationId, clientId: 'reply-1', text: 'Your refund was issued today' });
    expect(again).toMatchObject({ id: Number(stored.id), duplicate: true });
    await eventually(async () => (await timeline()).length === 1, 20_000, 'the reply on the history');
    const copies = await stack.env.sql`select 1 from messages where conversation_id = ${conversationId} and body = 'Your refund was issued today'`;
    expect(copies).toHaveLength(1);
  });
});
