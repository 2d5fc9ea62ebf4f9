// Hot reload across servers: the kb-train and kb-index jobs (and the products feed) publish on one
// Redis channel; every server subscribed to it reloads the model or the index
// from Postgres (the record) and swaps its responder. Messages carry no data
// a server must trust, only "what changed".
import type { Redis } from 'ioredis';
import { prefixed, type Config } from '../server/config.ts';
import { resubscribingQuietly } from '../server/redis-outages.ts';

const RELOAD_KINDS = ['model', 'index', 'intents', 'products'] as const;
export type ReloadKind = (typeof RELOAD_KINDS)[number];

export interface ReloadMessage {
  kind: ReloadKind;
  /** Model version or index build time, for logs. */
  version?: number | string;
}

export const reloadChannel = (config: Pick<Config, 'redisPrefix'>) => prefixed(config, 'kb:reload');

export async function publishReload(redis: Redis, config: Pick<Config, 'redisPrefix'>, message: ReloadMessage): Promise<void> {
  await redis.publish(reloadChannel(config), JSON.stringify(message));
}

export function parseReload(raw: string): ReloadMessage | null {
  try {
    const value = JSON.parse(raw) as ReloadMessage;
    return RELOAD_KINDS.includes(value?.kind) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Runs `task` now, or once more after the run in progress when asked meanwhile: however often it is asked during a
 * run, one more run follows it (which reads everything then current), never a queue of them.
 */
export function coalesced(task: () => void | Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = async () => {
    running = true;
    try {
      do {
        again = false;
        await Promise.resolve().then(task).catch(() => undefined); // the task logs its own failures
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => {
    if (running) again = true;
    else void run();
  };
}

/**
 * Subscribes on a dedicated connection (a subscribing ioredis client cannot run
 * other commands). Returns the unsubscribe/close function. Pub/sub keeps no
 * messages: whatever was announced while the connection was down is lost, so
 * `onReconnect` runs when it is back (resubscribed) and should reload all. Coalesced: a connection that drops five
 * times during a reload causes one more reload after it, not five (each a full reload of model, index and products).
 */
export async function subscribeReload(
  base: Redis, config: Pick<Config, 'redisPrefix'>, onMessage: (message: ReloadMessage) => void, onReconnect: () => void | Promise<void> = () => {},
): Promise<() => Promise<void>> {
  const subscriber = resubscribingQuietly(base.duplicate());
  subscriber.on('error', () => {}); // ioredis reconnects and resubscribes by itself
  await subscriber.subscribe(reloadChannel(config));
  // Every later 'ready' is a reconnection. ioredis emits it just before it resubscribes, so the callback waits a turn:
  // the SUBSCRIBE is then sent before the reload reads Postgres, and nothing announced in between is missed.
  const reconnected = coalesced(onReconnect);
  subscriber.on('ready', () => setImmediate(reconnected));
  subscriber.on('message', (channel, raw) => {
    if (channel !== reloadChannel(config)) return;
    const message = parseReload(raw);
    if (message) onMessage(message);
  });
  return async () => {
    await subscriber.quit().catch(() => subscriber.disconnect());
  };
}
