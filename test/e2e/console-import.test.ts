// Importing and editing the knowledge base from the console in Debian's Chromium (playwright-core) against a real
// server, Postgres and Redis: an import file is first sent as a dry run and the admin sees what it would do (a
// replace that deletes every intent included) with Import / Cancel; nothing is written before Import. The article
// editor asks before dropping unsaved edits (switching articles, closing the tab) and before a restore goes live.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Dialog, Page } from 'playwright-core';
import { artifactPath, launchBrowser, closedAfterEachTest, signInOnLoginPage, signedInConsole } from '../support/browser.ts';
import { login, startStack, type TestStack } from '../support/server.ts';
import { consoleBundle } from '../support/console-bundle.ts';
import { seedKnowledgeBase } from '../../knowledge-base/seed.ts';

let stack: TestStack;
let browser: Browser;
let adminCookie: string;
const { contexts } = closedAfterEachTest<{ close(): void }>(() => ({ browser, stack }));

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 60 } });
  await seedKnowledgeBase(stack.env.sql); // the demo intents and articles
  adminCookie = (await login(stack.url, stack.admin.email, stack.admin.password)).cookie;
  browser = await launchBrowser();
}, 120_000);

async function adminApi(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${stack.url}${path}`, {
    method, headers: { cookie: adminCookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * The admin's console at `path`; every browser dialog is recorded and answered from `answers` (dismissed when none is
 * left), and every uncaught page error is collected in `errors`.
 */
async function adminPage(path: string): Promise<{ page: Page; errors: string[]; dialogs: { type: string; message: string }[]; answers: boolean[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const dialogs: { type: string; message: string }[] = [];
  const answers: boolean[] = [];
  page.on('dialog', (dialog: Dialog) => {
    dialogs.push({ type: dialog.type(), message: dialog.message() });
    void (answers.shift() ? dialog.accept() : dialog.dismiss());
  });
  await page.goto(`${stack.url}${path}`);
  await signInOnLoginPage(page, stack.admin);
  return { page, errors, dialogs, answers };
}

const importFile = (page: Page, name: string, content: unknown) =>
  page.getByTestId('import-file').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(content)) });
const intentCount = async () => (await stack.env.sql<{ n: number }[]>`select count(*)::int as n from intents`)[0].n;

describe('importing intents from the console', () => {
  it('shows what a file will do before doing it; a replace that deletes needs Import, and Cancel changes nothing', async () => {
    const { page, errors } = await adminPage('/console/admin/intents');
    await page.getByTestId('intent-item').first().waitFor();
    const total = await intentCount();
    expect(total).toBeGreaterThanOrEqual(15);

    // The reviewer's file: an empty replace. The preview says it deletes every intent, in red, and nothing is deleted yet.
    await importFile(page, 'intents.json', { intents: [], mode: 'replace' });
    await expect.poll(() => page.getByTestId('import-preview-summary').textContent())
      .toBe(`This import creates 0, updates 0 and deletes ${total} intents; 0 stay as they are.`);
    expect(await page.getByTestId('import-preview-warning').textContent()).toMatch(/^Deleted for good, with their examples and team links: .*thanks_goodbye/);
    expect(await page.getByTestId('import-confirm').getAttribute('class')).toBe('danger');
    await page.screenshot({ path: artifactPath('console-import-replace-preview.png') });
    expect(await intentCount()).toBe(total);
    await page.getByTestId('import-cancel').click();
    await expect.poll(() => page.getByTestId('transfer-result').textContent()).toBe('Import cancelled: nothing was changed.');
    expect(await page.getByTestId('import-preview').count()).toBe(0);
    expect(await intentCount()).toBe(total);

    // A partial intent merges: only its English examples change; its answer, label and Chinese examples stay.
    const before = (await adminApi('GET', '/api/admin/intents')).items.find((i: any) => i.name === 'thanks_goodbye');
    await importFile(page, 'intents.json', { intents: [{ name: 'thanks_goodbye', examples: { en: ['cheers, that is all'] } }, { name: 'gift_wrap', examples: { en: ['can you gift wrap it'] } }] });
    await expect.poll(() => page.getByTestId('import-preview-summary').textContent())
      .toBe('This import creates 1, updates 1 and deletes 0 intents; 0 stay as they are.');
    expect(await page.getByTestId('import-preview-details').locator('li').allTextContents()).toEqual(['+ gift_wrap', '~ thanks_goodbye: examples.en']);
    expect(await page.getByTestId('import-preview-warning').count()).toBe(0);
    await page.getByTestId('import-confirm').click();
    await expect.poll(() => page.getByTestId('transfer-result').textContent()).toBe('Intents imported — new: 1, updated: 1, unchanged: 0, deleted: 0. Retraining…');
    const after = (await adminApi('GET', `/api/admin/intents/${before.id}`)).intent;
    expect(after).toMatchObject({ answer: before.answer, label: before.label, description: before.description, examples: { en: ['cheers, that is all'], zh: before.examples.zh } });
    await page.locator('[data-testid=intent-item]', { hasText: 'gift_wrap' }).waitFor();

    // The export imported back changes nothing, and the console says so without asking.
    const exported = await adminApi('GET', '/api/admin/intents/export');
    await importFile(page, 'intents.json', exported);
    await expect.poll(() => page.getByTestId('transfer-result').textContent()).toBe(`Nothing to import: the ${total + 1} intents in the file are already the same here.`);
    expect(await page.getByTestId('import-preview').count()).toBe(0);

    // A replace without gift_wrap deletes it, once the admin presses Import (the console confirms the one deletion it showed).
    await importFile(page, 'intents.json', { ...exported, mode: 'replace', intents: exported.intents.filter((i: any) => i.name !== 'gift_wrap') });
    await expect.poll(() => page.getByTestId('import-preview-warning').textContent()).toBe('Deleted for good, with their examples and team links: gift_wrap');
    await page.getByTestId('import-confirm').click();
    await expect.poll(() => page.getByTestId('transfer-result').textContent()).toBe(`Intents imported — new: 0, updated: 0, unchanged: ${total}, deleted: 1. Retraining…`);
    expect(await stack.env.sql`select 1 from intents where name = 'gift_wrap'`).toHaveLength(0);
    expect((await adminApi('GET', `/api/admin/intents/${before.id}`)).intent.name).toBe('thanks_goodbye'); // same id
    expect(errors).toEqual([]);
  }, 90_000);
});

describe('the intent editor', () => {
  it("saving an intent keeps its shopper-facing label (the save replaces the whole intent, label included)", async () => {
    const before = (await adminApi('GET', '/api/admin/intents')).items.find((i: any) => i.name === 'refund_status');
    expect(before.label).toEqual({ en: 'Refund status', zh: '退款进度' });
    const { page, errors, dialogs } = await adminPage('/console/admin/intents');
    await page.locator('[data-testid=intent-item]', { hasText: /^refund_status$/ }).click();
    const editor = page.getByTestId('intent-editor');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByText('Saved — retraining in the background.').waitFor();
    expect((await adminApi('GET', `/api/admin/intents/${before.id}`)).intent.label).toEqual(before.label);

    // The action and the linked article are picked from lists (typed, "order_status" and a slug had to be known).
    expect(await editor.getByTestId('intent-action').locator('option').allTextContents())
      .toEqual(['None: answer with the text or article', "Look up the shopper's order", 'Hand the chat to a person']);
    await editor.getByTestId('intent-action').selectOption('handoff');
    const [refundArticle] = await stack.env.sql<{ title: string }[]>`select title from articles where slug = 'refund-timing' and locale = 'en'`;
    await editor.getByTestId('intent-article').selectOption({ label: `${refundArticle.title} (refund-timing)` });
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByText('Saved — retraining in the background.').waitFor();
    expect((await adminApi('GET', `/api/admin/intents/${before.id}`)).intent).toMatchObject({ action: 'handoff', articleSlug: 'refund-timing' });

    // "Was this helpful?" under the typed answer is on by default and can be unticked (a greeting's is, in the demo).
    const askHelpful = editor.getByTestId('intent-ask-helpful');
    expect(await askHelpful.isChecked()).toBe(true);
    await askHelpful.uncheck();
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByText('Saved — retraining in the background.').waitFor();
    expect((await adminApi('GET', `/api/admin/intents/${before.id}`)).intent.askHelpful).toBe(false);
    await page.locator('[data-testid=intent-item]', { hasText: /^greeting$/ }).click();
    await expect.poll(() => page.getByTestId('intent-editor').getByTestId('intent-ask-helpful').isChecked()).toBe(false);
    // An intent the bot knows by name says what it does, and deleting it asks with that said (dismissed: kept).
    expect(await page.getByTestId('intent-special').textContent()).toContain('a second greeting in a row hands off');
    await page.getByTestId('intent-editor').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => dialogs.length).toBe(1);
    expect(dialogs[0].message).toMatch(/^Delete the intent "greeting"\?\n\nThe bot knows this intent by name/);
    expect(await stack.env.sql`select 1 from intents where name = 'greeting'`).toHaveLength(1);
    await page.locator('[data-testid=intent-item]', { hasText: /^refund_status$/ }).click();
    await expect.poll(() => page.getByTestId('intent-special').count()).toBe(0);
    const { name, description, label, answer, examples } = before;
    await adminApi('PUT', `/api/admin/intents/${before.id}`, { name, description, label, answer, examples, action: before.action, articleSlug: before.articleSlug });
    expect(errors).toEqual([]);
  }, 60_000);
});

describe('the article editor', () => {
  it('asks before dropping unsaved edits and before a restored version goes live', async () => {
    const [article] = await stack.env.sql<{ id: number; title: string; body: string }[]>`
      select id, title, body from articles where slug = 'refund-timing' and locale = 'en' and status = 'published'`;
    // A second version, so there is an older one to restore.
    await adminApi('PUT', `/api/admin/articles/${article.id}`, { body: `${article.body}\n\nRefunds to a closed card come back as store credit.` });
    const [other] = await stack.env.sql<{ id: number; slug: string }[]>`select id, slug from articles where locale = 'en' and id <> ${article.id} order by id limit 1`;

    const { page, errors, dialogs, answers } = await adminPage(`/console/admin/kb?article=${article.id}`);
    const body = page.getByTestId('kb-body');
    await expect.poll(() => body.inputValue()).toContain('store credit');

    // Switching without edits asks nothing.
    const item = (slug: string) => page.locator(`[data-testid=kb-item][data-slug="${slug}"][data-locale=en]`);
    await item(other.slug).click();
    await expect.poll(() => page.getByTestId('kb-slug').inputValue()).toBe(other.slug);
    await item('refund-timing').click();
    await expect.poll(() => page.getByTestId('kb-slug').inputValue()).toBe('refund-timing');
    expect(dialogs).toEqual([]);

    // With an edit: "Discard your changes to …?" — Cancel keeps the editor and the edit, OK drops them.
    await body.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' Unsaved words.');
    await item(other.slug).click();
    expect(dialogs).toEqual([{ type: 'confirm', message: `Discard your changes to “${article.title}”?` }]);
    expect(await page.getByTestId('kb-slug').inputValue()).toBe('refund-timing');
    expect(await body.inputValue()).toContain('Unsaved words.');
    answers.push(true);
    await item(other.slug).click();
    await expect.poll(() => page.getByTestId('kb-slug').inputValue()).toBe(other.slug);
    expect(dialogs).toHaveLength(2);

    // Restore: it names the version and says it goes live; Cancel restores nothing.
    await item('refund-timing').click();
    expect(dialogs).toHaveLength(2); // the other article had no edits
    await expect.poll(() => body.inputValue()).toContain('store credit');
    const restore = page.locator('[data-testid=kb-version][data-version="1"] [data-testid=kb-restore]');
    await restore.click();
    const question = `Restore version 1 of “${article.title}”? It becomes the current text and goes live at once: the bot and the help page use it.`;
    expect(dialogs[2]).toEqual({ type: 'confirm', message: question });
    expect((await stack.env.sql`select current_version from articles where id = ${article.id}`)[0].current_version).toBe(2);
    answers.push(true);
    await restore.click();
    await expect.poll(() => page.getByTestId('kb-status').textContent()).toMatch(/v3/);
    expect(dialogs[3]).toEqual({ type: 'confirm', message: question });
    expect((await stack.env.sql`select body, status from articles where id = ${article.id}`)[0]).toEqual({ body: article.body, status: 'published' });

    // A link elsewhere in the console asks the same; Cancel stays on the article with the edit.
    await body.click();
    await page.keyboard.type('More unsaved words.');
    const before = dialogs.length;
    await page.getByTestId('nav-customers').click();
    expect(dialogs.slice(before)).toEqual([{ type: 'confirm', message: `Discard your changes to “${article.title}”?` }]);
    expect(new URL(page.url()).pathname).toBe('/console/admin/kb');
    expect(await body.inputValue()).toContain('More unsaved words.');

    // Closing the tab with unsaved edits: the browser's "leave the page?" prompt.
    const beforeUnload = page.waitForEvent('dialog', (d) => d.type() === 'beforeunload');
    answers.push(true);
    await page.close({ runBeforeUnload: true });
    await beforeUnload;
    expect(dialogs.at(-1)?.type).toBe('beforeunload');
    expect(errors).toEqual([]);
  }, 90_000);

  it("the browser's Back with unsaved edits asks too, and Cancel keeps the article and the edit", async () => {
    const [article] = await stack.env.sql<{ id: number }[]>`select id from articles where locale = 'en' order by id limit 1`;
    const { page, errors, dialogs } = await adminPage('/console/customers');
    await page.evaluate((path) => { history.pushState(null, '', path); window.dispatchEvent(new Event('sd:navigate')); }, `/console/admin/kb?article=${article.id}`);
    const body = page.getByTestId('kb-body');
    await expect.poll(() => body.inputValue()).not.toBe('');
    await body.click();
    await page.keyboard.type(' Typed before going back.');
    await page.goBack();
    await expect.poll(() => dialogs.length).toBe(1);
    expect(dialogs[0].message).toMatch(/^Discard your changes to “/);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/admin/kb');
    expect(await body.inputValue()).toContain('Typed before going back.');
    expect(errors).toEqual([]);
  });

  it('a console link away from an article with no edits asks nothing', async () => {
    const { page, errors, dialogs } = await adminPage('/console/admin/kb');
    await page.getByTestId('kb-item').first().click();
    await page.getByTestId('kb-body').waitFor();
    await page.getByTestId('nav-customers').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/customers');
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('an import file with bad rows', () => {
  it('lists every bad row under the buttons, numbered from 1 and named, in English and in Chinese; nothing is imported', async () => {
    const { page, errors } = await adminPage('/console/admin/kb');
    await page.getByTestId('kb-item').first().waitFor();
    await importFile(page, 'articles.json', { articles: [
      { slug: 'fine-one', locale: 'en', title: 'Fine', body: 'Text.' },
      { slug: 'emballage', locale: 'fr', title: 'Emballage', body: 'Texte.', tags: ['gift'] },
      { slug: 'Gift Wrap', locale: 'en', title: 'Gift wrap', body: 'Text.' },
    ] });
    await expect.poll(() => page.getByTestId('transfer-result').textContent()).toBe('Nothing was imported. Rows of the file to fix: 2.');
    expect(await page.getByTestId('transfer-problems').locator('li').allTextContents()).toEqual([
      'Row 2 (emballage): locale must be one of en, zh; unknown field "tags"',
      'Row 3 (Gift Wrap): slug must be lower-case letters, digits and dashes (not starting with a dash), at most 100',
    ]);
    expect(await page.getByTestId('import-preview').count()).toBe(0);
    expect((await stack.env.sql`select 1 from articles where slug = 'fine-one'`).length).toBe(0);
    expect(errors).toEqual([]);

    const zh = await signedInConsole({ browser, stack, contexts }, '/console/admin/intents', { account: stack.admin, consoleLanguage: 'zh' });
    await zh.page.getByTestId('intent-item').first().waitFor();
    await importFile(zh.page, 'intents.json', { intents: [{ name: 'Gift-Wrap' }, { name: 'thanks_goodbye', action: 'refund' }, { name: 'thanks_goodbye' }] });
    await expect.poll(() => zh.page.getByTestId('transfer-result').textContent()).toBe('未导入任何内容：文件中有 3 项需要修改。');
    expect(await zh.page.getByTestId('transfer-problems').locator('li').allTextContents()).toEqual([
      '第 1 项（Gift-Wrap）：name 只能包含小写字母、数字和下划线，最多 60 个字符',
      '第 2 项（thanks_goodbye）：action 只能是 order_status, handoff 之一',
      '第 3 项（thanks_goodbye）：与第 2 项重复',
    ]);
    await zh.page.screenshot({ path: artifactPath('console-import-bad-rows-zh.png') });
    expect(zh.errors).toEqual([]);
  }, 90_000);
});
