// The inbox's text search (GET /api/conversations?q=, server/repositories/conversation-search.ts) on a real server and
// Postgres with migration 029: English, Chinese, order numbers, LIKE metacharacters taken literally, private notes,
// the matched message and its snippet, the list's filters and pagination still applied; both ways of finding the
// page (the newest chats first, then the trigram indexes) and the short searches' limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, type TestStack } from '../support/server.ts';
import { filler, ids, listInbox } from '../support/inbox-search.ts';
import { SEARCH_WINDOW } from '../../server/repositories/conversation-search.ts';

let stack: TestStack;
let agent: Awaited<ReturnType<typeof login>>;

const inbox = (params: Record<string, string | number>) => listInbox(stack.url, agent, params);

let minutes = 0;
/**
 * A conversation whose last message is a minute newer than the previous one made here (the inbox is newest first),
 * and newer than the filler; `old` ones are older than the filler.
 */
async function chat(messages: { body: string; author?: 'customer' | 'agent' | 'bot' | 'system'; private?: boolean }[], options: { customer?: { name?: string; email?: string; externalId?: string }; status?: string; assignee?: number; labels?: string[]; old?: boolean } = {}): Promise<{ id: number; messageIds: number[] }> {
  const sql = stack.env.sql;
  const at = new Date(Date.UTC(options.old ? 2020 : 2030, 0, 1) + ++minutes * 60_000);
  const c = options.customer ?? {};
  const [customer] = await sql<{ id: number }[]>`insert into customers (name, email, external_id) values (${c.name ?? 'Shopper'}, ${c.email ?? null}, ${c.externalId ?? null}) returning id`;
  const [conversation] = await sql<{ id: number }[]>`
    insert into conversations (customer_id, status, assignee_id, labels, created_at, last_message_at)
    values (${customer.id}, ${options.status ?? 'resolved'}, ${options.assignee ?? null}, ${options.labels ?? []}::text[], ${at}, ${at}) returning id`;
  const messageIds: number[] = [];
  for (const m of messages) {
    const [row] = await sql<{ id: number }[]>`
      insert into messages (conversation_id, author_type, body, private, created_at) values (${conversation.id}, ${m.author ?? 'customer'}, ${m.body}, ${m.private ?? false}, ${at}) returning id`;
    messageIds.push(Number(row.id));
  }
  return { id: Number(conversation.id), messageIds };
}

let oldRare: Awaited<ReturnType<typeof chat>>;
let oldByEmail: Awaited<ReturnType<typeof chat>>;

beforeAll(async () => {
  stack = await startStack();
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  // Older than the filler: only the trigram indexes can find these.
  oldRare = await chat([{ body: 'Hello' }, { body: 'My zeppelin kit came without the propeller' }, { body: '我的紫色雨伞坏了，也想退款' }], { old: true });
  oldByEmail = await chat([{ body: 'Hello' }], { customer: { name: 'Quiet Person', email: 'quiet.person@quietmail.example' }, old: true });
  // A word in more messages than the trigram way takes on, all in chats older than the newest SEARCH_WINDOW.
  await filler(stack.env.sql, '2024-01-01', 'Bonjour, vous êtes là ?');
  // Newer than those: none holds a word searched here.
  await filler(stack.env.sql, '2025-01-01', 'Hello, is anyone there?');
});
afterAll(async () => {
  await stack?.close();
});

describe('what a search finds', () => {
  it('finds an English word in any case, and says which message matched with a snippet around it', async () => {
    const made = await chat([{ body: 'Hi there' }, { body: 'The Parachute I ordered is torn' }, { body: 'Thanks, bye' }]);
    const found = await inbox({ q: 'parachute' });
    expect(ids(found)).toEqual([made.id]);
    expect(found.items[0].match).toEqual({ messageId: made.messageIds[1], authorType: 'customer', private: false, snippet: 'The Parachute I ordered is torn' });
    expect(found.search).toEqual({ scope: 'all', window: SEARCH_WINDOW });
  });

  it('matches the newest message containing the words and cuts a long one around the first hit', async () => {
    const long = `${'a'.repeat(200)} first lighthouse here ${'b'.repeat(200)} second lighthouse ${'c'.repeat(50)}`;
    const made = await chat([{ body: 'Is the lighthouse lamp in stock?' }, { body: long }, { body: 'ok' }]);
    const [item] = (await inbox({ q: 'LIGHTHOUSE' })).items;
    expect(item.match!.messageId).toBe(made.messageIds[1]);
    expect(item.match!.snippet.startsWith('…')).toBe(true);
    expect(item.match!.snippet.endsWith('…')).toBe(true);
    expect(item.match!.snippet).toContain('first lighthouse here');
    expect(item.match!.snippet).not.toContain('second');
    expect(item.match!.snippet.length).toBeLessThanOrEqual(122);
  });

  it('finds Chinese: a 2+ character phrase everywhere, one character as a short search', async () => {
    const made = await chat([{ body: '你好，我的包裹一直没有更新物流信息' }]);
    const phrase = await inbox({ q: '物流信息' });
    expect(ids(phrase)).toEqual([made.id]);
    expect(phrase.items[0].match!.snippet).toBe('你好，我的包裹一直没有更新物流信息');
    expect(phrase.search!.scope).toBe('all');
    const word = await inbox({ q: '包裹' });
    expect(ids(word)).toEqual([made.id]);
    expect(word.search!.scope).toBe('all');
    const character = await inbox({ q: '裹' });
    expect(ids(character)).toEqual([made.id]);
    expect(character.search!.scope).toBe('recent');
  });

  it('finds an order number, and not its neighbour', async () => {
    const made = await chat([{ body: 'Where is NW-100236? It has been two weeks.' }]);
    await chat([{ body: 'Where is NW-100237?' }]);
    expect(ids(await inbox({ q: 'NW-100236' }))).toEqual([made.id]);
    expect(ids(await inbox({ q: 'nw-100236' }))).toEqual([made.id]);
  });

  it('takes %, _ and \\ literally', async () => {
    const percent = await chat([{ body: 'Is it 100% cotton?' }]);
    await chat([{ body: 'It is 1000 percent cotton' }]);
    const underscore = await chat([{ body: 'my username is wx_shopper' }]);
    await chat([{ body: 'my username is wxashopper' }]);
    const backslash = await chat([{ body: 'saved it in C:\\orders\\march' }]);
    await chat([{ body: 'saved it in C:ordersmarch' }]);
    expect(ids(await inbox({ q: '100% cotton' }))).toEqual([percent.id]);
    expect(ids(await inbox({ q: 'wx_shopper' }))).toEqual([underscore.id]);
    expect(ids(await inbox({ q: 'C:\\orders' }))).toEqual([backslash.id]);
    expect(ids(await inbox({ q: '%' }))).toEqual([percent.id]);
  });

  it("finds agents' private notes and says the match is a note", async () => {
    const made = await chat([{ body: 'Where is my refund?' }, { body: 'Possible chargeback, check with finance', author: 'agent', private: true }]);
    const [item] = (await inbox({ q: 'chargeback' })).items;
    expect(item.conversation.id).toBe(made.id);
    expect(item.match).toMatchObject({ messageId: made.messageIds[1], authorType: 'agent', private: true });
  });

  it('finds the customer by name, email or shop user id, with no match line when no message has the words', async () => {
    const made = await chat([{ body: 'hello' }], { customer: { name: 'Ottoline Brewster', email: 'obrew@example.org', externalId: 'shop-user-88123' } });
    for (const q of ['brewster', 'obrew@', 'user-88123']) {
      const found = await inbox({ q });
      expect(ids(found), q).toEqual([made.id]);
      expect(found.items[0].match).toBeUndefined();
    }
  });

  it('finds a chat by the number in its header ("#12") and a customer by the name an unnamed one has in the lists ("Visitor #9")', async () => {
    const numbered = await chat([{ body: 'hello there' }]);
    expect(ids(await inbox({ q: `#${numbered.id}` }))).toEqual([numbered.id]);
    expect(ids(await inbox({ q: `# ${numbered.id}` }))).toEqual([numbered.id]);
    const [unnamed] = await stack.env.sql<{ id: number }[]>`insert into customers (name) values (null) returning id`;
    const [first] = await stack.env.sql<{ id: number }[]>`insert into conversations (customer_id, status) values (${unnamed.id}, 'resolved') returning id`;
    const [second] = await stack.env.sql<{ id: number }[]>`insert into conversations (customer_id, status) values (${unnamed.id}, 'resolved') returning id`;
    for (const q of [`Visitor #${unnamed.id}`, `visitor #${unnamed.id}`, `访客 #${unnamed.id}`]) {
      expect(ids(await inbox({ q })).sort((a, b) => a - b), q).toEqual([Number(first.id), Number(second.id)]);
    }
    // A number the list does not hold is searched as the words typed: "#4471" in a message.
    const mentioned = await chat([{ body: 'It is about ticket #99999999 from last week' }]);
    expect(ids(await inbox({ q: '#99999999' }))).toEqual([mentioned.id]);
  });

  it('finds nothing for words nowhere, and treats blank as no search', async () => {
    expect((await inbox({ q: 'xylophonequartz' })).items).toEqual([]);
    const blank = await inbox({ q: '   ', limit: 3 });
    expect(blank.items).toHaveLength(3);
    expect(blank.search).toBeUndefined();
  });
});

describe('older chats, past the newest ones', () => {
  it('finds a rare word and a customer email through the trigram indexes, whatever their age', async () => {
    const zeppelin = await inbox({ q: 'zeppelin' });
    expect(ids(zeppelin)).toEqual([oldRare.id]);
    expect(zeppelin.items[0].match!.messageId).toBe(oldRare.messageIds[1]);
    expect(ids(await inbox({ q: '紫色雨伞' }))).toEqual([oldRare.id]);
    expect(ids(await inbox({ q: 'quietmail' }))).toEqual([oldByEmail.id]);
  });

  it('finds a page of a common word that the newest chats do not hold, in the list\'s order', async () => {
    const [expected] = await stack.env.sql<{ ids: string[] }[]>`
      select array(select c.id from conversations c where exists (select 1 from messages m where m.conversation_id = c.id and m.body ilike '%bonjour%')
                   order by c.last_message_at desc, c.id desc limit 50) as ids`;
    const found = await inbox({ q: 'Bonjour' });
    expect(ids(found)).toEqual(expected.ids.map(Number));
    expect(found.items[0].match!.snippet).toBe('Bonjour, vous êtes là ?');
    const page = await inbox({ q: 'bonjour', limit: 3, beforeId: ids(found)[49] });
    expect(ids(page)).toEqual([...ids(page)].sort((a, b) => b - a));
    expect(Math.max(...ids(page))).toBeLessThan(ids(found)[49]);
    expect(ids(await inbox({ q: 'bonjour', view: 'queued' }))).toEqual([]);
  });

  it('a short search reads only the newest chats of the list, and says so', async () => {
    const found = await inbox({ q: '伞' });
    expect(ids(found)).not.toContain(oldRare.id);
    expect(found.search).toEqual({ scope: 'recent', window: SEARCH_WINDOW });
    // In a list no longer than the window the same search reaches it.
    expect(ids(await inbox({ q: '伞', customerId: await customerOf(oldRare.id) }))).toEqual([oldRare.id]);
  });

  it('the migration made the trigram index, and Postgres extracts trigrams from Chinese here', async () => {
    const [{ n }] = await stack.env.sql<{ n: number }[]>`select array_length(show_trgm('我的退款还没到'), 1) as n`;
    expect(n).toBeGreaterThan(0);
    const plan = await stack.env.sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      return (await tx.unsafe(`explain select id from messages where body ilike '%紫色雨伞%'`)).map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('messages_body_trgm_idx');
  });
});

async function customerOf(conversationId: number): Promise<number> {
  const [row] = await stack.env.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${conversationId}`;
  return Number(row.customer_id);
}

describe("the list's filters and pages still apply", () => {
  let queued: number, mine: number, resolved: number, labelled: number, mentioned: number;
  beforeAll(async () => {
    const [me] = await stack.env.sql<{ id: number }[]>`select id from users where email = ${stack.agent.email}`;
    mentioned = (await chat([{ body: 'parcel came open' }], { status: 'queued' })).id;
    await stack.env.sql`insert into messages (conversation_id, author_type, body, private, metadata)
      values (${mentioned}, 'agent', '@Sam can you look?', true, ${stack.env.sql.json({ mentions: [{ id: Number(me.id), name: 'Sam Agent' }] })})`;
    queued = (await chat([{ body: 'my parcel is lost' }], { status: 'queued' })).id;
    mine = (await chat([{ body: 'parcel arrived wet' }], { status: 'assigned', assignee: Number(me.id) })).id;
    resolved = (await chat([{ body: 'parcel found, thanks' }], { status: 'resolved' })).id;
    labelled = (await chat([{ body: 'parcel for my VIP order' }], { status: 'resolved', labels: ['vip'] })).id;
  });

  it('view, status and label narrow a search', async () => {
    expect(ids(await inbox({ q: 'parcel' }))).toEqual([labelled, resolved, mine, queued, mentioned]);
    expect(ids(await inbox({ q: 'parcel', view: 'mentions' }))).toEqual([mentioned]);
    expect(ids(await inbox({ q: 'parcel', view: 'queued' }))).toEqual([mentioned, queued]); // oldest queued first (no queued_at: by id)
    expect(ids(await inbox({ q: 'parcel', view: 'mine' }))).toEqual([mine]);
    expect(ids(await inbox({ q: 'parcel', view: 'resolved' }))).toEqual([labelled, resolved]);
    expect(ids(await inbox({ q: 'parcel', status: 'assigned' }))).toEqual([mine]);
    expect(ids(await inbox({ q: 'parcel', label: 'VIP' }))).toEqual([labelled]);
    // Past the newest chats too: the indexed way applies the same filters.
    expect(ids(await inbox({ q: 'zeppelin', view: 'queued' }))).toEqual([]);
    expect(ids(await inbox({ q: 'zeppelin', view: 'resolved' }))).toEqual([oldRare.id]);
  });

  it('pages with limit and beforeId, newest first, each chat once', async () => {
    const made: number[] = [];
    for (let i = 0; i < 5; i++) made.push((await chat([{ body: `question ${i} about the gazebo kit` }])).id);
    const newestFirst = [...made].reverse();
    const first = await inbox({ q: 'gazebo', limit: 2 });
    expect(ids(first)).toEqual(newestFirst.slice(0, 2));
    const second = await inbox({ q: 'gazebo', limit: 2, beforeId: ids(first)[1] });
    expect(ids(second)).toEqual(newestFirst.slice(2, 4));
    const last = await inbox({ q: 'gazebo', limit: 2, beforeId: ids(second)[1] });
    expect(ids(last)).toEqual(newestFirst.slice(4));
    expect(last.items[0].match!.snippet).toBe('question 0 about the gazebo kit');
  });
});
