// Snooze times as the agent means them: "tomorrow 9:00" is 9:00 where the agent sits (the browser's time zone), sent
// to the server as one instant, so a server in another zone wakes the chat when the agent expects it. The server
// checks the range (server/services/snooze.ts: at least a minute ahead, at most 30 days).
import type { Key, Locale } from './i18n.ts';
import { clockFormat } from './hooks.ts';

export const MAX_SNOOZE_DAYS = 30;

export interface SnoozePreset {
  label: Key;
  until: Date;
}

/** 9:00 local time `days` days after `now`'s date (setDate/setHours keep the wall clock across a DST change). */
function nineOClock(now: Date, days: number): Date {
  const at = new Date(now);
  at.setDate(at.getDate() + days);
  at.setHours(9, 0, 0, 0);
  return at;
}

/**
 * The presets offered, each as an instant: in an hour, tomorrow at 9:00, and the first Monday at 9:00 after tomorrow.
 * "Next week" is never tomorrow: on a Sunday that Monday is already "Tomorrow 9:00", so it is the Monday after.
 */
export function snoozePresets(now: Date = new Date()): SnoozePreset[] {
  // Days to that Monday: 2 (from a Saturday) to 8 (from a Sunday); from a Monday, the one a week later.
  const toMonday = 2 + ((6 - now.getDay() + 7) % 7);
  return [
    { label: 'snooze.oneHour', until: new Date(now.getTime() + 3_600_000) },
    { label: 'snooze.tomorrow', until: nineOClock(now, 1) },
    { label: 'snooze.nextWeek', until: nineOClock(now, toMonday) },
  ];
}

/** A Date as a `<input type="datetime-local">` value in local time ("2026-12-07T09:00"). */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A `datetime-local` value (local wall time, no zone) as an instant; null when it is not a complete date and time. */
export function fromLocalInput(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi] = match.map(Number);
  const date = new Date(y, mo - 1, d, h, mi, 0, 0);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** When a chat wakes, with the weekday: "Mon, 7 Dec, 09:00" reads better than a date for a week ahead. */
export function formatWake(iso: string, lang?: Locale): string {
  const { locales, clock } = clockFormat(lang);
  return new Date(iso).toLocaleString(locales, { weekday: 'short', month: 'short', day: 'numeric', ...clock });
}
