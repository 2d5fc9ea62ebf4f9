// Personal API tokens (server/http/api-token-routes.ts, plugins/auth.ts): an admin makes one, its secret is answered
// once and only its hash is kept; as `Authorization: Bearer sd_…` it acts as its creator within its scope on the agent
// and admin routes, with no cookie and past the cross-site guard; revoked, expired or with its creator deactivated it
// is refused at once on every server; last use is stamped at most once a minute; what it does is named in the audit
// log; it never reaches the request log. Two real servers on one Postgres and Redis.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { prefixed } from '../../server/config.ts';
import { apiTokenOf } from '../../server/plugins/auth.ts';
import { MAX_TOKEN_FAILURES } from '../../server/http/api-token-routes.ts';

let stack: TestStack;
let redis: Redis;
let admin: { cookie: string; user: { id: number; name: string } };
let agent: { cookie: string };
/** Every line both servers logged since they started listening. */
const logLines: string[] = [];
/** Every token secret the tests made: none may be in the log. */
const secrets: string[] = [];

beforeAll(async () => {
  stack = await startStack({ servers: 2, config: { logLevel: 'info', rateLimitLoginsPerMinute: 200 } });
  // The servers' own pino logger (its request lines use the server's serializer): its stream is read, not printed.
  for (const server of stack.servers) {
    const stream = pinoStream(server.handle.app.log);
    stream.write = (line: string) => (logLines.push(line), true);
  }
  redis = new Redis(stack.env.config.redisUrl);
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

/** A pino logger's destination (pino keeps it under a symbol described "pino.stream", on the logger or its prototypes). */
function pinoStream(logger: object): { write(line: string): boolean } {
  for (let o: object | null = logger; o; o = Object.getPrototypeOf(o)) {
    const symbol = Object.getOwnPropertySymbols(o).find((s) => s.description === 'pino.stream');
    if (symbol) return (o as Record<symbol, { write(line: string): boolean }>)[symbol];
  }
  throw new Error('no pino stream on this logger');
}

/** One HTTP call with the token as Bearer (and any other headers); the answer parsed. */
async function withToken(token: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; server?: number } = {}) {
  const base = stack.servers[options.server ?? 0].url;
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
    body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function makeToken(body: { name: string; scope: 'agent' | 'admin'; expiresAt?: string | null }, as: { cookie: string } = admin) {
  const made = await httpAs(stack.url, 'POST', '/api/admin/api-tokens', as, body);
  expect(made.status, made.text).toBe(201);
  secrets.push(made.json.token);
  return made.json as { token: string; apiToken: { id: number; name: string; hint: string; scope: string; lastUsedAt: string | null } };
}

const auditOf = (action: string) =>
  stack.env.sql<{ actor_user_id: number; target: string; details: Record<string, any> }[]>`select actor_user_id, target, details from audit_log where action = ${action} order by id`;

describe('personal API tokens', () => {
  it('are made by admins only, answered once and listed without the secret', async () => {
    const body = { name: 'CRM sync', scope: 'agent' };
    expect((await httpAs(stack.url, 'POST', '/api/admin/api-tokens', agent, body)).status).toBe(403);
    expect((await httpAs(stack.url, 'POST', '/api/admin/api-tokens', null, body)).status).toBe(401);
    expect((await httpAs(stack.url, 'GET', '/api/admin/api-tokens', agent)).status).toBe(403);
    expect((await httpAs(stack.url, 'POST', '/api/admin/api-tokens', admin, { ...body, expiresAt: new Date(Date.now() - 1000).toISOString() })).status).toBe(400);
    expect((await httpAs(stack.url, 'POST', '/api/admin/api-tokens', admin, { ...body, scope: 'owner' })).status).toBe(400);

    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const { token, apiToken } = await makeToken({ name: 'CRM sync', scope: 'agent', expiresAt });
    expect(token).toMatch(/^sd_[A-Za-z0-9_-]{43}$/);
    expect(apiToken).toMatchObject({ name: 'CRM sync', scope: 'agent', hint: token.slice(0, 7), lastUsedAt: null });

    const list = await httpAs(stack.url, 'GET', '/api/admin/api-tokens', admin);
    expect(list.status).toBe(200);
    expect(list.json.items.find((t: { id: number }) => t.id === apiToken.id)).toMatchObject({
      name: 'CRM sync', scope: 'agent', createdBy: { id: admin.user.id, name: admin.user.name }, lastUsedAt: null, expiresAt, expired: false,
    });
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain(token.slice(7));
    // Stored: the hash, never the token.
    const [row] = await stack.env.sql`select * from api_tokens where id = ${apiToken.id}`;
    expect(row.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token.slice(7));
    expect((await auditOf('api_token.create')).at(-1)).toMatchObject({ actor_user_id: admin.user.id, target: `api_token:${apiToken.id}`, details: { name: 'CRM sync', scope: 'agent' } });
  });

  it('acts as its creator within its scope, with no cookie and past the cross-site guard', async () => {
    const adminToken = (await makeToken({ name: 'Reporting', scope: 'admin' })).token;
    const agentToken = (await makeToken({ name: 'Inbox bot', scope: 'agent' })).token;

    expect((await withToken(adminToken, 'GET', '/api/conversations')).status).toBe(200);
    expect((await withToken(adminToken, 'GET', '/api/admin/audit-log')).status).toBe(200);
    expect((await withToken(adminToken, 'GET', '/api/auth/me')).json.user).toMatchObject({ id: admin.user.id, role: 'admin' });

    expect((await withToken(agentToken, 'GET', '/api/conversations')).status).toBe(200);
    const refused = await withToken(agentToken, 'GET', '/api/admin/audit-log');
    expect(refused.status).toBe(403);
    expect((await withToken(agentToken, 'GET', '/api/admin/team')).status).toBe(403);
    expect((await withToken(agentToken, 'GET', '/api/auth/me')).json.user).toMatchObject({ id: admin.user.id, role: 'agent' });

    // A change, from "another site" with the admin's cookie beside the token: the token authenticates it, not the cookie.
    const { customerId } = await widgetSession(stack.url);
    const crossSite = { origin: 'https://elsewhere.example', 'sec-fetch-site': 'cross-site', cookie: admin.cookie };
    const blocked = await withToken(agentToken, 'POST', `/api/customers/${customerId}/block`, { body: { reason: 'spam' }, headers: crossSite });
    expect(blocked.status).toBe(200);
    // The same with the cookie alone is the forgery the guard stops.
    const forged = await fetch(`${stack.url}/api/customers/${customerId}/block`, { method: 'POST', headers: { ...crossSite, 'content-type': 'application/json' }, body: '{}' });
    expect(forged.status).toBe(403);
    // An admin change with the admin-scoped token.
    const agentId = (await stack.env.sql<{ id: number }[]>`select id from users where email = ${stack.agent.email}`)[0].id;
    expect((await withToken(adminToken, 'PATCH', `/api/admin/team/${agentId}`, { body: { capacity: 7 } })).status).toBe(200);

    // The audit log names the token on what it did; the creator is the actor.
    expect((await auditOf('customer.block')).at(-1)).toMatchObject({ actor_user_id: admin.user.id, details: { reason: 'spam', apiToken: { name: 'Inbox bot' } } });
    expect((await auditOf('team.update')).at(-1)).toMatchObject({ actor_user_id: admin.user.id, details: { capacity: 7, apiToken: { name: 'Reporting' } } });
    // What the console session does is not named after a token.
    expect((await httpAs(stack.url, 'DELETE', `/api/customers/${customerId}/block`, admin)).status).toBe(200);
    expect((await auditOf('customer.unblock')).at(-1)!.details).not.toHaveProperty('apiToken');

    // A token does not manage tokens nor its creator's own account.
    const mint = await withToken(adminToken, 'POST', '/api/admin/api-tokens', { body: { name: 'child', scope: 'admin' } });
    expect(mint.status).toBe(403);
    expect(mint.json.error.code).toBe('api_token_not_allowed');
    expect((await withToken(adminToken, 'GET', '/api/admin/api-tokens')).status).toBe(403);
    expect((await withToken(adminToken, 'POST', '/api/auth/password', { body: { currentPassword: stack.admin.password, newPassword: 'another-password-1' } })).status).toBe(403);
    expect((await withToken(adminToken, 'POST', '/api/auth/two-step/setup', { body: {} })).status).toBe(403);
    // The admin's cookie session was not touched by any of it.
    expect((await httpAs(stack.url, 'GET', '/api/auth/me', admin)).status).toBe(200);
  });

  it('is refused at once on every server when revoked', async () => {
    const { token, apiToken } = await makeToken({ name: 'Old integration', scope: 'admin' });
    for (const server of [0, 1]) expect((await withToken(token, 'GET', '/api/conversations', { server })).status).toBe(200);
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/api-tokens/${apiToken.id}`, admin)).status).toBe(200);
    for (const server of [1, 0]) {
      const refused = await withToken(token, 'GET', '/api/conversations', { server });
      expect(refused.status).toBe(401);
      expect(refused.json.error).toEqual({ code: 'api_token_invalid', message: 'This API token was revoked: ask an admin for a new one.' });
    }
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/api-tokens/${apiToken.id}`, admin)).status).toBe(404);
    const list = await httpAs(stack.url, 'GET', '/api/admin/api-tokens', admin);
    expect(list.json.items.map((t: { id: number }) => t.id)).not.toContain(apiToken.id);
    expect((await auditOf('api_token.revoke')).at(-1)).toMatchObject({ actor_user_id: admin.user.id, target: `api_token:${apiToken.id}`, details: { name: 'Old integration' } });
  });

  it('is refused when expired, unknown, or its creator is deactivated', async () => {
    const { token, apiToken } = await makeToken({ name: 'Short-lived', scope: 'agent', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await withToken(token, 'GET', '/api/conversations')).status).toBe(200);
    await stack.env.sql`update api_tokens set expires_at = now() - interval '1 second' where id = ${apiToken.id}`;
    const expired = await withToken(token, 'GET', '/api/conversations', { server: 1 });
    expect(expired.status).toBe(401);
    expect(expired.json.error.message).toMatch(/expired/);
    const listed = (await httpAs(stack.url, 'GET', '/api/admin/api-tokens', admin)).json.items.find((t: { id: number }) => t.id === apiToken.id);
    expect(listed.expired).toBe(true);

    const unknown = await withToken(`sd_${'x'.repeat(43)}`, 'GET', '/api/conversations');
    expect(unknown.status).toBe(401);
    expect(unknown.json.error.code).toBe('api_token_invalid');

    // A second admin makes a token, then is deactivated: the token stops with them.
    const made = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email: 'ops@demo.shop', name: 'Olga Ops', role: 'admin', password: 'ops-password-123' });
    expect(made.status, made.text).toBe(201);
    await stack.env.sql`update users set must_change_password = false where id = ${made.json.member.id}`;
    const ops = await login(stack.url, 'ops@demo.shop', 'ops-password-123');
    const opsToken = (await makeToken({ name: 'Ops export', scope: 'admin' }, ops)).token;
    expect((await withToken(opsToken, 'GET', '/api/admin/audit-log')).status).toBe(200);
    expect((await httpAs(stack.url, 'PATCH', `/api/admin/team/${made.json.member.id}`, admin, { active: false })).status).toBe(200);
    const gone = await withToken(opsToken, 'GET', '/api/conversations', { server: 1 });
    expect(gone.status).toBe(401);
    expect(gone.json.error.message).toMatch(/deactivated/);
  });

  it('stamps its last use at most once a minute', async () => {
    const { token, apiToken } = await makeToken({ name: 'Poller', scope: 'agent' });
    const lastUsed = async () => (await stack.env.sql<{ last_used_at: Date | null }[]>`select last_used_at from api_tokens where id = ${apiToken.id}`)[0].last_used_at;
    expect(await lastUsed()).toBeNull();
    expect((await withToken(token, 'GET', '/api/conversations')).status).toBe(200);
    const first = await lastUsed();
    expect(first).not.toBeNull();
    for (let i = 0; i < 3; i++) expect((await withToken(token, 'GET', '/api/conversations', { server: i % 2 })).status).toBe(200);
    expect(await lastUsed()).toEqual(first); // no write per request
    await stack.env.sql`update api_tokens set last_used_at = now() - interval '61 seconds' where id = ${apiToken.id}`;
    expect((await withToken(token, 'GET', '/api/conversations')).status).toBe(200);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(Date.now() - 10_000);
    const listed = (await httpAs(stack.url, 'GET', '/api/admin/api-tokens', admin)).json.items.find((t: { id: number }) => t.id === apiToken.id);
    expect(listed.lastUsedAt).not.toBeNull();
  });

  it('never reaches the request log', () => {
    expect(secrets.length).toBeGreaterThan(4);
    const requestLines = logLines.filter((line) => line.includes('"url":"/api/conversations"'));
    expect(requestLines.length).toBeGreaterThan(5); // the log was read: the token's requests are in it
    const text = logLines.join('\n');
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(7)); // nor its random part
    }
    expect(text.toLowerCase()).not.toContain('bearer');
  });

  it('is documented in the OpenAPI document', async () => {
    const spec = await (await fetch(`${stack.url}/docs/json`)).json();
    expect(spec.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, method] of [['/api/admin/api-tokens', 'get'], ['/api/admin/api-tokens', 'post'], ['/api/admin/api-tokens/{id}', 'delete']]) {
      expect(spec.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    // The routes for signed-in people say they take a session or a Bearer token; the widget's do not.
    expect(spec.paths['/api/conversations'].get.security).toEqual([{ session: [] }, { bearer: [] }]);
    expect(spec.paths['/api/admin/audit-log'].get.security).toEqual([{ session: [] }, { bearer: [] }]);
    expect(spec.paths['/api/widget/sessions'].post.security).toBeUndefined();
  });

  it('tells a session token from an API token', () => {
    const request = (value: string) => ({ headers: { authorization: `Bearer ${value}` } });
    expect(apiTokenOf(request(`sd_${'a'.repeat(43)}`))).toBe(`sd_${'a'.repeat(43)}`);
    expect(apiTokenOf(request('sd_truncated'))).toBe('sd_truncated'); // refused as an API token, with its own answer
    // A 43-character session token that happens to start with "sd_" stays a session token.
    expect(apiTokenOf(request(`sd_${'a'.repeat(40)}`))).toBeUndefined();
    expect(apiTokenOf({ headers: {} })).toBeUndefined();
  });

  // Last: it leaves this address refused for the window.
  it(`refuses more tokens from an address after ${MAX_TOKEN_FAILURES} refused ones, never a valid one`, async () => {
    const good = (await makeToken({ name: 'Still good', scope: 'agent' })).token;
    const key = prefixed(stack.env.config, 'api-token-failures:127.0.0.1');
    const before = Number((await redis.get(key)) ?? 0);
    expect(before).toBeGreaterThan(0); // the refusals above were counted
    for (let i = before; i < MAX_TOKEN_FAILURES; i++) expect((await withToken(`sd_wrong-${i}`, 'GET', '/api/conversations', { server: i % 2 })).status).toBe(401);
    const throttled = await withToken('sd_wrong-one-more', 'GET', '/api/conversations');
    expect(throttled.status).toBe(429);
    expect(throttled.json.error.code).toBe('too_many_token_failures');
    // A valid token from the same address still works (a stale integration polling with a revoked token must not lock
    // out the others sharing the address), and so do sessions.
    expect((await withToken(good, 'GET', '/api/conversations')).status).toBe(200);
    expect((await httpAs(stack.url, 'GET', '/api/conversations', admin)).status).toBe(200);
    await redis.del(key);
  });

  it('names the token on the audit entry of a request whose body came in many packets', async () => {
    const token = (await makeToken({ name: 'CRM import', scope: 'admin' })).token;
    // About 400 kB: parsed after several reads of the socket, outside the request's first async context.
    const rows = Array.from({ length: 4000 }, (_, i) => `crm-${i},crm-${i}@example.com,Contact ${i},${'x'.repeat(60)}`);
    const bytes = new TextEncoder().encode(['externalId,email,name,note', ...rows].join('\n'));
    // Sent in pieces with pauses, as a slow link delivers it.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let at = 0; at < bytes.length; at += 64 * 1024) {
          controller.enqueue(bytes.subarray(at, at + 64 * 1024));
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
        controller.close();
      },
    });
    const response = await fetch(`${stack.url}/api/admin/customers/import`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': String(bytes.length) }, body, duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(200);
    expect((await auditOf('customers.import')).at(-1)!.details.apiToken).toMatchObject({ name: 'CRM import' });
  });

  it('cannot leave a way in behind: no new member, password, role, reactivation, two-step reset, identity secret or webhook', async () => {
    const token = (await makeToken({ name: 'Leaked', scope: 'admin' })).token;
    const [agent] = await stack.env.sql<{ id: number }[]>`select id from users where email = ${stack.agent.email}`;
    const refused = [
      await withToken(token, 'POST', '/api/admin/team', { body: { email: 'mallory@example.com', name: 'Mallory', role: 'admin', password: 'mallory-password-1' } }),
      await withToken(token, 'PATCH', `/api/admin/team/${agent.id}`, { body: { password: 'a-new-password-99' } }),
      await withToken(token, 'PATCH', `/api/admin/team/${agent.id}`, { body: { role: 'admin' } }),
      await withToken(token, 'DELETE', `/api/admin/team/${agent.id}/two-step`),
      await withToken(token, 'POST', '/api/admin/webhooks', { body: { url: 'https://collector.example.invalid/hook', events: ['message.created'] } }),
    ];
    for (const r of refused) expect({ status: r.status, code: r.json?.error?.code }).toEqual({ status: 403, code: 'api_token_not_allowed' });
    expect((await stack.env.sql`select 1 from users where email = 'mallory@example.com'`)).toHaveLength(0);
    // What keeps no way in open still works: a capacity change.
    expect((await withToken(token, 'PATCH', `/api/admin/team/${agent.id}`, { body: { capacity: 6 } })).status).toBe(200);
  });
});
