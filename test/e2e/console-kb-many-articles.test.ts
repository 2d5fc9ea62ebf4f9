// A knowledge base of hundreds of articles in the console (one that imported its help centre): the article list pages
// through all of them ("Show more", "Showing X of N"), keeping its place and its selection across an edit and starting
// again from the top for a new filter; the intents' article picker finds any article by a search as the admin types,
// and the intents list marks a missing article however many there are. The intents test box says when the intent it
// found links an article the bot does not have. Debian's Chromium (playwright-core) against a real server with the
// seeded knowledge base and its trained intent model, Postgres and Redis.
import { beforeAll, describe, expect, it } from 'vitest';
import { signedInConsole } from '../support/browser.ts';
import { httpAs, login } from '../support/server.ts';
import { knowledgeBaseConsoleBed } from '../support/kb-console-bed.ts';

const bed = knowledgeBaseConsoleBed({ seed: true });

/** How many articles the imported help centre adds, all changed after the one the test looks for. */
const IMPORTED = 600;

/** The console at `path`, signed in as the admin (in English unless said), in a browser context closed after the test. */
const adminPage = (path: string, consoleLanguage: 'en' | 'zh' = 'en') => signedInConsole(bed, path, { account: bed.stack.admin, consoleLanguage });

/**
 * The imported articles, written straight to the tables as a bulk import leaves them, each a minute older than the
 * last; then "Oldest kettle guide", changed a month ago: the very last of the list.
 */
async function importHelpCentre(): Promise<void> {
  const { sql } = bed.stack.env;
  await sql`
    insert into articles (slug, locale, title, category, status, body, published_at, created_at, updated_at)
    select 'imported-' || n, 'en', 'Imported article ' || n, 'general', 'published', 'Imported help text number ' || n || '.', now(),
           now() - n * interval '1 minute', now() - n * interval '1 minute'
    from generate_series(1, ${IMPORTED}) n`;
  await sql`
    insert into articles (slug, locale, title, category, status, body, published_at, created_at, updated_at)
    values ('oldest-kettle-guide', 'en', 'Oldest kettle guide', 'general', 'published', 'Descale the kettle monthly.', now(),
            now() - interval '30 days', now() - interval '30 days')`;
  await sql`
    insert into article_versions (article_id, version, title, body, status, category, note)
    select id, 1, title, body, status, category, 'imported' from articles where slug like 'imported-%' or slug = 'oldest-kettle-guide'`;
}

beforeAll(importHelpCentre);

describe('a knowledge base of hundreds of articles in the console', () => {
  it('the article list shows more until the last article, keeping its place and selection after an edit; a filter starts from the top', async () => {
    const [{ total }] = await bed.stack.env.sql<{ total: number }[]>`select count(*)::int as total from articles`;
    expect(total).toBeGreaterThan(IMPORTED);
    const { page, errors } = await adminPage('/console/admin/kb');
    const count = page.getByTestId('kb-count');
    const oldest = page.locator('[data-testid=kb-item][data-slug=oldest-kettle-guide]');
    await expect.poll(() => count.textContent()).toBe(`Showing 200 of ${total} articles`);
    expect(await page.getByTestId('kb-item').count()).toBe(200);
    expect(await oldest.count()).toBe(0);

    // Each "Show more" adds the next 200 (the window is fetched as requests of at most 500 each).
    for (const shown of [400, 600, total]) {
      await page.getByTestId('kb-show-more').click();
      await expect.poll(() => count.textContent()).toBe(`Showing ${shown} of ${total} articles`);
      expect(await page.getByTestId('kb-item').count()).toBe(shown);
    }
    expect(await page.getByTestId('kb-show-more').count(), 'nothing more to show').toBe(0);
    expect(await page.getByTestId('kb-item').last().getAttribute('data-slug')).toBe('oldest-kettle-guide');
    const ids = await page.getByTestId('kb-item').evaluateAll((items) => items.map((i) => `${i.dataset.slug}/${i.dataset.locale}`));
    expect(new Set(ids).size, 'every article once').toBe(total);

    // Opened and edited, it moves to the top; the list reloads with all it showed, the article still selected.
    await oldest.click();
    await expect.poll(() => page.getByTestId('kb-editor').locator('h3').textContent()).toBe('Oldest kettle guide');
    await page.getByTestId('kb-body').fill('Descale the kettle monthly, and rinse it twice after.');
    await page.getByTestId('kb-publish').click();
    await expect.poll(() => page.getByTestId('kb-item').first().getAttribute('data-slug')).toBe('oldest-kettle-guide');
    expect(await count.textContent()).toBe(`Showing ${total} of ${total} articles`);
    expect(await page.getByTestId('kb-item').count()).toBe(total);
    expect(await oldest.getAttribute('class')).toContain('selected');

    // Another filter starts again from the top of what it matches.
    await page.getByTestId('kb-search').fill('Imported help text');
    await page.getByTestId('kb-search').press('Enter');
    await expect.poll(() => count.textContent()).toBe(`Showing 200 of ${IMPORTED} articles`);
    expect(await page.getByTestId('kb-item').count()).toBe(200);
    expect(errors).toEqual([]);
  }, 120_000);

  it("the intents' article picker finds any article as the admin types; the list marks only the intents whose article is missing", async () => {
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const [{ articles }] = await bed.stack.env.sql<{ articles: number }[]>`select count(*)::int as articles from articles`;
    expect(articles, 'more than the picker once loaded').toBeGreaterThan(500);
    const intents = (await httpAs(bed.stack.url, 'GET', '/api/admin/intents', admin)).json.items as { id: number; name: string; updatedAt: string }[];
    const contactUs = intents.find((i) => i.name === 'contact_us')!;
    const { page, errors } = await adminPage('/console/admin/intents');
    const item = (name: string) => page.locator('li').filter({ has: page.getByTestId('intent-item').getByText(name, { exact: true }) });
    await item('contact_us').waitFor();

    await item('contact_us').getByTestId('intent-item').click();
    const editor = page.getByTestId('intent-editor');
    await editor.getByTestId('intent-article-search').fill('oldest kettle');
    const picker = editor.getByTestId('intent-article');
    await expect.poll(() => picker.locator('option').allTextContents()).toContain('Oldest kettle guide (oldest-kettle-guide)');
    await picker.selectOption({ label: 'Oldest kettle guide (oldest-kettle-guide)' });
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => editor.locator('.ok').textContent()).toBe('Saved — retraining in the background.');
    expect((await httpAs(bed.stack.url, 'GET', `/api/admin/intents/${contactUs.id}`, admin)).json.intent.articleSlug).toBe('oldest-kettle-guide');

    // Far down the article list, the article is there: the intent is not marked. One linking no article is.
    expect((await httpAs(bed.stack.url, 'POST', '/api/admin/intents', admin, { name: 'kettle_gone', articleSlug: 'kettle-gone', examples: { en: ['where did the kettle page go'] } })).status).toBe(201);
    await page.reload();
    await item('kettle_gone').waitFor();
    await expect.poll(() => item('kettle_gone').getByTestId('intent-article-missing').count()).toBe(1);
    expect(await item('contact_us').getByTestId('intent-article-missing').count()).toBe(0);
    // Opened again, the picker names its article by title though an empty search lists only the newest.
    await item('contact_us').getByTestId('intent-item').click();
    await expect.poll(() => page.getByTestId('intent-editor').getByTestId('intent-article').locator('option:checked').textContent())
      .toBe('Oldest kettle guide (oldest-kettle-guide)');
    expect(await page.getByTestId('intent-editor').getByTestId('intent-article-more').textContent())
      .toBe(`Listing 50 of ${articles} matching articles: type to narrow the search.`);
    expect(errors).toEqual([]);
  }, 90_000);

  it('the test box says when the intent it found links an article the bot does not have (a draft here), in English and Chinese', async () => {
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const intents = (await httpAs(bed.stack.url, 'GET', '/api/admin/intents', admin)).json.items as any[];
    const payment = intents.find((i) => i.name === 'payment_methods');
    // Linked to an article that is only a draft: it exists (no "article missing" in the list), but the bot has it not.
    expect((await httpAs(bed.stack.url, 'POST', '/api/admin/articles', admin, { slug: 'paying-draft', locale: 'en', title: 'Paying (draft)', body: 'Cards and PayPal.' })).status).toBe(201);
    const saved = await httpAs(bed.stack.url, 'PUT', `/api/admin/intents/${payment.id}`, admin, {
      name: payment.name, description: payment.description, label: payment.label, answer: payment.answer, action: payment.action,
      articleSlug: 'paying-draft', askHelpful: payment.askHelpful, examples: payment.examples, updatedAt: payment.updatedAt,
    });
    expect(saved.status).toBe(200);
    expect(saved.json.linkWarning).toBeUndefined();
    const sentence = 'what payment methods do you accept';
    const preview = (await httpAs(bed.stack.url, 'POST', '/api/admin/bot/preview', admin, { text: sentence })).json;
    expect(preview.intent).toBe('payment_methods');
    expect(preview.missingArticle).toEqual({ intent: 'payment_methods', slug: 'paying-draft' });
    const shipping = (await httpAs(bed.stack.url, 'POST', '/api/admin/bot/preview', admin, { text: 'how much is shipping' })).json;
    expect(shipping.intent, 'its article (shipping-costs) is live').toBe('shipping_cost');
    expect(shipping.missingArticle).toBeUndefined();

    for (const [language, note] of [
      ['en', 'The intent “payment_methods” links the article “paying-draft”, which the bot does not have (deleted, or published in no language): it answers without it.'],
      ['zh', '意图“payment_methods”关联的文章“paying-draft”机器人没有（已删除，或没有任何语言的已发布版本）：它回答时不附带该文章。'],
    ] as const) {
      const { page, errors } = await adminPage('/console/admin/intents', language);
      const item = page.locator('li').filter({ has: page.getByTestId('intent-item').getByText('payment_methods', { exact: true }) });
      await item.waitFor();
      expect(await item.getByTestId('intent-article-missing').count()).toBe(0);

      const ask = async (text: string) => {
        await page.getByTestId('intent-test-input').fill(text);
        await page.getByTestId('intent-test').locator('button[type=submit]').click();
        const reply = (await httpAs(bed.stack.url, 'POST', '/api/admin/bot/preview', admin, { text })).json.reply;
        await expect.poll(() => page.getByTestId('bot-preview').locator('.msg-text').textContent()).toBe(reply);
      };
      await ask(sentence);
      expect(await page.getByTestId('intent-test-article-missing').textContent()).toBe(note);
      // An intent whose article the bot has: no note.
      await ask('how much is shipping');
      expect(await page.getByTestId('intent-test-article-missing').count()).toBe(0);
      expect(errors).toEqual([]);
    }
  }, 90_000);
});
