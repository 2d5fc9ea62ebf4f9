// The producer side: events become jobs under this install's Redis prefix,
// large groups are split, and enqueueing the same events twice adds nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { createQueues, EVENTS_PER_JOB, type Queues } from '../../server/queues.ts';
import { QUEUE_FEEDBACK, QUEUE_INTERACTIONS, type InteractionJob } from '../../server/interaction-events.ts';
import { interactionEvent } from './fixtures.ts';

describe('createQueues', () => {
  let env: TestEnv;
  let queues: Queues;
  let redis: Redis;

  beforeAll(async () => {
    env = await createTestEnv();
    redis = new Redis(env.config.redisUrl);
    queues = createQueues(env.config, redis); // a shared connection stays open after close()
  });

  afterAll(async () => {
    await queues?.close();
    redis?.disconnect();
    await env?.cleanup();
  });

  const shopper = { customerId: 1, conversationId: 1 };
  const events = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => interactionEvent('message.customer', `${prefix}:${i}`, shopper, new Date(Date.UTC(2026, 0, 1, 0, 0, i))));

  it('splits a large group into jobs of at most EVENTS_PER_JOB, all under the install prefix', async () => {
    await queues.enqueueInteractions(events(EVENTS_PER_JOB * 2 + 50, 'big'));
    const jobs = await queues.queue(QUEUE_INTERACTIONS).getWaiting(0, -1);
    expect(jobs.map((j) => (j.data as InteractionJob).events.length).sort((a, b) => a - b)).toEqual([50, EVENTS_PER_JOB, EVENTS_PER_JOB]);
    expect(jobs.every((j) => j.opts.attempts === 8 && j.opts.removeOnFail === false)).toBe(true);
    // Stored under <REDIS_PREFIX>:bull, so another install or test file on the same Redis never sees them.
    const base = `${env.config.redisPrefix}:bull:${QUEUE_INTERACTIONS}`;
    expect(await redis.llen(`${base}:wait`)).toBe(3);
    for (const job of jobs) expect(await redis.exists(`${base}:${job.id}`)).toBe(1);
  });

  it('the same events enqueued twice make one job; other events make another', async () => {
    const before = await queues.queue(QUEUE_INTERACTIONS).getWaitingCount();
    await queues.enqueueInteractions(events(2, 'twice'));
    await queues.enqueueInteractions(events(2, 'twice'));
    await queues.enqueueInteractions(events(2, 'other'));
    await queues.enqueueInteractions([]);
    expect(await queues.queue(QUEUE_INTERACTIONS).getWaitingCount()).toBe(before + 2);
  });

  it('queues feedback; a later rating with the same key is a new job', async () => {
    const csat = { kind: 'csat' as const, idempotencyKey: 'csat:1', customerId: 1, conversationId: 1, rating: 5, comment: null, occurredAt: '2026-01-01T00:00:00.000Z' };
    await queues.enqueueFeedback(csat);
    await queues.enqueueFeedback(csat);
    await queues.enqueueFeedback({ ...csat, rating: 3, occurredAt: '2026-01-01T00:05:00.000Z' });
    const jobs = await queues.queue(QUEUE_FEEDBACK).getWaiting(0, -1);
    expect(jobs.map((j) => j.data.rating).sort()).toEqual([3, 5]);
  });
});
