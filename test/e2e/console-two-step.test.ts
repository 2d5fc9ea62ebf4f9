// Two-step sign-in in Chromium: an agent turns it on from the account panel, signs in through the login page with
// a code (computed here from the secret the set-up answered, as their phone would) or a recovery code, and an admin
// resets it from the team page.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchBrowser, closedAfterEachTest } from '../support/browser.ts';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { authenticator } from '../support/authenticator.ts';
import { consoleBundle } from '../support/console-bundle.ts';

let stack: TestStack;
let browser: Browser;
const { contexts } = closedAfterEachTest(() => ({ browser, stack }));

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: build it from this source
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 60 } });
  browser = await launchBrowser();
}, 120_000);

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${stack.url}/console`);
  await page.getByTestId('login-form').waitFor();
  return page;
}

async function passwordStep(page: Page, email: string, password: string) {
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

const PASSWORD = 'console-two-step-1';
const ADMIN_SET_PASSWORD = 'set-by-the-admin-1';

async function newAgent(email: string, name: string) {
  const admin = await login(stack.url, stack.admin.email, stack.admin.password);
  const created = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email, name, role: 'agent', password: ADMIN_SET_PASSWORD });
  expect(created.status).toBe(201);
  // A password an admin sets is replaced at the first sign-in (console-invite.test.ts): the agent chooses PASSWORD.
  const first = await login(stack.url, email, ADMIN_SET_PASSWORD);
  expect((await httpAs(stack.url, 'POST', '/api/auth/password', first, { currentPassword: ADMIN_SET_PASSWORD, newPassword: PASSWORD })).status).toBe(200);
  return created.json.member.id as number;
}

describe('two-step sign-in in the console', () => {
  it('an agent turns it on from the account panel, then signs in with a code from the app, or once with a recovery code', async () => {
    const email = 'two.step.console@example.com';
    await newAgent(email, 'Tess Two-Step');
    const agentSession = await login(stack.url, email, PASSWORD); // to read the state the panel does not show
    const page = await newPage();
    await passwordStep(page, email, PASSWORD);
    await page.getByTestId('whoami').waitFor();

    await page.getByTestId('change-password').click();
    const card = page.getByTestId('two-step');
    expect(await card.getByTestId('two-step-state').getAttribute('data-enabled')).toBe('false');
    const setupAnswer = page.waitForResponse((r) => r.url().endsWith('/api/auth/two-step/setup'));
    await card.getByTestId('two-step-begin').click();
    const { secret } = (await (await setupAnswer).json()) as { secret: string };
    // The key is shown for typing into the app, in groups of four.
    expect((await card.getByTestId('two-step-secret').textContent())!.replace(/ /g, '')).toBe(secret);
    // The QR code is drawn (an image that loaded, not a broken one).
    await expect.poll(() => card.getByTestId('two-step-qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await page.screenshot({ path: artifactPath('console-two-step-setup.png') });
    const phone = authenticator(secret);
    await card.getByTestId('two-step-confirm-code').fill(phone.next());
    // Turning it on asks for the current password too: a wrong one is refused and changes nothing.
    await card.getByTestId('two-step-confirm-password').fill('not-my-password');
    await card.locator('[data-testid=two-step-setup] button[type=submit]').click();
    await expect.poll(() => card.getByTestId('two-step-message').textContent()).toBe('The current password is wrong.');
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agentSession)).json).toMatchObject({ enabled: false, pending: true });
    await card.getByTestId('two-step-confirm-password').fill(PASSWORD);
    await card.locator('[data-testid=two-step-setup] button[type=submit]').click();
    const codes = card.getByTestId('recovery-codes').locator('li');
    await expect.poll(() => codes.count()).toBe(10);
    const recoveryCode = (await codes.first().textContent())!;
    await page.screenshot({ path: artifactPath('console-two-step-recovery-codes.png') });
    await card.getByTestId('recovery-codes-done').click();
    await expect.poll(() => card.getByTestId('two-step-state').getAttribute('data-enabled')).toBe('true');

    // Another browser: the password alone no longer signs in; the code step is asked for.
    const next = await newPage();
    await passwordStep(next, email, PASSWORD);
    const form = next.getByTestId('two-step-form');
    await form.waitFor();
    const input = form.getByTestId('two-step-code');
    expect(await input.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await input.getAttribute('inputmode')).toBe('numeric');
    expect((await next.context().cookies()).some((c) => c.name === 'sd_session')).toBe(false);
    await next.screenshot({ path: artifactPath('console-two-step-login.png') });
    await input.fill(phone.wrong());
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.getByTestId('two-step-error').textContent()).toBe('That code is not right.');
    await input.fill(phone.next());
    await form.locator('button[type=submit]').click();
    await next.getByTestId('whoami').waitFor();
    expect(await next.getByTestId('whoami').textContent()).toContain('Tess Two-Step');

    // A lost phone: a recovery code, which then works no more.
    const third = await newPage();
    await passwordStep(third, email, PASSWORD);
    await third.getByTestId('two-step-recovery-toggle').click();
    const recoveryInput = third.getByTestId('two-step-code');
    expect(await recoveryInput.getAttribute('inputmode')).toBe('text');
    await recoveryInput.fill(recoveryCode);
    await third.locator('[data-testid=two-step-form] button[type=submit]').click();
    await third.getByTestId('whoami').waitFor();
    const fourth = await newPage();
    await passwordStep(fourth, email, PASSWORD);
    await fourth.getByTestId('two-step-recovery-toggle').click();
    await fourth.getByTestId('two-step-code').fill(recoveryCode);
    await fourth.locator('[data-testid=two-step-form] button[type=submit]').click();
    await expect.poll(() => fourth.getByTestId('two-step-error').textContent()).toBe('That code was already used. Wait for the next one in your app.');
  });

  it("an admin sees who has it on and resets someone's two-step sign-in from the team page", async () => {
    const email = 'lost.phone@example.com';
    const id = await newAgent(email, 'Lou Lost-Phone');
    const agent = await login(stack.url, email, PASSWORD);
    const setup = await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', agent);
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent, { code: authenticator(setup.json.secret).next(), password: PASSWORD })).status).toBe(200);

    const page = await newPage();
    await passwordStep(page, stack.admin.email, stack.admin.password);
    await page.getByTestId('whoami').waitFor();
    await page.goto(`${stack.url}/console/admin/team`);
    const row = page.locator(`[data-testid=team-row][data-email="${email}"]`);
    await expect.poll(() => row.getByTestId('member-two-step').getAttribute('data-on')).toBe('true');
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByTestId('reset-two-step').click();
    await expect.poll(() => page.getByTestId('team-notice').textContent()).toContain('Lou Lost-Phone');
    await expect.poll(() => row.getByTestId('member-two-step').getAttribute('data-on')).toBe('false');
    expect(await row.getByTestId('reset-two-step').count()).toBe(0);
    // Signed out everywhere, and back in with the password alone.
    expect((await httpAs(stack.url, 'GET', '/api/auth/me', agent)).status).toBe(401);
    expect((await login(stack.url, email, PASSWORD)).user.id).toBe(id);
  });
});
