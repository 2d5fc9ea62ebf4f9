// Snoozing from the console in Debian's Chromium (playwright-core) against a real server, Postgres and Redis: the
// agent snoozes their chat with a preset from the conversation's header, in their own time zone; the Snoozed tab
// lists it with its wake time and Mine no longer does; Unsnooze brings it back. A teammate who opens the held chat sees
// who holds it instead of the holder's buttons. The composer takes as many characters as the server does, and says so
// at the limit. Shoppers are socket.io clients.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchBrowser, closedAfterEachTest, signInOnLoginPage } from '../support/browser.ts';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { consoleBundle } from '../support/console-bundle.ts';

let stack: TestStack;
let browser: Browser;
const { contexts, sockets } = closedAfterEachTest<WidgetClient | AgentClient>(() => ({ browser, stack }));

// The agent's browser is in Shanghai (UTC+8 all year): "Tomorrow 9:00" is 9:00 there, whatever the server's zone.
const TIME_ZONE = 'Asia/Shanghai';
const OFFSET_HOURS = 8;

/** Tomorrow at 9:00 in Shanghai, as an instant (the day taken from Shanghai's date now). */
function tomorrowNineInShanghai(): number {
  const there = new Date(Date.now() + OFFSET_HOURS * 3_600_000);
  return Date.UTC(there.getUTCFullYear(), there.getUTCMonth(), there.getUTCDate() + 1, 9 - OFFSET_HOURS, 0, 0, 0);
}

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  // A short message limit: the composer mirrors the server's (last test).
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 60, maxMessageChars: 120 } });
  browser = await launchBrowser();
}, 120_000);

async function consolePage(path: string, account: { email: string; password: string } = stack.agent): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: TIME_ZONE, locale: 'en-GB' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${stack.url}${path}`);
  await signInOnLoginPage(page, account);
  return page;
}

/** A shopper's chat the demo agent holds (accepted over an API socket). */
async function heldChat(shopper?: WidgetClient): Promise<number> {
  if (!shopper) {
    shopper = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
    sockets.push(shopper);
  }
  const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'snooze-e2e-1', text: 'Where is my parcel?' });
  const agent = await connectAgent(stack.url, (await login(stack.url, stack.agent.email, stack.agent.password)).token);
  sockets.push(agent);
  await callOk(agent, 'conversation:accept', { conversationId: sent.conversationId });
  return sent.conversationId;
}

const snoozedUntil = async (id: number) => (await stack.env.sql<{ snoozed_until: Date | null }[]>`select snoozed_until from conversations where id = ${id}`)[0].snoozed_until;

describe('snoozing in the console', () => {
  it('snoozes with a preset, lists the chat under Snoozed with its time, and Unsnooze brings it back', async () => {
    const conversationId = await heldChat();
    const page = await consolePage(`/console/conversations/${conversationId}`);
    const item = (id: number) => page.locator(`[data-testid=inbox-item][data-conversation-id="${id}"]`);
    await page.getByTestId('view-mine').click();
    await item(conversationId).waitFor();

    // The menu opens from the header's Snooze button (tried at the end) or with Alt+Z.
    await page.getByTestId('reply-input').click();
    await page.keyboard.press('Alt+KeyZ');
    await page.getByTestId('snooze-menu').waitFor();
    await page.screenshot({ path: artifactPath('console-snooze-menu.png') });
    await page.getByTestId('snooze-tomorrow').click();

    // The header says until when, with Unsnooze; the Snooze button is gone while it sleeps.
    const banner = page.getByTestId('snoozed-until');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/Snoozed until .*09:00/);
    expect(await page.getByTestId('snooze').count()).toBe(0);
    // Stored as the instant the agent meant: 9:00 tomorrow in their zone.
    expect((await snoozedUntil(conversationId))?.getTime()).toBe(tomorrowNineInShanghai());
    await page.screenshot({ path: artifactPath('console-snooze-header.png') });

    // Mine no longer lists it (live); the Snoozed tab does, with the time it wakes.
    await expect.poll(() => item(conversationId).count()).toBe(0);
    await page.getByTestId('view-snoozed').click();
    await item(conversationId).waitFor();
    expect(await item(conversationId).getByTestId('snoozed-wakes').textContent()).toMatch(/wakes .*09:00/);
    // The counts come in a request of their own, beside the list's: polled, not read the moment the list shows.
    await expect.poll(() => page.getByTestId('count-snoozed').textContent()).toBe('1');
    await page.screenshot({ path: artifactPath('console-snooze-tab.png') });

    // Unsnooze: back in Mine, out of Snoozed, and the Snooze button is offered again.
    await page.getByTestId('unsnooze').click();
    await page.getByTestId('snoozed-until').waitFor({ state: 'detached' });
    await page.getByTestId('snooze').waitFor();
    await expect.poll(() => item(conversationId).count()).toBe(0);
    expect(await snoozedUntil(conversationId)).toBeNull();
    await page.getByTestId('view-mine').click();
    await item(conversationId).waitFor();

    // Coming back from the snooze leaves the menu closed (it was opened with Alt+Z); the button opens it, Escape closes it.
    expect(await page.getByTestId('snooze-menu').count()).toBe(0);
    await page.getByTestId('snooze').click();
    await page.getByTestId('snooze-menu').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('snooze-menu').waitFor({ state: 'detached' });
  });

  it("a teammate who opens a chat the agent holds is told who holds it, gets no transfer, resolve or snooze, and can still reply", async () => {
    const shopper = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
    sockets.push(shopper);
    const conversationId = await heldChat(shopper);
    const teammate = { email: 'teammate-held@demo.shop', password: 'teammate-pw-123' };
    await stack.env.sql`insert into users (email, name, role, password_hash) values (${teammate.email}, 'Robin', 'agent', ${await hashPassword(teammate.password)})`;
    // The shopper unsubscribed from follow-up emails: the panel says so, so nobody counts on a missed reply being emailed.
    await stack.env.sql`update customers set email_followups_off_at = now() where id = (select customer_id from conversations where id = ${conversationId})`;
    const page = await consolePage(`/console/conversations/${conversationId}`, teammate);
    await expect.poll(() => page.getByTestId('email-unsubscribed').textContent()).toMatch(/^Unsubscribed from follow-up emails \(.+\): replies they miss are not emailed\.$/);
    const notice = page.getByTestId('held-by-other');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/^Sam Agent is handling this chat: a reply from you reaches the shopper too\./);
    for (const refused of ['transfer', 'transfer-to', 'resolve', 'snooze']) expect(await page.getByTestId(refused).count()).toBe(0);
    await page.screenshot({ path: artifactPath('console-held-by-other.png') });

    // Replying is still allowed (as in most tools): the shopper gets it.
    const arrived = nextEvent(shopper, 'message:new', (m: { text: string }) => m.text === 'Robin here, checking with the courier now.');
    await page.getByTestId('reply-input').fill('Robin here, checking with the courier now.');
    await page.getByTestId('reply-input').press('Enter');
    await arrived;
    await page.screenshot({ path: artifactPath('console-held-by-other-replied.png') });
  });

  it("the composer takes as many characters as the server's MAX_MESSAGE_CHARS, and says so when a paste reaches it", async () => {
    const shopper = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
    sockets.push(shopper);
    const conversationId = await heldChat(shopper);
    const page = await consolePage(`/console/conversations/${conversationId}`);
    const box = page.getByTestId('reply-input');
    await box.waitFor();
    expect(await box.getAttribute('maxlength')).toBe('120');
    expect(await page.getByTestId('reply-too-long').count()).toBe(0);
    await box.focus();
    await page.keyboard.insertText('x'.repeat(150)); // a paste longer than the limit
    expect((await box.inputValue()).length).toBe(120);
    expect(await page.getByTestId('reply-too-long').textContent()).toBe('A message holds at most 120 characters: the rest was not added.');
    const arrived = nextEvent(shopper, 'message:new', (m: { text: string }) => m.text === 'x'.repeat(120));
    await box.press('Enter');
    await arrived; // what the box holds, the server takes
  });
});
