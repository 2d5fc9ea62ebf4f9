// Migration 065's daily counts of the reported events (report_event_days) and the report that reads them: the events
// held before the migration are counted by it, the ones written after by the triggers — once, however often the
// interactions worker's job is retried — deletions and a customer's erasure (payloads cut down) move the counts, and
// the report's bot figures over ranges mixing old and new events, in zones whose days do not start at a UTC
// midnight (half-hour offsets, a daylight-saving change), equal the same figures counted from the events one by one.
// Real Postgres: a database of this file's own, migrated to 064, filled, then migrated on (support/migration-db.ts).
import { afterAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../server/db/client.ts';
import { buildReport, resolveRange } from '../../server/services/console-reports.ts';
import { writeInteractionBatch } from '../../workers/interaction-store.ts';
import type { InteractionEvent } from '../../server/interaction-events.ts';
import { NOT_KNOWN_REASONS } from '../../knowledge-base/types.ts';
import { databaseBefore, type DatabaseBefore } from '../support/migration-db.ts';

const THIS_ONE = '065_report_event_days.sql';
let database: DatabaseBefore | undefined;

afterAll(async () => {
  await database?.drop();
});

interface Payload { intent?: string | null; reason?: string | null; action?: string | null; question?: string }
interface Written { type: string; payload: Payload; at: Date }

/**
 * A spread of bot turns and hand-offs: every few hours over 12 days of March 2024 (New York's clocks moved on the
 * 10th), with the payload shapes the report tells apart — recognised intents, an unsure guess, misses, clarifications,
 * hand-offs with and without a reason, an empty intent and a turn stored before reasons existed.
 */
function spread(first: number, count: number, keyPrefix: string): (Written & { key: string })[] {
  const payloads: [string, Payload][] = [
    ['bot.decision', { intent: 'order_status', reason: 'intent', action: 'answer' }],
    ['bot.decision', { intent: 'refund_request', reason: 'intent_action', action: 'answer' }],
    ['bot.decision', { intent: 'returns', reason: 'kb_passage', action: 'answer' }],
    ['bot.decision', { intent: null, reason: 'no_match', action: 'clarify' }],
    ['bot.decision', { intent: 'sizes', reason: 'ambiguous', action: 'clarify' }],
    ['bot.decision', { intent: null, reason: 'repeated_miss', action: 'handoff' }],
    ['bot.decision', { intent: 'order_status', action: 'answer' }],
    ['bot.decision', { intent: '', reason: 'intent', action: 'answer' }],
    ['handoff', { reason: 'customer_request' }],
    ['handoff', { reason: 'negative_sentiment' }],
    ['handoff', {}],
  ];
  return Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const [type, payload] = payloads[n % payloads.length];
    // 5 h 17 min apart from 2024-03-01 00:00 UTC: the events fall at every hour of the day, in every zone.
    const at = new Date(Date.UTC(2024, 2, 1) + n * (5 * 60 + 17) * 60_000);
    return { key: `${keyPrefix}:${n}`, type, payload: { ...payload, question: `question ${n}` }, at };
  });
}

/** The report's bot figures counted from the events one by one, as the report defines them. */
function expected(events: Written[], start: Date, end: Date) {
  const inRange = events.filter((e) => e.at >= start && e.at < end);
  const decisions = inRange.filter((e) => e.type === 'bot.decision');
  const tally = (keys: string[]) => [...keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())];
  const intents = tally(decisions.filter((e) => e.payload.intent && ['intent', 'intent_action', 'order_status'].includes(e.payload.reason ?? 'intent')).map((e) => e.payload.intent!))
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).slice(0, 10).map(([intent, count]) => ({ intent, count }));
  const reasons = tally(inRange.filter((e) => e.type === 'handoff').map((e) => e.payload.reason ?? 'bot'))
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1)).map(([reason, count]) => ({ reason, count }));
  const unanswered = decisions.filter((e) => NOT_KNOWN_REASONS.includes(e.payload.reason ?? '')).length;
  return {
    botQuestions: {
      total: decisions.length, answered: decisions.filter((e) => e.payload.action === 'answer').length,
      clarified: decisions.filter((e) => e.payload.reason === 'ambiguous').length, unanswered,
      handedOff: decisions.filter((e) => e.payload.action === 'handoff').length,
      unansweredRate: decisions.length ? Number((unanswered / decisions.length).toFixed(4)) : null,
    },
    topIntents: intents,
    handoffReasons: reasons,
  };
}

/** The daily counts as the triggers keep them, and as counted again from the events now held (zero rows left out). */
async function countsKeptAndRecounted(db: Sql) {
  const kept = await db`select day::text, type, intent, reason, action, events::int from report_event_days where events <> 0
                        order by 1, 2, 3 nulls first, 4 nulls first, 5 nulls first`;
  const recounted = await db`
    select (occurred_at at time zone 'UTC')::date::text as day, type, payload ->> 'intent' as intent, payload ->> 'reason' as reason,
           payload ->> 'action' as action, count(*)::int as events
    from interaction_events where type in ('bot.decision', 'handoff')
    group by 1, 2, 3, 4, 5 order by 1, 2, 3 nulls first, 4 nulls first, 5 nulls first`;
  return { kept: [...kept], recounted: [...recounted] };
}

describe('migration 065: the reported events counted per day', () => {
  it('counts the events held before it and those written after, once each, and the report equals the events one by one in any zone', async () => {
    database = await databaseBefore(THIS_ONE, { max: 2 });
    const db = database.sql;

    const [{ id: customerId }] = await db<{ id: number }[]>`insert into customers (name) values ('Rollup Shopper') returning id::int`;
    const [{ id: erasedId }] = await db<{ id: number }[]>`insert into customers (name) values ('Erased Shopper') returning id::int`;
    // Before the migration: the first 40 events, and a message event, which the report does not count.
    const old = spread(0, 40, 'old');
    for (const e of old) {
      await db`insert into interaction_events (idempotency_key, customer_id, type, payload, occurred_at)
               values (${e.key}, ${customerId}, ${e.type}, ${db.json(e.payload as never)}, ${e.at})`;
    }
    await db`insert into interaction_events (idempotency_key, customer_id, type, payload, occurred_at)
             values ('old:message', ${customerId}, 'message.customer', ${db.json({ text: 'hi' })}, ${old[3].at})`;

    expect(await database.migrateOn()).toEqual([THIS_ONE]);
    const backfilled = await countsKeptAndRecounted(db);
    expect(backfilled.kept.reduce((n, r) => n + r.events, 0)).toBe(40);
    expect(backfilled.kept).toEqual(backfilled.recounted);

    // After it, through the interactions worker's own statement, in two batches; the second job then runs again
    // (a retry after a lost acknowledgement) with its events and one new one: only the new one counts.
    const fresh = spread(40, 20, 'new');
    const asJob = (events: (Written & { key: string })[], customer = customerId): InteractionEvent[] => events.map((e) => ({
      idempotencyKey: e.key, type: e.type as InteractionEvent['type'], customerId: customer, conversationId: null, occurredAt: e.at.toISOString(), payload: e.payload as Record<string, unknown>,
    }));
    expect((await writeInteractionBatch(db, asJob(fresh.slice(0, 10)))).inserted).toBe(10);
    expect((await writeInteractionBatch(db, asJob(fresh.slice(10, 19)))).inserted).toBe(9);
    expect((await writeInteractionBatch(db, asJob(fresh.slice(10)))).inserted).toBe(1);
    expect((await writeInteractionBatch(db, asJob(fresh))).inserted).toBe(0);
    // Another shopper's turns, then their erasure: the reported events stay, detached and cut down to the reported
    // fields (customer-privacy.ts), an update of every row that must leave the counts as they were.
    const erased = spread(60, 11, 'erased');
    await writeInteractionBatch(db, asJob(erased, erasedId));
    await db`update interaction_events set customer_id = null, payload = payload - 'question' where customer_id = ${erasedId}`;
    // And a row deleted (a conversation's cascade would do the same).
    await db`delete from interaction_events where idempotency_key = 'old:5'`;
    const events: Written[] = [...old.filter((e) => e.key !== 'old:5'), ...fresh, ...erased];

    const afterwards = await countsKeptAndRecounted(db);
    expect(afterwards.kept.reduce((n, r) => n + r.events, 0)).toBe(events.length);
    expect(afterwards.kept).toEqual(afterwards.recounted);

    // Ranges over old and new events alike, a day of the reader's zone starting at any hour of UTC: whole UTC days
    // come from the counts, the edges from the events.
    const ranges: [string, string, string][] = [
      ['2024-03-01', '2024-03-16', 'UTC'],
      ['2024-03-02', '2024-03-09', 'Asia/Kolkata'], // UTC+5:30
      ['2024-03-03', '2024-03-13', 'America/New_York'], // the 10th is 23 hours long
      ['2024-03-05', '2024-03-05', 'Australia/Lord_Howe'], // UTC+11: one day, inside two UTC days
      ['2024-03-06', '2024-03-06', 'UTC'], // one whole UTC day
      ['2024-03-07', '2024-03-11', 'Asia/Kathmandu'], // UTC+5:45
      ['2024-02-20', '2024-02-28', 'UTC'], // before every event
    ];
    for (const [from, to, zone] of ranges) {
      const range = resolveRange(from, to, new Date(), zone);
      const report = await buildReport(db, range);
      expect({ zone, from, to, botQuestions: report.botQuestions, topIntents: report.topIntents, handoffReasons: report.handoffReasons })
        .toEqual({ zone, from, to, ...expected(events, range.start, range.end) });
    }
    // The ranges are not empty by accident: the first holds every event.
    expect((await buildReport(db, resolveRange('2024-03-01', '2024-03-16'))).botQuestions.total).toBe(events.filter((e) => e.type === 'bot.decision').length);

    // A table emptied at once (a test's reset, an operator's truncate) empties the counts with it.
    await db`truncate interaction_events`;
    expect((await countsKeptAndRecounted(db)).kept).toEqual([]);
  });
});
