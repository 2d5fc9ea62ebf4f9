// GET /api/intents/labels: every console user (agents too, who may not read /api/admin/intents) gets each intent's
// name and labels, the Chinese ones in a Traditional reader's script when asked; nobody signed out does. An admin's
// change of intents tells every console (`intents:changed`); a dry run does not. On a real server, Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { connectAgent, nextEvent, record, type AgentClient } from '../support/sockets.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let agent: Awaited<ReturnType<typeof login>>;
let agentSocket: AgentClient;

const intent = (name: string, label: { en?: string | null; zh?: string | null }) => ({ name, label, examples: { en: [`an example of ${name}`] } });

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  agentSocket = await connectAgent(stack.url, agent.token);
  for (const body of [
    intent('label_parcel_whereabouts', { en: 'Where is my parcel?', zh: '我的包裹在哪里？' }),
    intent('label_gift_wrap', { en: '  ', zh: null }),
    intent('label_points_zh_only', { zh: '会员积分怎么用' }),
  ]) expect((await httpAs(stack.url, 'POST', '/api/admin/intents', admin, body)).status).toBe(201);
});
afterAll(async () => {
  agentSocket?.close();
  await stack?.close();
});

type Labels = { items: { name: string; label: { en: string | null; zh: string | null } }[] };
const ours = (body: Labels) => body.items.filter((i) => i.name.startsWith('label_'));

describe('GET /api/intents/labels', () => {
  it('answers an agent with every intent\'s name and labels, blank ones as null, sorted by name', async () => {
    const answer = await httpAs(stack.url, 'GET', '/api/intents/labels', agent);
    expect(answer.status).toBe(200);
    expect(ours(answer.json as Labels)).toEqual([
      { name: 'label_gift_wrap', label: { en: null, zh: null } },
      { name: 'label_parcel_whereabouts', label: { en: 'Where is my parcel?', zh: '我的包裹在哪里？' } },
      { name: 'label_points_zh_only', label: { en: null, zh: '会员积分怎么用' } },
    ]);
    // Names and labels only: the examples and answers stay on the admin API.
    expect(Object.keys((answer.json as Labels).items[0]!).sort()).toEqual(['label', 'name']);
  });

  it('converts the Chinese labels for a Traditional reader, Taiwan\'s or Hong Kong\'s', async () => {
    for (const [script, written] of [['zh-TW', '我的包裹在哪裡？'], ['zh-HK', '我的包裹在哪裏？']] as const) {
      const answer = await httpAs(stack.url, 'GET', `/api/intents/labels?script=${script}`, agent);
      expect(answer.status).toBe(200);
      const labels = ours(answer.json as Labels);
      expect(labels.find((i) => i.name === 'label_parcel_whereabouts')?.label).toEqual({ en: 'Where is my parcel?', zh: written });
      expect(labels.find((i) => i.name === 'label_points_zh_only')?.label).toEqual({ en: null, zh: '會員積分怎麼用' });
    }
  });

  it('refuses nobody signed in (401, before looking at the query) and a script it does not know (400)', async () => {
    expect((await httpAs(stack.url, 'GET', '/api/intents/labels', null)).status).toBe(401);
    expect((await httpAs(stack.url, 'GET', '/api/intents/labels?script=klingon', null)).status).toBe(401);
    const unknown = await httpAs(stack.url, 'GET', '/api/intents/labels?script=zh-SG', agent);
    expect(unknown.status).toBe(400);
  });

  it('is in the OpenAPI document for signed-in people, with a tag', async () => {
    const spec = await (await fetch(`${stack.url}/docs/json`)).json() as { paths: Record<string, Record<string, { tags?: string[]; security?: unknown[] }>> };
    const op = spec.paths['/api/intents/labels']?.get;
    expect(op?.tags).toEqual(['agent']);
    expect(op?.security).toEqual([{ session: [] }, { bearer: [] }]);
  });
});

describe('intents:changed', () => {
  it('reaches every console when an admin creates, relabels or deletes an intent, and not on a dry run', async () => {
    const created = nextEvent(agentSocket, 'intents:changed');
    const made = await httpAs(stack.url, 'POST', '/api/admin/intents', admin, intent('label_temporary', { en: 'Temporary' }));
    expect(made.status).toBe(201);
    await created;
    const id = (made.json as { intent: { id: number; updatedAt: string } }).intent.id;

    const relabelled = nextEvent(agentSocket, 'intents:changed');
    expect((await httpAs(stack.url, 'PUT', `/api/admin/intents/${id}`, admin, intent('label_temporary', { en: 'For now' }))).status).toBe(200);
    await relabelled;
    const after = ours((await httpAs(stack.url, 'GET', '/api/intents/labels', agent)).json as Labels);
    expect(after.find((i) => i.name === 'label_temporary')?.label.en).toBe('For now');

    // A dry run changes nothing, and a refused save neither: no event.
    const heard = record(agentSocket, 'intents:changed');
    const dryRun = await httpAs(stack.url, 'POST', '/api/admin/intents/import?dryRun=true', admin, { intents: [intent('label_temporary', { en: 'Never' })] });
    expect(dryRun.status).toBe(200);
    expect((await httpAs(stack.url, 'POST', '/api/admin/intents', admin, intent('label_temporary', { en: 'Twice' }))).status).toBe(409);
    const deleted = nextEvent(agentSocket, 'intents:changed');
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/intents/${id}`, admin)).status).toBe(200);
    await deleted;
    expect(heard).toHaveLength(1); // the delete's only
    expect(ours((await httpAs(stack.url, 'GET', '/api/intents/labels', agent)).json as Labels).map((i) => i.name)).not.toContain('label_temporary');
  });

  it('is sent, and the change audited, when a route without a dry run is called with ?dryRun (it wrote)', async () => {
    const created = nextEvent(agentSocket, 'intents:changed');
    const made = await httpAs(stack.url, 'POST', '/api/admin/intents?dryRun=true', admin, intent('label_not_dry', { en: 'Not dry' }));
    expect(made.status).toBe(201);
    // Before: the hook read the stray parameter as a dry run, so nobody was told and nothing audited.
    await created;
    const id = (made.json as { intent: { id: number } }).intent.id;
    const audited = await stack.env.sql<{ action: string }[]>`select action from audit_log where details->>'name' = 'label_not_dry'`;
    expect(audited.map((row) => row.action)).toEqual(['kb.intent.create']);
    const deleted = nextEvent(agentSocket, 'intents:changed');
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/intents/${id}?dryRun=1`, admin)).status).toBe(200);
    await deleted;
  });
});
