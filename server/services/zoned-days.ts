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
 * The instant a day (YYYY-MM-DD) begins in `timeZone`. The offset is read at a first guess and again at the instant
 * found, so a day that begins near a daylight-saving change gets the offset in force at its start.
 */
export function startOfDayIn(day: string, timeZone: string): Date {
  const wall = Date.parse(`${day}T00:00:00Z`);
  const guess = wall - offsetAt(wall, timeZone);
  return new Date(wall - offsetAt(guess, timeZone));
}

/** The date (YYYY-MM-DD) it is in `timeZone` at `instant`. */
export function dayIn(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}
