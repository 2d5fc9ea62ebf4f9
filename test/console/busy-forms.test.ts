// The team page's rename form and the password forms (the Account panel's, and the one a member whose password an
// admin set must fill in first), in Debian's Chromium against a real server: while the request is on its way the
// fields and Save are disabled, as in the console's other editors (`fieldset.fields`, useAction), so a second click or
// Enter sends nothing more; refused, what was typed stays and the focus is back where it was.
import { describe, expect, it } from 'vitest';
import type { Locator, Page, Route } from 'playwright-core';
import { consoleTestBed, signedInConsole, signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login } from '../support/server.ts';

const bed = consoleTestBed();

/** Holds the page's `method` requests to `url` until the test lets each go on (`release(route)` decides how). */
async function holdRequests(page: Page, url: string, method: string) {
  const held: Route[] = [];
  let sent = 0;
  await page.route(url, async (route) => {
    if (route.request().method() !== method) return route.continue();
    sent++;
    held.push(route);
  });
  return { held, sent: () => sent };
}

const hasFocus = (element: Locator) => element.evaluate((node) => node === document.activeElement);

/**
 * A click on a disabled button does nothing in a browser; `force` clicks it anyway, as a hurried person would. (The
 * click puts the focus on the page around it, so where the focus comes back to is tested without one.)
 */
const clickAgain = (button: Locator) => button.click({ force: true });

describe('forms are read-only while their request is on its way', () => {
  it("the team page's rename: sent once, refused it keeps the names typed, and the focus comes back", async () => {
    const { page, errors } = await signedInConsole(bed, '/console/admin/team', { account: bed.stack.admin });
    const row = page.locator('[data-testid=team-row][data-email="agent@demo.shop"]');
    await row.getByTestId('rename').click();
    const form = row.getByTestId('rename-form');
    const renames = await holdRequests(page, '**/api/admin/team/*', 'PATCH');
    const full = form.getByTestId('rename-full');
    const save = form.getByRole('button', { name: 'Save' });
    await full.fill('Sam Renamed');
    await full.press('Enter');
    await expect.poll(() => renames.held.length).toBe(1);
    expect(await full.isDisabled()).toBe(true);
    expect(await form.getByTestId('rename-shown').isDisabled()).toBe(true);
    expect(await save.isDisabled()).toBe(true);
    await page.keyboard.press('Enter');
    await page.keyboard.type(' Jr');

    // The connection drops: said in the form, the names stay as typed, editable again, the focus back in the field.
    await renames.held.shift()!.abort('connectionreset');
    await expect.poll(() => form.getByTestId('rename-error').textContent()).toBe('The server could not be reached: check the connection and try again.');
    expect(renames.sent()).toBe(1);
    expect(await full.isDisabled()).toBe(false);
    expect(await save.isDisabled()).toBe(false);
    expect(await full.inputValue()).toBe('Sam Renamed');
    await expect.poll(() => hasFocus(full)).toBe(true);

    // Tried again, clicked twice: it goes once, and through.
    await save.click();
    await expect.poll(() => renames.held.length).toBe(1);
    await clickAgain(save);
    await renames.held.shift()!.continue();
    await expect.poll(() => page.getByTestId('team-notice').textContent()).toBe('Name saved.');
    expect(renames.sent()).toBe(2);
    expect((await bed.stack.env.sql`select name from users where email = 'agent@demo.shop'`)[0].name).toBe('Sam Renamed');
    expect(errors).toEqual([]);
  });

  it("the Account panel's password change: sent once, refused it keeps what was typed, and the focus comes back", async () => {
    const { page, errors } = await signedInConsole(bed, '/console');
    await page.getByTestId('change-password').click();
    const form = page.getByTestId('password-form');
    const changes = await holdRequests(page, '**/api/auth/password', 'POST');
    const save = form.getByRole('button', { name: 'Save' });
    await form.getByTestId('password-current').fill('not-my-password-0');
    await form.getByTestId('password-next').fill('a-new-password-1');
    await form.getByTestId('password-repeat').fill('a-new-password-1');
    await form.getByTestId('password-repeat').press('Enter');
    await expect.poll(() => changes.held.length).toBe(1);
    for (const key of ['current', 'next', 'repeat']) expect(await form.getByTestId(`password-${key}`).isDisabled(), key).toBe(true);
    expect(await save.isDisabled()).toBe(true);
    await page.keyboard.press('Enter');

    // The server refuses it (the current password is wrong): said, the fields as typed and editable, the focus back.
    await changes.held.shift()!.continue();
    await expect.poll(() => form.getByTestId('password-message').getAttribute('role')).toBe('alert');
    expect(changes.sent()).toBe(1);
    for (const [key, typed] of [['current', 'not-my-password-0'], ['next', 'a-new-password-1'], ['repeat', 'a-new-password-1']]) {
      expect(await form.getByTestId(`password-${key}`).isDisabled(), key).toBe(false);
      expect(await form.getByTestId(`password-${key}`).inputValue(), key).toBe(typed);
    }
    expect(await save.isDisabled()).toBe(false);
    await expect.poll(() => hasFocus(form.getByTestId('password-repeat'))).toBe(true);

    // Saved with a click, clicked twice: sent once (refused again).
    await save.click();
    await expect.poll(() => changes.held.length).toBe(1);
    await clickAgain(save);
    await changes.held.shift()!.continue();
    await expect.poll(() => save.isDisabled()).toBe(false);
    expect(changes.sent()).toBe(2);
    expect(await form.getByTestId('password-message').getAttribute('role')).toBe('alert');
    // The demo agent's password is as it was.
    await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
    expect(errors).toEqual([]);
  });

  it('the first password of a member an admin set one for: read-only while on its way, refused it keeps what was typed', async () => {
    const owner = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const account = { email: 'kim.busy@example.com', password: 'admin-gave-this-1' };
    expect((await httpAs(bed.stack.url, 'POST', '/api/admin/team', owner, { ...account, name: 'Kim Busy', role: 'agent' })).status).toBe(201);
    const { page, errors } = await signedInConsole(bed, '/console', { account: null });
    await signInOnLoginPage(page, account, 'choose-own-password');
    const form = page.getByTestId('choose-own-password');
    const changes = await holdRequests(page, '**/api/auth/password', 'POST');
    await form.getByTestId('own-password-current').fill('admin-gave-this-1');
    await form.getByTestId('own-password-next').fill('admin-gave-this-1'); // the same: refused
    await form.getByTestId('own-password-repeat').fill('admin-gave-this-1');
    const submit = form.locator('button[type=submit]');
    await submit.click();
    await expect.poll(() => changes.held.length).toBe(1);
    for (const key of ['current', 'next', 'repeat']) expect(await form.getByTestId(`own-password-${key}`).isDisabled(), key).toBe(true);
    expect(await submit.isDisabled()).toBe(true);
    await clickAgain(submit);

    await changes.held.shift()!.continue();
    await expect.poll(() => form.getByTestId('own-password-error').textContent()).toBe('The new password must differ from the current one.');
    expect(changes.sent()).toBe(1);
    expect(await form.getByTestId('own-password-next').isDisabled()).toBe(false);
    expect(await form.getByTestId('own-password-next').inputValue()).toBe('admin-gave-this-1');
    await expect.poll(() => hasFocus(submit)).toBe(true);

    // Its own password, once: the console opens.
    await form.getByTestId('own-password-next').fill('kims-own-pass-22');
    await form.getByTestId('own-password-repeat').fill('kims-own-pass-22');
    await submit.click();
    await expect.poll(() => changes.held.length).toBe(1);
    await changes.held.shift()!.continue();
    await page.getByTestId('whoami').waitFor();
    expect(changes.sent()).toBe(2);
    expect(errors).toEqual([]);
  });
});
