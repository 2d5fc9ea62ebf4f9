// Calendar days in a time zone: a report "for 10 March" in Shanghai runs from 10 March 00:00 there (9 March 16:00
// UTC), not from midnight UTC, which would put eight hours of each Shanghai day on the day before.

/** Wall-clock minus UTC at `instant` in `timeZone`, in ms (+8 h for Shanghai; it changes with daylight saving). */
function offsetAt(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant the wall clock in `timeZone` reads `time` (HH:MM) on `day` (YYYY-MM-DD). Each offset in force around
 * that day (a day before, at, and a day after the wall time read as UTC: any change falls between) is tried, and the
 * earliest instant whose own offset is the one tried wins — the first of the two readings of an hour the clocks go
 * back over. A time the clocks skip (spring forward; in America/Santiago even midnight) has no instant of its own: it is
 * the first instant at or after it, the moment of the change, found by halving the hour the change lies in.
 */
export function zonedInstant(day: string, time: string, timeZone: string): Date {
  const [year, month, date] = day.split('-').map(Number);
  const [hour, minute] = time.split(':').map(Number);
  const wall = Date.UTC(year, month - 1, date, hour, minute); // a time past 23:59 ("24:00") runs on into the next day
  const offsets = [...new Set([wall - 86_400_000, wall, wall + 86_400_000].map((at) => offsetAt(at, timeZone)))];
  const valid = offsets.map((offset) => wall - offset).filter((instant) => offsetAt(instant, timeZone) === wall - instant);
  if (valid.length) return new Date(Math.min(...valid));
  // In a gap: before the change the clock reads earlier than `wall` (the larger offset is not yet in force), after it later.
  const before = Math.max(...offsets);
  const after = Math.min(...offsets);
  let lo = wall - before; // still the old offset
  let hi = wall - after; // already the new one
  const changed = offsetAt(hi, timeZone);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === changed) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** The instant a day (YYYY-MM-DD) begins in `timeZone`: its first instant, on a day whose midnight the clocks skip too. */
export function startOfDayIn(day: string, timeZone: string): Date {
  return zonedInstant(day, '00:00', timeZone);
}

/** The date (YYYY-MM-DD) it is in `timeZone` at `instant`. */
export function dayIn(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}
