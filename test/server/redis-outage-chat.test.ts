// A shopper chatting while Redis is away: each message is stored in Postgres and acked at once (not after the history
// queue's wait for Redis, nor `internal`), and the bot answers it on the same server, a hand-off included; the history
// events that could not be queued meanwhile are queued by the owed-events sweep once Redis is back. A question whose
// server died before its bot turn is answered by the recovery sweep during the outage too. A real server over a
// redis-server of the test's own, stopped mid-test; the official socket.io-client as the widget.
import { beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { widgetSession, type TestStack } from '../support/server.ts';
import { outageStack, type OutageStack } from '../support/outage-stack.ts';
import { call, callOk, connectWidget, eventually, nextEvent, type WidgetClient } from '../support/sockets.ts';
import { queuedEvents } from '../support/queued-events.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { conversationsRepository } from '../../server/repositories/conversations.ts';
import { BOT_RECOVERY_GRACE_SECONDS } from '../../server/services/bot-turn-recovery.ts';
import { createQueues } from '../../server/queues.ts';
import { createOwedEventsSweep, OWED_EVENTS_GRACE_SECONDS } from '../../server/services/owed-events.ts';

// With its background sweeps (the bot-turn recovery's every quarter second), as a production server runs.
const outage = outageStack({ config: { botRecoverySweepMs: 250 }, server: { backgroundTimers: true } });
let redis: OutageStack['redis'];
let stack: TestStack;
beforeAll(() => {
  ({ redis, stack } = outage);
});

/** Stops the test's Redis and waits until the server has noticed (its readiness says so). */
const stopRedis = () => redis.stop(stack.url);

/** The owed-events sweep as a server runs it, on connections of its own to the test's Redis. */
async function sweepOwedEvents(): Promise<number> {
  const connection = new Redis(stack.env.config.redisUrl);
  const queues = createQueues(stack.env.config);
  try {
    return (await createOwedEventsSweep({ config: stack.env.config, sql: stack.env.sql, redis: connection, events: queues, log: { warn: () => {} } }).sweep()).queued;
  } finally {
    await queues.close();
    connection.disconnect();
  }
}

describe('a chat during a Redis outage', () => {
  it('acks each of three messages, stores each once and the bot answers each; their history events are queued once Redis is back', async () => {
    const session = await widgetSession(stack.url, { name: 'Olga Outage' });
    const shopper: WidgetClient = await connectWidget(stack.url, session.visitorToken);
    outage.open.push(shopper);
    // Before the outage the server has queued events (its queue connection in use), as a running install has.
    const before = await callOk<{ id: number; conversationId: number }>(shopper, 'message:send', { clientId: 'before', text: 'Hello there' });
    await stack.env.sql`update conversations set status = 'resolved', resolved_at = now() where id = ${before.conversationId}`;

    await stopRedis();

    // The first message starts a new chat (the chat's rules, the tabs joined to it); the last asks for a person, whom
    // nobody online can be: the shopper is told so (the hand-off goes ahead without its history event).
    const unavailable = nextEvent(shopper, 'agents:unavailable', () => true, 20_000);
    unavailable.catch(() => {});
    let conversationId: number | undefined;
    const sent: number[] = [];
    for (const [i, text] of ['Do you ship to Lisbon?', 'How long does it take?', 'Can I talk to a person?'].entries()) {
      const reply = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'bot', 8_000);
      reply.catch(() => {}); // awaited below, once the ack is in
      // Before: the first ack came after many seconds (the enqueue waiting on Redis), the next was `internal` or later
      // than this bound. Postgres alone answers within it.
      const ack = await call<{ id: number; conversationId: number; duplicate: boolean }>(shopper, 'message:send', { clientId: `outage-${i}`, text, conversationId }, 8_000);
      expect(ack).toMatchObject({ ok: true, duplicate: false });
      if (!ack.ok) return;
      if (conversationId !== undefined) expect(ack.conversationId).toBe(conversationId);
      conversationId = ack.conversationId;
      sent.push(ack.id);
      // The bot's answer reaches the shopper's own socket (same server: no Redis needed).
      expect((await reply).clientId).toBe(`bot-reply:${ack.id}`);
    }
    expect(conversationId).not.toBe(before.conversationId);
    expect(await unavailable).toMatchObject({ conversationId, reason: expect.any(String) });
    const stored = await stack.env.sql<{ client_id: string; n: number }[]>`
      select client_id, count(*)::int as n from messages where conversation_id = ${conversationId!} and author_type = 'customer' group by client_id order by client_id`;
    expect(stored).toEqual([0, 1, 2].map((i) => ({ client_id: `outage-${i}`, n: 1 })));
    const replies = await stack.env.sql<{ client_id: string }[]>`
      select client_id from messages where conversation_id = ${conversationId!} and author_type = 'bot' order by id`;
    expect(replies.map((r) => r.client_id)).toEqual(sent.map((id) => `bot-reply:${id}`));
    const [chat] = await stack.env.sql<{ status: string }[]>`select status from conversations where id = ${conversationId!}`;
    expect(chat.status).toBe('queued');

    // Redis back: the sweep (run here rather than waited for) queues the events the outage kept from the queue.
    await redis.start(stack.url);
    await stack.env.sql`update messages set created_at = created_at - make_interval(secs => ${OWED_EVENTS_GRACE_SECONDS + 5}) where conversation_id = ${conversationId!}`;
    expect(await sweepOwedEvents()).toBe(sent.length * 2); // each question and its reply
    const keys = (await queuedEvents(stack, conversationId!)).map((e) => e.idempotencyKey);
    expect(keys).toEqual(expect.arrayContaining([`conv:${conversationId}`, ...sent.flatMap((id) => [`msg:${id}`, `decision:${id}`])]));
  }, 120_000);

  it("answers a question whose server died before the bot's turn: the recovery sweep runs it unclaimed, once", async () => {
    await stopRedis();
    // A server killed between the ack and the bot's turn, as the database shows it (bot-turn-recovery.test.ts does the same).
    const session = await widgetSession(stack.url, { name: 'Piet Outage' });
    const repo = conversationsRepository(stack.env.sql);
    const conversation = await repo.create(session.customerId);
    const { message } = await repo.insertMessage({ conversationId: conversation.id, authorType: 'customer', clientId: 'died-1', body: 'Is the blue one in stock?' });
    // The shopper's tab, back on the page: it joins the chat at the handshake (Postgres only).
    const widget = await connectWidget(stack.url, session.visitorToken);
    try {
      const live = nextEvent<ChatMessage>(widget, 'message:new', (m) => m.author.type === 'bot', 15_000);
      live.catch(() => {}); // awaited below
      await stack.env.sql`update messages set created_at = now() - make_interval(secs => ${BOT_RECOVERY_GRACE_SECONDS + 5}) where id = ${message.id}`;
      await stack.env.sql`update conversations set last_message_at = now() - make_interval(secs => ${BOT_RECOVERY_GRACE_SECONDS + 5}) where id = ${conversation.id}`;
      // Before: the sweep's claim waited on Redis and failed, and the shopper heard nothing until Redis was back.
      const reply = await eventually(async () => {
        const [row] = await stack.env.sql<{ id: number }[]>`select id from messages where conversation_id = ${conversation.id} and client_id = ${`bot-reply:${message.id}`}`;
        return row;
      }, 15_000, 'the recovered answer');
      // Later sweeps (four a second) find it answered: still one reply.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const [{ n }] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from messages where conversation_id = ${conversation.id} and author_type = 'bot'`;
      expect(n).toBe(1);
      expect(await live).toMatchObject({ id: reply.id, clientId: `bot-reply:${message.id}` });
    } finally {
      widget.disconnect();
      await redis.start();
    }
  }, 60_000);
});
