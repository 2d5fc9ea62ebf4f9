// A wall-clock time in a zone as an instant (server/services/zoned-days.ts, zonedInstant), on the days daylight saving
// makes hard: the shop's opening on the morning the clocks went forward (nextOpening), and a day whose midnight the
// clocks skip (America/Santiago), where the day begins at the first instant that exists.
import { describe, expect, it } from 'vitest';
import { startOfDayIn, zonedInstant } from '../../server/services/zoned-days.ts';
import { DEFAULT_WIDGET_SETTINGS, nextOpening } from '../../server/services/widget-settings.ts';

const everyDay = ['09:00', '17:00'] as [string, string];
const berlin = { ...DEFAULT_WIDGET_SETTINGS, businessHours: { timezone: 'Europe/Berlin', days: Array(7).fill(everyDay) } };

describe('wall-clock time in a zone → instant', () => {
  it('opens at 09:00 Berlin time on the day the clocks go forward (07:00 UTC, not 08:00)', () => {
    // Sunday 29 March 2026: Berlin moves from UTC+1 to UTC+2 at 01:00 UTC, after its midnight.
    expect(nextOpening(berlin, new Date('2026-03-29T03:00:00Z'))?.toISOString()).toBe('2026-03-29T07:00:00.000Z');
    // A normal day either side: UTC+1 the day before, UTC+2 the day after.
    expect(nextOpening(berlin, new Date('2026-03-28T03:00:00Z'))?.toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(nextOpening(berlin, new Date('2026-03-30T03:00:00Z'))?.toISOString()).toBe('2026-03-30T07:00:00.000Z');
    // The day the clocks go back (25 October 2026): 09:00 is UTC+1 again.
    expect(nextOpening(berlin, new Date('2026-10-25T03:00:00Z'))?.toISOString()).toBe('2026-10-25T08:00:00.000Z');
  });

  it('finds the next open day across the night the clocks go forward, not a week later', () => {
    // Open Sundays only; asked on Saturday 28 March 2026 at 23:30 Berlin time. 24 hours later is already Monday there.
    const sundays = { ...DEFAULT_WIDGET_SETTINGS, businessHours: { timezone: 'Europe/Berlin', days: [['10:00', '16:00'] as [string, string], null, null, null, null, null, null] } };
    expect(nextOpening(sundays, new Date('2026-03-28T22:30:00Z'))?.toISOString()).toBe('2026-03-29T08:00:00.000Z');
  });

  it('starts a day whose midnight the clocks skip at the first instant that exists', () => {
    // 6 September 2026 in Santiago: at 00:00 (UTC−4) the clocks jump to 01:00 (UTC−3); the day begins at 04:00 UTC.
    expect(startOfDayIn('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    // The days around it are ordinary: UTC−4 before, UTC−3 after.
    expect(startOfDayIn('2026-09-05', 'America/Santiago').toISOString()).toBe('2026-09-05T04:00:00.000Z');
    expect(startOfDayIn('2026-09-07', 'America/Santiago').toISOString()).toBe('2026-09-07T03:00:00.000Z');
    expect(startOfDayIn('2026-03-10', 'Asia/Shanghai').toISOString()).toBe('2026-03-09T16:00:00.000Z');
  });

  it('takes a skipped time to the moment of the change, and the first of a time read twice', () => {
    expect(zonedInstant('2026-03-29', '02:30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(zonedInstant('2026-10-25', '02:30', 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(zonedInstant('2026-06-15', '09:00', 'Europe/Berlin').toISOString()).toBe('2026-06-15T07:00:00.000Z');
    expect(zonedInstant('2026-06-15', '09:00', 'UTC').toISOString()).toBe('2026-06-15T09:00:00.000Z');
  });
});
