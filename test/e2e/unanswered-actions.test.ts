// The console's unanswered page while an action is on its way: the row's buttons are disabled (a second click would
// act twice), and a refusal because another admin handled the group meanwhile (409) is shown in the row and the list
// reloaded. Debian's Chromium (playwright-core) against a real server with the knowledge base, Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Route } from 'playwright-core';
import { launchBrowser, signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { consoleBundle } from '../support/console-bundle.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import { unansweredRepository } from '../../knowledge-base/unanswered.ts';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  stack = await startStack({ server: { extensions: [knowledgeBaseExtension()] }, config: { rateLimitLoginsPerMinute: 60 } });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('unanswered page actions', () => {
  it("disables a row's buttons while its action runs, and shows a refusal from a group handled meanwhile", async () => {
    const groupId = await unansweredRepository(stack.env.sql).record('do you sell replacement parts for the wooden rocking horse', null, { reason: 'no_match' });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${stack.url}/console/admin/unanswered`);
      await signInOnLoginPage(page, stack.admin);
      const row = page.getByTestId('unanswered-row').filter({ hasText: 'rocking horse' });
      await row.waitFor();

      // "Not for the bot" is held on its way, as on a slow connection.
      let release!: () => void;
      const held = new Promise<void>((resolve) => { release = resolve; });
      let reached!: () => void;
      const arrived = new Promise<void>((resolve) => { reached = resolve; });
      await page.route(`**/api/admin/unanswered/${groupId}/out-of-scope`, async (route: Route) => {
        reached();
        await held;
        await route.continue();
      });
      await row.getByTestId('unanswered-out-of-scope').click();
      await arrived;
      for (const name of ['Create article', 'Not for the bot', 'Dismiss']) {
        expect(await row.getByRole('button', { name, exact: true }).isDisabled(), name).toBe(true);
      }

      // Meanwhile another admin dismisses the group: the held request is refused, the row says so, the list reloads.
      const admin = await login(stack.url, stack.admin.email, stack.admin.password);
      expect((await httpAs(stack.url, 'POST', `/api/admin/unanswered/${groupId}/handled`, admin)).status).toBe(200);
      const refused = page.waitForResponse((r) => r.url().endsWith(`/api/admin/unanswered/${groupId}/out-of-scope`));
      release();
      expect((await refused).status()).toBe(409);
      await row.waitFor({ state: 'detached' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
