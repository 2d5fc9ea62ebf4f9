// Cross-site request forgery against the console, in Debian's Chromium (playwright-core) with a real server. An agent
// signed in to the console visits another page of the same *site* (here: another port of 127.0.0.1, as a shop's
// www.shop.example is to support.shop.example): the browser attaches the SameSite=Lax session cookie to that page's
// form posts and WebSockets. Those are refused; the console's own requests and API clients are not.
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Browser } from 'playwright-core';
import { io } from 'socket.io-client';
import { launchBrowser, closedAfterEachTest, signInOnLoginPage } from '../support/browser.ts';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { consoleBundle } from '../support/console-bundle.ts';

let stack: TestStack;
let browser: Browser;
const { contexts } = closedAfterEachTest(() => ({ browser, stack }));

beforeAll(async () => {
  await consoleBundle();
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 60, trustProxy: false } });
  browser = await launchBrowser();
}, 120_000);

/** A message a shopper left while nobody was online, not yet answered. */
async function leftMessage(on: TestStack = stack): Promise<number> {
  const { customerId } = await widgetSession(on.url);
  const [row] = await on.env.sql<{ id: number }[]>`
    insert into offline_messages (customer_id, email, body) values (${customerId}, 'later@example.com', 'please call me back') returning id`;
  return row.id;
}
const handled = async (id: number) => (await stack.env.sql<{ handled_at: Date | null }[]>`select handled_at from offline_messages where id = ${id}`)[0].handled_at !== null;

/** Another origin of the same site, serving one page. */
async function sameSitePage(html: string): Promise<string> {
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** What a page's WebSocket to the console's /agent namespace is told: a session id (connected) or the refusal. */
const openAgentSocket = (server: string) => `new Promise((resolve) => {
  const ws = new WebSocket('${server.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket');
  ws.onmessage = (event) => {
    if (String(event.data).startsWith('0{')) ws.send('40/agent,');
    if (String(event.data).startsWith('4')) { resolve(String(event.data)); ws.close(); }
  };
  ws.onerror = () => resolve('error');
})`;

describe('requests from another page of the same site', () => {
  it("cannot act with the agent's session cookie, over HTTP or a WebSocket; the console's own can", async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const consolePage = await context.newPage();
    await consolePage.goto(`${stack.url}/console`);
    await signInOnLoginPage(consolePage, stack.agent);

    const server = new URL(stack.url).origin;
    const forged = await leftMessage();
    const other = await sameSitePage(`<!doctype html><title>A shop page</title><h1>Sale!</h1>`);
    const page = await context.newPage();
    await page.goto(other);
    // The cookie does reach the server from this page (same site): a plain POST it may send without asking.
    await page.evaluate(async (url) => { await fetch(url, { method: 'POST', credentials: 'include', mode: 'no-cors' }); }, `${server}/api/offline-messages/${forged}/handled`);
    // A form post, the forgery that needs no script.
    await page.evaluate((url) => {
      const form = Object.assign(document.createElement('form'), { method: 'POST', action: url, target: 'sink' });
      document.body.append(Object.assign(document.createElement('iframe'), { name: 'sink' }), form);
      form.submit();
    }, `${server}/api/offline-messages/${forged}/handled`);
    await page.waitForTimeout(500);
    expect(await handled(forged)).toBe(false);
    const socketAnswer = await page.evaluate(openAgentSocket(server)) as string;
    expect(socketAnswer).toMatch(/^44\/agent,.*cross_site/);

    // The console's own page, same browser and cookie: both work.
    const own = await leftMessage();
    const status = await consolePage.evaluate(async (url) => (await fetch(url, { method: 'POST', credentials: 'same-origin' })).status, `${server}/api/offline-messages/${own}/handled`);
    expect(status).toBe(200);
    expect(await handled(own)).toBe(true);
    expect(await consolePage.evaluate(openAgentSocket(server)) as string).toMatch(/^40\/agent,\{"sid"/);
  });

  it('API clients are unaffected: no browser headers, or a Bearer token instead of the cookie', async () => {
    const { cookie, token } = await login(stack.url, stack.agent.email, stack.agent.password);
    const post = (id: number, headers: Record<string, string>) => fetch(`${stack.url}/api/offline-messages/${id}/handled`, { method: 'POST', headers });
    expect((await post(await leftMessage(), { cookie })).status).toBe(200); // curl with the cookie: no Origin
    expect((await post(await leftMessage(), { authorization: `Bearer ${token}`, origin: 'https://elsewhere.example' })).status).toBe(200);
    const refused = await post(await leftMessage(), { cookie, origin: 'https://elsewhere.example' });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('cross_site');
    expect((await post(await leftMessage(), { cookie, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post(await leftMessage(), { cookie, origin: new URL(stack.url).origin })).status).toBe(200);
    // Reading is not guarded (a GET changes nothing and the response is not readable cross-site).
    expect((await fetch(`${stack.url}/api/offline-messages`, { headers: { cookie, origin: 'https://elsewhere.example' } })).status).toBe(200);
  });

  it('a page cannot vouch for itself with X-Forwarded-Host unless a trusted proxy sets it', async () => {
    const forged = { origin: 'https://evil.example', 'x-forwarded-host': 'evil.example' };
    const post = (url: string, id: number, headers: Record<string, string>) => fetch(`${url}/api/offline-messages/${id}/handled`, { method: 'POST', headers });
    /** What a cookie-only connection to /agent is told: null when connected, else the refusal's code. */
    const agentSocketRefusal = (url: string, headers: Record<string, string>) => new Promise<string | null>((resolve) => {
      const socket = io(`${url}/agent`, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers });
      socket.once('connect', () => { socket.close(); resolve(null); });
      socket.once('connect_error', (error) => { socket.close(); resolve((error as Error & { data?: { code?: string } }).data?.code ?? error.message); });
    });

    // No proxy in front (TRUST_PROXY unset): anyone may write the header, so it names no host of this server.
    const { cookie } = await login(stack.url, stack.agent.email, stack.agent.password);
    const id = await leftMessage();
    const refused = await post(stack.url, id, { cookie, ...forged });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('cross_site');
    expect(await handled(id)).toBe(false);
    expect(await agentSocketRefusal(stack.url, { cookie, ...forged })).toBe('cross_site');

    // Behind a proxy (TRUST_PROXY=1), the host it forwards is the one the browser saw: the console's own pages pass.
    const proxied = await startStack({ config: { trustProxy: 1 } });
    onTestFinished(() => proxied.close());
    const signedIn = await login(proxied.url, proxied.agent.email, proxied.agent.password);
    const viaProxy = { origin: 'https://support.shop.example', 'x-forwarded-host': 'support.shop.example' };
    expect((await post(proxied.url, await leftMessage(proxied), { cookie: signedIn.cookie, ...viaProxy })).status).toBe(200);
    expect(await agentSocketRefusal(proxied.url, { cookie: signedIn.cookie, ...viaProxy })).toBeNull();
  });
});
