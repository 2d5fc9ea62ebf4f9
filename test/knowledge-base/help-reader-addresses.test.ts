// The public help centre for readers who edit addresses or whose browser prefers a third language, on a real server
// (Postgres, Redis, the knowledge-base routes): any language tag in ?locale= (zh-CN, which the page itself says in
// <html lang>, en-US, fr) and any slug get an HTML page, never the API's JSON 400; a slug typed in capitals goes to
// the article's one address; and the page's language is the browser's most wanted of the two (by q), not only its
// first tag. The JSON API stays strict.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import { acceptedLanguages } from '../../knowledge-base/help-routes.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ server: { extensions: [knowledgeBaseExtension()] } });
  const admin = await login(stack.url, stack.admin.email, stack.admin.password);
  for (const [locale, title, body] of [['en', 'Refund timing', 'Refunds reach your card in five days.'], ['zh', '退款时间', '退款五天内到账。']] as const) {
    const created = await httpAs(stack.url, 'POST', '/api/admin/articles', admin, { slug: 'refund-timing', locale, title, body, category: 'refunds', status: 'published' });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

async function page(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.url}${path}`, { headers, redirect: 'manual' });
  const html = await response.text();
  return {
    status: response.status, type: response.headers.get('content-type') ?? '', location: response.headers.get('location'), html,
    lang: /<html lang="([^"]*)"/.exec(html)?.[1], title: /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '',
  };
}

describe('help centre addresses readers type', () => {
  it('takes any language tag in ?locale=: zh-CN and en-US as their language, a third language as none (the browser decides)', async () => {
    for (const [path, lang] of [
      ['/help?locale=zh-CN', 'zh-CN'], ['/help?locale=en-US', 'en'], ['/help?locale=fr', 'en'],
      ['/help/refund-timing?locale=zh-CN', 'zh-CN'], ['/help/refund-timing?locale=en-US', 'en'], ['/help/refund-timing?locale=fr', 'en'],
      ['/help/refund-timing?locale=zh-TW', 'zh-TW'], ['/help/refund-timing?locale=zh_HK', 'zh-HK'],
    ] as const) {
      const shown = await page(path);
      expect(shown.status, path).toBe(200);
      expect(shown.type, path).toContain('text/html');
      expect(shown.lang, path).toBe(lang);
    }
    expect((await page('/help/refund-timing?locale=zh-CN')).title).toContain('退款时间');
    // An unknown tag is no answer: the browser's languages choose, as without ?locale=.
    const french = await page('/help/refund-timing?locale=fr', { 'accept-language': 'zh-TW,zh;q=0.9' });
    expect(french.lang).toBe('zh-TW');
    expect(french.title).toContain('退款時間');
  });

  it('sends a slug typed in capitals to the lower-case address; any other unknown slug gets the "not found" page', async () => {
    const capitals = await page('/help/Refund-Timing?locale=zh');
    expect(capitals.status).toBe(301);
    expect(capitals.location).toBe('/help/refund-timing?locale=zh');
    expect((await page('/help/REFUND-TIMING')).location).toBe('/help/refund-timing');
    for (const path of ['/help/refund_timing', '/help/No-Such-Article', '/help/-refund', '/help/%E9%80%80%E6%AC%BE']) {
      const shown = await page(path);
      expect(shown.status, path).toBe(404);
      expect(shown.type, path).toContain('text/html');
      expect(shown.title, path).toContain('Article not found');
    }
  });

  it('the JSON API still refuses what is no slug or locale of its own', async () => {
    expect((await fetch(`${stack.url}/api/help/articles/refund-timing?locale=zh`)).status).toBe(200);
    expect((await fetch(`${stack.url}/api/help/articles/Refund-Timing`)).status).toBe(400);
    expect((await fetch(`${stack.url}/api/help/articles/refund-timing?locale=fr`)).status).toBe(400);
  });
});

describe('the browser\'s language preferences', () => {
  it('lists the tags by q, ties in the order written, leaving out q=0', () => {
    expect(acceptedLanguages('fr-FR, zh;q=0.8, en;q=0.5')).toEqual(['fr-FR', 'zh', 'en']);
    expect(acceptedLanguages('en;q=0.4, zh-TW;q=0.9, de')).toEqual(['de', 'zh-TW', 'en']);
    expect(acceptedLanguages('zh;q=0, en')).toEqual(['en']);
    expect(acceptedLanguages(undefined)).toEqual([]);
    expect(acceptedLanguages(' , ;q=1')).toEqual([]);
  });

  it('shows the help centre in the most wanted of English and Chinese, not only when Chinese comes first', async () => {
    for (const [header, lang] of [
      ['fr-FR, zh;q=0.8, en;q=0.5', 'zh-CN'], ['de, zh-TW;q=0.7, en;q=0.6', 'zh-TW'], ['fr-FR, en;q=0.8, zh;q=0.5', 'en'],
      ['en-GB, zh-CN;q=0.5', 'en'], ['zh;q=0.3, en;q=0.9', 'en'], ['fr, de', 'en'],
    ] as const) {
      expect((await page('/help', { 'accept-language': header })).lang, header).toBe(lang);
      expect((await page('/help/refund-timing', { 'accept-language': header })).lang, header).toBe(lang);
    }
  });
});
