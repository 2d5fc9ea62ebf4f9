// Inbox filters and saved views (server/services/inbox-filters.ts, inbox-views.ts, server/http/inbox-view-routes.ts,
// migration 054) on a real server and Postgres: the list's filters (assignee, team, labels, priority, language,
// waiting longer than) return the right chats alone and combined, bad ones are a 400 naming the field; team views are
// written by admins only (audited) and seen by all, an agent's own by nobody else; counts are the lists' lengths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { holdTableLock } from '../support/databases.ts';
import { COUNT_TTL_MS, MAX_PERSONAL_VIEWS } from '../../server/services/inbox-views.ts';

type Auth = Awaited<ReturnType<typeof login>>;
interface View { id: number; name: string; personal: boolean; filters: Record<string, unknown>; sort: string | null }

let stack: TestStack;
let admin: Auth;
let agent: Auth;
let teammate: Auth;
let billingTeamId: number;
/** The fixture chats by name. */
const chat: Record<string, number> = {};

const http = (method: string, path: string, auth: Auth | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);
/** The ids the list answers, by fixture name, sorted. */
async function listed(auth: Auth, search: string): Promise<string[]> {
  const answer = await http('GET', `/api/conversations?limit=200&${search}`, auth);
  expect(answer.status, answer.text).toBe(200);
  const ids = new Set((answer.json.items as { conversation: { id: number } }[]).map((i) => i.conversation.id));
  return Object.keys(chat).filter((name) => ids.has(chat[name]!)).sort();
}

/**
 * One fixture chat: its customer (with the widget's locale), status, holder, team, labels, priority; `waitingFor`
 * minutes since the hand-off with no agent reply (the list's waitingSince); `botLanguage` a bot answer in that language.
 */
async function fixture(name: string, f: {
  status: string; assigneeId?: number; teamId?: number; labels?: string[]; priority?: boolean; locale?: string; waitingFor?: number; botLanguage?: string; agentReplied?: boolean;
}) {
  const sql = stack.env.sql;
  const [{ id: customerId }] = await sql<{ id: number }[]>`insert into customers (name, locale) values (${name}, ${f.locale ?? 'en'}) returning id::int`;
  const queuedAt = f.waitingFor === undefined ? null : new Date(Date.now() - f.waitingFor * 60_000);
  const [{ id }] = await sql<{ id: number }[]>`
    insert into conversations (customer_id, status, assignee_id, team_id, labels, priority, handed_off, queued_at, assigned_at, resolved_at)
    values (${customerId}, ${f.status}, ${f.assigneeId ?? null}, ${f.teamId ?? null}, ${f.labels ?? []}, ${f.priority ?? false},
            ${f.status !== 'bot'}, ${queuedAt}, ${f.assigneeId ? new Date() : null}, ${f.status === 'resolved' ? new Date() : null})
    returning id::int`;
  await sql`insert into messages (conversation_id, author_type, body, created_at) values (${id}, 'customer', 'Hello', ${queuedAt ?? new Date()})`;
  if (f.botLanguage) await sql`insert into messages (conversation_id, author_type, body, metadata) values (${id}, 'bot', 'Hi', ${sql.json({ language: f.botLanguage })})`;
  if (f.agentReplied) await sql`insert into messages (conversation_id, author_type, author_id, body) values (${id}, 'agent', ${f.assigneeId ?? null}, 'On it')`;
  chat[name] = id;
}

beforeAll(async () => {
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 100 } });
  await stack.env.sql`insert into users (email, name, role, password_hash) values ('tia@demo.shop', 'Tia Teammate', 'agent', ${await hashPassword('tia-views-pw')})`;
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  teammate = await login(stack.url, 'tia@demo.shop', 'tia-views-pw');
  [{ id: billingTeamId }] = await stack.env.sql<{ id: number }[]>`insert into teams (name) values ('Billing') returning id::int`;
  await fixture('refundLong', { status: 'queued', labels: ['refund'], waitingFor: 20 });
  await fixture('refundShort', { status: 'queued', labels: ['refund', 'shipping'], waitingFor: 3 });
  await fixture('zhPriority', { status: 'assigned', assigneeId: agent.user.id, teamId: billingTeamId, priority: true, locale: 'zh-CN', waitingFor: 30, agentReplied: true });
  await fixture('vipZhBot', { status: 'assigned', assigneeId: teammate.user.id, labels: ['vip'], locale: 'en-GB', botLanguage: 'zh', waitingFor: 15 });
  await fixture('resolvedRefund', { status: 'resolved', labels: ['refund'], priority: true });
  await fixture('withBot', { status: 'bot' });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe('the inbox list filters', () => {
  it('labels (any of), assignee, team and priority each narrow the list', async () => {
    expect(await listed(agent, 'labels=refund,VIP')).toEqual(['refundLong', 'refundShort', 'resolvedRefund', 'vipZhBot']);
    expect(await listed(agent, 'label=shipping')).toEqual(['refundShort']);
    expect(await listed(agent, 'assignee=me')).toEqual(['zhPriority']);
    expect(await listed(teammate, 'assignee=me')).toEqual(['vipZhBot']);
    expect(await listed(agent, `assignee=${teammate.user.id}`)).toEqual(['vipZhBot']);
    expect(await listed(agent, 'view=open&assignee=nobody')).toEqual(['refundLong', 'refundShort', 'withBot']);
    expect(await listed(agent, `teamId=${billingTeamId}`)).toEqual(['zhPriority']);
    expect(await listed(agent, 'priority=true')).toEqual(['resolvedRefund', 'zhPriority']);
    expect(await listed(agent, 'view=open&priority=true')).toEqual(['zhPriority']);
    expect(await listed(agent, 'view=open&priority=false')).toEqual(['refundLong', 'refundShort', 'vipZhBot', 'withBot']);
  });

  it("language is the bot's last answer's, else the widget's; waiting counts from the hand-off until an agent replies", async () => {
    expect(await listed(agent, 'language=zh')).toEqual(['vipZhBot', 'zhPriority']);
    expect(await listed(agent, 'language=en')).toEqual(['refundLong', 'refundShort', 'resolvedRefund', 'withBot']);
    // zhPriority was handed off 30 minutes ago but its agent replied: nobody waits there.
    expect(await listed(agent, 'waitingMinutes=10')).toEqual(['refundLong', 'vipZhBot']);
    expect(await listed(agent, 'waitingMinutes=2')).toEqual(['refundLong', 'refundShort', 'vipZhBot']);
  });

  it('filters combine ("refunds waiting over 10 minutes"), with every order', async () => {
    for (const sort of ['newest', 'oldest', 'waiting', 'priority']) {
      expect(await listed(agent, `view=open&labels=refund&waitingMinutes=10&sort=${sort}`)).toEqual(['refundLong']);
    }
    expect(await listed(agent, 'view=open&language=zh&priority=true&assignee=me')).toEqual(['zhPriority']);
    expect(await listed(agent, 'view=queued&labels=vip')).toEqual([]);
  });

  it('a bad filter is a 400 that names it', async () => {
    for (const [search, field] of [
      ['waitingMinutes=0', 'waitingMinutes'], ['waitingMinutes=soon', 'waitingMinutes'], ['language=fr', 'language'],
      ['assignee=someone', 'assignee'], ['priority=maybe', 'priority'], [`labels=${Array.from({ length: 11 }, (_, i) => `l${i}`).join(',')}`, 'labels'],
    ] as const) {
      const answer = await http('GET', `/api/conversations?${search}`, agent);
      expect(answer.status, search).toBe(400);
      expect(answer.json.error.message, search).toContain(field);
    }
  });
});

describe('saved views', () => {
  const refundsWaiting = { name: 'Refunds waiting > 10 min', filters: { view: 'open', labels: ['Refund'], waitingMinutes: 10 }, sort: 'waiting' };

  it("the team's are written by admins only, audited, and every agent sees them; labels are stored normalised", async () => {
    expect((await http('POST', '/api/admin/inbox-views', agent, refundsWaiting)).status).toBe(403);
    const created = await http('POST', '/api/admin/inbox-views', admin, refundsWaiting);
    expect(created.status, created.text).toBe(201);
    const view = created.json.item as View;
    expect(view).toMatchObject({ name: refundsWaiting.name, personal: false, sort: 'waiting', filters: { view: 'open', labels: ['refund'], waitingMinutes: 10 } });
    for (const who of [agent, teammate, admin]) {
      const seen = await http('GET', '/api/inbox-views', who);
      expect((seen.json.items as View[]).map((v) => v.id)).toContain(view.id);
    }
    expect((await http('PUT', `/api/admin/inbox-views/${view.id}`, agent, refundsWaiting)).status).toBe(403);
    expect((await http('DELETE', `/api/admin/inbox-views/${view.id}`, agent)).status).toBe(403);
    const renamed = await http('PUT', `/api/admin/inbox-views/${view.id}`, admin, { ...refundsWaiting, name: '  Refunds, late  ' });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.json.item.name).toBe('Refunds, late');
    expect((await http('DELETE', `/api/admin/inbox-views/${view.id}`, admin)).status).toBe(200);
    const audited = await stack.env.sql<{ action: string; actor_user_id: number }[]>`
      select action, actor_user_id from audit_log where target = ${`inbox_view:${view.id}`} order by id`;
    expect(audited.map((a) => a.action)).toEqual(['inbox_view.create', 'inbox_view.update', 'inbox_view.delete']);
    expect(audited.every((a) => Number(a.actor_user_id) === admin.user.id)).toBe(true);
  });

  it("an agent's own view is theirs alone: nobody else sees, changes or deletes it, admins included", async () => {
    const created = await http('POST', '/api/inbox-views/personal', agent, { name: 'My priority', filters: { priority: true, assignee: 'me' } });
    expect(created.status, created.text).toBe(201);
    const view = created.json.item as View;
    expect(view.personal).toBe(true);
    expect(((await http('GET', '/api/inbox-views', agent)).json.items as View[]).map((v) => v.id)).toContain(view.id);
    expect(((await http('GET', '/api/inbox-views', teammate)).json.items as View[]).map((v) => v.id)).not.toContain(view.id);
    expect(((await http('GET', '/api/inbox-views', admin)).json.items as View[]).map((v) => v.id)).not.toContain(view.id);
    expect((await http('PUT', `/api/inbox-views/personal/${view.id}`, teammate, { name: 'Mine now', filters: {} })).status).toBe(404);
    expect((await http('DELETE', `/api/inbox-views/personal/${view.id}`, teammate)).status).toBe(404);
    expect((await http('PUT', `/api/admin/inbox-views/${view.id}`, admin, { name: 'Team now', filters: {} })).status).toBe(404);
    expect((await http('DELETE', `/api/admin/inbox-views/${view.id}`, admin)).status).toBe(404);
    expect((await http('GET', '/api/inbox-views/counts', teammate)).json.counts[view.id]).toBeUndefined();
    const [{ name }] = await stack.env.sql<{ name: string }[]>`select name from inbox_views where id = ${view.id}`;
    expect(name).toBe('My priority');
    expect((await http('DELETE', `/api/inbox-views/personal/${view.id}`, agent)).status).toBe(200);
  });

  it('bad names and filters are refused with a clear error, and the cap holds', async () => {
    for (const [body, words] of [
      [{ name: '   ', filters: {} }, 'blank'],
      [{ name: 'x'.repeat(61), filters: {} }, 'name'],
      [{ name: 'Colour', filters: { colour: 'red' } }, 'filters must NOT have additional properties'],
      [{ name: 'Late', filters: { waitingMinutes: 'ten' } }, 'waitingMinutes'],
      [{ name: 'French', filters: { language: 'fr' } }, 'language'],
      [{ name: 'Blank labels', filters: { labels: ['  '] } }, 'labels'],
      // Not a label agents can give: the list would read it as two ("a" or "b") while the count looks for "a,b".
      [{ name: 'Two in one', filters: { labels: ['refund,vip'] } }, 'Label "refund,vip" is not allowed'],
      [{ name: 'Odd label', filters: { labels: ['refund', 'vip!'] } }, 'Label "vip!" is not allowed'],
      [{ name: 'Sorted', filters: {}, sort: 'random' }, 'sort'],
    ] as const) {
      const answer = await http('POST', '/api/inbox-views/personal', agent, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error.message, JSON.stringify(body)).toContain(words);
    }
    await stack.env.sql`
      insert into inbox_views (name, owner_id, filters, created_by)
      select 'View ' || n, ${teammate.user.id}, '{}', ${teammate.user.id} from generate_series(1, ${MAX_PERSONAL_VIEWS}) n`;
    const full = await http('POST', '/api/inbox-views/personal', teammate, { name: 'One more', filters: {} });
    expect(full.status).toBe(409);
    expect(full.json.error.code).toBe('personal_views_full');
    // Another agent's cap is theirs.
    const own = await http('POST', '/api/inbox-views/personal', agent, { name: 'Still room', filters: {} });
    expect(own.status).toBe(201);
    await stack.env.sql`delete from inbox_views where owner_id is not null`;
  });

  it("counts are what each view's list holds, per agent, and follow the chats after a few seconds", async () => {
    const save = async (auth: Auth, path: string, body: unknown) => {
      const saved = await http('POST', path, auth, body);
      expect(saved.status, saved.text).toBe(201);
      return saved.json.item as View;
    };
    const late = await save(admin, '/api/admin/inbox-views', refundsWaiting);
    const mine = await save(admin, '/api/admin/inbox-views', { name: 'My priority chats', filters: { assignee: 'me', priority: true } });
    const chinese = await save(agent, '/api/inbox-views/personal', { name: 'Chinese for Billing', filters: { language: 'zh', teamId: billingTeamId } });
    const counts = async (auth: Auth) => {
      const answer = await http('GET', '/api/inbox-views/counts', auth);
      expect(answer.status, answer.text).toBe(200);
      return answer.json.counts as Record<string, number>;
    };
    expect(await counts(agent)).toEqual({ [late.id]: 1, [mine.id]: 1, [chinese.id]: 1 });
    // "Me" is whoever asks, though the agent's count was just taken: zhPriority is the agent's, not the teammate's.
    expect(await counts(teammate)).toEqual({ [late.id]: 1, [mine.id]: 0 });
    // Each count is its list's length.
    expect((await listed(agent, 'view=open&labels=refund&waitingMinutes=10')).length).toBe(1);
    // refundShort becomes late (its hand-off 13 minutes ago): the count follows once the short cache has passed.
    await stack.env.sql`update conversations set queued_at = now() - interval '13 minutes' where id = ${chat.refundShort!}`;
    await new Promise((resolve) => setTimeout(resolve, COUNT_TTL_MS + 100));
    expect((await counts(agent))[late.id]).toBe(2);
    await stack.env.sql`update conversations set queued_at = now() - interval '3 minutes' where id = ${chat.refundShort!}`;
  });

  it('two agents asking while the counts are slow both get their counts: one call pruning the cache never breaks the other', async () => {
    const sql = stack.env.sql;
    const save = async (auth: Auth, path: string, body: unknown) => {
      const saved = await http('POST', path, auth, body);
      expect(saved.status, saved.text).toBe(201);
      return saved.json.item as View;
    };
    // The agent's own view is counted in the one pass over the chats; the team's language view per chat, reading messages.
    const refunds = await save(agent, '/api/inbox-views/personal', { name: 'My refunds', filters: { labels: ['refund'] } });
    const chinese = await save(admin, '/api/admin/inbox-views', { name: 'Chinese', filters: { language: 'zh' } });
    /** Waits until `n` view counts are blocked on a lock. */
    const countsWaiting = async (n: number) => {
      for (let tries = 0; tries < 200; tries++) {
        const [{ waiting }] = await sql<{ waiting: number }[]>`
          select count(*)::int as waiting from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query like '%count(*)::int as n from conversations c%'`;
        if (waiting >= n) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`${n} view counts never waited on the lock`);
    };
    // Messages locked: the agent's call counts its own view, then waits on the language count past the cache's life;
    // the teammate's call then prunes the agent's fresh count and waits on the same lock.
    const release = await holdTableLock(sql, 'messages');
    let first: Promise<Awaited<ReturnType<typeof http>>>;
    let second: Promise<Awaited<ReturnType<typeof http>>>;
    try {
      first = http('GET', '/api/inbox-views/counts', agent);
      await countsWaiting(1);
      await new Promise((resolve) => setTimeout(resolve, COUNT_TTL_MS + 100));
      second = http('GET', '/api/inbox-views/counts', teammate);
      await countsWaiting(2);
    } finally {
      await release();
    }
    const [mine, theirs] = await Promise.all([first!, second!]);
    expect(mine.status, mine.text).toBe(200);
    expect(mine.json.counts).toMatchObject({ [refunds.id]: 3, [chinese.id]: 2 });
    expect(theirs.status, theirs.text).toBe(200);
    expect(theirs.json.counts[chinese.id]).toBe(2);
    expect(theirs.json.counts[refunds.id]).toBeUndefined();
  });
});
