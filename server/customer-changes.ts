// "This customer's history changed": published by the workers when they store something an agent's customer panel
// shows that the server never saw being written (a rating lands in `feedback` through the queue), so every server
// tells its consoles (`customer:updated`) and an open panel reloads instead of showing the old figures until a page
// reload. The message carries only customer ids: a console re-reads what it shows through the API.
import type { Redis } from 'ioredis';
import { prefixed, type Config } from './config.ts';
import { resubscribingQuietly } from './redis-outages.ts';

export const customerChangesChannel = (config: Pick<Config, 'redisPrefix'>) => prefixed(config, 'customer:changed');

export async function publishCustomerChanged(redis: Redis, config: Pick<Config, 'redisPrefix'>, customerIds: readonly number[]): Promise<void> {
  if (customerIds.length) await redis.publish(customerChangesChannel(config), JSON.stringify([...new Set(customerIds)]));
}

/** Subscribes on a connection of its own (a subscribing ioredis client runs nothing else); returns the closer. */
export async function subscribeCustomerChanged(base: Redis, config: Pick<Config, 'redisPrefix'>, onChanged: (customerIds: number[]) => void): Promise<() => Promise<void>> {
  const channel = customerChangesChannel(config);
  const subscriber = resubscribingQuietly(base.duplicate());
  subscriber.on('error', () => {}); // ioredis reconnects and resubscribes by itself; a missed update costs one stale panel
  await subscriber.subscribe(channel);
  subscriber.on('message', (from, raw) => {
    if (from !== channel) return;
    try {
      const ids = JSON.parse(raw) as unknown;
      if (Array.isArray(ids)) onChanged(ids.filter((id): id is number => Number.isSafeInteger(id) && id > 0).slice(0, 1000));
    } catch {
      // not ours to act on
    }
  });
  return async () => {
    await subscriber.quit().catch(() => subscriber.disconnect());
  };
}
