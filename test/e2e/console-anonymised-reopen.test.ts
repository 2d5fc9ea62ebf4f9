// The console offers no Reopen for a chat retention anonymised (its shopper's words are refused there, so reopened it
// would be a dead chat), and still does for any other resolved chat. Debian's Chromium (playwright-core) against a
// real server, Postgres and Redis; the shoppers are socket.io clients.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, closedAfterEachTest, signInOnLoginPage } from '../support/browser.ts';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { consoleBundle } from '../support/console-bundle.ts';
import { applyRetention } from '../../server/services/retention.ts';
import { RETAINED_TEXT } from '../../server/services/customer-privacy.ts';

let stack: TestStack;
let browser: Browser;
let agent: AgentClient;
const { contexts, sockets } = closedAfterEachTest<WidgetClient | AgentClient>(() => ({ browser, stack }));

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 60 } });
  browser = await launchBrowser();
}, 120_000);

async function consolePage(path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${stack.url}${path}`);
  await signInOnLoginPage(page, stack.agent);
  return page;
}

/** A chat the demo agent took and closed. */
async function resolvedChat(text: string): Promise<number> {
  const shopper = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
  sockets.push(shopper);
  agent ??= await connectAgent(stack.url, (await login(stack.url, stack.agent.email, stack.agent.password)).token);
  const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `anon-e2e-${text.length}-${Date.now()}`, text });
  await callOk(agent, 'conversation:accept', { conversationId: sent.conversationId }).catch(() => undefined);
  await callOk(agent, 'conversation:resolve', { conversationId: sent.conversationId });
  return sent.conversationId;
}

describe('Reopen in the console', () => {
  it('is offered for a resolved chat, not for one retention anonymised', async () => {
    const kept = await resolvedChat('Where is my parcel?');
    const old = await resolvedChat('My address is 1 Old Lane');
    await stack.env.sql`update conversations set resolved_at = now() - interval '40 days' where id = ${old}`;
    expect(await applyRetention(stack.env.sql, 30)).toBe(1);

    const keptPage = await consolePage(`/console/conversations/${kept}`);
    await keptPage.getByText('Where is my parcel?').first().waitFor();
    await keptPage.getByTestId('reopen').waitFor();

    const oldPage = await consolePage(`/console/conversations/${old}`);
    await oldPage.getByText(RETAINED_TEXT).first().waitFor();
    expect(await oldPage.getByTestId('reopen').count()).toBe(0);
    // Nor by its shortcut (Alt+R): the chat stays resolved.
    await oldPage.keyboard.press('Alt+R');
    await oldPage.waitForTimeout(300);
    expect((await stack.env.sql`select status from conversations where id = ${old}`)[0].status).toBe('resolved');
    sockets.push(agent);
  });
});
