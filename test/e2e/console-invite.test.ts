// Invitations and first-sign-in passwords in Chromium: an admin invites a member from the team page, the member opens
// the emailed link, chooses a password and lands in the console; a member whose password an admin set is shown only
// "Choose your own password" after signing in, until they do.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, closedAfterEachTest, launchBrowser, signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { smtpReceiver, type SmtpReceiver } from '../support/smtp.ts';
import { consoleBundle } from '../support/console-bundle.ts';

let stack: TestStack;
let smtp: SmtpReceiver;
let browser: Browser;
const { contexts } = closedAfterEachTest(() => ({ browser, stack: { close: async () => { await stack?.close(); await smtp?.close(); } } }));

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: build it from this source
  smtp = smtpReceiver();
  const port = await smtp.listen();
  stack = await startStack({ config: { smtpUrl: `smtp://127.0.0.1:${port}`, shopName: 'Northwind Goods', mailFrom: '', rateLimitLoginsPerMinute: 60 } });
  browser = await launchBrowser();
}, 120_000);

/** A fresh browser context at `path`; every uncaught page error is collected in `errors`. */
async function newPage(path = '/console'): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${stack.url}${path}`);
  return { page, errors };
}

describe('team invitations in the console', () => {
  it('an admin invites from the team page; the invitee opens the emailed link, sets a password and lands in the console', async () => {
    const { page: admin, errors: adminErrors } = await newPage();
    await signInOnLoginPage(admin, stack.admin);
    await admin.goto(`${stack.url}/console/admin/team`);
    const form = admin.getByTestId('team-create');
    await form.waitFor();
    // Email is configured: inviting is offered (and chosen), so no password field is asked for.
    expect(await form.getByTestId('team-invite').isChecked()).toBe(true);
    expect(await form.getByTestId('team-password').count()).toBe(0);
    expect(await admin.getByTestId('team-invite-needs-smtp').count()).toBe(0);
    await form.locator('input[placeholder=Name]').fill('Indira Invitee');
    await form.locator('input[type=email]').fill('indira@example.com');
    await form.getByTestId('team-add').click();
    await expect.poll(() => admin.getByTestId('team-notice').textContent()).toBe('Invitation sent to indira@example.com. The link works once, for 7 days.');
    const row = admin.locator('[data-testid=team-row][data-email="indira@example.com"]');
    await expect.poll(() => row.getByTestId('member-invited').textContent()).toBe('Invited — not yet accepted');
    await row.getByTestId('resend-invitation').waitFor();
    await admin.screenshot({ path: artifactPath('console-invite-team.png') });

    const received = smtp.to('indira@example.com').at(-1)!;
    const link = /(\S+\/console\/invite#token=[A-Za-z0-9_-]+)/.exec(received.mail.text ?? '')![1];
    expect(link.startsWith(`${stack.env.config.publicUrl}/console/invite#token=`)).toBe(true);
    // PUBLIC_URL is the configured address; the test server listens on a port of its own: the same path and hash there.
    const { page: invitee, errors: inviteeErrors } = await newPage(link.slice(stack.env.config.publicUrl.length));
    const inviteForm = invitee.getByTestId('invite-form');
    await inviteForm.waitFor();
    expect(await invitee.getByTestId('invite-greeting').textContent()).toBe('Welcome, Indira Invitee. Choose the password you will sign in with as indira@example.com.');
    await invitee.getByTestId('invite-password').fill('indiras-own-pass-1');
    await invitee.getByTestId('invite-password-repeat').fill('indiras-own-pass-X');
    await inviteForm.locator('button[type=submit]').click();
    await expect.poll(() => inviteForm.getByRole('alert').textContent()).toBe('The two new passwords differ.');
    await invitee.getByTestId('invite-password-repeat').fill('indiras-own-pass-1');
    await invitee.screenshot({ path: artifactPath('console-invite-accept.png') });
    await inviteForm.locator('button[type=submit]').click();
    await invitee.getByTestId('whoami').waitFor();
    expect(await invitee.getByTestId('whoami').textContent()).toContain('Indira Invitee');
    expect(new URL(invitee.url()).pathname).toBe('/console');
    expect(new URL(invitee.url()).hash).toBe(''); // the token leaves the address bar
    await expect.poll(() => invitee.getByTestId('presence-toggle').getAttribute('data-presence')).toBe('online'); // the /agent socket is open

    // The link is used up: opened again, it says so and offers the sign-in page.
    const { page: later, errors: laterErrors } = await newPage(link.slice(stack.env.config.publicUrl.length));
    await expect.poll(() => later.getByTestId('invite-error').textContent()).toBe('This invitation was already used: sign in with the password you chose.');
    expect((await login(stack.url, 'indira@example.com', 'indiras-own-pass-1')).user.name).toBe('Indira Invitee');

    await admin.reload();
    await admin.locator('[data-testid=team-row][data-email="indira@example.com"]').waitFor();
    expect(await admin.locator('[data-testid=team-row][data-email="indira@example.com"]').getByTestId('member-invited').count()).toBe(0);
    expect([...adminErrors, ...inviteeErrors, ...laterErrors]).toEqual([]);
  }, 90_000);

  it('a member whose password an admin set is made to choose their own before the console opens', async () => {
    const owner = await login(stack.url, stack.admin.email, stack.admin.password);
    const created = await httpAs(stack.url, 'POST', '/api/admin/team', owner, { email: 'pat.passed-on@example.com', name: 'Pat Passed-On', role: 'agent', password: 'admin-gave-this-1' });
    expect(created.status).toBe(201);

    const { page, errors } = await newPage();
    await signInOnLoginPage(page, { email: 'pat.passed-on@example.com', password: 'admin-gave-this-1' }, 'choose-own-password');
    const form = page.getByTestId('choose-own-password');
    expect(await form.locator('h1').textContent()).toBe('Choose your own password');
    expect(await page.getByTestId('whoami').count()).toBe(0); // nothing of the console behind it
    await page.screenshot({ path: artifactPath('console-choose-own-password.png') });
    await form.getByTestId('own-password-current').fill('admin-gave-this-1');
    await form.getByTestId('own-password-next').fill('admin-gave-this-1');
    await form.getByTestId('own-password-repeat').fill('admin-gave-this-1');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.getByTestId('own-password-error').textContent()).toBe('The new password must differ from the current one.');
    await form.getByTestId('own-password-next').fill('pats-own-pass-22');
    await form.getByTestId('own-password-repeat').fill('pats-own-pass-22');
    await form.locator('button[type=submit]').click();
    await page.getByTestId('whoami').waitFor();
    expect(await page.getByTestId('whoami').textContent()).toContain('Pat Passed-On');
    await expect.poll(() => page.getByTestId('presence-toggle').getAttribute('data-presence')).toBe('online');

    // A reload keeps the console: the flag is gone on the server too.
    await page.reload();
    await page.getByTestId('whoami').waitFor();
    expect(await page.getByTestId('choose-own-password').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});
