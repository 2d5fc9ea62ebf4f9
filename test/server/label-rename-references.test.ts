// An admin's rename or removal of a label everywhere (PUT / DELETE /api/admin/conversation-labels/:label) reaches the
// macros, automation rules and saved inbox views that name it, in the same transaction as the conversations
// (label-references.ts): otherwise the next macro or rule brings the old label back and a saved view goes empty.
// Real server, Postgres, Redis and agent sockets (the consoles reload on macros:changed / views:changed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { connectAgent, nextEvent, type AgentClient } from '../support/sockets.ts';

type Auth = Awaited<ReturnType<typeof login>>;
let stack: TestStack;
let admin: Auth;
let agent: Auth;
let agentConsole: AgentClient;

const http = (method: string, path: string, auth: Auth, body?: unknown) => httpAs(stack.url, method, path, auth, body);
const created = async (auth: Auth, path: string, body: unknown) => {
  const saved = await http('POST', path, auth, body);
  expect(saved.status, saved.text).toBe(201);
  return saved.json.item as { id: number };
};
const stored = async (table: 'macros' | 'automation_rules' | 'inbox_views', id: number) =>
  (await stack.env.sql<{ actions?: unknown; filters?: unknown; updated_at: Date }[]>`select * from ${stack.env.sql(table)} where id = ${id}`)[0];

beforeAll(async () => {
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 100 } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  agentConsole = await connectAgent(stack.url, agent.token);
}, 60_000);
afterAll(async () => {
  agentConsole?.close();
  await stack?.close();
});

describe('renaming or removing a label everywhere', () => {
  it('renames it in macros, rules and views (merging into a name already there) and tells the consoles', async () => {
    const visitor = await widgetSession(stack.url, {});
    await stack.env.sql`insert into conversations (customer_id, labels) values (${visitor.customerId}, ${['refund']}::text[])`;
    const teamMacro = await created(admin, '/api/admin/macros', { name: 'Refund it', actions: [{ type: 'addLabels', labels: ['Refund', 'refunds', 'vip'] }, { type: 'resolve' }] });
    const ownMacro = await created(agent, '/api/macros/personal', { name: 'Not a refund', actions: [{ type: 'removeLabels', labels: ['refund'] }] });
    const untouched = await created(agent, '/api/macros/personal', { name: 'VIP', actions: [{ type: 'addLabels', labels: ['vip'] }] });
    const rule = await created(admin, '/api/admin/automation-rules', { name: 'Refunds', trigger: 'handoff', conditions: [], actions: [{ type: 'addLabels', labels: ['refund'] }] });
    const teamView = await created(admin, '/api/admin/inbox-views', { name: 'Refunds', filters: { labels: ['refund'], view: 'open' } });
    const ownView = await created(agent, '/api/inbox-views/personal', { name: 'My refunds', filters: { labels: ['vip', 'refund'] } });
    const before = await stored('macros', teamMacro.id);

    const macrosTold = nextEvent(agentConsole, 'macros:changed', (p: { scope: string }) => p.scope === 'personal');
    const teamMacrosTold = nextEvent(agentConsole, 'macros:changed', (p: { scope: string }) => p.scope === 'team');
    const viewsTold = nextEvent(agentConsole, 'views:changed', (p: { scope: string }) => p.scope === 'personal');
    const teamViewsTold = nextEvent(agentConsole, 'views:changed', (p: { scope: string }) => p.scope === 'team');
    const renamed = await http('PUT', '/api/admin/conversation-labels/refund', admin, { name: 'Refunds' });
    expect(renamed.json).toEqual({ label: 'refunds', conversations: 1 });
    await Promise.all([macrosTold, teamMacrosTold, viewsTold, teamViewsTold]);

    const afterTeamMacro = await stored('macros', teamMacro.id);
    expect(afterTeamMacro.actions).toEqual([{ type: 'addLabels', labels: ['refunds', 'vip'] }, { type: 'resolve' }]);
    expect(afterTeamMacro.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
    expect((await stored('macros', ownMacro.id)).actions).toEqual([{ type: 'removeLabels', labels: ['refunds'] }]);
    expect((await stored('macros', untouched.id)).actions).toEqual([{ type: 'addLabels', labels: ['vip'] }]);
    expect((await stored('automation_rules', rule.id)).actions).toEqual([{ type: 'addLabels', labels: ['refunds'] }]);
    expect((await stored('inbox_views', teamView.id)).filters).toMatchObject({ labels: ['refunds'], view: 'open' });
    expect((await stored('inbox_views', ownView.id)).filters).toEqual({ labels: ['vip', 'refunds'] });
    const [audited] = await stack.env.sql<{ details: Record<string, unknown> }[]>`
      select details from audit_log where action = 'labels.rename' order by id desc limit 1`;
    expect(audited!.details).toEqual({ from: 'refund', to: 'refunds', conversations: 1, macros: 2, rules: 1, views: 2 });

    // Removing it: taken out of every list; a macro or rule left with nothing to do goes, a view keeps its only label
    // (dropping the filter would make "Refunds" list every chat).
    const removed = await http('DELETE', '/api/admin/conversation-labels/refunds', admin);
    expect(removed.status, removed.text).toBe(200);
    expect((await stored('macros', teamMacro.id)).actions).toEqual([{ type: 'addLabels', labels: ['vip'] }, { type: 'resolve' }]);
    expect(await stored('macros', ownMacro.id)).toBeUndefined();
    expect(await stored('automation_rules', rule.id)).toBeUndefined();
    expect((await stored('inbox_views', ownView.id)).filters).toEqual({ labels: ['vip'] });
    expect((await stored('inbox_views', teamView.id)).filters).toMatchObject({ labels: ['refunds'] });
  });

  it('finds a label that only a macro names, and still answers 404 for one named nowhere', async () => {
    const macro = await created(admin, '/api/admin/macros', { name: 'Gift', actions: [{ type: 'addLabels', labels: ['gift wrap'] }] });
    const renamed = await http('PUT', `/api/admin/conversation-labels/${encodeURIComponent('gift wrap')}`, admin, { name: 'gift' });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json).toEqual({ label: 'gift', conversations: 0 });
    expect((await stored('macros', macro.id)).actions).toEqual([{ type: 'addLabels', labels: ['gift'] }]);
    expect((await http('PUT', '/api/admin/conversation-labels/nowhere', admin, { name: 'x' })).status).toBe(404);
    expect((await http('DELETE', '/api/admin/conversation-labels/nowhere', admin)).status).toBe(404);
  });
});
