// A shopper's message stored while Redis is away: the ack still says it was sent, and once Redis is back the owed-events
// sweep (server/services/owed-events.ts) queues the message's history event, built as the live path builds it. Against
// a redis-server of the test's own (append-only, so the queue survives its restart) and the stack's real Postgres; the
// stack runs no workers, so the test writes the queued events itself with the workers' own statement.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startRedisServer } from '../support/redis-server.ts';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { queuedEvents } from '../support/queued-events.ts';
import { createQueues } from '../../server/queues.ts';
import { writeInteractionBatch } from '../../workers/interaction-store.ts';
import { createOwedEventsSweep, eventsOwedFor, firstMessageIdSince, messagesOwingEvents, OWED_EVENTS_GRACE_SECONDS } from '../../server/services/owed-events.ts';

const redisDir = mkdtempSync(join(tmpdir(), 'owed-events-redis-'));
let redisPort = 0;
let redisServer: ChildProcess | null = null;

async function startRedis(): Promise<void> {
  redisServer = await startRedisServer(redisPort, redisDir);
}

/** A clean stop (SIGTERM): the append-only file has every write, as after a restart in production. */
async function stopRedis(): Promise<void> {
  const server = redisServer!;
  redisServer = null;
  server.kill('SIGTERM');
  await once(server, 'exit');
}

let stack: TestStack;
let shopper: WidgetClient;
const log = { warn: () => {} };

beforeAll(async () => {
  redisPort = await freePort();
  await startRedis();
  stack = await startStack({ config: { redisUrl: `redis://127.0.0.1:${redisPort}` } });
  const session = await widgetSession(stack.url, { name: 'Ines Owed' });
  shopper = await connectWidget(stack.url, session.visitorToken);
}, 60_000);

afterAll(async () => {
  shopper?.disconnect();
  // A test that failed during the outage leaves Redis stopped: the stack's cleanup needs it.
  if (!redisServer) await startRedis();
  await stack?.close();
  await stopRedis();
  rmSync(redisDir, { recursive: true, force: true });
});

/** What the interactions worker does with the queued events: writes them (once per key). */
async function writeQueued(conversationId: number): Promise<void> {
  await writeInteractionBatch(stack.env.sql, await queuedEvents(stack, conversationId));
}

/** The bot's reply to a question, once its turn (run after the ack) has stored it. */
const botReplyTo = (questionId: number) => eventually(async () => {
  const [reply] = await stack.env.sql<{ id: number }[]>`select id from messages where client_id = ${`bot-reply:${questionId}`}`;
  return reply?.id;
}, 20_000, `the bot's reply to ${questionId}`);

const storedKeys = async (conversationId: number) =>
  (await stack.env.sql<{ idempotency_key: string }[]>`select idempotency_key from interaction_events where conversation_id = ${conversationId} order by id`).map((r) => r.idempotency_key);

/** The sweep as a server runs it, on its own connections to the test's Redis. */
async function sweepOnce(): Promise<number> {
  const redis = new Redis(stack.env.config.redisUrl);
  const queues = createQueues(stack.env.config);
  try {
    return await createOwedEventsSweep({ config: stack.env.config, sql: stack.env.sql, redis, events: queues, log }).sweep();
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

describe('history events owed by messages stored while Redis was away', () => {
  it('acks the message sent during the outage and queues its event once Redis is back; a message with its event is left alone', async () => {
    const first = await callOk<{ id: number; conversationId: number }>(shopper, 'message:send', { clientId: 'owed-1', text: 'Do you ship to Lisbon?' });
    const conversationId = first.conversationId;
    const firstReply = await botReplyTo(first.id);
    await writeQueued(conversationId);
    expect(await storedKeys(conversationId)).toEqual(expect.arrayContaining([`conv:${conversationId}`, `msg:${first.id}`, `msg:${firstReply}`]));

    await stopRedis();
    const second = await call<{ id: number; conversationId: number; duplicate: boolean }>(shopper, 'message:send', { clientId: 'owed-2', text: 'And to Porto?', conversationId }, 60_000);
    // Before: {ok: false, code: 'internal'}, although the message was stored.
    expect(second).toMatchObject({ ok: true, conversationId, duplicate: false });
    if (!second.ok) return;
    const [stored] = await stack.env.sql`select body from messages where id = ${second.id}`;
    expect(stored?.body).toBe('And to Porto?');
    // What followed the failed enqueue still ran: the bot answered (its reply's event could not be queued either).
    const secondReply = await botReplyTo(second.id);

    await startRedis();
    // Not yet past the grace period: a live enqueue may still be on its way, the sweep leaves it.
    expect((await messagesOwingEvents(stack.env.sql, 0)).map((m) => m.id)).toEqual([]);
    // Past it (the test moves the messages back in time rather than waiting):
    await stack.env.sql`update messages set created_at = created_at - make_interval(secs => ${OWED_EVENTS_GRACE_SECONDS + 5}) where conversation_id = ${conversationId}`;
    // Only the messages without their event are owed (the shopper's and the bot's reply); the first two, whose events are stored, are not.
    expect((await messagesOwingEvents(stack.env.sql, 0)).map((m) => m.id)).toEqual([second.id, secondReply]);

    expect(await sweepOnce()).toBe(2);
    const queued = (await queuedEvents(stack, conversationId)).filter((e) => e.idempotencyKey === `msg:${second.id}`);
    expect(queued).toHaveLength(1);
    const [createdAt] = await stack.env.sql<{ created_at: Date }[]>`select created_at from messages where id = ${second.id}`;
    expect(queued[0]).toEqual({
      idempotencyKey: `msg:${second.id}`, type: 'message.customer', customerId: expect.any(Number), conversationId,
      occurredAt: createdAt.created_at.toISOString(), payload: { messageId: second.id, text: 'And to Porto?' },
    });
    expect((await queuedEvents(stack, conversationId)).find((e) => e.idempotencyKey === `msg:${secondReply}`)).toMatchObject({ type: 'message.bot', payload: { messageId: secondReply } });
    // Nothing was queued again for the first message or the chat's start (their events are stored): each key only by its live enqueue.
    for (const key of [`conv:${conversationId}`, `msg:${first.id}`]) {
      expect((await queuedEvents(stack, conversationId)).filter((e) => e.idempotencyKey === key)).toHaveLength(1);
    }

    await writeQueued(conversationId);
    expect(await storedKeys(conversationId)).toEqual(expect.arrayContaining([`msg:${second.id}`, `msg:${secondReply}`]));
    const [customer] = await stack.env.sql<{ messages_count: number }[]>`
      select cu.messages_count from customers cu join conversations c on c.customer_id = cu.id where c.id = ${conversationId}`;
    expect(customer.messages_count).toBe(4); // two questions, two bot replies
    // Now every message has its event: nothing is owed, and a sweep queues nothing.
    expect(await messagesOwingEvents(stack.env.sql, 0)).toEqual([]);
    expect(await sweepOnce()).toBe(0);
  }, 120_000);

  it("owes a chat begun during the outage its start too, and an agent's note its own event", async () => {
    const session = await widgetSession(stack.url, { name: 'Tomas Owed' });
    const widget = await connectWidget(stack.url, session.visitorToken);
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const agentSocket: AgentClient = await connectAgent(stack.url, admin.token);
    try {
      await stopRedis();
      const opened = await call<{ id: number; conversationId: number }>(widget, 'message:send', { clientId: 'tomas-1', text: 'Where is my parcel?' }, 60_000);
      expect(opened).toMatchObject({ ok: true });
      if (!opened.ok) return;
      const conversationId = opened.conversationId;
      const reply = await botReplyTo(opened.id);
      const note = await call<{ id: number }>(agentSocket, 'message:send', { conversationId, clientId: 'admin-note-1', text: 'Carrier delay this week', private: true }, 60_000);
      expect(note).toMatchObject({ ok: true });
      if (!note.ok) return;
      await startRedis();
      await stack.env.sql`update messages set created_at = created_at - make_interval(secs => ${OWED_EVENTS_GRACE_SECONDS + 5}) where conversation_id = ${conversationId}`;

      const owed = (await messagesOwingEvents(stack.env.sql, 0)).filter((m) => m.conversation_id === conversationId);
      expect(owed.map((m) => m.id)).toEqual([opened.id, reply, note.id]);
      expect(owed.flatMap(eventsOwedFor).map((e) => [e.idempotencyKey, e.type])).toEqual([
        [`conv:${conversationId}`, 'conversation.started'], [`msg:${opened.id}`, 'message.customer'], [`msg:${reply}`, 'message.bot'], [`msg:${note.id}`, 'note.agent'],
      ]);
      expect(owed.flatMap(eventsOwedFor).find((e) => e.type === 'conversation.started')?.payload).toEqual({ channel: 'widget' });
      expect(owed.flatMap(eventsOwedFor).find((e) => e.type === 'note.agent')?.payload).toEqual({ messageId: note.id, agentId: admin.user.id, text: 'Carrier delay this week' });

      expect(await sweepOnce()).toBe(3);
      await writeQueued(conversationId);
      expect(await storedKeys(conversationId)).toEqual(expect.arrayContaining([`conv:${conversationId}`, `msg:${opened.id}`, `msg:${reply}`, `msg:${note.id}`]));
      expect((await messagesOwingEvents(stack.env.sql, 0)).filter((m) => m.conversation_id === conversationId)).toEqual([]);
    } finally {
      widget.disconnect();
      agentSocket.disconnect();
    }
  }, 120_000);

  it("finds the day's first message by its id alone, and none when every message is older", async () => {
    const [bounds] = await stack.env.sql<{ lo: number; hi: number }[]>`select min(id) as lo, max(id) as hi from messages`;
    expect(await firstMessageIdSince(stack.env.sql, 24 * 60 * 60)).toBe(bounds.lo);
    await stack.env.sql`update messages set created_at = now() - interval '3 days' where id < ${bounds.hi}`;
    expect(await firstMessageIdSince(stack.env.sql, 24 * 60 * 60)).toBe(bounds.hi);
    expect(await firstMessageIdSince(stack.env.sql, 60)).toBeNull();
  });
});
