// Macros (server/services/macros.ts, server/http/macro-routes.ts, migration 048) on a real server, Postgres and Redis:
// an agent's own macros are theirs alone (seen, changed and run by no one else, admins included); the team's are
// written by admins only, audited; every action type is validated, as are the caps; a run performs each action
// through its single form (the shopper gets the reply with its placeholders filled, the note stays private, labels,
// priority and the resolve with its system line land) and stops at the first refusal with a per-action report.
import { beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, eventually, nextEvent, record } from '../support/sockets.ts';
import { macroTestBed } from '../support/macros.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { MAX_PERSONAL_MACROS, MAX_TEAM_MACROS } from '../../server/services/macros.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

type Auth = Awaited<ReturnType<typeof login>>;
interface Macro { id: number; name: string; personal: boolean; actions: { type: string }[] }
interface RunResult { macroId: number; completed: boolean; actions: { type: string; status: string; code?: string; message?: string }[]; conversation: { status: string } }

const bed = macroTestBed();
const { sockets } = bed;
let stack: TestStack;
let admin: Auth;
let agent: Auth;
let teammate: Auth;
/** A team that exists: a "Send to team" action must name one when it is saved. */
let billingTeamId: number;

const http = (method: string, path: string, auth: { cookie: string } | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);
const listFor = async (auth: Auth) => {
  const listed = await http('GET', '/api/macros', auth);
  expect(listed.status, listed.text).toBe(200);
  return listed.json.items as Macro[];
};
const saveOwn = async (auth: Auth, body: unknown) => {
  const saved = await http('POST', '/api/macros/personal', auth, body);
  expect(saved.status, saved.text).toBe(201);
  return saved.json.item as Macro;
};
const saveTeam = async (body: unknown) => {
  const saved = await http('POST', '/api/admin/macros', admin, body);
  expect(saved.status, saved.text).toBe(201);
  return saved.json.item as Macro;
};
const run = async (auth: Auth, conversationId: number, macroId: number, body: unknown = {}) => {
  const ran = await http('POST', `/api/conversations/${conversationId}/macros/${macroId}/run`, auth, body);
  expect(ran.status, ran.text).toBe(200);
  return ran.json as RunResult;
};
const conversationRow = async (id: number) =>
  (await stack.env.sql<{ status: string; assignee_id: number | null; labels: string[]; priority: boolean }[]>`
    select status, assignee_id, labels, priority from conversations where id = ${id}`)[0];

/** A shopper (named `name`) whose chat the demo agent, the only one online, holds. */
const heldChat = (name: string | null) => bed.heldChat('Where is my parcel?', name);

beforeAll(async () => {
  ({ stack, admin, agent } = bed);
  await stack.env.sql`insert into users (email, name, role, password_hash) values ('tia@demo.shop', 'Tia Teammate', 'agent', ${await hashPassword('tia-macros-pw')})`;
  teammate = await login(stack.url, 'tia@demo.shop', 'tia-macros-pw');
  [{ id: billingTeamId }] = await stack.env.sql<{ id: number }[]>`insert into teams (name) values ('Billing') returning id::int`;
});

describe('who sees and writes macros', () => {
  it("an agent's own macro is seen, changed and run by them alone, not by a teammate nor an admin", async () => {
    const otherConsole = await connectAgent(stack.url, agent.token);
    sockets.push(otherConsole);
    const told = nextEvent<{ scope: string }>(otherConsole, 'macros:changed');
    const mine = await saveOwn(agent, { name: '  Parcel late ', actions: [{ type: 'note', text: 'Asked the warehouse' }] });
    expect(mine).toMatchObject({ name: 'Parcel late', personal: true });
    expect(await told).toEqual({ scope: 'personal' });
    expect((await listFor(agent)).map((m) => m.id)).toContain(mine.id);
    for (const other of [teammate, admin]) expect((await listFor(other)).map((m) => m.id)).not.toContain(mine.id);

    const replacement = { name: 'Hijacked', actions: [{ type: 'resolve' }] };
    for (const other of [teammate, admin]) {
      expect((await http('PUT', `/api/macros/personal/${mine.id}`, other, replacement)).status).toBe(404);
      expect((await http('DELETE', `/api/macros/personal/${mine.id}`, other)).status).toBe(404);
    }
    // Nor through the admin routes, which write the team's only.
    expect((await http('PUT', `/api/admin/macros/${mine.id}`, admin, replacement)).status).toBe(404);
    const { conversationId } = await heldChat(null);
    const foreignRun = await http('POST', `/api/conversations/${conversationId}/macros/${mine.id}/run`, teammate, {});
    expect(foreignRun.status).toBe(404);
    expect(await stack.env.sql`select 1 from messages where conversation_id = ${conversationId} and body = 'Asked the warehouse'`).toHaveLength(0);

    const renamed = await http('PUT', `/api/macros/personal/${mine.id}`, agent, { name: 'Parcel very late', actions: [{ type: 'resolve' }] });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json.item).toMatchObject({ name: 'Parcel very late', actions: [{ type: 'resolve' }] });
    expect((await http('DELETE', `/api/macros/personal/${mine.id}`, agent)).status).toBe(200);
    expect((await listFor(agent)).map((m) => m.id)).not.toContain(mine.id);
  });

  it("the team's macros are written by admins only, audited, seen by every agent and told to every console", async () => {
    const body = { name: 'Refund asked', actions: [{ type: 'addLabels', labels: ['Refund'] }] };
    expect((await http('POST', '/api/admin/macros', agent, body)).status).toBe(403);
    const teammateConsole = await connectAgent(stack.url, teammate.token);
    sockets.push(teammateConsole);
    const told = nextEvent<{ scope: string }>(teammateConsole, 'macros:changed');
    const team = await saveTeam(body);
    expect(await told).toEqual({ scope: 'team' });
    expect(team).toMatchObject({ personal: false, actions: [{ type: 'addLabels', labels: ['refund'] }] });
    for (const someone of [agent, teammate]) expect((await listFor(someone)).map((m) => m.id)).toContain(team.id);

    expect((await http('PUT', `/api/admin/macros/${team.id}`, agent, body)).status).toBe(403);
    expect((await http('DELETE', `/api/admin/macros/${team.id}`, agent)).status).toBe(403);
    // The personal routes do not reach the team's.
    expect((await http('PUT', `/api/macros/personal/${team.id}`, agent, body)).status).toBe(404);
    expect((await http('DELETE', `/api/macros/personal/${team.id}`, admin)).status).toBe(404);

    expect((await http('PUT', `/api/admin/macros/${team.id}`, admin, { ...body, name: 'Refund requested' })).status).toBe(200);
    expect((await http('DELETE', `/api/admin/macros/${team.id}`, admin)).status).toBe(200);
    const audited = await stack.env.sql<{ action: string; actor_user_id: number }[]>`
      select action, actor_user_id from audit_log where target = ${`macro:${team.id}`} order by id`;
    expect(audited.map((a) => a.action)).toEqual(['macro.create', 'macro.update', 'macro.delete']);
    expect(audited.every((a) => Number(a.actor_user_id) === admin.user.id)).toBe(true);
  });
});

describe('validation', () => {
  it('refuses a malformed action of every type, an unknown type, too many actions and a bad name', async () => {
    const long = 'x'.repeat(4001);
    const bad: unknown[] = [
      { type: 'reply', text: '   ' },
      { type: 'reply', text: long },
      { type: 'note' },
      { type: 'note', text: 'ok', private: false },
      { type: 'addLabels', labels: ['refund!'] },
      { type: 'addLabels', labels: [] },
      { type: 'removeLabels', labels: 'refund' },
      { type: 'setPriority', priority: 'high' },
      { type: 'snooze' },
      { type: 'snooze', minutes: 60, preset: 'tomorrow' },
      { type: 'snooze', minutes: 60 * 24 * 31 },
      { type: 'snooze', preset: 'someday' },
      { type: 'transferToTeam', teamId: 'billing' },
      { type: 'transferToTeam' },
      { type: 'resolve', text: 'bye' },
      { type: 'deleteCustomer' },
    ];
    for (const action of bad) {
      const answer = await http('POST', '/api/macros/personal', agent, { name: 'Bad', actions: [action] });
      expect(answer.status, JSON.stringify(action)).toBe(400);
    }
    const good = [
      { type: 'reply', text: 'Hi {{customer.first_name}}' }, { type: 'note', text: 'n' }, { type: 'addLabels', labels: ['a b'] },
      { type: 'removeLabels', labels: ['c'] }, { type: 'setPriority', priority: false }, { type: 'snooze', minutes: 30 },
      { type: 'snooze', preset: 'tomorrow' }, { type: 'transferToTeam', teamId: billingTeamId }, { type: 'resolve' },
    ];
    const saved = await saveOwn(agent, { name: 'All kinds', actions: good });
    expect(saved.actions.map((a) => a.type)).toEqual(good.map((a) => a.type));
    const tooMany = Array.from({ length: 11 }, () => ({ type: 'resolve' }));
    expect((await http('POST', '/api/macros/personal', agent, { name: 'Eleven', actions: tooMany })).status).toBe(400);
    expect((await http('POST', '/api/macros/personal', agent, { name: 'Ten', actions: tooMany.slice(1) })).status).toBe(201);
    expect((await http('POST', '/api/macros/personal', agent, { name: 'None', actions: [] })).status).toBe(400);
    expect((await http('POST', '/api/macros/personal', agent, { name: '   ', actions: [{ type: 'resolve' }] })).status).toBe(400);
    expect((await http('POST', '/api/macros/personal', agent, { name: 'n'.repeat(81), actions: [{ type: 'resolve' }] })).status).toBe(400);
  });

  it('refuses a "Send to team" action naming a team that does not exist, when the macro is saved, naming the action', async () => {
    const missingTeam = billingTeamId + 1000;
    const actions = [{ type: 'addLabels', labels: ['billing'] }, { type: 'transferToTeam', teamId: missingTeam }];
    const refused = [
      await http('POST', '/api/macros/personal', agent, { name: 'To nowhere', actions }),
      await http('POST', '/api/admin/macros', admin, { name: 'To nowhere', actions }),
    ];
    for (const answer of refused) {
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.error).toEqual({
        code: 'unknown_team', message: `Action 2 (transferToTeam): there is no team ${missingTeam}; choose one of the teams.`,
      });
    }
    expect((await listFor(admin)).map((m) => m.name)).not.toContain('To nowhere');

    // A replace is checked the same way, and leaves the macro as it was.
    const mine = await saveOwn(agent, { name: 'To billing', actions: [{ type: 'transferToTeam', teamId: billingTeamId }] });
    const replaced = await http('PUT', `/api/macros/personal/${mine.id}`, agent, { name: 'To billing', actions: [{ type: 'resolve' }, ...actions] });
    expect(replaced.status).toBe(400);
    expect(replaced.json.error.message).toMatch(/^Action 3 \(transferToTeam\): there is no team/);
    expect((await listFor(agent)).find((m) => m.id === mine.id)?.actions).toEqual([{ type: 'transferToTeam', teamId: billingTeamId }]);
    expect((await http('DELETE', `/api/macros/personal/${mine.id}`, agent)).status).toBe(200);
  });

  it(`keeps at most ${MAX_PERSONAL_MACROS} macros per agent and ${MAX_TEAM_MACROS} of the team's`, async () => {
    const [{ id: ownerId }] = await stack.env.sql<{ id: number }[]>`
      insert into users (email, name, role, password_hash) values ('full@demo.shop', 'Full Agent', 'agent', ${await hashPassword('full-macros-pw')}) returning id`;
    const full = await login(stack.url, 'full@demo.shop', 'full-macros-pw');
    const actions = stack.env.sql.json([{ type: 'resolve' }]);
    await stack.env.sql`insert into macros (name, visibility, owner_id, actions) select 'm' || n, 'personal', ${ownerId}, ${actions} from generate_series(1, ${MAX_PERSONAL_MACROS}) n`;
    const over = await http('POST', '/api/macros/personal', full, { name: 'One more', actions: [{ type: 'resolve' }] });
    expect(over.status).toBe(409);
    expect(over.json.error.code).toBe('personal_macros_full');
    // Another agent's own are not counted against them.
    expect((await http('POST', '/api/macros/personal', teammate, { name: 'Mine', actions: [{ type: 'resolve' }] })).status).toBe(201);

    const [{ n }] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from macros where owner_id is null`;
    await stack.env.sql`insert into macros (name, visibility, actions) select 't' || n, 'team', ${actions} from generate_series(1, ${MAX_TEAM_MACROS - n}) n`;
    const teamOver = await http('POST', '/api/admin/macros', admin, { name: 'One more', actions: [{ type: 'resolve' }] });
    expect(teamOver.status).toBe(409);
    expect(teamOver.json.error.code).toBe('team_macros_full');
    await stack.env.sql`delete from macros where owner_id is null`;
  });
});

describe('running a macro', () => {
  it('performs each action as the agent would: the reply with its placeholders, a private note, labels, priority, the resolve and its line', async () => {
    const { shopper, conversationId } = await heldChat('Anna Smith');
    const shopperSaw = record<ChatMessage>(shopper, 'message:new');
    const macro = await saveOwn(agent, {
      name: 'Refund done',
      actions: [
        { type: 'reply', text: 'Hi {{customer.first_name}}, {{agent.first_name}} here: your refund is on its way.' },
        { type: 'note', text: 'Refunded {{customer.name}} in the shop admin' },
        { type: 'addLabels', labels: ['Refund', 'Done'] },
        { type: 'setPriority', priority: true },
        { type: 'resolve' },
      ],
    });
    const result = await run(agent, conversationId, macro.id);
    expect(result.completed).toBe(true);
    expect(result.actions).toEqual(['reply', 'note', 'addLabels', 'setPriority', 'resolve'].map((type) => ({ type, status: 'done' })));
    expect(result.conversation.status).toBe('resolved');

    const row = await conversationRow(conversationId);
    expect(row).toMatchObject({ status: 'resolved', labels: ['refund', 'done'], priority: true });
    await eventually(async () => shopperSaw.some((m) => m.author.type === 'system' && (m.metadata as { event?: string }).event === 'agent_left'), 10_000, 'the shopper told the chat ended');
    const texts = shopperSaw.map((m) => m.text);
    expect(texts).toContain('Hi Anna, Sam here: your refund is on its way.');
    expect(texts.some((t) => t.includes('Refunded'))).toBe(false);
    const note = await stack.env.sql<{ private: boolean; author_id: number }[]>`
      select private, author_id from messages where conversation_id = ${conversationId} and body = 'Refunded Anna Smith in the shop admin'`;
    expect(note).toHaveLength(1);
    expect(note[0].private).toBe(true);
    expect(Number(note[0].author_id)).toBe(agent.user.id);
  });

  it('stops at the first refusal, reports each action, and leaves the ones before it done: a team deleted since the save', async () => {
    const { conversationId } = await heldChat(null);
    const [{ id: shortLived }] = await stack.env.sql<{ id: number }[]>`insert into teams (name) values ('Short-lived') returning id::int`;
    const macro = await saveOwn(agent, {
      name: 'To billing',
      actions: [{ type: 'addLabels', labels: ['billing'] }, { type: 'transferToTeam', teamId: shortLived }, { type: 'resolve' }],
    });
    expect((await http('DELETE', `/api/admin/teams/${shortLived}`, admin)).status).toBe(200);
    const result = await run(agent, conversationId, macro.id);
    expect(result.completed).toBe(false);
    expect(result.actions).toEqual([
      { type: 'addLabels', status: 'done' },
      { type: 'transferToTeam', status: 'refused', code: 'not_found', message: 'Team not found.' },
      { type: 'resolve', status: 'skipped' },
    ]);
    expect(await conversationRow(conversationId)).toMatchObject({ status: 'assigned', labels: ['billing'] });
  });

  it('reports a refused step by its specific reason (conversation_resolved, not the family conflict), so a console can word it', async () => {
    const { conversationId } = await heldChat(null);
    const close = await saveOwn(agent, { name: 'Close', actions: [{ type: 'resolve' }] });
    expect((await run(agent, conversationId, close.id)).completed).toBe(true);
    const reply = await saveOwn(agent, { name: 'Thanks', actions: [{ type: 'reply', text: 'Thanks for waiting!' }, { type: 'addLabels', labels: ['thanked'] }] });
    const result = await run(agent, conversationId, reply.id);
    expect(result.actions).toEqual([
      { type: 'reply', status: 'refused', code: 'conversation_resolved', message: 'The conversation is resolved; reopen it to reply.' },
      { type: 'addLabels', status: 'skipped' },
    ]);
  });

  it('a label a macro adds is among the labels in use at once, though the list was just counted', async () => {
    const { conversationId } = await heldChat(null);
    const inUse = async () => {
      const listed = await http('GET', '/api/conversation-labels', agent);
      expect(listed.status).toBe(200);
      return listed.json.items as { label: string; conversations: number }[];
    };
    expect((await inUse()).map((l) => l.label)).not.toContain('fresh from macro'); // counted now: kept for 30 s before
    const macro = await saveOwn(agent, { name: 'Label it', actions: [{ type: 'addLabels', labels: ['Fresh from macro'] }] });
    expect((await run(agent, conversationId, macro.id)).completed).toBe(true);
    expect(await inUse()).toContainEqual({ label: 'fresh from macro', conversations: 1 });
    const removing = await saveOwn(agent, { name: 'Unlabel it', actions: [{ type: 'removeLabels', labels: ['fresh from macro'] }] });
    expect((await run(agent, conversationId, removing.id)).completed).toBe(true);
    expect((await inUse()).map((l) => l.label)).not.toContain('fresh from macro');
  });

  it("stops when a teammate's team macro would resolve a chat another agent holds; the snooze preset takes the console's time", async () => {
    const { conversationId } = await heldChat(null);
    const macro = await saveTeam({ name: 'Close it', actions: [{ type: 'note', text: 'Closing' }, { type: 'resolve' }] });
    const result = await run(teammate, conversationId, macro.id);
    expect(result.actions).toEqual([
      { type: 'note', status: 'done' },
      // Refused by its reason, naming the holder (the demo agent), so the console words the step in its language.
      { type: 'resolve', status: 'refused', code: 'held_by_other', message: 'Only the agent holding this chat (or an admin) can resolve it.', params: { name: agent.user.name } },
    ]);
    expect((await conversationRow(conversationId)).status).toBe('assigned');

    const later = await saveOwn(agent, { name: 'Tomorrow', actions: [{ type: 'snooze', preset: 'tomorrow' }] });
    const withoutTime = await run(agent, conversationId, later.id);
    expect(withoutTime.actions[0]).toMatchObject({ status: 'refused', code: 'snooze_time_needed' });
    const until = new Date(Date.now() + 20 * 3_600_000);
    expect((await run(agent, conversationId, later.id, { snoozeUntil: until.toISOString() })).completed).toBe(true);
    const [{ snoozed_until }] = await stack.env.sql<{ snoozed_until: Date }[]>`select snoozed_until from conversations where id = ${conversationId}`;
    expect(snoozed_until.getTime()).toBe(until.getTime());
  });
});
