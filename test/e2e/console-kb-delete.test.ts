// Deleting an article from the console's knowledge-base editor: it asks first, naming the intents that answer with the
// article; "Cancel" keeps it, "OK" deletes it and the list drops it (unpublishing one that intents link to asks too,
// saying what they answer with after). An import file in replace mode shows what it deletes (and the intents that
// lose their article) before it goes ahead. The intents list then marks the intents linking an article that is
// missing. Debian's Chromium (playwright-core) against a real server with the knowledge base, Postgres and Redis.
import { describe, expect, it } from 'vitest';
import { signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login } from '../support/server.ts';
import { knowledgeBaseConsoleBed } from '../support/kb-console-bed.ts';

const bed = knowledgeBaseConsoleBed();

/**
 * The knowledge-base page in a browser context of its own (the caller closes it), signed in as the admin: its page
 * errors, and the questions its dialogs asked, each dismissed until `answers.agree` is set.
 */
async function kbPage() {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const questions: string[] = [];
  const answers = { agree: false };
  page.on('dialog', (dialog) => { questions.push(dialog.message()); void (answers.agree ? dialog.accept() : dialog.dismiss()); });
  await page.goto(`${bed.stack.url}/console/admin/kb`);
  await signInOnLoginPage(page, bed.stack.admin);
  return { context, page, errors, questions, answers };
}

describe('deleting an article in the console', () => {
  it('asks first, naming the intents linking it; deletes it on OK; a replacing import previews its deletions; the intents list marks a missing article', async () => {
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const created = await httpAs(bed.stack.url, 'POST', '/api/admin/articles', admin, { slug: 'matcha-grades', locale: 'en', title: 'Matcha grades', body: 'Ceremonial grade is for drinking.' });
    expect(created.status).toBe(201);
    const articleId = created.json.article.id as number;
    for (const [name, articleSlug] of [['matcha_grades', 'matcha-grades'], ['tea_gifts', 'matcha-grades'], ['shipping_help', null]] as const) {
      expect((await httpAs(bed.stack.url, 'POST', '/api/admin/intents', admin, { name, articleSlug, examples: { en: [`a question about ${name}`] } })).status).toBe(201);
    }

    const { context, page, errors, questions, answers } = await kbPage();
    try {
      await page.getByTestId('kb-item').filter({ hasText: 'Matcha grades' }).click();
      const remove = page.getByTestId('kb-delete');
      await expect.poll(() => remove.isEnabled()).toBe(true);

      await remove.click();
      await expect.poll(() => questions.length).toBe(1);
      expect(questions[0]).toContain('Matcha grades');
      expect(questions[0]).toContain('matcha_grades, tea_gifts');
      expect(questions[0]).not.toContain('shipping_help');
      expect((await httpAs(bed.stack.url, 'GET', `/api/admin/articles/${articleId}`, admin)).status, 'kept on Cancel').toBe(200);

      answers.agree = true;
      // The delete names the version shown (?baseVersion=1): one saved meanwhile would refuse it.
      const deleted = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`/api/admin/articles/${articleId}`) && r.request().method() === 'DELETE');
      await remove.click();
      expect((await deleted).status()).toBe(200);
      await page.getByTestId('kb-editor').waitFor({ state: 'detached' });
      await expect.poll(() => page.getByTestId('kb-item').filter({ hasText: 'Matcha grades' }).count()).toBe(0);
      expect((await httpAs(bed.stack.url, 'GET', `/api/admin/articles/${articleId}`, admin)).status).toBe(404);

      // A file with "mode": "replace" swaps the set: its dry run names what goes and the intents losing their article.
      expect((await httpAs(bed.stack.url, 'POST', '/api/admin/articles', admin, { slug: 'oolong-guide', locale: 'en', title: 'Oolong guide', body: 'Oolong sits between green and black.' })).status).toBe(201);
      expect((await httpAs(bed.stack.url, 'POST', '/api/admin/intents', admin, { name: 'oolong_help', articleSlug: 'oolong-guide', examples: { en: ['what is oolong'] } })).status).toBe(201);
      await page.reload();
      const file = { mode: 'replace', articles: [{ slug: 'sencha-guide', locale: 'en', title: 'Sencha guide', body: 'Steep sencha at 70 °C.' }] };
      await page.getByTestId('import-file').setInputFiles({ name: 'tea-articles.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
      await expect.poll(() => page.getByTestId('import-preview-summary').textContent())
        .toBe('This import creates 1, updates 0 and deletes 1 articles; 0 stay as they are.');
      expect(await page.getByTestId('import-preview-warning').textContent())
        .toBe('Deleted for good, with their version history: oolong-guide (en). These intents lose their linked article: oolong_help.');
      // Import confirms the deletions the preview showed by its token: the server refuses it if they changed meanwhile.
      const confirmed = page.waitForRequest((r) => r.url().endsWith('/api/admin/articles/import') && r.method() === 'POST');
      await page.getByTestId('import-confirm').click();
      expect(JSON.parse((await confirmed).postData() ?? '{}')).toMatchObject({ mode: 'replace', confirmToken: expect.any(String) });
      await expect.poll(() => page.getByTestId('transfer-result').textContent()).toBe('Articles imported — new: 1, updated: 0, unchanged: 0, deleted: 1.');
      await expect.poll(() => page.getByTestId('kb-item').allTextContents()).toEqual(['Sencha guide']);

      await page.goto(`${bed.stack.url}/console/admin/intents`);
      const item = (name: string) => page.locator('li').filter({ has: page.getByTestId('intent-item').getByText(name, { exact: true }) });
      await item('shipping_help').waitFor();
      await expect.poll(() => item('matcha_grades').getByTestId('intent-article-missing').count()).toBe(1);
      expect(await item('tea_gifts').getByTestId('intent-article-missing').count()).toBe(1);
      expect(await item('oolong_help').getByTestId('intent-article-missing').count()).toBe(1);
      expect(await item('shipping_help').getByTestId('intent-article-missing').count()).toBe(0);
      // Saved as it is, the intent is kept, and the editor says its article does not exist.
      await page.getByTestId('intent-item').getByText('tea_gifts', { exact: true }).click();
      await page.getByTestId('intent-editor').getByRole('button', { name: 'Save', exact: true }).click();
      await expect.poll(() => page.getByTestId('intent-editor').locator('.ok').textContent())
        .toBe('Saved — retraining in the background. No article has the slug “matcha-grades” yet: the intent answers without it until one exists.');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('asks before unpublishing an article intents link to, saying what they answer with after; unpublishes one nobody links at once', async () => {
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const create = async (slug: string, locale: string, title: string) => {
      const created = await httpAs(bed.stack.url, 'POST', '/api/admin/articles', admin, { slug, locale, title, body: `${title}: how to.`, status: 'published' });
      expect(created.status).toBe(201);
      return created.json.article.id as number;
    };
    const kettleEn = await create('kettle-care', 'en', 'Kettle care');
    const kettleZh = await create('kettle-care', 'zh', '水壶保养');
    const scones = await create('scone-recipe', 'en', 'Scone recipe');
    expect((await httpAs(bed.stack.url, 'POST', '/api/admin/intents', admin, { name: 'kettle_help', articleSlug: 'kettle-care', examples: { en: ['how do I descale my kettle'] } })).status).toBe(201);
    const statusOf = async (id: number) => (await httpAs(bed.stack.url, 'GET', `/api/admin/articles/${id}`, admin)).json.article.status;

    const { context, page, errors, questions, answers } = await kbPage();
    try {
      const open = async (slug: string, locale: string) => {
        await page.locator(`[data-testid=kb-item][data-slug=${slug}][data-locale=${locale}]`).click();
        await expect.poll(() => page.getByTestId('kb-status').textContent()).toContain('Published');
      };

      // The Chinese version is live: the intent's English questions get it instead.
      await open('kettle-care', 'en');
      await page.getByTestId('kb-unpublish').click();
      await expect.poll(() => questions.length).toBe(1);
      expect(questions[0]).toBe('Unpublish “Kettle care” (en)? It goes back to draft: the bot and the help page stop using it.\n\n'
        + 'Intents linking to “kettle-care”: kettle_help. They answer en questions with its zh version instead.');
      expect(await statusOf(kettleEn), 'kept on Cancel').toBe('published');

      // No other language live: the intent is left without an article. Agreed to, it is unpublished.
      expect((await httpAs(bed.stack.url, 'POST', `/api/admin/articles/${kettleZh}/unpublish`, admin, { baseVersion: 1 })).status).toBe(200);
      await page.reload();
      await open('kettle-care', 'en');
      answers.agree = true;
      await page.getByTestId('kb-unpublish').click();
      await expect.poll(() => statusOf(kettleEn)).toBe('draft');
      expect(questions[1]).toContain('Intents linking to “kettle-care”: kettle_help. They answer without an article until a language of it is published again.');

      // Nothing links the scone recipe: unpublished without a question.
      await open('scone-recipe', 'en');
      await page.getByTestId('kb-unpublish').click();
      await expect.poll(() => statusOf(scones)).toBe('draft');
      expect(questions).toHaveLength(2);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 90_000);
});
