// Wrong passwords counted per account, beside the per-address limit: behind a
// shared address (an office, a proxy) the address limit is everyone's, and from
// many addresses it does not bound guesses at one account at all. Keyed by the
// hash of the email as typed, lower-cased by the database exactly as the account
// lookup lowers it (users.emailKey: JavaScript's lower-casing differs outside
// ASCII, and each spelling would have had a window of its own), so an address
// that has no account behaves exactly like one that has: the answers say nothing
// about which exist.
// The counter starts with the first failure and is forgotten after the window;
// a right password clears it. The price is that someone who knows an agent's
// email can keep that account from signing in with a password for a window at a
// time; an admin's reset does not lift it, the window does.
// While Redis is away (its connection here fails at once, see app.ts), counting goes on in this process's memory
// for the same window: sign-in keeps working, and guesses stay bounded per server (a production system's usual
// compromise; an attacker spreading guesses over N servers gets N times the count, for the outage's length).
// A lock counted in memory holds until its window ends, also after Redis is back.
import type { Redis } from 'ioredis';
import type { Sql } from '../db/client.ts';
import { prefixed, type Config } from '../config.ts';
import { tokenHash } from './auth-service.ts';
import { usersRepository } from '../repositories/users.ts';
import { memoryCounters } from './memory-counters.ts';

export const MAX_WRONG_PASSWORDS = 20;
export const WRONG_PASSWORD_WINDOW_MINUTES = 15;

export function loginThrottle(redis: Redis, config: Pick<Config, 'redisPrefix'>, sql: Sql, now: () => number = Date.now) {
  const users = usersRepository(sql);
  const memory = memoryCounters(MAX_WRONG_PASSWORDS, WRONG_PASSWORD_WINDOW_MINUTES, now);
  const keyOf = async (email: string) =>
    prefixed(config, `login-failures:${tokenHash(await users.emailKey(email.trim()))}`);
  /** One sign-in attempt's counter: the key is worked out once (a database round trip), not per step. */
  const account = (key: string) => ({
    /** Minutes until this account may try a password again, or 0 when it may now. */
    async lockedMinutes(): Promise<number> {
      const inMemory = memory.lockedMinutes(key);
      if (inMemory > 0) return inMemory;
      try {
        const [[, count], [, ttl]] = (await redis.multi().get(key).ttl(key).exec()) as [[null, string | null], [null, number]];
        if (Number(count ?? 0) < MAX_WRONG_PASSWORDS) return 0;
        return Math.max(1, Math.ceil(ttl / 60));
      } catch {
        return 0; // Redis away: what counts meanwhile is memory's count, read above
      }
    },
    /** Counts a wrong password; answers whether it was the one that locked the account (for the audit log, once per lock). */
    async failed(): Promise<{ locked: boolean }> {
      try {
        // The window starts with the first failure (NX: later ones do not extend it).
        const [[, count]] = (await redis.multi().incr(key).expire(key, WRONG_PASSWORD_WINDOW_MINUTES * 60, 'NX').exec()) as [[null, number], unknown];
        return { locked: count === MAX_WRONG_PASSWORDS };
      } catch {
        return { locked: memory.failed(key) === MAX_WRONG_PASSWORDS };
      }
    },
    async succeeded(): Promise<void> {
      memory.forget(key);
      await redis.del(key).catch(() => {}); // Redis away: nothing was counted there meanwhile, or it expires
    },
  });
  return {
    /** The counter of the account `email` names, for the steps of one sign-in. */
    async forEmail(email: string) {
      return account(await keyOf(email));
    },
  };
}
