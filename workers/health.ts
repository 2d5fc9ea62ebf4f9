// What a server can tell about the workers from the outside: which worker processes beat recently (heartbeat.ts),
// each queue's backlog in BullMQ, and the webhook deliveries still pending in Postgres. /readyz and /metrics read
// it; the reads are cached for a few seconds so that frequent probes and scrapes cost Redis and Postgres little.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../server/config.ts';
import type { Sql } from '../server/db/client.ts';
import { withinTimeLimit } from '../server/services/time-limit.ts';
import { readHeartbeats } from './heartbeat.ts';
import { processors } from './processors.ts';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface WorkersSeen {
  alive: number;
  lastSeenSecondsAgo: number | null;
  /** host:pid:tag of each live process, for the operator reading /readyz. */
  processes: string[];
}

export interface WorkerHealthReader {
  /** Worker processes alive and each registered queue's backlog (Redis only). */
  workersAndQueues(): Promise<{ workers: WorkersSeen; queues: Record<string, QueueCounts> }>;
  /** Webhook deliveries not yet delivered nor given up (Postgres; the partial index on pending rows answers it). */
  webhookDeliveriesPending(): Promise<number>;
}

/** Every queue a worker process serves (the registry in processors.ts). */
export const WATCHED_QUEUES: readonly string[] = processors.map((p) => p.queueName);

export const HEALTH_CACHE_MS = 3_000;
const READ_TIME_LIMIT_MS = 2_000;

/**
 * `fn`'s result, reused for `ms`; callers arriving while a read is in flight share it. A failed read is not
 * cached, so the next caller tries again.
 */
function cached<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  let value: { at: number; result: T } | undefined;
  let inFlight: Promise<T> | undefined;
  return () => {
    if (value && Date.now() - value.at < ms) return Promise.resolve(value.result);
    inFlight ??= fn().then(
      (result) => {
        value = { at: Date.now(), result };
        inFlight = undefined;
        return result;
      },
      (error: unknown) => {
        inFlight = undefined;
        throw error;
      },
    );
    return inFlight;
  };
}

export function createWorkerHealthReader(deps: {
  config: Pick<Config, 'redisPrefix'>;
  redis: Redis;
  sql: Sql;
  queue: (name: string) => Queue;
  cacheMs?: number;
}): WorkerHealthReader {
  const cacheMs = deps.cacheMs ?? HEALTH_CACHE_MS;

  const readQueue = async (name: string): Promise<QueueCounts> => {
    const counts = await deps.queue(name).getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
    // Prioritized jobs wait too; BullMQ just keeps them in a list of their own.
    return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 };
  };

  const workersAndQueues = cached(cacheMs, async () => {
    const [beats, counts] = await withinTimeLimit(
      Promise.all([readHeartbeats(deps.redis, deps.config), Promise.all(WATCHED_QUEUES.map(readQueue))]),
      READ_TIME_LIMIT_MS,
      'Redis did not answer within 2s',
    );
    const queues: Record<string, QueueCounts> = {};
    WATCHED_QUEUES.forEach((name, i) => (queues[name] = counts[i]));
    return {
      workers: { alive: beats.alive.length, lastSeenSecondsAgo: beats.lastSeenSecondsAgo, processes: beats.alive.map((b) => b.id) },
      queues,
    };
  });

  const webhookDeliveriesPending = cached(cacheMs, async () => {
    const [row] = await withinTimeLimit(
      deps.sql<{ pending: number }[]>`select count(*)::int as pending from webhook_deliveries where status = 'pending'`,
      READ_TIME_LIMIT_MS,
      'Postgres did not answer within 2s',
    );
    return row.pending;
  });

  return { workersAndQueues, webhookDeliveriesPending };
}
