// Traditional Chinese, Taiwan wording, Cantonese and full-width order numbers through the server's routes (a review by
// a Chinese-speaking shop, 2026-12-06): the help centre's search, the admin's intent test box and KB search, agent
// assist and the signed-in shopper's order status all read the text as the bot does (text/normalize.ts), because the
// normalisation is in the shared text layer rather than in the bot's reply logic alone. Set up as server.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../../support/server.ts';
import { callOk, connectWidget, nextEvent, type WidgetClient } from '../../support/sockets.ts';
import { identityHash } from '../../../server/services/visitor-tokens.ts';
import { knowledgeBaseExtension } from '../../../knowledge-base/server-extension.ts';
import type { ChatMessage } from '../../../server/realtime/event-maps.ts';
import { inShoppersScript } from '../../../server/services/chinese-script.ts';

const IDENTITY_SECRET = 'kb-traditional-identity-secret';
let stack: TestStack;
let adminCookie: string;
let agentCookie: string;
const sockets: WidgetClient[] = [];

async function api(method: string, path: string, cookie: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

async function ask(text: string, userId?: string, locale?: string): Promise<ChatMessage & { conversationId: number }> {
  const session = await widgetSession(stack.url, { ...(userId ? { userId, hash: identityHash(IDENTITY_SECRET, userId) } : {}), ...(locale ? { locale } : {}) });
  const socket = await connectWidget(stack.url, session.visitorToken);
  sockets.push(socket);
  const reply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot', 20_000);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: 'c1', text });
  return { ...(await reply), conversationId: sent.conversationId };
}

/** The article slugs the help centre's search page lists, in order. */
async function helpResults(query: string): Promise<string[]> {
  const page = await (await fetch(`${stack.url}/help?q=${encodeURIComponent(query)}`)).text();
  return [...page.matchAll(/<div class="result">\s*<a href="\/help\/([a-z0-9-]+)\?locale=/g)].map((m) => m[1]);
}

beforeAll(async () => {
  stack = await startStack({
    servers: 1,
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

describe('traditional Chinese on the server', () => {
  it('help centre: /help?q=退貨 lists what /help?q=退货 lists, the returns articles among them', async () => {
    const traditional = await helpResults('退貨');
    expect(traditional).toContain('start-a-return');
    expect(traditional).toEqual(await helpResults('退货'));
  });

  it('admin: the intent test box and KB search read a traditional question as its simplified form', async () => {
    const [t, s] = [
      await api('POST', '/api/admin/nlu/classify', adminCookie, { text: '退貨要運費嗎' }),
      await api('POST', '/api/admin/nlu/classify', adminCookie, { text: '退货要运费吗' }),
    ];
    expect(t.body).toMatchObject({ intent: s.body.intent, outOfScope: false });
    const [kt, ks] = [
      await api('POST', '/api/admin/kb/search', adminCookie, { query: '退貨' }),
      await api('POST', '/api/admin/kb/search', adminCookie, { query: '退货' }),
    ];
    expect(kt.body.items.length).toBeGreaterThan(0);
    expect(kt.body.items.map((p: { slug: string }) => p.slug)).toEqual(ks.body.items.map((p: { slug: string }) => p.slug));
  });

  it('agent assist: a Cantonese question gets the returns article', async () => {
    const reply = await ask('我想退貨，點樣做？');
    expect((reply.metadata as Record<string, any>).articles?.[0]?.slug).toBe('start-a-return');
    const assist = await api('POST', '/api/assist/suggest', agentCookie, { conversationId: reply.conversationId });
    expect(assist.status).toBe(200);
    expect(assist.body.message.text).toBe('我想退貨，點樣做？'); // shown as written
    expect(assist.body.passages[0].slug).toBe('start-a-return');
    expect(assist.body.suggestedReply).toContain('查看全文：');
  });

  it('order status: a full-width order number gets the signed-in owner the status', async () => {
    const reply = await ask('订单ＮＷ－１００２３４到哪了？', 'demo-user-1');
    expect((reply.metadata as Record<string, any>).reason).toBe('order_status');
    expect(reply.text).toContain('订单 NW-100234：已发货');
  });

  it("answers a Taiwan or Hong Kong shopper in their script, from the same Simplified article; stored as said", async () => {
    const question = '忘記密碼怎麼辦';
    const simplified = await ask(question, undefined, 'zh-CN');
    const meta = (m: ChatMessage) => m.metadata as Record<string, any>;
    expect(meta(simplified).articles[0].slug).toBe('account-password-reset');
    expect(simplified.text).toContain('密码'); // the content as written
    for (const locale of ['zh-TW', 'zh-HK']) {
      const reply = await ask(question, undefined, locale);
      expect(meta(reply).articles.map((a: { slug: string }) => a.slug)).toEqual(meta(simplified).articles.map((a: { slug: string }) => a.slug));
      // The same answer, converted; its help-centre link asks for the page in the shopper's variant.
      expect(reply.text).toBe((await inShoppersScript(simplified.text, locale)).replace('?locale=zh', `?locale=${locale}`));
      expect(reply.text).toContain('密碼');
      expect(reply.text).not.toContain('密码');
      expect(meta(reply).articles[0].title).toBe(await inShoppersScript(meta(simplified).articles[0].title, locale));
      // What the console and the transcript show is what the shopper read.
      const [stored] = await stack.env.sql<{ body: string }[]>`select body from messages where id = ${reply.id}`;
      expect(stored.body).toBe(reply.text);
    }
    // Taiwan's words: the article says 发送 (send); Taiwan reads 傳送.
    expect(simplified.text).toContain('发送');
    expect((await ask(question, undefined, 'zh-TW')).text).toContain('傳送');
  });

  it('help centre: a reader in Taiwan or Hong Kong gets the Chinese article in Traditional; others as written', async () => {
    const page = async (query: string, acceptLanguage?: string) => (await fetch(`${stack.url}/help/account-password-reset${query}`,
      { headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {} })).text();
    const simplified = await page('?locale=zh');
    expect(simplified).toContain('<html lang="zh-CN"');
    expect(simplified).toContain('密码');
    const byLink = await page('?locale=zh-TW'); // the bot's link for a Taiwan shopper
    const byBrowser = await page('?locale=zh', 'zh-TW,zh;q=0.9,en;q=0.8');
    expect(byLink).toContain('<html lang="zh-TW"');
    expect(byLink).toContain('密碼');
    expect(byLink).not.toContain('密码');
    expect(byBrowser).toBe(byLink);
    const hongKong = await page('', 'zh-HK');
    expect(hongKong).toContain('<html lang="zh-HK"');
    // The same page converted, its links to Chinese pages asking for zh-HK (the next page stays in Traditional).
    expect(hongKong).toBe(await inShoppersScript(simplified, 'zh-HK').then((html) => html.replace('<html lang="zh-CN"', '<html lang="zh-HK"').replace(/\?locale=zh"/g, '?locale=zh-HK"')));
    // English readers are untouched; an unknown locale is a page, not an error (the JSON API refuses it).
    expect(await page('?locale=en', 'zh-TW')).not.toMatch(/[\u4e00-\u9fff]{4}/);
    const json = await (await fetch(`${stack.url}/api/help/articles/account-password-reset?locale=zh-TW`)).json() as { locale: string; title: string; body: string };
    const simplifiedJson = await (await fetch(`${stack.url}/api/help/articles/account-password-reset?locale=zh`)).json() as { title: string; body: string };
    expect(json.locale).toBe('zh');
    expect(json.body).toBe(await inShoppersScript(simplifiedJson.body, 'zh-TW')); // the JSON twin in the asked variant too
    expect(json.title).toContain('密碼');
    // A Chinese tag of no Traditional region is Simplified Chinese; a tag of neither language leaves it to the browser.
    const otherChinese = await fetch(`${stack.url}/help/account-password-reset?locale=zh-XX`);
    expect(otherChinese.status).toBe(200);
    expect(await otherChinese.text()).toBe(simplified);
    expect(await page('?locale=xx', 'zh-HK')).toBe(hongKong);
    expect((await fetch(`${stack.url}/api/help/articles/account-password-reset?locale=zh-XX`)).status).toBe(400);
  });

  it('help centre in zh-TW: the search box is worded in Traditional and every link keeps zh-TW, so the next page is Traditional too', async () => {
    const index = await (await fetch(`${stack.url}/help?locale=zh-TW`)).text();
    const searchHint = await inShoppersScript('搜索帮助中心', 'zh-TW');
    expect(searchHint).not.toBe('搜索帮助中心');
    expect(index).toContain(`aria-label="${searchHint}" placeholder="${searchHint}"`);
    expect(index).not.toContain('搜索帮助中心');
    expect(index).toContain('<input type="hidden" name="locale" value="zh-TW">');
    const articleLinks = [...index.matchAll(/<a href="\/help\/[a-z0-9-]+\?locale=([\w-]+)"/g)].map((m) => m[1]);
    expect(articleLinks.length).toBeGreaterThan(3);
    expect(new Set(articleLinks)).toEqual(new Set(['zh-TW']));
    // A search from that box (the hidden field) keeps the variant in its results' links.
    const results = await (await fetch(`${stack.url}/help?locale=zh-TW&q=${encodeURIComponent('退貨')}`)).text();
    expect(results).toContain('<html lang="zh-TW"');
    expect(results).toMatch(/<div class="result">\s*<a href="\/help\/[a-z0-9-]+\?locale=zh-TW"/);
    // An article: the back link and the category's other articles ask for zh-TW; the English one stays English.
    const article = await (await fetch(`${stack.url}/help/account-password-reset?locale=zh-TW`)).text();
    expect(article).toContain('<a href="/help?locale=zh-TW">');
    expect(article).not.toMatch(/\?locale=zh"/);
    expect(article).toContain('href="/help/account-password-reset?locale=en"');
    // Hong Kong's reader by their browser alone keeps zh-HK; an English page read from Taiwan offers zh-TW as its Chinese.
    expect(await (await fetch(`${stack.url}/help`, { headers: { 'accept-language': 'zh-HK' } })).text()).toContain('<input type="hidden" name="locale" value="zh-HK">');
    const english = await (await fetch(`${stack.url}/help/account-password-reset?locale=en`, { headers: { 'accept-language': 'zh-TW' } })).text();
    expect(english).toContain('href="/help/account-password-reset?locale=zh" hreflang="zh-CN"');
  });

  it("the bot's article link for a Taiwan shopper opens the Traditional page", async () => {
    const reply = await ask('忘記密碼怎麼辦', undefined, 'zh-TW');
    const url = ((reply.metadata as Record<string, any>).articles[0].url as string);
    expect(url).toMatch(/\/help\/account-password-reset\?locale=zh-TW$/);
    expect(reply.text).toContain(url);
  });
});
