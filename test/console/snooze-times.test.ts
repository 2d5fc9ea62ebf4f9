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

  it('takes next week\'s Monday: a week ahead on a Monday, the next day on a Sunday, across a month\'s end', () => {
    expect(presets(local(2026, 12, 7, 8))['snooze.nextWeek']).toBe(local(2026, 12, 14, 9).getTime());
    expect(presets(local(2026, 12, 6, 22))['snooze.nextWeek']).toBe(local(2026, 12, 7, 9).getTime());
    expect(presets(local(2026, 12, 31, 23, 50))['snooze.tomorrow']).toBe(local(2027, 1, 1, 9).getTime());
  });

  it('reads and writes the custom date-time field in local time', () => {
    const at = local(2026, 3, 9, 7, 5);
    expect(toLocalInput(at)).toBe('2026-03-09T07:05');
    expect(fromLocalInput('2026-03-09T07:05')?.getTime()).toBe(at.getTime());
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('2026-03-09')).toBeNull();
  });
});
