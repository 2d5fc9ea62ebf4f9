// The console's snooze presets are the agent's local times (console/src/snooze.ts), sent as instants.
import { describe, expect, it } from 'vitest';
import { fromLocalInput, snoozePresets, toLocalInput } from '../../console/src/snooze.ts';

const local = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min);
const presets = (now: Date) => Object.fromEntries(snoozePresets(now).map((p) => [p.label, p.until.getTime()]));

describe('snooze presets', () => {
  it('offers an hour from now, tomorrow at 9:00 and next Monday at 9:00, in local time', () => {
    const friday = local(2026, 12, 4, 15, 30);
    expect(presets(friday)).toEqual({
      'snooze.oneHour': friday.getTime() + 3_600_000,
      'snooze.tomorrow': local(2026, 12, 5, 9).getTime(),
      'snooze.nextWeek': local(2026, 12, 7, 9).getTime(),
    });
  });

  it('takes next week\'s Monday: a week ahead on a Monday, the Monday after tomorrow on a Sunday, across a month\'s end', () => {
    expect(presets(local(2026, 12, 7, 8))['snooze.nextWeek']).toBe(local(2026, 12, 14, 9).getTime());
    // Sunday: tomorrow 9:00 is Monday 9:00 already, so "next week" is the Monday a week later, not the same time twice.
    expect(presets(local(2026, 12, 6, 22))).toEqual({
      'snooze.oneHour': local(2026, 12, 6, 23).getTime(),
      'snooze.tomorrow': local(2026, 12, 7, 9).getTime(),
      'snooze.nextWeek': local(2026, 12, 14, 9).getTime(),
    });
    expect(presets(local(2026, 12, 31, 23, 50))['snooze.tomorrow']).toBe(local(2027, 1, 1, 9).getTime());
    expect(presets(local(2027, 1, 3, 10))['snooze.nextWeek']).toBe(local(2027, 1, 11, 9).getTime());
  });

  it('never offers the same time twice, on any weekday at any hour', () => {
    // Sunday 6 December 2026 to Saturday 12 December, early, around 9:00 and late in the day.
    for (let day = 6; day <= 12; day++) {
      for (const [hour, minute] of [[0, 0], [8, 59], [9, 0], [23, 59]]) {
        const now = local(2026, 12, day, hour, minute);
        const offered = snoozePresets(now);
        const at = (label: string) => offered.find((p) => p.label === label)!.until;
        const where = `${now.toDateString()} ${hour}:${minute}`;
        expect(offered.map((p) => p.label), where).toEqual(['snooze.oneHour', 'snooze.tomorrow', 'snooze.nextWeek']);
        expect(new Set(offered.map((p) => p.until.getTime())).size, where).toBe(offered.length);
        expect(at('snooze.tomorrow').getTime(), where).toBe(local(2026, 12, day + 1, 9).getTime());
        // "Next week" is a Monday at 9:00 after tomorrow, and the first such Monday (a week earlier is tomorrow or before).
        const nextWeek = at('snooze.nextWeek');
        expect([nextWeek.getDay(), nextWeek.getHours(), nextWeek.getMinutes()], where).toEqual([1, 9, 0]);
        expect(nextWeek.getTime(), where).toBeGreaterThan(at('snooze.tomorrow').getTime());
        expect(local(nextWeek.getFullYear(), nextWeek.getMonth() + 1, nextWeek.getDate() - 7, 9).getTime(), where).toBeLessThanOrEqual(at('snooze.tomorrow').getTime());
      }
    }
  });

  it('reads and writes the custom date-time field in local time', () => {
    const at = local(2026, 3, 9, 7, 5);
    expect(toLocalInput(at)).toBe('2026-03-09T07:05');
    expect(fromLocalInput('2026-03-09T07:05')?.getTime()).toBe(at.getTime());
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('2026-03-09')).toBeNull();
  });
});
