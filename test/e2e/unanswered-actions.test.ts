// The console's unanswered page while an action is on its way: the row's buttons are disabled (a second click would
// act twice), and a refusal because another admin handled the group meanwhile (409) is shown in the row and the list
// reloaded. Debian's Chromium (playwright-core) against a real server with the knowledge base, Postgres and Redis.
import { describe, expect, it } from 'vitest';
import type { Route } from 'playwright-core';
import { signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login } from '../support/server.ts';
import { knowledgeBaseConsoleBed } from '../support/kb-console-bed.ts';
import { unansweredRepository } from '../../knowledge-base/unanswered.ts';

const bed = knowledgeBaseConsoleBed();

describe('unanswered page actions', () => {
  it("disables a row's buttons while its action runs, and shows a refusal from a group handled meanwhile", async () => {
    const groupId = await unansweredRepository(bed.stack.env.sql).record('do you sell replacement parts for the wooden rocking horse', null, { reason: 'no_match' });
    const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${bed.stack.url}/console/admin/unanswered`);
      await signInOnLoginPage(page, bed.stack.admin);
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
      const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
      expect((await httpAs(bed.stack.url, 'POST', `/api/admin/unanswered/${groupId}/handled`, admin)).status).toBe(200);
      const refused = page.waitForResponse((r) => r.url().endsWith(`/api/admin/unanswered/${groupId}/out-of-scope`));
      // The list's reload is held too, so the row can be read before it goes: it words the refusal as the page does.
      let reload!: () => void;
      const reloadHeld = new Promise<void>((resolve) => { reload = resolve; });
      await page.route('**/api/admin/unanswered?status=open', async (route: Route) => {
        await reloadHeld;
        await route.continue();
      });
      release();
      expect((await refused).status()).toBe(409);
      await expect.poll(() => row.locator('.error').textContent()).toBe('This question was handled already (the list now shows what was done).');
      reload();
      await row.waitFor({ state: 'detached' });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('words the learning loop\'s refusals in the Chinese console: a question too long for an example', async () => {
    // A resolved hand-off whose question is longer than an example may be (500 characters).
    const long = `${'我上个月买了一个木马给我侄子，他非常喜欢，现在想再买一个送给他的朋友。'.repeat(15)}请问还有货吗？`;
    expect(long.length).toBeGreaterThan(500);
    const visitor = await bed.stack.env.sql<{ id: number }[]>`insert into customers (name) values ('Long question') returning id`;
    const [{ id: conversationId }] = await bed.stack.env.sql<{ id: number }[]>`insert into conversations (customer_id, status, handed_off, resolved_by, resolved_at)
      values (${visitor[0].id}, 'resolved', true, 'agent', now()) returning id`;
    await bed.stack.env.sql`insert into messages (conversation_id, author_type, body) values (${conversationId}, 'customer', ${long})`;
    await bed.stack.env.sql`insert into messages (conversation_id, author_type, body) values (${conversationId}, 'agent', '还有货的，付款后两个工作日内从仓库发出，请放心下单。')`;
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const created = await httpAs(bed.stack.url, 'POST', '/api/admin/intents', admin, { name: 'stock_question', examples: { en: [], zh: ['还有货吗', '什么时候补货'] } });
    expect(created.status).toBe(201);
    const intents = [created.json.intent];

    const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      await context.addInitScript(() => localStorage.setItem('sd.locale', 'zh'));
      const page = await context.newPage();
      await page.goto(`${bed.stack.url}/console/admin/unanswered`);
      await signInOnLoginPage(page, bed.stack.admin);
      const row = page.getByTestId('candidate-row').filter({ hasText: `#${conversationId}` });
      await row.waitFor();
      await row.locator('select').selectOption(String(intents[0].id));
      const refused = page.waitForResponse((r) => r.url().endsWith(`/api/admin/unanswered/candidates/${conversationId}/add-example`));
      await row.getByRole('button', { name: '添加为例句', exact: true }).click();
      expect((await refused).status()).toBe(400);
      await expect.poll(() => row.locator('.error').textContent()).toBe('顾客的问题超过了例句的长度上限（最多 500 个字符）：请在意图编辑器中为该意图添加一个缩短的版本。');
    } finally {
      await context.close();
    }
  }, 90_000);
});
