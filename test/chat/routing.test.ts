// Queue positions, transfer, reopen, presence, and what shoppers are told when
// nobody can answer (no agent online, or outside business hours).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextEvent, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary, QueuePosition } from '../../server/realtime/event-maps.ts';
import { DEFAULT_WIDGET_SETTINGS, saveWidgetSettings } from '../../server/services/widget-settings.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullPrefix } from '../../server/queues.ts';
import { QUEUE_INTERACTIONS, type InteractionJob } from '../../server/interaction-events.ts';

let stack: TestStack;
const open: { close(): void }[] = [];

async function queuedShopper(label: string, locale?: string): Promise<{ socket: WidgetClient; conversationId: number }> {
  const session = await widgetSession(stack.url, locale ? { locale } : {});
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${label}-1`, text: `hello from ${label}` });
  return { socket, conversationId: sent.conversationId };
}

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

describe('routing', () => {
  it('keeps answering a chat queued while nobody can take it, says "nobody can" once, and leaves it to the person who comes', async () => {
    const shopper = await queuedShopper('nobody');
    const botSaid = async () => (await stack.env.sql<{ body: string }[]>`
      select body from messages where conversation_id = ${shopper.conversationId} and author_type = 'bot' order by id`).map((m) => m.body);
    const say = async (clientId: string, text: string, botReplies: number) => {
      await callOk(shopper.socket, 'message:send', { clientId, text, conversationId: shopper.conversationId });
      return eventually(async () => ((await botSaid()).length >= botReplies ? botSaid() : null), 10_000, `bot reply ${botReplies}`);
    };
    await eventually(async () => (await botSaid()).length === 1, 10_000, 'the greeting');
    const toldNobody = await say('nobody-2', 'can I talk to a person?', 2);
    expect(toldNobody[1]).toMatch(/^Nobody from our team is online right now/);
    const [queued] = await stack.env.sql`select status from conversations where id = ${shopper.conversationId}`;
    expect(queued.status).toBe('queued');

    // Still queued, nobody online: the bot answers the next question instead of leaving it unanswered …
    expect((await say('nobody-3', 'what about shipping?', 3))[2]).toMatch(/^Hi! I'm the shop's assistant/);
    // … and asking for a person again does not repeat all of "nobody can" (the shopper was told, the form is on screen),
    // nor leave them in silence: a short reminder of the form.
    expect((await say('nobody-4', 'a human please', 4))[3]).toBe("Still nobody from the team free, I'm afraid: leave your email in the form above and they'll reply.");
    expect((await say('nobody-5', 'ok, and returns?', 5)).filter((text) => text.startsWith('Nobody from our team'))).toHaveLength(1);
    // Once a message is left the form is gone from the screen: the reminder says the message is with the team.
    await callOk(shopper.socket, 'offline:leave', { email: 'nobody@example.com', text: 'Please email me about my order', conversationId: shopper.conversationId });
    expect((await say('nobody-5b', 'a human please', 6))[5]).toBe("Still nobody from the team free, I'm afraid. Your message is with them, and they'll reply by email.");

    // Someone comes online: the chat is theirs, and the bot keeps out of it.
    const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
    const agent = await connectAgent(stack.url, token);
    open.push(agent);
    await callOk(agent, 'presence:set', { presence: 'online' });
    await eventually(async () => (await stack.env.sql`select status from conversations where id = ${shopper.conversationId}`)[0].status === 'assigned', 10_000, 'assigned');
    await callOk(shopper.socket, 'message:send', { clientId: 'nobody-6', text: 'hello again', conversationId: shopper.conversationId });
    await new Promise((r) => setTimeout(r, 500));
    expect(await botSaid()).toHaveLength(6);
    // Leave nobody online and no seat taken, as the next tests expect.
    await callOk(agent, 'conversation:resolve', { conversationId: shopper.conversationId });
    agent.close();
    await eventually(async () => (await stack.env.sql`select presence from users where email = ${stack.agent.email}`)[0].presence === 'offline', 10_000, 'agent offline');
  });

  it('pushes queue positions to waiting shoppers and tells them nobody is online', async () => {
    const first = await queuedShopper('first');
    const second = await queuedShopper('second');
    const firstPosition = nextEvent<QueuePosition>(first.socket, 'queue:position');
    const unavailable = nextEvent(first.socket, 'agents:unavailable');
    await callOk(first.socket, 'handoff:request', { conversationId: first.conversationId });
    expect(await firstPosition).toEqual({ conversationId: first.conversationId, position: 1, onlineAgents: 0 });
    expect(await unavailable).toMatchObject({ reason: 'no_agents_online', message: DEFAULT_WIDGET_SETTINGS.offlineMessage.en });

    const secondPosition = nextEvent<QueuePosition>(second.socket, 'queue:position');
    await callOk(second.socket, 'handoff:request', { conversationId: second.conversationId });
    expect((await secondPosition).position).toBe(2);

    // The shopper leaves a message; agents get it live and can list it.
    const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
    const agent = await connectAgent(stack.url, token);
    open.push(agent);
    const live = nextEvent(agent, 'offline:new');
    const left = await callOk<{ id: number }>(second.socket, 'offline:leave', { email: 'second@example.com', name: 'Second', text: 'Please email me about my order', conversationId: second.conversationId });
    expect((await live).id).toBe(left.id);
    const list = await fetch(`${stack.url}/api/offline-messages?handled=false`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    expect(list.items.map((m: { text: string }) => m.text)).toContain('Please email me about my order');
    // The chat shows it too, for whoever opens it later.
    const [inChat] = await stack.env.sql`select author_type, body from messages where conversation_id = ${second.conversationId} and metadata->>'event' = 'offline_message'`;
    expect(inChat).toEqual({ author_type: 'system', body: 'Message left for the team (reply by email to second@example.com): Please email me about my order' });
    expect((await call(second.socket, 'offline:leave', { email: 'not-an-email', text: 'x' })).ok).toBe(false);

    // An agent coming online takes the longest-waiting chat first, and the second shopper moves up.
    await stack.env.sql`update users set capacity = 1 where lower(email) = lower(${stack.agent.email})`;
    const moved = nextEvent<QueuePosition>(second.socket, 'queue:position', (p) => p.position === 1);
    const assigned = nextEvent<ConversationSummary>(agent, 'conversation:assigned');
    await callOk(agent, 'presence:set', { presence: 'online' });
    expect((await assigned).id).toBe(first.conversationId);
    await moved;
    await callOk(agent, 'presence:set', { presence: 'away' });
  });

  it('queues the chat before the bot says it is connecting a person, so an agent who takes it at once takes a hand-off', async () => {
    const session = await widgetSession(stack.url);
    const socket = await connectWidget(stack.url, session.visitorToken);
    open.push(socket);
    const connecting = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
    const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: 'now-1', text: 'I want to talk to a person' });
    expect((await connecting).metadata).toMatchObject({ decision: 'handoff' });
    // Read the moment the reply arrives: earlier the chat was queued only after the reply went out, and an agent's
    // "accept" in between took a bot chat with no hand-off on record (not counted, not learned from).
    const [row] = await stack.env.sql<{ status: string; handed_off: boolean }[]>`select status, handed_off from conversations where id = ${conversationId}`;
    expect(row).toEqual({ status: 'queued', handed_off: true });
  });

  it('transfers a chat between agents, resolves and reopens it', async () => {
    const hash = await hashPassword('second-agent-pw');
    const [other] = await stack.env.sql<{ id: number }[]>`
      insert into users (email, name, role, password_hash, capacity) values ('second@demo.shop', 'Second Agent', 'agent', ${hash}, 5) returning id`;
    const sam = await login(stack.url, stack.agent.email, stack.agent.password);
    const second = await login(stack.url, 'second@demo.shop', 'second-agent-pw');
    const samSocket: AgentClient = await connectAgent(stack.url, sam.token);
    const secondSocket: AgentClient = await connectAgent(stack.url, second.token);
    open.push(samSocket, secondSocket);
    await stack.env.sql`update users set capacity = 5 where id = ${sam.user.id}`;

    const shopper = await queuedShopper('transfer');
    // Sam accepts it by hand (it is still with the bot).
    const accepted = await callOk<{ conversation: ConversationSummary }>(samSocket, 'conversation:accept', { conversationId: shopper.conversationId });
    expect(accepted.conversation).toMatchObject({ status: 'assigned', assignee: { id: sam.user.id } });
    // Only the holder (or an admin) can transfer it.
    expect(await call(samSocket, 'messages:sync', { conversationId: 99_999_999, afterId: 0 })).toEqual({ ok: false, error: { code: 'not_found', message: 'Conversation not found.' } });
    const stolen = await call(secondSocket, 'conversation:transfer', { conversationId: shopper.conversationId, toAgentId: other.id });
    expect(stolen).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    // Not to someone offline (they would not see it, and the chat would bounce back to the queue minutes later).
    expect(await call(samSocket, 'conversation:transfer', { conversationId: shopper.conversationId, toAgentId: other.id })).toMatchObject({
      ok: false, error: { code: 'agent_offline', message: 'Second Agent is offline and would not see this chat. Transfer it to someone online, or mention them in a note.' },
    });
    // Away (at the console, taking no new chats by themselves) is a person's choice to make.
    await stack.env.sql`update users set presence = 'away' where id = ${other.id}`;
    const toSecond = nextEvent<ConversationSummary>(secondSocket, 'conversation:assigned', (c) => c.id === shopper.conversationId);
    const notice = nextEvent<ChatMessage>(shopper.socket, 'message:new', (m) => (m.metadata as Record<string, unknown>).event === 'agent_transferred');
    await callOk(samSocket, 'conversation:transfer', { conversationId: shopper.conversationId, toAgentId: other.id });
    expect((await toSecond).assignee).toEqual({ id: other.id, name: 'Second Agent' });
    expect((await notice).text).toContain('Second Agent');

    const resolved = nextEvent<ConversationSummary>(shopper.socket, 'conversation:updated', (c) => c.status === 'resolved');
    const ended = nextEvent<ChatMessage>(shopper.socket, 'message:new', (m) => (m.metadata as Record<string, unknown>).event === 'agent_left');
    await callOk(secondSocket, 'conversation:resolve', { conversationId: shopper.conversationId });
    await resolved;
    expect((await ended).text).toBe('Second Agent ended the chat.');
    // Who pressed Resolve is kept on the chat (the per-agent report credits them), and cleared by a reopen.
    const resolverOf = async () => (await stack.env.sql<{ resolver_id: number | null }[]>`select resolver_id from conversations where id = ${shopper.conversationId}`)[0].resolver_id;
    expect(await resolverOf()).toBe(other.id);
    expect((await call(secondSocket, 'conversation:resolve', { conversationId: shopper.conversationId }))).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const replyToResolved = await call(secondSocket, 'message:send', { conversationId: shopper.conversationId, clientId: 'late', text: 'one more thing' });
    expect(replyToResolved).toMatchObject({ ok: false, error: { code: 'conflict' } });

    // Reopened: the shopper is told in the chat, as they were told it ended.
    const toldReopened = nextEvent<ChatMessage>(shopper.socket, 'message:new', (m) => (m.metadata as Record<string, unknown>).event === 'agent_reopened');
    const reopened = await callOk<{ conversation: ConversationSummary }>(secondSocket, 'conversation:reopen', { conversationId: shopper.conversationId });
    expect(reopened.conversation).toMatchObject({ status: 'assigned', assignee: { id: other.id }, resolvedAt: null });
    expect((await toldReopened).text).toBe('Second Agent reopened the chat.');
    expect(await resolverOf()).toBeNull();

    // A shopper writing after a chat is resolved starts a new conversation.
    await callOk(secondSocket, 'conversation:resolve', { conversationId: shopper.conversationId });
    const next = await callOk<{ conversationId: number }>(shopper.socket, 'message:send', { clientId: 'after', text: 'new question', conversationId: shopper.conversationId });
    expect(next.conversationId).not.toBe(shopper.conversationId);
  });

  it('tells the shopper when the shop is closed, and marks agents offline when their last tab goes', async () => {
    const closed = { ...DEFAULT_WIDGET_SETTINGS, businessHours: { timezone: 'UTC', days: [null, null, null, null, null, null, null] as null[] } };
    await saveWidgetSettings(stack.env.sql, closed as never);
    // Closed and nobody online (an agent online would answer whatever the hours: see whyNobodyCanAnswer).
    await stack.env.sql`update users set presence = 'away' where presence = 'online'`;
    const settings = await fetch(`${stack.url}/api/widget/settings?site=demo`).then((r) => r.json());
    expect(settings.status.withinBusinessHours).toBe(false);
    expect(settings.status.nextOpenAt).toBeNull(); // closed every day: no next opening to promise
    expect(settings).not.toHaveProperty('identitySecret');
    const shopper = await queuedShopper('closed');
    const unavailable = nextEvent(shopper.socket, 'agents:unavailable');
    await callOk(shopper.socket, 'handoff:request', { conversationId: shopper.conversationId });
    expect((await unavailable).reason).toBe('after_hours');
    // With someone online, closed or not, the chat goes to them, and nobody tells the shopper the shop is closed.
    const online = await connectAgent(stack.url, (await login(stack.url, stack.agent.email, stack.agent.password)).token);
    open.push(online);
    await callOk(online, 'presence:set', { presence: 'online' });
    const late = await queuedShopper('closed-but-online');
    const told = record(late.socket, 'agents:unavailable');
    await callOk(late.socket, 'handoff:request', { conversationId: late.conversationId });
    await eventually(async () => (await stack.env.sql`select status from conversations where id = ${late.conversationId}`)[0].status === 'assigned', 10_000, 'assigned after hours');
    const [said] = await stack.env.sql`select body from messages where conversation_id = ${late.conversationId} and author_type = 'system' order by id desc limit 1`;
    expect(said.body).toMatch(/joined the chat/);
    expect(told).toEqual([]);
    await callOk(online, 'conversation:resolve', { conversationId: late.conversationId });
    online.close();
    await saveWidgetSettings(stack.env.sql, DEFAULT_WIDGET_SETTINGS);

    await stack.env.sql`insert into users (email, name, role, password_hash) values ('tabs@demo.shop', 'Tab Agent', 'agent', ${await hashPassword('tabs-pw')})`;
    const { token, user } = await login(stack.url, 'tabs@demo.shop', 'tabs-pw');
    const tabA = await connectAgent(stack.url, token);
    const tabB = await connectAgent(stack.url, token);
    await callOk(tabA, 'presence:set', { presence: 'online' });
    tabA.close();
    await new Promise((r) => setTimeout(r, 300));
    const [stillOnline] = await stack.env.sql<{ presence: string }[]>`select presence from users where id = ${user.id}`;
    expect(stillOnline.presence).toBe('online');
    tabB.close();
    await eventually(async () => {
      const [row] = await stack.env.sql<{ presence: string }[]>`select presence from users where id = ${user.id}`;
      return row.presence === 'offline';
    }, 5_000, 'agent offline after last tab');
  });

  it("tells a Taiwan shopper (zh-TW) that nobody is available in Taiwan's Traditional", async () => {
    await stack.env.sql`update users set presence = 'offline'`; // earlier tests left agents online
    const shopper = await queuedShopper('nobody-tw', 'zh-TW');
    const unavailable = nextEvent<{ reason: string; message: string }>(shopper.socket, 'agents:unavailable');
    await callOk(shopper.socket, 'handoff:request', { conversationId: shopper.conversationId });
    const { reason, message } = await unavailable;
    expect(reason).toBe('no_agents_online');
    expect(DEFAULT_WIDGET_SETTINGS.offlineMessage.zh).toContain('没有客服在线');
    expect(message).toContain('沒有客服');
    expect(message).toContain('信箱'); // Taiwan's word for the mailbox (邮箱 in the mainland)
    expect(message).not.toMatch(/没有|邮箱|我们/);
  });

  it('counts a chat the bot handled and that went quiet as resolved by the bot', async () => {
    const shopper = await queuedShopper('quiet');
    await eventually(async () => (await stack.env.sql`select 1 from messages where conversation_id = ${shopper.conversationId} and author_type = 'bot'`).length > 0, 5_000, 'bot reply');
    await stack.env.sql`update conversations set last_message_at = now() - interval '2 hours' where id = ${shopper.conversationId}`;
    const updated = nextEvent<ConversationSummary>(shopper.socket, 'conversation:updated', (c) => c.status === 'resolved');
    const resolved = await stack.servers[0].handle.ctx.chat.resolveIdleBotConversations(30);
    expect(resolved).toBeGreaterThanOrEqual(1);
    await updated;
    const [row] = await stack.env.sql<{ status: string; resolved_by: string }[]>`select status, resolved_by from conversations where id = ${shopper.conversationId}`;
    expect(row).toEqual({ status: 'resolved', resolved_by: 'bot' });
    // Nobody pressed Resolve: no resolver.
    const [{ resolver_id }] = await stack.env.sql<{ resolver_id: number | null }[]>`select resolver_id from conversations where id = ${shopper.conversationId}`;
    expect(resolver_id).toBeNull();
  });

  it("gives a waiting shopper's chat to someone else when its agent has been offline for minutes, not after a reload", async () => {
    const sql = stack.env.sql;
    await sql`update conversations set status = 'resolved', resolved_at = now() where status in ('queued', 'assigned')`;
    await sql`update users set presence = 'offline'`;
    const password = await hashPassword('release-pw');
    await sql`insert into users (email, name, role, password_hash, capacity) values
              ('leaving@demo.shop', 'Leaving Agent', 'agent', ${password}, 2), ('standin@demo.shop', 'Stand-in Agent', 'agent', ${password}, 2)`;
    const leaving = await connectAgent(stack.url, (await login(stack.url, 'leaving@demo.shop', 'release-pw')).token);
    open.push(leaving);
    await callOk(leaving, 'presence:set', { presence: 'online' });

    // Two chats with the agent: in one the shopper waits for an answer, in the other the agent answered last.
    const waiting = await queuedShopper('release-waiting');
    const answered = await queuedShopper('release-answered');
    for (const s of [waiting, answered]) {
      const held = nextEvent<ConversationSummary>(leaving, 'conversation:assigned', (c) => c.id === s.conversationId);
      await callOk(s.socket, 'handoff:request', { conversationId: s.conversationId });
      await held;
    }
    await callOk(leaving, 'message:send', { conversationId: answered.conversationId, clientId: 'release-reply', text: 'Here you go!' });
    await callOk(waiting.socket, 'message:send', { conversationId: waiting.conversationId, clientId: 'release-ping', text: 'Are you still there?' });
    await callOk(leaving, 'presence:set', { presence: 'offline' });

    const chat = stack.servers[0].handle.ctx.chat;
    const holder = async (id: number) => (await sql<{ status: string; assignee_id: number | null }[]>`select status, assignee_id from conversations where id = ${id}`)[0];
    const leavingId = (await holder(waiting.conversationId)).assignee_id;
    expect(await chat.releaseHeldChats({ offlineMinutes: 5 })).toBe(0); // just gone: a reload keeps the chats
    await sql`update users set last_seen_at = now() - interval '6 minutes' where email = 'leaving@demo.shop'`;
    const told = nextEvent<ChatMessage>(waiting.socket, 'message:new', (m) => (m.metadata as Record<string, unknown>).event === 'agent_unavailable');
    expect(await chat.releaseHeldChats({ offlineMinutes: 5 })).toBe(1);
    expect((await told).text).toBe("Leaving Agent is no longer available. We're finding someone else to help you.");
    expect(await holder(waiting.conversationId)).toEqual({ status: 'queued', assignee_id: null });
    expect(await holder(answered.conversationId)).toEqual({ status: 'assigned', assignee_id: leavingId });

    // The next agent to come online gets it.
    const standIn = await connectAgent(stack.url, (await login(stack.url, 'standin@demo.shop', 'release-pw')).token);
    open.push(standIn);
    const taken = nextEvent<ConversationSummary>(standIn, 'conversation:assigned', (c) => c.id === waiting.conversationId);
    await callOk(standIn, 'presence:set', { presence: 'online' });
    expect((await taken).assignee?.name).toBe('Stand-in Agent');
  });

  it('closes a chat nobody wrote in for a day after the agent answered (a last "thanks" included), telling the shopper and freeing the agent for the queue; never a hand-off nobody answered', async () => {
    const sql = stack.env.sql;
    // A clean slate: no other chat waiting for a person, no other agent online.
    await sql`update conversations set status = 'resolved', resolved_at = now() where status in ('queued', 'assigned')`;
    await sql`update users set presence = 'offline'`;
    await sql`insert into users (email, name, role, password_hash, capacity) values ('idle@demo.shop', 'Idle Agent', 'agent', ${await hashPassword('idle-pw')}, 1)`;
    const agent = await connectAgent(stack.url, (await login(stack.url, 'idle@demo.shop', 'idle-pw')).token);
    open.push(agent);
    await callOk(agent, 'presence:set', { presence: 'online' });

    const gone = await queuedShopper('gone');
    const heldByAgent = nextEvent<ConversationSummary>(agent, 'conversation:assigned', (c) => c.id === gone.conversationId);
    await callOk(gone.socket, 'handoff:request', { conversationId: gone.conversationId });
    await heldByAgent;
    const waiting = await queuedShopper('waiting');
    await callOk(waiting.socket, 'handoff:request', { conversationId: waiting.conversationId });
    const status = async (id: number) => (await sql<{ status: string; resolved_by: string | null }[]>`select status, resolved_by from conversations where id = ${id}`)[0];
    expect(await status(waiting.conversationId)).toEqual({ status: 'queued', resolved_by: null }); // the agent's one seat is taken

    // Nothing closes while the chats are fresh; a day of silence later the answered one goes. The queued one, whose
    // shopper nobody has answered, stays however long it waited.
    const chat = stack.servers[0].handle.ctx.chat;
    expect(await chat.resolveIdleHumanConversations(24)).toBe(0);
    await callOk(agent, 'message:send', { conversationId: gone.conversationId, clientId: 'idle-answer', text: 'Your parcel left the warehouse today.' });
    // The usual end: the shopper thanks the agent, who never presses Resolve. The seat must not stay taken.
    await callOk(gone.socket, 'message:send', { conversationId: gone.conversationId, clientId: 'idle-thanks', text: 'thanks, bye' });
    const aDayAgo = async (id: number) => sql`update conversations set created_at = now() - interval '26 hours', queued_at = now() - interval '25 hours',
              assigned_at = case when assigned_at is null then null else now() - interval '25 hours' end, last_message_at = now() - interval '25 hours' where id = ${id}`;
    await aDayAgo(gone.conversationId);
    await aDayAgo(waiting.conversationId);
    const told = nextEvent<ChatMessage>(gone.socket, 'message:new', (m) => (m.metadata as Record<string, unknown>).event === 'idle_closed');
    const seatFreed = nextEvent<ConversationSummary>(agent, 'conversation:assigned', (c) => c.id === waiting.conversationId);
    expect(await chat.resolveIdleHumanConversations(24)).toBe(1);
    expect((await told)).toMatchObject({ author: { type: 'system' }, metadata: { idleHours: 24 } });
    expect(await status(gone.conversationId)).toEqual({ status: 'resolved', resolved_by: 'system' });
    await seatFreed;
    expect(await status(waiting.conversationId)).toEqual({ status: 'assigned', resolved_by: null });

    // Its history event is queued for the workers (not running in this stack): read it from the queue itself.
    const connection = new Redis(stack.env.config.redisUrl);
    const queue = new Queue<InteractionJob>(QUEUE_INTERACTIONS, { connection, prefix: bullPrefix(stack.env.config) });
    try {
      const queued = (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).flatMap((job) => job.data.events);
      const closes = queued.filter((e) => e.type === 'resolved' && e.conversationId === gone.conversationId);
      expect(closes).toEqual([expect.objectContaining({ payload: { by: 'system', idleHours: 24, was: 'assigned' } })]);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('rate-limits widget session creation per address', async () => {
    const limited = await startStack({ config: { rateLimitSessionsPerMinute: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${limited.url}/api/widget/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ siteKey: 'demo' }) });
        statuses.push(response.status);
        if (response.status === 429) expect((await response.json()).error.code).toBe('rate_limited');
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});
