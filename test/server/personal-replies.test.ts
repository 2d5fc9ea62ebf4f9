// Personal canned replies (server/http/canned-response-routes.ts, migration 046) on a real server, Postgres and Redis:
// any agent keeps replies of their own that no one else sees (teammates and admins alike) or can change; the team's
// shared ones stay admin-written; bodies are validated to the table's caps; a shortcut clashes only within its owner
// and language (409), the caller's own listed before a shared one with the same shortcut; the agent's other consoles
// hear of each change; deactivating an agent keeps their replies and removing the account removes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { connectAgent, nextEvent, record, type AgentClient } from '../support/sockets.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { MAX_PERSONAL_REPLIES } from '../../server/http/canned-response-routes.ts';

type Auth = Awaited<ReturnType<typeof login>>;
interface Canned { id: number; shortcut: string; title: string; body: string; locale: string; personal: boolean; updatedAt: string }

let stack: TestStack;
let admin: Auth;
let agent: Auth;
let teammate: Auth;
const sockets: AgentClient[] = [];

const http = (method: string, path: string, auth: { cookie: string } | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);
const listFor = async (auth: Auth) => {
  const listed = await http('GET', '/api/canned-responses', auth);
  expect(listed.status, listed.text).toBe(200);
  return listed.json.items as Canned[];
};
const saveOwn = async (auth: Auth, body: Record<string, unknown>) => {
  const saved = await http('POST', '/api/canned-responses/personal', auth, body);
  expect(saved.status, saved.text).toBe(201);
  return saved.json.item as Canned;
};
const addUser = async (email: string, name: string, password: string) => {
  const [row] = await stack.env.sql<{ id: number }[]>`insert into users (email, name, role, password_hash)
                                                     values (${email}, ${name}, 'agent', ${await hashPassword(password)}) returning id`;
  return row.id;
};

beforeAll(async () => {
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 100 } });
  await addUser('tia@demo.shop', 'Tia Teammate', 'tia-replies-pw');
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  teammate = await login(stack.url, 'tia@demo.shop', 'tia-replies-pw');
}, 60_000);
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

describe('personal canned replies', () => {
  it('are saved by any agent and seen, changed and deleted by them alone: not by a teammate, nor by an admin', async () => {
    const mine = await saveOwn(agent, { shortcut: 'tracking', title: '  Tracking link ', body: 'Here is your tracking link: {{customer.first_name}}' });
    expect(mine).toMatchObject({ shortcut: 'tracking', title: 'Tracking link', locale: 'en', personal: true });
    expect((await listFor(agent)).filter((c) => c.personal)).toEqual([mine]);
    for (const other of [teammate, admin]) expect((await listFor(other)).map((c) => c.id)).not.toContain(mine.id);

    // Someone else's reply is "not found" to every write, through the personal routes and the admin's alike.
    const replacement = { shortcut: 'hijack', title: 'Hijacked', body: 'Not yours' };
    expect((await http('PUT', `/api/canned-responses/personal/${mine.id}`, teammate, replacement)).status).toBe(404);
    expect((await http('DELETE', `/api/canned-responses/personal/${mine.id}`, teammate)).status).toBe(404);
    expect((await http('PUT', `/api/canned-responses/personal/${mine.id}`, admin, replacement)).status).toBe(404);
    expect((await http('PUT', `/api/admin/canned-responses/${mine.id}`, admin, replacement)).status).toBe(404);
    expect((await http('DELETE', `/api/admin/canned-responses/${mine.id}`, admin)).status).toBe(404);
    const [kept] = await stack.env.sql`select shortcut, title, owner_id from canned_responses where id = ${mine.id}`;
    expect(kept).toEqual({ shortcut: 'tracking', title: 'Tracking link', owner_id: agent.user.id });

    // The owner replaces and deletes it; neither is audited (nothing of the team's changed).
    const edited = await http('PUT', `/api/canned-responses/personal/${mine.id}`, agent, { shortcut: 'track', title: '追踪', body: '这是您的物流单号。', locale: 'zh' });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.json.item).toMatchObject({ id: mine.id, shortcut: 'track', title: '追踪', locale: 'zh', personal: true });
    expect((await http('DELETE', `/api/canned-responses/personal/${mine.id}`, agent)).status).toBe(200);
    expect((await http('DELETE', `/api/canned-responses/personal/${mine.id}`, agent)).status).toBe(404);
    expect((await listFor(agent)).map((c) => c.id)).not.toContain(mine.id);
    const [{ n }] = await stack.env.sql`select count(*)::int as n from audit_log where target = ${`canned:${mine.id}`}`;
    expect(n).toBe(0);
    expect((await http('GET', '/api/canned-responses', null)).status).toBe(401);
    expect((await http('POST', '/api/canned-responses/personal', null, { shortcut: 'x', title: 'x', body: 'x' })).status).toBe(401);
  });

  it('leave the shared ones to admins: an agent can neither write one nor reach one through the personal routes', async () => {
    const shared = await http('POST', '/api/admin/canned-responses', admin, { shortcut: 'returns', title: 'Returns', body: 'You can return items within 30 days.' });
    expect(shared.status, shared.text).toBe(201);
    const id = shared.json.item.id as number;
    expect(shared.json.item.personal).toBe(false);
    expect((await http('POST', '/api/admin/canned-responses', agent, { shortcut: 'mine', title: 'x', body: 'x' })).status).toBe(403);
    expect((await http('PUT', `/api/admin/canned-responses/${id}`, agent, { shortcut: 'returns', title: 'x', body: 'x' })).status).toBe(403);
    expect((await http('DELETE', `/api/admin/canned-responses/${id}`, agent)).status).toBe(403);
    expect((await http('PUT', `/api/canned-responses/personal/${id}`, agent, { shortcut: 'returns', title: 'x', body: 'x' })).status).toBe(404);
    expect((await http('DELETE', `/api/canned-responses/personal/${id}`, agent)).status).toBe(404);
    // An admin's own reply is personal too: it does not become the team's.
    const adminsOwn = await saveOwn(admin, { shortcut: 'returns', title: 'My returns note', body: 'Check the RMA first.' });
    expect((await listFor(agent)).filter((c) => c.shortcut === 'returns').map((c) => [c.id, c.personal])).toEqual([[id, false]]);
    expect((await http('DELETE', `/api/admin/canned-responses/${adminsOwn.id}`, admin)).status).toBe(404);
    expect((await http('GET', '/api/canned-responses', agent)).json.items.find((c: Canned) => c.id === id).title).toBe('Returns');
  });

  it('are validated to the table caps, and a shortcut clashes only with the same owner and language (409)', async () => {
    const valid = { shortcut: 'sizes', title: 'Size guide', body: 'Our sizes run small.' };
    for (const body of [
      { ...valid, shortcut: 'Bad Shortcut!' }, { ...valid, shortcut: 'a'.repeat(41) }, { ...valid, shortcut: '-lead' },
      { ...valid, title: '' }, { ...valid, title: '   ' }, { ...valid, title: 't'.repeat(121) },
      { ...valid, body: '' }, { ...valid, body: ' \n ' }, { ...valid, body: 'b'.repeat(4001) },
      { ...valid, locale: 'fr' }, { ...valid, ownerId: teammate.user.id }, { shortcut: 'sizes', title: 'No body' },
    ]) {
      const refused = await http('POST', '/api/canned-responses/personal', agent, body);
      expect(refused.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    expect((await http('PUT', '/api/canned-responses/personal/0', agent, valid)).status).toBe(400);
    expect((await listFor(agent)).filter((c) => c.personal).map((c) => c.shortcut)).not.toContain('sizes');

    const first = await saveOwn(agent, { ...valid, title: 't'.repeat(120), body: 'b'.repeat(4000) });
    const again = await http('POST', '/api/canned-responses/personal', agent, valid);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('shortcut_taken');
    // Another language, a teammate, and the team may each have /sizes.
    const chinese = await saveOwn(agent, { ...valid, locale: 'zh', title: '尺码', body: '我们的尺码偏小。' });
    await saveOwn(teammate, valid);
    expect((await http('POST', '/api/admin/canned-responses', admin, valid)).status).toBe(201);
    // Renaming one onto another of one's own clashes too, and changes nothing.
    const clash = await http('PUT', `/api/canned-responses/personal/${chinese.id}`, agent, { ...valid, title: 'Renamed' });
    expect(clash.status).toBe(409);
    expect(clash.json.error.code).toBe('shortcut_taken');
    const [row] = await stack.env.sql`select locale, title from canned_responses where id = ${chinese.id}`;
    expect(row).toEqual({ locale: 'zh', title: '尺码' });
    expect(first.body).toHaveLength(4000);
    // The shared ones keep their own rule and code.
    const sharedAgain = await http('POST', '/api/admin/canned-responses', admin, valid);
    expect(sharedAgain.status).toBe(409);
    expect(sharedAgain.json.error.code).toBe('conflict');
  });

  it("list the caller's own before a shared one with the same shortcut and language", async () => {
    const shared = (await http('POST', '/api/admin/canned-responses', admin, { shortcut: 'refund', title: 'Refund (team)', body: 'Refunds take 5 days.' })).json.item as Canned;
    // A shared reply in the other language and a longer shortcut sort around them as before: by shortcut, then language.
    const sharedZh = (await http('POST', '/api/admin/canned-responses', admin, { shortcut: 'refund', title: '退款', body: '退款需 5 天。', locale: 'zh' })).json.item as Canned;
    const mine = await saveOwn(agent, { shortcut: 'refund', title: 'Refund (mine)', body: 'I have refunded you myself.' });
    const refunds = (items: Canned[]) => items.filter((c) => c.shortcut === 'refund').map((c) => [c.id, c.locale, c.personal]);
    expect(refunds(await listFor(agent))).toEqual([[mine.id, 'en', true], [shared.id, 'en', false], [sharedZh.id, 'zh', false]]);
    expect(refunds(await listFor(teammate))).toEqual([[shared.id, 'en', false], [sharedZh.id, 'zh', false]]);
  });

  it("tell the agent's other consoles when their own change, and every console when the team's do", async () => {
    const own = await connectAgent(stack.url, agent.token);
    const other = await connectAgent(stack.url, teammate.token);
    sockets.push(own, other);
    const heardByOther = record<{ scope: string }>(other, 'canned:changed');

    const created = nextEvent(own, 'canned:changed');
    const item = await saveOwn(agent, { shortcut: 'live', title: 'Live', body: 'Live one' });
    expect(await created).toEqual({ scope: 'personal' });
    const edited = nextEvent(own, 'canned:changed');
    await http('PUT', `/api/canned-responses/personal/${item.id}`, agent, { shortcut: 'live', title: 'Live 2', body: 'Live two' });
    expect(await edited).toEqual({ scope: 'personal' });
    const deleted = nextEvent(own, 'canned:changed');
    await http('DELETE', `/api/canned-responses/personal/${item.id}`, agent);
    expect(await deleted).toEqual({ scope: 'personal' });

    const sharedToOwn = nextEvent(own, 'canned:changed');
    const sharedToOther = nextEvent(other, 'canned:changed');
    await http('POST', '/api/admin/canned-responses', admin, { shortcut: 'live-team', title: 'Team', body: 'For all' });
    expect(await sharedToOwn).toEqual({ scope: 'shared' });
    expect(await sharedToOther).toEqual({ scope: 'shared' });
    // The teammate heard the team's change only, never the agent's own.
    expect(heardByOther).toEqual([{ scope: 'shared' }]);
  });

  it(`hold at most ${MAX_PERSONAL_REPLIES} per agent`, async () => {
    const id = await addUser('full@demo.shop', 'Fay Full', 'fay-replies-pw');
    const fay = await login(stack.url, 'full@demo.shop', 'fay-replies-pw');
    await stack.env.sql`insert into canned_responses (shortcut, title, body, owner_id, created_by)
                        select 'r' || n, 'Reply ' || n, 'Text ' || n, ${id}, ${id} from generate_series(1, ${MAX_PERSONAL_REPLIES - 1}) n`;
    await saveOwn(fay, { shortcut: 'last', title: 'Last', body: 'The last one that fits' });
    const over = await http('POST', '/api/canned-responses/personal', fay, { shortcut: 'over', title: 'Over', body: 'One too many' });
    expect(over.status).toBe(409);
    expect(over.json.error.code).toBe('personal_replies_full');
    expect((await listFor(fay)).filter((c) => c.personal)).toHaveLength(MAX_PERSONAL_REPLIES);
  });

  it("stay while their agent is deactivated, and go with the account (the team's they wrote stay)", async () => {
    const id = await addUser('leaving@demo.shop', 'Lee Leaving', 'lee-replies-pw');
    const lee = await login(stack.url, 'leaving@demo.shop', 'lee-replies-pw');
    await stack.env.sql`update users set role = 'admin' where id = ${id}`;
    const own = await saveOwn(lee, { shortcut: 'bye', title: 'Bye', body: 'Goodbye!' });
    const sharedByLee = await http('POST', '/api/admin/canned-responses', lee, { shortcut: 'lee-shared', title: 'From Lee', body: 'Written by Lee for all' });
    expect(sharedByLee.status, sharedByLee.text).toBe(201);

    const off = await http('PATCH', `/api/admin/team/${id}`, admin, { active: false });
    expect(off.status, off.text).toBe(200);
    const [{ n }] = await stack.env.sql`select count(*)::int as n from canned_responses where id = ${own.id}`;
    expect(n).toBe(1);

    await stack.env.sql`delete from users where id = ${id}`;
    expect(await stack.env.sql`select id from canned_responses where id = ${own.id}`).toEqual([]);
    expect((await listFor(agent)).find((c) => c.id === sharedByLee.json.item.id)).toMatchObject({ shortcut: 'lee-shared', personal: false });
  });
});
