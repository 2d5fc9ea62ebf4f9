// The labels-in-use list (GET /api/conversation-labels: the console's label suggestions and the inbox filter) is
// counted at most once per 30 s per server; a change to labels made through any server — an agent, a macro, an
// admin's rename — makes every server count again at once (a counter in Redis, conversation-labels.ts). Two real
// servers on one Postgres and Redis; and one count whose Redis does not answer, which goes by its TTL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { labelsGeneration, labelsInUse } from '../../server/services/conversation-labels.ts';

type Auth = Awaited<ReturnType<typeof login>>;
let stack: TestStack;
let agentOnA: Auth;
let agentOnB: Auth;
let admin: Auth;

const inUseOn = async (url: string, auth: Auth) => {
  const listed = await httpAs(url, 'GET', '/api/conversation-labels', auth);
  expect(listed.status, listed.text).toBe(200);
  return listed.json.items as { label: string; conversations: number }[];
};

beforeAll(async () => {
  stack = await startStack({ servers: 2, config: { rateLimitLoginsPerMinute: 100 } });
  const [a, b] = stack.servers;
  agentOnA = await login(a.url, stack.agent.email, stack.agent.password);
  agentOnB = await login(b.url, stack.agent.email, stack.agent.password);
  admin = await login(a.url, stack.admin.email, stack.admin.password);
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe('labels in use across servers', () => {
  it("a label added or renamed through one server is listed by the other at once, though it had just counted", async () => {
    const [a, b] = stack.servers;
    const visitor = await widgetSession(a.url, { name: 'Labelled Lou' });
    const [chat] = await stack.env.sql<{ id: number }[]>`insert into conversations (customer_id) values (${visitor.customerId}) returning id::int`;

    expect((await inUseOn(b.url, agentOnB)).map((l) => l.label)).not.toContain('gift wrap'); // B counts now
    const added = await httpAs(a.url, 'PATCH', `/api/conversations/${chat.id}/labels`, agentOnA, { add: ['Gift wrap'] });
    expect(added.status, added.text).toBe(200);
    expect(await inUseOn(b.url, agentOnB)).toContainEqual({ label: 'gift wrap', conversations: 1 });

    const renamed = await httpAs(a.url, 'PUT', `/api/admin/conversation-labels/${encodeURIComponent('gift wrap')}`, admin, { name: 'gift' });
    expect(renamed.status, renamed.text).toBe(200);
    const onB = (await inUseOn(b.url, agentOnB)).map((l) => l.label);
    expect(onB).toContain('gift');
    expect(onB).not.toContain('gift wrap');
  });

  it('while Redis does not answer, the count still answers and goes by its TTL', async () => {
    const sql = stack.env.sql;
    // Nothing listens on port 1: each command fails at once, as with Redis down and no retries left.
    const away = new Redis({ port: 1, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    away.on('error', () => {});
    const counter = labelsInUse(sql, 60_000, labelsGeneration(away, stack.env.config));
    const visitor = await widgetSession(stack.url, { name: 'Offline Ola' });
    const first = await counter.get();
    expect(first.map((l) => l.label)).not.toContain('while away');
    const [row] = await sql<{ id: number }[]>`insert into conversations (customer_id, labels) values (${visitor.customerId}, ${['while away']}::text[]) returning id::int`;
    try {
      expect((await counter.get()).map((l) => l.label)).not.toContain('while away'); // within the TTL
      counter.invalidate(); // a change made through this server
      expect(await counter.get()).toContainEqual({ label: 'while away', conversations: 1 });
    } finally {
      await sql`update conversations set labels = '{}' where id = ${row.id}`;
      away.disconnect();
    }
  });
});
