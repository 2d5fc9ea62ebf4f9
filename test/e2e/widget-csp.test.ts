// The widget on a shop page with a strict Content-Security-Policy (no 'unsafe-inline' anywhere): it must be styled,
// chat over its socket, show photo attachments and let the shop's own external script identify the shopper, with
// no violation reported. The shop is a real page on another origin, served by a tiny node server, with the policy
// README.md ("Content-Security-Policy") tells shops to set.
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { solidPng } from '../support/png.ts';
import { conversationOf, newWidgetPage, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const IDENTITY_SECRET = 'widget-csp-test-identity-secret';
const SHOPPER_ID = 'csp-shopper-7';

const bed = widgetTestBed({ stack: { workers: true, config: { identitySecret: IDENTITY_SECRET } } });

/** What the shop's backend would write into its page for the logged-in user: the id and its HMAC. */
function shopperIdentity(userId: string) {
  return { userId, hash: createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex'), name: 'Casey CSP' };
}

/**
 * The shop's own script (an external file, as script-src 'self' allows): signs the user in to the chat, waiting for
 * `shopdesk:ready` when the widget has not run yet. It records the outcome on <body> for the test to read.
 */
function shopScript(identity: ReturnType<typeof shopperIdentity>): string {
  return `
function signInToChat(path) {
  document.body.setAttribute('data-identify-path', path);
  window.Shopdesk.identify(${JSON.stringify(identity)}).then(
    function (result) { document.body.setAttribute('data-identified', String(result.identified)); },
    function (error) { document.body.setAttribute('data-identify-error', error.message); });
}
if (window.Shopdesk) signInToChat('already-loaded');
else window.addEventListener('shopdesk:ready', function () { signInToChat('ready-event'); }, { once: true });
`;
}

/** The strict policy: the chat server is allowed for scripts, requests (https and its socket) and images; nothing inline. */
function strictPolicy(chatServer: URL): string {
  const socketOrigin = `${chatServer.protocol === 'https:' ? 'wss:' : 'ws:'}//${chatServer.host}`;
  return [
    "default-src 'self'",
    `script-src 'self' ${chatServer.origin}`,
    `connect-src 'self' ${chatServer.origin} ${socketOrigin}`,
    "style-src 'self'",
    `img-src 'self' ${chatServer.origin}`,
    "base-uri 'none'",
  ].join('; ');
}

async function startShop(chatServer: URL): Promise<{ shop: string; server: Server }> {
  const policy = strictPolicy(chatServer);
  const server = createHttpServer((request, response) => {
    if (request.url === '/shop.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(shopScript(shopperIdentity(SHOPPER_ID)));
    } else if (request.url === '/favicon.ico') {
      response.writeHead(204).end(); // no icon, and no 404 in the console
    } else if (request.url === '/product') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': policy });
      // The shop's script comes first, so the widget is not there yet when it runs: it must wait for shopdesk:ready.
      response.end(`<!doctype html><html lang="en"><head><title>Strict shop</title></head><body><h1>Strict shop</h1>
<script src="/shop.js"></script>
<script src="${chatServer.origin}/widget.js" data-site="demo" async></script></body></html>`);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { shop: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

describe('widget under a strict Content-Security-Policy', () => {
  it('is styled, chats, shows photos and is identified by the shop\'s external script, with no violation', async () => {
    const chatServer = new URL(bed.stack.url);
    const { shop } = await startShop(chatServer);
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    // Recorded from before the page's first script (init scripts are not subject to the page's policy).
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

    const response = await page.goto(`${shop}/product`);
    expect(response!.headers()['content-security-policy']).toContain("style-src 'self'");

    // The shop's script waited for the ready event, then identify() went through (the HMAC checked by the server).
    await page.locator('body[data-identified], body[data-identify-error]').waitFor();
    expect(await page.locator('body').getAttribute('data-identify-error')).toBeNull();
    expect(await page.locator('body').getAttribute('data-identified')).toBe('true');
    expect(await page.locator('body').getAttribute('data-identify-path')).toBe('ready-event');

    // Styled: the launcher floats in the corner in the shop's brand colour, the sheet adopted rather than a <style>.
    const { color } = (await (await fetch(`${bed.stack.url}/api/widget/settings?site=demo`)).json()) as { color: string };
    const launcher = page.locator('.launcher');
    await launcher.waitFor();
    const look = await launcher.evaluate((el) => {
      const style = getComputedStyle(el);
      return { position: style.position, background: style.backgroundColor, radius: style.borderRadius, width: el.getBoundingClientRect().width };
    });
    expect(look).toEqual({ position: 'fixed', background: rgb(color), radius: '50%', width: 56 });
    const sheets = await page.evaluate(() => {
      const root = document.querySelector('shopdesk-widget')!.shadowRoot!;
      return { adopted: root.adoptedStyleSheets.length, styleElements: root.querySelectorAll('style').length };
    });
    expect(sheets).toEqual({ adopted: 1, styleElements: 0 });

    // Chatting works over the socket (polling, then the upgrade to a WebSocket connect-src allows).
    await openWidget(page);
    expect(await page.locator('.panel').evaluate((el) => [getComputedStyle(el).position, el.getBoundingClientRect().width])).toEqual(['fixed', 370]);
    await send(page, 'Hello from a strict shop');
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor();
    const conversationId = await conversationOf(bed.stack, 'Hello from a strict shop');
    // identify() may land just after the first message (the chat then moves to the signed-in record): polled.
    await expect.poll(async () => (await bed.stack.env.sql<{ external_id: string | null }[]>`
      select c.external_id from customers c join conversations v on v.customer_id = c.id where v.id = ${conversationId}`)[0]?.external_id).toBe(SHOPPER_ID);
    expect(sockets.some((url) => url.startsWith(`ws://${chatServer.host}/socket.io/`))).toBe(true);

    // A photo: uploaded (connect-src) and shown as a thumbnail loaded from the chat server (img-src).
    await page.locator('.compose input[type=file]').setInputFiles({ name: 'strict.png', mimeType: 'image/png', buffer: await solidPng(90, 60, [20, 140, 90]) });
    const thumbnail = page.locator('.log .msg.mine .attachments img[alt="strict.png"]');
    await thumbnail.waitFor({ timeout: 10_000 });
    await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(90);

    expect(await violations()).toEqual([]);
    expect(consoleErrors).toEqual([]);

    // The listener does see violations: a <style> element in a shadow root, as the widget used to add, is reported.
    await page.evaluate(() => {
      const host = document.body.appendChild(document.createElement('div'));
      const style = document.createElement('style');
      style.textContent = 'p{color:red}';
      host.attachShadow({ mode: 'open' }).appendChild(style);
    });
    await expect.poll(violations).toEqual(['style-src-elem inline']);
  });
});
