// Hot reload across servers: the kb-train and kb-index jobs (and the products feed) publish on one
// Redis channel; every server subscribed to it reloads the model or the index
// from Postgres (the record) and swaps its responder. Messages carry no data
// a server must trust, only "what changed".
import type { Redis } from 'ioredis';
import { prefixed, type Config } from '../server/config.ts';

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
 * Subscribes on a dedicated connection (a subscribing ioredis client cannot run
 * other commands). Returns the unsubscribe/close function. Pub/sub keeps no
 * messages: whatever was announced while the connection was down is lost, so
 * `onReconnect` runs each time it is back (resubscribed) and should reload all.
 */
export async function subscribeReload(
  base: Redis, config: Pick<Config, 'redisPrefix'>, onMessage: (message: ReloadMessage) => void, onReconnect: () => void = () => {},
): Promise<() => Promise<void>> {
  const subscriber = base.duplicate();
  subscriber.on('error', () => {}); // ioredis reconnects and resubscribes by itself
  await subscriber.subscribe(reloadChannel(config));
  // Every later 'ready' is a reconnection. ioredis emits it just before it resubscribes, so the callback waits a turn:
  // the SUBSCRIBE is then sent before the reload reads Postgres, and nothing announced in between is missed.
  subscriber.on('ready', () => setImmediate(onReconnect));
  subscriber.on('message', (channel, raw) => {
    if (channel !== reloadChannel(config)) return;
    const message = parseReload(raw);
    if (message) onMessage(message);
  });
  return async () => {
    await subscriber.quit().catch(() => subscriber.disconnect());
  };
}
