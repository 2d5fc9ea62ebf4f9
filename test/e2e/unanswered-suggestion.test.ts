// "From chats agents resolved" on the console's unanswered page: the intent the bot is sure a question belongs to is
// pre-selected, also when the intents list arrives after the candidates (held here on its way, as on a slow
// connection), and the admin's own choice is kept when the list reloads. Debian's Chromium (playwright-core) against a
// real server with the seeded knowledge base and its trained intent model, Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Route } from 'playwright-core';
import { launchBrowser, signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { consoleBundle } from '../support/console-bundle.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  stack = await startStack({ server: { extensions: [knowledgeBaseExtension({ prepare: { seed: true } })] }, config: { rateLimitLoginsPerMinute: 60 } });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

/** A chat the bot handed off and an agent resolved: `question` from the shopper, `answer` from the agent. */
async function resolvedHandoff(question: string, answer: string): Promise<number> {
  const { sql } = stack.env;
  const [customer] = await sql<{ id: number }[]>`insert into customers (name) values ('Candidate shopper') returning id`;
  const [{ id }] = await sql<{ id: number }[]>`insert into conversations (customer_id, status, handed_off, resolved_by, resolved_at)
    values (${customer.id}, 'resolved', true, 'agent', now()) returning id`;
  await sql`insert into messages (conversation_id, author_type, body) values (${id}, 'customer', ${question})`;
  await sql`insert into messages (conversation_id, author_type, body) values (${id}, 'agent', ${answer})`;
  return id;
}

describe('the suggested intent of a resolved hand-off', () => {
  it('is pre-selected once the intents arrive after the candidates, and a choice the admin made stays', async () => {
    const sure = await resolvedHandoff('what payment methods do you accept', 'We take cards, PayPal and Apple Pay, and gift cards at checkout.');
    const unsure = await resolvedHandoff('can the ceramic teapot go on a gas hob flame', 'No, the ceramic teapot is not for the hob: heat the water in a kettle.');
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const candidates = (await httpAs(stack.url, 'GET', '/api/admin/unanswered/candidates', admin)).json.items as { conversationId: number; suggestedIntentConfident: boolean }[];
    // The premise: the bot is sure of the one question and not of the other.
    expect(candidates.find((c) => c.conversationId === sure)).toMatchObject({ suggestedIntent: 'payment_methods', suggestedIntentConfident: true });
    expect(candidates.find((c) => c.conversationId === unsure)?.suggestedIntentConfident).toBe(false);
    const intents = (await httpAs(stack.url, 'GET', '/api/admin/intents', admin)).json.items as { id: number; name: string }[];
    const idOf = (name: string) => String(intents.find((i) => i.name === name)!.id);

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      // The intents list is held until the candidates are shown.
      let release!: () => void;
      const held = new Promise<void>((resolve) => { release = resolve; });
      await page.route('**/api/admin/intents', async (route: Route) => { await held; await route.continue(); });
      await page.goto(`${stack.url}/console/admin/unanswered`);
      await signInOnLoginPage(page, stack.admin);
      const row = (id: number) => page.getByTestId('candidate-row').filter({ hasText: `#${id}` });
      await row(sure).waitFor();
      await row(unsure).waitFor();
      expect(await row(sure).locator('select option').count(), 'no intents yet').toBe(1);
      release();

      await expect.poll(() => row(sure).locator('select').inputValue()).toBe(idOf('payment_methods'));
      expect(await row(unsure).locator('select').inputValue()).toBe('');

      // The admin picks another intent; the list reloading (another row dismissed) does not put the suggestion back.
      await row(sure).locator('select').selectOption(idOf('shipping_time'));
      await row(unsure).getByRole('button', { name: 'Dismiss', exact: true }).click();
      await row(unsure).waitFor({ state: 'detached' });
      expect(await row(sure).locator('select').inputValue()).toBe(idOf('shipping_time'));
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
