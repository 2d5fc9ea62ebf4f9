// Business hours over the admin API: only real clock times are saved (a "09:75" or "25:00" would compare as text in
// the open/closed check and open or close the shop at the wrong time); 24:00 closes at the end of the day.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(() => stack?.close());

const everyDay = (hours: [string, string]) => Array(7).fill(hours);
async function saveHours(hours: [string, string]) {
  const { identitySecretSet: _set, ...settings } = (await httpAs(stack.url, 'GET', '/api/admin/widget-settings', admin)).json;
  return httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...settings, businessHours: { timezone: 'UTC', days: everyDay(hours) } });
}
const storedHours = async () => (await httpAs(stack.url, 'GET', '/api/admin/widget-settings', admin)).json.businessHours;

describe('business hours times', () => {
  it('refuses a minute or hour out of range with a 400 naming the field, saving nothing', async () => {
    const cases: [[string, string], string][] = [
      [['09:75', '17:00'], 'businessHours.days[0][0]: "09:75" is not a time of day'],
      [['25:00', '26:00'], 'businessHours.days[0][0]: "25:00" is not a time of day'],
      [['09:00', '17:60'], 'businessHours.days[0][1]: "17:60" is not a time of day'],
      [['09:00', '24:30'], 'businessHours.days[0][1]: "24:30" is not a time of day'],
      [['24:00', '24:00'], 'businessHours.days[0][0]: "24:00" is not a time of day'], // only a closing time may be the day's end
      [['99:99', '99:99'], 'businessHours.days[0][0]: "99:99" is not a time of day'],
    ];
    for (const [hours, message] of cases) {
      const refused = await saveHours(hours);
      expect(refused.status, hours.join('–')).toBe(400);
      expect(refused.json.error.message, hours.join('–')).toContain(message);
    }
    expect(await storedHours()).toBeNull();
  });

  it('refuses an opening time not before its closing time (hours do not run past midnight)', async () => {
    for (const hours of [['22:00', '06:00'], ['09:00', '09:00']] as [string, string][]) {
      const refused = await saveHours(hours);
      expect(refused.status).toBe(400);
      expect(refused.json.error.message).toBe('businessHours.days[0]: the opening time must be before the closing time.');
    }
    expect(await storedHours()).toBeNull();
  });

  it('takes 00:00–23:59, and 24:00 as a closing time that keeps the shop open to the end of the day', async () => {
    expect((await saveHours(['00:00', '23:59'])).status).toBe(200);
    expect((await storedHours()).days[3]).toEqual(['00:00', '23:59']);
    expect((await saveHours(['00:00', '24:00'])).status).toBe(200);
    expect((await storedHours()).days[3]).toEqual(['00:00', '24:00']);
    // Open every minute of every day: the widget says so whenever this runs.
    const widget = await httpAs(stack.url, 'GET', '/api/widget/settings?site=demo', null);
    expect(widget.json.status.withinBusinessHours).toBe(true);
  });
});
