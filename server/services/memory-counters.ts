// The in-memory stand-in for a Redis failure counter (INCR, with an expiry set by the first failure), for while Redis is
// away: counting goes on in this process's memory for the same window, so a limit keeps holding per server instead of
// every request waiting on Redis or being let through uncounted. Used by the sign-in throttle (login-throttle.ts) and
// the refused API tokens' throttle (http/api-token-routes.ts).

/**
 * Counts below the limit kept at most: beyond, the one counted longest ago is forgotten (a few failures lost). A
 * locked count is never forgotten early to make room — else failing on made-up emails would wipe a victim's lock.
 */
const MAX_COUNTED_IN_MEMORY = 10_000;
/**
 * Locked counts kept at most: each took `limit` failures, so this many takes millions within one window. Past it a key
 * not yet counted is answered as locked too, rather than let through uncounted: the limit keeps holding, at worst
 * refusing every new key on this server until the first of those windows ends.
 */
const MAX_LOCKED_IN_MEMORY = 100_000;

export interface MemoryCounters {
  /** Minutes until `key` may try again (its count reached `limit` within its window), or 0 when it may now. */
  lockedMinutes(key: string): number;
  /** Counts a failure; answers the count within the window (the first failure starts it). */
  failed(key: string): number;
  forget(key: string): void;
}

type Count = { count: number; endsAt: number };

export function memoryCounters(limit: number, windowMinutes: number, now: () => number = Date.now): MemoryCounters {
  const windowMs = windowMinutes * 60_000;
  // Two maps, so making room is a matter of the first key: counting (order: last counted) and locked (order: locked).
  const counting = new Map<string, Count>();
  const locked = new Map<string, Count>();
  /** When the first locked window ends, once `locked` is full: no new key is counted before then. */
  let fullUntil = 0;
  const current = (key: string) => {
    const entry = counting.get(key) ?? locked.get(key);
    if (entry && entry.endsAt <= now()) counting.delete(key), locked.delete(key);
    return entry && entry.endsAt > now() ? entry : undefined;
  };
  const minutesUntil = (endsAt: number) => Math.max(1, Math.ceil((endsAt - now()) / 60_000));
  /** Whether every locked slot holds a window still going on (checked again only when the first of them ends). */
  const lockedFull = () => {
    if (locked.size < MAX_LOCKED_IN_MEMORY || fullUntil > now()) return locked.size >= MAX_LOCKED_IN_MEMORY;
    fullUntil = Infinity;
    for (const [key, entry] of locked) {
      if (entry.endsAt <= now()) locked.delete(key);
      else fullUntil = Math.min(fullUntil, entry.endsAt);
    }
    return locked.size >= MAX_LOCKED_IN_MEMORY;
  };
  return {
    lockedMinutes(key) {
      const entry = current(key);
      if (!entry) return lockedFull() ? minutesUntil(fullUntil) : 0;
      return entry.count < limit ? 0 : minutesUntil(entry.endsAt);
    },
    failed(key) {
      let entry = current(key);
      if (!entry) {
        if (lockedFull()) return limit + 1; // not counted: answered as locked (past the failure that locked it)
        if (counting.size >= MAX_COUNTED_IN_MEMORY) counting.delete(counting.keys().next().value!);
        entry = { count: 0, endsAt: now() + windowMs };
      }
      entry.count++;
      if (locked.has(key)) return entry.count;
      counting.delete(key); // re-inserted last: the Map's order is the order counts were last counted
      if (entry.count >= limit) locked.set(key, entry);
      else counting.set(key, entry);
      return entry.count;
    },
    forget(key) {
      counting.delete(key);
      locked.delete(key);
    },
  };
}
