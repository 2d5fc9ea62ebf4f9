// Two records of one person that each have an open chat, merged by an agent over HTTP: the person is left with one
// open chat (server/services/customer-merge.ts, closeDuplicateOpenChats), as everything else expects of a customer.
// The chat a person holds stays open (else the queued one, else the newest); the other is closed by the system, keeps
// its holder, and a private note in each points to the other. The shopper's widget — a new connection, and a tab still
// on the closed chat, which joins the open chat's room and hears its replies — resumes the open one, and the inbox
// lists one open chat for the customer. Real server, Postgres and Redis; shoppers and the agent are
// socket.io clients.
import { beforeAll, describe, expect, it } from 'vitest';
import { httpAs, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, nextEvent, type AgentClient } from '../support/sockets.ts';
import { agentStack } from '../support/agent-stack.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';

const bed = agentStack({ config: { rateLimitSessionsPerMinute: 300 } });
const { open, shopperChat } = bed;
let stack: TestStack;
let agent: AgentClient;
let agentAuth: typeof bed.agentAuth;
beforeAll(() => {
  ({ stack, agent, agentAuth } = bed);
});

const chatRow = async (id: number) => (await stack.env.sql<{ status: string; resolved_by: string | null; assignee_id: number | null; customer_id: number }[]>`
  select status, resolved_by, assignee_id, customer_id from conversations where id = ${id}`)[0];

describe('merging two records that each have an open chat', () => {
  it('keeps the agent\'s chat open though older, closes the other with notes pointing both ways, and the widget and inbox follow', async () => {
    const laptop = await widgetSession(stack.url, { name: 'Olga Open', email: 'olga.open@example.com' });
    const phone = await widgetSession(stack.url, { email: 'olga.open@example.com' });
    // The older chat, the merged record's, is the agent's: closing it would cut them off mid-conversation.
    const older = await shopperChat(phone.visitorToken, 'olga-1', 'I would like to talk to a person about my refund');
    await callOk(agent, 'conversation:accept', { conversationId: older.conversationId });
    // The newer one, the kept record's, is the bot's; the laptop's tab is on it.
    const newer = await shopperChat(laptop.visitorToken, 'olga-2', 'Do you have the rain jacket in M?');
    expect(newer.conversationId).toBeGreaterThan(older.conversationId);
    expect((await chatRow(older.conversationId)).status).toBe('assigned');
    expect((await chatRow(newer.conversationId)).status).toBe('bot');

    // The laptop's tab, on the chat the merge closes, is told of the chat that stays open.
    const tabFollows = nextEvent<ConversationSummary>(newer.socket, 'conversation:updated', (c) => c.id === older.conversationId);
    const merged = await httpAs(stack.url, 'POST', `/api/customers/${phone.customerId}/merge`, { cookie: agentAuth.cookie }, { intoId: laptop.customerId });
    expect(merged.status).toBe(200);
    expect(merged.json).toMatchObject({ mergedId: phone.customerId, conversations: 1 });

    // One open chat: the agent's, now the kept record's; the bot's closed by the system.
    const [kept, closed] = [await chatRow(older.conversationId), await chatRow(newer.conversationId)];
    expect(kept).toMatchObject({ status: 'assigned', assignee_id: agentAuth.user.id, customer_id: laptop.customerId });
    expect(closed).toMatchObject({ status: 'resolved', resolved_by: 'system', customer_id: laptop.customerId });
    const openChats = await stack.env.sql`select id from conversations where customer_id = ${laptop.customerId} and status <> 'resolved'`;
    expect(openChats.map((r) => Number(r.id))).toEqual([older.conversationId]);

    // A private note in each points to the other (agents read it; the shopper never does).
    const notes = await stack.env.sql<{ conversation_id: number; private: boolean; metadata: Record<string, unknown> }[]>`
      select conversation_id, private, metadata from messages
      where conversation_id in (${older.conversationId}, ${newer.conversationId}) and metadata->>'event' in ('merge_closed', 'merge_continued') order by id`;
    expect(notes.map((n) => [Number(n.conversation_id), n.private, n.metadata.event, n.metadata.continuedIn ?? n.metadata.closedChat])).toEqual([
      [newer.conversationId, true, 'merge_closed', older.conversationId],
      [older.conversationId, true, 'merge_continued', newer.conversationId],
    ]);

    // The tab on the closed chat takes the open one (an older id) and hears the agent's replies there live.
    expect(await tabFollows).toMatchObject({ id: older.conversationId, status: 'assigned' });
    const replyHeard = nextEvent<ChatMessage>(newer.socket, 'message:new', (m) => m.conversationId === older.conversationId);
    await callOk(agent, 'message:send', { conversationId: older.conversationId, clientId: 'olga-agent-1', text: 'I am looking at your refund now.' });
    expect((await replyHeard).text).toBe('I am looking at your refund now.');

    // A new connection resumes it, with its history.
    const again = await connectWidget(stack.url, laptop.visitorToken);
    open.push(again);
    const current = await callOk<{ conversation: ConversationSummary; messages: ChatMessage[] }>(again, 'conversation:current', {});
    expect(current.conversation.id).toBe(older.conversationId);
    expect(current.messages.map((m) => m.text)).toContain('I would like to talk to a person about my refund');
    expect(current.messages.some((m) => m.text.includes('merged'))).toBe(false);
    // The shopper's next message goes to it, not to a new chat.
    const next = await callOk<{ conversationId: number }>(again, 'message:send', { clientId: 'olga-3', text: 'Thank you!' });
    expect(next.conversationId).toBe(older.conversationId);

    // The inbox: one open chat for the customer; the closed one is in the resolved chats.
    const inbox = await httpAs(stack.url, 'GET', `/api/conversations?view=all&status=bot,queued,assigned&customerId=${laptop.customerId}`, { cookie: agentAuth.cookie });
    expect(inbox.status).toBe(200);
    expect(inbox.json.items.map((i: { conversation: { id: number } }) => i.conversation.id)).toEqual([older.conversationId]);
    const history = await httpAs(stack.url, 'GET', `/api/conversations?view=resolved&customerId=${laptop.customerId}`, { cookie: agentAuth.cookie });
    expect(history.json.items.map((i: { conversation: { id: number } }) => i.conversation.id)).toEqual([newer.conversationId]);
    // And it is not reopened beside the open one (the same rule as ever).
    const reopened = await callOk(agent, 'conversation:reopen', { conversationId: newer.conversationId }).then(() => 'reopened', (error: Error) => error.message);
    expect(reopened).toMatch(/open conversation/);
  });

  it('among chats nobody holds, keeps the newest open', async () => {
    const laptop = await widgetSession(stack.url, { email: 'nina.newest@example.com' });
    const phone = await widgetSession(stack.url, { email: 'nina.newest@example.com' });
    const older = await shopperChat(laptop.visitorToken, 'nina-1', 'Do you ship to Norway?');
    const newer = await shopperChat(phone.visitorToken, 'nina-2', 'Is the wool scarf in stock?');
    const merged = await httpAs(stack.url, 'POST', `/api/customers/${phone.customerId}/merge`, { cookie: agentAuth.cookie }, { intoId: laptop.customerId });
    expect(merged.status).toBe(200);
    expect((await chatRow(newer.conversationId)).status).toBe('bot');
    expect((await chatRow(older.conversationId)).status).toBe('resolved');
  });

  it('leaves a single open chat as it was', async () => {
    const laptop = await widgetSession(stack.url, { email: 'una.single@example.com' });
    const phone = await widgetSession(stack.url, { email: 'una.single@example.com' });
    const only = await shopperChat(laptop.visitorToken, 'una-1', 'Where is my parcel?');
    const merged = await httpAs(stack.url, 'POST', `/api/customers/${phone.customerId}/merge`, { cookie: agentAuth.cookie }, { intoId: laptop.customerId });
    expect(merged.status).toBe(200);
    expect((await chatRow(only.conversationId)).status).not.toBe('resolved');
    expect((await stack.env.sql`select count(*)::int as n from messages where conversation_id = ${only.conversationId} and author_type = 'system' and metadata->>'event' like 'merge_%'`)[0].n).toBe(0);
  });
});
