// The console's presence and connection in Chromium: one presence per agent across tabs (held by the server),
// a neutral "Connecting…" before the first connection, staying signed in (and retrying) while the server cannot
// check the session, and the composer's "/" menu and Alt shortcuts as a Mac or Caps Lock sends them.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Socket as NetSocket } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, closedAfterEachTest, signInOnLoginPage } from '../support/browser.ts';
import { holdTableLock } from '../support/databases.ts';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, eventually, type WidgetClient } from '../support/sockets.ts';
import { consoleBundle } from '../support/console-bundle.ts';

let stack: TestStack;
let browser: Browser;
const { contexts, sockets: shoppers } = closedAfterEachTest<WidgetClient>(() => ({ browser, stack }));
/** The server's upgraded (WebSocket) connections, to cut them as a network drop would. */
const upgraded: NetSocket[] = [];

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: build it from this source
  // A short lock timeout turns a held lock into a quick, real failure of the session check.
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 60, dbLockTimeoutMs: 300 } });
  stack.servers[0].handle.app.server.on('upgrade', (_request, socket: NetSocket) => void upgraded.push(socket));
  browser = await launchBrowser();
}, 120_000);
/** Records, from the first paint on, which connection banners the top bar ever showed. */
function recordBanners(): void {
  const seen = new Set<string>();
  (window as unknown as { __banners: Set<string> }).__banners = seen;
  new MutationObserver(() => {
    for (const id of ['connecting-banner', 'offline-banner']) if (document.querySelector(`[data-testid=${id}]`)) seen.add(id);
  }).observe(document, { subtree: true, childList: true });
}
const bannersSeen = (page: Page) => page.evaluate(() => [...(window as unknown as { __banners: Set<string> }).__banners].sort());

async function signedInContext(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  await context.addInitScript(recordBanners);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${stack.url}/console`);
  await signInOnLoginPage(page, stack.agent);
  return { context, page };
}

/** The presence the page's badge shows ('' while it does not know yet). */
const shown = async (page: Page) => /presence-(online|away|offline)\b/.exec((await page.getByTestId('presence-toggle').getAttribute('class')) ?? '')?.[1] ?? '';
const storedPresence = async () => (await stack.env.sql<{ presence: string }[]>`select presence from users where lower(email) = lower(${stack.agent.email})`)[0].presence;

async function setPresence(page: Page, wanted: 'online' | 'away'): Promise<void> {
  await expect.poll(() => shown(page)).not.toBe('');
  if ((await shown(page)) !== wanted) await page.getByTestId('presence-toggle').click();
  await expect.poll(() => shown(page)).toBe(wanted);
}

/** A shopper whose chat waits for a person. */
async function queuedChat(text: string): Promise<number> {
  const session = await widgetSession(stack.url, { name: 'Kim Shopper', locale: 'en' });
  const socket = await connectWidget(stack.url, session.visitorToken);
  shoppers.push(socket);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${text.replace(/\W+/g, '-')}-1`, text });
  await callOk(socket, 'handoff:request', { conversationId: sent.conversationId });
  return sent.conversationId;
}

describe('presence and connection', () => {
  it('shows Connecting… (never Reconnecting…) before the first connection, and every tab shows the one presence the server holds', async () => {
    const { context, page: tabA } = await signedInContext();
    await expect.poll(() => shown(tabA)).toBe('online');
    expect(await bannersSeen(tabA)).toEqual(['connecting-banner']);
    await tabA.reload();
    await expect.poll(() => shown(tabA)).toBe('online');
    expect(await bannersSeen(tabA)).toEqual(['connecting-banner']);
    await expect.poll(() => tabA.getByTestId('connecting-banner').count()).toBe(0);

    await setPresence(tabA, 'away');
    expect(await storedPresence()).toBe('away');
    // A second tab adopts Away (it used to send its own default, Online, and the tabs disagreed).
    const tabB = await context.newPage();
    await tabB.goto(`${stack.url}/console/customers`);
    await expect.poll(() => shown(tabB)).toBe('away');
    expect(await storedPresence()).toBe('away');
    expect(await shown(tabA)).toBe('away');
    // A change in either tab reaches the other live.
    await tabB.getByTestId('presence-toggle').click();
    await expect.poll(() => shown(tabA)).toBe('online');
    expect(await storedPresence()).toBe('online');
    await tabA.getByTestId('presence-toggle').click();
    await expect.poll(() => shown(tabB)).toBe('away');
    await setPresence(tabA, 'online');
  });

  it('stays signed in and keeps retrying while the server cannot check the session, then reconnects', async () => {
    const { page } = await signedInContext();
    await expect.poll(() => shown(page)).toBe('online');
    // Count the server's refusals of the handshake as the page receives them.
    let refusals = 0;
    page.on('websocket', (ws) => ws.on('framereceived', (frame) => void (String(frame.payload).includes('"unavailable') && refusals++)));

    // Postgres cannot answer the session check for now: user_sessions is locked (its lock timeout is 300 ms here).
    const unlockSessions = await holdTableLock(stack.env.sql, 'user_sessions');
    try {
      for (const socket of upgraded.splice(0)) socket.destroy(); // the connection drops; socket.io reconnects
      await page.getByTestId('offline-banner').waitFor();
      await eventually(async () => refusals >= 2, 15_000, 'two refused handshakes retried by the console');
      expect(await page.getByTestId('login-form').count()).toBe(0);
      expect(await page.getByTestId('whoami').count()).toBe(1);
    } finally {
      await unlockSessions();
    }
    await expect.poll(() => page.getByTestId('offline-banner').count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => shown(page)).toBe('online');
    expect(await storedPresence()).toBe('online');
    expect(await page.getByTestId('login-form').count()).toBe(0);
  });

  it('a server-side disconnect or a reload while the session cannot be checked keeps the agent signed in', async () => {
    const { page } = await signedInContext();
    await expect.poll(() => shown(page)).toBe('online');
    const [{ id }] = await stack.env.sql<{ id: number }[]>`select id from users where lower(email) = lower(${stack.agent.email})`;
    let failedChecks = 0;
    page.on('response', (response) => void (response.url().endsWith('/api/auth/me') && response.status() >= 500 && failedChecks++));
    const lockSessions = () => holdTableLock(stack.env.sql, 'user_sessions');

    // The server closes the console's socket on purpose (as after a password change): the console asks whether the
    // session is still valid, and an answer that is not a 401 is asked again rather than ignored.
    let unlock = await lockSessions();
    try {
      stack.servers[0].handle.ctx.realtime.disconnectAgent(id);
      await page.getByTestId('offline-banner').waitFor();
      await eventually(async () => failedChecks >= 2, 15_000, 'the session asked again after a failed check');
    } finally {
      await unlock();
    }
    await expect.poll(() => page.getByTestId('offline-banner').count(), { timeout: 15_000 }).toBe(0);
    expect(await page.getByTestId('login-form').count()).toBe(0);

    // A reload while the session cannot be checked: the splash waits and retries; no login page.
    failedChecks = 0;
    unlock = await lockSessions();
    try {
      await page.reload();
      await eventually(async () => failedChecks >= 2, 15_000, 'the first session check retried');
      expect(await page.getByTestId('login-form').count()).toBe(0);
    } finally {
      await unlock();
    }
    await page.getByTestId('whoami').waitFor({ timeout: 15_000 });
    await expect.poll(() => shown(page)).toBe('online');
  });
});

describe('composer and shortcuts', () => {
  it('Enter with the "/" menu open and nothing matching sends nothing; a bare "/shortcut" never goes out', async () => {
    const { page } = await signedInContext();
    await setPresence(page, 'online');
    const conversationId = await queuedChat('my parcel is late');
    await eventually(async () => (await stack.env.sql`select 1 from conversations where id = ${conversationId} and status = 'assigned'`).length > 0, 10_000, 'the chat assigned');
    await page.goto(`${stack.url}/console/conversations/${conversationId}`);
    const input = page.getByTestId('reply-input');
    await input.waitFor();

    await input.fill('/');
    await expect.poll(() => page.getByTestId('canned-empty').count()).toBe(1);
    await input.press('Enter');
    await input.press('Enter');
    await input.fill('/zzz');
    await input.press('Enter');
    await input.press('Enter');
    expect(await page.getByTestId('send').isDisabled()).toBe(true);
    // A "/path" inside a sentence: the first Enter closes the hint, the next one sends.
    await input.fill('Your orders are under /orders');
    await expect.poll(() => page.getByTestId('canned-empty').count()).toBe(1);
    await input.press('Enter');
    await expect.poll(() => page.getByTestId('canned-empty').count()).toBe(0);
    expect(await input.inputValue()).toBe('Your orders are under /orders');
    await input.press('Enter');
    await expect.poll(() => input.inputValue()).toBe('');
    await input.fill('Anything else?');
    await input.press('Enter');
    const said = () => stack.env.sql<{ body: string }[]>`select body from messages where conversation_id = ${conversationId} and author_type = 'agent' order by id`;
    await eventually(async () => (await said()).length >= 2, 10_000, 'the two real replies stored');
    expect((await said()).map((m) => m.body)).toEqual(['Your orders are under /orders', 'Anything else?']);

    // With a canned response that matches, Enter still picks it (and the next Enter sends it).
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    expect((await httpAs(stack.url, 'POST', '/api/admin/canned-responses', admin, { shortcut: 'thanks', title: 'Thanks', body: 'Thanks for waiting!' })).status).toBeLessThan(300);
    await page.reload();
    await input.waitFor();
    await input.pressSequentially('/than');
    await page.getByTestId('canned-menu').waitFor();
    await input.press('Enter');
    await expect.poll(() => input.inputValue()).toBe('Thanks for waiting!');
    await input.press('Enter');
    await eventually(async () => (await said()).length === 3, 10_000, 'the canned reply stored');
    expect((await said()).at(-1)?.body).toBe('Thanks for waiting!');
  });

  it('Alt shortcuts work by key position: Option on a Mac ("å", dead keys) and Caps Lock', async () => {
    const { page } = await signedInContext();
    await setPresence(page, 'away'); // the chats wait in the queue for the agent to take
    const first = await queuedChat('first question');
    const second = await queuedChat('second question');
    await page.goto(`${stack.url}/console/conversations/${first}`);
    await page.getByTestId('conversation').waitFor();
    await expect.poll(() => page.locator('[data-testid=inbox-item]').count()).toBeGreaterThanOrEqual(2);
    const status = page.getByTestId('conversation-status').first();
    await status.waitFor();
    // What a Mac or Caps Lock sends: the same physical key (code), another character (key).
    const press = (target: 'window' | 'reply', init: { key: string; code: string; altKey: boolean; ctrlKey?: boolean }) => page.evaluate((arg: { where: string; options: Record<string, unknown> }) => {
      const element = arg.where === 'window' ? window : document.querySelector('[data-testid=reply-input]')!;
      element.dispatchEvent(new KeyboardEvent('keydown', { ...arg.options, bubbles: true, cancelable: true }));
    }, { where: target, options: init });

    // AltGr (Ctrl+Alt on Windows) types characters: not a shortcut.
    await press('window', { key: 'ą', code: 'KeyA', altKey: true, ctrlKey: true });
    // Option+A on a Mac types "å": accept.
    await press('window', { key: 'å', code: 'KeyA', altKey: true });
    await eventually(async () => (await stack.env.sql`select 1 from conversations where id = ${first} and status = 'assigned'`).length > 0, 10_000, 'accepted with Option+A');
    // Option+N is a dead key on a Mac: note mode.
    await page.getByTestId('reply-input').waitFor();
    await press('reply', { key: 'Dead', code: 'KeyN', altKey: true });
    await expect.poll(() => page.getByTestId('composer').getAttribute('class')).toContain('composer-note');
    // Option+R ("®"): resolve.
    await press('window', { key: '®', code: 'KeyR', altKey: true });
    await eventually(async () => (await stack.env.sql`select 1 from conversations where id = ${first} and status = 'resolved'`).length > 0, 10_000, 'resolved with Option+R');
    // Caps Lock: Alt+J arrives as "J"; it still moves through the list.
    const before = page.url();
    await press('window', { key: 'J', code: 'KeyJ', altKey: true });
    await expect.poll(() => page.url()).not.toBe(before);
    expect(page.url()).toMatch(/\/console\/conversations\/\d+$/);
    void second;
    // The help text names the modifier this keyboard has (Linux here: Alt).
    await page.goto(`${stack.url}/console`);
    expect(await page.getByTestId('shortcuts-help').textContent()).toContain('Alt+J / Alt+K');
  });
});
