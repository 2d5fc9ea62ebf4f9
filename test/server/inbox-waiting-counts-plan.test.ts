// Two inbox reads at a shop with a history (a data-volume review at 300,000 chats): the counts, whose open chats'
// unread subquery Postgres ran once per sum() reading it (5 times a chat) while the CTE was inlined; and the list
// sorted by waiting (sort=waiting) on the All tab, which sorted every chat by its waiting time (2.1 s) although only
// queued and assigned chats have one. The real statements (captured as sent) go through EXPLAIN on a real Postgres,
// on 30,000 analysed chats, leaving the planner its own choice; the answers are checked against plain queries.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxCounts, inboxListQuery } from '../../server/http/conversation-routes.ts';
import { inboxPage } from '../../server/repositories/conversation-search.ts';
import { shopperWaitingSince } from '../../server/repositories/routing.ts';
import type { Sql } from '../../server/db/client.ts';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { capturingClient, planOf, type CapturedStatement } from '../support/captured-statements.ts';

const CHATS = 30_000;
let env: TestEnv;
let capturing: postgres.Sql;
const statements: CapturedStatement[] = [];
let me: number;

beforeAll(async () => {
  env = await createTestEnv();
  const sql = env.sql;
  const [agent] = await sql<{ id: number }[]>`
    insert into users (email, name, password_hash, role) values ('waiting-agent@example.com', 'Waiting Agent', 'x', 'agent') returning id`;
  me = Number(agent.id);
  await sql`insert into customers (name) select 'Shopper ' || g from generate_series(1, 500) g`;
  // One chat in 200 open (bot, queued, assigned: mine or nobody's), the rest resolved. Every open chat has two shopper
  // messages; in every other queued or assigned one an agent answered the last of them (its shopper waits for nobody).
  await sql`
    insert into conversations (customer_id, status, assignee_id, queued_at, created_at, last_message_at)
    select (select min(id) from customers) + g % 500,
           case when g % 200 <> 1 then 'resolved' when g / 200 % 3 = 0 then 'bot' when g / 200 % 3 = 1 then 'queued' else 'assigned' end,
           case when g % 200 = 1 and g / 200 % 3 = 2 and g % 400 = 1 then ${me}::bigint end,
           case when g % 200 = 1 and g / 200 % 3 in (1, 2) then now() - make_interval(mins => 60 + (g * 7919) % 500) end,
           now() - make_interval(mins => ${CHATS} - g + (g * 7919) % 600),
           now() - make_interval(mins => ${CHATS} - g - 5 + (g * 6007) % 900)
    from generate_series(1, ${CHATS}) g`;
  await sql`
    insert into messages (conversation_id, author_type, body, created_at)
    select c.id, 'customer', 'where is my order ' || k, coalesce(c.queued_at, c.created_at) + make_interval(mins => k)
    from conversations c cross join generate_series(1, 2) k where c.status <> 'resolved' order by c.id, k`;
  await sql`
    insert into messages (conversation_id, author_type, body, created_at)
    select c.id, 'agent', 'on its way', c.queued_at + interval '5 minutes'
    from conversations c where c.status in ('queued', 'assigned') and c.id % 400 < 200`;
  // The team read some of them: their first message only.
  await sql`
    update conversations c set agent_last_seen_id = (select min(m.id) from messages m where m.conversation_id = c.id)
    where c.status <> 'resolved' and c.id % 3 = 0`;
  for (const table of ['users', 'customers', 'conversations', 'messages']) await sql`analyze ${sql(table)}`;
  capturing = capturingClient(env.config.databaseUrl, statements);
}, 120_000);
afterAll(async () => {
  await capturing?.end({ timeout: 2 });
  await env?.cleanup();
});

describe('the inbox counts', () => {
  it('read each open chat\'s unread messages once, and count what the plain conditions count', async () => {
    statements.length = 0;
    const row = await inboxCounts(capturing as unknown as Sql, me);
    const [expected] = await env.sql<Record<string, number>[]>`
      select count(*) filter (where c.status = 'queued')::int as queued_total,
             coalesce(sum(u.unread) filter (where c.status = 'queued'), 0)::int as queued_unread,
             count(*) filter (where c.status = 'assigned' and c.assignee_id = ${me})::int as mine_total,
             coalesce(sum(u.unread) filter (where c.status = 'assigned' and c.assignee_id = ${me}), 0)::int as mine_unread,
             count(*)::int as open_total, coalesce(sum(u.unread), 0)::int as open_unread,
             count(*) filter (where c.status = 'bot')::int as open_bot_total,
             coalesce(sum(u.unread) filter (where c.status = 'assigned'), 0)::int as open_assigned_unread
      from conversations c
      cross join lateral (select case when c.status = 'bot' then 0 else count(*) end as unread from messages m
                          where m.conversation_id = c.id and m.author_type = 'customer' and m.id > c.agent_last_seen_id) u
      where c.status <> 'resolved'`;
    expect(expected.open_unread).toBeGreaterThan(0);
    expect(expected.mine_total).toBeGreaterThan(0);
    expect(row).toMatchObject(expected);

    const statement = statements.find((s) => /with open as/.test(s.query))!;
    const plan = await planOf(capturing, statement, true);
    // One subquery for the unread messages, run once per open chat that is not the bot's.
    expect(plan.match(/SubPlan \d+/g)).toHaveLength(1);
    const [openChats] = await env.sql<{ n: number }[]>`select count(*)::int as n from conversations where status in ('queued', 'assigned')`;
    expect(plan).toMatch(new RegExp(`Aggregate \\(actual time=\\S+ rows=1 loops=${openChats.n}\\)`));
  });
});

describe('the inbox sorted by waiting', () => {
  /** The list's ids as the route reads them, and every statement it sent that reads conversations. */
  async function listed(q: Parameters<typeof inboxListQuery>[1]): Promise<{ ids: number[]; reads: typeof statements }> {
    statements.length = 0;
    const page = await inboxPage(capturing as unknown as Sql, inboxListQuery(capturing as unknown as Sql, q, me));
    return { ids: page.rows.map((r) => Number(r.id)), reads: statements.filter((s) => /from conversations c\b/.test(s.query)) };
  }
  /** The plain order: the longest waiting first, then the newest activity. */
  const waitingFirst = async (where: ReturnType<Sql>, limit: number) => (await env.sql<{ id: number }[]>`
    select c.id from conversations c where ${where}
    order by ${shopperWaitingSince(env.sql)} nulls last, coalesce(c.last_message_at, c.created_at) desc, c.id desc limit ${limit}`).map((r) => Number(r.id));

  it('on All, pages the waiting chats through the status index and the rest through the order index, in the same order', async () => {
    // A page longer than the waiting chats (both parts read), and a page shorter than them (the first part only).
    for (const limit of [100, 5]) {
      const { ids, reads } = await listed({ view: 'all', sort: 'waiting', limit });
      expect(ids).toEqual(await waitingFirst(env.sql`true`, limit));
      expect(reads.length).toBeGreaterThan(0);
      for (const read of reads) {
        const plan = await planOf(capturing, read);
        expect(plan, read.query).not.toMatch(/Seq Scan on conversations/);
      }
    }
    const [waiting] = await env.sql<{ n: number }[]>`
      select count(*)::int as n from conversations c where ${shopperWaitingSince(env.sql)} is not null`;
    expect(waiting.n).toBeGreaterThan(5);
    expect(waiting.n).toBeLessThan(100);
  });

  it('keeps the filters: on the resolved tab, nobody waits and the list is the newest', async () => {
    const { ids } = await listed({ view: 'resolved', sort: 'waiting' });
    expect(ids).toEqual(await waitingFirst(env.sql`c.status = 'resolved'`, 50));
    const beforeId = ids[10];
    const cut = await listed({ view: 'all', sort: 'waiting', beforeId });
    expect(cut.ids).toEqual(await waitingFirst(env.sql`c.id < ${beforeId}`, 50));
  });
});
