// Personal API tokens in the console, in Debian's Chromium (playwright-core) against a real server, Postgres and
// Redis: an admin makes a token on Team & settings → API tokens, sees its secret once, an API client (fetch with no
// cookie) uses it, the list shows it used, and revoking it there refuses it at once.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifactPath, consoleTestBed, signInOnLoginPage } from '../support/browser.ts';

const bed = consoleTestBed();

/** What an integration does: a request with the token and no cookie (credentials omitted), from the page. */
const callWithToken = (page: Page, token: string, path: string) =>
  page.evaluate(async ([token, path]) => {
    const response = await fetch(path, { headers: { authorization: `Bearer ${token}` }, credentials: 'omit' });
    return { status: response.status, body: await response.json() };
  }, [token, path] as const);

describe('API tokens in the console', () => {
  it('an admin makes a token, sees its secret once, it works as Bearer, and revoking it stops it', async () => {
    const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    bed.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
    await page.goto(`${bed.stack.url}/console/admin/team`);
    await signInOnLoginPage(page, bed.stack.admin);

    await page.getByTestId('tab-tokens').click();
    const tab = page.getByTestId('api-tokens');
    await tab.getByText('No API token yet.').waitFor();
    await page.getByTestId('api-token-name').fill('Warehouse sync');
    await page.getByTestId('api-token-scope').selectOption('admin');
    await page.getByTestId('api-token-submit').click();
    const secret = (await page.getByTestId('api-token-secret-value').textContent())!.trim();
    expect(secret).toMatch(/^sd_[A-Za-z0-9_-]{43}$/);
    const row = page.locator('[data-testid=api-token-row][data-name="Warehouse sync"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Admin');
    expect(await row.getByTestId('api-token-last-used').textContent()).toBe('Never');
    await page.screenshot({ path: artifactPath('console-api-tokens.png') });

    // Shown once: after "Done", and after the tab is opened again, it is nowhere on the page.
    await page.getByTestId('api-token-secret-done').click();
    await page.getByTestId('tab-webhooks').click();
    await page.getByTestId('tab-tokens').click();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret.slice(3));

    // An API client with the token and no cookie: an admin route answers.
    const used = await callWithToken(page, secret, '/api/admin/audit-log');
    expect(used.status).toBe(200);
    expect(used.body.items.some((entry: { action: string }) => entry.action === 'api_token.create')).toBe(true);
    await page.getByTestId('tab-webhooks').click();
    await page.getByTestId('tab-tokens').click();
    await expect.poll(async () => row.getByTestId('api-token-last-used').textContent()).not.toBe('Never');

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByTestId('api-token-revoke').click();
    await row.waitFor({ state: 'detached' });
    const refused = await callWithToken(page, secret, '/api/admin/audit-log');
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('api_token_invalid');
  }, 60_000);
});
