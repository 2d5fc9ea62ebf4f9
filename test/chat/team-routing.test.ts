// Teams (migration 028): a chat handed off about an intent a team takes is
// tagged with that team and offered to its online members first — before a
// less-loaded agent of another team — and to anyone else when none of them
// has room, so it never waits for a team that is away or full. Language comes
// before team (an agent who cannot read the shopper cannot help at all). Also
// the admin API's rules, and that deleting a team only removes the tag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, httpAs, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';
import type { Responder, ResponderContext, ResponderDecision } from '../../server/services/responder.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

/**
 * The bot of these tests: "handoff:<intent>" hands off naming that intent ("handoff:none" names none), "ask:<intent>"
 * answers as if it recognised that intent. Replies carry the shopper's language, as the real brain's do.
 */
class ScriptedResponder implements Responder {
  readonly name = 'scripted-team-bot';
  async respond(context: ResponderContext): Promise<ResponderDecision> {
    const language = context.locale.startsWith('zh') ? 'zh' : 'en';
    const [verb, name] = context.text.split(':');
    const intent = name && name !== 'none' ? name : null;
    if (verb === 'handoff') {
      return { action: 'handoff', reply: 'Connecting you with a person.', metadata: { decision: 'handoff', intent, confidence: 0.9, articles: [], encoder: 'none', language } };
    }
    return { action: 'answer', reply: `An answer about ${intent}.`, metadata: { decision: 'answer', intent, confidence: 0.9, articles: [], encoder: 'none', language } };
  }
}

type AgentKey = 'ada' | 'ben' | 'lin' | 'mei';
let stack: TestStack;
let admin: { cookie: string };
let agentAuth: { cookie: string };
const open: { close(): void }[] = [];
const agents = {} as Record<AgentKey, { id: number; socket: AgentClient }>;
const intents = {} as Record<'refund_status' | 'size_help' | 'track_order' | 'return_item', number>;
const teams = {} as Record<'returns' | 'product', number>;

beforeAll(async () => {
  stack = await startStack({ server: { responder: new ScriptedResponder() } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agentAuth = await login(stack.url, stack.agent.email, stack.agent.password);
  for (const name of Object.keys({ refund_status: 0, size_help: 0, track_order: 0, return_item: 0 }) as (keyof typeof intents)[]) {
    const [row] = await stack.env.sql<{ id: number }[]>`insert into intents (name) values (${name}) returning id`;
    intents[name] = Number(row.id);
  }
  const passwordHash = await hashPassword('team-agent-password');
  const people: [AgentKey, string, string[]][] = [['ada', 'Ada Reyes', ['en']], ['ben', 'Ben Okafor', ['en']], ['lin', 'Lin Zhou', ['zh']], ['mei', 'Mei Chen', ['zh']]];
  for (const [key, name, languages] of people) {
    const email = `${key}@teams.test`;
    const [row] = await stack.env.sql<{ id: number }[]>`
      insert into users (email, name, role, password_hash, capacity, languages) values (${email}, ${name}, 'agent', ${passwordHash}, 3, ${languages}::text[]) returning id`;
    const socket = await connectAgent(stack.url, (await login(stack.url, email, 'team-agent-password')).token);
    open.push(socket);
    agents[key] = { id: Number(row.id), socket };
  }
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

async function presence(states: Partial<Record<AgentKey, 'online' | 'away'>>): Promise<void> {
  for (const [key, state] of Object.entries(states)) await callOk(agents[key as AgentKey].socket, 'presence:set', { presence: state });
}

let sent = 0;
async function shopper(locale: string): Promise<WidgetClient> {
  const session = await widgetSession(stack.url, { locale });
  const socket = await connectWidget(stack.url, session.visitorToken, locale);
  open.push(socket);
  return socket;
}
const assignedOn = (socket: WidgetClient, conversationId: () => number | undefined) =>
  nextEvent<ConversationSummary>(socket, 'conversation:updated', (c) => c.id === conversationId() && c.status === 'assigned');

/** A shopper writes `text`, which the scripted bot hands off; resolves with the chat and what the shopper saw of it. */
async function botHandoff(text: string, locale = 'en'): Promise<{ conversationId: number; assigneeId: number; shopperView: ConversationSummary }> {
  const socket = await shopper(locale);
  let id: number | undefined;
  const assigned = assignedOn(socket, () => id);
  ({ conversationId: id } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `team-${++sent}`, text }));
  const shopperView = await assigned;
  return { conversationId: id!, assigneeId: shopperView.assignee!.id, shopperView };
}

const teamOf = async (conversationId: number) =>
  (await stack.env.sql<{ team_id: number | null }[]>`select team_id from conversations where id = ${conversationId}`)[0].team_id;

describe('team routing', () => {
  it('an admin creates teams with members and intents', async () => {
    const returns = await httpAs(stack.url, 'POST', '/api/admin/teams', admin, { name: '  Returns &  refunds ', memberIds: [agents.ada.id, agents.mei.id], intentIds: [intents.refund_status, intents.return_item] });
    expect(returns.status).toBe(201);
    expect(returns.json.team).toMatchObject({ name: 'Returns & refunds', memberIds: [agents.ada.id, agents.mei.id].sort((a, b) => a - b) });
    teams.returns = returns.json.team.id;
    const product = await httpAs(stack.url, 'POST', '/api/admin/teams', admin, { name: 'Product questions', memberIds: [agents.ben.id], intentIds: [intents.size_help] });
    expect(product.status).toBe(201);
    teams.product = product.json.team.id;
    const [audit] = await stack.env.sql`select action, target from audit_log where action = 'team_group.create' order by id limit 1`;
    expect(audit).toMatchObject({ action: 'team_group.create', target: `team:${teams.returns}` });
    const openapi = await httpAs(stack.url, 'GET', '/docs/json', null);
    expect(Object.keys(openapi.json.paths)).toEqual(expect.arrayContaining(['/api/admin/teams', '/api/admin/teams/{id}', '/api/teams']));
    // Agents read the names (badges, the inbox filter), not the admin view.
    expect((await httpAs(stack.url, 'GET', '/api/teams', agentAuth)).json.items.map((t: { name: string }) => t.name)).toEqual(['Product questions', 'Returns & refunds']);
  });

  it("prefers the team's agents over a less-loaded one, and never leaves the chat waiting for a full or absent team", async () => {
    await presence({ ada: 'online', ben: 'online', lin: 'away', mei: 'away' });
    const first = await botHandoff('handoff:refund_status');
    expect(first.assigneeId).toBe(agents.ada.id);
    expect(await teamOf(first.conversationId)).toBe(teams.returns);
    // The shopper is not told which team took the chat; agents see it.
    expect(first.shopperView).not.toHaveProperty('team');
    const inbox = await httpAs(stack.url, 'GET', `/api/conversations?teamId=${teams.returns}`, agentAuth);
    expect(inbox.json.items.map((i: { conversation: ConversationSummary }) => i.conversation)).toEqual([
      expect.objectContaining({ id: first.conversationId, team: { id: teams.returns, name: 'Returns & refunds' } }),
    ]);

    // Ada holds one chat and Ben none: by load Ben is next, but a refund still goes to Ada…
    expect((await botHandoff('handoff:refund_status')).assigneeId).toBe(agents.ada.id);
    // …while a chat no team takes goes to the least loaded, as before teams…
    const untagged = await botHandoff('handoff:track_order');
    expect(untagged.assigneeId).toBe(agents.ben.id);
    expect(await teamOf(untagged.conversationId)).toBeNull();
    // …and a sizing question to Product.
    expect((await botHandoff('handoff:size_help')).assigneeId).toBe(agents.ben.id);

    // "Talk to a person" after the bot answered a refund question: the chat goes to the team of that question.
    const socket = await shopper('en');
    let id: number | undefined;
    const answered = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
    ({ conversationId: id } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `team-${++sent}`, text: 'ask:return_item' }));
    await answered;
    const assigned = assignedOn(socket, () => id);
    await callOk(socket, 'handoff:request', { conversationId: id });
    expect((await assigned).assignee!.id).toBe(agents.ada.id);
    expect(await teamOf(id!)).toBe(teams.returns);

    // Ada is full (3 of 3): the next refund goes to Ben at once rather than wait for her…
    const overflow = await botHandoff('handoff:refund_status');
    expect(overflow.assigneeId).toBe(agents.ben.id);
    expect(await teamOf(overflow.conversationId)).toBe(teams.returns); // still Returns' chat, for the badge
    // …and so does one while she is Away with room to spare.
    await stack.env.sql`update users set capacity = 10 where id in (${agents.ada.id}, ${agents.ben.id})`;
    await presence({ ada: 'away' });
    expect((await botHandoff('handoff:refund_status')).assigneeId).toBe(agents.ben.id);
    await presence({ ada: 'online' });
    expect((await botHandoff('handoff:refund_status')).assigneeId).toBe(agents.ada.id);
  });

  it('combines team and language: team ∧ language, language, team, anyone', async () => {
    await stack.env.sql`update users set capacity = 10 where id in (${agents.lin.id}, ${agents.mei.id})`;
    await presence({ ada: 'online', ben: 'online', lin: 'online', mei: 'online' });
    // Mei speaks Chinese and is in Returns: a Chinese refund is hers.
    expect((await botHandoff('handoff:refund_status', 'zh-CN')).assigneeId).toBe(agents.mei.id);
    // Mei away: Lin speaks Chinese (no team) and wins over Ada, who is in Returns but reads English only.
    await presence({ mei: 'away' });
    expect((await botHandoff('handoff:refund_status', 'zh-CN')).assigneeId).toBe(agents.lin.id);
    // No Chinese speaker online: Ada (Returns) before Ben, though by load (and turn) Ben would be next.
    await presence({ lin: 'away' });
    const [load] = await stack.env.sql<{ ada: number; ben: number }[]>`
      select count(*) filter (where assignee_id = ${agents.ada.id})::int as ada, count(*) filter (where assignee_id = ${agents.ben.id})::int as ben
      from conversations where status = 'assigned'`;
    expect(load.ada / 10).toBeGreaterThanOrEqual(load.ben / 10);
    expect((await botHandoff('handoff:refund_status', 'zh-CN')).assigneeId).toBe(agents.ada.id);
    // A chat no team takes, in Chinese, with no speaker online: the least loaded, Ben.
    expect((await botHandoff('handoff:none', 'zh-CN')).assigneeId).toBe(agents.ben.id);
  });

  it('refuses bad team edits with a clear error, and agents are not allowed', async () => {
    const post = (body: unknown, as = admin) => httpAs(stack.url, 'POST', '/api/admin/teams', as, body);
    expect((await post({ name: 'Sneaky' }, agentAuth)).status).toBe(403);
    expect((await httpAs(stack.url, 'GET', '/api/admin/teams', agentAuth)).status).toBe(403);
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/teams/${teams.product}`, agentAuth)).status).toBe(403);
    expect((await post({ name: '' })).status).toBe(400);
    const blank = await post({ name: '    ' });
    expect(blank.status).toBe(400);
    expect(blank.json.error.message).toMatch(/needs a name/);
    expect((await post({ name: 'x'.repeat(61) })).json.error.message).toMatch(/at most 60/);
    expect((await post({ name: 'Extra', colour: 'red' })).status).toBe(400);
    expect((await post({ name: 'RETURNS & REFUNDS' })).status).toBe(409);
    const unknownAgent = await post({ name: 'Ghosts', memberIds: [agents.ada.id, 987654] });
    expect(unknownAgent.status).toBe(400);
    expect(unknownAgent.json.error.message).toMatch(/987654/);
    const unknownIntent = await post({ name: 'Ghosts', intentIds: [987654] });
    expect(unknownIntent.status).toBe(400);
    expect(unknownIntent.json.error.message).toMatch(/No intent with id 987654/);
    // An intent belongs to one team at most: Returns has refund_status.
    const twice = await post({ name: 'Billing', intentIds: [intents.refund_status] });
    expect(twice.status).toBe(409);
    expect(twice.json.error.message).toMatch(/refund_status already belongs to Returns & refunds/);
    const moved = await httpAs(stack.url, 'PATCH', `/api/admin/teams/${teams.product}`, admin, { intentIds: [intents.size_help, intents.refund_status] });
    expect(moved.status).toBe(409);
    // None of the refused requests created a team.
    expect((await httpAs(stack.url, 'GET', '/api/admin/teams', admin)).json.items).toHaveLength(2);
    // A rename to another team's name is refused too; the team's own name in another case is fine.
    expect((await httpAs(stack.url, 'PATCH', `/api/admin/teams/${teams.product}`, admin, { name: 'returns & refunds' })).status).toBe(409);
    expect((await httpAs(stack.url, 'PATCH', `/api/admin/teams/${teams.product}`, admin, { name: 'Product Questions' })).json.team.name).toBe('Product Questions');
    expect((await httpAs(stack.url, 'PATCH', '/api/admin/teams/987654', admin, { name: 'Nobody' })).status).toBe(404);

    // At most 20 teams.
    const created: number[] = [];
    for (let n = 2; n < 20; n++) created.push((await post({ name: `Spare ${n}` })).json.team.id);
    const overCap = await post({ name: 'One too many' });
    expect(overCap.status).toBe(409);
    expect(overCap.json.error.message).toMatch(/at most 20 teams/);
    for (const id of created) expect((await httpAs(stack.url, 'DELETE', `/api/admin/teams/${id}`, admin)).status).toBe(200);
  });

  it('deleting a team leaves its chats where they are, untagged, and routing goes on', async () => {
    const tagged = await stack.env.sql<{ id: number; status: string; assignee_id: number }[]>`
      select id, status, assignee_id from conversations where team_id = ${teams.product} order by id`;
    expect(tagged.length).toBeGreaterThan(0);
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/teams/${teams.product}`, admin)).status).toBe(200);
    const after = await stack.env.sql<{ id: number; status: string; assignee_id: number; team_id: number | null }[]>`
      select id, status, assignee_id, team_id from conversations where id = any(${tagged.map((t) => t.id)}::bigint[]) order by id`;
    expect(after).toEqual(tagged.map((t) => ({ ...t, team_id: null })));
    const [mapping] = await stack.env.sql`select count(*)::int as n from team_intents where intent_id = ${intents.size_help}`;
    expect(mapping.n).toBe(0);
    const [audit] = await stack.env.sql`select details from audit_log where action = 'team_group.delete' and target = ${`team:${teams.product}`}`;
    expect(audit.details).toEqual({ name: 'Product Questions' });
    // A sizing question now has no team and still reaches someone.
    await presence({ ada: 'online', ben: 'online' });
    const sizing = await botHandoff('handoff:size_help');
    expect(await teamOf(sizing.conversationId)).toBeNull();
    expect([agents.ada.id, agents.ben.id]).toContain(sizing.assigneeId);
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/teams/${teams.product}`, admin)).status).toBe(404);
  });
});
