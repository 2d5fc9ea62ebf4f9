// The widget on shop pages that do unusual things, in Chromium against the real
// server: old libraries that change built-ins (Prototype.js's Array#toJSON,
// MooTools' Array.from), pages that rewrite or transform their <body>, a shop's
// own chat button with the launcher hidden, several tabs of one shopper, and a
// form sent without a connection.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callOk } from '../support/sockets.ts';
import { conversationOf as storedIn, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

// Nobody online: the widget offers "Leave a message" (the form test needs it).
const bed = widgetTestBed({ agentPresence: 'offline' });
const newPage = () => newWidgetPage(bed.browser, bed.contexts);
const conversationOf = (text: string) => storedIn(bed.stack, text);

/** The id of the element focused in the page (the widget's host when focus is inside the widget). */
const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? null);

describe('the widget on unusual shop pages', () => {
  it('works on a page whose Prototype.js (1.6, old Magento 1 shops) gives arrays a toJSON', async () => {
    const { page } = await newPage();
    await page.addInitScript(() => {
      // What Prototype 1.6 does: JSON.stringify([1]) gives the string "[1]", quoted, instead of the array.
      (Array.prototype as unknown as { toJSON: () => string }).toJSON = function (this: unknown[]) {
        return `[${this.map((item) => JSON.stringify(item)).join(', ')}]`;
      };
    });
    await openDemo(bed.stack, page);
    await openWidget(page);
    await send(page, 'Hello from a Prototype.js shop');
    expect(await conversationOf('Hello from a Prototype.js shop')).toBeGreaterThan(0);
    await page.locator('.log .msg.mine', { hasText: 'Hello from a Prototype.js shop' }).waitFor();
    // The shop's own toJSON is still there afterwards.
    expect(await page.evaluate(() => JSON.stringify([1, 2]))).toBe('"[1, 2]"');
  });

  it("Shopdesk.reset() forgets the shopper's stored keys on a page with MooTools' Array.from", async () => {
    const { page } = await newPage();
    await page.addInitScript(() => {
      // MooTools 1.x: an array-like becomes a plain copy; the map function is ignored.
      Array.from = function (item: unknown) {
        if (item == null) return [];
        return typeof (item as { length?: unknown }).length === 'number' && typeof item !== 'string'
          ? Array.prototype.slice.call(item)
          : [item];
      } as typeof Array.from;
    });
    await openDemo(bed.stack, page);
    await page.evaluate(() => window.Shopdesk!.ready);
    const probe = await page.evaluate(() => {
      const token = Object.keys(localStorage).find((k) => k.startsWith('shopdesk:') && k.endsWith(':visitorToken'))!;
      const key = token.replace(/visitorToken$/, 'probe');
      localStorage.setItem(key, '"left by the signed-out shopper"');
      return key;
    });
    await page.evaluate(() => window.Shopdesk!.reset());
    expect(await page.evaluate((key) => localStorage.getItem(key), probe)).toBeNull();
  });

  it('keeps its launcher when the page rewrites its <body> (innerHTML, Vue mount, jQuery .html())', async () => {
    const { page } = await newPage();
    await openDemo(bed.stack, page);
    await openWidget(page);
    await send(page, 'Asked before the body was rewritten');
    await conversationOf('Asked before the body was rewritten');
    await page.evaluate(() => {
      document.body.innerHTML = '<main><h1>Checkout</h1></main>';
    });
    await page.locator('.launcher').waitFor();
    await openWidget(page);
    await page.locator('.log .msg.mine', { hasText: 'Asked before the body was rewritten' }).waitFor();
    expect(await page.locator('shopdesk-widget').count()).toBe(1);
  });

  it('keeps the launcher in the window when the page gives its <body> a transform', async () => {
    const { page } = await newPage();
    await openDemo(bed.stack, page);
    await page.evaluate(() => {
      // A transformed body would be the containing block of fixed elements inside it: the launcher would sit at the
      // bottom of the long page, off screen.
      document.body.style.transform = 'translateZ(0)';
      document.body.style.minHeight = '3000px';
    });
    const box = (await page.locator('.launcher').boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(box.y).toBeGreaterThan(0);
    expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
  });

  it("with data-launcher=\"hidden\", closing the chat returns focus to the shop's own chat button", async () => {
    const { page } = await newPage();
    await page.route(`${bed.stack.url}/demo`, async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace('src="/widget.js"', 'src="/widget.js" data-launcher="hidden"');
      await route.fulfill({ response, body: html });
    });
    await page.goto(`${bed.stack.url}/demo`);
    await page.evaluate(() => window.Shopdesk!.ready);
    await page.evaluate(() => {
      const button = Object.assign(document.createElement('button'), { id: 'shop-chat', textContent: 'Chat with us' });
      button.addEventListener('click', () => window.Shopdesk!.open());
      document.body.prepend(button);
      button.focus();
    });
    await page.keyboard.press('Enter');
    await page.locator('.panel').waitFor();
    expect(await focusedId(page)).toBe('shopdesk-widget'); // focus moved into the chat
    await page.keyboard.press('Escape');
    await page.locator('.panel').waitFor({ state: 'hidden' });
    expect(await focusedId(page)).toBe('shop-chat');
  });

  it("with the launcher shown, focus goes back to the shop's button that opened the chat, or to the launcher once that is gone", async () => {
    const { page } = await newPage();
    await openDemo(bed.stack, page);
    await page.evaluate(() => window.Shopdesk!.ready);
    const addShopButton = () => page.evaluate(() => {
      const button = Object.assign(document.createElement('button'), { id: 'shop-chat', textContent: 'Chat with us' });
      button.addEventListener('click', () => window.Shopdesk!.open());
      document.body.prepend(button);
      button.focus();
    });
    await addShopButton();
    await page.keyboard.press('Enter');
    await page.locator('.panel').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('.panel').waitFor({ state: 'hidden' });
    expect(await focusedId(page)).toBe('shop-chat');

    // Re-rendered away while the chat was open (the shop's header redrawn): the launcher takes focus.
    await page.keyboard.press('Enter');
    await page.locator('.panel').waitFor();
    await page.evaluate(() => document.getElementById('shop-chat')!.remove());
    await page.keyboard.press('Escape');
    await page.locator('.panel').waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement?.className)).toContain('launcher');
  });

  it("reading the chat in one tab clears the unread badge in the shopper's other tabs", async () => {
    const { context, page: first } = await newPage();
    await openDemo(bed.stack, first);
    await openWidget(first);
    await send(first, 'Asked in the first tab');
    const conversationId = await conversationOf('Asked in the first tab');
    await first.locator('.head').getByRole('button', { name: 'Download transcript' }).waitFor();
    // The bot's answer read before closing: arriving after it (a busy machine), it would be one more unread than below.
    await first.locator('.log .msg:not(.mine)').first().waitFor();
    await first.locator('.panel').getByRole('button', { name: 'Close chat' }).click();
    const second = await context.newPage();
    await openDemo(bed.stack, second);
    await second.locator('.panel').waitFor({ state: 'hidden' });

    await callOk(bed.agent, 'conversation:join', { conversationId });
    await callOk(bed.agent, 'message:send', { conversationId, clientId: 'host-page-unread-1', text: 'Here to help.' });
    await first.locator('.badge').getByText('1').waitFor();
    await second.locator('.badge').getByText('1').waitFor();

    await first.locator('.launcher').click();
    await first.locator('.badge').waitFor({ state: 'hidden' });
    await second.locator('.badge').waitFor({ state: 'hidden' });
    expect(await second.locator('.launcher').getAttribute('aria-label')).toBe('Open chat');
  });

  it('a form sent without a connection says there is no connection', async () => {
    const { context, page } = await newPage();
    await openDemo(bed.stack, page);
    await openWidget(page);
    await page.locator('.notice .secondary', { hasText: 'Leave a message' }).click();
    const form = page.locator('[data-card="offline"]');
    await form.getByLabel('Email').fill('noor@example.com');
    await form.getByLabel('Message').fill('Do you ship to Iceland?');
    await context.setOffline(true);
    await page.locator('.status[data-state="offline"]').waitFor({ state: 'attached' });
    await form.getByRole('button', { name: 'Send' }).click();
    await form.getByText('There is no connection. Try again when you are back online.').waitFor();
    expect(await form.getByLabel('Message').inputValue()).toBe('Do you ship to Iceland?');
  });
});
