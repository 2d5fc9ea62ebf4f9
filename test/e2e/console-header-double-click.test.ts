// A double click on a conversation header's Resolve whose first answer comes back before the second click: the
// second click lands on Reopen, which took Resolve's place, and must not reopen the chat the agent just resolved
// (console/src/swap-guard.ts). The keyboard still works on the new button at once, and a deliberate click later does.
// Debian's Chromium (playwright-core) against a real server, Postgres and Redis; the shopper is a socket.io client.
// The mouse is driven press by press, so the test waits for the real answer between the two clicks of the double click.
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget, eventually, type WidgetClient } from '../support/sockets.ts';

const bed = consoleTestBed();

async function centre(button: Locator): Promise<{ x: number; y: number }> {
  const box = (await button.boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** A chat still with the bot: its header shows Accept, Resolve, then the buttons every chat has (no Mark unread). */
async function botChat(text: string): Promise<number> {
  const session = await widgetSession(bed.stack.url, { name: 'Dora Double' });
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper as WidgetClient);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `double-${Date.now()}`, text });
  await eventually(async () => (await bed.stack.env.sql`select status from conversations where id = ${conversationId}`)[0].status === 'bot', 10_000, 'with the bot');
  return conversationId;
}

/**
 * Enter on `button` once it is no longer marked busy: the server's broadcast can draw the new button before the
 * request's own answer arrives, and until then the header takes one action at a time (the button shows it).
 */
async function pressEnterOn(button: Locator): Promise<void> {
  await button.focus();
  await expect.poll(() => button.getAttribute('aria-disabled')).toBeNull();
  await button.press('Enter');
}

describe('header actions swapped under a double click', () => {
  it('a double click on Resolve answered before its second click leaves the chat resolved; Enter on Reopen still reopens', async () => {
    const { sql } = bed.stack.env;
    const conversationId = await botChat('Do you sell gift cards?');
    const { page, errors } = await signedInConsole(bed, `/console/conversations/${conversationId}`);
    const header = page.locator('.conversation-header');
    const shownStatus = () => page.getByTestId('conversation').getAttribute('data-status');
    const storedStatus = async () => (await sql`select status from conversations where id = ${conversationId}`)[0].status as string;
    const resolve = header.getByTestId('resolve');
    await resolve.waitFor();
    await expect.poll(shownStatus).toBe('bot');

    // First click of the double click; the server's answer swaps Resolve for Reopen before the second one.
    const spot = await centre(resolve);
    await page.mouse.move(spot.x, spot.y);
    await page.mouse.down({ clickCount: 1 });
    await page.mouse.up({ clickCount: 1 });
    await header.getByTestId('reopen').waitFor();
    // The precondition of the bug: the second click's spot is on the button that replaced Resolve.
    const reopenBox = (await header.getByTestId('reopen').boundingBox())!;
    expect(spot.x >= reopenBox.x && spot.x <= reopenBox.x + reopenBox.width && spot.y >= reopenBox.y && spot.y <= reopenBox.y + reopenBox.height).toBe(true);
    // Its second click, as the browser reports a double click's second press.
    await page.mouse.down({ clickCount: 2 });
    await page.mouse.up({ clickCount: 2 });

    // Well past the answer a reopen would have had: still resolved, on screen and stored.
    await page.waitForTimeout(800);
    expect(await storedStatus()).toBe('resolved');
    expect(await shownStatus()).toBe('resolved');
    expect(await page.locator('.conversation > p.error[role=alert]').count()).toBe(0);

    // The keyboard acts on the button that has focus: Enter on Reopen reopens.
    await pressEnterOn(header.getByTestId('reopen'));
    await expect.poll(storedStatus).not.toBe('resolved');

    // A double click the browser did not count as one (two single clicks on one spot, the answer between them).
    await page.waitForTimeout(600); // the next click is a deliberate one, not half of a double click
    const again = await centre(header.getByTestId('resolve'));
    await page.mouse.click(again.x, again.y);
    await header.getByTestId('reopen').waitFor();
    await page.mouse.click(again.x, again.y);
    await page.waitForTimeout(800);
    expect(await storedStatus()).toBe('resolved');

    // Keyboard right after a swap: a deliberate Resolve, then at once Enter on the fresh Reopen reopens.
    await pressEnterOn(header.getByTestId('reopen'));
    await expect.poll(storedStatus).not.toBe('resolved');
    await page.waitForTimeout(600);
    await header.getByTestId('resolve').click();
    await pressEnterOn(header.getByTestId('reopen'));
    await expect.poll(storedStatus).not.toBe('resolved');
    await expect.poll(shownStatus).not.toBe('resolved');
    expect(errors).toEqual([]);
  }, 60_000);
});
