// What a shop owner saw on the first day, on a real server (Postgres, Redis, the knowledge-base routes):
// - a category typed as the console shows it ("Orders", "Contact us", "订单") or in another case is the existing
//   category it names, not a second one beside it (the help centre showed two "Orders" headings);
// - an article's page links to its other language only when that translation (same slug) is published.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';

let stack: TestStack;
let admin: { cookie: string };
beforeAll(async () => {
  stack = await startStack({ server: { extensions: [knowledgeBaseExtension()] } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

interface Created { id: number; category: string; version: number }
async function create(slug: string, locale: 'en' | 'zh', category: string | undefined, status: 'draft' | 'published' = 'published'): Promise<Created> {
  const response = await httpAs(stack.url, 'POST', '/api/admin/articles', admin, { slug, locale, title: `About ${slug} (${locale})`, body: `All about ${slug}.`, status, ...(category === undefined ? {} : { category }) });
  expect(response.status, JSON.stringify(response.json)).toBe(201);
  return response.json.article;
}
const page = async (path: string) => {
  const response = await fetch(`${stack.url}${path}`);
  return { status: response.status, html: await response.text() };
};

describe('article categories as the console shows them', () => {
  it('stores a category typed by its display name or in another case under the existing key', async () => {
    await create('track-parcel', 'en', 'orders');
    await create('contact-hours', 'en', 'support');
    expect((await create('cancel-order', 'en', 'Orders')).category).toBe('orders');
    expect((await create('change-address', 'en', ' ORDERS ')).category).toBe('orders');
    expect((await create('call-us', 'en', 'Contact us')).category).toBe('support');
    expect((await create('cancel-order', 'zh', '订单')).category).toBe('orders');
    // A built-in category nobody uses yet is still known by its shown name; anything else is a new category.
    expect((await create('swap-size', 'en', 'returns and exchanges')).category).toBe('returns');
    expect((await create('gift-wrap', 'en', 'Gift wrapping')).category).toBe('Gift wrapping');
    expect((await create('gift-card', 'en', 'gift WRAPPING')).category).toBe('Gift wrapping');

    // A save that changes the category maps it the same way; a blank one is refused.
    const draft = await create('late-parcel', 'en', 'general', 'draft');
    const saved = await httpAs(stack.url, 'PUT', `/api/admin/articles/${draft.id}`, admin, { category: 'Orders', baseVersion: draft.version });
    expect(saved.status).toBe(200);
    expect(saved.json.article.category).toBe('orders');
    const blank = await httpAs(stack.url, 'PUT', `/api/admin/articles/${draft.id}`, admin, { category: '   ', baseVersion: saved.json.article.version });
    expect(blank.status).toBe(400);

    // An import file naming a category as shown lands there too.
    const imported = await httpAs(stack.url, 'POST', '/api/admin/articles/import', admin, { articles: [{ slug: 'lost-parcel', locale: 'en', title: 'Lost parcel', body: 'Tell us.', category: 'Orders' }] });
    expect(imported.status, JSON.stringify(imported.json)).toBe(200);
    const [row] = await stack.env.sql<{ category: string }[]>`select category from articles where slug = 'lost-parcel'`;
    expect(row.category).toBe('orders');

    // Traditional Chinese names are the categories they name ("訂單" was a new category beside `orders`).
    expect((await create('cancel-order-tw', 'zh', '訂單')).category).toBe('orders');
    expect((await create('call-us-tw', 'zh', '聯繫我們')).category).toBe('support');
    // One file naming a new category in two spellings makes one category, as spelt first.
    const spelt = await httpAs(stack.url, 'POST', '/api/admin/articles/import', admin, { articles: [
      { slug: 'faq-one', locale: 'en', title: 'One', body: 'One.', category: 'FAQ', status: 'draft' },
      { slug: 'faq-two', locale: 'en', title: 'Two', body: 'Two.', category: 'faq', status: 'draft' },
    ] });
    expect(spelt.status, JSON.stringify(spelt.json)).toBe(200);
    const faqs = await stack.env.sql<{ category: string }[]>`select distinct category from articles where slug in ('faq-one', 'faq-two')`;
    expect(faqs.map((r) => r.category)).toEqual(['FAQ']);
    // A blank category in a file names the article it is in; nothing is imported.
    const blankRow = await httpAs(stack.url, 'POST', '/api/admin/articles/import', admin, { articles: [
      { slug: 'fine-one', locale: 'en', title: 'Fine', body: 'Fine.', category: 'orders' },
      { slug: 'blank-one', locale: 'zh', title: 'Blank', body: 'Blank.', category: '  ' },
    ] });
    expect(blankRow.status).toBe(400);
    expect(blankRow.json.error.message).toBe('Article 2 (blank-one, zh): the category is blank: name one (or leave it out for "general"); nothing was imported.');
    expect(blankRow.json.error).toMatchObject({ reason: 'import_category_blank', params: { row: '2', item: 'blank-one, zh' } });
    expect(await stack.env.sql`select 1 from articles where slug = 'fine-one'`).toHaveLength(0);

    const list = await httpAs(stack.url, 'GET', '/api/admin/articles', admin);
    expect(list.json.categories).toEqual(['FAQ', 'Gift wrapping', 'orders', 'returns', 'support']);
    // The help centre has one "Orders" heading.
    const index = await page('/help?locale=en');
    expect(index.html.match(/<h2>Orders<\/h2>/g)).toHaveLength(1);
  });
});

describe("an article's other language on the help centre", () => {
  const languageLink = (html: string) => /<nav class="top">.*?<a href="([^"]*)" hreflang/.exec(html)?.[1] ?? null;

  it('is linked only when the translation with the same slug is published', async () => {
    await create('english-only', 'en', 'general');
    const english = await page('/help/english-only?locale=en');
    expect(english.status).toBe(200);
    expect(english.html).toContain('About english-only (en)');
    expect(english.html).not.toContain('中文');
    expect(languageLink(english.html)).toBeNull();

    await create('both-languages', 'en', 'general');
    await create('both-languages', 'zh', 'general');
    expect(languageLink((await page('/help/both-languages?locale=en')).html)).toBe('/help/both-languages?locale=zh');
    const chinese = await page('/help/both-languages?locale=zh');
    expect(chinese.html).toContain('About both-languages (zh)');
    expect(languageLink(chinese.html)).toBe('/help/both-languages?locale=en');

    // A translation still in draft is not one the reader can open.
    await create('zh-draft', 'en', 'general');
    await create('zh-draft', 'zh', 'general', 'draft');
    expect(languageLink((await page('/help/zh-draft?locale=en')).html)).toBeNull();
    // The index pages keep their language link: the other language's help centre always exists.
    expect((await page('/help?locale=en')).html).toContain('hreflang="zh-CN"');
  });
});
