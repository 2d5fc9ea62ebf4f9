// A message left while nobody was available is answered once: an agent's reply (or resolve) in its chat marks it
// answered, and "Mark answered" on the Messages left page leaves a private note in the chat. Also what the stored
// system lines carry so each reader's client can word them in its language, and what anonymising leaves of them.
import { beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, eventually, nextAgentMessage, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { agentStack } from '../support/agent-stack.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

const bed = agentStack();
const { open } = bed;
let stack: TestStack;
let agent: AgentClient;
let agentAuth: typeof bed.agentAuth;
beforeAll(() => {
  ({ stack, agent, agentAuth } = bed);
});

interface LeftMessage { id: number; conversationId: number | null; handledAt: string | null; handledBy: number | null; handledByName: string | null; handledInChat: boolean }

/** A shopper whose chat waits for a person (nobody online) and who left a message in it. */
async function shopperWhoLeftAMessage(label: string): Promise<{ socket: WidgetClient; conversationId: number; customerId: number; offlineId: number }> {
  const session = await widgetSession(stack.url, { locale: 'zh' });
  const socket = await connectWidget(stack.url, session.visitorToken, 'zh');
  open.push(socket);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${label}-1`, text: `${label}: 我想找人工客服` });
  await callOk(socket, 'handoff:request', { conversationId: sent.conversationId });
  const left = await callOk<{ id: number }>(socket, 'offline:leave', { email: `${label}@example.com`, text: `${label} 请给我回邮件`, conversationId: sent.conversationId });
  return { socket, conversationId: sent.conversationId, customerId: session.customerId, offlineId: left.id };
}

async function leftMessage(id: number): Promise<LeftMessage> {
  const all = await httpAs(stack.url, 'GET', '/api/offline-messages', { cookie: agentAuth.cookie });
  const found = (all.json.items as LeftMessage[]).find((m) => m.id === id);
  if (!found) throw new Error(`left message ${id} not listed`);
  return found;
}

describe('messages left while nobody was available', () => {
  it('stores the left message line with its parameters, so the widget can word it in the shopper\'s language', async () => {
    const shopper = await shopperWhoLeftAMessage('lang');
    const [line] = await stack.env.sql<{ body: string; metadata: Record<string, unknown> }[]>`
      select body, metadata from messages where conversation_id = ${shopper.conversationId} and author_type = 'system' and metadata->>'event' = 'offline_message'`;
    expect(line.body).toBe('Message left for the team (reply by email to lang@example.com): lang 请给我回邮件'); // the English fallback
    expect(line.metadata).toEqual({ event: 'offline_message', offlineMessageId: shopper.offlineId, email: 'lang@example.com', text: 'lang 请给我回邮件' });
  });

  it('is answered by the agent who replies in its chat, and the list says it was answered there', async () => {
    const shopper = await shopperWhoLeftAMessage('reply');
    expect((await leftMessage(shopper.offlineId)).handledAt).toBeNull();
    const handled = nextEvent<{ id: number; handledBy: number }>(agent, 'offline:handled', (e) => e.id === shopper.offlineId);
    // Replying takes the queued chat (nobody held it) and answers the left message.
    await callOk(agent, 'message:send', { conversationId: shopper.conversationId, clientId: 'reply-answer', text: 'Hello, I can help now.' });
    expect(await handled).toEqual({ id: shopper.offlineId, handledBy: agentAuth.user.id });
    expect(await leftMessage(shopper.offlineId)).toMatchObject({ handledBy: agentAuth.user.id, handledByName: agentAuth.user.name, handledInChat: true });
    const waiting = await httpAs(stack.url, 'GET', '/api/offline-messages?handled=false', { cookie: agentAuth.cookie });
    expect((waiting.json.items as LeftMessage[]).map((m) => m.id)).not.toContain(shopper.offlineId);

    // A private note is no answer to the shopper: it leaves a waiting message waiting.
    const other = await shopperWhoLeftAMessage('note');
    await callOk(agent, 'message:send', { conversationId: other.conversationId, clientId: 'note-1', text: 'checking the order first', private: true });
    expect((await leftMessage(other.offlineId)).handledAt).toBeNull();
  });

  it('is answered by resolving its chat', async () => {
    const shopper = await shopperWhoLeftAMessage('resolve');
    await callOk(agent, 'conversation:resolve', { conversationId: shopper.conversationId });
    await eventually(async () => (await leftMessage(shopper.offlineId)).handledAt !== null, 5_000, 'left message answered by the resolve');
    expect(await leftMessage(shopper.offlineId)).toMatchObject({ handledBy: agentAuth.user.id, handledInChat: true });
  });

  it('"Mark answered" leaves a note in the chat for agents only, once', async () => {
    const shopper = await shopperWhoLeftAMessage('marked');
    const note = nextAgentMessage(agent, (m) => m.conversationId === shopper.conversationId && m.author.type === 'system' && m.private);
    const first = await httpAs(stack.url, 'POST', `/api/offline-messages/${shopper.offlineId}/handled`, { cookie: agentAuth.cookie });
    expect(first.status).toBe(200);
    const shown = await note;
    expect(shown.metadata).toMatchObject({ event: 'offline_answered', offlineMessageId: shopper.offlineId, agentName: agentAuth.user.name });
    expect(shown.text).toBe(`${agentAuth.user.name} marked the left message answered.`);
    expect(await leftMessage(shopper.offlineId)).toMatchObject({ handledBy: agentAuth.user.id, handledInChat: false });

    // Marked again (a second click, another agent's stale page): the first answer stays, no second note.
    expect((await httpAs(stack.url, 'POST', `/api/offline-messages/${shopper.offlineId}/handled`, { cookie: agentAuth.cookie })).status).toBe(200);
    const notes = await stack.env.sql`select id from messages where conversation_id = ${shopper.conversationId} and metadata->>'event' = 'offline_answered'`;
    expect(notes.length).toBe(1);
    // The shopper never sees it.
    const synced = await callOk<{ messages: ChatMessage[] }>(shopper.socket, 'messages:sync', { conversationId: shopper.conversationId, afterId: 0 });
    expect(synced.messages.some((m) => (m.metadata as { event?: string }).event === 'offline_answered')).toBe(false);
    expect((await httpAs(stack.url, 'POST', '/api/offline-messages/999999/handled', { cookie: agentAuth.cookie })).status).toBe(404);
  });

  it('deleting the shopper leaves no address or words in the chat\'s system lines', async () => {
    const shopper = await shopperWhoLeftAMessage('forget');
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/customers/${shopper.customerId}`, { cookie: admin.cookie })).status).toBe(200);
    const lines = await stack.env.sql<{ body: string; metadata: Record<string, unknown> }[]>`
      select body, metadata from messages where conversation_id = ${shopper.conversationId} and author_type = 'system'`;
    expect(lines.some((l) => l.metadata.event === 'offline_message')).toBe(true);
    for (const line of lines) expect(`${line.body} ${JSON.stringify(line.metadata)}`).not.toMatch(/forget@example\.com|请给我回邮件/);
  });
});
