// The last writes that failed while Redis was away: the idle sweeps' automatic resolves, a shopper's left message and a
// chat an agent starts. Each is saved in Postgres before its history event is queued, so each must go on (events
// through queueChangeEvents, as an agent's own changes do) instead of failing after the fact. And a rating the server
// stores itself during the outage (no queue, so no worker to publish it) refreshes the open panels as a queued one does:
// this server's at once, the other server's once Redis is back. Two real servers over a redis-server of the test's own,
// stopped mid-test; the official socket.io-client on both sides.
import { describe, expect, it } from 'vitest';
import { httpAs, login, widgetSession } from '../support/server.ts';
import { outageStack } from '../support/outage-stack.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextEvent, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';

// Two servers: a rating stored directly on one is told to the other's consoles once Redis is back.
const outage = outageStack({ servers: 2 });
const { open } = outage;

const chatRow = async (id: number) =>
  (await outage.stack.env.sql<{ status: string; assignee_id: number | null; resolved_by: string | null }[]>`
    select status, assignee_id, resolved_by from conversations where id = ${id}`)[0];

async function shopper(name: string): Promise<{ socket: WidgetClient; customerId: number }> {
  const { stack } = outage;
  const session = await widgetSession(stack.url, { name });
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  return { socket, customerId: session.customerId };
}

describe('sweeps, left messages, agent-started chats and direct ratings during a Redis outage', () => {
  it('go on with their change saved, and a rating stored directly refreshes the open panels', async () => {
    const { stack, redis } = outage;
    const session = await login(stack.url, stack.agent.email, stack.agent.password);
    const agent: AgentClient = await connectAgent(stack.url, session.token);
    open.push(agent);
    await callOk(agent, 'presence:set', { presence: 'online' });
    // An admin's console on the other server.
    const elsewhere: AgentClient = await connectAgent(stack.servers[1].url, (await login(stack.url, stack.admin.email, stack.admin.password)).token);
    open.push(elsewhere);

    // Before the outage: a chat only the bot answered, and one with the agent, both gone quiet long ago.
    const botOnly = await shopper('Quiet Quentin');
    const { conversationId: botChat } = await callOk<{ conversationId: number }>(botOnly.socket, 'message:send', { clientId: 'b-1', text: 'Hello' });
    await eventually(async () => (await stack.env.sql`select 1 from messages where conversation_id = ${botChat} and author_type = 'bot'`).length > 0, 10_000, 'bot reply');
    await stack.env.sql`update conversations set last_message_at = now() - interval '2 hours' where id = ${botChat}`;

    const withAgent = await shopper('Idle Ida');
    const { conversationId: humanChat } = await callOk<{ conversationId: number }>(withAgent.socket, 'message:send', { clientId: 'h-1', text: 'Where is my parcel?' });
    await callOk(withAgent.socket, 'handoff:request', { conversationId: humanChat });
    await eventually(async () => (await chatRow(humanChat))?.assignee_id === session.user.id, 10_000, 'assigned to the agent');
    await callOk(agent, 'message:send', { conversationId: humanChat, clientId: 'a-1', text: 'It left the warehouse today.' });
    await stack.env.sql`update conversations set created_at = now() - interval '26 hours', queued_at = now() - interval '25 hours',
                          assigned_at = now() - interval '25 hours', last_message_at = now() - interval '25 hours' where id = ${humanChat}`;

    const leaving = await shopper('Left Lena');
    const writtenTo = await widgetSession(stack.url, { name: 'Written To' }); // a record with no chat yet

    await redis.stop(stack.url);
    const chat = stack.servers[0].handle.ctx.chat;

    // 1. The idle sweeps. Before: both rejected ("Redis is not reachable") after resolving, so the bot sweep never
    // told the shopper, and the human one skipped the rating email and the freed seat's assignment pass.
    const botResolved = nextEvent<ConversationSummary>(botOnly.socket, 'conversation:updated', (c) => c.status === 'resolved');
    expect(await chat.resolveIdleBotConversations(30)).toBe(1);
    await botResolved;
    expect(await chatRow(botChat)).toMatchObject({ status: 'resolved', resolved_by: 'bot' });
    expect(await chat.resolveIdleHumanConversations(24)).toBe(1);
    expect(await chatRow(humanChat)).toMatchObject({ status: 'resolved', resolved_by: 'system' });

    // 2. A left message. Before: `internal` for a message stored and shown to the agents.
    const shown = nextEvent<{ id: number }>(agent, 'offline:new');
    const left = await call<{ id: number }>(leaving.socket, 'offline:leave', { email: 'lena@example.com', text: 'Please email me about my order' }, 8_000);
    expect(left).toMatchObject({ ok: true });
    const [stored] = await stack.env.sql<{ id: number }[]>`select id from offline_messages where customer_id = ${leaving.customerId}`;
    expect(stored).toBeDefined();
    expect((await shown).id).toBe(stored.id);

    // 3. A chat the agent starts. Before: 500 after the chat was created, and its first message never sent.
    const started = await httpAs(stack.url, 'POST', `/api/customers/${writtenTo.customerId}/conversations`, session, { text: 'Your replacement has shipped.', clientId: 'start-1' });
    expect(started.status).toBe(201);
    const [first] = await stack.env.sql<{ body: string }[]>`select body from messages where id = ${started.json.messageId} and conversation_id = ${started.json.conversationId}`;
    expect(first?.body).toBe('Your replacement has shipped.');

    // 4. The rating of the chat the sweep closed, stored by the server itself: the agent's open panel of that customer
    // is told, as the feedback worker tells it of a queued one. Before: stored, but no panel heard of it.
    const toldElsewhere = record<{ customerId: number }>(elsewhere, 'customer:updated');
    const panelTold = nextEvent<{ customerId: number }>(agent, 'customer:updated', (e) => e.customerId === withAgent.customerId, 8_000);
    expect(await call(withAgent.socket, 'feedback:csat', { conversationId: humanChat, rating: 4 }, 8_000)).toMatchObject({ ok: true });
    await panelTold;
    const [rated] = await stack.env.sql<{ rating: number }[]>`select rating from feedback where conversation_id = ${humanChat} and kind = 'csat'`;
    expect(rated?.rating).toBe(4);

    // Redis back. Once a presence change crosses from this server to the other, both servers' connections are back, and
    // the publish of the first telling, which waited for Redis, has come (or was lost: the other server's subscription
    // may have come back after it).
    await redis.start(stack.url);
    await eventually(async () => {
      const crossed = nextEvent(elsewhere, 'presence:updated', (e: { agentId: number }) => e.agentId === session.user.id, 1_000).then(() => true, () => false);
      await callOk(agent, 'presence:set', { presence: 'away' });
      return crossed;
    }, 15_000, 'broadcasts between the servers again');
    const toldOfRating = () => toldElsewhere.filter((e) => e.customerId === withAgent.customerId).length;
    const toldBefore = toldOfRating();
    // The first enqueue that gets through (a shopper's message's events) has the rating told again, to every server.
    await callOk(leaving.socket, 'message:send', { clientId: 'l-1', text: 'Hello again' });
    await eventually(async () => toldOfRating() > toldBefore, 10_000, 'the other server told of the rating');
  }, 120_000);
});
