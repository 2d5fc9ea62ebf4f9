// Snoozing a chat (server/services/snooze.ts) over the real sockets, HTTP, Postgres and Redis: it leaves the open
// lists and the agent's capacity, wakes back to its holder at its time (the sweep, driven by hand as the other sweeps
// are in routing.test.ts) or at once when the shopper writes, the idle sweeps leave it alone, and only its holder
// (or an admin) can snooze it, to a time that makes sense.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, nextAgentMessage, nextEvent, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { queuedEvents as queuedEventsOf } from '../support/queued-events.ts';

let stack: TestStack;
const open: { close(): void }[] = [];
let sam: { token: string; user: { id: number; name: string } };
let samSocket: AgentClient;
let other: { token: string; user: { id: number; name: string } };
let otherSocket: AgentClient;
let admin: { token: string; user: { id: number } };
let adminSocket: AgentClient;

const HOUR = 3_600_000;
const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();
const chat = () => stack.servers[0].handle.ctx.chat;

/** A shopper's chat that `agent` accepted by hand (not subject to presence or capacity). */
async function heldChat(label: string, agent: AgentClient = samSocket): Promise<{ shopper: WidgetClient; conversationId: number }> {
  const session = await widgetSession(stack.url);
  const shopper = await connectWidget(stack.url, session.visitorToken);
  open.push(shopper);
  const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `${label}-1`, text: `hello from ${label}` });
  await callOk(agent, 'conversation:accept', { conversationId: sent.conversationId });
  // The greeter's turn for the first message may still be running: let it finish, so what the chat says last is known.
  await chat().drain();
  return { shopper, conversationId: sent.conversationId };
}

async function inbox(token: string, view: string): Promise<{ conversation: ConversationSummary }[]> {
  const response = await fetch(`${stack.url}/api/conversations?view=${view}&limit=200`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()).items;
}
const ids = async (token: string, view: string) => (await inbox(token, view)).map((i) => i.conversation.id);

async function counts(token: string): Promise<Record<string, { total: number; unread: number }>> {
  return (await fetch(`${stack.url}/api/conversations/counts`, { headers: { authorization: `Bearer ${token}` } })).json();
}

const row = async (id: number) => (await stack.env.sql<{ status: string; assignee_id: number | null; snoozed_until: Date | null }[]>`
  select status, assignee_id, snoozed_until from conversations where id = ${id}`)[0];

const queuedEvents = (conversationId: number) => queuedEventsOf(stack, conversationId);

const snoozeEnded = (conversationId: number) => (m: ChatMessage) => m.conversationId === conversationId && (m.metadata as Record<string, unknown>).event === 'snooze_ended';

beforeAll(async () => {
  stack = await startStack();
  const hash = await hashPassword('other-agent-pw');
  await stack.env.sql`insert into users (email, name, role, password_hash, capacity) values ('other@demo.shop', 'Other Agent', 'agent', ${hash}, 5)`;
  sam = await login(stack.url, stack.agent.email, stack.agent.password);
  other = await login(stack.url, 'other@demo.shop', 'other-agent-pw');
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  samSocket = await connectAgent(stack.url, sam.token);
  otherSocket = await connectAgent(stack.url, other.token);
  adminSocket = await connectAgent(stack.url, admin.token);
  open.push(samSocket, otherSocket, adminSocket);
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

describe('snoozing a chat', () => {
  it('takes it out of Mine and All open into Snoozed, keeps its holder, and never tells the shopper', async () => {
    const { shopper, conversationId } = await heldChat('listed');
    expect(await ids(sam.token, 'mine')).toContain(conversationId);
    const before = await counts(sam.token);

    const shopperSaw = record<ConversationSummary>(shopper, 'conversation:updated');
    const consoleSaw = nextEvent<ConversationSummary>(otherSocket, 'conversation:updated', (c) => c.id === conversationId && !!c.snoozedUntil);
    const until = inFuture(2 * HOUR);
    const snoozed = await callOk<{ conversation: ConversationSummary }>(samSocket, 'conversation:snooze', { conversationId, until });
    expect(snoozed.conversation).toMatchObject({ status: 'assigned', assignee: { id: sam.user.id }, snoozedUntil: until });
    expect((await consoleSaw).snoozedUntil).toBe(until);

    expect(await ids(sam.token, 'mine')).not.toContain(conversationId);
    expect(await ids(sam.token, 'open')).not.toContain(conversationId);
    const listed = (await inbox(sam.token, 'snoozed')).find((i) => i.conversation.id === conversationId);
    expect(listed?.conversation).toMatchObject({ snoozedUntil: until, assignee: { id: sam.user.id } });
    const after = await counts(sam.token);
    expect(after.mine.total).toBe(before.mine.total - 1);
    expect(after.open.total).toBe(before.open.total - 1);
    expect(after.snoozed.total).toBe(before.snoozed.total + 1);
    // The one conversation, as a console opens it, says so too.
    const opened = await fetch(`${stack.url}/api/conversations/${conversationId}`, { headers: { authorization: `Bearer ${sam.token}` } }).then((r) => r.json());
    expect(opened.conversation.snoozedUntil).toBe(until);

    // The shopper's widget sees nothing of it: no snooze time in what it gets, now or on a reload.
    const current = await callOk<{ conversation: ConversationSummary }>(shopper, 'conversation:current', {});
    expect(current.conversation).not.toHaveProperty('snoozedUntil');
    const synced = await callOk<{ conversation: ConversationSummary }>(shopper, 'messages:sync', { conversationId, afterId: 0 });
    expect(synced.conversation).not.toHaveProperty('snoozedUntil');
    expect(shopperSaw.every((c) => !('snoozedUntil' in c))).toBe(true);

    // On the customer's timeline.
    const events = await queuedEvents(conversationId);
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'snoozed', payload: { agentId: sam.user.id, holderId: sam.user.id, until } })]));
  });

  it('wakes back to its holder when its time comes, telling them privately', async () => {
    const { shopper, conversationId } = await heldChat('sweep');
    await callOk(samSocket, 'conversation:snooze', { conversationId, until: inFuture(HOUR) });
    expect(await chat().wakeSnoozed()).toBe(0); // not yet

    const shopperMessages = record<ChatMessage>(shopper, 'message:new');
    await stack.env.sql`update conversations set snoozed_until = now() - interval '1 second' where id = ${conversationId}`;
    const updated = nextEvent<ConversationSummary>(samSocket, 'conversation:updated', (c) => c.id === conversationId && !c.snoozedUntil);
    const line = nextAgentMessage(samSocket, snoozeEnded(conversationId));
    expect(await chat().wakeSnoozed()).toBe(1);
    expect(await updated).toMatchObject({ status: 'assigned', assignee: { id: sam.user.id }, snoozedUntil: null });
    expect(await line).toMatchObject({ private: true, author: { type: 'system' }, text: 'Snooze ended.', metadata: { reason: 'time', agentId: sam.user.id } });
    expect(await chat().wakeSnoozed()).toBe(0); // woken once
    expect(await ids(sam.token, 'mine')).toContain(conversationId);
    expect(await ids(sam.token, 'snoozed')).not.toContain(conversationId);

    // The private line never reaches the shopper: a reply sent after it arrives, the line before it did not.
    const reply = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.text === 'The warehouse answered.');
    await callOk(samSocket, 'message:send', { conversationId, clientId: 'sweep-reply', text: 'The warehouse answered.' });
    await reply;
    expect(shopperMessages.filter((m) => m.author.type === 'system')).toEqual([]);
    expect(await queuedEvents(conversationId)).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'unsnoozed', payload: { reason: 'time', agentId: null, holderId: sam.user.id } })]));
  });

  it('wakes at once when the shopper writes, and the agent console gets the message', async () => {
    const { shopper, conversationId } = await heldChat('writes');
    await callOk(samSocket, 'conversation:snooze', { conversationId, until: inFuture(24 * HOUR) });
    // The agent's own words do not wake it: telling the shopper to wait, or a note, is part of putting it aside.
    await callOk(samSocket, 'message:send', { conversationId, clientId: 'writes-wait', text: 'Still waiting on the warehouse, I will write tomorrow.' });
    await callOk(samSocket, 'message:send', { conversationId, clientId: 'writes-note', text: 'Asked the warehouse by phone.', private: true });
    expect((await row(conversationId)).snoozed_until).not.toBeNull();

    const message = nextAgentMessage(samSocket, (m) => m.conversationId === conversationId && m.author.type === 'customer' && m.text === 'Any news?');
    const line = nextAgentMessage(samSocket, snoozeEnded(conversationId));
    const updated = nextEvent<ConversationSummary>(samSocket, 'conversation:updated', (c) => c.id === conversationId && !c.snoozedUntil);
    await callOk(shopper, 'message:send', { conversationId, clientId: 'writes-2', text: 'Any news?' });
    await message;
    expect((await line).metadata).toMatchObject({ reason: 'customer_message', agentId: sam.user.id });
    expect((await updated).assignee?.id).toBe(sam.user.id);
    expect((await row(conversationId)).snoozed_until).toBeNull();
    expect(await ids(sam.token, 'mine')).toContain(conversationId);
    // Both of the shopper's messages are unread in Mine again.
    expect((await inbox(sam.token, 'mine')).find((i) => i.conversation.id === conversationId)).toMatchObject({ unread: 2 });
  });

  it('wakes when the shopper answers a follow-up email too', async () => {
    const { conversationId } = await heldChat('email');
    await callOk(samSocket, 'conversation:snooze', { conversationId, until: inFuture(HOUR) });
    const customerId = (await stack.env.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${conversationId}`)[0].customer_id;
    const line = nextAgentMessage(samSocket, snoozeEnded(conversationId));
    // What server/services/email-inbound.ts calls once it has matched the email to the chat.
    await chat().customerEmailReply({ customerId, conversationId, emailMessageId: '<snooze-reply@example.com>', text: 'Replying by email.', metadata: { via: 'email' } });
    expect((await line).metadata).toMatchObject({ reason: 'customer_message' });
    expect(await row(conversationId)).toMatchObject({ status: 'assigned', assignee_id: sam.user.id, snoozed_until: null });
  });

  it('is left alone by the idle close and the hand-backs while it sleeps, and they count from the wake', async () => {
    const sql = stack.env.sql;
    const { conversationId } = await heldChat('quiet');
    await callOk(samSocket, 'conversation:snooze', { conversationId, until: inFuture(3 * 24 * HOUR) });
    // Days of silence and no agent reply, with another agent online with room (the no-reply rule's condition), and
    // the holder offline long enough for the release rule with the shopper's message waiting.
    await sql`update conversations set created_at = now() - interval '3 days', queued_at = now() - interval '3 days',
              assigned_at = now() - interval '3 days', last_message_at = now() - interval '3 days' where id = ${conversationId}`;
    await callOk(otherSocket, 'presence:set', { presence: 'online' });
    await sql`update users set presence = 'offline', last_seen_at = now() - interval '1 hour' where id = ${sam.user.id}`;
    try {
      await chat().resolveIdleHumanConversations(24);
      await chat().releaseUnansweredChats(10);
      await chat().releaseHeldChats({ offlineMinutes: 5 });
      expect(await row(conversationId)).toMatchObject({ status: 'assigned', assignee_id: sam.user.id, snoozed_until: expect.any(Date) });

      // It wakes with the holder back: the old silence and the old assignment do not close it or take it away now.
      await sql`update users set presence = 'online', last_seen_at = now() where id = ${sam.user.id}`;
      await sql`update conversations set snoozed_until = now() - interval '1 second' where id = ${conversationId}`;
      expect(await chat().wakeSnoozed()).toBe(1);
      await chat().resolveIdleHumanConversations(24);
      await chat().releaseUnansweredChats(10);
      expect(await row(conversationId)).toMatchObject({ status: 'assigned', assignee_id: sam.user.id, snoozed_until: null });
    } finally {
      await callOk(otherSocket, 'presence:set', { presence: 'away' });
      await sql`update users set presence = 'offline' where id = ${sam.user.id}`;
    }
  });

  it('goes to the queue when it wakes while its holder has been offline past the release rule and the shopper waits', async () => {
    const sql = stack.env.sql;
    const { shopper, conversationId } = await heldChat('released');
    await callOk(shopper, 'message:send', { conversationId, clientId: 'released-2', text: 'Is anyone there?' }); // waits for an answer
    await callOk(samSocket, 'conversation:snooze', { conversationId, until: inFuture(HOUR) });
    await sql`update users set presence = 'offline', last_seen_at = now() - interval '1 hour' where id = ${sam.user.id}`;
    try {
      const told = nextEvent<ChatMessage>(shopper, 'message:new', (m) => (m.metadata as Record<string, unknown>).event === 'agent_unavailable');
      await sql`update conversations set snoozed_until = now() - interval '1 second' where id = ${conversationId}`;
      expect(await chat().wakeSnoozed()).toBe(1);
      expect((await told).text).toBe("Sam Agent is no longer available. We're finding someone else to help you.");
      expect(await row(conversationId)).toMatchObject({ status: 'queued', assignee_id: null, snoozed_until: null });
    } finally {
      await sql`update users set last_seen_at = now() where id = ${sam.user.id}`;
      await sql`update conversations set status = 'resolved', resolved_at = now() where id = ${conversationId}`;
    }
  });

  it('holds no seat of the agent\'s capacity while it sleeps', async () => {
    const sql = stack.env.sql;
    // A clean slate: nothing else held by Sam or waiting, Sam online with one seat.
    await sql`update conversations set status = 'resolved', resolved_at = now() where status in ('queued', 'assigned')`;
    await sql`update users set capacity = 1 where id = ${sam.user.id}`;
    try {
      const { conversationId } = await heldChat('seat');
      await callOk(samSocket, 'presence:set', { presence: 'online' });
      const session = await widgetSession(stack.url);
      const waiting = await connectWidget(stack.url, session.visitorToken);
      open.push(waiting);
      const sent = await callOk<{ conversationId: number }>(waiting, 'message:send', { clientId: 'seat-wait-1', text: 'hello' });
      await callOk(waiting, 'handoff:request', { conversationId: sent.conversationId });
      expect((await row(sent.conversationId)).status).toBe('queued'); // Sam's one seat is taken

      // Snoozing frees it: the waiting chat is Sam's at once.
      const given = nextEvent<ConversationSummary>(samSocket, 'conversation:assigned', (c) => c.id === sent.conversationId);
      await callOk(samSocket, 'conversation:snooze', { conversationId, until: inFuture(HOUR) });
      expect((await given).assignee?.id).toBe(sam.user.id);
      const team = await fetch(`${stack.url}/api/agents`, { headers: { authorization: `Bearer ${sam.token}` } }).then((r) => r.json());
      expect(team.items.find((a: { id: number }) => a.id === sam.user.id)).toMatchObject({ openChats: 1, capacity: 1 });
    } finally {
      await callOk(samSocket, 'presence:set', { presence: 'away' });
      await sql`update users set capacity = 5 where id = ${sam.user.id}`;
    }
  });

  it('refuses a time in the past or too far ahead, someone else\'s chat and a shopper, changing nothing', async () => {
    const { shopper, conversationId } = await heldChat('refused');
    const refused = async (socket: AgentClient | WidgetClient, payload: Record<string, unknown>, code: string, message?: RegExp) => {
      const answer = await call(socket, 'conversation:snooze', { conversationId, ...payload });
      expect(answer).toMatchObject({ ok: false, error: { code } });
      if (message && !answer.ok) expect(answer.error.message).toMatch(message);
      expect((await row(conversationId)).snoozed_until).toBeNull();
    };
    await refused(samSocket, { until: inFuture(-60_000) }, 'validation', /in the future/);
    await refused(samSocket, { until: inFuture(31 * 24 * HOUR) }, 'validation', /at most 30 days/);
    await refused(samSocket, { until: 'tomorrow morning' }, 'validation');
    await refused(samSocket, { until: inFuture(HOUR), extra: true }, 'validation');
    await refused(otherSocket, { until: inFuture(HOUR) }, 'forbidden', /Only the agent holding this chat \(or an admin\)/);
    await refused(shopper, { until: inFuture(HOUR) }, 'unknown_event');
    // A visitor token is no way into the agents' namespace either.
    const session = await widgetSession(stack.url);
    await expect(connectAgent(stack.url, session.visitorToken)).rejects.toThrow(/unauthorized/);
    // A chat nobody holds yet cannot be snoozed.
    const loose = await widgetSession(stack.url);
    const looseSocket = await connectWidget(stack.url, loose.visitorToken);
    open.push(looseSocket);
    const looseChat = await callOk<{ conversationId: number }>(looseSocket, 'message:send', { clientId: 'loose-1', text: 'hi' });
    expect(await call(samSocket, 'conversation:snooze', { conversationId: looseChat.conversationId, until: inFuture(HOUR) })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await call(samSocket, 'conversation:unsnooze', { conversationId })).toMatchObject({ ok: false, error: { code: 'conflict', message: 'This chat is not snoozed.' } });
    expect(await call(samSocket, 'conversation:snooze', { conversationId: 99_999_999, until: inFuture(HOUR) })).toMatchObject({ ok: false, error: { code: 'not_found' } });

    // An admin may snooze and unsnooze a teammate's chat; another agent may not unsnooze it.
    const byAdmin = await callOk<{ conversation: ConversationSummary }>(adminSocket, 'conversation:snooze', { conversationId, until: inFuture(HOUR) });
    expect(byAdmin.conversation).toMatchObject({ assignee: { id: sam.user.id }, snoozedUntil: expect.any(String) });
    expect(await call(otherSocket, 'conversation:unsnooze', { conversationId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const back = await callOk<{ conversation: ConversationSummary }>(samSocket, 'conversation:unsnooze', { conversationId });
    expect(back.conversation).toMatchObject({ status: 'assigned', assignee: { id: sam.user.id }, snoozedUntil: null });
    expect(await queuedEvents(conversationId)).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'unsnoozed', payload: { reason: 'agent', agentId: sam.user.id, holderId: sam.user.id } })]));
  });

  it('is cleared by resolving or transferring the chat, or deactivating its holder', async () => {
    const first = await heldChat('resolved');
    await callOk(samSocket, 'conversation:snooze', { conversationId: first.conversationId, until: inFuture(HOUR) });
    const resolved = await callOk<{ conversation: ConversationSummary }>(samSocket, 'conversation:resolve', { conversationId: first.conversationId });
    expect(resolved.conversation).toMatchObject({ status: 'resolved', snoozedUntil: null });
    expect(await row(first.conversationId)).toMatchObject({ status: 'resolved', snoozed_until: null });
    expect(await ids(sam.token, 'snoozed')).not.toContain(first.conversationId);

    const second = await heldChat('transferred');
    await callOk(samSocket, 'conversation:snooze', { conversationId: second.conversationId, until: inFuture(HOUR) });
    const moved = await callOk<{ conversation: ConversationSummary }>(samSocket, 'conversation:transfer', { conversationId: second.conversationId, toAgentId: other.user.id });
    expect(moved.conversation).toMatchObject({ status: 'assigned', assignee: { id: other.user.id }, snoozedUntil: null });
    expect(await ids(other.token, 'mine')).toContain(second.conversationId);

    // Deactivating the holder puts all their chats back in the queue, the snoozed one too, awake.
    await stack.env.sql`insert into users (email, name, role, password_hash, capacity) values ('leaving@demo.shop', 'Leaving Agent', 'agent', ${await hashPassword('leaving-pw')}, 5)`;
    const leaving = await login(stack.url, 'leaving@demo.shop', 'leaving-pw');
    const leavingSocket = await connectAgent(stack.url, leaving.token);
    open.push(leavingSocket);
    const third = await heldChat('deactivated', leavingSocket);
    await callOk(leavingSocket, 'conversation:snooze', { conversationId: third.conversationId, until: inFuture(HOUR) });
    const deactivated = await fetch(`${stack.url}/api/admin/team/${leaving.user.id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ active: false }),
    });
    expect(deactivated.status).toBe(200);
    expect(await row(third.conversationId)).toMatchObject({ status: 'queued', assignee_id: null, snoozed_until: null });
  });
});
