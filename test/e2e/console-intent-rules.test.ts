// Intents and the automation rules naming them, in Debian's Chromium against a real server, Postgres and Redis: the
// Automation tab marks a rule naming an intent that does not exist (older data) instead of showing it a humanised name
// as if it were real; deleting an intent in the console asks first, naming the rules that lose it and the one switched
// off because its condition named only that intent, and on OK the server does what it said.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { httpAs, login } from '../support/server.ts';

const bed = consoleTestBed();

describe('intents named by automation rules, in the console', () => {
  it('marks a rule naming a missing intent, and the intent delete confirmation names the rules it changes', async () => {
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const api = (method: string, path: string, body?: unknown) => httpAs(bed.stack.url, method, path, admin, body);
    for (const name of ['wholesale_enquiry', 'order_help']) {
      expect((await api('POST', '/api/admin/intents', { name, action: 'handoff', examples: { en: [`a question about ${name}`] } })).status).toBe(201);
    }
    const rule = (name: string, intents: string[]) => api('POST', '/api/admin/automation-rules', {
      name, trigger: 'handoff', conditions: [{ type: 'intent', intents }], actions: [{ type: 'note', text: `${name} note` }],
    });
    expect((await rule('Wholesale only', ['wholesale_enquiry'])).status).toBe(201);
    expect((await rule('Wholesale or orders', ['wholesale_enquiry', 'order_help'])).status).toBe(201);
    // A rule stored before the server checked its intents: it names one that never existed.
    await bed.stack.env.sql`insert into automation_rules (name, enabled, trigger, conditions, actions, position)
      values ('Legacy rule', true, 'handoff', ${bed.stack.env.sql.json([{ type: 'intent', intents: ['gone_intent'] }] as never)},
              ${bed.stack.env.sql.json([{ type: 'note', text: 'x' }] as never)}, 5)`;

    const { page, errors, dialogs } = await signedInConsole(bed, '/console/admin/team', { account: bed.stack.admin });
    await page.getByTestId('tab-automation').click();
    const item = (name: string) => page.getByTestId('rule-item').filter({ hasText: name });
    await expect.poll(() => item('Legacy rule').getByTestId('rule-intent-missing').count()).toBe(1);
    expect(await item('Legacy rule').textContent()).toContain('gone_intent (no such intent)');
    expect(await item('Wholesale only').getByTestId('rule-intent-missing').count()).toBe(0);

    await page.goto(`${bed.stack.url}/console/admin/intents`);
    await page.getByTestId('intent-item').getByText('wholesale_enquiry', { exact: true }).click();
    const deleted = page.waitForResponse((r) => r.url().includes('/api/admin/intents/') && r.request().method() === 'DELETE');
    await page.getByTestId('intent-editor').getByRole('button', { name: 'Delete', exact: true }).click();
    expect((await deleted).status()).toBe(200);
    expect(dialogs).toHaveLength(1);
    expect(dialogs[0]).toContain('These automation rules name it and will no longer match it: Wholesale or orders.');
    expect(dialogs[0]).toContain('so they will be switched off (edit them to name another intent): Wholesale only.');
    const stored = await bed.stack.env.sql<{ name: string; enabled: boolean; conditions: unknown }[]>`
      select name, enabled, conditions from automation_rules where name like 'Wholesale%' order by name`;
    expect(stored).toEqual([
      { name: 'Wholesale only', enabled: false, conditions: [] },
      { name: 'Wholesale or orders', enabled: true, conditions: [{ type: 'intent', intents: ['order_help'] }] },
    ]);
    expect(errors).toEqual([]);
  }, 90_000);
});
