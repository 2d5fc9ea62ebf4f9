// The inbox's text search at a year-old shop's scale (npm run bench:search): a scratch database with ~150,000
// conversations and ~1.2 million messages of mixed English and Chinese shopper/agent text, a few rare words planted
// in known messages. Times the inbox list with `q` for several kinds of query, first as the route ran it before
// migration 029 (an ILIKE over every message, no index), then through the route's own function (inboxPage) with the
// migration's trigram indexes as it ran before migration 050 (a 2-character Chinese word searched the list's newest
// chats only), then with migration 050's CJK bigram indexes too. Prints p50/p95 side by side, with each migration's
// build time and index size. The database is dropped at the end.
//
// Env: BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432), BENCH_CONVERSATIONS (default 150000),
// BENCH_KEEP_DB=1 keeps the filled database (its name is printed) for looking at plans.
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import postgres from 'postgres';
import { createSql, type Sql } from '../server/db/client.ts';
import { migrate } from '../server/db/migrate.ts';
import { copyRows } from './copy-rows.ts';
import { seededRandom } from '../knowledge-base/classifier/softmax.ts';
import { inboxPage, inboxSearch } from '../server/repositories/conversation-search.ts';
import { previewMessage } from '../server/repositories/conversations.ts';

const PG_SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 150_000);
const CUSTOMERS = Math.round(CONVERSATIONS * 0.7);
const PAGE = 50; // the route's default page
const MIGRATION = new URL('../server/db/migrations/029_message_search.sql', import.meta.url);
const TRIGRAM_INDEXES = ['messages_body_trgm_idx', 'customers_name_trgm_idx', 'customers_email_trgm_idx', 'customers_external_id_trgm_idx'];
const BIGRAM_MIGRATION = new URL('../server/db/migrations/050_cjk_bigram_search.sql', import.meta.url);
const BIGRAM_INDEXES = ['messages_body_cjk_bigrams_idx', 'customers_cjk_bigrams_idx'];

// ---- The text: shopper, agent and bot lines made from templates and word lists, 70 % English, 30 % Chinese.

const random = seededRandom(2026);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const PRODUCTS = ['jacket', 'sneakers', 'backpack', 'phone case', 'desk lamp', 'water bottle', 'wool scarf', 'headphones', 'yoga mat', 'coffee mug', 'rain boots', 'sunglasses'];
const COLOURS = ['black', 'navy', 'red', 'olive', 'grey', 'white', 'beige'];
const CARRIERS = ['DHL', 'UPS', 'the post office', 'FedEx', 'the courier'];
const DAYS = ['yesterday', 'last week', 'on Monday', 'three days ago', 'this morning', 'on Friday'];
const order = () => `NW-${100000 + Math.floor(random() * 90000)}`;

const EN_SHOPPER = [
  () => `Hi, where is my order ${order()}? It was supposed to arrive ${pick(DAYS)}.`,
  () => `I want a refund for the ${pick(COLOURS)} ${pick(PRODUCTS)}, it arrived damaged.`,
  () => `Can I change the size of my ${pick(PRODUCTS)} before it ships?`,
  () => `The tracking link from ${pick(CARRIERS)} says delivered but nothing is here.`,
  () => `Do you have the ${pick(PRODUCTS)} in ${pick(COLOURS)}?`,
  () => `How long does shipping to Canada take?`,
  () => `I was charged twice for order ${order()}, please help.`,
  () => `thanks!`,
  () => `ok`,
  () => `Is there a discount code for first orders?`,
  () => `My email is ${pick(FIRST_EN).toLowerCase()}.${pick(LAST_EN).toLowerCase()}@${pick(MAIL_DOMAINS)} if you need it.`,
  () => `The ${pick(PRODUCTS)} I received is the wrong colour, I ordered ${pick(COLOURS)}.`,
];
const EN_AGENT = [
  () => `Thanks for waiting! I checked order ${order()} and it left our warehouse ${pick(DAYS)}.`,
  () => `I'm sorry about that. I've started a refund, you'll see it in 3-5 business days.`,
  () => `Could you send me a photo of the damaged ${pick(PRODUCTS)}?`,
  () => `We can exchange it for free, I'll email you a return label.`,
  () => `${pick(CARRIERS)} shows it out for delivery today.`,
  () => `Is there anything else I can help with?`,
];
const EN_NOTE = [
  () => `Customer seems upset, offered 10% off next order.`,
  () => `Checked with the warehouse: ${pick(PRODUCTS)} restock next week.`,
  () => `Refund approved by finance for ${order()}.`,
];
const BOT = [
  () => `Orders usually ship within 2 business days. You can track yours from the link in your confirmation email.`,
  () => `You can return items within 30 days for a full refund.`,
  () => `Let me connect you with a teammate.`,
];
const ZH_SHOPPER = [
  () => `你好，我的订单${order()}还没收到，什么时候发货？`,
  () => `我想申请退款，${pick(['外套', '背包', '耳机', '水杯', '围巾'])}收到的时候坏了。`,
  () => `请问可以换尺码吗？`,
  () => `快递显示已签收，但是我没收到。`,
  () => `退款什么时候到账？`,
  () => `有没有优惠券？`,
  () => `谢谢`,
  () => `这个颜色还有货吗？`,
];
const ZH_AGENT = [
  () => `您好，我帮您查一下订单${order()}，请稍等。`,
  () => `已经为您提交退款申请，三到五个工作日到账。`,
  () => `麻烦您拍一张照片给我们看一下。`,
  () => `包裹已经发出，预计明天送达。`,
];
const ZH_NOTE = [() => `客户很着急，已加急处理。`, () => `仓库确认下周补货。`];
const FIRST_EN = ['Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Lucas', 'Mia', 'Ethan', 'Sophie', 'James', 'Chloe', 'Daniel'];
const LAST_EN = ['Smith', 'Brown', 'Garcia', 'Miller', 'Wilson', 'Taylor', 'Clarke', 'Walker', 'Young', 'King'];
const ZH_NAMES = ['王芳', '李娜', '张伟', '刘洋', '陈静', '杨磊', '赵敏', '黄丽', '周杰', '吴强'];
const MAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'qq.com', '163.com', 'icloud.com'];

/** Rare words planted in known places: [text, how many messages]. */
const PLANTED = [
  { text: 'My zeppelin model kit is missing the propeller.', times: 3 },
  { text: '我买的紫色雨伞把手断了，可以换一把吗？', times: 3 },
  { text: 'Where is NW-100236? It has been two weeks.', times: 2 },
  { text: '请问这个订单可以开发票吗？', times: 4 },
];

// ---- The fill: COPY of generated rows.

async function fill(sql: Sql): Promise<{ messages: number }> {
  const now = Date.now();
  const DAY = 86_400_000;
  await copyRows(sql, 'customers', ['id', 'name', 'email', 'external_id'], function* () {
    for (let id = 1; id <= CUSTOMERS; id++) {
      const chinese = random() < 0.3;
      const first = pick(FIRST_EN);
      const last = pick(LAST_EN);
      const name = random() < 0.2 ? null : chinese ? pick(ZH_NAMES) : `${first} ${last}`;
      const email = id === 4242 ? 'rare.shopper@quietmail.example' : random() < 0.6 ? `${first.toLowerCase()}.${last.toLowerCase()}${id}@${pick(MAIL_DOMAINS)}` : null;
      yield [id, name, email, random() < 0.5 ? `u${100000 + id}` : null];
    }
  });
  // Conversations over the past year, mostly resolved; ids grow with time as in a real shop.
  const startedAt: number[] = [];
  await copyRows(sql, 'conversations', ['id', 'customer_id', 'status', 'labels', 'created_at', 'last_message_at'], function* () {
    for (let id = 1; id <= CONVERSATIONS; id++) {
      const created = now - 365 * DAY + (id / CONVERSATIONS) * 365 * DAY;
      startedAt[id] = created;
      const recent = id > CONVERSATIONS - 3000;
      const status = recent ? pick(['bot', 'queued', 'assigned', 'resolved']) : 'resolved';
      const labels = random() < 0.15 ? `{${pick(['refund', 'shipping', 'vip', 'damaged'])}}` : '{}';
      yield [id, 1 + Math.floor(random() * CUSTOMERS), status, labels, new Date(created).toISOString(), new Date(created + 20 * 60_000).toISOString()];
    }
  });
  // Messages: 4–12 a conversation (8 on average), alternating shopper and bot or agent, a private note now and then.
  const plantAt = new Map<number, string>();
  for (const p of PLANTED) for (let i = 0; i < p.times; i++) plantAt.set(1 + Math.floor(random() * CONVERSATIONS), p.text);
  let messages = 0;
  await copyRows(sql, 'messages', ['conversation_id', 'author_type', 'body', 'private', 'created_at'], function* () {
    for (let c = 1; c <= CONVERSATIONS; c++) {
      const chinese = random() < 0.3;
      const count = 4 + Math.floor(random() * 9);
      for (let i = 0; i < count; i++) {
        const at = new Date(startedAt[c] + i * 60_000).toISOString();
        const planted = i === 1 ? plantAt.get(c) : undefined;
        messages++;
        if (planted) yield [c, 'customer', planted, false, at];
        else if (i % 2 === 0) yield [c, 'customer', pick(chinese ? ZH_SHOPPER : EN_SHOPPER)(), false, at];
        else if (random() < 0.08) yield [c, 'agent', pick(chinese ? ZH_NOTE : EN_NOTE)(), true, at];
        else if (i < 3 && random() < 0.5) yield [c, 'bot', pick(BOT)(), false, at];
        else yield [c, 'agent', pick(chinese ? ZH_AGENT : EN_AGENT)(), false, at];
      }
    }
  });
  await sql`select setval('customers_id_seq', ${CUSTOMERS}), setval('conversations_id_seq', ${CONVERSATIONS})`;
  return { messages };
}

// ---- The queries.

const QUERIES: { label: string; q: string }[] = [
  { label: 'no search: the list alone', q: '' },
  { label: 'rare English word', q: 'zeppelin' },
  { label: 'common English word', q: 'refund' },
  { label: 'order number', q: 'NW-100236' },
  { label: 'email fragment', q: 'quietmail' },
  { label: '2-char Chinese, common', q: '退款' },
  { label: '2-char Chinese, rare', q: '发票' },
  { label: '2-char Chinese name', q: '王芳' },
  { label: '1-char Chinese (short)', q: '伞' },
  { label: 'rare Chinese phrase', q: '紫色雨伞' },
  { label: 'common Chinese phrase', q: '还没收到' },
  { label: 'matches nothing', q: 'xylophonequartz' },
];

/** The route's query before migration 029 (commit 28b0ae6), view "all", no other filter. */
async function searchBefore(sql: Sql, q: string): Promise<number[]> {
  const like = `%${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  const rows = await sql`
    select c.id, c.customer_id, c.status, c.assignee_id, u.name as assignee_name, c.handed_off, c.queued_at, c.assigned_at,
           c.first_response_at, c.resolved_at, c.last_message_at, c.created_at, c.customer_last_seen_id, c.agent_last_seen_id, c.labels, c.snoozed_until,
           c.team_id, (select t.name from teams t where t.id = c.team_id) as team_name,
           cu.name as cust_name, cu.email as cust_email, ${previewMessage(sql)} as last_message,
           (select count(*)::int from messages x where x.conversation_id = c.id and x.author_type = 'customer' and x.id > c.agent_last_seen_id) as unread
    from conversations c
    join customers cu on cu.id = c.customer_id
    left join users u on u.id = c.assignee_id
    where true
      ${q ? sql`and (cu.name ilike ${like} or cu.email ilike ${like} or cu.external_id ilike ${like}
           or exists (select 1 from messages s where s.conversation_id = c.id and s.body ilike ${like}))` : sql``}
    order by coalesce(c.last_message_at, c.created_at) desc, c.id desc
    limit ${PAGE}`;
  return rows.map((r) => Number(r.id));
}

/** The route's function; `withBigrams` false: as it ran before migration 050 (no 2-character search indexed). */
async function searchAfter(sql: Sql, q: string, withBigrams = true): Promise<number[]> {
  const typed = inboxSearch(q);
  const search = typed && !withBigrams && typed.bigrams ? { ...typed, indexed: false, bigrams: false } : typed;
  const page = await inboxPage(sql, { filters: sql``, order: sql`coalesce(c.last_message_at, c.created_at) desc, c.id desc`, limit: PAGE, search });
  return page.rows.map((r) => Number(r.id));
}

/** Applies a migration's file to the filled database; its build time and its indexes' sizes, as a line. */
async function applyTimed(sql: Sql, file: URL, indexes: string[]): Promise<string> {
  const t0 = performance.now();
  await sql.unsafe(await readFile(file, 'utf8'));
  const seconds = (performance.now() - t0) / 1000;
  await sql`analyze`;
  const sizes = await sql<{ name: string; size: string }[]>`
    select name, pg_size_pretty(pg_relation_size(name::regclass)) as size from unnest(${indexes}::text[]) name`;
  return `built in ${seconds.toFixed(1)} s; ${sizes.map((s) => `${s.name} ${s.size}`).join(', ')}`;
}

interface Timing { p50: number; p95: number; runs: number; found: number[] }

/** Runs until 15 runs or 6 s (at least 3), after one warm-up run. */
async function time(run: () => Promise<number[]>): Promise<Timing> {
  const found = await run();
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < 15 && (samples.length < 3 || performance.now() - started < 6000)) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.ceil(p * samples.length) - 1)];
  return { p50: at(0.5), p95: at(0.95), runs: samples.length, found };
}

/** Pads to a width in terminal columns: a Chinese character takes two. */
const padColumns = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - [...text].reduce((n, ch) => n + (ch.codePointAt(0)! >= 0x2e80 ? 2 : 1), 0)));
const ms = (n: number) => (n >= 100 ? `${n.toFixed(0)} ms` : `${n.toFixed(1)} ms`);

async function main(): Promise<void> {
  const dbName = `shopdesk_bench_search_${randomBytes(4).toString('hex')}`;
  const admin = postgres(`${PG_SERVER}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const sql = createSql({ databaseUrl: `${PG_SERVER}/${dbName}` }, { max: 2 });
  try {
    await migrate(sql);
    // Before: the schema as it was (the extension and the function may stay; nothing used them).
    for (const index of [...TRIGRAM_INDEXES, ...BIGRAM_INDEXES]) await sql.unsafe(`drop index ${index}`);
    const t0 = performance.now();
    const { messages } = await fill(sql);
    await sql`vacuum analyze`;
    const [{ size }] = await sql<{ size: string }[]>`select pg_size_pretty(pg_total_relation_size('messages')) as size`;
    console.log(`bench:search — ${CONVERSATIONS} conversations, ${messages} messages (${size} with indexes), ${CUSTOMERS} customers; filled in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const before = new Map<string, Timing>();
    for (const { q } of QUERIES) before.set(q, await time(() => searchBefore(sql, q)));

    console.log(`migration 029 (the trigram indexes) ${await applyTimed(sql, MIGRATION, TRIGRAM_INDEXES)}`);
    const trigramsOnly = new Map<string, Timing>();
    for (const { q } of QUERIES) trigramsOnly.set(q, await time(() => searchAfter(sql, q, false)));
    console.log(`migration 050 (the CJK bigram indexes) ${await applyTimed(sql, BIGRAM_MIGRATION, BIGRAM_INDEXES)}`);
    const after = new Map<string, Timing>();
    for (const { q } of QUERIES) after.set(q, await time(() => searchAfter(sql, q)));

    console.log(`\nGET /api/conversations?q=… (view all, ${PAGE} a page): before = the ILIKE over every message, 029 = inboxPage with migration 029`
      + ' (2-character Chinese: the newest chats only), after = inboxPage with migrations 029 and 050');
    console.log(`${'query'.padEnd(36)}${'found'.padStart(11)}   ${'before p50'.padStart(11)}${'p95'.padStart(10)}   ${'029 p50'.padStart(9)}${'p95'.padStart(10)}   ${'after p50'.padStart(10)}${'p95'.padStart(10)}   ${'before/after'.padStart(12)}${'029/after'.padStart(10)}`);
    // The same chats in the same order, or how many each found (a short search reads the newest chats only).
    const found = (b: Timing, a: Timing) => (a.found.join() === b.found.join() ? `${a.found.length}=` : `${b.found.length}→${a.found.length}`);
    for (const { label, q } of QUERIES) {
      const [b, t, a] = [before.get(q)!, trigramsOnly.get(q)!, after.get(q)!];
      const ratio = (x: Timing) => `×${(x.p50 / a.p50).toFixed(1)}`;
      console.log(`${padColumns(q ? `${label} (${q})` : label, 36)}${`${found(b, t)} ${found(t, a)}`.padStart(11)}   ${ms(b.p50).padStart(11)}${ms(b.p95).padStart(10)}   `
        + `${ms(t.p50).padStart(9)}${ms(t.p95).padStart(10)}   ${ms(a.p50).padStart(10)}${ms(a.p95).padStart(10)}   ${ratio(b).padStart(12)}${ratio(t).padStart(10)}`);
    }
    console.log('(found: before→029 029→after, chats on the page; "n=" the same chats in the same order)');
    console.log(`(runs a query: until 15 runs or 6 s, at least 3, after a warm-up; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores)`);
  } finally {
    await sql.end({ timeout: 5 });
    if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${dbName}`);
    else await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

await main();
