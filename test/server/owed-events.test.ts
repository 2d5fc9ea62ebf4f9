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
import { Queue } from 'bullmq';
import { freePort, startRedisServer } from '../support/redis-server.ts';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { queuedEvents } from '../support/queued-events.ts';
import { bullPrefix, createQueues } from '../../server/queues.ts';
import { prefixed } from '../../server/config.ts';
import { QUEUE_INTERACTIONS, type InteractionEvent } from '../../server/interaction-events.ts';
import { writeInteractionBatch } from '../../workers/interaction-store.ts';
import { createOwedEventsSweep, eventsOwedFor, firstMessageIdSince, messagesOwingEvents, OWED_EVENTS_GRACE_SECONDS, WATERMARK_MARGIN_SECONDS, type SweepReport } from '../../server/services/owed-events.ts';

const redisDir = mkdtempSync(join(tmpdir(), 'owed-events-redis-'));
let redisPort = 0;
let redisServer: ChildProcess | null = null;

async function startRedis(): Promise<void> {
  redisServer = await startRedisServer(redisPort, redisDir);
  // The server's queue connection comes back at its own next retry, seconds after Redis (longer on a busy machine):
  // a message sent before then leaves its events to the sweep, which a test of the live path must not meet.
  if (stack) {
    const queue = stack.servers[0].handle.ctx.queues.queue(QUEUE_INTERACTIONS);
    const answers = () => Promise.race([queue.getJobCounts().then(() => true, () => false), new Promise<boolean>((r) => setTimeout(() => r(false), 1_000))]);
    await eventually(answers, 30_000, "the server's queue connection back");
  }
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

/** The queued events under these keys. */
const eventsWithKeys = (events: InteractionEvent[], keys: string[]) => events.filter((e) => keys.includes(e.idempotencyKey));

const storedKeys = async (conversationId: number) =>
  (await stack.env.sql<{ idempotency_key: string }[]>`select idempotency_key from interaction_events where conversation_id = ${conversationId} order by id`).map((r) => r.idempotency_key);

/** The sweep as a server runs it, on its own connections to the test's Redis. */
async function sweepOnce(): Promise<SweepReport> {
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

    expect((await sweepOnce()).queued).toBe(2);
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
    expect((await sweepOnce()).queued).toBe(0);
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
        [`conv:${conversationId}`, 'conversation.started'], [`msg:${opened.id}`, 'message.customer'], [`msg:${reply}`, 'message.bot'], [`decision:${opened.id}`, 'bot.decision'], [`msg:${note.id}`, 'note.agent'],
      ]);
      expect(owed.flatMap(eventsOwedFor).find((e) => e.type === 'conversation.started')?.payload).toEqual({ channel: 'widget' });
      expect(owed.flatMap(eventsOwedFor).find((e) => e.type === 'note.agent')?.payload).toEqual({ messageId: note.id, agentId: admin.user.id, text: 'Carrier delay this week' });

      expect((await sweepOnce()).queued).toBe(3);
      await writeQueued(conversationId);
      expect(await storedKeys(conversationId)).toEqual(expect.arrayContaining([`conv:${conversationId}`, `msg:${opened.id}`, `msg:${reply}`, `msg:${note.id}`]));
      expect((await messagesOwingEvents(stack.env.sql, 0)).filter((m) => m.conversation_id === conversationId)).toEqual([]);
    } finally {
      widget.disconnect();
      agentSocket.disconnect();
    }
  }, 120_000);

  it("rebuilds a bot turn's lost bot.decision from its stored reply: one row in the customer's history, as the live path writes it", async () => {
    const session = await widgetSession(stack.url, { name: 'Rosa Owed' });
    const widget = await connectWidget(stack.url, session.visitorToken);
    try {
      // A turn whose events got through: what the live path writes.
      const live = await callOk<{ id: number; conversationId: number }>(widget, 'message:send', { clientId: 'rosa-1', text: 'Do you ship to Madrid?' });
      const conversationId = live.conversationId;
      await botReplyTo(live.id);
      // The turn's events are queued just after its reply is stored.
      await eventually(async () => (await queuedEvents(stack, conversationId)).some((e) => e.idempotencyKey === `decision:${live.id}`) || undefined, 10_000, 'the live decision queued');
      await writeQueued(conversationId);

      await stopRedis();
      const lost = await call<{ id: number; conversationId: number }>(widget, 'message:send', { clientId: 'rosa-2', text: 'And to Seville?', conversationId }, 60_000);
      expect(lost).toMatchObject({ ok: true });
      if (!lost.ok) return;
      const reply = await botReplyTo(lost.id);
      await startRedis();
      await stack.env.sql`update messages set created_at = created_at - make_interval(secs => ${OWED_EVENTS_GRACE_SECONDS + 5}) where conversation_id = ${conversationId}`;

      expect((await sweepOnce()).queued).toBe(2); // the question and the reply (with its turn's decision)
      await writeQueued(conversationId);
      // Queued again (say by a second server) and written again: still one row.
      await writeInteractionBatch(stack.env.sql, eventsWithKeys(await queuedEvents(stack, conversationId), [`decision:${lost.id}`]));

      const decisions = await stack.env.sql<{ idempotency_key: string; customer_id: number; occurred_at: Date; payload: Record<string, unknown> }[]>`
        select e.idempotency_key, e.customer_id, e.occurred_at, e.payload from interaction_events e
        where e.type = 'bot.decision' and e.customer_id = (select customer_id from conversations where id = ${conversationId}) order by e.id`;
      expect(decisions.map((d) => d.idempotency_key)).toEqual([`decision:${live.id}`, `decision:${lost.id}`]);
      const [stored] = await stack.env.sql<{ metadata: Record<string, unknown>; created_at: Date }[]>`select metadata, created_at from messages where id = ${reply}`;
      const rebuilt = decisions[1];
      expect(rebuilt.payload).toEqual({ inReplyTo: lost.id, question: 'And to Seville?', ...stored.metadata });
      expect(rebuilt.payload.action).toEqual(expect.stringMatching(/^(answer|clarify|handoff)$/));
      expect(rebuilt.occurred_at.toISOString()).toBe(stored.created_at.toISOString());
      // The same fields the live path records (the reports read action, intent, reason from them).
      expect(Object.keys(rebuilt.payload).sort()).toEqual(Object.keys(decisions[0].payload).sort());
      expect((await messagesOwingEvents(stack.env.sql, 0)).filter((m) => m.conversation_id === conversationId)).toEqual([]);
    } finally {
      widget.disconnect();
    }
  }, 120_000);

  it('reads only the messages since the watermark, which never passes a message whose events are not yet stored', async () => {
    const sql = stack.env.sql;
    const watermarkKey = `${prefixed(stack.env.config, 'owed-events')}:checked-before`;
    const redis = new Redis(stack.env.config.redisUrl);
    redis.on('error', () => {}); // refused while the test has Redis stopped; used again once it is back
    /** Time passes (every stored time moves back, the watermark with them), rather than the test waiting for it. */
    const passTime = async (seconds: number) => {
      await sql`update messages set created_at = created_at - make_interval(secs => ${seconds})`;
      const watermark = Number(await redis.get(watermarkKey));
      if (watermark) await redis.set(watermarkKey, String(watermark - seconds * 1000));
    };
    const session = await widgetSession(stack.url, { name: 'Omar Owed' });
    const widget = await connectWidget(stack.url, session.visitorToken);
    try {
      // Everything so far has its events: once a sweep has read past the margin, a sweep with nothing new reads nothing.
      await sweepOnce();
      await passTime(OWED_EVENTS_GRACE_SECONDS + WATERMARK_MARGIN_SECONDS + 5);
      await sweepOnce(); // the last minutes' messages, in the margin, once more
      expect(await sweepOnce()).toEqual({ checked: 0, queued: 0 });

      // A ten-minute outage: the message and the bot's reply are stored, their events never queued, and no sweep
      // could move the watermark meanwhile (it lives in the Redis that was away).
      await stopRedis();
      const lost = await call<{ id: number; conversationId: number }>(widget, 'message:send', { clientId: 'omar-1', text: 'Is the blue kettle back in stock?' }, 60_000);
      expect(lost).toMatchObject({ ok: true });
      if (!lost.ok) return;
      const conversationId = lost.conversationId;
      const reply = await botReplyTo(lost.id);
      await startRedis();
      await passTime(10 * 60); // the outage's length (the watermark, in the Redis that was away, did not move)

      const first = await sweepOnce();
      expect(first.queued).toBe(2);
      expect(first.checked).toBeGreaterThanOrEqual(2);
      // The queued events are lost before a worker writes them (the jobs gone, the claims expired): the watermark,
      // set by that sweep, must not have passed the messages, or nothing would queue them again.
      const queue = new Queue(QUEUE_INTERACTIONS, { connection: redis, prefix: bullPrefix(stack.env.config) });
      await queue.drain(true);
      await queue.close();
      await redis.del(`${prefixed(stack.env.config, 'owed-events')}:${lost.id}`, `${prefixed(stack.env.config, 'owed-events')}:${reply}`);
      expect(await queuedEvents(stack, conversationId)).toEqual([]);

      expect((await sweepOnce()).queued).toBe(2);
      await writeQueued(conversationId);
      expect(await storedKeys(conversationId)).toEqual(expect.arrayContaining([`conv:${conversationId}`, `msg:${lost.id}`, `msg:${reply}`, `decision:${lost.id}`]));

      // Stored now: the watermark moves past them, and with nothing new a sweep soon reads no message at all.
      expect((await sweepOnce()).queued).toBe(0);
      await passTime(OWED_EVENTS_GRACE_SECONDS + WATERMARK_MARGIN_SECONDS + 5);
      expect((await sweepOnce()).queued).toBe(0);
      expect(await sweepOnce()).toEqual({ checked: 0, queued: 0 });

      // Lost, the watermark costs one read of the day, no message.
      await redis.del(watermarkKey);
      const [{ count }] = await sql<{ count: number }[]>`
        select count(*)::int as count from messages where created_at < now() - make_interval(secs => ${OWED_EVENTS_GRACE_SECONDS})
          and created_at >= now() - interval '1 day'`;
      expect(await sweepOnce()).toEqual({ checked: count, queued: 0 });
    } finally {
      widget.disconnect();
      redis.disconnect();
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
