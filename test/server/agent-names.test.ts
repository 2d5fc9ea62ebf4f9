// Agents' own names: each person renames themselves (PATCH /api/auth/me), an admin renames anyone (PATCH
// /api/admin/team/:id, audited), consoles hear of it live (agent:renamed), and shoppers see the name shown to
// customers from then on — in "X joined the chat", in the agent's replies, in the typing line and in their
// transcript — while colleagues keep seeing the full name. The shopper's history names the agent as shown now
// (agent-shown-name-history.test.ts for lines written before a shown name was chosen).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, nextAgentMessage, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let agent: Awaited<ReturnType<typeof login>>;
const sockets: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await stack?.close();
});

const renameSelf = (who: { cookie: string }, body: unknown) => httpAs(stack.url, 'PATCH', '/api/auth/me', who, body);
const auditEntries = (action: string, target: string) =>
  stack.env.sql<{ actor_user_id: number; details: Record<string, unknown> }[]>`
    select actor_user_id, details from audit_log where action = ${action} and target = ${target} order by id`;

describe('renaming oneself (PATCH /api/auth/me)', () => {
  it('refuses names that are empty, too long or carry control characters, with a code per reason, and changes nothing', async () => {
    const refusals: [unknown, string][] = [
      [{ name: '   ' }, 'name_empty'],
      [{ name: 'x'.repeat(81) }, 'name_too_long'],
      [{ name: 'Sam\nAgent' }, 'name_invalid'],
      [{ name: 'Sam\u202Etnega' }, 'name_invalid'],
      [{ displayName: 'y'.repeat(41) }, 'display_name_too_long'],
      [{ displayName: 'Sam\t' + 'z' }, 'display_name_invalid'],
      // Only invisible characters: a shopper would read " joined the chat."
      [{ name: '\u200B\u2060\uFEFF' }, 'name_empty'],
      [{ displayName: '\u200B \u200D' }, 'display_name_invalid'],
    ];
    for (const [body, code] of refusals) {
      const answer = await renameSelf(agent, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error.code, JSON.stringify(body)).toBe(code);
    }
    // The schema: nothing to change, or a field that is not a name (no way to name another user here).
    expect((await renameSelf(agent, {})).status).toBe(400);
    expect((await renameSelf(agent, { id: admin.user.id, name: 'Someone' })).status).toBe(400);
    const [row] = await stack.env.sql`select name, display_name from users where id = ${agent.user.id}`;
    expect(row).toEqual({ name: 'Sam Agent', display_name: null });
  });

  it('does not check again a full name sent unchanged: someone named under the old 120-character cap can still set a shown name', async () => {
    const legacy = 'L'.repeat(100);
    await stack.env.sql`update users set name = ${legacy} where id = ${agent.user.id}`;
    try {
      const self = await renameSelf(agent, { name: legacy, displayName: 'Lee' });
      expect(self.status).toBe(200);
      expect(self.json.user).toMatchObject({ name: legacy, displayName: 'Lee' });
      const byAdmin = await httpAs(stack.url, 'PATCH', `/api/admin/team/${agent.user.id}`, admin, { name: legacy, displayName: 'Leo' });
      expect(byAdmin.status).toBe(200);
      // A new long name is still refused.
      expect((await renameSelf(agent, { name: 'M'.repeat(100) })).json.error.code).toBe('name_too_long');
    } finally {
      await stack.env.sql`update users set name = 'Sam Agent', display_name = null where id = ${agent.user.id}`;
    }
  });

  it('accepts 80 and 40 characters (counted as characters, not UTF-16 units) and trims', async () => {
    const name = '🙂'.repeat(80);
    const answer = await renameSelf(agent, { name: `  ${name}  `, displayName: '  ' + '王'.repeat(40) + ' ' });
    expect(answer.status).toBe(200);
    expect(answer.json.user).toMatchObject({ id: agent.user.id, name, displayName: '王'.repeat(40) });
    // An empty name shown to customers means "the full name".
    const cleared = await renameSelf(agent, { name: 'Sam Agent', displayName: '' });
    expect(cleared.json.user).toMatchObject({ name: 'Sam Agent', displayName: null });
  });

  it('saves both names, audits the change, answers them in /me and tells every console', async () => {
    const adminConsole = await connectAgent(stack.url, admin.token);
    sockets.push(adminConsole);
    const told = nextEvent<{ agentId: number; name: string; displayName: string | null }>(adminConsole, 'agent:renamed', (e) => e.agentId === agent.user.id);
    const answer = await renameSelf(agent, { name: 'Samuel Agent', displayName: 'Sam' });
    expect(answer.status).toBe(200);
    expect(answer.json.user).toMatchObject({ id: agent.user.id, name: 'Samuel Agent', displayName: 'Sam', role: 'agent' });
    expect(await told).toEqual({ agentId: agent.user.id, name: 'Samuel Agent', displayName: 'Sam' });
    expect((await httpAs(stack.url, 'GET', '/api/auth/me', agent)).json.user).toMatchObject({ name: 'Samuel Agent', displayName: 'Sam' });
    const entries = await auditEntries('account.rename', `user:${agent.user.id}`);
    expect(entries.at(-1)).toMatchObject({ actor_user_id: agent.user.id, details: { name: 'Samuel Agent', displayName: 'Sam' } });
    // Colleagues keep seeing the full name (the team list), with the name shown to customers beside it.
    const team = await httpAs(stack.url, 'GET', '/api/admin/team', admin);
    expect(team.json.items.find((m: { id: number }) => m.id === agent.user.id)).toMatchObject({ name: 'Samuel Agent', displayName: 'Sam' });
    await renameSelf(agent, { name: 'Sam Agent', displayName: null });
  });

  it('needs a session: signed out is 401, and a personal API token (even its own creator\'s, agent scope) is refused', async () => {
    expect((await httpAs(stack.url, 'PATCH', '/api/auth/me', null, { name: 'Nobody' })).status).toBe(401);
    const made = await httpAs(stack.url, 'POST', '/api/admin/api-tokens', admin, { name: 'CRM sync', scope: 'agent' });
    expect(made.status).toBe(201);
    const viaToken = await fetch(`${stack.url}/api/auth/me`, {
      method: 'PATCH', headers: { authorization: `Bearer ${made.json.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Renamed by a script' }),
    });
    expect(viaToken.status).toBe(403);
    expect(((await viaToken.json()) as { error: { code: string } }).error.code).toBe('api_token_not_allowed');
    // Reading /me with it still works, naming the creator with both names.
    const me = await fetch(`${stack.url}/api/auth/me`, { headers: { authorization: `Bearer ${made.json.token}` } });
    expect(((await me.json()) as { user: { name: string; displayName: string | null } }).user).toMatchObject({ name: 'Ada Admin', displayName: null });
    expect((await stack.env.sql`select name from users where id = ${admin.user.id}`)[0].name).toBe('Ada Admin');
  });
});

describe('an admin renaming a member (PATCH /api/admin/team/:id)', () => {
  it('is refused to an agent, for a colleague and for themselves alike', async () => {
    expect((await httpAs(stack.url, 'PATCH', `/api/admin/team/${admin.user.id}`, agent, { name: 'Not an admin' })).status).toBe(403);
    expect((await httpAs(stack.url, 'PATCH', `/api/admin/team/${agent.user.id}`, agent, { displayName: 'Boss' })).status).toBe(403);
    const [row] = await stack.env.sql`select name, display_name from users where id = ${admin.user.id}`;
    expect(row).toEqual({ name: 'Ada Admin', display_name: null });
  });

  it('checks the names as a self-rename does, then saves them, audits who renamed whom from what, and tells the consoles', async () => {
    const refused = await httpAs(stack.url, 'PATCH', `/api/admin/team/${agent.user.id}`, admin, { name: 'Sam\u0000' });
    expect(refused.status).toBe(400);
    expect((await httpAs(stack.url, 'PATCH', `/api/admin/team/${agent.user.id}`, admin, { displayName: 'a\nb' })).json.error.code).toBe('display_name_invalid');
    const agentConsole = await connectAgent(stack.url, agent.token);
    sockets.push(agentConsole);
    const told = nextEvent<{ agentId: number; name: string; displayName: string | null }>(agentConsole, 'agent:renamed', (e) => e.agentId === agent.user.id);
    const answer = await httpAs(stack.url, 'PATCH', `/api/admin/team/${agent.user.id}`, admin, { name: ' Sam Lee ', displayName: ' Sammy ' });
    expect(answer.status).toBe(200);
    expect(answer.json.member).toMatchObject({ id: agent.user.id, name: 'Sam Lee', displayName: 'Sammy' });
    expect(await told).toEqual({ agentId: agent.user.id, name: 'Sam Lee', displayName: 'Sammy' });
    const entries = await auditEntries('team.update', `user:${agent.user.id}`);
    expect(entries.at(-1)).toMatchObject({ actor_user_id: admin.user.id, details: { name: 'Sam Lee', displayName: 'Sammy', previousName: 'Sam Agent' } });
    await httpAs(stack.url, 'PATCH', `/api/admin/team/${agent.user.id}`, admin, { name: 'Sam Agent', displayName: null });
  });
});

describe('what shoppers see', () => {
  it('names the agent by the name shown to customers; colleagues see the full name; history reads the name shown now', async () => {
    expect((await renameSelf(agent, { displayName: 'Sam' })).status).toBe(200);
    const session = await widgetSession(stack.url, { name: 'Mia Shopper', email: 'mia@example.com', locale: 'en' });
    const shopper: WidgetClient = await connectWidget(stack.url, session.visitorToken);
    sockets.push(shopper);
    const agentConsole: AgentClient = await connectAgent(stack.url, agent.token);
    sockets.push(agentConsole);
    const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'q-1', text: 'I need a person please' });
    const conversationId = sent.conversationId;
    await callOk<{ conversation: ConversationSummary }>(shopper, 'handoff:request', { conversationId });

    // "Sam joined the chat." for the shopper; the full name only for colleagues.
    const joined = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'system' && (m.metadata as { event?: string }).event === 'agent_joined');
    const joinedForTeam = nextAgentMessage(agentConsole, (m) => m.conversationId === conversationId && (m.metadata as { event?: string }).event === 'agent_joined');
    const assignedForShopper = nextEvent<ConversationSummary>(shopper, 'conversation:updated', (c) => c.status === 'assigned');
    const assignedForTeam = nextEvent<ConversationSummary>(agentConsole, 'conversation:updated', (c) => c.id === conversationId && c.status === 'assigned');
    await callOk(agentConsole, 'conversation:accept', { conversationId });
    // The chat's holder, too: by the shown name for the shopper, the full name for the team.
    expect((await assignedForShopper).assignee).toEqual({ id: agent.user.id, name: 'Sam' });
    expect((await assignedForTeam).assignee).toMatchObject({ id: agent.user.id, name: 'Sam Agent' });
    const line = await joined;
    expect(line.text).toBe('Sam joined the chat.');
    expect(line.metadata).toMatchObject({ event: 'agent_joined', agentName: 'Sam' });
    expect(JSON.stringify(line)).not.toContain('Sam Agent');
    expect((await joinedForTeam).metadata).toMatchObject({ agentName: 'Sam Agent' });

    // The typing line and the reply name "Sam"; the console's copy of the reply names the full name.
    const typing = nextEvent<{ author: string; name: string | null }>(shopper, 'typing', (e) => e.author === 'agent');
    agentConsole.emit('typing', { conversationId, typing: true });
    expect((await typing).name).toBe('Sam');
    const reply = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'agent');
    const replyForTeam = nextAgentMessage(agentConsole, (m) => m.author.type === 'agent' && m.clientId === 'r-1');
    await callOk(agentConsole, 'message:send', { conversationId, clientId: 'r-1', text: 'Hello Mia, I can help.' });
    const shown = await reply;
    expect(shown.author.name).toBe('Sam');
    expect(JSON.stringify(shown)).not.toContain('Sam Agent');
    expect((await replyForTeam).author.name).toBe('Sam Agent');

    // A new name applies to what is said next, and the history read again names earlier lines by it too (sync, as a
    // reconnecting widget asks): the shopper reads one name for one person.
    expect((await renameSelf(agent, { displayName: 'Sammy' })).status).toBe(200);
    const second = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'agent' && m.clientId === 'r-2');
    await callOk(agentConsole, 'message:send', { conversationId, clientId: 'r-2', text: 'Still here.' });
    expect((await second).author.name).toBe('Sammy');
    const synced = await callOk<{ messages: ChatMessage[] }>(shopper, 'messages:sync', { conversationId, afterId: 0 });
    const names = synced.messages.filter((m) => m.author.type === 'agent').map((m) => [m.clientId, m.author.name]);
    expect(names).toEqual([['r-1', 'Sammy'], ['r-2', 'Sammy']]);
    expect(JSON.stringify(synced.messages)).not.toContain('Sam Agent');
    const current = await callOk<{ messages: ChatMessage[] }>(shopper, 'conversation:current', {});
    expect(current.messages.filter((m) => m.author.type === 'agent').map((m) => m.author.name)).toEqual(['Sammy', 'Sammy']);

    // Ending the chat says the name shown now; the shopper's transcript names the agent as the widget did.
    const ended = nextEvent<ChatMessage>(shopper, 'message:new', (m) => (m.metadata as { event?: string }).event === 'agent_left');
    await callOk(agentConsole, 'conversation:resolve', { conversationId });
    expect((await ended).metadata).toMatchObject({ agentName: 'Sammy' });
    const transcript = await (await fetch(`${stack.url}/api/widget/conversations/${conversationId}/transcript`, { headers: { authorization: `Bearer ${session.visitorToken}` } })).text();
    expect(transcript).toContain('Sammy joined the chat.');
    expect(transcript).toContain('Sammy: Hello Mia, I can help.');
    expect(transcript).toContain('Sammy: Still here.');
    expect(transcript).not.toContain('Sam Agent');
    await renameSelf(agent, { displayName: null });
  });

  it('says "X is no longer available" by the shown name when a holder is deactivated', async () => {
    const tess = { email: 'tess@demo.shop', password: 'tess-names-pw1' };
    await stack.env.sql`insert into users (email, name, display_name, role, password_hash) values (${tess.email}, 'Tess Teammate', 'Tess', 'agent', ${await hashPassword(tess.password)})`;
    const tessSession = await login(stack.url, tess.email, tess.password);
    const tessConsole = await connectAgent(stack.url, tessSession.token);
    sockets.push(tessConsole);
    const session = await widgetSession(stack.url, { locale: 'en' });
    const shopper = await connectWidget(stack.url, session.visitorToken);
    sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'q-tess', text: 'A person please' });
    await callOk(shopper, 'handoff:request', { conversationId });
    await callOk(tessConsole, 'conversation:accept', { conversationId });
    const told = nextEvent<ChatMessage>(shopper, 'message:new', (m) => (m.metadata as { event?: string }).event === 'agent_unavailable');
    expect((await httpAs(stack.url, 'PATCH', `/api/admin/team/${tessSession.user.id}`, admin, { active: false })).status).toBe(200);
    const line = await told;
    expect(line.text).toBe('Tess is no longer available. We\'re finding someone else to help you.');
    expect(line.metadata).toMatchObject({ agentName: 'Tess' });
    expect(JSON.stringify(line)).not.toContain('Teammate');
  });
});
