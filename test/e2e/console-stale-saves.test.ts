// The console's knowledge-base editors when what they show changed meanwhile, in Debian's Chromium (playwright-core)
// against a real server, Postgres and Redis: a save based on an old copy (an intent an example was added to from the
// Unanswered page, the out-of-scope list after "Not for the bot", an article another tab saved) is refused; the editor
// says why, in the console's language, and reloading shows the change, after which the edit saves. Publishing,
// unpublishing or restoring an article over a version saved in another tab is refused the same way.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, closedAfterEachTest, signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { consoleBundle } from '../support/console-bundle.ts';
import { seedKnowledgeBase } from '../../knowledge-base/seed.ts';
import { addOutOfScopeExamples } from '../../knowledge-base/out-of-scope.ts';

let stack: TestStack;
let browser: Browser;
let admin: { cookie: string };
const { contexts } = closedAfterEachTest<{ close(): void }>(() => ({ browser, stack }));

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: built from this source
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 60 } });
  await seedKnowledgeBase(stack.env.sql);
  admin = { cookie: (await login(stack.url, stack.admin.email, stack.admin.password)).cookie };
  browser = await launchBrowser();
}, 120_000);

async function adminPage(path: string, language?: 'zh'): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  if (language) await context.addInitScript(() => localStorage.setItem('sd.locale', 'zh'));
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${stack.url}${path}`);
  await signInOnLoginPage(page, stack.admin);
  return { page, errors };
}

const api = (method: string, path: string, body?: unknown) => httpAs(stack.url, method, path, admin, body);

describe('stale saves in the console', () => {
  it('intent editor: refuses to delete an example added meanwhile, says so and reloads the intent', async () => {
    const { page, errors } = await adminPage('/console/admin/intents');
    await page.locator('[data-testid=intent-item]', { hasText: /^shipping_time$/ }).click();
    const editor = page.getByTestId('intent-editor');
    const description = editor.getByLabel('Description (for admins)');
    await description.fill('Asked in an old tab');

    // Meanwhile the Unanswered page adds an example to it.
    const intent = (await api('GET', '/api/admin/intents')).json.items.find((i: any) => i.name === 'shipping_time');
    const added = 'when will the parcel get to me';
    expect((await api('POST', `/api/admin/intents/${intent.id}/examples`, { text: added, locale: 'en' })).status).toBe(200);

    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByTestId('intent-error').textContent())
      .toBe('This intent has changed since you opened it (an example may have been added from the Unanswered page). Saving would undo that: reload it, then make your change again.');
    expect((await api('GET', `/api/admin/intents/${intent.id}`)).json.intent.examples.en).toContain(added);

    await page.getByTestId('intent-reload').click();
    await expect.poll(() => editor.getByLabel('Examples (English, one per line)').inputValue()).toContain(added);
    expect(await description.inputValue()).toBe(intent.description);
    expect(await page.getByTestId('intent-error').count()).toBe(0);

    await description.fill('Asked after a reload');
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await api('GET', `/api/admin/intents/${intent.id}`)).json.intent.description).toBe('Asked after a reload');
    expect((await api('GET', `/api/admin/intents/${intent.id}`)).json.intent.examples.en).toContain(added);
    // A second save from the same editor is based on the first's answer, not on the intent as first opened.
    await description.fill('Asked twice');
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await api('GET', `/api/admin/intents/${intent.id}`)).json.intent.description).toBe('Asked twice');
    expect(await page.getByTestId('intent-error').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);

  it('intent editor: after a save shows the intent as answered, so an example added while the save was in flight survives the next save', async () => {
    const { page, errors } = await adminPage('/console/admin/intents');
    await page.locator('[data-testid=intent-item]', { hasText: /^return_policy$/ }).click();
    const editor = page.getByTestId('intent-editor');
    const description = editor.getByLabel('Description (for admins)');
    const intent = (await api('GET', '/api/admin/intents')).json.items.find((i: any) => i.name === 'return_policy');
    const added = 'can I still send back the lamp I bought last month';
    // The save goes through; the Unanswered page adds an example before the answer is read, so the answer holds it
    // (and the stamp it moved to).
    await page.route(`**/api/admin/intents/${intent.id}`, async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      const response = await route.fetch();
      expect(response.status()).toBe(200);
      expect((await api('POST', `/api/admin/intents/${intent.id}/examples`, { text: added, locale: 'en' })).status).toBe(200);
      await route.fulfill({ response, json: { intent: (await api('GET', `/api/admin/intents/${intent.id}`)).json.intent } });
    });
    await description.fill('First save');
    const answered = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/api/admin/intents/${intent.id}`));
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await answered;
    await expect.poll(() => editor.getByText('Saved — retraining in the background.').count()).toBe(1);
    await page.unroute(`**/api/admin/intents/${intent.id}`);
    await expect.poll(() => editor.getByLabel('Examples (English, one per line)').inputValue()).toContain(added);

    await description.fill('Second save');
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await api('GET', `/api/admin/intents/${intent.id}`)).json.intent.description).toBe('Second save');
    expect((await api('GET', `/api/admin/intents/${intent.id}`)).json.intent.examples.en).toContain(added);
    expect(errors).toEqual([]);
  }, 60_000);

  it('intent and article editors: read-only while a save is in flight, so its answer replaces nothing typed after the click', async () => {
    const intent = (await api('GET', '/api/admin/intents')).json.items.find((i: any) => i.name === 'payment_methods');
    const article = (await api('POST', '/api/admin/articles', { slug: 'save-in-flight-demo', locale: 'en', title: 'Save in flight demo', body: 'Before.' })).json.article;
    const { page, errors } = await adminPage('/console/admin/intents');
    // Each save's request is held until the test lets it through.
    const held: (() => void)[] = [];
    await page.route(/\/api\/admin\/(intents|articles)\/\d+$/, async (route) => {
      if (route.request().method() !== 'PUT') return route.continue();
      await new Promise<void>((release) => held.push(release));
      await route.continue();
    });

    await page.locator('[data-testid=intent-item]', { hasText: /^payment_methods$/ }).click();
    const editor = page.getByTestId('intent-editor');
    const description = editor.getByLabel('Description (for admins)');
    await description.fill('Saved while held');
    // Saved from the keyboard: the focus, dropped while the button is disabled, comes back to it.
    await editor.getByRole('button', { name: 'Save', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => held.length).toBe(1);
    expect(await description.isDisabled()).toBe(true);
    expect(await editor.getByLabel('Examples (English, one per line)').isDisabled()).toBe(true);
    expect(await editor.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    held.shift()!();
    await expect.poll(() => editor.getByText('Saved — retraining in the background.').count()).toBe(1);
    expect(await description.isDisabled()).toBe(false);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Save');
    await description.fill('Typed after the save');
    await editor.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => held.length).toBe(1);
    held.shift()!();
    await expect.poll(async () => (await api('GET', `/api/admin/intents/${intent.id}`)).json.intent.description).toBe('Typed after the save');

    await page.goto(`${stack.url}/console/admin/kb`);
    await page.locator('[data-testid=kb-item][data-slug=save-in-flight-demo]').click();
    await expect.poll(() => page.getByTestId('kb-body').inputValue()).toBe('Before.');
    await page.getByTestId('kb-body').fill('Saved while held.');
    await page.getByTestId('kb-save').click();
    await expect.poll(() => held.length).toBe(1);
    expect(await page.getByTestId('kb-body').isDisabled()).toBe(true);
    expect(await page.getByTestId('kb-title').isDisabled()).toBe(true);
    held.shift()!();
    await expect.poll(() => page.getByTestId('kb-body').isDisabled()).toBe(false);
    expect(await page.getByTestId('kb-body').inputValue()).toBe('Saved while held.');
    expect((await api('GET', `/api/admin/articles/${article.id}`)).json.article).toMatchObject({ version: 2, body: 'Saved while held.' });
    expect(errors).toEqual([]);
  }, 60_000);

  it('intent editor (Chinese console): says so when the change was saved but the retraining could not be queued', async () => {
    const { page, errors } = await adminPage('/console/admin/intents', 'zh');
    await page.locator('[data-testid=intent-item]', { hasText: /^shipping_time$/ }).click();
    const editor = page.getByTestId('intent-editor');
    await editor.locator('input').nth(1).fill('队列断开时保存');
    // The server's producer connection (every queue of the server shares it) cut, as when Redis is unreachable.
    const client = await (stack.servers[0].handle.ctx.queues.queue('kb-train') as unknown as { backend: { client: Promise<import('ioredis').Redis> } }).backend.client;
    client.disconnect();
    try {
      const answered = page.waitForResponse((r) => r.request().method() === 'PUT' && /\/api\/admin\/intents\/\d+$/.test(r.url()));
      await editor.getByRole('button', { name: '保存', exact: true }).click();
      const answer = await (await answered).json();
      expect(answer.warning).toMatch(/retraining could not be queued/);
      await expect.poll(() => editor.getByText('已保存，但机器人暂时无法更新（任务队列无法连接）：队列恢复之前仍按原来的内容回答，恢复后会自动更新。').count()).toBe(1);
    } finally {
      await client.connect();
    }
    expect(errors).toEqual([]);
  }, 60_000);

  it('out-of-scope list (Chinese console): keeps the questions marked "Not for the bot" meanwhile', async () => {
    const { page, errors } = await adminPage('/console/admin/intents', 'zh');
    const box = page.getByTestId('out-of-scope-editor');
    await box.locator('summary').click();
    const textarea = box.locator('textarea');
    await expect.poll(async () => (await textarea.inputValue()).length).toBeGreaterThan(0);
    await textarea.fill(`${await textarea.inputValue()}\n帮我写首诗`);

    await addOutOfScopeExamples(stack.env.sql, ['帮我订一张机票']);
    await box.getByRole('button', { name: '保存', exact: true }).click();
    await expect.poll(() => page.getByTestId('out-of-scope-error').textContent())
      .toBe('超出范围列表在你打开后已有改动（有问题被标记为“不由机器人处理”）。现在保存会丢掉这些问题：请重新加载后再修改。');
    expect((await api('GET', '/api/admin/nlu/out-of-scope')).json.examples).not.toContain('帮我写首诗');

    await page.getByTestId('out-of-scope-reload').click();
    await expect.poll(() => textarea.inputValue()).toContain('帮我订一张机票');
    await textarea.fill(`${await textarea.inputValue()}\n帮我写首诗`);
    await box.getByRole('button', { name: '保存', exact: true }).click();
    await expect.poll(async () => (await api('GET', '/api/admin/nlu/out-of-scope')).json.examples).toEqual(expect.arrayContaining(['帮我订一张机票', '帮我写首诗']));
    expect(await page.getByTestId('out-of-scope-error').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);

  it('article editor: a version saved in another tab is not overwritten; loading the latest shows it', async () => {
    const article = (await api('POST', '/api/admin/articles', { slug: 'stale-save-demo', locale: 'en', title: 'Stale save demo', body: 'First text.' })).json.article;
    const { page, errors } = await adminPage('/console/admin/kb');
    await page.locator('[data-testid=kb-item][data-slug=stale-save-demo]').click();
    await expect.poll(() => page.getByTestId('kb-body').inputValue()).toBe('First text.');
    await page.getByTestId('kb-body').fill('Text from the old tab.');

    expect((await api('PUT', `/api/admin/articles/${article.id}`, { body: 'Text from the other tab.', baseVersion: 1 })).status).toBe(200);
    await page.getByTestId('kb-save').click();
    await expect.poll(() => page.getByTestId('kb-editor').getByRole('alert').textContent())
      .toBe('A newer version of this article was saved since you opened it. Saving would overwrite it: load the latest version (your edits here are discarded), then make your change again.');
    expect((await api('GET', `/api/admin/articles/${article.id}`)).json.article).toMatchObject({ version: 2, body: 'Text from the other tab.' });

    await page.getByTestId('kb-load-latest').click();
    await expect.poll(() => page.getByTestId('kb-body').inputValue()).toBe('Text from the other tab.');
    expect(await page.getByTestId('kb-status').textContent()).toContain('v2');
    await page.getByTestId('kb-body').fill('Text from the other tab, and mine.');
    await page.getByTestId('kb-save').click();
    await expect.poll(async () => (await api('GET', `/api/admin/articles/${article.id}`)).json.article).toMatchObject({ version: 3, body: 'Text from the other tab, and mine.' });
    expect(errors).toEqual([]);
  }, 60_000);

  it('article editor: publish, unpublish and restore refuse a version saved in another tab, unseen; loading the latest lets them through', async () => {
    const article = (await api('POST', '/api/admin/articles', { slug: 'stale-publish-demo', locale: 'en', title: 'Stale publish demo', body: 'Version one.' })).json.article;
    const { page, errors } = await adminPage('/console/admin/kb');
    page.on('dialog', (dialog) => void dialog.accept()); // the restore's "Restore version 1 …?"
    const alert = page.getByTestId('kb-editor').getByRole('alert');
    const refusal = 'A newer version of this article was saved since you opened it, so nothing was changed: load the latest version (your edits here are discarded), look it over, then try again.';
    const stored = async () => (await api('GET', `/api/admin/articles/${article.id}`)).json.article;
    const loadLatest = async (body: string, version: number) => {
      await page.getByTestId('kb-load-latest').click();
      await expect.poll(() => page.getByTestId('kb-body').inputValue()).toBe(body);
      await expect.poll(() => page.getByTestId('kb-status').textContent()).toContain(`v${version}`);
      expect(await alert.count()).toBe(0);
    };
    await page.locator('[data-testid=kb-item][data-slug=stale-publish-demo]').click();
    await expect.poll(() => page.getByTestId('kb-body').inputValue()).toBe('Version one.');

    // Publish: another tab saved version 2 meanwhile; publishing would put it live unseen.
    expect((await api('PUT', `/api/admin/articles/${article.id}`, { body: 'Version two, from the other tab.', baseVersion: 1 })).status).toBe(200);
    await page.getByTestId('kb-publish').click();
    await expect.poll(() => alert.textContent()).toBe(refusal);
    expect(await stored()).toMatchObject({ status: 'draft', version: 2 });
    await loadLatest('Version two, from the other tab.', 2);
    await page.getByTestId('kb-publish').click();
    await expect.poll(async () => (await stored()).status).toBe('published');
    expect(await stored()).toMatchObject({ version: 3, body: 'Version two, from the other tab.' });

    // Unpublish: the live text was changed meanwhile (version 4).
    await expect.poll(() => page.getByTestId('kb-status').textContent()).toContain('v3');
    expect((await api('PUT', `/api/admin/articles/${article.id}`, { body: 'Version four, live.', baseVersion: 3 })).status).toBe(200);
    await page.getByTestId('kb-unpublish').click();
    await expect.poll(() => alert.textContent()).toBe(refusal);
    expect(await stored()).toMatchObject({ status: 'published', version: 4 });
    await loadLatest('Version four, live.', 4);
    await page.getByTestId('kb-unpublish').click();
    await expect.poll(async () => (await stored()).status).toBe('draft');
    await expect.poll(() => page.getByTestId('kb-status').textContent()).toContain('v5');

    // Restore version 1 over a version 6 saved meanwhile.
    expect((await api('PUT', `/api/admin/articles/${article.id}`, { body: 'Version six.', baseVersion: 5 })).status).toBe(200);
    const restoreFirst = page.locator('[data-testid=kb-version][data-version="1"] [data-testid=kb-restore]');
    await restoreFirst.click();
    await expect.poll(() => alert.textContent()).toBe(refusal);
    expect(await stored()).toMatchObject({ version: 6, body: 'Version six.' });
    await loadLatest('Version six.', 6);
    await restoreFirst.click();
    await expect.poll(async () => (await stored()).version).toBe(7);
    expect((await stored()).body).toBe('Version one.');
    await expect.poll(() => page.getByTestId('kb-body').inputValue()).toBe('Version one.');
    expect(errors).toEqual([]);
  }, 90_000);

  it('article editor: delete refuses a version saved in another tab, unseen, and keeps it; loading the latest lets it through', async () => {
    const article = (await api('POST', '/api/admin/articles', { slug: 'stale-delete-demo', locale: 'en', title: 'Stale delete demo', body: 'Version one.' })).json.article;
    const { page, errors } = await adminPage('/console/admin/kb');
    page.on('dialog', (dialog) => void dialog.accept()); // "Delete … ?"
    const alert = page.getByTestId('kb-editor').getByRole('alert');
    await page.locator('[data-testid=kb-item][data-slug=stale-delete-demo]').click();
    await expect.poll(() => page.getByTestId('kb-body').inputValue()).toBe('Version one.');
    const remove = page.getByTestId('kb-delete');
    await expect.poll(() => remove.isEnabled()).toBe(true);

    // Another tab saved version 2 meanwhile: deleting would take it, and the history, unseen.
    expect((await api('PUT', `/api/admin/articles/${article.id}`, { body: 'Version two, from the other tab.', baseVersion: 1 })).status).toBe(200);
    await remove.click();
    await expect.poll(() => alert.textContent()).toBe('A newer version of this article was saved since you opened it, so nothing was changed: load the latest version (your edits here are discarded), look it over, then try again.');
    expect((await api('GET', `/api/admin/articles/${article.id}`)).json.article).toMatchObject({ version: 2, body: 'Version two, from the other tab.' });

    await page.getByTestId('kb-load-latest').click();
    await expect.poll(() => page.getByTestId('kb-body').inputValue()).toBe('Version two, from the other tab.');
    await remove.click();
    await page.getByTestId('kb-editor').waitFor({ state: 'detached' });
    expect((await api('GET', `/api/admin/articles/${article.id}`)).status).toBe(404);
    expect(errors).toEqual([]);
  }, 90_000);
});
