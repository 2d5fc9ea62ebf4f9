// The inbox's text search for two-character Chinese words (GET /api/conversations?q=退款) in every chat, through the
// CJK bigram indexes of migration 050 (server/repositories/conversation-search.ts), on a real server and Postgres:
// chats older than the list's newest SEARCH_WINDOW found and the answer's scope 'all'; one character still a short
// search; the words matched as typed (the pairs only narrow the candidates); customers' names; a word in more messages
// than the index way takes on; the list's filters and order kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, type TestStack } from '../support/server.ts';
import { filler, ids, listInbox, type Listed } from '../support/inbox-search.ts';
import { SEARCH_WINDOW } from '../../server/repositories/conversation-search.ts';

let stack: TestStack;
let agent: Awaited<ReturnType<typeof login>>;

const inbox = (params: Record<string, string | number>) => listInbox(stack.url, agent, params);

let minutes = 0;
interface ChatOptions { customerName?: string; status?: string; labels?: string[]; teamId?: number; priority?: boolean; queuedMinutesBefore?: number }
/** A chat from 2020, older than every filler chat: a minute newer than the previous one made here. */
async function oldChat(bodies: string[], options: ChatOptions = {}): Promise<{ id: number; messageIds: number[] }> {
  const sql = stack.env.sql;
  const at = new Date(Date.UTC(2020, 0, 1) + ++minutes * 60_000);
  const queuedAt = options.queuedMinutesBefore === undefined ? null : new Date(at.getTime() - options.queuedMinutesBefore * 60_000);
  const [customer] = await sql<{ id: number }[]>`insert into customers (name) values (${options.customerName ?? 'Shopper'}) returning id`;
  const [conversation] = await sql<{ id: number }[]>`
    insert into conversations (customer_id, status, labels, team_id, priority, handed_off, queued_at, created_at, last_message_at)
    values (${customer.id}, ${options.status ?? 'resolved'}, ${options.labels ?? []}::text[], ${options.teamId ?? null}, ${options.priority ?? false},
            ${queuedAt !== null}, ${queuedAt}, ${at}, ${at})
    returning id`;
  const messageIds: number[] = [];
  for (const body of bodies) {
    const [row] = await sql<{ id: number }[]>`
      insert into messages (conversation_id, author_type, body, created_at) values (${conversation.id}, 'customer', ${body}, ${at}) returning id`;
    messageIds.push(Number(row.id));
  }
  return { id: Number(conversation.id), messageIds };
}

let refund: Awaited<ReturnType<typeof oldChat>>;
let apart: Awaited<ReturnType<typeof oldChat>>;
let named: Awaited<ReturnType<typeof oldChat>>;

beforeAll(async () => {
  stack = await startStack();
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  await stack.env.sql`update users set capacity = 0, presence = 'offline'`;
  refund = await oldChat(['你好', '我想申请退款，外套收到的时候坏了。', '谢谢']);
  // Both characters, never side by side: not 退款 as typed.
  apart = await oldChat(['退 款', '款退', '退货和付款']);
  named = await oldChat(['你好'], { customerName: '王芳' });
  // 发票 in more messages than step 1 takes on, in chats older than the newest SEARCH_WINDOW.
  await filler(stack.env.sql, '2024-01-01', '请问可以开发票吗？');
  // The list's newest chats: none holds a word searched here.
  await filler(stack.env.sql, '2025-01-01', 'Hello, is anyone there?');
  await stack.env.sql`analyze`;
});
afterAll(async () => {
  await stack?.close();
});

describe('a 2-character Chinese word is searched in every chat', () => {
  it('finds a chat older than the newest SEARCH_WINDOW, with its matched message, and says every chat was searched', async () => {
    const found = await inbox({ q: '退款' });
    expect(ids(found)).toEqual([refund.id]);
    expect(found.items[0].match).toMatchObject({ messageId: refund.messageIds[1], snippet: '我想申请退款，外套收到的时候坏了。' });
    expect(found.search).toEqual({ scope: 'all', window: SEARCH_WINDOW });
  });

  it('matches the words as typed: both characters apart, or the other way round, are not the word', async () => {
    expect(ids(await inbox({ q: '退款' }))).not.toContain(apart.id);
    expect(ids(await inbox({ q: '款退' }))).toEqual([apart.id]);
    expect(ids(await inbox({ q: '付款' }))).toEqual([apart.id]);
    expect((await inbox({ q: '款款' })).items).toEqual([]);
  });

  it("finds a customer by a 2-character name, whatever the chat's age", async () => {
    const found = await inbox({ q: '王芳' });
    expect(ids(found)).toEqual([named.id]);
    expect(found.items[0].match).toBeUndefined();
    expect(found.search!.scope).toBe('all');
  });

  it('keeps one character, and two letters, a short search of the newest chats', async () => {
    for (const q of ['退', '款', 'ok']) {
      const found = await inbox({ q });
      expect(ids(found), q).not.toContain(refund.id);
      expect(found.search, q).toEqual({ scope: 'recent', window: SEARCH_WINDOW });
    }
  });

  it('finds a page of a word in more messages than the index way takes on, in the list\'s order', async () => {
    const [expected] = await stack.env.sql<{ ids: string[] }[]>`
      select array(select c.id from conversations c where exists (select 1 from messages m where m.conversation_id = c.id and m.body like '%发票%')
                   order by c.last_message_at desc, c.id desc limit 50) as ids`;
    const found = await inbox({ q: '发票' });
    expect(expected.ids).toHaveLength(50);
    expect(ids(found)).toEqual(expected.ids.map(Number));
    expect(found.search!.scope).toBe('all');
  });

  it('the migration made the bigram index, and Postgres uses it for a rare word', async () => {
    const [{ pairs }] = await stack.env.sql<{ pairs: string[] }[]>`select cjk_bigrams('我想退款 ok 退 款') as pairs`;
    expect([...pairs].sort()).toEqual(['想退', '我想', '退款'].sort());
    const plan = await stack.env.sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      return (await tx.unsafe(`explain select id from messages where cjk_bigrams(body) @> cjk_bigrams('退款') and strpos(lower(body), '退款') > 0`))
        .map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('messages_body_cjk_bigrams_idx');
  });
});

describe("the list's filters and order still apply", () => {
  let team: number;
  const made: Record<'A' | 'B' | 'C' | 'D' | 'other', number> = { A: 0, B: 0, C: 0, D: 0, other: 0 };
  beforeAll(async () => {
    [{ id: team }] = await stack.env.sql<{ id: number }[]>`insert into teams (name) values ('售后') returning id`;
    team = Number(team);
    // Open chats, all older than the filler, with 尺码 in their messages. Newest activity: D, C, B, A. Waiting since:
    // A the longest, then C, D, B. A is marked priority. "other" lacks the word.
    made.A = (await oldChat(['可以换尺码吗？'], { status: 'queued', labels: ['sizes'], teamId: team, priority: true, queuedMinutesBefore: 300 })).id;
    made.B = (await oldChat(['尺码偏小'], { status: 'queued', labels: ['sizes'], queuedMinutesBefore: 1 })).id;
    made.C = (await oldChat(['尺码表在哪里'], { status: 'queued', labels: ['sizes'], teamId: team, queuedMinutesBefore: 200 })).id;
    made.D = (await oldChat(['尺码不对'], { status: 'queued', queuedMinutesBefore: 50 })).id;
    made.other = (await oldChat(['颜色不对'], { status: 'queued', labels: ['sizes'], teamId: team, queuedMinutesBefore: 400 })).id;
  });
  const letters = (listed: Listed) => ids(listed).map((id) => Object.entries(made).find(([, v]) => v === id)?.[0] ?? String(id));

  it('view, status, label and team narrow the search', async () => {
    expect(letters(await inbox({ q: '尺码' }))).toEqual(['D', 'C', 'B', 'A']);
    expect(letters(await inbox({ q: '尺码', view: 'open' }))).toEqual(['D', 'C', 'B', 'A']);
    expect(letters(await inbox({ q: '尺码', view: 'resolved' }))).toEqual([]);
    expect(letters(await inbox({ q: '尺码', status: 'assigned' }))).toEqual([]);
    expect(letters(await inbox({ q: '尺码', label: 'sizes' }))).toEqual(['C', 'B', 'A']);
    expect(letters(await inbox({ q: '尺码', teamId: team }))).toEqual(['C', 'A']);
    expect(letters(await inbox({ q: '尺码', teamId: team, label: 'sizes', limit: 1 }))).toEqual(['C']);
    expect((await inbox({ q: '尺码', label: 'sizes' })).search!.scope).toBe('all');
  });

  it('keeps the order the agent chose, as the list without a search gives it', async () => {
    for (const sort of ['newest', 'oldest', 'waiting', 'priority']) {
      const search = await inbox({ q: '尺码', view: 'open', sort });
      expect(search.search!.scope).toBe('all');
      const searched = letters(search);
      const listed = letters(await inbox({ view: 'open', sort, limit: 200 })).filter((l) => 'ABCD'.includes(l) && l.length === 1);
      expect(searched, sort).toEqual(listed);
    }
    expect(letters(await inbox({ q: '尺码', view: 'open', sort: 'oldest' }))).toEqual(['A', 'B', 'C', 'D']);
    expect(letters(await inbox({ q: '尺码', view: 'open', sort: 'waiting' }))).toEqual(['A', 'C', 'D', 'B']);
    expect(letters(await inbox({ q: '尺码', label: 'sizes', sort: 'priority' }))).toEqual(['A', 'C', 'B']);
    expect(letters(await inbox({ q: '尺码', view: 'open', sort: 'priority' }))).toEqual(['A', 'D', 'C', 'B']);
  });
});
