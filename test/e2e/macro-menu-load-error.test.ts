// The chat header's Macros menu (console/src/pages/macro-menu.tsx) when its list does not load: it says so in the
// console's words (not "No macros yet": the agent may well have some, nor "Loading…" for ever), offers Try again, and
// shows the list once the request gets through. The list request fails in the browser (playwright's route: the
// server's own 500 answer, or the connection lost), the rest is real: Debian's Chromium against a real server,
// Postgres and Redis, the console bundle built from this source.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, heldByTheDemoAgent, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget } from '../support/sockets.ts';

const bed = consoleTestBed();

/** A chat the demo agent holds. */
async function heldChat(clientId: string): Promise<number> {
  const session = await widgetSession(bed.stack.url, {});
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId, text: 'Where is my order?' });
  await callOk(shopper, 'handoff:request', { conversationId });
  await heldByTheDemoAgent(bed, conversationId);
  return conversationId;
}

/**
 * The chat open in the console with the macro list's request failing (`how`) until the returned function lets it
 * through; the menu opened.
 */
async function chatWithTheListFailing(conversationId: number, how: 'server error' | 'connection lost', consoleLanguage: 'en' | 'zh') {
  const { page, errors } = await signedInConsole(bed, `/console/conversations/${conversationId}`, { consoleLanguage });
  let failing = true;
  const asked: string[] = [];
  await page.route((url) => url.pathname === '/api/macros', async (route) => {
    asked.push(failing ? 'failed' : 'through');
    if (!failing) return route.continue();
    // What the server's error handler answers for a fault of its own (server/plugins/errors.ts).
    if (how === 'server error') return route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'Something went wrong on our side; please try again.' } }) });
    return route.abort('connectionreset');
  });
  await page.reload();
  await page.getByTestId('macros').click();
  return { page, errors, asked, letThrough: () => { failing = false; } };
}

const menu = (page: Page) => page.getByTestId('macro-menu');

describe('the Macros menu when its list does not load', () => {
  it('says so with the server\'s reason, offers Try again, and shows the list once the request gets through', async () => {
    await bed.stack.env.sql`insert into macros (name, visibility, actions) values ('Close politely', 'team', ${bed.stack.env.sql.json([{ type: 'resolve' }])})`;
    const conversationId = await heldChat('macro-load-error-1');
    const { page, errors, asked, letThrough } = await chatWithTheListFailing(conversationId, 'server error', 'en');

    const failed = page.getByTestId('macro-menu-error');
    await expect.poll(() => failed.textContent(), { timeout: 15_000 }).toBe('The macros did not load: Something went wrong on our side; please try again.');
    expect(await failed.getAttribute('role')).toBe('alert');
    expect(await menu(page).getAttribute('aria-busy')).toBeNull();
    expect(await menu(page).textContent()).not.toContain('Loading…');
    expect(await page.getByTestId('macro-menu-empty').count(), 'not "No macros yet": the agent may have some').toBe(0);
    const retry = page.getByTestId('macro-menu-retry');
    expect(await retry.textContent()).toBe('Try again');

    // Still failing: tried again, and said again.
    const triesBefore = asked.length;
    await retry.click();
    await expect.poll(() => asked.length).toBe(triesBefore + 1);
    await expect.poll(() => failed.textContent()).toBe('The macros did not load: Something went wrong on our side; please try again.');

    letThrough();
    await retry.focus();
    await page.keyboard.press('Enter');
    const choice = page.getByTestId('macro-run');
    await expect.poll(() => choice.count(), { timeout: 10_000 }).toBe(1);
    expect(await choice.textContent()).toContain('Close politely');
    expect(asked.at(-1)).toBe('through');
    expect(await failed.count()).toBe(0);
    expect(await retry.count()).toBe(0);
    expect(await menu(page).getAttribute('aria-busy')).toBeNull();
    // The button the agent pressed is gone: the focus goes on to the list, not to the page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('macro-run');
    expect(errors).toEqual([]);
  }, 60_000);

  it('in Chinese, when the connection drops: the console\'s words, 重试, then the list', async () => {
    const conversationId = await heldChat('macro-load-error-2');
    const { page, errors, letThrough } = await chatWithTheListFailing(conversationId, 'connection lost', 'zh');
    const failed = page.getByTestId('macro-menu-error');
    // No answer at all is said in the console's language too (the browser's own words are English).
    await expect.poll(() => failed.textContent(), { timeout: 15_000 }).toBe('宏未能加载：无法连接服务器：请检查网络后重试。');
    expect(await page.getByTestId('macro-menu-retry').textContent()).toBe('重试');

    letThrough();
    await page.getByTestId('macro-menu-retry').click();
    await expect.poll(() => page.getByTestId('macro-run').count(), { timeout: 10_000 }).toBe(1);
    expect(await failed.count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);
});
