// Where each shopper is now: the last shop page their widget reported. It is
// presence, not history (the page of each message is stored with the
// message), so it lives in Redis and fades after a day without a visit.
import type { Redis } from 'ioredis';
import { prefixed, type Config } from '../config.ts';
import type { ShopperPage } from '../realtime/event-maps.ts';
import { shopperPage } from './shopper-page.ts';

const LAST_PAGE_TTL_SECONDS = 24 * 3600;

export interface LastPage {
  page: ShopperPage;
  /** ISO time the widget reported it. */
  at: string;
}

export function lastPages(redis: Redis, config: Pick<Config, 'redisPrefix'>) {
  const key = (customerId: number) => prefixed(config, `shopper-page:${customerId}`);
  return {
    async remember(customerId: number, page: ShopperPage, at = new Date()): Promise<LastPage> {
      const last = { page, at: at.toISOString() };
      await redis.set(key(customerId), JSON.stringify(last), 'EX', LAST_PAGE_TTL_SECONDS);
      return last;
    },
    async of(customerId: number): Promise<LastPage | null> {
      const raw = await redis.get(key(customerId));
      if (!raw) return null;
      try {
        const stored = JSON.parse(raw) as Partial<LastPage>;
        // Read through shopperPage again: whatever is in Redis reaches an agent's screen as a link.
        const page = shopperPage(stored.page);
        return page && typeof stored.at === 'string' ? { page, at: stored.at } : null;
      } catch {
        return null;
      }
    },
    forget: (customerId: number) => redis.del(key(customerId)),
  };
}
export type LastPages = ReturnType<typeof lastPages>;
