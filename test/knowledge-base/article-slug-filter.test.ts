// GET /api/admin/articles?slug=: exactly one article's languages, on a real stack. The console looks up the article an
// intent links by it (and the editor its other languages); a text search for the slug also finds every article that
// mentions it, newest first, so in a large knowledge base the one wanted fell past the answer's 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';

let stack: TestStack;
let admin: { cookie: string };
beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('the article list by slug', () => {
  it('answers only the articles with exactly that slug, however many mention it', async () => {
    const create = async (slug: string, locale: 'en' | 'zh', body: string) =>
      expect((await httpAs(stack.url, 'POST', '/api/admin/articles', admin, { slug, locale, title: `About ${slug}`, category: 'general', body })).status).toBe(201);
    await create('kettle', 'en', 'Descale the kettle monthly.');
    await create('kettle', 'zh', '每月给水壶除垢。');
    await create('kettle-lids', 'en', 'Every kettle lid clicks shut.');
    await create('tea', 'en', 'Boil water in a kettle, not a microwave.');

    const bySlug = await httpAs(stack.url, 'GET', '/api/admin/articles?slug=kettle', admin);
    expect(bySlug.status).toBe(200);
    expect(bySlug.json.items.map((a: { slug: string; locale: string }) => `${a.slug}/${a.locale}`).sort()).toEqual(['kettle/en', 'kettle/zh']);
    expect(bySlug.json.total).toBe(2);
    // The text search still finds every mention.
    expect((await httpAs(stack.url, 'GET', '/api/admin/articles?q=kettle', admin)).json.total).toBe(4);
    // An empty or too long slug is refused, not read as no filter (every article) or searched.
    expect((await httpAs(stack.url, 'GET', '/api/admin/articles?slug=', admin)).status).toBe(400);
    expect((await httpAs(stack.url, 'GET', `/api/admin/articles?slug=${'k'.repeat(201)}`, admin)).status).toBe(400);
  });
});
