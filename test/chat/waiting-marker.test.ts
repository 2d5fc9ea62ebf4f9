// The inbox list tells since when each shopper has waited for the team (`waitingSince`), for the agent's next reply
// as well as the first: a chat answered once and then forgotten shows "Waiting N min" in the console like one never
// answered (console/src/reply-target.ts). Only the visibility: the no-reply hand-back still takes only chats whose
// agent never replied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { minutesWaitingPastTarget } from '../../console/src/reply-target.ts';

let stack: TestStack;
const open: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

async function onlineAgent(email: string, name: string): Promise<{ socket: AgentClient; id: number; cookie: string }> {
  await stack.env.sql`insert into users (email, name, role, password_hash, capacity) values (${email}, ${name}, 'agent', ${await hashPassword('marker-pw-123')}, 5)`;
  const { token, cookie, user } = await login(stack.url, email, 'marker-pw-123');
  const socket = await connectAgent(stack.url, token);
  open.push(socket);
  await callOk(socket, 'presence:set', { presence: 'online' });
  return { socket, id: user.id, cookie };
}

async function shopperHandedOffTo(agent: { socket: AgentClient }, label: string): Promise<{ socket: WidgetClient; conversationId: number }> {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${label}-1`, text: 'where is my parcel?' });
  const assigned = nextEvent<ConversationSummary>(agent.socket, 'conversation:assigned', (c) => c.id === conversationId);
  await callOk(socket, 'handoff:request', { conversationId });
  await assigned;
  return { socket, conversationId };
}

type ListItem = { conversation: ConversationSummary; waitingSince: string | null };

describe('waiting for the next reply', () => {
  it('the list says since when the shopper has waited: from the hand-off, then from their first unanswered message; null once answered', async () => {
    const agent = await onlineAgent('marker@demo.shop', 'Marker Max');
    const shopper = await shopperHandedOffTo(agent, 'next');
    const id = shopper.conversationId;
    const item = async (): Promise<ListItem> => {
      const list = await httpAs(stack.url, 'GET', '/api/conversations?view=open', { cookie: agent.cookie });
      expect(list.status).toBe(200);
      return list.json.items.find((i: ListItem) => i.conversation.id === id);
    };
    const shopperSays = async (clientId: string, text: string) => {
      const sent = await callOk<{ createdAt: string }>(shopper.socket, 'message:send', { conversationId: id, clientId, text });
      return sent.createdAt;
    };
    const agentSays = (clientId: string, text: string, isPrivate = false) =>
      callOk(agent.socket, 'message:send', { conversationId: id, clientId, text, private: isPrivate });

    // Nobody answered yet: waiting since the hand-off, as the first-reply marker always counted.
    const first = await item();
    expect(first.waitingSince).toBe(first.conversation.queuedAt);

    await agentSays('next-r1', 'Let me look.');
    expect((await item()).waitingSince).toBeNull(); // the agent spoke last

    const askedAgain = await shopperSays('next-2', 'Any news?');
    await shopperSays('next-3', 'Hello?');
    expect((await item()).waitingSince).toBe(askedAgain); // the oldest unanswered message, not the newest
    await agentSays('next-note', 'checking with the warehouse', true);
    expect((await item()).waitingSince).toBe(askedAgain); // a private note answers nobody

    await agentSays('next-r2', 'It ships tomorrow.');
    expect((await item()).waitingSince).toBeNull();

    // Forgotten for 12 minutes after the reply: the console marks it past the 5-minute target.
    const later = await shopperSays('next-4', 'Thanks, and the invoice?');
    await stack.env.sql`update messages set created_at = created_at - interval '12 minutes' where conversation_id = ${id} and client_id = 'next-4'`;
    const forgotten = await item();
    expect(Date.parse(forgotten.waitingSince!)).toBe(Date.parse(later) - 12 * 60_000);
    expect(minutesWaitingPastTarget(forgotten.conversation, 5, Date.now(), forgotten.waitingSince)).toBe(12);

    // Visibility only: the 10-minute no-reply hand-back leaves a chat its agent answered, another agent free or not.
    await onlineAgent('marker-standin@demo.shop', 'Stand-in Stan');
    await stack.env.sql`update conversations set assigned_at = now() - interval '30 minutes' where id = ${id}`;
    expect(await stack.servers[0].handle.ctx.chat.releaseUnansweredChats(10)).toBe(0);
    expect((await stack.env.sql`select assignee_id from conversations where id = ${id}`)[0].assignee_id).toBe(agent.id);

    // A closed chat waits for nobody.
    await callOk(agent.socket, 'conversation:resolve', { conversationId: id });
    const list = await httpAs(stack.url, 'GET', `/api/conversations?customerId=${forgotten.conversation.customerId}`, { cookie: agent.cookie });
    expect(list.json.items.find((i: ListItem) => i.conversation.id === id).waitingSince).toBeNull();
  });

  it('a chat still with the bot waits for nobody', async () => {
    const { cookie } = await login(stack.url, stack.admin.email, stack.admin.password);
    const session = await widgetSession(stack.url);
    const socket = await connectWidget(stack.url, session.visitorToken);
    open.push(socket);
    const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: 'bot-1', text: 'hello' });
    const list = await httpAs(stack.url, 'GET', `/api/conversations?customerId=${session.customerId}`, { cookie });
    const item = list.json.items.find((i: ListItem) => i.conversation.id === conversationId);
    expect(item.conversation.status).toBe('bot');
    expect(item.waitingSince).toBeNull();
  });
});
