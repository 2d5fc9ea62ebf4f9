// The Account panel's "Email alerts", in Debian's Chromium against a real server: an agent with the console in
// Chinese changes which events email them and the delay, a delay out of range is refused in words before anything is
// sent, the choice is saved on the server (with the console's language, which the emails are then written in) and is
// there again after a reload. This server has no SMTP_URL: the panel says the choices wait for it.
import { describe, expect, it } from 'vitest';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';

const bed = consoleTestBed();

const stored = async () =>
  (await bed.stack.env.sql<{ email_alerts: Record<string, unknown> | null }[]>`select email_alerts from users where email = ${bed.stack.agent.email}`)[0].email_alerts;

describe('the Account panel: email alerts', () => {
  it('changes the events and the delay, refuses a bad delay, and keeps the choice on the server', async () => {
    const { page, errors } = await signedInConsole(bed, '/console', { consoleLanguage: 'zh' });
    await page.getByTestId('change-password').click();
    const form = page.getByTestId('email-alert-settings');
    await form.getByTestId('email-alert-delay').waitFor();
    expect(await form.locator('h3').textContent()).toBe('邮件提醒');
    expect(await form.getByTestId('email-alerts-no-smtp').textContent()).toContain('SMTP_URL');
    // The defaults; an agent gets no choice about messages left for the team (admins' business).
    for (const choice of ['assigned', 'shopperMessage', 'mention']) expect(await form.getByTestId(`email-alert-${choice}`).isChecked()).toBe(true);
    expect(await form.getByTestId('email-alert-leftMessage').count()).toBe(0);
    expect(await form.getByTestId('email-alert-delay').inputValue()).toBe('5');
    expect(await stored()).toBeNull();

    await form.getByTestId('email-alert-shopperMessage').uncheck();
    await form.getByTestId('email-alert-delay').fill('0');
    await form.getByTestId('email-alerts-save').click();
    expect(await form.getByRole('alert').textContent()).toBe('等待时间须为 1 到 60 之间的整数分钟。');
    expect(await stored()).toBeNull();

    await form.getByTestId('email-alert-delay').fill('15');
    await form.getByTestId('email-alerts-save').click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('邮件提醒已保存。邮件使用此工作台的语言。');
    expect(await stored()).toEqual({ assigned: true, shopperMessage: false, mention: true, leftMessage: false, delayMinutes: 15, language: 'zh' });
    await page.screenshot({ path: artifactPath('console-email-alerts.png') });

    await page.reload();
    await page.getByTestId('change-password').click();
    const again = page.getByTestId('email-alert-settings');
    await expect.poll(() => again.getByTestId('email-alert-delay').inputValue()).toBe('15');
    expect(await again.getByTestId('email-alert-shopperMessage').isChecked()).toBe(false);
    expect(await again.getByTestId('email-alert-assigned').isChecked()).toBe(true);
    expect(errors).toEqual([]);
  });
});
