// The inbox's reads at a shop with a history: resolved chats pile up, the open ones stay few. Without migration 064's
// index on the list's order (newest activity, then id), every page of "all" and "resolved" read the whole conversations
// table and sorted it; written `status <> 'resolved'`, "open" and the counts could not use the status index and read it
// all too, and so did the "waiting longer than" filter, whose waiting time is null but for queued and assigned chats.
// This runs the real statements (captured as they are sent) through EXPLAIN on a real Postgres, on 30,000 analysed chats,
// leaving the planner its own choice; and checks that the lists hold what the plain conditions select, in the same order.
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboxCounts, inboxListQuery, RESOLVED_COUNT_CAP } from '../../server/http/conversation-routes.ts';
import { inboxPage } from '../../server/repositories/conversation-search.ts';
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
    insert into users (email, name, password_hash, role) values ('plan-agent@example.com', 'Plan Agent', 'x', 'agent') returning id`;
  me = Number(agent.id);
  await sql`insert into customers (name) select 'Shopper ' || g from generate_series(1, 500) g`;
  // One chat in 1,000 open (bot, queued, assigned; some snoozed), the rest resolved: fewer open chats than a page, so
  // walking the order index until a page is full would read it all; a few never had a message (their
  // activity is their start). Activity times are spread so the order is not the ids'.
  await sql`
    insert into conversations (customer_id, status, assignee_id, queued_at, snoozed_until, created_at, last_message_at)
    select (select min(id) from customers) + g % 500,
           case when g % 1000 <> 1 then 'resolved' when g / 1000 % 3 = 0 then 'bot' when g / 1000 % 3 = 1 then 'queued' else 'assigned' end,
           case when g % 1000 = 1 and g / 1000 % 3 = 2 then ${me}::bigint end,
           case when g % 1000 = 1 and g / 1000 % 3 in (1, 2) then now() - make_interval(mins => 30 + g % 7) end,
           case when g % 6000 = 5001 then now() + interval '1 hour' end,
           now() - make_interval(mins => ${CHATS} - g + (g * 7919) % 600),
           case when g % 50 <> 0 then now() - make_interval(mins => ${CHATS} - g - 5 + (g * 6007) % 900) end
    from generate_series(1, ${CHATS}) g`;
  await sql`
    insert into messages (conversation_id, author_type, body, created_at)
    select c.id, 'customer', 'where is my order', c.created_at from conversations c where c.status <> 'resolved'`;
  await sql`analyze users`;
  await sql`analyze customers`;
  await sql`analyze conversations`;
  await sql`analyze messages`;
  capturing = capturingClient(env.config.databaseUrl, statements);
}, 120_000);
afterAll(async () => {
  await capturing?.end({ timeout: 2 });
  await env?.cleanup();
});

/** The plan of the last statement sent that reads the list's rows (inboxRows). */
async function planOfLast(match: RegExp): Promise<string> {
  const statement = [...statements].reverse().find((s) => match.test(s.query));
  expect(statement).toBeDefined();
  return planOf(capturing, statement!);
}
const LIST_ROWS = /from conversations c\s+join customers cu/;

async function listed(q: Parameters<typeof inboxListQuery>[1]): Promise<number[]> {
  const page = await inboxPage(capturing as unknown as Sql, inboxListQuery(capturing as unknown as Sql, q, me));
  return page.rows.map((r) => Number(r.id));
}
const newestFirst = (where: string) => env.sql.unsafe<{ id: number }[]>(
  `select c.id from conversations c where ${where} order by coalesce(c.last_message_at, c.created_at) desc, c.id desc limit 50`);

describe('the inbox list at a shop with a history', () => {
  it('pages "all" and "resolved" through the order index, without reading every chat', async () => {
    for (const [view, where] of [['all', 'true'], ['resolved', "c.status = 'resolved'"]] as const) {
      const ids = await listed({ view });
      expect(ids).toEqual((await newestFirst(where)).map((r) => Number(r.id)));
      const plan = await planOfLast(LIST_ROWS);
      expect(plan, view).toContain('conversations_inbox_order_idx');
      expect(plan, view).not.toMatch(/Seq Scan on conversations/);
    }
  });

  it('finds the open chats through the status index: every status but resolved', async () => {
    const ids = await listed({ view: 'open' });
    expect(ids).toHaveLength(CHATS / 1000 - CHATS / 6000); // the snoozed ones are not in it
    expect(ids).toEqual((await newestFirst("c.status <> 'resolved' and c.snoozed_until is null")).map((r) => Number(r.id)));
    const plan = await planOfLast(LIST_ROWS);
    expect(plan).toContain('conversations_status_idx');
    expect(plan).not.toMatch(/Seq Scan on conversations/);
  });

  it('"waiting longer than" looks at queued and assigned chats only, found by their status', async () => {
    const ids = await listed({ waitingMinutes: 20 });
    // Every queued or assigned chat has waited since its hand-off (30 minutes and more ago): nobody answered.
    expect(ids).toEqual((await newestFirst("c.status in ('queued', 'assigned')")).map((r) => Number(r.id)));
    const plan = await planOfLast(LIST_ROWS);
    expect(plan).toContain('conversations_status_idx');
    expect(plan).not.toMatch(/Seq Scan on conversations/);
  });
});

describe('the inbox counts at a shop with a history', () => {
  it('count the open chats through the status index and the resolved ones up to the cap', async () => {
    const row = await inboxCounts(capturing as unknown as Sql, me);
    const [expected] = await env.sql<{ open: number; snoozed: number; mine: number }[]>`
      select count(*) filter (where snoozed_until is null)::int as open, count(*) filter (where snoozed_until is not null)::int as snoozed,
             count(*) filter (where status = 'assigned' and assignee_id = ${me} and snoozed_until is null)::int as mine
      from conversations where status <> 'resolved'`;
    expect(row.open_total).toBe(expected.open);
    expect(row.snoozed_total).toBe(expected.snoozed);
    expect(row.mine_total).toBe(expected.mine);
    // More resolved chats than the cap: counted up to one past it (the route says "10000+"), not all of them.
    expect(row.resolved_total).toBe(RESOLVED_COUNT_CAP + 1);
    const plan = await planOfLast(/with open as/);
    // The open chats (alias c) through the index; the resolved ones read only until the cap is passed, however many.
    expect(plan).toContain('conversations_status_idx');
    expect(plan).not.toMatch(/Seq Scan on conversations c\s/);
    expect(plan).toMatch(new RegExp(`Limit .*rows=${RESOLVED_COUNT_CAP + 1}\\b`));
  });
});
