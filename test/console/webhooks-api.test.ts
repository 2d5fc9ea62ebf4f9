// The webhooks admin API on a real server and Postgres (no workers: deliveries
// stay pending): admins only, every body validated with a clear message, the
// secret shown once (create, rotate) and masked after, the cap, the test ping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, type TestStack } from '../support/server.ts';
import { MAX_WEBHOOKS } from '../../server/http/webhook-routes.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let agent: Awaited<ReturnType<typeof login>>;

const http = (method: string, path: string, auth: { cookie: string } | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);

const valid = { url: 'https://crm.example.com/hooks/shopdesk', events: ['message.created', 'conversation.resolved'] };

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
});
afterAll(async () => {
  await stack?.close();
});

describe('webhooks admin API', () => {
  it('answers only admins: 403 to an agent, 401 to nobody', async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/admin/webhooks'],
      ['POST', '/api/admin/webhooks', valid],
      ['PATCH', '/api/admin/webhooks/1', { active: false }],
      ['DELETE', '/api/admin/webhooks/1'],
      ['GET', '/api/admin/webhooks/1/deliveries'],
      ['POST', '/api/admin/webhooks/1/test'],
      ['POST', '/api/admin/webhooks/1/rotate-secret'],
    ];
    for (const [method, path, body] of calls) {
      expect((await http(method, path, agent, body)).status, `${method} ${path} as agent`).toBe(403);
      expect((await http(method, path, null, body)).status, `${method} ${path} anonymous`).toBe(401);
    }
    const [{ n }] = await stack.env.sql`select count(*)::int as n from webhooks`;
    expect(n).toBe(0);
  });

  it('refuses bad URLs, unknown, repeated or no events and extra fields with a clear 400', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...valid, url: 'not a url' }, /not a valid absolute URL/],
      [{ ...valid, url: 'javascript:alert(1)' }, /must use https:\/\/ or http:\/\/, not javascript:/],
      [{ ...valid, url: 'ftp://files.example.com/x' }, /must use https:\/\/ or http:\/\//],
      [{ ...valid, url: 'https://user:pw@crm.example.com/x' }, /must not contain a user name or password/],
      [{ ...valid, url: `https://crm.example.com/${'x'.repeat(2048)}` }, /url.*(2048|longer)/i],
      [{ ...valid, events: ['message.deleted'] }, /events\/0.*allowed values/],
      [{ ...valid, events: ['note.agent'] }, /events\/0.*allowed values/],
      [{ ...valid, events: [] }, /events.*fewer than 1/],
      [{ ...valid, events: ['message.created', 'message.created'] }, /events.*duplicate/],
      [{ ...valid, secret: 'mine' }, /additional properties/],
      [{ url: valid.url }, /events/],
    ];
    for (const [body, message] of cases) {
      const r = await http('POST', '/api/admin/webhooks', admin, body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.json.error.message, JSON.stringify(body).slice(0, 80)).toMatch(message);
    }
    const [{ n }] = await stack.env.sql`select count(*)::int as n from webhooks`;
    expect(n).toBe(0);
  });

  it('shows the secret once on create and rotate, masked everywhere else; changes, lists and deletes', async () => {
    const created = await http('POST', '/api/admin/webhooks', admin, { ...valid, description: ' CRM ' });
    expect(created.status).toBe(201);
    const hook = created.json.webhook;
    expect(hook).toMatchObject({ url: valid.url, events: valid.events, active: true, description: 'CRM', recentDeliveries: [] });
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);
    const [stored] = await stack.env.sql`select secret from webhooks where id = ${hook.id}`;
    expect(stored.secret).toBe(hook.secret);

    const list = await http('GET', '/api/admin/webhooks', admin);
    expect(list.json.events).toContain('offline_message.created');
    const listed = list.json.items.find((w: { id: number }) => w.id === hook.id);
    expect(listed.secret).toBe(`••••••••${hook.secret.slice(-4)}`);
    expect(JSON.stringify(list.json)).not.toContain(hook.secret);

    const patched = await http('PATCH', `/api/admin/webhooks/${hook.id}`, admin, { active: false, events: ['rating.submitted'], url: 'http://helpdesk.example.com/in' });
    expect(patched.status).toBe(200);
    expect(patched.json.webhook).toMatchObject({ active: false, events: ['rating.submitted'], url: 'http://helpdesk.example.com/in', description: 'CRM' });
    expect(patched.json.webhook.secret).not.toBe(hook.secret);
    expect((await http('PATCH', `/api/admin/webhooks/${hook.id}`, admin, { url: 'javascript:x' })).status).toBe(400);
    expect((await http('PATCH', `/api/admin/webhooks/${hook.id}`, admin, {})).status).toBe(400);
    expect((await http('PATCH', '/api/admin/webhooks/999999', admin, { active: true })).status).toBe(404);

    const rotated = await http('POST', `/api/admin/webhooks/${hook.id}/rotate-secret`, admin);
    expect(rotated.json.webhook.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.json.webhook.secret).not.toBe(hook.secret);

    // An inactive webhook gets no test; an active one gets a pending `ping` delivery.
    expect((await http('POST', `/api/admin/webhooks/${hook.id}/test`, admin)).status).toBe(409);
    await http('PATCH', `/api/admin/webhooks/${hook.id}`, admin, { active: true });
    const ping = await http('POST', `/api/admin/webhooks/${hook.id}/test`, admin);
    expect(ping.status).toBe(202);
    const deliveries = await http('GET', `/api/admin/webhooks/${hook.id}/deliveries?limit=5`, admin);
    expect(deliveries.json.items).toEqual([
      { id: ping.json.deliveryId, event: 'ping', status: 'pending', attempts: 0, lastStatus: null, lastError: null, createdAt: expect.any(String), deliveredAt: null },
    ]);
    expect((await http('GET', '/api/admin/webhooks', admin)).json.items[0].recentDeliveries).toHaveLength(1);

    const audit = await stack.env.sql`select action from audit_log where target = ${`webhook:${hook.id}`} order by id`;
    expect(audit.map((a) => a.action)).toEqual(['webhook.create', 'webhook.update', 'webhook.rotate_secret', 'webhook.update']);

    expect((await http('DELETE', `/api/admin/webhooks/${hook.id}`, admin)).status).toBe(200);
    expect((await http('DELETE', `/api/admin/webhooks/${hook.id}`, admin)).status).toBe(404);
    const [{ n }] = await stack.env.sql`select count(*)::int as n from webhook_deliveries where webhook_id = ${hook.id}`;
    expect(n).toBe(0);
  });

  it(`keeps at most ${MAX_WEBHOOKS} webhooks`, async () => {
    for (let i = 0; i < MAX_WEBHOOKS; i++) expect((await http('POST', '/api/admin/webhooks', admin, { ...valid, url: `https://h${i}.example.com/` })).status).toBe(201);
    const over = await http('POST', '/api/admin/webhooks', admin, valid);
    expect(over.status).toBe(409);
    expect(over.json.error.message).toMatch(/already 20 webhooks/);
  });
});
