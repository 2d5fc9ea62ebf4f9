// Graceful shutdown: close() while jobs are parked in the batcher finishes
// them all (rows committed, jobs completed) and leaves nothing active.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { createQueues, type Queues } from '../../server/queues.ts';
import { QUEUE_INTERACTIONS, type InteractionJob } from '../../server/interaction-events.ts';
import { startWorkers } from '../../workers/start.ts';
import { chatJobs, countEvents, createShoppers, waitUntil } from './fixtures.ts';

describe('workers graceful shutdown', () => {
  let env: TestEnv;
  let queues: Queues;

  beforeAll(async () => {
    env = await createTestEnv();
    queues = createQueues(env.config);
  });

  afterAll(async () => {
    await queues?.close();
    await env?.cleanup();
  });

  it('close() while jobs are in flight completes every one of them and leaves none active', async () => {
    const shoppers = await createShoppers(env.sql, 10);
    const jobs = chatJobs(shoppers, 2000, 'drain');
    for (const events of jobs) await queues.enqueueInteractions(events);
    const interactions = queues.queue(QUEUE_INTERACTIONS);

    // A long flush delay parks fetched jobs in the batcher, so close() surely meets jobs in flight.
    const workers = await startWorkers(env.config, {
      queues: [QUEUE_INTERACTIONS],
      settings: { batchFlushMs: 60_000, batchMaxEvents: 100_000, interactionsConcurrency: 50 },
      log: { info: () => {}, warn: () => {} },
    });
    await waitUntil('jobs in flight', async () => (await interactions.getActiveCount()) === 50);
    const inFlight = await interactions.getActive();
    expect(await countEvents(env.sql)).toBe(0); // nothing committed yet: all 50 wait on the batcher

    await workers.close();

    const counts = await interactions.getJobCounts('active', 'failed', 'completed', 'waiting');
    expect(counts.active).toBe(0);
    expect(counts.failed).toBe(0);
    for (const job of inFlight) expect(await job.getState()).toBe('completed');
    // Rows are exactly the events of the completed jobs; the waiting jobs stay queued for the next worker.
    const waiting = await interactions.getWaiting(0, -1);
    const waitingEvents = waiting.reduce((sum, job) => sum + (job.data as InteractionJob).events.length, 0);
    expect(counts.completed).toBeGreaterThanOrEqual(inFlight.length);
    expect(counts.completed + counts.waiting).toBe(jobs.length);
    expect(await countEvents(env.sql)).toBe(2000 - waitingEvents);
  });
});
