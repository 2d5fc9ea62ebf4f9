// Allowed websites (widget setting `allowedOrigins`): with a list set, the widget's HTTP API and its socket refuse
// browsers on other origins, answer CORS for the listed ones only, and always serve this server's own pages and
// clients that send no Origin. Empty (the default) keeps today's open behaviour.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { startStack, login, widgetSession, httpAs, type TestStack } from '../support/server.ts';
import { callOk, connectWidget } from '../support/sockets.ts';
import { originListed } from '../../server/http/widget-origin.ts';

const PUBLIC_URL = 'http://support.shop-test.example:8080';
const SHOP = 'https://shop.example';
const SUBDOMAIN = 'https://eu.shop.example';
const STRANGER = 'https://official-support.example';

let stack: TestStack;
let admin: { cookie: string };

/** A widget socket as a browser on `origin` would open it (undefined: no Origin header, as from a backend). */
const widgetSocket = (token: string, origin?: string): Promise<Socket> => connectWidget(stack.url, token, 'en', origin ? { origin } : undefined);

const setAllowed = async (allowedOrigins: string[]) => {
  const current = await httpAs(stack.url, 'GET', '/api/admin/widget-settings', admin);
  const { identitySecretSet: _set, ...settings } = current.json;
  const saved = await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...settings, allowedOrigins });
  expect(saved.status, saved.text).toBe(200);
};

const settingsFrom = (origin?: string) =>
  fetch(`${stack.url}/api/widget/settings?site=demo`, { headers: origin ? { origin } : {} });

const sessionFrom = (origin?: string, body: Record<string, unknown> = {}) =>
  fetch(`${stack.url}/api/widget/sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) }, body: JSON.stringify({ siteKey: 'demo', ...body }),
  });

const customerCount = async () => Number((await stack.env.sql<{ n: number }[]>`select count(*)::int as n from customers`)[0].n);

beforeAll(async () => {
  stack = await startStack({ config: { publicUrl: PUBLIC_URL, rateLimitSessionsPerMinute: 200 } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  await stack?.close();
});

describe('matching an Origin against the list', () => {
  const list = ['https://shop.example', 'https://*.shop.example', 'http://localhost:8080'];
  it.each([
    ['https://shop.example', true],
    ['https://SHOP.example', true],
    ['https://shop.example:443', true], // the default port is the same as none
    ['https://eu.shop.example', true],
    ['https://a.b.shop.example', true],
    ['http://localhost:8080', true],
    ['http://shop.example', false], // another scheme
    ['https://shop.example:8443', false], // another port
    ['https://evilshop.example', false], // not a subdomain, only the same ending
    ['https://shop.example.evil.example', false],
    ['http://localhost:3000', false],
    ['null', false], // a sandboxed frame or a file
    ['', false],
  ])('%s → %s', (origin, expected) => {
    expect(originListed(origin, list)).toBe(expected);
  });

  it('a wildcard covers subdomains, not the domain itself', () => {
    expect(originListed('https://shop.example', ['https://*.shop.example'])).toBe(false);
  });
});

describe('the setting', () => {
  it('is empty by default: any origin works and the API answers CORS with *', async () => {
    const settings = await settingsFrom(STRANGER);
    expect(settings.status).toBe(200);
    expect(settings.headers.get('access-control-allow-origin')).toBe('*');
    expect(await sessionFrom(STRANGER).then((r) => r.status)).toBe(200);
    const { visitorToken } = await widgetSession(stack.url);
    const socket = await widgetSocket(visitorToken, STRANGER);
    socket.close();
  });

  it('takes origins only (scheme, host, port), at most 20, and is never sent to browsers', async () => {
    const current = (await httpAs(stack.url, 'GET', '/api/admin/widget-settings', admin)).json;
    expect(current.allowedOrigins).toEqual([]);
    const { identitySecretSet: _set, ...settings } = current;
    for (const bad of [['https://shop.example/'], ['https://shop.example/path'], ['shop.example'], ['ftp://shop.example'], ['null'], ['https://*shop.example'],
      ['https://shop.*.example'], Array.from({ length: 21 }, (_, i) => `https://s${i}.shop.example`)]) {
      const refused = await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...settings, allowedOrigins: bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.json.error.message).toMatch(/allowedOrigins/);
    }
    await setAllowed([SHOP, 'https://*.shop.example', 'http://localhost:8080']);
    expect((await httpAs(stack.url, 'GET', '/api/admin/widget-settings', admin)).json.allowedOrigins).toEqual([SHOP, 'https://*.shop.example', 'http://localhost:8080']);
    // A client written before the setting existed (no allowedOrigins in its PUT) leaves it as it is.
    const { allowedOrigins: _unknownToIt, ...olderClient } = settings;
    const saved = await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, olderClient);
    expect(saved.status).toBe(200);
    expect(saved.json.allowedOrigins).toEqual([SHOP, 'https://*.shop.example', 'http://localhost:8080']);
    const published = await (await settingsFrom(SHOP)).json();
    expect(published).not.toHaveProperty('allowedOrigins');
    expect(published).not.toHaveProperty('identitySecret');
  });
});

describe('with allowed websites set', () => {
  beforeAll(() => setAllowed([SHOP, 'https://*.shop.example']));

  it('serves the listed origins with CORS naming them, not *', async () => {
    for (const origin of [SHOP, SUBDOMAIN]) {
      const settings = await settingsFrom(origin);
      expect(settings.status, origin).toBe(200);
      expect(settings.headers.get('access-control-allow-origin')).toBe(origin);
      expect(settings.headers.get('vary')).toMatch(/origin/i);
      expect(await sessionFrom(origin).then((r) => r.status)).toBe(200);
    }
  });

  it('refuses settings and sessions to any other origin with 403 origin_not_allowed, creating nobody', async () => {
    const before = await customerCount();
    for (const origin of [STRANGER, 'http://shop.example', 'https://shop.example:8443', 'https://evilshop.example', 'null']) {
      const settings = await settingsFrom(origin);
      expect(settings.status, origin).toBe(403);
      const body = await settings.json();
      expect(body.error.code).toBe('origin_not_allowed');
      expect(body.error.message).toContain(origin);
      // The refusal names the page's origin, so the widget there can read why (and nothing else is in it).
      expect(settings.headers.get('access-control-allow-origin')).toBe(origin);
      expect(body).toEqual({ error: { code: 'origin_not_allowed', message: expect.any(String) } });

      const session = await sessionFrom(origin);
      expect(session.status, origin).toBe(403);
      expect((await session.json()).error.code).toBe('origin_not_allowed');
    }
    // The same routes under an encoded path ("%77" is "w") are the same routes.
    const encoded = await fetch(`${stack.url}/api/%77idget/settings?site=demo`, { headers: { origin: STRANGER } });
    expect(encoded.status).toBe(403);
    expect(await customerCount()).toBe(before);
  });

  it('refuses the other widget routes a page calls (proactive message counts, sign-out, transcript, a photo)', async () => {
    const { visitorToken } = await widgetSession(stack.url);
    const bearer = { authorization: `Bearer ${visitorToken}` };
    const calls = [
      fetch(`${stack.url}/api/widget/nudge-events`, { method: 'POST', headers: { origin: STRANGER, 'content-type': 'application/json' }, body: JSON.stringify({ siteKey: 'demo', nudgeId: 'x', event: 'shown' }) }),
      fetch(`${stack.url}/api/widget/sessions/end`, { method: 'POST', headers: { origin: STRANGER, ...bearer } }),
      fetch(`${stack.url}/api/widget/conversations/1/transcript`, { headers: { origin: STRANGER, ...bearer } }),
      fetch(`${stack.url}/api/widget/attachments?clientId=upload-1&name=a.png`, { method: 'POST', headers: { origin: STRANGER, 'content-type': 'image/png', ...bearer }, body: new Uint8Array([137, 80, 78, 71]) }),
    ];
    for (const response of await Promise.all(calls)) {
      expect(response.status, response.url).toBe(403);
      expect((await response.json()).error.code).toBe('origin_not_allowed');
    }
    // The sign-out above was refused, so the token still works.
    const socket = await widgetSocket(visitorToken, SHOP);
    socket.close();
  });

  it("always serves this server's own pages: PUBLIC_URL's origin, and the host the request was sent to", async () => {
    const ownHost = new URL(stack.url).origin; // the test server is reached at 127.0.0.1:<port>, not PUBLIC_URL
    for (const origin of [PUBLIC_URL, ownHost]) {
      const settings = await settingsFrom(origin);
      expect(settings.status, origin).toBe(200);
      expect(settings.headers.get('access-control-allow-origin')).toBe(origin);
      expect(await sessionFrom(origin).then((r) => r.status)).toBe(200);
    }
  });

  it('does not check a request without an Origin header (a backend, curl): it is no page embedding the chat', async () => {
    expect((await settingsFrom()).status).toBe(200);
    expect((await sessionFrom()).status).toBe(200);
  });

  it('refuses the socket handshake from another origin, and accepts listed ones, its own and none', async () => {
    const { visitorToken } = await widgetSession(stack.url);
    const refusal = await widgetSocket(visitorToken, STRANGER).then(
      (socket) => { socket.close(); return null; },
      (error: Error & { data?: { code?: string } }) => error,
    );
    expect(refusal?.data?.code).toBe('origin_not_allowed');
    expect(refusal?.message).toContain(STRANGER);

    for (const origin of [SHOP, SUBDOMAIN, PUBLIC_URL, undefined]) {
      const socket = await widgetSocket(visitorToken, origin);
      // Connected for real: the chat answers.
      await callOk(socket, 'conversation:current', {});
      socket.close();
    }
  });

  it('emptying the list opens the widget to any website again', async () => {
    await setAllowed([]);
    const settings = await settingsFrom(STRANGER);
    expect(settings.status).toBe(200);
    expect(settings.headers.get('access-control-allow-origin')).toBe('*');
    const { visitorToken } = await widgetSession(stack.url);
    (await widgetSocket(visitorToken, STRANGER)).close();
  });
});
