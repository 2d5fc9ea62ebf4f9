// The interactions worker on real Postgres and Redis: rows and counters exact,
// re-delivery harmless, bad jobs failed once and kept, database errors retried.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { createQueues, type Queues } from '../../server/queues.ts';
import { QUEUE_INTERACTIONS } from '../../server/interaction-events.ts';
import { startWorkers, type WorkersHandle } from '../../workers/start.ts';
import { actualCounters, chatJobs, countEvents, createShoppers, expectedCounters, interactionEvent, waitUntil, type Shopper } from './fixtures.ts';

const silent = { info: () => {}, warn: () => {} };

describe('interactions worker', () => {
  let env: TestEnv;
  let queues: Queues;
  let workers: WorkersHandle;
  let shoppers: Shopper[];

  const counts = () => queues.queue(QUEUE_INTERACTIONS).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
  const idle = async () => {
    const c = await counts();
    return c.waiting + c.active + c.delayed + c.prioritized === 0;
  };

  beforeAll(async () => {
    env = await createTestEnv();
    queues = createQueues(env.config);
    shoppers = await createShoppers(env.sql, 20);
    workers = await startWorkers(env.config, { queues: [QUEUE_INTERACTIONS], log: silent });
  });

  afterAll(async () => {
    await workers?.close();
    await queues?.close();
    await env?.cleanup();
  });

  const jobs = () => chatJobs(shoppers, 600, 'first');

  it('writes every enqueued event once and keeps exact per-customer counters', async () => {
    for (const job of jobs()) await queues.enqueueInteractions(job);
    await waitUntil('all 600 events stored', async () => (await countEvents(env.sql)) === 600 && (await idle()));

    const c = await counts();
    expect(c.failed).toBe(0);
    expect(c.completed).toBe(jobs().length);
    const [{ distinct }] = await env.sql<{ distinct: number }[]>`select count(distinct idempotency_key)::int as distinct from interaction_events`;
    expect(distinct).toBe(600);
    const expected = expectedCounters(jobs().flat());
    expect(await actualCounters(env.sql, shoppers.map((s) => s.customerId))).toEqual(expected);
    // 20 conversations started, and the timeline keeps type, conversation and payload.
    const [started] = await env.sql<{ n: number }[]>`select count(*)::int as n from interaction_events where type = 'conversation.started'`;
    expect(started.n).toBe(20);
    const [row] = await env.sql<{ payload: { seq: number }; conversation_id: number }[]>`select payload, conversation_id from interaction_events where idempotency_key = 'first:1'`;
    expect(row).toEqual({ payload: { seq: 1 }, conversation_id: shoppers[0].conversationId });
  });

  it('does not add a second job when the same events are enqueued again', async () => {
    const before = await counts();
    for (const job of jobs().slice(0, 50)) await queues.enqueueInteractions(job);
    const after = await counts();
    expect(after.completed + after.waiting + after.active + after.delayed).toBe(before.completed);
  });

  it('re-delivered jobs (new job ids, same events, even in one batch) add no row and move no counter', async () => {
    const before = await actualCounters(env.sql, shoppers.map((s) => s.customerId));
    const interactions = queues.queue(QUEUE_INTERACTIONS);
    // Each job twice, as a crashed worker's job and its re-delivery would be.
    const redelivered = [...jobs(), ...jobs()].map((events) => ({ name: 'events', data: { events } }));
    await interactions.addBulk(redelivered);
    await waitUntil('re-delivered jobs processed', async () => (await counts()).completed >= jobs().length * 3 && (await idle()));

    expect(await countEvents(env.sql)).toBe(600);
    expect(await actualCounters(env.sql, shoppers.map((s) => s.customerId))).toEqual(before);
    expect((await counts()).failed).toBe(0);
  });

  it('fails a malformed job once, keeps it in the failed list, and does not retry it', async () => {
    const interactions = queues.queue(QUEUE_INTERACTIONS);
    const bad = await interactions.add('events', { events: [{ idempotencyKey: 'bad:1', type: 'message.customer', customerId: 'seven', occurredAt: 'yesterday', payload: {} }] });
    const empty = await interactions.add('events', { nothing: true });
    await waitUntil('malformed jobs failed', async () => (await bad.getState()) === 'failed' && (await empty.getState()) === 'failed');

    for (const job of [bad, empty]) {
      const stored = await interactions.getJob(job.id!);
      expect(stored?.attemptsMade).toBe(1); // not retried although 8 attempts are allowed
      expect(stored?.failedReason).toMatch(/^Malformed interactions job: /);
    }
    expect((await interactions.getFailed()).map((j) => j.id)).toEqual(expect.arrayContaining([bad.id, empty.id]));
    const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from interaction_events where idempotency_key = 'bad:1'`;
    expect(n).toBe(0);
  });

  it('a job the database refuses (unknown customer) fails alone; the jobs queued with it (often in its batch) are stored', async () => {
    const at = new Date('2026-02-01T00:00:00Z');
    const ghost = { customerId: 999_999_999, conversationId: shoppers[0].conversationId };
    const good = shoppers.slice(0, 5).map((s, i) => [interactionEvent('message.customer', `mixed:${i}`, s, at)]);
    const interactions = queues.queue(QUEUE_INTERACTIONS);
    const added = await interactions.addBulk([
      ...good.slice(0, 2).map((events) => ({ name: 'events', data: { events } })),
      { name: 'events', data: { events: [interactionEvent('message.customer', 'mixed:ghost', ghost, at)] } },
      ...good.slice(2).map((events) => ({ name: 'events', data: { events } })),
    ]);
    const ghostJob = added[2];
    await waitUntil('mixed jobs settled', async () => (await ghostJob.getState()) === 'failed' && (await idle()));

    const stored = await interactions.getJob(ghostJob.id!);
    expect(stored?.attemptsMade).toBe(1);
    expect(stored?.failedReason).toMatch(/Rejected by Postgres \(23503\)/);
    const keys = await env.sql<{ idempotency_key: string }[]>`select idempotency_key from interaction_events where idempotency_key like 'mixed:%' order by 1`;
    expect(keys.map((k) => k.idempotency_key)).toEqual(['mixed:0', 'mixed:1', 'mixed:2', 'mixed:3', 'mixed:4']);
  });

  it('retries with backoff when Postgres fails, and stores the events once it works again', async () => {
    await env.sql`alter table interaction_events rename to interaction_events_away`;
    const events = [interactionEvent('message.customer', 'retry:1', shoppers[1], new Date('2026-03-01T00:00:00Z'))];
    const job = await queues.queue(QUEUE_INTERACTIONS).add('events', { events });
    try {
      await waitUntil('first attempt failed and a retry is scheduled', async () => (await job.getState()) === 'delayed');
    } finally {
      await env.sql`alter table interaction_events_away rename to interaction_events`;
    }
    await waitUntil('retry completed', async () => (await job.getState()) === 'completed');
    const stored = await queues.queue(QUEUE_INTERACTIONS).getJob(job.id!);
    expect(stored?.attemptsMade).toBeGreaterThanOrEqual(1);
    const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from interaction_events where idempotency_key = 'retry:1'`;
    expect(n).toBe(1);
  });
});
