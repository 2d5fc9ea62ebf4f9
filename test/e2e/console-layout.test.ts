// The console's layout on a phone (390×844) and a laptop (1366×800), the compact agent assist, system lines in the
// console's language and the widget install snippet. Debian's Chromium (playwright-core) against a real server with
// the workers, the knowledge-base bot, Postgres and Redis; shoppers are socket.io-client connections.
// Screenshots go to test-artifacts/ (git-ignored).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { artifactPath, launchBrowser, signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { consoleBundle } from '../support/console-bundle.ts';
import { seedKnowledgeBase } from '../../knowledge-base/seed.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1366, height: 800 };

let stack: TestStack;
let browser: Browser;
let admin: { token: string; cookie: string; user: { id: number; name: string } };
const contexts: BrowserContext[] = [];
const sockets: (WidgetClient | AgentClient)[] = [];

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  stack = await startStack({ workers: true, server: { extensions: [knowledgeBaseExtension()] }, config: { rateLimitLoginsPerMinute: 60 } });
  // The demo articles, indexed by the real job: agent assist then suggests long passages, as in production.
  await seedKnowledgeBase(stack.env.sql);
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  await httpAs(stack.url, 'POST', '/api/admin/kb/reindex', admin);
  await eventually(async () => {
    const status = (await httpAs(stack.url, 'GET', '/api/admin/kb/status', admin)).json;
    return status.indexing.state === 'done' && status.server.indexedArticles >= 10;
  }, 60_000, 'the demo knowledge base indexed');
  browser = await launchBrowser();
}, 180_000);

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

afterAll(async () => {
  sockets.forEach((s) => s.close());
  await browser?.close();
  await stack?.close();
});

async function consolePage(who: 'agent' | 'admin', viewport: { width: number; height: number }, options: { path?: string; locale?: 'en' | 'zh'; timezoneId?: string } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport, timezoneId: options.timezoneId });
  contexts.push(context);
  if (options.locale) await context.addInitScript((locale) => localStorage.setItem('sd.locale', locale), options.locale);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${stack.url}${options.path ?? '/console'}`);
  const account = who === 'admin' ? stack.admin : stack.agent;
  await signInOnLoginPage(page, account, 'presence-toggle');
  return page;
}

/** A shopper who asked a question, asked for a person and left a message; the chat is then held by `holder`. */
async function heldChat(label: string, holder: 'agent' | 'admin'): Promise<number> {
  const session = await widgetSession(stack.url, { name: `Shopper ${label}`, email: `${label}@example.com`, locale: 'en' });
  const shopper = await connectWidget(stack.url, session.visitorToken);
  sockets.push(shopper);
  const question = 'How long does a refund take to reach my card? I returned the jacket two weeks ago.';
  const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `${label}-q`, text: question });
  await callOk(shopper, 'handoff:request', { conversationId: sent.conversationId });
  await callOk(shopper, 'offline:leave', { email: `${label}@example.com`, text: 'Please answer by email if nobody is around.', conversationId: sent.conversationId });
  const account = holder === 'admin' ? stack.admin : stack.agent;
  const { token, user } = await login(stack.url, account.email, account.password);
  const agent = await connectAgent(stack.url, token);
  sockets.push(agent);
  // An agent whose console is open elsewhere in this file is online and may have been given the chat already.
  const row = await eventually(async () => {
    const [c] = await stack.env.sql<{ status: string; assignee_id: number | null }[]>`select status, assignee_id from conversations where id = ${sent.conversationId}`;
    return c.status === 'queued' || c.status === 'assigned' ? c : null;
  }, 10_000, 'the chat handed off');
  if (row.status === 'queued') await callOk(agent, 'conversation:accept', { conversationId: sent.conversationId });
  else if (row.assignee_id !== user.id) {
    const adminSocket = await connectAgent(stack.url, admin.token); // an admin may move any chat
    sockets.push(adminSocket);
    // Chats go only to someone at a console; the holder's opens next (an API socket leaves presence as it is).
    await stack.env.sql`update users set presence = 'online' where id = ${user.id} and presence = 'offline'`;
    await callOk(adminSocket, 'conversation:transfer', { conversationId: sent.conversationId, toAgentId: user.id });
  }
  return sent.conversationId;
}

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await locator.boundingBox();
  if (!b) throw new Error('element not rendered');
  return b;
}

/** The element lies wholly inside the viewport. */
async function expectOnScreen(page: Page, locator: Locator): Promise<void> {
  const b = await box(locator);
  const viewport = page.viewportSize()!;
  expect(b.x).toBeGreaterThanOrEqual(0);
  expect(b.y).toBeGreaterThanOrEqual(0);
  expect(b.x + b.width).toBeLessThanOrEqual(viewport.width + 0.5);
  expect(b.y + b.height).toBeLessThanOrEqual(viewport.height + 0.5);
}

/** Whether the top-most element at the centre of `locator` belongs to it (nothing covers it). */
const uncovered = (locator: Locator) => locator.evaluate((el) => {
  const r = el.getBoundingClientRect();
  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return top !== null && (el === top || el.contains(top));
});

describe('console layout', () => {
  it('on a phone: one column at a time, a usable composer, the customer as a drawer, the header behind a menu', async () => {
    const conversationId = await heldChat('phone', 'agent');
    const page = await consolePage('agent', PHONE);

    // Header: the presence stays in reach; name, password and sign-out are one tap away and on screen.
    await expectOnScreen(page, page.getByTestId('presence-toggle'));
    await expect.poll(() => page.getByTestId('logout').isVisible()).toBe(false);
    await page.getByTestId('menu-toggle').click();
    for (const id of ['whoami', 'change-password', 'logout', 'nav-customers', 'nav-messages']) {
      await page.getByTestId(id).waitFor();
      await expectOnScreen(page, page.getByTestId(id));
    }
    await page.screenshot({ path: artifactPath('console-phone-menu.png') });
    await page.getByTestId('menu-toggle').click();
    await page.getByTestId('logout').waitFor({ state: 'hidden' });

    // The list takes the screen; picking a chat shows the chat alone.
    const item = page.locator(`[data-testid=inbox-item][data-conversation-id="${conversationId}"]`);
    await item.waitFor();
    expect((await box(page.getByTestId('inbox'))).width).toBeGreaterThan(PHONE.width - 40);
    await item.click();
    const conversation = page.getByTestId('conversation');
    await conversation.waitFor();
    await page.getByTestId('inbox').waitFor({ state: 'hidden' });
    expect((await box(conversation)).width).toBeGreaterThan(PHONE.width - 40);

    // The composer: on screen, full width, a real text box; nothing lies over the conversation.
    const composer = page.getByTestId('composer');
    const input = page.getByTestId('reply-input');
    await expectOnScreen(page, composer);
    expect((await box(composer)).width).toBeGreaterThan(PHONE.width - 40);
    expect((await box(input)).height).toBeGreaterThanOrEqual(40);
    expect((await box(page.getByTestId('history'))).height).toBeGreaterThanOrEqual(150);
    expect(await page.getByTestId('customer-column').isVisible()).toBe(false);
    for (const part of [composer, input, page.getByTestId('history')]) expect(await uncovered(part)).toBe(true);
    await page.screenshot({ path: artifactPath('console-phone-conversation.png') });

    await input.fill('Hello from a phone');
    await page.getByTestId('send').click();
    await page.getByTestId('msg-agent').filter({ hasText: 'Hello from a phone' }).waitFor();

    // The customer opens as a drawer over the chat and closes again.
    await page.getByTestId('toggle-customer').click();
    const drawer = page.getByTestId('customer-column');
    await drawer.getByText('phone@example.com').first().waitFor();
    await expectOnScreen(page, page.getByTestId('close-customer'));
    await page.screenshot({ path: artifactPath('console-phone-customer.png') });
    await page.getByTestId('close-customer').click();
    await drawer.waitFor({ state: 'hidden' });
    expect(await uncovered(composer)).toBe(true);

    // Back to the list.
    await page.getByTestId('back-to-inbox').click();
    await page.getByTestId('inbox').waitFor();
    await conversation.waitFor({ state: 'detached' });
  });

  it('on a laptop: one-row header, Transfer beside its picker, compact agent assist that remembers being opened', async () => {
    const conversationId = await heldChat('laptop', 'admin');
    const page = await consolePage('admin', LAPTOP, { path: `/console/conversations/${conversationId}` });
    await page.getByTestId('conversation').waitFor();

    // Every navigation link (agent pages and admin pages) on one row, and the bar one line high.
    const links = await page.locator('header.topbar nav a').evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().top));
    expect(links.length).toBeGreaterThanOrEqual(9);
    expect(Math.max(...links) - Math.min(...links)).toBeLessThan(4);
    expect((await box(page.locator('header.topbar'))).height).toBeLessThan(56);
    for (const id of ['whoami', 'change-password', 'logout', 'presence-toggle']) await expectOnScreen(page, page.getByTestId(id));

    // Transfer stays on the line of its picker.
    const picker = await box(page.getByTestId('transfer-to'));
    const transfer = await box(page.getByTestId('transfer'));
    expect(Math.abs(transfer.y + transfer.height / 2 - (picker.y + picker.height / 2))).toBeLessThan(4);
    expect(transfer.x).toBeGreaterThan(picker.x + picker.width - 1);

    // Agent assist opens compact: one line with the suggestion, the history keeps the height.
    const assist = page.getByTestId('assist');
    const line = page.getByTestId('assist-line');
    await expect.poll(async () => ((await line.textContent()) ?? '').length, { timeout: 15_000 }).toBeGreaterThan(40);
    expect(await page.getByTestId('assist-insert-line').isVisible()).toBe(true);
    expect((await box(assist)).height).toBeLessThanOrEqual(44);
    const history = (await box(page.getByTestId('history'))).height;
    console.log(`laptop 1366×800: history ${Math.round(history)} px, agent assist ${Math.round((await box(assist)).height)} px`);
    expect(history).toBeGreaterThanOrEqual(330);
    await page.screenshot({ path: artifactPath('console-laptop-conversation.png') });

    // The customer column sits beside the conversation, not over it.
    const customer = await box(page.getByTestId('customer-column'));
    const chat = await box(page.getByTestId('conversation'));
    expect(customer.x).toBeGreaterThanOrEqual(chat.x + chat.width);
    expect(await uncovered(page.getByTestId('composer'))).toBe(true);

    // Opened, it shows the whole suggestion and passages; the choice survives a reload.
    await page.getByTestId('assist-toggle').click();
    await page.getByTestId('assist-suggestion').waitFor();
    await page.reload();
    await page.getByTestId('assist-suggestion').waitFor({ timeout: 15_000 });
    expect(await assist.getAttribute('data-open')).toBe('true');
    await page.getByTestId('assist-toggle').click();
    await page.reload();
    await page.getByTestId('assist-line').waitFor();
    expect(await assist.getAttribute('data-open')).toBe('false');
  });

  it('words system lines in the console\'s language', async () => {
    const conversationId = await heldChat('zh-console', 'agent');
    const page = await consolePage('agent', LAPTOP, { path: `/console/conversations/${conversationId}`, locale: 'zh' });
    const lines = page.getByTestId('msg-system');
    await page.locator('[data-testid=msg-system][data-event=agent_joined]').waitFor();
    const joined = await page.locator('[data-testid=msg-system][data-event=agent_joined]').textContent();
    expect(joined).toContain('已加入对话');
    const left = await page.locator('[data-testid=msg-system][data-event=offline_message]').textContent();
    expect(left).toContain('顾客给团队留言（zh-console@example.com）：Please answer by email if nobody is around.');
    expect(await lines.allTextContents()).not.toContainEqual(expect.stringMatching(/joined the chat|Message left for the team/));

    // The reply in the chat answered the left message: the Messages left page says so.
    await page.getByTestId('reply-input').fill('我们已经处理了您的退款。');
    await page.getByTestId('send').click();
    await page.getByTestId('nav-messages').click();
    await page.getByTestId('messages-answered').click();
    const answered = page.locator('[data-testid=answered-by][data-in-chat=true]').first();
    await answered.waitFor();
    expect(await answered.textContent()).toContain('已在会话中回复');
  });

  it('shows the install snippet with the site key and this server\'s address, and copies it', async () => {
    const page = await consolePage('admin', LAPTOP, { path: '/console/admin/team' });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url });
    await page.getByTestId('tab-widget').click();
    const snippet = page.getByTestId('install-snippet');
    await snippet.waitFor();
    const expected = `<script src="${stack.env.config.publicUrl.replace(/\/+$/, '')}/widget.js" data-site="demo" async></script>`;
    expect(await snippet.inputValue()).toBe(expected);
    await page.getByTestId('copy-snippet').click();
    await page.getByTestId('copy-result').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(expected);
    expect(await page.getByTestId('install-identity').textContent()).toContain('Shopdesk.identify');
    await page.screenshot({ path: artifactPath('console-widget-install.png') });
  });

  it("switches business hours on in the admin's own time zone, with the zones to pick from", async () => {
    const page = await consolePage('admin', LAPTOP, { path: '/console/admin/team', timezoneId: 'Asia/Shanghai' });
    await page.getByTestId('tab-widget').click();
    await page.getByTestId('widget-settings').getByRole('checkbox', { name: /Business hours/ }).check();
    expect(await page.getByTestId('hours-timezone').inputValue()).toBe('Asia/Shanghai');
    expect(await page.locator('#time-zones option[value="Europe/Berlin"]').count()).toBe(1);
  });
});
