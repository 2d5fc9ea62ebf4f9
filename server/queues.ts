// The producer side of the BullMQ queues, used by the server. Jobs are
// namespaced with prefixed(config, 'bull') so installs and test files sharing a
// Redis never see each other's jobs. Every job is retried with exponential
// backoff; completed jobs are trimmed, failed ones are kept for inspection.
import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { prefixed, type Config } from './config.ts';
import { QUEUE_FEEDBACK, QUEUE_INTERACTIONS, type FeedbackJob, type InteractionEvent, type InteractionJob } from './interaction-events.ts';
import { reachable } from './redis-outages.ts';

/** The producer splits bigger groups into several jobs (the worker refuses jobs above its own cap of 500). */
export const EVENTS_PER_JOB = 200;

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  // 8 attempts, 1 s doubling: a Postgres outage of about two minutes loses nothing.
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: false,
};

export interface Queues {
  /**
   * Queues the events as one job (several jobs of EVENTS_PER_JOB when more); resolves once Redis has them. Rejects at
   * once while Redis is away (redis-outages.ts, reachable): a chat message's sender does not wait for Redis, and the
   * owed-events sweep queues a stored message's events once it is back.
   */
  enqueueInteractions(events: InteractionEvent[]): Promise<void>;
  enqueueFeedback(job: FeedbackJob): Promise<void>;
  /** Any queue by name, created on first use with the same prefix and job options (e.g. kb-train, kb-index). */
  queue(name: string): Queue;
  close(): Promise<void>;
}

/** Options shared by producers and workers: the Redis prefix that isolates this install. */
export function bullPrefix(config: Pick<Config, 'redisPrefix'>): string {
  return prefixed(config, 'bull');
}

/**
 * A job id derived from the idempotency keys: enqueueing the same events again
 * (e.g. a retried request) while the first job is still known to Redis adds
 * nothing. Hashed because BullMQ ids may not contain ':' and keys do.
 */
export function jobIdFor(kind: string, keys: readonly string[]): string {
  return `${kind}-${createHash('sha256').update(keys.join('\n')).digest('base64url').slice(0, 32)}`;
}

/**
 * Opens the producer queues. Pass `connection` to share a Redis connection the
 * caller owns (it is not closed here); otherwise one is opened and closed here.
 */
export function createQueues(config: Config, connection?: Redis): Queues {
  const redis = connection ?? new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  const owned = connection === undefined;
  if (owned) redis.on('error', () => {}); // reported by the failing enqueue; avoids an unhandled 'error' event while Redis restarts
  const queues = new Map<string, Queue>();

  function queue(name: string): Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: redis, prefix: bullPrefix(config), defaultJobOptions: DEFAULT_JOB_OPTIONS });
      q.on('error', () => {}); // a failing add() rejects for its caller; the event would only duplicate that
      queues.set(name, q);
    }
    return q;
  }

  return {
    queue,
    async enqueueInteractions(events) {
      if (events.length === 0) return;
      const jobs: { name: string; data: InteractionJob; opts: JobsOptions }[] = [];
      for (let i = 0; i < events.length; i += EVENTS_PER_JOB) {
        const chunk = events.slice(i, i + EVENTS_PER_JOB);
        jobs.push({ name: 'events', data: { events: chunk }, opts: { jobId: jobIdFor('ix', chunk.map((e) => e.idempotencyKey)) } });
      }
      await reachable(redis);
      const interactions = queue(QUEUE_INTERACTIONS);
      if (jobs.length === 1) await interactions.add(jobs[0].name, jobs[0].data, jobs[0].opts);
      else await interactions.addBulk(jobs);
    },
    async enqueueFeedback(job) {
      // As above: refused at once while Redis is away, not after a wait; the chat service then stores the rating itself.
      await reachable(redis);
      await queue(QUEUE_FEEDBACK).add(job.kind, job, { jobId: jobIdFor('fb', [job.idempotencyKey, job.occurredAt]) });
    },
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
      if (owned) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
