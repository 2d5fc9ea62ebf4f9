// Worker liveness in Redis. Every worker process (stand-alone or inside a server) writes a heartbeat key of its own
// every few seconds with a TTL, so a process that is SIGKILLed, frozen or cut off from Redis simply stops being
// counted once its key expires. Beside the keys, a sorted set remembers each process's last beat: readers find the
// keys without a SCAN of the whole keyspace, and "seconds since any worker was last seen" survives the keys' expiry.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ConfigError, prefixed, type Config } from '../server/config.ts';

/** How often a worker process beats (WORKER_HEARTBEAT_MS, default 5000); its key lives for three beats. */
export const DEFAULT_HEARTBEAT_MS = 5_000;
/** Processes not seen for this long are dropped from the index (their keys expired long before). */
const FORGET_AFTER_MS = 24 * 3600_000;

export interface Heartbeat {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  startedAt: string;
  /** When this beat was written (ms since the epoch). */
  at: number;
}

export interface HeartbeatSummary {
  /** Worker processes whose heartbeat key has not expired. */
  alive: Heartbeat[];
  /** Seconds since the most recent beat of any worker process; null when none was ever recorded. */
  lastSeenSecondsAgo: number | null;
}

export function heartbeatIndexKey(config: Pick<Config, 'redisPrefix'>): string {
  return prefixed(config, 'workers:heartbeats');
}
export function heartbeatKey(config: Pick<Config, 'redisPrefix'>, id: string): string {
  return prefixed(config, `workers:heartbeat:${id}`);
}

/** The beat interval from WORKER_HEARTBEAT_MS: a whole number of milliseconds between 100 and 60000. */
export function heartbeatIntervalFrom(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.WORKER_HEARTBEAT_MS;
  if (raw === undefined || raw === '') return DEFAULT_HEARTBEAT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100 || ms > 60_000) throw new ConfigError(`WORKER_HEARTBEAT_MS must be a whole number of milliseconds between 100 and 60000, not "${raw}"`);
  return ms;
}

export interface HeartbeatWriter {
  id: string;
  /** Writes one beat now (also done on the timer). Never rejects: a missed beat is the signal. */
  beat(): Promise<void>;
  /** Stops beating and removes this process's key: a cleanly stopped worker is no longer counted as alive. */
  stop(): Promise<void>;
}

export function startHeartbeat(
  redis: Redis,
  config: Pick<Config, 'redisPrefix'>,
  options: { queues: readonly string[]; intervalMs?: number; onError?: (error: unknown) => void },
): HeartbeatWriter {
  const intervalMs = options.intervalMs ?? DEFAULT_HEARTBEAT_MS;
  const ttlSeconds = Math.max(1, Math.ceil((intervalMs * 3) / 1000));
  const host = hostname();
  // host:pid names the process for people; the random part keeps two in-process worker sets (tests) apart.
  const id = `${host}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const startedAt = new Date().toISOString();
  const key = heartbeatKey(config, id);
  const index = heartbeatIndexKey(config);
  let failing = false;

  const beat = async () => {
    const at = Date.now();
    const value: Heartbeat = { id, host, pid: process.pid, queues: [...options.queues], startedAt, at };
    try {
      await redis
        .multi()
        .set(key, JSON.stringify(value), 'EX', ttlSeconds)
        .zadd(index, at, id)
        .zremrangebyscore(index, '-inf', at - FORGET_AFTER_MS)
        .exec();
      failing = false;
    } catch (error) {
      if (!failing) options.onError?.(error); // once per outage, not every few seconds
      failing = true;
    }
  };
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();
  let stopped: Promise<void> | undefined;
  return {
    id,
    beat,
    stop: () =>
      (stopped ??= (async () => {
        clearInterval(timer);
        // The index entry stays: it is this process's last beat, which "last seen" reports until a newer one.
        await redis.del(key).catch(() => {}); // if Redis is away the key expires anyway
      })()),
  };
}

/** The worker processes alive now and how long ago any was last seen. */
export async function readHeartbeats(redis: Redis, config: Pick<Config, 'redisPrefix'>, now = Date.now()): Promise<HeartbeatSummary> {
  const index = heartbeatIndexKey(config);
  const entries = await redis.zrange(index, '0', '-1', 'WITHSCORES');
  const ids: string[] = [];
  let latest = -Infinity;
  for (let i = 0; i < entries.length; i += 2) {
    ids.push(entries[i]);
    latest = Math.max(latest, Number(entries[i + 1]));
  }
  const values = ids.length ? await redis.mget(ids.map((id) => heartbeatKey(config, id))) : [];
  const alive: Heartbeat[] = [];
  for (const value of values) {
    if (value === null) continue; // expired: that process stopped beating
    try {
      alive.push(JSON.parse(value) as Heartbeat);
    } catch {
      // not ours to judge; an unreadable key is not a live worker
    }
  }
  return { alive, lastSeenSecondsAgo: Number.isFinite(latest) ? Math.max(0, Math.round((now - latest) / 1000)) : null };
}
