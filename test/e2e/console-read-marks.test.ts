// Reading a chat in one console tab clears it in every other, in Debian's Chromium (playwright-core) against a real
// server, Postgres and Redis: the agent's other tab drops "(1)" from its title and the chat's unread badge, a
// teammate's inbox drops the badge too, and mentions seen in one tab leave the Mentions count of the agent's others.
// Shoppers and the admin's note are socket.io clients.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { login, widgetSession } from '../support/server.ts';
import { callOk, connectAgent, connectWidget } from '../support/sockets.ts';

const bed = consoleTestBed();

/** A chat the demo agent holds, with one shopper message nobody has read. */
async function heldUnreadChat(name: string): Promise<number> {
  const session = await widgetSession(bed.stack.url, { name, locale: 'en' });
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `${name.replace(/\W+/g, '-')}-1`, text: `Hello, ${name} here.` });
  await callOk(bed.agentApi, 'conversation:accept', { conversationId });
  return conversationId;
}

const unreadBadge = (page: Page, id: number) => page.locator(`[data-testid=inbox-item][data-conversation-id="${id}"] [data-testid=unread]`);

describe('a chat read in one console', () => {
  it('is read in the agent\'s other tab (title and badge) and in a teammate\'s inbox', async () => {
    const conversationId = await heldUnreadChat('Rae Reader');
    const { page: other } = await signedInConsole(bed, '/console');
    await other.getByTestId('view-mine').click();
    await expect.poll(() => other.title()).toBe('(1) Shopdesk console');
    await expect.poll(() => unreadBadge(other, conversationId).textContent()).toBe('1');
    const { page: teammate } = await signedInConsole(bed, '/console', { account: bed.stack.admin });
    await teammate.getByTestId('view-open').click();
    await expect.poll(() => unreadBadge(teammate, conversationId).textContent()).toBe('1');

    // The agent reads it in another tab.
    const { page: reading } = await signedInConsole(bed, `/console/conversations/${conversationId}`);
    await reading.getByTestId('msg-customer').filter({ hasText: 'Hello, Rae Reader here.' }).waitFor();
    await expect.poll(() => reading.title()).toBe('Shopdesk console');

    await expect.poll(() => other.title(), { timeout: 10_000 }).toBe('Shopdesk console');
    await expect.poll(() => unreadBadge(other, conversationId).count()).toBe(0);
    await expect.poll(() => unreadBadge(teammate, conversationId).count(), { timeout: 10_000 }).toBe(0);
  });
});

describe('mentions seen in one tab', () => {
  it('leave the Mentions count of the agent\'s other tabs', async () => {
    const conversationId = await heldUnreadChat('Nell Noted');
    const admin = await connectAgent(bed.stack.url, (await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password)).token);
    bed.sockets.push(admin);
    await callOk(admin, 'message:send', { conversationId, clientId: 'nell-note', text: '@Sam Agent please look at this one', private: true });

    const { page: other } = await signedInConsole(bed, '/console');
    const mentions = other.getByTestId('view-mentions');
    await expect.poll(() => mentions.locator('.unread').count(), { timeout: 10_000 }).toBe(1);

    const { page: reading } = await signedInConsole(bed, `/console/conversations/${conversationId}`);
    await expect.poll(() => reading.getByTestId('view-mentions').locator('.unread').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => mentions.locator('.unread').count(), { timeout: 10_000 }).toBe(0);
  });
});
