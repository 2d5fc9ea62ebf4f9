// One conversation through the whole product: widget session → message → bot →
// hand-off → assignment → agent reply (and a private note) → resolve → CSAT,
// then the workers' rows in interaction_events and feedback, counted exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextEvent, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';

let stack: TestStack;
let shopper: WidgetClient;
let agentSocket: AgentClient;

beforeAll(async () => {
  stack = await startStack({ workers: true });
});
afterAll(async () => {
  shopper?.close();
  agentSocket?.close();
  await stack?.close();
});

describe('a conversation end to end', () => {
  it('goes from widget to agent to CSAT, and the workers record every step exactly once', async () => {
    const session = await widgetSession(stack.url, { name: 'Mia Shopper', email: 'mia@example.com', locale: 'en' });
    shopper = await connectWidget(stack.url, session.visitorToken);
    const shopperMessages = record<ChatMessage>(shopper, 'message:new');

    // 1. The shopper writes; the bot answers.
    const botReply = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'bot');
    const sent = await callOk<{ id: number; conversationId: number; duplicate: boolean }>(shopper, 'message:send', { clientId: 'c-1', text: 'Hello, where is my parcel?' });
    expect(sent.duplicate).toBe(false);
    const conversationId = sent.conversationId;
    const bot = await botReply;
    expect(bot.conversationId).toBe(conversationId);
    expect(bot.metadata).toHaveProperty('decision');

    // 2. Hand-off with nobody online: the shopper is told so.
    const unavailable = nextEvent(shopper, 'agents:unavailable');
    const handoff = await callOk<{ conversation: ConversationSummary }>(shopper, 'handoff:request', { conversationId });
    expect(handoff.conversation.status).toBe('queued');
    expect((await unavailable).reason).toBe('no_agents_online');

    // 3. An agent comes online and is assigned the chat.
    const { token, user } = await login(stack.url, stack.agent.email, stack.agent.password);
    agentSocket = await connectAgent(stack.url, token);
    const assigned = nextEvent<ConversationSummary>(agentSocket, 'conversation:assigned', (c) => c.id === conversationId);
    const joinedNotice = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'system');
    await callOk(agentSocket, 'presence:set', { presence: 'online' });
    expect((await assigned).assignee?.id).toBe(user.id);
    expect((await joinedNotice).metadata).toMatchObject({ event: 'agent_joined', agentName: user.name });

    // 4. A private note stays with the agents; the reply reaches the shopper.
    await callOk(agentSocket, 'message:send', { conversationId, clientId: 'a-note', text: 'VIP customer, be nice', private: true });
    const agentReply = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'agent');
    await callOk(agentSocket, 'message:send', { conversationId, clientId: 'a-1', text: 'Hi Mia, it ships tomorrow.' });
    expect((await agentReply).text).toBe('Hi Mia, it ships tomorrow.');
    expect(shopperMessages.some((m) => m.text.includes('VIP'))).toBe(false);

    // 5. Resolve → the shopper sees it resolved and rates; who left is stored, so a later visit shows it too.
    const resolved = nextEvent<ConversationSummary>(shopper, 'conversation:updated', (c) => c.status === 'resolved');
    await callOk(agentSocket, 'conversation:resolve', { conversationId });
    await resolved;
    const afterwards = await callOk<{ messages: ChatMessage[] }>(shopper, 'messages:sync', { conversationId, afterId: (await agentReply).id });
    expect(afterwards.messages.map((m) => [m.author.type, (m.metadata as { event?: string }).event])).toEqual([['system', 'agent_left']]);
    expect(afterwards.messages[0].metadata).toMatchObject({ agentName: user.name });
    const panelTold = nextEvent<{ customerId: number }>(agentSocket, 'customer:updated', (e) => e.customerId === session.customerId);
    await callOk(shopper, 'feedback:csat', { conversationId, rating: 5, comment: 'Quick and kind' });
    // Consoles hear of the rating once the workers stored it, so an open customer panel shows it without a reload.
    await panelTold;
    expect((await stack.env.sql`select rating from feedback where conversation_id = ${conversationId} and kind = 'csat'`).map((r) => r.rating)).toEqual([5]);
    // A tag one agent adds reaches every open panel of that customer the same way.
    const tagged = nextEvent<{ customerId: number }>(agentSocket, 'customer:updated', (e) => e.customerId === session.customerId);
    const patched = await fetch(`${stack.url}/api/customers/${session.customerId}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ tags: ['vip'] }),
    });
    expect(patched.status).toBe(200);
    await tagged;

    // 6. The workers wrote the history and the feedback, each event once.
    const sql = stack.env.sql;
    const counts = await eventually(async () => {
      const rows = await sql<{ type: string; n: number }[]>`select type, count(*)::int as n from interaction_events where conversation_id = ${conversationId} group by type`;
      const byType = Object.fromEntries(rows.map((r) => [r.type, r.n]));
      return byType.rating ? byType : null;
    }, 20_000, 'rating event');
    expect(counts).toEqual({
      'conversation.started': 1,
      'message.customer': 1,
      'message.bot': 1,
      'bot.decision': 1,
      handoff: 1,
      assigned: 1,
      'note.agent': 1,
      'message.agent': 1,
      resolved: 1,
      rating: 1,
    });
    const feedback = await sql<{ kind: string; rating: number; comment: string; customer_id: number }[]>`select kind, rating, comment, customer_id from feedback where conversation_id = ${conversationId}`;
    expect(feedback).toEqual([{ kind: 'csat', rating: 5, comment: 'Quick and kind', customer_id: session.customerId }]);
    const [customer] = await sql<{ conversations_count: number; last_seen_at: Date | null }[]>`select conversations_count, last_seen_at from customers where id = ${session.customerId}`;
    expect(customer.conversations_count).toBe(1);
    expect(customer.last_seen_at).not.toBeNull();

    // The conversation's times are recorded for the reports.
    const [times] = await sql<{ first_response_seconds: number | null; resolution_seconds: number | null; resolved_by: string }[]>`
      select first_response_seconds, resolution_seconds, resolved_by from conversations where id = ${conversationId}`;
    expect(times.first_response_seconds).not.toBeNull();
    expect(times.resolution_seconds).not.toBeNull();
    expect(times.resolved_by).toBe('agent');

    // The agents' API shows the conversation with the note, and the customer's timeline.
    const detail = await fetch(`${stack.url}/api/conversations/${conversationId}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    expect(detail.messages.filter((m: ChatMessage) => m.private).map((m: ChatMessage) => m.text)).toEqual(['VIP customer, be nice']);
    const timeline = await fetch(`${stack.url}/api/customers/${session.customerId}/timeline`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    expect(timeline.items.map((e: { type: string }) => e.type)).toContain('rating');

    // A second rating for the same conversation does not add a row.
    expect((await call(shopper, 'feedback:csat', { conversationId, rating: 4 })).ok).toBe(true);
    await eventually(async () => {
      const [row] = await sql<{ rating: number }[]>`select rating from feedback where conversation_id = ${conversationId}`;
      return row?.rating === 4;
    }, 10_000, 'updated rating');
    const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from feedback where conversation_id = ${conversationId}`;
    expect(n).toBe(1);
  });
});
