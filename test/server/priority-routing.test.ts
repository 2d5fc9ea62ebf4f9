// A queued chat an agent marked priority is offered before the chats queued earlier, and its shopper is told they are
// next (server/repositories/routing.ts: assignNext and the queue's positions). Real server, Postgres, Redis and
// socket.io clients: two shoppers ask for a person while nobody is online, the later one is marked priority, and the
// agent who comes online with one free seat gets that one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';

let stack: TestStack;
let agentLogin: Awaited<ReturnType<typeof login>>;
const open: (AgentClient | WidgetClient)[] = [];

beforeAll(async () => {
  stack = await startStack();
  agentLogin = await login(stack.url, stack.agent.email, stack.agent.password);
  await stack.env.sql`update users set presence = 'offline'`;
  await stack.env.sql`update users set capacity = 1 where email = ${stack.agent.email}`;
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

async function queuedShopper(text: string): Promise<{ socket: WidgetClient; conversationId: number }> {
  const session = await widgetSession(stack.url, {});
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `p-${session.customerId}`, text });
  await callOk(socket, 'handoff:request', { conversationId });
  await eventually(async () => (await stack.env.sql`select status from conversations where id = ${conversationId}`)[0].status === 'queued', 10_000, 'queued');
  return { socket, conversationId };
}

describe('a priority chat in the queue', () => {
  it('is told it is next and goes to the first free agent before chats queued earlier', async () => {
    const first = await queuedShopper('I was here first');
    const urgent = await queuedShopper('My card was charged twice!');
    const told = nextEvent<{ conversationId: number; position: number }>(urgent.socket, 'queue:position', (p) => p.position === 1, 10_000);
    const marked = await httpAs(stack.url, 'PUT', `/api/conversations/${urgent.conversationId}/priority`, agentLogin, { priority: true });
    expect(marked.status).toBe(200);
    const agent = await connectAgent(stack.url, agentLogin.token);
    open.push(agent);
    await callOk(agent, 'presence:set', { presence: 'online' });
    await eventually(async () => (await stack.env.sql`select status from conversations where id = ${urgent.conversationId}`)[0].status === 'assigned', 10_000, 'the priority chat assigned');
    expect((await told).position).toBe(1);
    // One seat: the chat queued first waits for the next one.
    const [waiting] = await stack.env.sql<{ status: string }[]>`select status from conversations where id = ${first.conversationId}`;
    expect(waiting.status).toBe('queued');
  });
});
