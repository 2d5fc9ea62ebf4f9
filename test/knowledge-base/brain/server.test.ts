// The brain inside real servers (Postgres, Redis, BullMQ workers, two server
// instances): chat answers with article evidence, order status privacy,
// admin-only routes, hot reload of a retrained model and of a re-indexed
// article on the OTHER server, the unanswered-questions inbox, agent assist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextEvent, type WidgetClient } from '../../support/sockets.ts';
import { feedSignature, identityHash } from '../../../server/services/visitor-tokens.ts';
import { knowledgeBaseExtension } from '../../../knowledge-base/server-extension.ts';
import type { ChatMessage } from '../../../server/realtime/event-maps.ts';
import { articleReplyParts } from '../../../widget/src/article-reply.ts';
import { unansweredRepository } from '../../../knowledge-base/unanswered.ts';

const IDENTITY_SECRET = 'kb-brain-identity-secret';
let stack: TestStack;
let adminCookie: string;
let agentCookie: string;
const sockets: WidgetClient[] = [];

async function api(base: string, method: string, path: string, cookie: string | null, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

/** A shopper on `serverIndex`, optionally signed in as the shop's user `userId`. */
async function shopper(serverIndex = 0, userId?: string) {
  const url = stack.servers[serverIndex].url;
  const session = await widgetSession(url, userId ? { userId, hash: identityHash(IDENTITY_SECRET, userId) } : {});
  const socket = await connectWidget(url, session.visitorToken);
  sockets.push(socket);
  let n = 0;
  let conversationId: number | undefined;
  return {
    session,
    socket,
    /** Sends a message and resolves with the bot's reply to it. */
    async ask(text: string, quickReply?: string): Promise<ChatMessage> {
      const reply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot', 20_000);
      const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `c${++n}`, text, conversationId, ...(quickReply ? { quickReply } : {}) });
      conversationId = sent.conversationId;
      return reply;
    },
    get conversationId() {
      return conversationId!;
    },
  };
}

beforeAll(async () => {
  stack = await startStack({
    servers: 2,
    workers: true,
    config: { identitySecret: IDENTITY_SECRET, rateLimitMessagesPer10s: 50 },
    server: { extensions: [knowledgeBaseExtension({ prepare: { seed: true } })] },
  });
  adminCookie = (await login(stack.url, stack.admin.email, stack.admin.password)).cookie;
  agentCookie = (await login(stack.url, stack.agent.email, stack.agent.password)).cookie;
}, 180_000);

afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

describe('chat with the brain', () => {
  it('answers a shopper through socket.io with article evidence in the metadata', async () => {
    const s = await shopper(0);
    const reply = await s.ask('How long does a refund take to reach my card?');
    const meta = reply.metadata as Record<string, any>;
    expect(meta.decision).toBe('answer');
    expect(meta.articles[0]).toMatchObject({ slug: 'refund-timing', title: expect.any(String), id: expect.any(Number) });
    expect(meta.askHelpful).toBe(true);
    expect(meta.encoder).toMatch(/lexical/);
    expect(typeof meta.confidence).toBe('number');
    expect(reply.text).toContain('/help/refund-timing');

    const page = await fetch(`${stack.url}/help/refund-timing?locale=en`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain(meta.articles[0].title);
  });

  it('hands a conversation to the human queue when the shopper asks for a person', async () => {
    const s = await shopper(0);
    const reply = await s.ask('我要转人工');
    expect((reply.metadata as Record<string, unknown>).decision).toBe('handoff');
    await eventually(async () => (await stack.env.sql`select status from conversations where id = ${s.conversationId}`)[0]?.status === 'queued', 10_000, 'queued');
  });

  it('hands off after two misses in a row and collects them as one unanswered question with a count', async () => {
    const s = await shopper(0);
    const first = await s.ask('what is the airspeed velocity of an unladen swallow');
    expect((first.metadata as Record<string, unknown>).decision).toBe('fallback');
    const second = await s.ask('seriously, the airspeed velocity of a swallow?');
    expect((second.metadata as Record<string, unknown>).decision).toBe('handoff');

    const listed = await eventually(async () => {
      const r = await api(stack.url, 'GET', '/api/admin/unanswered', adminCookie);
      return r.body.items.find((i: any) => /swallow/.test(i.text) && i.count >= 2);
    }, 10_000, 'grouped unanswered question');
    expect(listed.examples.length).toBe(2);

    const drafted = await api(stack.url, 'POST', `/api/admin/unanswered/${listed.id}/create-article`, adminCookie, { title: 'Swallows', locale: 'en' });
    expect(drafted.status).toBe(201);
    expect(drafted.body.article.status).toBe('draft');
    expect(drafted.body.article.slug).toBe('swallows'); // an address made from its title, not a generated code
    expect(drafted.body.article.body).toContain('airspeed velocity');
    expect(drafted.body.item.status).toBe('handled');
  });
});

describe('help centre', () => {
  const html = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${stack.url}${path}`, { headers });
    return { status: response.status, csp: response.headers.get('content-security-policy') ?? '', body: await response.text() };
  };

  it('lists the published articles by category in the reader\'s language, searches them with the bot\'s retriever, and embeds the chat', async () => {
    const index = await html('/help');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<h2>Returns and exchanges</h2>');
    expect(index.body).toContain('<a href="/help/return-policy?locale=en">Return policy</a>');
    expect(index.body).not.toContain('退货政策');
    expect(index.body).toMatch(/<script src="\/widget\.js" data-site="demo" data-lang="en" async><\/script>/);
    expect(index.csp).toMatch(/script-src 'self';/);
    // A Chinese browser gets the Chinese help centre without asking.
    const zh = await html('/help', { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' });
    expect(zh.body).toContain('<h1>帮助中心</h1>');
    expect(zh.body).toContain('退货政策');

    // What readers type into a search box: a few keywords, in either language.
    const firstResult = async (query: string, locale = 'en') => {
      const page = await html(`/help?locale=${locale}&q=${encodeURIComponent(query)}`);
      const slugs = [...page.body.matchAll(/<div class="result">\s*<a href="\/help\/([a-z0-9-]+)\?locale=/g)].map((m) => m[1]);
      expect(slugs.length).toBeLessThanOrEqual(5);
      return slugs[0];
    };
    expect(await firstResult('refund')).toBe('refund-timing');
    expect(await firstResult('track order')).toBe('order-tracking');
    expect(await firstResult('promo code')).toBe('gift-cards-promo-codes');
    expect(await firstResult('退款', 'zh')).toBe('refund-timing');
    // Chinese typed on the English page is searched in, and shown as, the Chinese help centre.
    const typedInChinese = await html(`/help?locale=en&q=${encodeURIComponent('退款多久到账')}`);
    expect(typedInChinese.body).toMatch(/<div class="result">\s*<a href="\/help\/refund-timing\?locale=zh">/);
    expect(typedInChinese.body).toContain('<html lang="zh-CN">');
    // Each of these ranked another article first: "until your refund" in the returns article, "sells out" in exchanges.
    expect(await firstResult('how many days until my refund arrives')).toBe('refund-timing');
    expect(await firstResult('do you sell gift cards')).toBe('gift-cards-promo-codes');
    expect((await html('/help?q=zzqxv')).body).toContain('No article matches “zzqxv”');

    const hostile = await html(`/help?q=${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
    expect(hostile.status).toBe(200);
    expect(hostile.body).not.toContain('<img src=x');
    expect(hostile.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect((await html(`/help?q=${'x'.repeat(201)}`)).status).toBe(400);
  });

  it("shows an article with its category's other articles and a link to the same article in the other language", async () => {
    const page = await html('/help/return-policy?locale=en');
    expect(page.body).toContain('<h1>Return policy</h1>');
    expect(page.body).toContain('More in this category');
    const more = page.body.slice(page.body.indexOf('More in this category'));
    const [row] = await stack.env.sql<{ n: number }[]>`
      select count(*)::int as n from articles where category = 'returns' and locale = 'en' and status = 'published' and slug <> 'return-policy'`;
    expect([...more.matchAll(/<li><a href="\/help\//g)].length).toBe(row.n);
    expect(page.body).toContain('href="/help/return-policy?locale=zh"');
    // An old link is a page in the reader's language, with the index to go on from, not the API's JSON error.
    const missing = await html('/help/no-such-article', { 'accept-language': 'zh-CN,zh;q=0.9' });
    expect(missing.status).toBe(404);
    expect(missing.body).toContain('<html lang="zh-CN">');
    expect(missing.body).toContain('<h1>没有找到这篇文章</h1>');
    expect(missing.body).toContain('href="/help/return-policy?locale=zh"');
    expect((await html('/help/no-such-article?locale=en')).body).toContain('<title>Article not found — Help centre</title>');
  });

  it("shows the demo size guide's chart as a table in both languages; the bot and the search quote its rows without pipes", async () => {
    const en = await html('/help/clothing-size-guide?locale=en');
    expect(en.body).toContain('<div class="table-scroll" tabindex="0"><table><thead><tr><th scope="col">Size</th><th scope="col">Chest (in)</th>');
    expect(en.body).toContain('<tr><td>M</td><td>38–40</td><td>97–102</td><td>32–34</td></tr>');
    expect(en.body).not.toMatch(/\| M \|/);
    // Articles may show pictures from the shop's CDN; scripts and connections stay same-origin.
    expect(en.csp).toContain("img-src 'self' data: https:;");
    expect(en.csp).toContain("script-src 'self';");
    const zh = await html('/help/clothing-size-guide?locale=zh');
    expect(zh.body).toContain('<th scope="col">尺码</th><th scope="col">胸围（英寸）</th>');
    expect(zh.body).toContain('<tr><td>M</td><td>38–40</td>');

    // The widget shows the answer's text (less its heading and "Read more" line): the chart's row, no table syntax.
    const reply = await (await shopper(0)).ask('what chest size is a medium?');
    const articles = (reply.metadata as { articles: { slug: string; title: string; url?: string }[] }).articles;
    expect(articles[0].slug).toBe('clothing-size-guide');
    const shown = articleReplyParts(reply.text, articles).body;
    expect(shown).toContain('Size: M; Chest (in): 38–40; Chest (cm): 97–102; Waist (in): 32–34.');
    expect(shown).not.toContain('|');

    const search = await html(`/help?locale=en&q=${encodeURIComponent('size chart')}`);
    const result = /<div class="result">\s*<a href="\/help\/clothing-size-guide\?locale=en">[\s\S]*?<\/div>/.exec(search.body)?.[0] ?? '';
    expect(result).toContain('Size: XS; Chest (in): 32–34');
    expect(result).not.toContain('|');
  });
});

describe('order status', () => {
  it("answers the signed-in shopper's own order with status and ETA", async () => {
    const s = await shopper(0, 'demo-user-1');
    const reply = await s.ask('Where is my order NW-100234?');
    expect(reply.text).toContain('NW-100234');
    expect(reply.text).toMatch(/shipped/i);
    expect(reply.text).toMatch(/Estimated delivery/);
  });

  it('says a late order is late and offers a person, instead of quoting an ETA that has passed', async () => {
    const dueAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
    const late = {
      number: 'NW-700050', customerExternalId: 'late-user', status: 'shipped', totalCents: 2500, placedAt: '2026-11-01T09:00:00Z',
      carrier: 'USPS', trackingNumber: '9400100000000000000050', etaFrom: dueAgo(4), etaTo: dueAgo(2),
      items: [{ sku: 'MUG-1', name: 'Camp Mug', quantity: 1, priceCents: 2500 }],
    };
    expect((await api(stack.url, 'PUT', '/api/integrations/orders', adminCookie, { orders: [late] })).status).toBe(200);
    const s = await shopper(0, 'late-user');
    const reply = await s.ask('where is NW-700050?');
    expect(reply.text).toMatch(/^Order NW-700050 is shipped\. It was due .+, so it is running late\./);
    expect(reply.text).not.toMatch(/Estimated delivery/);
    expect(reply.text).toMatch(/A person from our team can check with the carrier/);
    expect((reply.metadata as Record<string, any>).quickReplies.map((q: { value: string }) => q.value)).toContain('handoff');
  });

  it("refuses another customer's order without revealing anything about it", async () => {
    const s = await shopper(0, 'demo-user-2');
    const [other] = await stack.env.sql<{ number: string; status: string; carrier: string; tracking_number: string | null }[]>`
      select number, status, carrier, tracking_number from orders where customer_external_id = 'demo-user-1' and tracking_number is not null limit 1`;
    const reply = await s.ask(`What's the status of ${other.number}?`);
    expect(reply.text).toMatch(/couldn't find/i);
    expect(reply.text).not.toContain(other.tracking_number!);
    expect(reply.text).not.toContain(other.carrier);
    expect(reply.text).not.toMatch(/Estimated delivery|delivered on/i);
  });

  it('asks an anonymous shopper to sign in before looking anything up', async () => {
    const s = await shopper(0);
    const reply = await s.ask('where is order NW-100234');
    expect(reply.text).toMatch(/log in|signed-in/i);
    expect(reply.text).not.toMatch(/shipped/i);
  });

  it('answers an order question an article covers from the article, with the sign-in note after it', async () => {
    const s = await shopper(0);
    const reply = await s.ask('The tracking says delivered but there is no parcel at my door');
    const meta = reply.metadata as Record<string, any>;
    expect(meta.decision).toBe('answer');
    expect(meta.articles[0].slug).toBe('order-tracking');
    expect(reply.text).toMatch(/delivered/i);
    expect(reply.text).toMatch(/log in|signed-in/i); // still told how to see their own orders
  });

  it("takes the shop's orders from its feed: new ones are answered at once, a late older update is skipped, a bad batch writes nothing", async () => {
    const order = (status: string, updatedAt: string, extra: Record<string, unknown> = {}) => ({
      number: 'NW-700001', customerExternalId: 'feed-user-1', status, totalCents: 5900, placedAt: '2026-11-30T09:00:00Z', updatedAt,
      items: [{ sku: 'TOTE-1', name: 'Harbor Canvas Tote', quantity: 1, priceCents: 5900 }], ...extra,
    });
    const put = (orders: unknown[], cookie: string | null = adminCookie) => api(stack.url, 'PUT', '/api/integrations/orders', cookie, { orders });
    // ETAs relative to today: a fixed date would turn into a late order as the calendar moves on.
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const shown = (day: string) => new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
    expect(await put([order('shipped', '2026-12-01T10:00:00Z', { carrier: 'UPS', trackingNumber: '1Z999', etaFrom: inDays(1), etaTo: inDays(2) })]))
      .toEqual({ status: 200, body: { inserted: 1, updated: 0, stale: 0 } });
    const s = await shopper(0, 'feed-user-1');
    const reply = await s.ask('where is nw 700001?');
    expect(reply.text).toBe(`Order NW-700001 is shipped. Estimated delivery: ${shown(inDays(1))}–${shown(inDays(2))}. Carrier: UPS, tracking number 1Z999.`);

    // Delivered arrives; then the feed re-sends the older "shipped" late: it changes nothing.
    expect((await put([order('delivered', '2026-12-04T15:00:00Z', { deliveredAt: '2026-12-04T14:30:00Z' })])).body).toEqual({ inserted: 0, updated: 1, stale: 0 });
    expect((await put([order('shipped', '2026-12-01T10:00:00Z')])).body).toEqual({ inserted: 0, updated: 0, stale: 1 });
    expect((await s.ask('and order 700001 now?')).text).toMatch(/NW-700001 is delivered\. It was delivered on Dec 4/);
    const [items] = await stack.env.sql`select count(*)::int as n from order_items i join orders o on o.id = i.order_id where o.number = 'NW-700001'`;
    expect(items.n).toBe(1);

    // Refused whole, with the reason: a number the bot could never find, an impossible date, an unknown status.
    const good = { ...order('paid', '2026-12-02T10:00:00Z'), number: 'NW-700002' };
    for (const [bad, message] of [
      [{ ...good, number: 'ORDER-7' }, /orders\[1\]\.number "ORDER-7" does not fit ORDER_NUMBER_PATTERN \(it looks like NW-123456\)/],
      [{ ...good, number: 'NW-700003', placedAt: '2026-02-30T10:00:00Z' }, /placedAt .* is not a real date/],
      [{ ...good, number: 'NW-700003', status: 'lost_in_space' }, /status/],
    ] as const) {
      const refused = await put([good, bad]);
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(message);
    }
    expect(await stack.env.sql`select 1 from orders where number = 'NW-700002'`).toHaveLength(0);
    expect((await put([good], agentCookie)).status).toBe(403);
    expect((await put([good], null)).status).toBe(401);

    // The shop's backend signs the body with the identity secret it already has, instead of holding an admin session.
    const signed = (body: string, signature: string) => fetch(`${stack.url}/api/integrations/orders`, {
      method: 'PUT', headers: { 'content-type': 'application/json', 'x-shopdesk-signature': signature }, body,
    });
    const body = JSON.stringify({ orders: [good] });
    const sign = (text: string) => `sha256=${feedSignature(IDENTITY_SECRET, 'orders', text)}`;
    expect((await signed(body, sign(body.replace('NW-700002', 'NW-700009')))).status).toBe(401); // signed something else
    expect((await signed(body, `sha256=${identityHash(IDENTITY_SECRET, body)}`)).status).toBe(401); // an identity hash is no feed signature
    // Not even the identity hash a shop would give a user who named themselves "orders:<this body>".
    expect((await signed(body, `sha256=${identityHash(IDENTITY_SECRET, `orders:${body}`)}`)).status).toBe(401);
    const accepted = await signed(body, sign(body));
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ inserted: 1, updated: 0, stale: 0 });
    // A replayed request writes the same data again: it cannot bring back an older state.
    expect(await (await signed(body, sign(body))).json()).toEqual({ inserted: 0, updated: 1, stale: 0 });
  });

  it('an order sent without updatedAt never makes a later timed update look stale; times are compared only when both have one', async () => {
    const order = (status: string, updatedAt?: string) => ({
      number: 'NW-700010', customerExternalId: 'feed-user-10', status, totalCents: 1200, placedAt: '2026-11-30T09:00:00Z',
      ...(updatedAt ? { updatedAt } : {}), items: [{ sku: 'MUG-1', name: 'Camp Mug', quantity: 1, priceCents: 1200 }],
    });
    const put = (o: unknown) => api(stack.url, 'PUT', '/api/integrations/orders', adminCookie, { orders: [o] });
    const stored = async () => (await stack.env.sql`select status from orders where number = 'NW-700010'`)[0].status;
    // The reviewer's case: an untimed order, then a real change whose time is earlier than the untimed call's arrival.
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await put(order('paid'))).body).toEqual({ inserted: 1, updated: 0, stale: 0 });
    expect((await put(order('processing', past))).body).toEqual({ inserted: 0, updated: 1, stale: 0 });
    expect(await stored()).toBe('processing');
    // Another untimed update applies, and keeps the last known time: an older replay is still skipped, a newer one is not.
    expect((await put(order('shipped'))).body).toEqual({ inserted: 0, updated: 1, stale: 0 });
    expect(await stored()).toBe('shipped');
    expect((await put(order('paid', new Date(Date.parse(past) - 60_000).toISOString()))).body).toEqual({ inserted: 0, updated: 0, stale: 1 });
    expect(await stored()).toBe('shipped');
    expect((await put(order('delivered', new Date(Date.parse(past) + 60_000).toISOString()))).body).toEqual({ inserted: 0, updated: 1, stale: 0 });
    expect(await stored()).toBe('delivered');
  });

  it("takes a numeric customer id as its decimal text, as identify() does (a shop platform's user ids are numbers)", async () => {
    const order = { number: 'NW-700042', customerExternalId: 4242, status: 'paid', totalCents: 900, placedAt: '2026-11-30T09:00:00Z', items: [{ sku: 'MUG-1', name: 'Camp Mug', quantity: 1, priceCents: 900 }] };
    expect((await api(stack.url, 'PUT', '/api/integrations/orders', adminCookie, { orders: [order] })).body).toEqual({ inserted: 1, updated: 0, stale: 0 });
    expect((await stack.env.sql`select customer_external_id from orders where number = 'NW-700042'`)[0].customer_external_id).toBe('4242');
    expect((await api(stack.url, 'PUT', '/api/integrations/orders', adminCookie, { orders: [{ ...order, customerExternalId: -1 }] })).status).toBe(400);
  });

  it('refuses a delivery window that ends before it starts, naming the order and the fields, and writes nothing of the batch', async () => {
    const order = (number: string, etaFrom: string, etaTo: string) => ({
      number, customerExternalId: 'feed-user-11', status: 'shipped', totalCents: 1200, placedAt: '2026-11-30T09:00:00Z', etaFrom, etaTo,
      items: [{ sku: 'MUG-1', name: 'Camp Mug', quantity: 1, priceCents: 1200 }],
    });
    const refused = await api(stack.url, 'PUT', '/api/integrations/orders', adminCookie,
      { orders: [order('NW-700012', '2026-12-10', '2026-12-12'), order('NW-700011', '2026-12-20', '2026-12-10')] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe('orders[1] (order NW-700011): etaTo "2026-12-10" is before etaFrom "2026-12-20"; the delivery window must not end before it starts.');
    expect(await stack.env.sql`select 1 from orders where number in ('NW-700011', 'NW-700012')`).toHaveLength(0);
    // A one-day window is fine.
    const oneDay = await api(stack.url, 'PUT', '/api/integrations/orders', adminCookie, { orders: [order('NW-700011', '2026-12-20', '2026-12-20')] });
    expect(oneDay.body).toEqual({ inserted: 1, updated: 0, stale: 0 });

    // Nor can an order arrive before it was placed.
    const arrivedFirst = await api(stack.url, 'PUT', '/api/integrations/orders', adminCookie,
      { orders: [{ ...order('NW-700015', '2026-12-01', '2026-12-02'), status: 'delivered', deliveredAt: '2026-11-29T09:00:00Z' }] });
    expect(arrivedFirst.status).toBe(400);
    expect(arrivedFirst.body.error.message).toBe('orders[0] (order NW-700015): deliveredAt "2026-11-29T09:00:00Z" is before placedAt "2026-11-30T09:00:00Z"; an order cannot arrive before it was placed.');
    expect(await stack.env.sql`select 1 from orders where number = 'NW-700015'`).toHaveLength(0);
  });

  it('says what is wrong: a missing or bad signature and how to make it, a bad status with the allowed values once; the signature is documented', async () => {
    const good = {
      number: 'NW-700013', customerExternalId: 'feed-user-13', status: 'paid', totalCents: 1200, placedAt: '2026-11-30T09:00:00Z',
      items: [{ sku: 'MUG-1', name: 'Camp Mug', quantity: 1, priceCents: 1200 }],
    };
    const send = async (path: string, body: string, signature?: string) => {
      const response = await fetch(`${stack.url}${path}`, {
        method: 'PUT', headers: { 'content-type': 'application/json', ...(signature ? { 'x-shopdesk-signature': signature } : {}) }, body,
      });
      return { status: response.status, message: ((await response.json()) as any).error?.message as string };
    };
    const body = JSON.stringify({ orders: [good] });
    const unsigned = await send('/api/integrations/orders', body);
    expect(unsigned.status).toBe(401);
    expect(unsigned.message).toMatch(/^The x-shopdesk-signature header is missing\. Sign the call with x-shopdesk-signature: sha256=<lower-case hex HMAC-SHA256 of "orders:" followed by the x-shopdesk-timestamp value, "\." and the raw request body, keyed with the feed key = the lower-case hex SHA-256 of "shopdesk-feed:" followed by the identity secret/);
    expect(unsigned.message).not.toMatch(/console/);
    const wrong = await send('/api/integrations/orders', body, `sha256=${feedSignature('another-secret', 'orders', body)}`);
    expect(wrong.status).toBe(401);
    expect(wrong.message).toMatch(/^x-shopdesk-signature does not match this body .*HMAC-SHA256 of "orders:"/);
    const malformed = await send('/api/integrations/orders', body, feedSignature(IDENTITY_SECRET, 'orders', body)); // no "sha256="
    expect(malformed.status).toBe(401);
    expect(malformed.message).toMatch(/^x-shopdesk-signature is malformed: expected x-shopdesk-signature: sha256=</);
    const productsUnsigned = await send('/api/integrations/products', JSON.stringify({ products: [] }));
    expect(productsUnsigned.message).toMatch(/HMAC-SHA256 of "products:"/);
    // An agent's session is still a 403, not a signature hint.
    expect((await api(stack.url, 'PUT', '/api/integrations/orders', agentCookie, { orders: [good] })).status).toBe(403);

    const badStatus = await api(stack.url, 'PUT', '/api/integrations/orders', adminCookie, { orders: [good, { ...good, number: 'NW-700014', status: 'lost_in_space' }] });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.message).toBe('orders[1].status must be one of: pending, paid, processing, shipped, in_transit, delivered, cancelled, returned.');
    const badCarrier = await api(stack.url, 'PUT', '/api/integrations/orders', adminCookie, { orders: [{ ...good, carrier: 7, colour: 'red' }] });
    expect(badCarrier.body.error.message).toMatch(/^orders\[0\]\.(carrier must be string or must be null|colour is not a known field)\.$/);
    const badLocale = await api(stack.url, 'PUT', '/api/integrations/products', adminCookie, { products: [{ sku: 'X-1', name: 'X', locale: 'fr' }] });
    expect(badLocale.body.error.message).toBe('products[0].locale must be one of: en, zh.');

    const spec = await (await fetch(`${stack.url}/docs/json`)).json() as any;
    // The header is documented as a security scheme, one of three ways in (so a generated client offers it).
    expect(spec.components.securitySchemes.feedSignature).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-shopdesk-signature' });
    expect(spec.components.securitySchemes.feedSignature.description).toMatch(/HMAC-SHA256/);
    for (const path of ['/api/integrations/orders', '/api/integrations/products']) {
      expect(spec.paths[path].put.security, path).toEqual([{ feedSignature: [] }, { session: [] }, { bearer: [] }]);
      expect(spec.paths[path].put.description).toMatch(/HMAC-SHA256 of "(orders|products):"/);
    }
  });
});

describe('products', () => {
  it("answers from the shop's product feed on every server; removing a product takes it out; the feed is signed or admin-only", async () => {
    const lamp = {
      sku: 'FEED-LAMP-1', name: 'Arc Floor Lamp', url: 'https://shop.example/p/arc-floor-lamp', priceCents: 14900, inStock: true,
      description: 'A tall arc floor lamp with a marble base. The shade swivels, and the bulb is a dimmable E27 LED that is included.',
      attributes: { Height: '190 cm', Bulb: 'E27 LED, 9 W, included' },
    };
    const put = (body: unknown, cookie: string | null = adminCookie) => api(stack.url, 'PUT', '/api/integrations/products', cookie, body);
    expect(await put({ products: [lamp] })).toEqual({ status: 200, body: { inserted: 1, updated: 0, removed: 0 } });
    // The second server hears of it through Redis and answers from it too.
    const s = await shopper(1);
    const reply = await eventually(async () => {
      const m = await s.ask('does the arc floor lamp come with a bulb?');
      return (m.metadata as Record<string, any>).products?.[0]?.sku === 'FEED-LAMP-1' ? m : undefined;
    }, 10_000, 'a product answer on server 2');
    expect(reply.text).toMatch(/^Arc Floor Lamp \(\$149\.00, in stock\)\n/);
    expect(reply.text).toContain('dimmable E27 LED that is included');
    expect(reply.text).toContain('https://shop.example/p/arc-floor-lamp');
    // The intents page's test box shows the same decision, and the admin's product list has it.
    const preview = await eventually(async () => {
      const r = await api(stack.url, 'POST', '/api/admin/bot/preview', adminCookie, { text: 'does the arc floor lamp come with a bulb?' });
      return r.body.reason === 'product' ? r.body : undefined;
    }, 10_000, 'the preview on server 1');
    expect(preview.products).toEqual([{ sku: 'FEED-LAMP-1', name: 'Arc Floor Lamp', url: 'https://shop.example/p/arc-floor-lamp' }]);
    expect((await api(stack.url, 'GET', '/api/admin/products?q=arc%20floor', adminCookie)).body).toMatchObject({ total: 1, items: [{ sku: 'FEED-LAMP-1', priceCents: 14900 }] });
    expect((await api(stack.url, 'GET', '/api/admin/products', agentCookie)).status).toBe(403);
    // An agent who takes the chat over gets the product's answer as the assist suggestion, labelled as such.
    const assist = await eventually(async () => {
      const r = await api(stack.url, 'POST', '/api/assist/suggest', agentCookie, { conversationId: reply.conversationId });
      return r.body.source === 'product' ? r.body : undefined;
    }, 10_000, 'a product suggestion on server 1');
    expect(assist.suggestedReply).toContain('Arc Floor Lamp');

    expect((await put({ products: [{ ...lamp, inStock: false }] })).body).toEqual({ inserted: 0, updated: 1, removed: 0 });
    expect((await put({ products: [], remove: ['FEED-LAMP-1'] })).body).toEqual({ inserted: 0, updated: 0, removed: 1 });
    await eventually(async () => {
      const m = await s.ask('does the arc floor lamp come with a bulb?');
      return (m.metadata as Record<string, any>).products === undefined || undefined;
    }, 10_000, 'the removed product no longer answers');

    // Refused whole, with the reason; only an admin or the shop's signature may write.
    expect((await put({ products: [lamp, lamp] })).body.error.message).toMatch(/products\[1\]\.sku "FEED-LAMP-1" appears twice/);
    expect((await put({ products: [{ ...lamp, url: 'javascript:alert(1)' }] })).status).toBe(400);
    expect((await put({ products: [{ ...lamp, attributes: { Height: 190 } }] })).status).toBe(400);
    expect((await put({ products: [lamp] }, agentCookie)).status).toBe(403);
    expect((await put({ products: [lamp] }, null)).status).toBe(401);
    const body = JSON.stringify({ products: [lamp] });
    const signed = (signature: string) => fetch(`${stack.url}/api/integrations/products`, {
      method: 'PUT', headers: { 'content-type': 'application/json', 'x-shopdesk-signature': signature }, body,
    });
    expect((await signed(`sha256=${feedSignature(IDENTITY_SECRET, 'orders', body)}`)).status).toBe(401); // an order signature is not a product one
    const accepted = await signed(`sha256=${feedSignature(IDENTITY_SECRET, 'products', body)}`);
    expect(await accepted.json()).toEqual({ inserted: 1, updated: 0, removed: 0 });
  });
});

describe('admin API access', () => {
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/admin/intents'],
    ['POST', '/api/admin/nlu/classify', { text: 'hi' }],
    ['POST', '/api/admin/kb/search', { query: 'refund' }],
    ['GET', '/api/admin/kb/status'],
    ['GET', '/api/admin/articles'],
    ['GET', '/api/admin/unanswered'],
    ['POST', '/api/admin/intents/import', { intents: [] }],
  ];

  it('refuses an agent session (403) and no session (401)', async () => {
    for (const [method, path, body] of routes) {
      expect((await api(stack.url, method, path, agentCookie, body)).status, `${method} ${path} as agent`).toBe(403);
      expect((await api(stack.url, method, path, null, body)).status, `${method} ${path} anonymous`).toBe(401);
      expect((await api(stack.url, method, path, adminCookie, body)).status, `${method} ${path} as admin`).toBeLessThan(300);
    }
  });

  it('validates input with a clear error', async () => {
    const bad = await api(stack.url, 'POST', '/api/admin/intents', adminCookie, { name: 'Bad Name!', examples: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation');
    const longLabel = await api(stack.url, 'POST', '/api/admin/intents', adminCookie, { name: 'long_label', label: { en: 'x'.repeat(81) }, examples: { en: ['hi'] } });
    expect(longLabel.status).toBe(400);
    expect(longLabel.body.error.message).toMatch(/label/);
    const extra = await api(stack.url, 'POST', '/api/admin/nlu/classify', adminCookie, { text: 'hi', sneaky: true });
    expect(extra.status).toBe(400);
  });

  it('shows the classifier output and the training status', async () => {
    const r = await api(stack.url, 'POST', '/api/admin/nlu/classify', adminCookie, { text: 'I forgot my password' });
    expect(r.body).toMatchObject({ intent: 'reset_password', outOfScope: false, encoder: 'lexical' });
    expect(r.body.alternatives.length).toBeGreaterThan(0);
    const status = await api(stack.url, 'GET', '/api/admin/kb/status', adminCookie);
    expect(status.body.model.version).toBeGreaterThanOrEqual(1);
    expect(status.body.server).toMatchObject({ loaded: true, indexedArticles: expect.any(Number) });
    expect(status.body.server.reason).toMatch(/lexical/);
  });

  it('previews what the bot would reply, in the question language, without recording anything', async () => {
    const preview = (text: string) => api(stack.url, 'POST', '/api/admin/bot/preview', adminCookie, { text });
    const answer = await preview('退款多久能到账？');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ action: 'answer', decision: 'answer', articles: [expect.objectContaining({ slug: 'refund-timing' })] });
    expect(answer.body.reply).toMatch(/[\u4e00-\u9fff]/);

    const miss = await preview('what colour is the planet Neptune in the old paintings');
    expect(miss.body).toMatchObject({ decision: 'fallback', reason: 'no_match', intent: null });
    expect(miss.body.quickReplies).toEqual([expect.objectContaining({ value: 'handoff' })]);
    const recorded = await stack.env.sql`select 1 from unanswered_questions where text ilike '%neptune%'`;
    expect(recorded).toHaveLength(0);

    expect((await api(stack.url, 'POST', '/api/admin/bot/preview', agentCookie, { text: 'hi' })).status).toBe(403);
    expect((await preview('')).status).toBe(400);
  });
});

describe('audit of knowledge-base changes', () => {
  it('records who created, changed, published and deleted an article or intent; a dry run is not a change', async () => {
    const [{ max: before }] = await stack.env.sql`select coalesce(max(id), 0)::int as max from audit_log`;
    const created = await api(stack.url, 'POST', '/api/admin/articles', adminCookie, { slug: 'audit-trail', locale: 'en', title: 'Audit trail', category: 'general', body: 'Who changed what.' });
    expect(created.status).toBe(201);
    const id = created.body.article.id;
    expect((await api(stack.url, 'PUT', `/api/admin/articles/${id}`, adminCookie, { body: 'Who changed what, and when.' })).status).toBe(200);
    expect((await api(stack.url, 'POST', `/api/admin/articles/${id}/publish`, adminCookie)).status).toBe(200);
    const dry = await api(stack.url, 'POST', '/api/admin/articles/import?dryRun=true', adminCookie, { articles: [{ slug: 'audit-trail', locale: 'en', title: 'Audit trail', body: 'Changed in a dry run.' }] });
    expect(dry.status).toBe(200);
    expect((await api(stack.url, 'DELETE', `/api/admin/articles/${id}`, adminCookie)).status).toBeLessThan(300);
    const intent = await api(stack.url, 'POST', '/api/admin/intents', adminCookie, { name: 'audit_check', examples: { en: ['who changed this', 'audit please'], zh: [] } });
    expect(intent.status).toBeLessThan(300);
    const rows = await stack.env.sql`select actor_user_id, action, target, details from audit_log where id > ${before} and action like 'kb.%' order by id`;
    const adminId = (await stack.env.sql`select id from users where email = ${stack.admin.email}`)[0].id;
    expect(rows.map((r) => [r.action, r.target])).toEqual([
      ['kb.article.create', null], ['kb.article.update', `article:${id}`], ['kb.article.publish', `article:${id}`], ['kb.article.delete', `article:${id}`],
      ['kb.intent.create', null],
    ]);
    expect(rows.every((r) => r.actor_user_id === adminId)).toBe(true);
    expect(rows[0].details).toEqual({ slug: 'audit-trail', title: 'Audit trail' });
    expect(rows[4].details).toEqual({ name: 'audit_check' });
  });
});

describe('import and export', () => {
  it('round-trips intents and articles through the JSON export and import', async () => {
    const intents = await api(stack.url, 'GET', '/api/admin/intents/export', adminCookie);
    expect(intents.body.intents.length).toBeGreaterThanOrEqual(15);
    expect(intents.body.outOfScope.length).toBeGreaterThan(0);
    const refund = intents.body.intents.find((i: any) => i.name === 'refund_status');
    expect(refund.label).toEqual({ en: 'Refund status', zh: '退款进度' });
    refund.examples.en.push('when will the money for my return show up');
    refund.label.en = 'Where is my refund';
    // The export file itself is accepted (its exportedAt is ignored), as the console's "Import JSON" sends it.
    const merged = await api(stack.url, 'POST', '/api/admin/intents/import', adminCookie, { intents: [refund], mode: 'merge', exportedAt: intents.body.exportedAt });
    expect(merged.body).toMatchObject({ dryRun: false, created: 0, updated: 1, unchanged: 0, deleted: 0 });
    expect(merged.body.items).toEqual([{ name: 'refund_status', result: 'updated', changed: ['label', 'examples.en'] }]);
    const after = (await api(stack.url, 'GET', '/api/admin/intents', adminCookie)).body.items;
    expect(after.find((i: any) => i.name === 'refund_status').examples.en).toContain('when will the money for my return show up');
    expect(after.find((i: any) => i.name === 'refund_status').label).toEqual({ en: 'Where is my refund', zh: '退款进度' });
    expect(after.length).toBe(intents.body.intents.length); // merge leaves the others alone

    const articles = await api(stack.url, 'GET', '/api/admin/articles/export', adminCookie);
    const original = articles.body.articles.find((a: any) => a.slug === 'product-care' && a.locale === 'en');
    const imported = await api(stack.url, 'POST', '/api/admin/articles/import', adminCookie, {
      articles: [{ ...original, body: `${original.body}\n\n## Storage\n\nKeep wool in a breathable bag.` }, { slug: 'brand-new-guide', locale: 'en', title: 'A brand-new guide', body: 'Hello.' }],
    });
    expect(imported.body).toMatchObject({ dryRun: false, created: 1, updated: 1, unchanged: 0 });
    expect(imported.body.items).toEqual([
      { slug: 'product-care', locale: 'en', result: 'updated', changed: ['body'], status: original.status, previousStatus: original.status },
      { slug: 'brand-new-guide', locale: 'en', result: 'created', changed: [], status: 'draft', previousStatus: null },
    ]);
    const list = await api(stack.url, 'GET', '/api/admin/articles?q=brand-new', adminCookie);
    expect(list.body.items.map((a: any) => [a.slug, a.status])).toEqual([['brand-new-guide', 'draft']]);
  });

  /** Waits until no training or indexing is queued or running, then returns when each last changed. */
  const jobsSettled = async () => eventually(async () => {
    const rows = await stack.env.sql<{ kind: string; state: string; updated_at: Date }[]>`select kind, state, updated_at from kb_job_status order by kind`;
    return rows.every((r) => r.state !== 'queued' && r.state !== 'running') && rows.map((r) => `${r.kind}:${r.updated_at.toISOString()}`).join(' ');
  }, 60_000, 'jobs settled');

  it('keeps what an imported article leaves out, says what changed, and leaves unchanged articles alone', async () => {
    const [live] = await stack.env.sql<{ id: number; title: string; body: string; category: string; current_version: number }[]>`
      select id, title, body, category, current_version from articles where slug = 'refund-timing' and locale = 'en' and status = 'published'`;
    // The reviewer's file: slug, locale, title and body only, for a live article. It stays live, in its category.
    const partial = { slug: 'refund-timing', locale: 'en', title: live.title, body: `${live.body}\n\nRefunds to a closed card come back as store credit.` };
    const dry = await api(stack.url, 'POST', '/api/admin/articles/import?dryRun=true', adminCookie, { articles: [partial] });
    expect(dry.body).toMatchObject({ dryRun: true, created: 0, updated: 1, unchanged: 0 });
    expect(dry.body.items[0]).toMatchObject({ result: 'updated', changed: ['body'], status: 'published', previousStatus: 'published' });
    expect((await stack.env.sql`select current_version from articles where id = ${live.id}`)[0].current_version).toBe(live.current_version); // nothing written
    const done = await api(stack.url, 'POST', '/api/admin/articles/import', adminCookie, { articles: [partial] });
    expect(done.body).toMatchObject({ dryRun: false, updated: 1 });
    const [after] = await stack.env.sql`select status, category, body, current_version from articles where id = ${live.id}`;
    expect(after).toMatchObject({ status: 'published', category: live.category, body: partial.body, current_version: live.current_version + 1 });
    expect((await fetch(`${stack.url}/help/refund-timing?locale=en`)).status).toBe(200);
    // Saying so takes it offline, and the dry run says that too.
    const offline = await api(stack.url, 'POST', '/api/admin/articles/import?dryRun=true', adminCookie, { articles: [{ ...partial, status: 'draft' }] });
    expect(offline.body.items[0]).toMatchObject({ changed: ['status'], status: 'draft', previousStatus: 'published' });
    // The same article twice is refused (which one would win?).
    expect((await api(stack.url, 'POST', '/api/admin/articles/import', adminCookie, { articles: [partial, partial] })).status).toBe(400);

    // An unchanged export, imported back: all unchanged, no new version, no re-index.
    const exported = (await api(stack.url, 'GET', '/api/admin/articles/export', adminCookie)).body;
    const jobsBefore = await jobsSettled();
    const [versionsBefore] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from article_versions`;
    const again = await api(stack.url, 'POST', '/api/admin/articles/import', adminCookie, exported);
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: exported.articles.length });
    expect((await stack.env.sql<{ n: number }[]>`select count(*)::int as n from article_versions`)[0].n).toBe(versionsBefore.n);
    expect(await jobsSettled()).toBe(jobsBefore);
  }, 90_000);

  it('merges a partial intent field by field, previews a replace, and asks for the deletions to be confirmed', async () => {
    const engraving = {
      name: 'engraving_help', description: 'Engraving on jewellery', label: { en: 'Engraving', zh: '刻字' },
      answer: { en: 'We engrave up to 20 letters for $10.', zh: '最多可刻 20 个字母，收费 10 美元。' },
      examples: { en: ['can you engrave my ring', 'do you offer engraving'], zh: ['可以刻字吗', '提供刻字服务吗'] },
    };
    const created = await api(stack.url, 'POST', '/api/admin/intents', adminCookie, engraving);
    expect(created.status).toBe(201);
    const engravingId = created.body.intent.id as number;

    // Merge with only the English examples: everything else stays (the reviewer's thanks_goodbye case).
    const partial = await api(stack.url, 'POST', '/api/admin/intents/import', adminCookie, { intents: [{ name: 'engraving_help', examples: { en: ['please engrave my initials'] } }] });
    expect(partial.body).toMatchObject({ updated: 1, deleted: 0, items: [{ name: 'engraving_help', result: 'updated', changed: ['examples.en'] }] });
    const merged = (await api(stack.url, 'GET', `/api/admin/intents/${engravingId}`, adminCookie)).body.intent;
    expect(merged).toMatchObject({ id: engravingId, description: engraving.description, label: engraving.label, answer: engraving.answer, examples: { en: ['please engrave my initials'], zh: engraving.examples.zh } });
    // A language named with null is cleared; the other one is kept.
    await api(stack.url, 'POST', '/api/admin/intents/import', adminCookie, { intents: [{ name: 'engraving_help', answer: { zh: null } }] });
    expect((await api(stack.url, 'GET', `/api/admin/intents/${engravingId}`, adminCookie)).body.intent.answer).toEqual({ en: engraving.answer.en });

    // A team takes refund_status: the link must survive an export → import round trip.
    const all = (await api(stack.url, 'GET', '/api/admin/intents', adminCookie)).body.items as { id: number; name: string }[];
    const refundId = all.find((i) => i.name === 'refund_status')!.id;
    const team = await api(stack.url, 'POST', '/api/admin/teams', adminCookie, { name: 'Import check team', intentIds: [refundId] });
    expect(team.status).toBe(201);
    try {
      // {"intents":[],"mode":"replace"}: the dry run says it deletes everything; without the confirmation nothing happens.
      const wipe = { intents: [], mode: 'replace' };
      const preview = await api(stack.url, 'POST', '/api/admin/intents/import?dryRun=true', adminCookie, wipe);
      expect(preview.body).toMatchObject({ dryRun: true, created: 0, updated: 0, unchanged: 0, deleted: all.length });
      expect(preview.body.items.map((i: any) => i.name).sort()).toEqual(all.map((i) => i.name).sort());
      const refused = await api(stack.url, 'POST', '/api/admin/intents/import', adminCookie, wipe);
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(new RegExp(`deletes ${all.length} of them`));
      expect((await api(stack.url, 'POST', '/api/admin/intents/import', adminCookie, { ...wipe, confirmDeletes: all.length - 1 })).status).toBe(409);
      expect((await stack.env.sql<{ n: number }[]>`select count(*)::int as n from intents`)[0].n).toBe(all.length);

      // The unchanged export imported back as a replace: all unchanged, same ids, team link kept, no retrain.
      const exported = (await api(stack.url, 'GET', '/api/admin/intents/export', adminCookie)).body;
      const jobsBefore = await jobsSettled();
      const again = await api(stack.url, 'POST', '/api/admin/intents/import', adminCookie, { ...exported, mode: 'replace' });
      expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: all.length, deleted: 0, outOfScope: 'unchanged' });
      expect(await jobsSettled()).toBe(jobsBefore);
      const ids = (await api(stack.url, 'GET', '/api/admin/intents', adminCookie)).body.items.map((i: any) => [i.name, i.id]);
      expect(ids).toEqual(all.map((i) => [i.name, i.id]));

      // A replace without engraving_help deletes it once confirmed; the others keep their ids and the team its intent.
      const without = { ...exported, mode: 'replace', intents: exported.intents.filter((i: any) => i.name !== 'engraving_help') };
      const dry = await api(stack.url, 'POST', '/api/admin/intents/import?dryRun=true', adminCookie, without);
      expect(dry.body).toMatchObject({ deleted: 1, unchanged: all.length - 1 });
      expect(dry.body.items.at(-1)).toEqual({ name: 'engraving_help', result: 'deleted', changed: [] });
      const confirmed = await api(stack.url, 'POST', '/api/admin/intents/import', adminCookie, { ...without, confirmDeletes: dry.body.deleted });
      expect(confirmed.body).toMatchObject({ dryRun: false, deleted: 1 });
      expect((await api(stack.url, 'GET', `/api/admin/intents/${engravingId}`, adminCookie)).status).toBe(404);
      expect((await api(stack.url, 'GET', `/api/admin/intents/${refundId}`, adminCookie)).body.intent.name).toBe('refund_status');
      expect(await stack.env.sql`select team_id from team_intents where intent_id = ${refundId}`).toEqual([{ team_id: team.body.team.id }]);
    } finally {
      await api(stack.url, 'DELETE', `/api/admin/teams/${team.body.team.id}`, adminCookie);
    }
  }, 120_000);

  it('documents the admin routes in the OpenAPI document with the admin tag', async () => {
    const doc = await (await fetch(`${stack.url}/docs/json`)).json() as { paths: Record<string, Record<string, { tags?: string[] }>> };
    for (const path of ['/api/admin/intents', '/api/admin/articles/{id}/versions/{version}/restore', '/api/admin/nlu/classify', '/api/admin/kb/search', '/api/admin/unanswered']) {
      const operations = Object.values(doc.paths[path] ?? {});
      expect(operations.length, path).toBeGreaterThan(0);
      expect(operations.every((o) => o.tags?.includes('admin')), path).toBe(true);
    }
    expect(doc.paths['/api/assist/suggest']).toBeDefined();
    // The import routes document their dry run and the summary they answer with.
    for (const path of ['/api/admin/intents/import', '/api/admin/articles/import']) {
      const post = (doc.paths[path] as any).post;
      expect(post.parameters.map((p: any) => [p.in, p.name]), path).toContainEqual(['query', 'dryRun']);
      expect(Object.keys(post.responses['200'].content['application/json'].schema.properties), path).toEqual(expect.arrayContaining(['dryRun', 'created', 'updated', 'unchanged', 'items']));
    }
  });
});

describe('hot reload on every server', () => {
  it('after an intent edit on server 1, server 2 answers with the retrained model', async () => {
    const second = stack.servers[1].url;
    const before = (await api(second, 'GET', '/api/admin/kb/status', adminCookie)).body.server.modelVersion as number;
    const created = await api(stack.url, 'POST', '/api/admin/intents', adminCookie, {
      name: 'loyalty_points',
      description: 'How many loyalty points the shopper has',
      answer: { en: 'You collect 1 Northwind point per dollar; see your balance under Account → Rewards.', zh: '每消费 1 美元积 1 分，可在"账户 → 积分"查看余额。' },
      examples: {
        en: ['how many loyalty points do I have', 'check my reward points', 'points balance', 'do I earn points on purchases', 'how do loyalty points work', 'my rewards balance', 'redeem my points', 'what are northwind points'],
        zh: ['我有多少积分', '查积分', '积分怎么用', '购物有积分吗', '会员积分规则', '积分余额', '积分兑换', '怎么赚积分'],
      },
    });
    expect(created.status).toBe(201);

    // Server 2 never saw the request: only the kb-train job's pub/sub announcement can teach it the new intent.
    const classified = await eventually(async () => {
      const r = await api(second, 'POST', '/api/admin/nlu/classify', adminCookie, { text: 'how many reward points have I got?' });
      return r.body.intent === 'loyalty_points' && r.body;
    }, 60_000, 'server 2 to load the retrained model');
    expect(classified.modelVersion).toBeGreaterThan(before);
    expect((await api(second, 'GET', '/api/admin/kb/status', adminCookie)).body.server.modelVersion).toBe(classified.modelVersion);

    const s = await shopper(1);
    const reply = await s.ask('how many loyalty points do I have?');
    expect(reply.text).toContain('Northwind point');
    expect((reply.metadata as Record<string, unknown>).intent).toBe('loyalty_points');

    // An edit of the answer alone leaves the examples, and so the model, as they were: the training status the
    // console shows still ends ("done", model unchanged) instead of staying "queued".
    const { id, updatedAt: _u, ...intent } = created.body.intent;
    const edited = await api(stack.url, 'PUT', `/api/admin/intents/${id}`, adminCookie, { ...intent, answer: { ...intent.answer, en: 'One Northwind point per dollar.' } });
    expect(edited.status).toBe(200);
    const status = await eventually(async () => {
      const training = (await api(stack.url, 'GET', '/api/admin/kb/status', adminCookie)).body.training;
      return training.state !== 'queued' && training.state !== 'running' && training;
    }, 30_000, 'the training status to end');
    expect(status).toMatchObject({ state: 'done', details: { version: classified.modelVersion, unchanged: true } });
  }, 90_000);

  it('keeps the name of an intent the bot knows by name (a rename would silently end what it does); others may be renamed', async () => {
    const items = (await api(stack.url, 'GET', '/api/admin/intents', adminCookie)).body.items as any[];
    const { id, updatedAt: _u, ...greeting } = items.find((i) => i.name === 'greeting');
    const renamed = await api(stack.url, 'PUT', `/api/admin/intents/${id}`, adminCookie, { ...greeting, name: 'hello' });
    expect(renamed.status).toBe(409);
    expect(renamed.body.error.message).toContain('keeps its name');
    // Its other fields stay editable.
    const edited = await api(stack.url, 'PUT', `/api/admin/intents/${id}`, adminCookie, { ...greeting, description: 'Hellos and his' });
    expect(edited.body.intent).toMatchObject({ name: 'greeting', description: 'Hellos and his' });
    const { id: otherId, updatedAt: _v, ...other } = items.find((i) => i.name === 'payment_methods');
    expect((await api(stack.url, 'PUT', `/api/admin/intents/${otherId}`, adminCookie, { ...other, name: 'ways_to_pay' })).body.intent.name).toBe('ways_to_pay');
    await api(stack.url, 'PUT', `/api/admin/intents/${otherId}`, adminCookie, other);
  });

  it("asks whether an intent's own typed answer helped; the rating reaches the report and a No the unanswered list", async () => {
    // loyalty_points (the test above) has a typed answer and no article.
    const s = await shopper(0);
    const question = 'how do loyalty points work here?';
    const reply = await s.ask(question);
    expect(reply.metadata).toMatchObject({ intent: 'loyalty_points', articles: [], askHelpful: true });

    // Rated as an answer, not an article; an article's rating call and another shopper's rating are refused.
    expect(await call(s.socket, 'feedback:article', { messageId: reply.id, articleId: 1, helpful: false })).toMatchObject({ ok: false, error: { code: 'validation' } });
    const other = await shopper(0);
    expect(await call(other.socket, 'feedback:answer', { messageId: reply.id, helpful: false })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call(s.socket, 'feedback:answer', { messageId: reply.id, helpful: 'no' })).toMatchObject({ ok: false, error: { code: 'validation' } });
    await callOk(s.socket, 'feedback:answer', { messageId: reply.id, helpful: false });

    const stored = await eventually(async () => (await stack.env.sql<{ kind: string; intent: string; helpful: boolean; article_id: number | null }[]>`
      select kind, intent, helpful, article_id from feedback where message_id = ${reply.id}`)[0], 30_000, 'the rating to be stored');
    expect(stored).toEqual({ kind: 'answer', intent: 'loyalty_points', helpful: false, article_id: null });
    const group = await eventually(async () => (await api(stack.url, 'GET', '/api/admin/unanswered', adminCookie)).body.items
      .find((i: any) => i.examples.some((e: any) => e.text === question)), 30_000, 'the unhelpful answer to be collected');
    expect(group.examples).toContainEqual(expect.objectContaining({ text: question, reason: 'unhelpful', answeredWith: 'loyalty_points' }));
    const today = new Date().toISOString().slice(0, 10);
    const report = (await api(stack.url, 'GET', `/api/admin/reports?from=${today}&to=${today}`, adminCookie)).body;
    expect(report.intentAnswerHelpfulness).toContainEqual({ intent: 'loyalty_points', helpful: 0, notHelpful: 1 });

    // A greeting's answer does not ask, so it cannot be rated; unticking the intent's box stops the question.
    const hello = await s.ask('hello there');
    expect(hello.metadata).toMatchObject({ intent: 'greeting' });
    expect((hello.metadata as Record<string, unknown>).askHelpful).toBeUndefined();
    expect(await call(s.socket, 'feedback:answer', { messageId: hello.id, helpful: true })).toMatchObject({ ok: false, error: { code: 'validation' } });
    const intent = (await api(stack.url, 'GET', '/api/admin/intents', adminCookie)).body.items.find((i: any) => i.name === 'loyalty_points');
    expect(intent.askHelpful).toBe(true);
    const { id, updatedAt: _u, ...body } = intent;
    expect((await api(stack.url, 'PUT', `/api/admin/intents/${id}`, adminCookie, { ...body, askHelpful: false })).body.intent.askHelpful).toBe(false);
    const onSecond = await shopper(1);
    const unasked = await eventually(async () => {
      const again = await onSecond.ask('how do loyalty points work?');
      return (again.metadata as Record<string, unknown>).askHelpful === undefined && again;
    }, 30_000, 'both servers to stop asking');
    expect(unasked.metadata).toMatchObject({ intent: 'loyalty_points', articles: [] });
  }, 90_000);

  it('after publishing an article on server 1, server 2 retrieves its text', async () => {
    const created = await api(stack.url, 'POST', '/api/admin/articles', adminCookie, {
      slug: 'zebracorn-care', locale: 'en', title: 'Caring for your zebracorn plush', category: 'care',
      body: '## Washing\n\nHand-wash the zebracorn plush in cold water and dry it flat.',
    });
    expect(created.status).toBe(201);
    expect(created.body.article.status).toBe('draft');
    const search = () => api(stack.servers[1].url, 'POST', '/api/admin/kb/search', adminCookie, { query: 'wash zebracorn plush' });
    expect((await search()).body.items.some((p: any) => p.slug === 'zebracorn-care')).toBe(false);

    const published = await api(stack.url, 'POST', `/api/admin/articles/${created.body.article.id}/publish`, adminCookie);
    expect(published.body.article.status).toBe('published');
    await eventually(async () => (await search()).body.items[0]?.slug === 'zebracorn-care', 30_000, 'server 2 to index the published article');

    // Edit, then restore version 1's text: history grows, the old text is live again.
    const id = created.body.article.id;
    await api(stack.url, 'PUT', `/api/admin/articles/${id}`, adminCookie, { body: '## Washing\n\nMachine-wash the zebracorn plush at 30 degrees.' });
    await eventually(async () => (await search()).body.items[0]?.snippet.includes('30 degrees'), 30_000, 'edited text');
    const restored = await api(stack.url, 'POST', `/api/admin/articles/${id}/versions/1/restore`, adminCookie);
    expect(restored.body.article.body).toContain('Hand-wash');
    const versions = await api(stack.url, 'GET', `/api/admin/articles/${id}/versions`, adminCookie);
    expect(versions.body.items.map((v: any) => v.version)).toEqual([4, 3, 2, 1]);
    await eventually(async () => (await search()).body.items[0]?.snippet.includes('Hand-wash'), 30_000, 'restored text');
  }, 90_000);
});

/**
 * The demo agent's console, online: a request for a person is then a hand-off to them (with nobody online the bot
 * says so and the chat stays with it, which is no hand-off the learning loop could learn from). It connects as the
 * console does, so an earlier test's console closing late (its disconnect marking the agent offline after this one
 * set Online) gives the agent's chosen presence back at once.
 */
async function onlineAgent() {
  const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
  const agent = await connectAgent(stack.url, token, { restorePresence: true });
  await callOk(agent, 'presence:set', { presence: 'online' });
  return agent;
}

/** The demo agent takes a queued chat — unless routing, with them online, already gave it to them. */
async function takeChat(agent: Awaited<ReturnType<typeof connectAgent>>, conversationId: number): Promise<void> {
  const accepted = await call(agent, 'conversation:accept', { conversationId });
  if (accepted.ok) return;
  const [row] = await stack.env.sql<{ email: string | null }[]>`
    select u.email from conversations c left join users u on u.id = c.assignee_id where c.id = ${conversationId}`;
  expect(row.email, 'assigned to the agent by routing').toBe(stack.agent.email);
}

describe('learning loop', () => {
  // One console for these tests: closing one and opening the next would race its going offline against the new one's
  // presence, and a request for a person with nobody online is no hand-off.
  let agent: Awaited<ReturnType<typeof onlineAgent>>;
  beforeAll(async () => {
    agent = await onlineAgent();
  });
  afterAll(() => agent?.close());

  it('does not pair a question the bot answered with an agent reply to something else; one the shopper found unhelpful stays', async () => {
    const takeAndResolve = async (conversationId: number, text: string) => {
      await takeChat(agent, conversationId);
      await callOk(agent, 'message:send', { conversationId, clientId: `lr-${conversationId}`, text });
      await callOk(agent, 'conversation:resolve', { conversationId });
    };
    const moved = await shopper(0);
    const unhelped = await shopper(0);
    // Answered, then the shopper asked for a person without a word about why (as with a photo): nothing to learn.
    expect((await moved.ask('How long does a refund take to reach my card?')).metadata).toMatchObject({ decision: 'answer' });
    await callOk(moved.socket, 'handoff:request', { conversationId: moved.conversationId });
    await takeAndResolve(moved.conversationId, 'Thanks for the photo, I have sent you a replacement strap today.');
    // Answered, and the shopper's next words asked for a person: the answer did not help, so its question is the one.
    expect((await unhelped.ask('How long does a refund take to reach my card?')).metadata).toMatchObject({ decision: 'answer' });
    await unhelped.ask('talk to a human please');
    await takeAndResolve(unhelped.conversationId, 'Your refund was sent on Monday; it shows on your card within five working days.');
    const items = (await api(stack.url, 'GET', '/api/admin/unanswered/candidates', adminCookie)).body.items as { conversationId: number; question: string; answer: string }[];
    expect(items.find((c) => c.conversationId === moved.conversationId)).toBeUndefined();
    expect(items.find((c) => c.conversationId === unhelped.conversationId)).toMatchObject({
      question: 'How long does a refund take to reach my card?', answer: expect.stringContaining('sent on Monday'),
    });
  });
  it("offers an agent's reply that resolved a handed-off chat as a candidate, and turns a miss into an intent example", async () => {
    const s = await shopper(0);
    await s.ask('Do you offer gift wrapping with a handwritten card?');
    const missed = await eventually(async () => (await api(stack.url, 'GET', '/api/admin/unanswered', adminCookie)).body.items.find((i: any) => /gift wrapping/.test(i.text)), 10_000, 'the miss to be recorded');
    await s.ask('talk to a human please');
    await takeChat(agent, s.conversationId);
    await callOk(agent, 'message:send', { conversationId: s.conversationId, clientId: 'a1', text: 'Yes! Tick "gift wrap" at checkout and type your card message; it costs $4.' });
    await callOk(agent, 'conversation:resolve', { conversationId: s.conversationId });
    const candidates = await api(stack.url, 'GET', '/api/admin/unanswered/candidates', adminCookie);
    const candidate = candidates.body.items.find((c: any) => c.conversationId === s.conversationId);
    expect(candidate).toMatchObject({ question: 'Do you offer gift wrapping with a handwritten card?', locale: 'en' });
    expect(candidate.answer).toContain('gift wrap');

    // An article draft quotes the question and the agent's answer; the chat then leaves the list.
    const drafted = await api(stack.url, 'POST', `/api/admin/unanswered/candidates/${s.conversationId}/create-article`, adminCookie, {});
    expect(drafted.status).toBe(201);
    expect(drafted.body.article).toMatchObject({ status: 'draft', locale: 'en', slug: 'do-you-offer-gift-wrapping-with-a-handwritten-card' });
    expect(drafted.body.article.body).toContain('Do you offer gift wrapping with a handwritten card?');
    expect(drafted.body.article.body).toContain('Tick "gift wrap" at checkout');
    expect((await api(stack.url, 'POST', `/api/admin/unanswered/candidates/${s.conversationId}/create-article`, adminCookie, {})).status).toBe(404);

    // Once used (or dismissed) it leaves the list; only a resolved hand-off can be marked.
    const mark = (conversationId: number, action: string) => api(stack.url, 'POST', `/api/admin/unanswered/candidates/${conversationId}/handled`, adminCookie, { action });
    expect((await mark(s.conversationId, 'maybe')).status).toBe(400);
    expect((await mark(999_999, 'dismissed')).status).toBe(404);
    expect((await mark(s.conversationId, 'article')).status).toBe(200);
    const after = await api(stack.url, 'GET', '/api/admin/unanswered/candidates', adminCookie);
    expect(after.body.items.some((c: any) => c.conversationId === s.conversationId)).toBe(false);

    // The draft answers the unanswered group of the same question too: it is handled as a draft from the group is.
    const handled = (await api(stack.url, 'GET', '/api/admin/unanswered?status=handled', adminCookie)).body.items.find((i: any) => i.id === missed.id);
    expect(handled?.resolution).toMatchObject({ kind: 'article', articleId: drafted.body.article.id });

    const groupId = await unansweredRepository(stack.env.sql).record('Can my parcel come wrapped in brown paper with a ribbon?', null, { reason: 'no_match' });
    const group = (await api(stack.url, 'GET', '/api/admin/unanswered', adminCookie)).body.items.find((i: any) => i.id === groupId);
    const intents = (await api(stack.url, 'GET', '/api/admin/intents', adminCookie)).body.items;
    const promo = intents.find((i: any) => i.name === 'promo_code');
    const added = await api(stack.url, 'POST', `/api/admin/unanswered/${group.id}/add-example`, adminCookie, { intentId: promo.id });
    expect(added.status).toBe(200);
    expect(added.body.intent.examples.en).toContain(group.text);
    expect(added.body.item).toMatchObject({ status: 'handled', resolution: { kind: 'example', intent: 'promo_code' } });
    const open = (await api(stack.url, 'GET', '/api/admin/unanswered', adminCookie)).body.items;
    expect(open.some((i: any) => i.id === group.id)).toBe(false);
  });

  it('collects an answer rated not helpful (once); "not for the bot" makes it out of scope after the retrain', async () => {
    const question = 'Do you ship to Mars?';
    const classify = async () => (await api(stack.url, 'POST', '/api/admin/nlu/classify', adminCookie, { text: question })).body;
    expect(await classify()).toMatchObject({ intent: 'shipping_time', outOfScope: false });

    // A confident answer is no miss, so only the shopper's rating can bring it to an admin.
    const s = await shopper(0);
    const reply = await s.ask(question);
    const meta = reply.metadata as Record<string, any>;
    expect(meta.decision).toBe('answer');
    const article = meta.articles[0];
    const rate = () => callOk(s.socket, 'feedback:article', { messageId: reply.id, articleId: article.id, helpful: false });
    await rate();
    const unanswered = async () => (await api(stack.url, 'GET', '/api/admin/unanswered', adminCookie)).body.items.find((i: any) => i.text === question);
    // The feedback worker shares this process with the training job the previous test's new example queued:
    // training holds the event loop for several seconds on a slow machine (it did past 10 s in CI), so the
    // rating is collected when it is done.
    const group = await eventually(unanswered, 30_000, 'the unhelpful answer to be collected');
    expect(group.count).toBe(1);
    expect(group.examples).toEqual([expect.objectContaining({ text: question, reason: 'unhelpful', answeredWith: article.title, conversationId: s.conversationId })]);

    // Rating it again — and changing one's mind and back (no → yes → no) — is stored (newer time) but is not a
    // second unhelpful answer.
    const storedAt = async () => (await stack.env.sql<{ created_at: Date }[]>`select created_at from feedback where message_id = ${reply.id}`)[0].created_at.getTime();
    for (const helpful of [false, true, false]) {
      const before = await storedAt();
      await new Promise((r) => setTimeout(r, 5));
      await callOk(s.socket, 'feedback:article', { messageId: reply.id, articleId: article.id, helpful });
      await eventually(async () => (await storedAt()) > before, 30_000, 'the new rating to be stored');
    }
    expect((await stack.env.sql`select helpful from feedback where message_id = ${reply.id}`)[0].helpful).toBe(false);
    expect((await unanswered()).count).toBe(1);

    // A tapped quick reply rated "No" is not a question to learn from.
    const chip = await s.ask('Shipping costs', 'article:shipping-costs');
    expect((chip.metadata as Record<string, any>).articles[0].slug).toBe('shipping-costs');
    await callOk(s.socket, 'feedback:article', { messageId: chip.id, articleId: (chip.metadata as Record<string, any>).articles[0].id, helpful: false });
    await eventually(async () => (await stack.env.sql`select 1 from feedback where message_id = ${chip.id} and helpful = false`).length === 1, 30_000, 'the chip rating');
    expect(await stack.env.sql`select 1 from unanswered_questions where text = 'Shipping costs'`).toHaveLength(0);

    expect((await api(stack.url, 'POST', '/api/admin/unanswered/999999/out-of-scope', adminCookie, {})).status).toBe(404);
    const marked = await api(stack.url, 'POST', `/api/admin/unanswered/${group.id}/out-of-scope`, adminCookie, {});
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ added: 1, item: { status: 'handled', resolution: { kind: 'out_of_scope', added: 1 } } });
    expect((await api(stack.url, 'GET', '/api/admin/nlu/out-of-scope', adminCookie)).body.examples).toContain(question);
    expect(await unanswered()).toBeUndefined();
    await eventually(async () => (await classify()).outOfScope === true, 60_000, 'the retrained model to reject the question');

    // Asked again, worded otherwise, after the retrain: the bot does not know it, and the miss counts into the group the
    // admin settled (it stays handled) instead of starting a new row on the unanswered page.
    const later = await shopper(0);
    expect((await later.ask('can you ship to mars')).metadata).toMatchObject({ decision: 'fallback' });
    const settled = await eventually(async () => {
      const [row] = await stack.env.sql<{ status: string; count: number; examples: { text: string }[] }[]>`
        select status, count, examples from unanswered_questions where id = ${group.id}`;
      return row.count === 2 ? row : undefined;
    }, 10_000, 'the miss to count into the handled group');
    expect(settled).toMatchObject({ status: 'handled', examples: [expect.objectContaining({ text: 'can you ship to mars' }), expect.anything()] });
    expect((await api(stack.url, 'GET', '/api/admin/unanswered', adminCookie)).body.items.some((i: any) => /mars/i.test(i.text))).toBe(false);
  }, 150_000);
});

describe('agent assist', () => {
  it("suggests KB passages and a reply for the shopper's last message", async () => {
    const s = await shopper(0);
    await s.ask('Can I send back a sweater I already washed?');
    const r = await api(stack.url, 'POST', '/api/assist/suggest', agentCookie, { conversationId: s.conversationId });
    expect(r.status).toBe(200);
    expect(r.body.message.text).toContain('sweater');
    expect(r.body.passages.length).toBeGreaterThan(0);
    expect(r.body.passages.map((p: any) => p.slug)).toContain('return-policy');
    expect(r.body.suggestedReply).toEqual(expect.any(String));
    expect((await api(stack.url, 'POST', '/api/assist/suggest', null, { conversationId: s.conversationId })).status).toBe(401);

    // Asking for a person afterwards does not replace the question the agent should answer.
    await s.ask('I want to talk to a person please');
    const after = await api(stack.url, 'POST', '/api/assist/suggest', agentCookie, { conversationId: s.conversationId });
    expect(after.body.message.text).toContain('sweater');
    expect(after.body.passages.map((p: any) => p.slug)).toContain('return-policy');
  });

  it('searches what a request for a person is about, and nothing for a bare request', async () => {
    const about = await shopper(0);
    await about.ask('I want to talk to a person about my refund');
    const r = await api(stack.url, 'POST', '/api/assist/suggest', agentCookie, { conversationId: about.conversationId });
    expect(r.body.message.text).toBe('I want to talk to a person about my refund');
    // "person" alone had found the account-deletion article's "personal data"; the refund is what the agent needs.
    expect(r.body.intent).toMatchObject({ name: 'refund_status' });
    expect(r.body.suggestedReply).toMatch(/refund/i);
    expect(r.body.passages.map((p: any) => p.slug)).not.toContain('delete-account-privacy');

    // The bot's "sign in and ask again" is for the shopper: an agent, who can look the order up, is not offered it.
    const signedOut = await shopper(0);
    await signedOut.ask('Can I speak to a human please, I need a refund for order NW-100234');
    const forAgent = await api(stack.url, 'POST', '/api/assist/suggest', agentCookie, { conversationId: signedOut.conversationId });
    expect(forAgent.body.message.text).toContain('NW-100234');
    expect(forAgent.body.suggestedReply).toMatch(/refund/i); // the answer stays
    expect(forAgent.body.suggestedReply).not.toMatch(/protect your privacy|only look up orders/i);

    const bare = await shopper(0);
    await bare.ask('talk to a human please');
    const none = await api(stack.url, 'POST', '/api/assist/suggest', agentCookie, { conversationId: bare.conversationId });
    expect(none.body).toMatchObject({ passages: [], suggestedReply: null, source: 'none', message: { text: 'talk to a human please' } });
  });
});
