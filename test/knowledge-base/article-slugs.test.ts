// Article slugs on a real stack (Postgres, Redis, the admin routes): a new article's slug is words of lower-case letters
// and digits joined by single dashes (no "a--b", "a-", "-a"), on create, on import and when a slug is changed; an
// article stored with an older, looser slug stays editable, exportable and re-importable, linkable from an intent,
// readable in the help centre and deletable. The console's slug helper only offers slugs of the strict form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import { articlesRepository } from '../../knowledge-base/repositories/articles.ts';
import { NEW_SLUG } from '../../knowledge-base/admin-schemas.ts';
import { slugFromTitle } from '../../console/src/slug.ts';

let stack: TestStack;
let admin: { cookie: string };
beforeAll(async () => {
  stack = await startStack({ server: { extensions: [knowledgeBaseExtension()] } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const api = (method: string, path: string, body?: unknown) => httpAs(stack.url, method, path, admin, body);
const article = (slug: string, locale = 'en') => ({ slug, locale, title: `About ${slug}`, body: `All about ${slug}.` });

describe('new article slugs', () => {
  it('refuses double, leading and trailing dashes on create; takes words joined by single dashes', async () => {
    for (const slug of ['a--b', 'a-', '-a', 'Refund', 'a_b', 'a'.repeat(101)]) {
      const created = await api('POST', '/api/admin/articles', article(slug));
      expect(created.status, slug).toBe(400);
      expect(created.json.error.code, slug).toBe('validation');
    }
    for (const slug of ['a', 'shipping-to-japan', '2026-sale', 'a'.repeat(100)]) {
      expect((await api('POST', '/api/admin/articles', article(slug))).status, slug).toBe(201);
    }
  });

  it('refuses an import row that would create an article with such a slug, writing nothing', async () => {
    const refused = await api('POST', '/api/admin/articles/import', { articles: [article('import-ok'), article('import--bad')] });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain('import--bad');
    expect((await api('GET', '/api/admin/articles?slug=import-ok')).json.total).toBe(0);
  });

  it('refuses changing a slug to such a form', async () => {
    const created = (await api('POST', '/api/admin/articles', article('rename-me'))).json.article;
    expect((await api('PUT', `/api/admin/articles/${created.id}`, { slug: 'renamed--twice' })).status).toBe(400);
    expect((await api('PUT', `/api/admin/articles/${created.id}`, { slug: 'renamed-once' })).json.article.slug).toBe('renamed-once');
  });

  it('the console offers only slugs of that form', () => {
    for (const title of ['Shipping to Japan?', '  -- Returns -- & refunds!! ', 'Café crème', `${'word '.repeat(30)}end`, `${'a'.repeat(99)} b`, '退款', '---']) {
      const slug = slugFromTitle(title);
      if (slug) expect(NEW_SLUG.test(slug), JSON.stringify(slug)).toBe(true);
      expect(slug.length).toBeLessThanOrEqual(100);
    }
  });
});

describe('an article stored with an older, looser slug', () => {
  it('is edited, exported and re-imported, linked by an intent, read in the help centre and deleted', async () => {
    // Stored before the slug rule was tightened (the API accepted it then).
    const stored = await articlesRepository(stack.env.sql).create({ slug: 'gift--cards', locale: 'en', title: 'Gift cards', body: 'They never expire.', category: 'general', status: 'published' }, null);

    // An edit sending its slug unchanged (as a client with the whole form does) is no slug change.
    const edited = await api('PUT', `/api/admin/articles/${stored.id}`, { slug: 'gift--cards', body: 'They expire after five years.', baseVersion: 1 });
    expect(edited.status, JSON.stringify(edited.json)).toBe(200);
    expect(edited.json.article).toMatchObject({ slug: 'gift--cards', version: 2 });

    const exported = (await api('GET', '/api/admin/articles/export')).json;
    expect(exported.articles.map((a: { slug: string }) => a.slug)).toContain('gift--cards');
    const reimported = await api('POST', '/api/admin/articles/import', { ...exported, articles: exported.articles.map((a: { slug: string; body: string }) => (a.slug === 'gift--cards' ? { ...a, body: 'Imported text.' } : a)) });
    expect(reimported.status, JSON.stringify(reimported.json)).toBe(200);
    expect(reimported.json.updated).toBe(1);
    // A new article under it (another language) is a new slug of that form: refused.
    expect((await api('POST', '/api/admin/articles/import', { articles: [article('gift--cards', 'zh')] })).status).toBe(400);

    expect((await api('POST', '/api/admin/intents', { name: 'gift_cards', articleSlug: 'gift--cards', examples: { en: ['do gift cards expire'] } })).status).toBe(201);

    const page = await fetch(`${stack.url}/help/gift--cards?locale=en`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Imported text.');

    expect((await api('DELETE', `/api/admin/articles/${stored.id}?baseVersion=3`)).status).toBe(200);
    expect((await api('GET', `/api/admin/articles/${stored.id}`)).status).toBe(404);
  });
});
