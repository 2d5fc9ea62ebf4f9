// Wrong passwords counted per account, beside the per-address limit: behind a
// shared address (an office, a proxy) the address limit is everyone's, and from
// many addresses it does not bound guesses at one account at all. Keyed by the
// hash of the email as typed (lower-cased), so an address that has no account
// behaves exactly like one that has: the answers say nothing about which exist.
// The counter starts with the first failure and is forgotten after the window;
// a right password clears it. The price is that someone who knows an agent's
// email can keep that account from signing in with a password for a window at a
// time; an admin's reset does not lift it, the window does.
import type { Redis } from 'ioredis';
import { prefixed, type Config } from '../config.ts';
import { tokenHash } from './auth-service.ts';

export const MAX_WRONG_PASSWORDS = 20;
export const WRONG_PASSWORD_WINDOW_MINUTES = 15;

export function loginThrottle(redis: Redis, config: Pick<Config, 'redisPrefix'>) {
  const keyOf = (email: string) =>
    prefixed(config, `login-failures:${tokenHash(email.trim().toLowerCase())}`);
  return {
    /** Minutes until this account may try a password again, or 0 when it may now. */
    async lockedMinutes(email: string): Promise<number> {
      const key = keyOf(email);
      const [[, count], [, ttl]] = (await redis.multi().get(key).ttl(key).exec()) as [[null, string | null], [null, number]];
      if (Number(count ?? 0) < MAX_WRONG_PASSWORDS) return 0;
      return Math.max(1, Math.ceil(ttl / 60));
    },
    async failed(email: string): Promise<void> {
      const key = keyOf(email);
      // The window starts with the first failure (NX: later ones do not extend it).
      await redis.multi().incr(key).expire(key, WRONG_PASSWORD_WINDOW_MINUTES * 60, 'NX').exec();
    },
    async succeeded(email: string): Promise<void> {
      await redis.del(keyOf(email));
    },
  };
}
