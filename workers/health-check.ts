// `npm run workers:health`: exits 0 when a worker process on this host wrote its heartbeat recently (its key in
// Redis has not expired), 1 otherwise. The workers container's health check runs it beside the worker process, so
// "this host" is that container. `-- --any` accepts a live worker on any host (a check from elsewhere).
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { loadConfig } from '../server/config.ts';
import { withinTimeLimit } from '../server/services/time-limit.ts';
import { readHeartbeats } from './heartbeat.ts';

async function check(): Promise<boolean> {
  const anyHost = process.argv.includes('--any');
  const config = loadConfig();
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: true });
  redis.on('error', () => {}); // the failed read below says it
  try {
    const { alive, lastSeenSecondsAgo } = await withinTimeLimit(readHeartbeats(redis, config), 3_000, 'Redis did not answer within 3s');
    const mine = anyHost ? alive : alive.filter((beat) => beat.host === hostname());
    if (mine.length > 0) {
      console.log(`workers alive: ${mine.map((beat) => beat.id).join(', ')}`);
      return true;
    }
    const since = lastSeenSecondsAgo === null ? 'no heartbeat ever recorded' : `last heartbeat of any worker ${lastSeenSecondsAgo}s ago`;
    console.error(`no live worker ${anyHost ? 'anywhere' : `on ${hostname()}`} (${since})`);
    return false;
  } finally {
    redis.disconnect();
  }
}

check().then(
  (alive) => process.exit(alive ? 0 : 1),
  (error: unknown) => {
    console.error(`worker health unknown: ${(error as Error).message}`);
    process.exit(1);
  },
);
