// Which instants a report's days cover (server/services/zoned-days.ts, resolveRange): the reader's calendar days,
// daylight-saving days included, and a clear refusal of a zone the server does not know. The same days tell a
// shopper outside business hours when the shop opens again (nextOpening, widget/src/opening.ts).
import { describe, expect, it } from 'vitest';
import { dayIn, startOfDayIn } from '../../server/services/zoned-days.ts';
import { resolveRange } from '../../server/services/console-reports.ts';
import { AppError } from '../../server/errors.ts';
import { DEFAULT_WIDGET_SETTINGS, nextOpening } from '../../server/services/widget-settings.ts';
import { openingWhen } from '../../widget/src/opening.ts';
import { STRINGS } from '../../widget/src/i18n.ts';

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

  it('refuses days outside the years a report can cover, with 400 rather than a crash at year 10000', () => {
    // The range ends at the midnight after its last day: after 9999-12-31 that is "+010000-01-01", which every
    // report route answered with 500.
    const refusal = (from: string, to: string) => {
      try {
        resolveRange(from, to, new Date(), 'Asia/Shanghai');
      } catch (error) {
        return error instanceof AppError ? { status: error.statusCode, message: error.message } : error;
      }
      return null;
    };
    const outside = { status: 400, message: 'Dates must be between 2000-01-01 and 9998-12-31.' };
    expect(refusal('9999-12-25', '9999-12-31')).toEqual(outside);
    expect(refusal('9998-12-31', '9999-01-01')).toEqual(outside);
    expect(refusal('1999-12-31', '2000-01-02')).toEqual(outside);
    // The last and first days allowed still make a range, bounded in the reader's zone.
    const last = resolveRange('9998-12-30', '9998-12-31', new Date(), 'Asia/Shanghai');
    expect([last.start.toISOString(), last.end.toISOString(), last.days]).toEqual(['9998-12-29T16:00:00.000Z', '9998-12-31T16:00:00.000Z', 2]);
    expect(resolveRange('2000-01-01', '2000-01-01').start.toISOString()).toBe('2000-01-01T00:00:00.000Z');
  });
});

describe('when the shop opens again', () => {
  const weekdays = ['09:00', '17:00'] as [string, string];
  const berlin = { ...DEFAULT_WIDGET_SETTINGS, businessHours: { timezone: 'Europe/Berlin', days: [null, weekdays, weekdays, weekdays, weekdays, weekdays, null] } };

  it("is the next day with hours, at its opening time in the shop's zone", () => {
    // Saturday 2024-06-15 10:00 in Berlin (08:00 UTC): Monday 09:00 Berlin, 07:00 UTC (summer time).
    expect(nextOpening(berlin, new Date('2024-06-15T08:00:00Z'))?.toISOString()).toBe('2024-06-17T07:00:00.000Z');
    // Tuesday 06:00 Berlin: the same day at 09:00; Tuesday 18:00: Wednesday 09:00.
    expect(nextOpening(berlin, new Date('2024-06-18T04:00:00Z'))?.toISOString()).toBe('2024-06-18T07:00:00.000Z');
    expect(nextOpening(berlin, new Date('2024-06-18T16:00:00Z'))?.toISOString()).toBe('2024-06-19T07:00:00.000Z');
    expect(nextOpening({ ...berlin, businessHours: { timezone: 'Europe/Berlin', days: [null, null, null, null, null, null, null] } }, new Date())).toBeNull();
    expect(nextOpening(DEFAULT_WIDGET_SETTINGS, new Date())).toBeNull(); // no hours: always open
  });

  it("is told to the shopper in their own clock: today, tomorrow or the weekday", () => {
    const now = new Date(2024, 5, 15, 10, 0); // local Saturday 10:00
    const at = (d: number, h: number) => new Date(2024, 5, d, h, 0).toISOString();
    expect(openingWhen(at(15, 15), now, 'en')).toEqual({ day: { kind: 'today' }, time: '15:00' });
    expect(openingWhen(at(16, 9), now, 'en')).toEqual({ day: { kind: 'tomorrow' }, time: '09:00' });
    expect(openingWhen(at(17, 9), now, 'en')).toEqual({ day: { kind: 'weekday', name: 'Monday' }, time: '09:00' });
    expect(openingWhen(null, now, 'en')).toBeNull();
    expect(openingWhen(at(15, 9), now, 'en')).toBeNull(); // in the past
    expect(STRINGS.en.opensAgain({ day: { kind: 'weekday', name: 'Monday' }, time: '09:00' })).toBe('We open again on Monday at 09:00.');
    expect(STRINGS.en.opensAgain({ day: { kind: 'tomorrow' }, time: '09:00' })).toBe('We open again tomorrow at 09:00.');
    expect(STRINGS.zh.opensAgain(openingWhen(at(17, 9), now, 'zh')!)).toBe('我们将于星期一 09:00 恢复服务。');
  });
});
