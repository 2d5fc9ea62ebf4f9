// Allowed websites in Chromium: a page on an origin the shop did not list loads widget.js but gets no chat — no
// launcher, one console warning saying why, no retrying — while this server's own /demo keeps working and the same
// page works once its origin is listed. And the console's field for it.
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { loadWidgetSettings, saveWidgetSettings } from '../../server/services/widget-settings.ts';
import { signInOnLoginPage } from '../support/browser.ts';
import { newWidgetPage, openDemo, openWidget, send, conversationOf, widgetTestBed } from './widget-helpers.ts';

const bed = widgetTestBed({ consoleBundle: true });
let shopServer: Server;
let shop: string;

const allow = async (allowedOrigins: string[]) =>
  saveWidgetSettings(bed.stack.env.sql, { ...(await loadWidgetSettings(bed.stack.env.sql)), allowedOrigins });

/** The console's messages of the page from the widget ("[shopdesk] …"), as the shop's developer would see them. */
function widgetConsole(page: Page): { type: string; text: string }[] {
  const seen: { type: string; text: string }[] = [];
  page.on('console', (message) => {
    if (message.text().includes('[shopdesk]')) seen.push({ type: message.type(), text: message.text() });
  });
  return seen;
}

beforeAll(async () => {
  // Another shop's page on another origin (another port), served for real as in widget-features.test.ts.
  shopServer = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="en"><body><h1>Somebody's "official support"</h1><script src="${new URL(bed.stack.url).origin}/widget.js" data-site="demo" async></script></body></html>`);
  });
  await new Promise<void>((resolve) => shopServer.listen(0, '127.0.0.1', resolve));
  shop = `http://127.0.0.1:${(shopServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => shopServer?.close(() => resolve()) ?? resolve());
});

describe('allowed websites', () => {
  it('a page on an origin not listed shows no launcher and logs one warning naming the reason', async () => {
    await allow(['https://shop.example']);
    const { page, requests } = await newWidgetPage(bed.browser, bed.contexts);
    const messages = widgetConsole(page);
    await page.goto(`${shop}/product`);
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0].type).toBe('warning');
    expect(messages[0].text).toContain('origin_not_allowed');
    expect(messages[0].text).toContain(shop);
    // A refusal is final: no retries, no session asked for, nothing on the page.
    await page.waitForTimeout(2_500);
    expect(messages).toHaveLength(1);
    expect(requests.filter((url) => url.includes('/api/widget/settings'))).toHaveLength(1);
    expect(requests.some((url) => url.includes('/api/widget/sessions'))).toBe(false);
    expect(await page.locator('shopdesk-widget').count()).toBe(0);
    expect(await page.locator('.launcher').count()).toBe(0);
  });

  it("this server's own pages (/demo) are always allowed", async () => {
    await allow(['https://shop.example']);
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    const messages = widgetConsole(page);
    await openDemo(bed.stack, page);
    await openWidget(page);
    await send(page, 'Hello from the demo page');
    expect(await conversationOf(bed.stack, 'Hello from the demo page')).toBeGreaterThan(0);
    expect(messages).toEqual([]);
  });

  it('the same page gets the chat once its origin is listed', async () => {
    await allow(['https://shop.example', shop]);
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    const messages = widgetConsole(page);
    await page.goto(`${shop}/product`);
    await page.locator('.launcher').waitFor();
    await openWidget(page);
    await send(page, 'Hello from a listed shop');
    expect(await conversationOf(bed.stack, 'Hello from a listed shop')).toBeGreaterThan(0);
    expect(messages).toEqual([]);
  });

  /** The admin's widget settings tab, the list of allowed websites empty. */
  async function widgetSettingsWithNoOrigins() {
    await allow([]);
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    await page.goto(`${bed.stack.url}/console/admin/team`);
    await signInOnLoginPage(page, bed.stack.admin, 'tab-widget');
    await page.getByTestId('tab-widget').click();
    return page;
  }

  it('the console edits the list one origin per line, tidying what was pasted and explaining a refusal', async () => {
    const page = await widgetSettingsWithNoOrigins();
    const field = page.getByTestId('allowed-origins');
    expect(await field.inputValue()).toBe('');
    const form = page.getByTestId('widget-settings');
    // A trailing slash and capitals, as a copied address often has them, and a blank line.
    await field.fill('https://Shop.example/\n\n  https://*.shop.example  ');
    await form.locator('button[type=submit]').click();
    await form.locator('.ok').waitFor();
    expect((await loadWidgetSettings(bed.stack.env.sql)).allowedOrigins).toEqual(['https://shop.example', 'https://*.shop.example']);
    expect(await field.inputValue()).toBe('https://shop.example\nhttps://*.shop.example');
    // Not an origin: the line is named and nothing changes.
    await field.fill('https://shop.example\nhttps://shop.example/checkout');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => form.locator('.error').textContent()).toContain('"https://shop.example/checkout" is not a website\'s origin');
    expect((await loadWidgetSettings(bed.stack.env.sql)).allowedOrigins).toEqual(['https://shop.example', 'https://*.shop.example']);
  });

  it('the settings form is read-only while a save is in flight, so its answer replaces nothing typed after the click', async () => {
    const page = await widgetSettingsWithNoOrigins();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => { release = resolve; });
    let saves = 0;
    await page.route('**/api/admin/widget-settings', async (route) => {
      if (route.request().method() === 'PUT') { saves += 1; await held; }
      await route.continue();
    });
    const field = page.getByTestId('allowed-origins');
    const form = page.getByTestId('widget-settings');
    await field.fill('https://held.example');
    // Sent with Enter from a field: the focus, dropped while the fields are disabled, comes back to it.
    await page.getByTestId('shop-name').press('Enter');
    await expect.poll(() => saves).toBe(1);
    expect(await field.isDisabled()).toBe(true);
    expect(await page.getByTestId('shop-name').isDisabled()).toBe(true);
    expect(await form.locator('button[type=submit]').isDisabled()).toBe(true);
    release();
    await form.locator('.ok').waitFor();
    expect(await field.isDisabled()).toBe(false);
    expect(await field.inputValue()).toBe('https://held.example');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('shop-name');
    expect((await loadWidgetSettings(bed.stack.env.sql)).allowedOrigins).toEqual(['https://held.example']);
  });
});
