// The chat server goes away under an open widget and comes back on the same
// address: the widget says it cannot reach the server, keeps what the shopper
// types, and when the server is back sends it once, in order, and fetches what
// it missed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { artifactPath, launchBrowser } from '../support/browser.ts';
import { login, startStack, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, eventually } from '../support/sockets.ts';
import { createServer } from '../../server/app.ts';
import { bubbles, conversationOf, freshWidgetBundle, newWidgetPage, openDemo, openWidget, send } from './widget-helpers.ts';

let stack: TestStack;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await freshWidgetBundle();
  stack = await startStack();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await stack?.close(); // closes the restarted server too (it is added to stack.servers)
});

describe('widget across a server restart', () => {
  it('shows the outage, queues what is typed, then delivers it once and in order and catches up', async () => {
    const { page } = await newWidgetPage(browser, contexts);
    await openDemo(stack, page);
    await openWidget(page);
    await send(page, 'Before the outage');
    const conversationId = await conversationOf(stack, 'Before the outage');
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor(); // the bot's reply

    const port = Number(new URL(stack.url).port);
    await stack.servers[0].handle.close();
    await page.locator('.status[data-state="reconnecting"], .status[data-state="unreachable"]').waitFor();
    await send(page, 'During the outage 1');
    await send(page, 'During the outage 2');
    await eventually(async () => (await page.locator('.log .msg.mine .meta[data-state="Waiting for connection"]').count()) === 2, 5_000, 'two waiting messages');
    await page.locator('.status[data-state="unreachable"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('.status').textContent()).toBe('The chat server cannot be reached right now. Retrying…');
    await page.screenshot({ path: artifactPath('widget-server-down.png') });

    // Back on the same address. An agent writes at once, before the widget has reconnected.
    const handle = await createServer({ ...stack.env.config, port });
    stack.servers.push({ handle, url: await handle.listen() });
    const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
    const agent = await connectAgent(stack.url, token);
    try {
      await callOk(agent, 'message:send', { conversationId, clientId: 'agent-after-restart', text: 'We are back, sorry about that.' });

      const rows = await eventually(async () => {
        const found = await stack.env.sql<{ body: string }[]>`
          select body from messages where conversation_id = ${conversationId} and author_type = 'customer' order by id`;
        return found.length === 3 ? found : null;
      }, 30_000, 'queued messages stored after the restart');
      expect(rows.map((r) => r.body)).toEqual(['Before the outage', 'During the outage 1', 'During the outage 2']);
      await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
      await page.locator('.log .msg', { hasText: 'We are back, sorry about that.' }).waitFor();
      await eventually(async () => (await page.locator('.log .msg.mine .meta[data-state="Sent"]').count()) === 3, 10_000, 'all three shown as sent');
      // Each message once, in the server's order (whether the agent's reply landed before or after the queued ones).
      const stored = await stack.env.sql<{ body: string }[]>`
        select body from messages where conversation_id = ${conversationId} and (body like '%outage%' or body like 'We are back%') order by id`;
      expect(stored).toHaveLength(4);
      const shown = (await bubbles(page)).map((b) => b.text).filter((t) => /outage|We are back/.test(t));
      expect(shown).toEqual(stored.map((r) => r.body));
    } finally {
      agent.close();
    }
  }, 150_000); // above the sum of its own bounded waits, so a failure names the step that failed
});
