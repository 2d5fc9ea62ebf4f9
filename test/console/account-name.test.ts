// The Account panel's "Your name", in Debian's Chromium against a real server: the agent's names are checked as the
// server checks them (said in the console's language), saved with a visible confirmation, and the top bar follows at
// once; their other tab and an admin's team page follow live (agent:renamed), and an admin's rename on the team page
// reaches the agent's top bar too.
import { describe, expect, it } from 'vitest';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';

const bed = consoleTestBed();

describe('the Account panel: your name', () => {
  it('refuses bad names with a clear message, saves good ones, and every open console follows without a reload', async () => {
    const { page, errors } = await signedInConsole(bed, '/console');
    const otherTab = await signedInConsole(bed, '/console');
    const adminTeam = await signedInConsole(bed, '/console/admin/team', { account: bed.stack.admin });
    const agentRow = adminTeam.page.locator('[data-testid=team-row][data-email="agent@demo.shop"]');
    await agentRow.waitFor();

    await page.getByTestId('change-password').click();
    const form = page.getByTestId('own-name-form');
    const full = form.getByLabel('Full name (as the team sees it)');
    const shown = form.getByLabel('Name shown to customers (optional)');
    expect(await full.inputValue()).toBe('Sam Agent');
    expect(await shown.inputValue()).toBe('');

    // Refused before anything is sent, in words, with the fields marked; nothing changes.
    await full.fill('   ');
    await form.getByTestId('own-name-save').click();
    expect(await form.getByRole('alert').textContent()).toBe('The name cannot be empty.');
    expect(await full.getAttribute('aria-invalid')).toBe('true');
    await full.fill('Samuel Agent');
    await shown.fill('S'.repeat(41));
    await form.getByTestId('own-name-save').click();
    expect(await form.getByRole('alert').textContent()).toBe('The name shown to customers can be at most 40 characters.');
    expect((await bed.stack.env.sql`select name, display_name from users where email = 'agent@demo.shop'`)[0]).toEqual({ name: 'Sam Agent', display_name: null });

    // Saved: a confirmation, the top bar at once, the stored names.
    await shown.fill('  Sam ');
    await form.getByTestId('own-name-save').click();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Name saved.');
    expect(await shown.inputValue()).toBe('Sam');
    expect(await page.getByTestId('whoami').textContent()).toMatch(/^Samuel Agent/);
    expect((await bed.stack.env.sql`select name, display_name from users where email = 'agent@demo.shop'`)[0]).toEqual({ name: 'Samuel Agent', display_name: 'Sam' });

    // The agent's other tab and the admin's team list follow live.
    await expect.poll(() => otherTab.page.getByTestId('whoami').textContent(), { timeout: 10_000 }).toMatch(/^Samuel Agent/);
    await expect.poll(() => agentRow.getByTestId('member-name').textContent(), { timeout: 10_000 }).toContain('Samuel Agent');
    expect(await agentRow.getByTestId('member-shown-name').textContent()).toBe('Customers see: Sam');
    await page.screenshot({ path: artifactPath('console-account-name.png') });

    // An admin renames them on the team page: the agent's top bar follows without a reload.
    await agentRow.getByTestId('rename').click();
    const renameForm = agentRow.getByTestId('rename-form');
    await renameForm.getByLabel('Full name (as the team sees it)').fill('Sam Lee');
    await renameForm.getByLabel('Name shown to customers (optional)').fill('');
    await adminTeam.page.screenshot({ path: artifactPath('console-team-rename.png') });
    await renameForm.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => adminTeam.page.getByTestId('team-notice').textContent()).toBe('Name saved.');
    await expect.poll(() => page.getByTestId('whoami').textContent(), { timeout: 10_000 }).toMatch(/^Sam Lee/);
    // The agent's Account panel, open all along, shows the new names: saving it would not put the old one back.
    await expect.poll(() => page.getByTestId('own-name-form').getByTestId('own-name-full').inputValue()).toBe('Sam Lee');
    await expect.poll(() => agentRow.getByTestId('member-shown-name').count()).toBe(0); // once the list has reloaded
    const [audited] = await bed.stack.env.sql`select details from audit_log where action = 'team.update' order by id desc limit 1`;
    expect(audited.details).toMatchObject({ name: 'Sam Lee', displayName: null, previousName: 'Samuel Agent' });
    expect(errors).toEqual([]);
  });

  it('is read-only while a save is in flight, so its answer replaces nothing typed after Enter; the focus comes back', async () => {
    const { page, errors } = await signedInConsole(bed, '/console');
    // The save is held until the test lets it through (the answer is the server's).
    const held: (() => void)[] = [];
    await page.route('**/api/auth/me', async (route) => {
      if (route.request().method() !== 'PATCH') return route.continue();
      await new Promise<void>((release) => held.push(release));
      await route.continue();
    });
    await page.getByTestId('change-password').click();
    const form = page.getByTestId('own-name-form');
    const full = form.getByTestId('own-name-full');
    await full.fill('Sam Typist');
    await full.press('Enter');
    await expect.poll(() => held.length).toBe(1);
    // Typing on while it is on its way reaches no field: the save's answer would replace it.
    expect(await full.isDisabled()).toBe(true);
    expect(await form.getByTestId('own-name-shown').isDisabled()).toBe(true);
    await page.keyboard.type(' Jr');
    held.shift()!();
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Name saved.');
    expect(await full.isDisabled()).toBe(false);
    expect(await full.inputValue()).toBe('Sam Typist');
    expect((await bed.stack.env.sql`select name from users where email = 'agent@demo.shop'`)[0].name).toBe('Sam Typist');
    // The focus, dropped while the field was disabled, is back in it: typing goes on where it was.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('own-name-full');
    await page.keyboard.type(' Jr');
    expect(await full.inputValue()).toBe('Sam Typist Jr');
    expect(await form.getByRole('status').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('says it in Chinese in a Chinese console', async () => {
    const { page } = await signedInConsole(bed, '/console', { consoleLanguage: 'zh' });
    await page.getByTestId('change-password').click();
    const form = page.getByTestId('own-name-form');
    await form.getByTestId('own-name-full').fill('Sam\u202ELee');
    await form.getByTestId('own-name-save').click();
    expect(await form.getByRole('alert').textContent()).toBe('名字不能包含换行或其他控制字符。');
    expect(await form.locator('h3').textContent()).toBe('您的名字');
  });
});
