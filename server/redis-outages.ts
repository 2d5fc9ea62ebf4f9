// While Redis is away, ioredis retries about every two seconds and emits an 'error' at each attempt (printed as
// "[ioredis] Unhandled error event" by a connection nobody listens to), and every BullMQ worker passes them on: a
// minute's outage wrote hundreds of lines, burying whatever else went wrong. For an operator an outage is two facts,
// when it began and when it ended, so that is what is said, once each per process part.
import type { Redis } from 'ioredis';

export interface OutageLog {
  warn(line: string): void;
  info(line: string): void;
}

/** Messages of errors that mean "cannot reach Redis", as opposed to a command's own failure. */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Connection is closed|max retries per request/i;

export interface OutageWatch {
  /** Takes an error: true when it was Redis being unreachable (said at the first of an outage, then quiet). */
  failed(error: unknown): boolean;
  /** A connection is ready: ends the outage, if there was one, saying how long it lasted. */
  recovered(): void;
}

export function outageWatch(name: string, log: OutageLog, now: () => number = Date.now): OutageWatch {
  let downSince: number | null = null;
  return {
    failed(error) {
      const text = error instanceof Error ? error.message : String(error);
      if (!UNREACHABLE.test(text)) return false;
      if (downSince === null) {
        downSince = now();
        log.warn(`${name}: Redis unreachable (${text}); retrying until it is back`);
      }
      return true;
    },
    recovered() {
      if (downSince === null) return;
      log.info(`${name}: Redis reachable again after ${Math.round((now() - downSince) / 1000)} s`);
      downSince = null;
    },
  };
}

/** Listens to a connection's errors through `watch` (one per outage); any other error is logged as it comes. */
export function watchConnection(redis: Redis, watch: OutageWatch, name: string, log: OutageLog): Redis {
  redis.on('error', (error: Error) => {
    if (!watch.failed(error)) log.warn(`${name}: Redis error: ${error.message}`);
  });
  redis.on('ready', () => watch.recovered());
  return redis;
}
