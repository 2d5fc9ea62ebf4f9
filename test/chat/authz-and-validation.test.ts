// Who may do what, and what happens to bad input: refused with a clear error,
// nothing crashes, and the server keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextEvent, type WidgetClient } from '../support/sockets.ts';
import { identityHash } from '../../server/services/visitor-tokens.ts';

const IDENTITY_SECRET = 'shop-identity-secret-for-tests';
let stack: TestStack;
let visitorA: { token: string; socket: WidgetClient; conversationId: number };
let visitorB: { token: string; socket: WidgetClient; conversationId: number };

async function visitorWithConversation(text: string) {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: 'first', text });
  return { token: session.visitorToken, socket, conversationId: sent.conversationId };
}

beforeAll(async () => {
  stack = await startStack({ config: { identitySecret: IDENTITY_SECRET, rateLimitMessagesPer10s: 12, rateLimitSessionsPerMinute: 40 } });
  visitorA = await visitorWithConversation('I am visitor A');
  visitorB = await visitorWithConversation('I am visitor B, private stuff');
});
afterAll(async () => {
  visitorA?.socket.close();
  visitorB?.socket.close();
  await stack?.close();
});

describe('visitors reach only their own conversations', () => {
  it("refuses every socket action on another visitor's conversation as not found", async () => {
    const other = visitorB.conversationId;
    for (const [event, payload] of [
      ['messages:sync', { conversationId: other, afterId: 0 }],
      ['handoff:request', { conversationId: other }],
      ['feedback:csat', { conversationId: other, rating: 1 }],
      ['message:send', { conversationId: other, clientId: 'intrude', text: 'hi' }],
      ['offline:leave', { conversationId: other, email: 'a@b.co', text: 'hi' }],
    ] as const) {
      const result = await call(visitorA.socket, event, payload);
      expect(result, event).toEqual({ ok: false, error: { code: 'not_found', message: 'Conversation not found.' } });
    }
    const rows = await stack.env.sql`select body from messages where conversation_id = ${other} and author_type = 'customer'`;
    expect(rows.map((r) => r.body)).toEqual(['I am visitor B, private stuff']);
  });

  it("refuses another visitor's transcript over HTTP, and requires a token", async () => {
    const asA = await fetch(`${stack.url}/api/widget/conversations/${visitorB.conversationId}/transcript`, { headers: { authorization: `Bearer ${visitorA.token}` } });
    expect(asA.status).toBe(404);
    const own = await fetch(`${stack.url}/api/widget/conversations/${visitorB.conversationId}/transcript`, { headers: { authorization: `Bearer ${visitorB.token}` } });
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('I am visitor B, private stuff');
    const anonymous = await fetch(`${stack.url}/api/widget/conversations/${visitorB.conversationId}/transcript`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('unauthorized');
  });

  it('refuses socket connections without a valid token, and visitor tokens on the agent namespace', async () => {
    await expect(connectWidget(stack.url, '')).rejects.toThrow(/unauthorized/);
    const forged = visitorA.token.replace(/\.[^.]+$/, '.forgedsignature');
    await expect(connectWidget(stack.url, forged)).rejects.toThrow(/unauthorized/);
    const otherId = visitorA.token.replace(/^v2\.\d+\./, `v2.${visitorB.conversationId + 999}.`);
    expect(otherId).not.toBe(visitorA.token);
    await expect(connectWidget(stack.url, otherId)).rejects.toThrow(/unauthorized/);
    await expect(connectAgent(stack.url, visitorA.token)).rejects.toThrow(/unauthorized/);
  });
});

describe('identity verification', () => {
  it('is enforced when a secret is configured, with no bypass', async () => {
    const post = (body: object) => fetch(`${stack.url}/api/widget/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ siteKey: 'demo', ...body }) });
    expect((await post({ userId: 'shop-user-7' })).status).toBe(401);
    expect((await post({ userId: 'shop-user-7', hash: identityHash(IDENTITY_SECRET, 'shop-user-8') })).status).toBe(401);
    const ok = await post({ userId: 'shop-user-7', hash: identityHash(IDENTITY_SECRET, 'shop-user-7'), name: 'Seven' });
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body.identified).toBe(true);
    // The same verified user from another device is the same customer.
    const again = await (await post({ userId: 'shop-user-7', hash: identityHash(IDENTITY_SECRET, 'shop-user-7') })).json();
    expect(again.customerId).toBe(body.customerId);
    // An anonymous visitor who signs in for the first time gets a record of their own (the anonymous one is merged
    // into it, their chat kept: customer-merge.test.ts), so the token of before the sign-in never becomes them.
    const anonymous = await widgetSession(stack.url);
    const signedIn = await (await post({ visitorToken: anonymous.visitorToken, userId: 'shop-user-9', hash: identityHash(IDENTITY_SECRET, 'shop-user-9') })).json();
    expect(signedIn).toMatchObject({ identified: true });
    expect(signedIn.customerId).not.toBe(anonymous.customerId);
    const oldToken = await (await post({ visitorToken: anonymous.visitorToken })).json();
    expect(oldToken.identified).toBe(false);
    expect([anonymous.customerId, signedIn.customerId]).not.toContain(oldToken.customerId);
    expect((await post({ siteKey: 'no-such-site' })).status).toBe(404);
  });
});

describe('agents and admins', () => {
  it('refuses agent routes without a session and every admin route to an agent', async () => {
    const noSession = await fetch(`${stack.url}/api/conversations`);
    expect(noSession.status).toBe(401);
    expect(await noSession.json()).toEqual({ error: { code: 'unauthorized', message: 'Sign in to the console first.' } });
    const visitorAsAgent = await fetch(`${stack.url}/api/conversations`, { headers: { authorization: `Bearer ${visitorA.token}` } });
    expect(visitorAsAgent.status).toBe(401);

    const agent = await login(stack.url, stack.agent.email, stack.agent.password);
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const spec = await (await fetch(`${stack.url}/docs/json`)).json();
    const adminRoutes = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/api/admin'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, '1') })));
    for (const route of adminRoutes) {
      const init = (headers: Record<string, string>) => ({ method: route.method, headers: { ...headers, ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { 'content-type': 'application/json' }) }, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}' });
      const asAgent = await fetch(`${stack.url}${route.path}`, init({ cookie: agent.cookie }));
      expect(asAgent.status, `${route.method} ${route.path} as agent`).toBe(403);
      // The same route spelled with a percent-encoded letter: still refused before its body is looked at.
      const encoded = await fetch(`${stack.url}${route.path.replace('/api/admin', '/api/%61dmin')}`, init({ cookie: agent.cookie }));
      expect(encoded.status, `${route.method} ${route.path} as agent, encoded`).toBe(403);
      const asNobody = await fetch(`${stack.url}${route.path}`, init({}));
      expect(asNobody.status, `${route.method} ${route.path} without session`).toBe(401);
    }
    // Whatever admin routes exist, the admin passes the role check on them (never 401/403).
    for (const route of adminRoutes.filter((r) => r.method === 'GET')) {
      const asAdmin = await fetch(`${stack.url}${route.path}`, { headers: { cookie: admin.cookie } });
      expect([401, 403], `${route.path} as admin`).not.toContain(asAdmin.status);
    }
    // Logging out ends the session.
    await fetch(`${stack.url}/api/auth/logout`, { method: 'POST', headers: { cookie: agent.cookie } });
    expect((await fetch(`${stack.url}/api/auth/me`, { headers: { cookie: agent.cookie } })).status).toBe(401);
  });

  it('refuses wrong passwords without saying which part was wrong', async () => {
    const post = (email: string, password: string) => fetch(`${stack.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const wrongPassword = await post(stack.agent.email, 'not-the-password');
    const unknownUser = await post('nobody@demo.shop', 'not-the-password');
    expect(wrongPassword.status).toBe(401);
    expect(await wrongPassword.json()).toEqual(await unknownUser.json());
  });
});

describe('malformed input', () => {
  it('answers malformed socket payloads with error acks and keeps serving', async () => {
    const s = visitorA.socket;
    const cases: [string, unknown, string][] = [
      ['message:send', { clientId: 'bad-1', text: 123 }, 'validation'],
      ['message:send', { clientId: 'bad-2', text: 'x'.repeat(1_000_000) }, 'validation'],
      ['message:send', { text: 'no client id' }, 'validation'],
      ['message:send', 'just a string', 'validation'],
      ['message:send', { clientId: 'bad-3', text: 'hi', extra: true }, 'validation'],
      ['message:send', { clientId: 'bad space', text: 'hi' }, 'validation'],
      ['message:send', { clientId: 'bad-4', text: '   ' }, 'validation'],
      ['messages:sync', { conversationId: -1, afterId: 0 }, 'validation'],
      ['feedback:csat', { conversationId: visitorA.conversationId, rating: 11 }, 'validation'],
      ['no:such:event', { anything: 1 }, 'unknown_event'],
    ];
    for (const [event, payload, code] of cases) {
      const result = await call(s, event, payload);
      expect(result.ok, event).toBe(false);
      if (!result.ok) {
        expect(result.error.code, `${event} ${JSON.stringify(payload).slice(0, 60)}`).toBe(code);
        expect(result.error.message.length).toBeGreaterThan(3);
      }
    }
    // An event without an ack gets its error as a request:error event.
    const refused = nextEvent(s, 'request:error');
    (s as unknown as { emit(event: string, payload: unknown): void }).emit('typing', { conversationId: 'nope' });
    expect((await refused).error.code).toBe('validation');
    // Still connected and serving.
    expect(s.connected).toBe(true);
    const ok = await callOk<{ id: number }>(s, 'message:send', { clientId: 'good-after-bad', text: 'still here?', conversationId: visitorA.conversationId });
    expect(ok.id).toBeGreaterThan(0);

    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    const rows = await stack.env.sql`select count(*)::int as n from messages where client_id like 'bad%'`;
    expect(rows[0].n).toBe(0);
  });

  it('keeps the page a message was written on without its query, fragment or credentials (tokens, emails); refuses a bad one', async () => {
    const visitor = await visitorWithConversation('hello');
    try {
      // A page that is no web page, too long, or carries more than address and title: refused, nothing stored.
      // (On a socket of its own: the malformed-payload test above spends most of its socket's message budget.)
      const refused = [
        { url: 'javascript:alert(1)' },
        { url: `https://shop.example/${'x'.repeat(3000)}` },
        { url: 'https://shop.example/', title: 'x'.repeat(301) },
        { url: 'https://shop.example/', cookie: 'a=b' },
      ];
      for (const [i, page] of refused.entries()) {
        const result = await call(visitor.socket, 'message:send', { clientId: `bad-page-${i}`, text: 'hi', page });
        expect(result.ok, JSON.stringify(page).slice(0, 60)).toBe(false);
        if (!result.ok) expect(result.error.code).toBe('validation');
      }
      const [none] = await stack.env.sql`select count(*)::int as n from messages where client_id like 'bad-page-%'`;
      expect(none.n).toBe(0);
      const sent = await callOk<{ id: number }>(visitor.socket, 'message:send', {
        clientId: 'with-page', text: 'is it waterproof?', conversationId: visitor.conversationId,
        page: { url: 'https://pat:secret@shop.example/products/tote?email=pat%40example.com&token=abc#reviews', title: '  Harbor   Tote  ' },
      });
      const [stored] = await stack.env.sql`select metadata from messages where id = ${sent.id}`;
      expect(stored.metadata.page).toEqual({ url: 'https://shop.example/products/tote', title: 'Harbor Tote' });
    } finally {
      visitor.socket.close();
    }
  });

  it('answers malformed HTTP bodies with 400 and oversize bodies with 413', async () => {
    const post = (body: string) => fetch(`${stack.url}/api/widget/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const wrongType = await post(JSON.stringify({ siteKey: 42 }));
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).error.code).toBe('validation');
    const unknownField = await post(JSON.stringify({ siteKey: 'demo', admin: true }));
    expect(unknownField.status).toBe(400);
    const broken = await post('{"siteKey": ');
    expect(broken.status).toBe(400);
    const huge = await post(JSON.stringify({ siteKey: 'demo', name: 'x'.repeat(1_000_000) }));
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.code).toBe('too_large');
    expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
  });

  it('rate-limits message sending per shopper, however many sockets they open, and caps their sockets', async () => {
    const session = await widgetSession(stack.url);
    // Ten sockets of one visitor sending ten messages each at once: the 12-per-10-s limit holds for the shopper.
    const sockets = await Promise.all(Array.from({ length: 10 }, () => connectWidget(stack.url, session.visitorToken)));
    const results = (await Promise.all(sockets.map((s, n) => Promise.all(Array.from({ length: 10 }, (_, i) =>
      call(s, 'message:send', { clientId: `burst-${n}-${i}`, text: `burst ${n} ${i}` })))))).flat();
    const accepted = results.filter((r) => r.ok).length;
    expect(accepted).toBeGreaterThanOrEqual(12);
    expect(accepted).toBeLessThanOrEqual(14); // the bucket refills a little while the burst runs
    for (const r of results) if (!r.ok) expect(r.error.code).toBe('rate_limited');
    const [{ stored }] = await stack.env.sql<{ stored: number }[]>`
      select count(*)::int as stored from messages m join conversations c on c.id = m.conversation_id
      where c.customer_id = ${session.customerId} and m.author_type = 'customer'`;
    expect(stored).toBe(accepted);
    // Another shopper is not slowed by them.
    const other = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
    expect((await call(other, 'message:send', { clientId: 'other-1', text: 'hello' })).ok).toBe(true);
    other.close();
    // At most 20 sockets per shopper on a server; closing one frees its place.
    const more = await Promise.all(Array.from({ length: 10 }, () => connectWidget(stack.url, session.visitorToken)));
    await expect(connectWidget(stack.url, session.visitorToken)).rejects.toThrow(/too_many_connections/);
    more[0].close();
    // The server counts the closed socket out once its disconnect arrives: until then a connect is still refused.
    (await eventually(() => connectWidget(stack.url, session.visitorToken), 5_000, 'a socket after one was closed')).close();
    for (const s of [...sockets, ...more]) s.close();
  });
});
