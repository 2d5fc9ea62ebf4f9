// Queues the history events of chat messages that are stored but whose event never reached the workers. The live path
// stores a message, announces it, then queues its interaction event (chat-service.ts, queueMessageEvents); with Redis
// away that enqueue fails (the sender's ack still succeeds: the message is stored and seen), and a server killed
// between the insert and the enqueue loses it the same way. Without the event the customer's history, their
// messages_count and the message.created webhook never hear of the message. Every server sweeps for such messages at
// start and then every OWED_EVENTS_SWEEP_MS, and queues their events again, built by the live path's own builders
// (message-events.ts) under the same idempotency keys, so an event that did get through meanwhile is written once.
//
// Several servers sweep at once: a message is claimed in Redis (SET NX with an expiry) before its events are queued,
// so one server queues them; a double enqueue would still be harmless (the worker stores a key once).
//
// Not covered: a bot turn's bot.decision. Its decision (answer, clarify) is not stored with the reply, so it cannot be
// rebuilt from the rows; the reply itself (message.bot) is.
import type { Redis } from 'ioredis';
import type { Sql } from '../db/client.ts';
import { prefixed, type Config } from '../config.ts';
import { BOT_REPLY_PREFIX, type MessageRow } from '../repositories/conversations.ts';
import { deletedCustomer } from '../repositories/customers.ts';
import type { EventSink } from './chat-service.ts';
import type { InteractionEvent } from '../interaction-events.ts';
import { agentMessageEvent, botReplyEvent, conversationStartedEvent, CONVERSATION_STARTED_KEY_PREFIX, MESSAGE_EVENT_KEY_PREFIX, shopperMessageEvent } from './message-events.ts';

/**
 * How old a message must be before a sweep takes it: its live enqueue goes out right after the insert (behind a group
 * commit, and for a bot reply after the reply's transaction) and the worker writes it within a second or two when all
 * is well. 60 s leaves the live path and a busy worker that time, so a sweep rarely queues what is on its way.
 */
export const OWED_EVENTS_GRACE_SECONDS = 60;

/** Messages older than this are not looked at: a day covers any Redis outage or restart worth the name. */
export const OWED_EVENTS_MAX_AGE_SECONDS = 24 * 60 * 60;

/**
 * Each sweep checks the day's messages against the unique index of interaction_events (one probe each), so it runs
 * every few minutes, not every few seconds: a history event late by minutes after an outage is still on time.
 */
export const OWED_EVENTS_SWEEP_MS = 5 * 60_000;

/**
 * How long a claim holds: long enough that the events queued are written by the workers (or wait in the queue under
 * their job id) before another sweep looks, so a message is not queued again each minute while the workers catch up.
 */
const CLAIM_TTL_MS = 10 * 60_000;

/** Messages taken per sweep; after a long outage the rest wait for the next sweep (or another server's). */
const BATCH = 500;

export interface OwedEventsDeps {
  config: Pick<Config, 'redisPrefix'>;
  sql: Sql;
  redis: Redis;
  events: Pick<EventSink, 'enqueueInteractions'>;
  log: { warn(obj: unknown, msg?: string): void };
}

interface OwedMessage extends MessageRow {
  customer_id: number;
  channel: string;
  conversation_created_at: Date;
  /** The shopper's message began the chat and the chat's start was never recorded either (they shared one enqueue). */
  owes_start: boolean;
}

/**
 * The first message id of the last `seconds` (at or after the returned id), or null when there is none. messages has no
 * index on created_at, but ids grow with it: a binary search over the primary key, one index probe per step, finds the
 * window's start without reading the older rows. (created_at is the inserting transaction's start, so near the edge
 * the order may be off by the length of a transaction: a second either way of a day's window.)
 */
export async function firstMessageIdSince(sql: Sql, seconds: number): Promise<number | null> {
  const [bounds] = await sql<{ lo: number | null; hi: number | null }[]>`select min(id) as lo, max(id) as hi from messages`;
  if (bounds?.lo == null || bounds.hi == null) return null;
  // Whether the first message at or after `id` is recent; false for ids past the last message.
  const recentFrom = async (id: number) => {
    const [row] = await sql<{ recent: boolean }[]>`
      select created_at >= now() - make_interval(secs => ${seconds}) as recent from messages where id >= ${id} order by id limit 1`;
    return row?.recent ?? false;
  };
  let lo = Number(bounds.lo);
  let hi = Number(bounds.hi);
  if (!(await recentFrom(hi))) return null;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await recentFrom(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Stored messages past the grace period with no event under their key, oldest first: shoppers', agents' (replies and
 * notes) and the bot's replies to questions — the messages the live path queues an event for. Chats imported from
 * another tool (their history is written by the import), anonymised ones and deleted customers' (the worker drops
 * their events) owe nothing. From `fromId` up the primary key, each candidate checked against the unique index on
 * interaction_events.idempotency_key.
 */
export async function messagesOwingEvents(sql: Sql, fromId: number, limit = BATCH): Promise<OwedMessage[]> {
  // The chat's start is looked up by a join on the page of owed messages, not a subquery per scanned row: Postgres may
  // plan such a subquery as one hashed read of all of interaction_events.
  return sql<OwedMessage[]>`
    select o.*, null as author_name,
      o.author_type = 'customer' and started.id is null
        and not exists (select 1 from messages earlier where earlier.conversation_id = o.conversation_id and earlier.id < o.id)
        as owes_start
    from (
      select m.*, c.customer_id, c.channel, c.created_at as conversation_created_at
      from messages m
      join conversations c on c.id = m.conversation_id
      join customers cu on cu.id = c.customer_id
      where m.id >= ${fromId}
        and m.created_at < now() - make_interval(secs => ${OWED_EVENTS_GRACE_SECONDS})
        and (m.author_type in ('customer', 'agent') or (m.author_type = 'bot' and m.client_id like ${`${BOT_REPLY_PREFIX}%`}))
        and c.imported_from is null and c.anonymised_at is null and not ${deletedCustomer(sql, 'cu')}
        and not exists (select 1 from interaction_events e where e.idempotency_key = ${MESSAGE_EVENT_KEY_PREFIX} || m.id::text)
      order by m.id
      limit ${limit}
    ) o
    left join interaction_events started on started.idempotency_key = ${CONVERSATION_STARTED_KEY_PREFIX} || o.conversation_id::text
    order by o.id`;
}

/** The events the live path queued for the message (one shared builder per kind, message-events.ts). */
export function eventsOwedFor(message: OwedMessage): InteractionEvent[] {
  if (message.author_type === 'agent') return [agentMessageEvent(message, message.customer_id)];
  if (message.author_type === 'bot') return [botReplyEvent(message, message.customer_id)];
  const said = shopperMessageEvent(message, message.customer_id);
  if (!message.owes_start) return [said];
  return [conversationStartedEvent({ id: message.conversation_id, created_at: message.conversation_created_at }, message.customer_id, message.channel), said];
}

export function createOwedEventsSweep(deps: OwedEventsDeps) {
  const { sql, redis, log } = deps;
  const claimKey = (messageId: number) => `${prefixed(deps.config, 'owed-events')}:${messageId}`;
  let running: Promise<number> | null = null;

  async function sweepOnce(): Promise<number> {
    const fromId = await firstMessageIdSince(sql, OWED_EVENTS_MAX_AGE_SECONDS);
    if (fromId === null) return 0;
    const owed = await messagesOwingEvents(sql, fromId);
    if (owed.length === 0) return 0;
    const claims = redis.pipeline();
    for (const message of owed) claims.set(claimKey(message.id), '1', 'PX', CLAIM_TTL_MS, 'NX');
    const results = (await claims.exec()) ?? [];
    // A claim refused (another server has the message) or failed leaves it to another sweep.
    const claimed = owed.filter((_, i) => results[i]?.[0] == null && results[i]?.[1] === 'OK');
    if (claimed.length === 0) return 0;
    log.warn({ messages: claimed.length, firstMessageId: claimed[0].id }, 'queueing history events of stored messages that never got them (Redis away, or a server stopped abruptly?)');
    try {
      await deps.events.enqueueInteractions(claimed.flatMap(eventsOwedFor));
    } catch (error) {
      // Not queued after all: the claims go, so the next sweep (here or elsewhere) takes the messages again.
      await redis.del(...claimed.map((m) => claimKey(m.id))).catch(() => {});
      throw error;
    }
    return claimed.length;
  }

  return {
    /** One sweep; one still running is joined, not doubled. Resolves to how many messages had their events queued. */
    sweep(): Promise<number> {
      running ??= sweepOnce().finally(() => {
        running = null;
      });
      return running;
    },
  };
}

export type OwedEventsSweep = ReturnType<typeof createOwedEventsSweep>;
