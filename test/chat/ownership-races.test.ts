// Who a chat belongs to, when two people (or the bot) act on it at once. Each race is made to happen, not hoped for:
// a separate transaction holds the row (or the customer) the actions need, the actions are started and seen waiting
// for it in pg_stat_activity, then it is let go. Real server, Postgres, Redis and socket.io clients.
//   - a transfer from the previous holder after a take-over that committed first is refused;
//   - so is a resolve by that previous holder; an admin's resolve names the holder the chat had when it closed;
//   - the bot says nothing once an agent took the chat while it was thinking;
//   - a reopen is refused while the shopper has another open chat;
//   - two tabs sending a first message at once start one chat;
//   - a resend after a lost ack, once the chat was resolved, is the message stored then, not a new chat;
//   - a second tab hears of the chat the first one started while the bot has it;
//   - closing a queued chat moves the others up in the queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { holdLocks, lockWaiters as waitingOnLocks } from '../support/held-locks.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextEvent, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary, QueuePosition } from '../../server/realtime/event-maps.ts';
import { GatedResponder } from '../support/gated-responder.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

type Person = { id: number; name: string; socket: AgentClient };
const responder = new GatedResponder();
let stack: TestStack;
let admin: Person;
let sam: Person;
let ben: Person;
let seq = 0;
const open: { close(): void }[] = [];

async function person(email: string, password: string): Promise<Person> {
  const session = await login(stack.url, email, password);
  const socket = await connectAgent(stack.url, session.token);
  open.push(socket);
  // Away: at a console (a transfer may go to them), but never given chats by the automatic pass.
  await callOk(socket, 'presence:set', { presence: 'away' });
  return { id: session.user.id, name: session.user.name, socket };
}

async function shopper() {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  return { session, socket };
}

/** A shopper whose chat `holder` took (accept). */
async function heldChat(holder: Person) {
  const { session, socket } = await shopper();
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `held-${++seq}`, text: 'Where is my parcel?' });
  await callOk(holder.socket, 'conversation:accept', { conversationId: sent.conversationId });
  return { session, socket, conversationId: sent.conversationId };
}

const lockWaiters = () => waitingOnLocks(stack.env.sql);
const hold = (lock: (tx: typeof stack.env.sql) => Promise<unknown>) => holdLocks(stack.env.sql, lock);

/**
 * Starts each action in turn, each once the one before it waits for a lock (or has finished: code that takes no
 * such lock does not wait), so they queue in that order.
 */
async function inLockOrder<T>(actions: (() => Promise<T>)[]): Promise<Promise<T>[]> {
  const started: Promise<T>[] = [];
  for (const action of actions) {
    const before = await lockWaiters();
    let settled = false;
    const running = action();
    running.then(() => (settled = true), () => (settled = true));
    started.push(running);
    await eventually(async () => settled || (await lockWaiters()) > before, 10_000, 'the action to wait for the held lock');
  }
  return started;
}

const rowOf = async (conversationId: number) =>
  (await stack.env.sql<{ status: string; assignee_id: number | null }[]>`select status, assignee_id from conversations where id = ${conversationId}`)[0];

beforeAll(async () => {
  stack = await startStack({ config: { dbLockTimeoutMs: 60_000 }, server: { responder } });
  const hash = await hashPassword('race-agent-password');
  await stack.env.sql`insert into users (email, name, role, password_hash, capacity) values ('ben@races.test', 'Ben Okafor', 'agent', ${hash}, 5)`;
  admin = await person(stack.admin.email, stack.admin.password);
  sam = await person(stack.agent.email, stack.agent.password);
  ben = await person('ben@races.test', 'race-agent-password');
});
afterAll(async () => {
  responder.release();
  open.forEach((s) => s.close());
  await stack?.close();
});

describe('a chat taken over while its previous holder acts on it', () => {
  it('refuses the transfer from the previous holder once the take-over committed first', async () => {
    const { conversationId } = await heldChat(sam);
    const release = await hold((tx) => tx`select 1 from conversations where id = ${conversationId} for update`);
    let takeover: Promise<any>;
    let transfer: Promise<any>;
    try {
      // The admin takes the chat over; Sam, who still sees it as his, transfers it to Ben, queued behind.
      [takeover, transfer] = await inLockOrder([
        () => call(admin.socket, 'conversation:takeover', { conversationId }, 30_000),
        () => call(sam.socket, 'conversation:transfer', { conversationId, toAgentId: ben.id }, 30_000),
      ]);
    } finally {
      await release();
    }
    expect(await takeover!).toMatchObject({ ok: true, conversation: { assignee: { id: admin.id } } });
    expect(await transfer!).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(Number((await rowOf(conversationId)).assignee_id)).toBe(admin.id);
    expect(await stack.env.sql`select 1 from messages where conversation_id = ${conversationId} and metadata->>'event' = 'agent_transferred' and (metadata->>'agentId')::bigint = ${ben.id}`).toEqual([]);
  });

  it("refuses the previous holder's resolve once the take-over committed first", async () => {
    const { conversationId } = await heldChat(sam);
    const release = await hold((tx) => tx`select 1 from conversations where id = ${conversationId} for update`);
    let takeover: Promise<any>;
    let resolve: Promise<any>;
    try {
      [takeover, resolve] = await inLockOrder([
        () => call(admin.socket, 'conversation:takeover', { conversationId }, 30_000),
        () => call(sam.socket, 'conversation:resolve', { conversationId }, 30_000),
      ]);
    } finally {
      await release();
    }
    expect(await takeover!).toMatchObject({ ok: true });
    expect(await resolve!).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await rowOf(conversationId)).toMatchObject({ status: 'assigned' });
    expect(Number((await rowOf(conversationId)).assignee_id)).toBe(admin.id);
    expect(await stack.env.sql`select 1 from messages where conversation_id = ${conversationId} and metadata->>'event' = 'agent_left'`).toEqual([]);
  });

  it("names the holder the chat had when it closed in an admin's resolve that raced a transfer", async () => {
    const { conversationId } = await heldChat(sam);
    const release = await hold((tx) => tx`select 1 from conversations where id = ${conversationId} for update`);
    let transfer: Promise<any>;
    let resolve: Promise<any>;
    try {
      [transfer, resolve] = await inLockOrder([
        () => call(sam.socket, 'conversation:transfer', { conversationId, toAgentId: ben.id }, 30_000),
        () => call(admin.socket, 'conversation:resolve', { conversationId }, 30_000),
      ]);
    } finally {
      await release();
    }
    expect(await transfer!).toMatchObject({ ok: true });
    expect(await resolve!).toMatchObject({ ok: true, conversation: { status: 'resolved' } });
    const left = await stack.env.sql<{ body: string; agent_id: string }[]>`
      select body, metadata->>'agentId' as agent_id from messages where conversation_id = ${conversationId} and metadata->>'event' = 'agent_left'`;
    expect(left).toEqual([{ body: 'Ben Okafor ended the chat.', agent_id: String(ben.id) }]);
  });
});

describe('the bot, when an agent takes the chat while it thinks', () => {
  it('stores and sends nothing', async () => {
    const { socket } = await shopper();
    const heard = record<ChatMessage>(socket, 'message:new');
    const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `slow-${++seq}`, text: 'Tell me slowly about returns' });
    await eventually(async () => responder.thinking > 0, 10_000, 'the bot to be thinking');
    await callOk(sam.socket, 'conversation:accept', { conversationId: sent.conversationId });
    const botTurnDone = stack.servers[0].handle.ctx.chat.inChatOrder(sent.conversationId, async () => undefined);
    responder.release();
    await botTurnDone;
    expect(await stack.env.sql`select body from messages where conversation_id = ${sent.conversationId} and author_type = 'bot'`).toEqual([]);
    expect(heard.filter((m) => m.author.type === 'bot')).toEqual([]);
    expect(await rowOf(sent.conversationId)).toMatchObject({ status: 'assigned' });
  });

  it('stores nothing in a chat it answered while queued with nobody online, once an agent took it', async () => {
    const { socket, conversationId } = await queuedShopper();
    const botLines = async () => (await stack.env.sql<{ body: string }[]>`select body from messages where conversation_id = ${conversationId} and author_type = 'bot'`).map((m) => m.body);
    const before = await botLines();
    await callOk(socket, 'message:send', { clientId: `slow-${++seq}`, text: 'Meanwhile, tell me slowly about sizes', conversationId });
    await eventually(async () => responder.thinking > 0, 10_000, 'the bot to be thinking');
    await callOk(sam.socket, 'conversation:accept', { conversationId });
    const botTurnDone = stack.servers[0].handle.ctx.chat.inChatOrder(conversationId, async () => undefined);
    responder.release();
    await botTurnDone;
    expect(await botLines()).toEqual(before);
    await callOk(sam.socket, 'conversation:resolve', { conversationId });
  });
});

describe('one open chat per shopper', () => {
  it('refuses to reopen a chat while the shopper has another open one', async () => {
    const first = await heldChat(sam);
    await callOk(sam.socket, 'conversation:resolve', { conversationId: first.conversationId });
    const second = await callOk<{ conversationId: number }>(first.socket, 'message:send', { clientId: `again-${++seq}`, text: 'One more question' });
    expect(second.conversationId).not.toBe(first.conversationId);
    expect(await call(sam.socket, 'conversation:reopen', { conversationId: first.conversationId })).toMatchObject({ ok: false, error: { code: 'open_conversation' } });
    expect(await rowOf(first.conversationId)).toMatchObject({ status: 'resolved' });
    // Once that one is closed too, the first can be reopened.
    await callOk(admin.socket, 'conversation:resolve', { conversationId: second.conversationId });
    expect(await call(sam.socket, 'conversation:reopen', { conversationId: first.conversationId })).toMatchObject({ ok: true, conversation: { status: 'assigned' } });
    await callOk(sam.socket, 'conversation:resolve', { conversationId: first.conversationId });
  });

  it('leaves one open chat when a reopen and a first message race', async () => {
    const first = await heldChat(sam);
    await callOk(sam.socket, 'conversation:resolve', { conversationId: first.conversationId });
    const customerId = first.session.customerId;
    // Both wait for the customer's record (each holds it before deciding whether the shopper has an open chat), then
    // decide one after the other.
    const release = await hold((tx) => tx`select 1 from customers where id = ${customerId} for update`);
    let reopen: Promise<any>;
    let message: Promise<any>;
    try {
      [message, reopen] = await inLockOrder([
        () => call(first.socket, 'message:send', { clientId: `race-${++seq}`, text: 'Hello again' }, 30_000),
        () => call(sam.socket, 'conversation:reopen', { conversationId: first.conversationId }, 30_000),
      ]);
    } finally {
      await release();
    }
    const [sent, reopened] = [await message!, await reopen!];
    expect(sent).toMatchObject({ ok: true });
    // Whichever decided first: the reopened chat takes the message, or the new chat refuses the reopen.
    if (reopened.ok) expect(sent.conversationId).toBe(first.conversationId);
    else expect(reopened).toMatchObject({ ok: false, error: { code: 'open_conversation' } });
    const stillOpen = await stack.env.sql<{ id: number }[]>`select id from conversations where customer_id = ${customerId} and status <> 'resolved'`;
    expect(stillOpen).toHaveLength(1);
    await callOk(admin.socket, 'conversation:resolve', { conversationId: stillOpen[0].id });
  });

  it('starts one chat when two tabs send a first message at once', async () => {
    const { session, socket } = await shopper();
    const other = await connectWidget(stack.url, session.visitorToken);
    open.push(other);
    const release = await hold((tx) => tx`select 1 from customers where id = ${session.customerId} for update`);
    let acks: Promise<any>[];
    try {
      acks = await inLockOrder([
        () => call(socket, 'message:send', { clientId: `tab1-${++seq}`, text: 'Do you ship to Norway?' }, 30_000),
        () => call(other, 'message:send', { clientId: `tab2-${seq}`, text: 'And to Iceland?' }, 30_000),
      ]);
    } finally {
      await release();
    }
    const [one, two] = await Promise.all(acks!);
    expect(one).toMatchObject({ ok: true });
    expect(two).toMatchObject({ ok: true, conversationId: (one as { conversationId: number }).conversationId });
    expect(await stack.env.sql`select id from conversations where customer_id = ${session.customerId}`).toHaveLength(1);
  });

  it('answers a resend after a lost ack, once the chat was resolved, with the message stored then', async () => {
    const first = await heldChat(sam);
    const clientId = `lost-ack-${++seq}`;
    const stored = await callOk<{ id: number; conversationId: number }>(first.socket, 'message:send', { clientId, text: 'My order number is 1234', conversationId: first.conversationId });
    await callOk(sam.socket, 'conversation:resolve', { conversationId: first.conversationId });
    // The widget never heard the ack: it sends the message again, without the chat (which is over).
    const again = await callOk<{ id: number; conversationId: number; duplicate: boolean }>(first.socket, 'message:send', { clientId, text: 'My order number is 1234' });
    expect(again).toMatchObject({ id: stored.id, conversationId: first.conversationId, duplicate: true });
    expect(await stack.env.sql`select id from conversations where customer_id = ${first.session.customerId}`).toHaveLength(1);
    expect(await stack.env.sql`select 1 from messages where body = 'My order number is 1234'`).toHaveLength(1);
  });
});

describe('what the shopper and the queue hear', () => {
  it("tells the shopper's other tab of the chat the first one started, while the bot has it", async () => {
    const { session, socket } = await shopper();
    const other = await connectWidget(stack.url, session.visitorToken);
    open.push(other);
    const updates = record<ConversationSummary>(other, 'conversation:updated');
    const botReply = nextEvent<ChatMessage>(other, 'message:new', (m) => m.author.type === 'bot');
    const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `tabs-${++seq}`, text: 'Hello there' });
    await botReply;
    expect(updates.map((u) => ({ id: u.id, status: u.status }))).toContainEqual({ id: sent.conversationId, status: 'bot' });
  });

  it('moves the shoppers behind a queued chat up when it is resolved', async () => {
    const ahead = await queuedShopper();
    const behind = await queuedShopper();
    const position = await placeOf(behind.conversationId);
    const moved = nextEvent<QueuePosition>(behind.socket, 'queue:position', (p) => p.position === position - 1);
    await callOk(admin.socket, 'conversation:resolve', { conversationId: ahead.conversationId });
    expect(await moved).toMatchObject({ conversationId: behind.conversationId, position: position - 1 });
    await callOk(admin.socket, 'conversation:resolve', { conversationId: behind.conversationId });
  });

  it('moves them up when the idle sweep closes a queued chat', async () => {
    const ahead = await queuedShopper();
    const behind = await queuedShopper();
    // The chat ahead was answered by an agent and handed back, then nobody wrote for two hours: the sweep closes it.
    await stack.env.sql`insert into messages (conversation_id, author_type, author_id, body) values (${ahead.conversationId}, 'agent', ${sam.id}, 'Checking, one moment')`;
    await stack.env.sql`update conversations set queued_at = now() - interval '2 hours', last_message_at = now() - interval '2 hours' where id = ${ahead.conversationId}`;
    await stack.env.sql`update messages set created_at = now() - interval '2 hours' where conversation_id = ${ahead.conversationId} and author_type <> 'agent'`;
    const position = await placeOf(behind.conversationId);
    const moved = nextEvent<QueuePosition>(behind.socket, 'queue:position', (p) => p.position === position - 1);
    expect(await stack.servers[0].handle.ctx.chat.resolveIdleHumanConversations(1)).toBe(1);
    expect(await moved).toMatchObject({ conversationId: behind.conversationId, position: position - 1 });
    await callOk(admin.socket, 'conversation:resolve', { conversationId: behind.conversationId });
  });
});

/** A shopper whose chat waits in the queue (nobody is online: everyone is away). */
async function queuedShopper() {
  const s = await shopper();
  // The hand-off's own work ends with the assignment pass telling the queue its places. Waited for: a row it still
  // holds locked is one the idle sweep skips (`skip locked`), and on a busy machine the sweep then closed nothing.
  const placed = nextEvent<QueuePosition>(s.socket, 'queue:position');
  const sent = await callOk<{ conversationId: number }>(s.socket, 'message:send', { clientId: `q-${++seq}`, text: 'A human please' });
  await eventually(async () => (await rowOf(sent.conversationId)).status === 'queued', 10_000, 'queued');
  await placed;
  return { ...s, conversationId: sent.conversationId };
}

/** The chat's place in the queue, as routing orders it. */
async function placeOf(conversationId: number): Promise<number> {
  const queue = await stack.env.sql<{ id: number }[]>`select id from conversations where status = 'queued' order by priority desc, queued_at, id`;
  return queue.findIndex((q) => Number(q.id) === conversationId) + 1;
}
