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
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Connection is closed|max retries per request|Stream isn't writeable|Redis is not reachable/i;
/**
 * Of those, the messages only a Redis command gives (ioredis's, and reachable()'s below): a socket error (ECONNREFUSED…)
 * may as well be Postgres's, SMTP's or a webhook's, so it is Redis's only when it names a watched connection's port.
 */
const REDIS_ONLY = /Connection is closed|max retries per request|Stream isn't writeable|Redis is not reachable/i;

/** The ports of the Redis connections each watch listens to (watchConnection), to tell their socket errors apart. */
const watchedPorts = new WeakMap<OutageWatch, Set<number>>();

/** Whether `error` is a Redis command's or connection's, not another service's (Postgres, SMTP, a webhook). */
function isRedisError(error: unknown, watch: OutageWatch): boolean {
  if (!(error instanceof Error)) return false;
  if (REDIS_ONLY.test(error.message)) return true;
  const port = (error as { port?: unknown }).port;
  return typeof port === 'number' && (watchedPorts.get(watch)?.has(port) ?? false);
}

export interface OutageWatch {
  /** Takes an error: true when it was Redis being unreachable (said at the first of an outage, then quiet). */
  failed(error: unknown): boolean;
  /** A connection is ready: ends the outage, if there was one, saying how long it lasted. */
  recovered(): void;
  /** Whether an outage is going on (said, and not yet over). */
  isDown(): boolean;
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
    isDown: () => downSince !== null,
  };
}

/** Listens to a connection's errors through `watch` (one per outage); any other error is logged as it comes. */
export function watchConnection(redis: Redis, watch: OutageWatch, name: string, log: OutageLog): Redis {
  if (typeof redis.options.port === 'number') {
    if (!watchedPorts.has(watch)) watchedPorts.set(watch, new Set());
    watchedPorts.get(watch)!.add(redis.options.port);
  }
  redis.on('error', (error: Error) => {
    if (!watch.failed(error)) log.warn(`${name}: Redis error: ${error.message}`);
  });
  redis.on('ready', () => watch.recovered());
  return redis;
}

/**
 * A subscribing connection whose (un)subscriptions cannot fail unhandled. After a reconnect ioredis sends SUBSCRIBE
 * (and PSUBSCRIBE, SSUBSCRIBE, SELECT) again by itself and never looks at the answer
 * (ioredis/built/redis/event_handler.js, readyHandler); and Socket.IO's Redis adapter, closing with the server,
 * sends UNSUBSCRIBE and PUNSUBSCRIBE without awaiting them. When Redis is away the command fails after
 * `maxRetriesPerRequest` reconnects, or with "Connection is closed" at shutdown, and Node reported an unhandled
 * rejection (a server stopped during an outage). Each such call's promise is watched here; callers that await it
 * still get its failure, and ioredis keeps the channel list, so the next reconnect subscribes again.
 */
export function resubscribingQuietly<T extends Redis>(connection: T): T {
  for (const name of ['subscribe', 'psubscribe', 'ssubscribe', 'select', 'unsubscribe', 'punsubscribe', 'sunsubscribe'] as const) {
    const send = (connection[name] as (...args: unknown[]) => Promise<unknown>).bind(connection);
    Object.defineProperty(connection, name, {
      configurable: true, writable: true,
      value: (...args: unknown[]) => {
        const answer = send(...args);
        answer.catch(() => {});
        return answer;
      },
    });
  }
  return connection;
}

/** A log as the chat service and the gateway take it: `{ err }` first, then the message. */
export interface ErrorLog {
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/**
 * `log`, except for failures that the outage going on explains (a message's events not queued, a fan-out or
 * broadcast not published): said once by the outage's line instead of once per message, with a stack each. Only
 * while the connections have reported the outage, and only Redis's errors: an ECONNREFUSED from Postgres, SMTP or a
 * webhook is logged as ever, outage or not.
 */
export function quietDuringOutages(log: ErrorLog, watch: OutageWatch): ErrorLog {
  const explained = (obj: unknown) => {
    const error = (obj as { err?: unknown } | null)?.err;
    return watch.isDown() && isRedisError(error, watch) && watch.failed(error);
  };
  return {
    warn: (obj, msg) => {
      if (!explained(obj)) log.warn(obj, msg);
    },
    error: (obj, msg) => {
      if (!explained(obj)) log.error(obj, msg);
    },
  };
}

/** How long a command waits for a connection being made (a new one, or a reconnection under way) to come up. */
export const CONNECTING_WAIT_MS = 1_000;

/**
 * Resolves when `redis` takes commands now; rejects at once ("Redis is not reachable") while it is away, instead of
 * the command waiting in ioredis's offline queue until Redis is back (or BullMQ waiting for 'ready' for ever, for a
 * queue first used during an outage). A connection being made (a new one: the first command of a fresh process; or a
 * reconnection attempt) is waited for, up to CONNECTING_WAIT_MS: its outcome is known within milliseconds.
 */
export async function reachable(redis: Redis, waitMs = CONNECTING_WAIT_MS): Promise<void> {
  if (redis.status === 'ready') return;
  const away = () => new Error(`Redis is not reachable (connection ${redis.status})`);
  if (redis.status !== 'connecting' && redis.status !== 'connect') throw away();
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady).off('close', onClose).off('end', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    const onClose = () => settle(away());
    const timer = setTimeout(onClose, waitMs);
    redis.once('ready', onReady).once('close', onClose).once('end', onClose);
  });
}
