// Which instants a report's days cover (server/services/zoned-days.ts, resolveRange): the reader's calendar days,
// daylight-saving days included, and a clear refusal of a zone the server does not know.
import { describe, expect, it } from 'vitest';
import { dayIn, startOfDayIn } from '../../server/services/zoned-days.ts';
import { resolveRange } from '../../server/services/console-reports.ts';
import { AppError } from '../../server/errors.ts';

describe('report days in a time zone', () => {
  it('starts a day at midnight there, whatever the offset or daylight saving', () => {
    expect(startOfDayIn('2024-03-10', 'UTC').toISOString()).toBe('2024-03-10T00:00:00.000Z');
    expect(startOfDayIn('2024-03-10', 'Asia/Shanghai').toISOString()).toBe('2024-03-09T16:00:00.000Z');
    // New York moves its clocks forward at 02:00 on 10 March 2024: that day begins at UTC−5, the next at UTC−4.
    expect(startOfDayIn('2024-03-10', 'America/New_York').toISOString()).toBe('2024-03-10T05:00:00.000Z');
    expect(startOfDayIn('2024-03-11', 'America/New_York').toISOString()).toBe('2024-03-11T04:00:00.000Z');
    expect(startOfDayIn('2024-10-27', 'Europe/Berlin').toISOString()).toBe('2024-10-26T22:00:00.000Z');
    expect(startOfDayIn('2024-10-28', 'Europe/Berlin').toISOString()).toBe('2024-10-27T23:00:00.000Z');
    expect(dayIn(new Date('2024-03-10T17:00:00Z'), 'Asia/Shanghai')).toBe('2024-03-11');
    expect(dayIn(new Date('2024-03-10T17:00:00Z'), 'UTC')).toBe('2024-03-10');
  });

  it('bounds a range by the first midnight and the one after the last day, and defaults to the last 30 days there', () => {
    const range = resolveRange('2024-03-10', '2024-03-11', new Date(), 'America/New_York');
    expect([range.start.toISOString(), range.end.toISOString(), range.days]).toEqual(['2024-03-10T05:00:00.000Z', '2024-03-12T04:00:00.000Z', 2]);
    // 1 March 01:00 in Shanghai is still 29 February in UTC: "today" is the reader's.
    const shanghai = resolveRange(undefined, undefined, new Date('2024-02-29T17:00:00Z'), 'Asia/Shanghai');
    expect([shanghai.from, shanghai.to, shanghai.timeZone]).toEqual(['2024-02-01', '2024-03-01', 'Asia/Shanghai']);
    expect(resolveRange('2024-03-10', '2024-03-10').timeZone).toBe('UTC');
    expect(() => resolveRange('2024-03-10', '2024-03-10', new Date(), 'Mars/Olympus')).toThrow(AppError);
    expect(() => resolveRange('2024-03-10', '2024-03-10', new Date(), 'Mars/Olympus')).toThrow(/not a time zone this server knows/);
  });
});
