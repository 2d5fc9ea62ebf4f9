// The feedback worker on real Postgres and Redis: CSAT and article-helpfulness
// rows, idempotent by key, each with a `rating` event on the customer's timeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { createQueues, type Queues } from '../../server/queues.ts';
import { QUEUE_FEEDBACK, type FeedbackJob } from '../../server/interaction-events.ts';
import { startWorkers, type WorkersHandle } from '../../workers/start.ts';
import { createShoppers, waitUntil, type Shopper } from './fixtures.ts';

const silent = { info: () => {}, warn: () => {} };

describe('feedback worker', () => {
  let env: TestEnv;
  let queues: Queues;
  let workers: WorkersHandle;
  let shopper: Shopper;

  const idle = async () => {
    const c = await queues.queue(QUEUE_FEEDBACK).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return c.waiting + c.active + c.delayed + c.prioritized === 0;
  };
  const feedbackRows = () => env.sql<{ kind: string; rating: number | null; helpful: boolean | null; comment: string | null; message_id: number | null; article_id: number | null; created_at: Date }[]>`
    select kind, rating, helpful, comment, message_id, article_id, created_at from feedback order by id`;
  const ratingEvents = () => env.sql<{ idempotency_key: string; payload: Record<string, unknown>; customer_id: number }[]>`
    select idempotency_key, payload, customer_id from interaction_events where type = 'rating' order by id`;

  beforeAll(async () => {
    env = await createTestEnv();
    queues = createQueues(env.config);
    [shopper] = await createShoppers(env.sql, 1);
    workers = await startWorkers(env.config, { queues: [QUEUE_FEEDBACK], log: silent });
  });

  afterAll(async () => {
    await workers?.close();
    await queues?.close();
    await env?.cleanup();
  });

  const csat = (rating: number, comment: string | null, occurredAt: string): FeedbackJob => ({
    kind: 'csat', idempotencyKey: `csat:${shopper.conversationId}`, customerId: shopper.customerId, conversationId: shopper.conversationId, rating, comment, occurredAt,
  });

  it('stores a CSAT once, with a rating event on the timeline, however often the job is delivered', async () => {
    const job = csat(4, 'Quick and kind', '2026-04-01T10:00:00.000Z');
    await queues.enqueueFeedback(job);
    await waitUntil('CSAT stored', async () => (await feedbackRows()).length === 1 && (await idle()));
    // Re-delivery: the same job again under new job ids.
    await queues.queue(QUEUE_FEEDBACK).addBulk([{ name: 'csat', data: job }, { name: 'csat', data: job }]);
    await waitUntil('re-deliveries processed', async () => (await queues.queue(QUEUE_FEEDBACK).getCompletedCount()) === 3 && (await idle()));

    const rows = await feedbackRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'csat', rating: 4, comment: 'Quick and kind', helpful: null });
    expect(rows[0].created_at.toISOString()).toBe('2026-04-01T10:00:00.000Z');
    const events = await ratingEvents();
    expect(events).toEqual([{ idempotency_key: `rating:csat:${shopper.conversationId}`, payload: { kind: 'csat', rating: 4, comment: 'Quick and kind' }, customer_id: shopper.customerId }]);
    const [customer] = await env.sql<{ last_seen_at: Date }[]>`select last_seen_at from customers where id = ${shopper.customerId}`;
    expect(customer.last_seen_at.toISOString()).toBe('2026-04-01T10:00:00.000Z');
  });

  it('a later CSAT for the same conversation replaces the rating; an older re-delivery does not undo it', async () => {
    await queues.enqueueFeedback(csat(2, 'Changed my mind', '2026-04-01T11:00:00.000Z'));
    await waitUntil('new rating stored', async () => (await feedbackRows())[0]?.rating === 2 && (await idle()));
    // The first rating's job delivered once more, late.
    await queues.queue(QUEUE_FEEDBACK).add('csat', csat(4, 'Quick and kind', '2026-04-01T10:00:00.000Z'));
    await waitUntil('late re-delivery processed', async () => (await queues.queue(QUEUE_FEEDBACK).getCompletedCount()) === 5 && (await idle()));

    const rows = await feedbackRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rating: 2, comment: 'Changed my mind' });
    const events = await ratingEvents();
    expect(events).toHaveLength(1);
    expect(events[0].payload).toEqual({ kind: 'csat', rating: 2, comment: 'Changed my mind' });
  });

  it('stores article helpfulness idempotently', async () => {
    const job: FeedbackJob = {
      kind: 'article', idempotencyKey: 'article:77:3', customerId: shopper.customerId, conversationId: shopper.conversationId,
      messageId: 77, articleId: 3, helpful: false, occurredAt: '2026-04-02T09:00:00.000Z',
    };
    await queues.enqueueFeedback(job);
    await queues.queue(QUEUE_FEEDBACK).add('article', job);
    await waitUntil('article feedback processed', async () => (await queues.queue(QUEUE_FEEDBACK).getCompletedCount()) === 7 && (await idle()));

    const articles = (await feedbackRows()).filter((r) => r.kind === 'article');
    expect(articles).toHaveLength(1);
    expect(articles[0]).toMatchObject({ helpful: false, rating: null, message_id: 77, article_id: 3 });
    const events = (await ratingEvents()).filter((e) => e.idempotency_key === 'rating:article:77:3');
    expect(events).toHaveLength(1);
    expect(events[0].payload).toEqual({ kind: 'article', messageId: 77, articleId: 3, helpful: false });
  });

  it("does not store the rating of a shopper blocked after the route's check, before the rating was stored", async () => {
    const [blocked] = await createShoppers(env.sql, 1);
    // The route checked the block and queued the rating; the agent's block landed in between.
    await env.sql`update customers set blocked_at = now(), block_reason = 'abuse' where id = ${blocked.customerId}`;
    const job = await queues.queue(QUEUE_FEEDBACK).add('csat', {
      kind: 'csat', idempotencyKey: `csat:${blocked.conversationId}`, customerId: blocked.customerId, conversationId: blocked.conversationId,
      rating: 1, comment: 'you blocked me', occurredAt: new Date().toISOString(),
    } satisfies FeedbackJob);
    await waitUntil('the rating job done', async () => (await job.getState()) === 'completed');
    const [{ ratings, events }] = await env.sql<{ ratings: number; events: number }[]>`
      select (select count(*)::int from feedback where conversation_id = ${blocked.conversationId}) as ratings,
             (select count(*)::int from interaction_events where customer_id = ${blocked.customerId}) as events`;
    expect([ratings, events]).toEqual([0, 0]);
  });

  it('fails malformed feedback once and keeps it', async () => {
    const job = await queues.queue(QUEUE_FEEDBACK).add('csat', { kind: 'csat', idempotencyKey: 'csat:x', customerId: shopper.customerId, conversationId: shopper.conversationId, rating: 9, comment: null, occurredAt: '2026-04-03T00:00:00Z' });
    await waitUntil('malformed feedback failed', async () => (await job.getState()) === 'failed');
    const stored = await queues.queue(QUEUE_FEEDBACK).getJob(job.id!);
    expect(stored?.attemptsMade).toBe(1);
    expect(stored?.failedReason).toMatch(/^Malformed feedback job: \/rating/);
    const [{ n }] = await env.sql<{ n: number }[]>`select count(*)::int as n from feedback where idempotency_key = 'csat:x'`;
    expect(n).toBe(0);
  });
});
