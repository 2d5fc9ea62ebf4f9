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
// A bot turn's bot.decision is rebuilt from its stored reply: the reply's metadata holds what the decision said (the
// action, intent, confidence, articles, encoder) and its client id names the question. Not covered: a turn that stored
// no reply (a silent hand-off), whose decision went out alone and failed loudly; and replies stored before the action
// was kept in their metadata (their message.bot is rebuilt, not their decision).
//
// Each sweep reads only the messages since a shared watermark (see WATERMARK_MARGIN_SECONDS), not the whole day.
import type { Redis } from 'ioredis';
import type { Sql } from '../db/client.ts';
import { prefixed, type Config } from '../config.ts';
import { BOT_REPLY_PREFIX, type MessageRow } from '../repositories/conversations.ts';
import { deletedCustomer } from '../repositories/customers.ts';
import type { EventSink } from './chat-service.ts';
import type { InteractionEvent } from '../interaction-events.ts';
import {
  agentMessageEvent, BOT_DECISION_KEY_PREFIX, botDecisionEvent, botReplyEvent, conversationStartedEvent, CONVERSATION_STARTED_KEY_PREFIX,
  MESSAGE_EVENT_KEY_PREFIX, shopperMessageEvent,
} from './message-events.ts';

/**
 * How old a message must be before a sweep takes it: its live enqueue goes out right after the insert (behind a group
 * commit, and for a bot reply after the reply's transaction) and the worker writes it within a second or two when all
 * is well. 60 s leaves the live path and a busy worker that time, so a sweep rarely queues what is on its way.
 */
export const OWED_EVENTS_GRACE_SECONDS = 60;

/** Messages older than this are not looked at: a day covers any Redis outage or restart worth the name. */
export const OWED_EVENTS_MAX_AGE_SECONDS = 24 * 60 * 60;

/**
 * Each sweep checks the messages since the watermark (below) against the unique index of interaction_events (one probe
 * each); every few minutes is soon enough: a history event late by minutes after an outage is still on time.
 */
export const OWED_EVENTS_SWEEP_MS = 5 * 60_000;

/**
 * How long a claim holds: long enough that the events queued are written by the workers (or wait in the queue under
 * their job id) before another sweep looks, so a message is not queued again each minute while the workers catch up.
 */
const CLAIM_TTL_MS = 10 * 60_000;

/** Messages taken per sweep; after a long outage the rest wait for the next sweep (or another server's). */
const BATCH = 500;

/**
 * The watermark: a time (the database's clock) before which every message has its events stored, or owes none. A sweep
 * reads only the messages from there on (with OWED_EVENTS_MAX_AGE_SECONDS still the limit), so with all well each sweep
 * reads the last few minutes' messages instead of the day's, one probe each: ~150 times fewer probes at the default
 * period. It is one Redis key shared by every server (a sweep's work is shared too, through the claims).
 *
 * Why a watermark rather than marking each message whose events are confirmed: marking means an update of every chat
 * message after its event is written (by the workers, on the busiest table, doubling its writes and dead rows) to save
 * reads of a few minutes' messages; the watermark costs one Redis key. In Redis rather than a Postgres row: no write on
 * the database each sweep, and losing it costs only one full read (below).
 *
 * Why it stays correct:
 * - It never passes a message still owing: it is set at or below the oldest message the sweep found owing (queued now
 *   or claimed by another server), so those are read again until their events are stored in Postgres, not merely
 *   queued. A queue lost with its Redis (no persistence) is therefore recovered too. (A message whose events could
 *   never be stored would hold it back, and the sweeps read from there, as they all did before, until it is a day old.)
 * - It is set WATERMARK_MARGIN_SECONDS below what the sweep read up to (now − grace): a message's created_at is its
 *   transaction's start, so a transaction still open when the sweep read (invisible to it) may commit a message older
 *   than that bound; it is read by a later sweep if it commits within the margin. No transaction that writes messages
 *   stays open that long (they take milliseconds; a bot turn's ends once its reply is stored).
 * - It is written last, after the events are queued: a server stopped mid-sweep leaves the previous one, and the next
 *   sweep only reads more. Lost (a Redis without persistence restarted), the next sweep reads the whole day again.
 *   Servers racing to set it each write a value true of what they read; the later write wins, either is safe.
 */
export const WATERMARK_MARGIN_SECONDS = 5 * 60;

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
  /** The message's own event (msg:<id>) is not stored. */
  owes_message: boolean;
  /** A bot reply whose turn's bot.decision is not stored; the question it answered is question_id / question_body. */
  owes_decision: boolean;
  question_id: number | null;
  question_body: string | null;
  /** The shopper's message began the chat and the chat's start was never recorded either (they shared one enqueue). */
  owes_start: boolean;
}

/**
 * The first message id created at or after `notBefore` and in the last `seconds` (at or after the returned id), or null
 * when there is none. messages has no index on created_at, but ids grow with it: a binary search over the primary key,
 * one index probe per step, finds the window's start without reading the older rows. (created_at is the inserting
 * transaction's start, so near the edge the order may be off by the length of a transaction: a second either way.)
 */
export async function firstMessageIdSince(sql: Sql, seconds: number, notBefore: Date | null = null): Promise<number | null> {
  const [bounds] = await sql<{ lo: number | null; hi: number | null }[]>`select min(id) as lo, max(id) as hi from messages`;
  if (bounds?.lo == null || bounds.hi == null) return null;
  // Whether the first message at or after `id` is recent; false for ids past the last message. (greatest ignores a null.)
  const recentFrom = async (id: number) => {
    const [row] = await sql<{ recent: boolean }[]>`
      select created_at >= greatest(now() - make_interval(secs => ${seconds}), ${notBefore}::timestamptz) as recent
      from messages where id >= ${id} order by id limit 1`;
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

export interface CheckedMessages {
  /** How many messages the check read (from `fromId`, created before its bound): what a sweep costs. */
  checked: number;
  /** Those owing events, oldest first, at most `limit`. */
  owed: OwedMessage[];
}

/**
 * Reads the stored messages from `fromId` created before `before` (default: now − grace) and returns those owing
 * events: shoppers', agents' (replies and notes) and the bot's replies to questions — the messages the live path queues
 * events for — each checked against the unique index on interaction_events.idempotency_key (its msg:<id> key; for a
 * bot reply with its action stored, its turn's decision:<question id> key too). Chats imported from another tool (their
 * history is written by the import), anonymised ones and deleted customers' (the worker drops their events) owe nothing.
 */
export async function checkMessages(sql: Sql, fromId: number, options: { before?: Date; limit?: number } = {}): Promise<CheckedMessages> {
  const before = options.before ? sql`${options.before}::timestamptz` : sql`now() - make_interval(secs => ${OWED_EVENTS_GRACE_SECONDS})`;
  // The window's light columns are read once (counted, then checked); the full rows only for the page owing. The
  // chat's start and the question are looked up by a join on that page, not a subquery per scanned row: Postgres may
  // plan such a subquery as one hashed read of all of interaction_events. The question is found by text comparison of
  // the reply's client id, never by casting it, so no stored client id can make the statement fail.
  const rows = await sql<(Partial<OwedMessage> & { checked: number })[]>`
    with candidates as materialized (
      select m.id, m.conversation_id, m.author_type, m.client_id, m.metadata ? 'action' as decided
      from messages m
      where m.id >= ${fromId} and m.created_at < ${before}
    ),
    owing as (
      select w.id, c.customer_id, c.channel, c.created_at as conversation_created_at, w.owes_message, w.owes_decision
      from (
        select w.id, w.conversation_id,
          not exists (select 1 from interaction_events e where e.idempotency_key = ${MESSAGE_EVENT_KEY_PREFIX} || w.id::text) as owes_message,
          w.author_type = 'bot' and w.decided and not exists (
            select 1 from interaction_events e
            where e.idempotency_key = ${BOT_DECISION_KEY_PREFIX} || substr(w.client_id, ${BOT_REPLY_PREFIX.length + 1})) as owes_decision
        from candidates w
        where w.author_type in ('customer', 'agent') or (w.author_type = 'bot' and w.client_id like ${`${BOT_REPLY_PREFIX}%`})
      ) w
      join conversations c on c.id = w.conversation_id
      join customers cu on cu.id = c.customer_id
      where (w.owes_message or w.owes_decision)
        and c.imported_from is null and c.anonymised_at is null and not ${deletedCustomer(sql, 'cu')}
      order by w.id
      limit ${options.limit ?? BATCH}
    )
    select k.checked, m.*, null as author_name, o.customer_id, o.channel, o.conversation_created_at, o.owes_message, o.owes_decision,
      q.id as question_id, q.body as question_body,
      m.author_type = 'customer' and started.id is null
        and not exists (select 1 from messages earlier where earlier.conversation_id = m.conversation_id and earlier.id < m.id)
        as owes_start
    from (select count(*)::int as checked from candidates) k
    left join (owing o join messages m on m.id = o.id) on true
    left join interaction_events started on started.idempotency_key = ${CONVERSATION_STARTED_KEY_PREFIX} || m.conversation_id::text
    left join lateral (
      select q.id, q.body from messages q
      where o.owes_decision and q.conversation_id = m.conversation_id and m.client_id = ${BOT_REPLY_PREFIX} || q.id::text
    ) q on true
    order by m.id`;
  // Nothing owing: the one row carries the count alone.
  return { checked: rows[0]?.checked ?? 0, owed: rows.filter((r) => r.id != null) as OwedMessage[] };
}

/** The messages owing events from `fromId` (checkMessages without its count). */
export async function messagesOwingEvents(sql: Sql, fromId: number, limit = BATCH): Promise<OwedMessage[]> {
  return (await checkMessages(sql, fromId, { limit })).owed;
}

/** The events the live path queued for the message (one shared builder per kind, message-events.ts). */
export function eventsOwedFor(message: OwedMessage): InteractionEvent[] {
  if (message.author_type === 'agent') return [agentMessageEvent(message, message.customer_id)];
  if (message.author_type === 'bot') {
    const owed = message.owes_message ? [botReplyEvent(message, message.customer_id)] : [];
    // The reply's metadata is what the turn recorded as its decision (chat-service.ts stores one for the other).
    if (message.owes_decision && message.question_id !== null && message.question_body !== null) {
      owed.push(botDecisionEvent({ id: message.question_id, body: message.question_body }, message.customer_id, message.conversation_id, message.metadata, message.created_at));
    }
    return owed;
  }
  const said = shopperMessageEvent(message, message.customer_id);
  if (!message.owes_start) return [said];
  return [conversationStartedEvent({ id: message.conversation_id, created_at: message.conversation_created_at }, message.customer_id, message.channel), said];
}

export interface SweepReport {
  /** Messages read (since the watermark). */
  checked: number;
  /** Messages whose events this sweep queued. */
  queued: number;
}

export function createOwedEventsSweep(deps: OwedEventsDeps) {
  const { sql, redis, log } = deps;
  const claimKey = (messageId: number) => `${prefixed(deps.config, 'owed-events')}:${messageId}`;
  const watermarkKey = `${prefixed(deps.config, 'owed-events')}:checked-before`;
  let running: Promise<SweepReport> | null = null;

  async function readWatermark(): Promise<Date | null> {
    const stored = Number(await redis.get(watermarkKey));
    return Number.isFinite(stored) && stored > 0 ? new Date(stored) : null;
  }

  /** Every message created before `at` has its events stored (or owes none); kept a day, the sweep's horizon. */
  async function setWatermark(at: Date): Promise<void> {
    await redis.set(watermarkKey, String(at.getTime()), 'PX', OWED_EVENTS_MAX_AGE_SECONDS * 1000);
  }

  async function sweepOnce(): Promise<SweepReport> {
    // The bound is fixed first, on the database's clock (the clock of created_at), so the watermark set from it is true
    // of exactly what was read.
    const [{ before }] = await sql<{ before: Date }[]>`select now() - make_interval(secs => ${OWED_EVENTS_GRACE_SECONDS}) as before`;
    const margin = (at: Date) => new Date(at.getTime() - WATERMARK_MARGIN_SECONDS * 1000);
    const fromId = await firstMessageIdSince(sql, OWED_EVENTS_MAX_AGE_SECONDS, await readWatermark());
    if (fromId === null) {
      await setWatermark(margin(before));
      return { checked: 0, queued: 0 };
    }
    const { checked, owed } = await checkMessages(sql, fromId, { before });
    // At or below the oldest message still owing (queued below, or claimed elsewhere): it is read again until stored.
    const oldestOwing = owed.reduce((oldest, m) => (m.created_at < oldest ? m.created_at : oldest), before);
    const queued = await queueOwed(owed);
    await setWatermark(margin(oldestOwing));
    return { checked, queued };
  }

  /** Claims the messages and queues their events; how many this server queued. */
  async function queueOwed(owed: OwedMessage[]): Promise<number> {
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
    /** One sweep; one still running is joined, not doubled. Resolves to how many messages it read and queued events for. */
    sweep(): Promise<SweepReport> {
      running ??= sweepOnce().finally(() => {
        running = null;
      });
      return running;
    },
  };
}

export type OwedEventsSweep = ReturnType<typeof createOwedEventsSweep>;
