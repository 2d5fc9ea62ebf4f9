// A console request that never answers (a proxy holding the connection, a stuck server), in Debian's Chromium against
// a real server, Postgres and Redis: the save is held by the test and never let through, and the page's clock (Playwright's
// fake clock, flowing as real time does until the test jumps it) is moved past the console's time limit
// (console/src/api.ts), so the real limit is what is tested. The editor says in the console's language that the server
// did not answer and the change may or may not be saved, becomes editable again with what was typed, and saves again.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login } from '../support/server.ts';
import { seedKnowledgeBase } from '../../knowledge-base/seed.ts';
import { answerLimitMs } from '../../console/src/api.ts';

const bed = consoleTestBed();
let admin: { cookie: string };

/** Answers every request with the start of a JSON body, then nothing more: an answer stuck halfway. */
const halfAnswers: ServerResponse[] = [];
const stuckHalfway = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"user":');
  halfAnswers.push(response);
});

beforeAll(async () => {
  await seedKnowledgeBase(bed.stack.env.sql);
  admin = { cookie: (await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password)).cookie };
  await new Promise<void>((resolve) => stuckHalfway.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const response of halfAnswers) response.destroy();
  await new Promise((resolve) => stuckHalfway.close(resolve));
});

/**
 * Past the time limit of a request with a body of up to 64 KB (these saves' bodies are far smaller), and well short of
 * the live connection's own ping timeout (45 s), so the jump does not cut the socket. A request still in flight at the
 * jump is given up on too: each test jumps once the page's other loads are done.
 */
const PAST_THE_LIMIT_MS = answerLimitMs(64 * 1024);

/** A console page signed in as `account`, with the page's clock under the test's control from the first script. */
async function consoleWithClock(path: string, account: { email: string; password: string }, language?: 'zh'): Promise<{ page: Page; errors: string[] }> {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  bed.contexts.push(context);
  if (language) await context.addInitScript(() => localStorage.setItem('sd.locale', 'zh'));
  await context.clock.install();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${bed.stack.url}${path}`);
  await signInOnLoginPage(page, account);
  return { page, errors };
}

/** Holds the first request to `pattern` with `method` for good (its answer never comes); the ones after it pass. */
async function neverAnswerFirst(page: Page, pattern: string | RegExp, method: string): Promise<{ held(): boolean }> {
  let held = false;
  await page.route(pattern, async (route) => {
    if (held || route.request().method() !== method) return route.continue();
    held = true;
    await new Promise<never>(() => {});
  });
  return { held: () => held };
}

describe('a console request that never answers', () => {
  it('intent editor: the save gives up after the time limit, says so, and the fields are editable with what was typed', async () => {
    const intent = (await httpAs(bed.stack.url, 'GET', '/api/admin/intents', admin)).json.items.find((i: { name: string }) => i.name === 'shipping_time');
    const { page, errors } = await consoleWithClock('/console/admin/intents', bed.stack.admin);
    const save = await neverAnswerFirst(page, `**/api/admin/intents/${intent.id}`, 'PUT');
    await page.locator('[data-testid=intent-item]', { hasText: /^shipping_time$/ }).click();
    const editor = page.getByTestId('intent-editor');
    const description = editor.getByLabel('Description (for admins)');
    const saveButton = editor.getByRole('button', { name: 'Save', exact: true });
    await description.fill('Typed before a save that hangs');
    await saveButton.click();
    await expect.poll(() => save.held()).toBe(true);
    expect(await description.isDisabled()).toBe(true);

    // Still held just short of the limit: read-only, nothing said yet.
    await page.clock.fastForward(answerLimitMs(0) - 1_000);
    expect(await description.isDisabled()).toBe(true);
    expect(await page.getByTestId('intent-error').count()).toBe(0);

    await page.clock.fastForward(PAST_THE_LIMIT_MS - answerLimitMs(0) + 1_000);
    await expect.poll(() => page.getByTestId('intent-error').textContent())
      .toBe('The server did not answer in time: your change may or may not have been saved. Check, then try again.');
    expect(await description.isDisabled()).toBe(false);
    expect(await saveButton.isDisabled()).toBe(false);
    expect(await description.inputValue()).toBe('Typed before a save that hangs');
    // The focus, dropped while the button was disabled, is back on it.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Save');

    // Typed on and saved again: this one is answered.
    await description.fill('Typed after the timeout');
    await saveButton.click();
    await expect.poll(async () => (await httpAs(bed.stack.url, 'GET', `/api/admin/intents/${intent.id}`, admin)).json.intent.description).toBe('Typed after the timeout');
    await expect.poll(() => page.getByTestId('intent-error').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 60_000);

  it('a list that never loads says so, without a word about changes', async () => {
    const { page, errors } = await consoleWithClock('/console', bed.stack.admin);
    const list = await neverAnswerFirst(page, '**/api/admin/intents', 'GET');
    // The page's other list is loaded first: the jump would give up on it too.
    const otherList = page.waitForResponse((response) => response.url().endsWith('/api/admin/nlu/out-of-scope'));
    await page.goto(`${bed.stack.url}/console/admin/intents`);
    await otherList;
    await expect.poll(() => list.held()).toBe(true);
    await page.clock.fastForward(PAST_THE_LIMIT_MS);
    await expect.poll(() => page.locator('.admin-intents p.error').allTextContents()).toEqual(['The server did not answer in time: try again.']);
    expect(errors).toEqual([]);
  }, 60_000);

  it('in a Chinese console, your name: said in Chinese, the names as typed', async () => {
    const { page, errors } = await consoleWithClock('/console', bed.stack.agent, 'zh');
    const save = await neverAnswerFirst(page, '**/api/auth/me', 'PATCH');
    await page.getByTestId('change-password').click();
    const form = page.getByTestId('own-name-form');
    const full = form.getByTestId('own-name-full');
    await full.fill('Sam Slowline');
    await form.getByTestId('own-name-save').click();
    await expect.poll(() => save.held()).toBe(true);
    await page.clock.fastForward(PAST_THE_LIMIT_MS);
    await expect.poll(() => form.getByRole('alert').textContent()).toBe('服务器未能及时响应：您的更改可能已保存，也可能没有。请先查看，再重试。');
    expect(await full.isDisabled()).toBe(false);
    expect(await full.inputValue()).toBe('Sam Slowline');
    expect((await bed.stack.env.sql`select name from users where email = ${bed.stack.agent.email}`)[0].name).toBe('Sam Agent');
    expect(errors).toEqual([]);
  }, 60_000);

  it('an answer that starts and then stops halfway is given up on too', async () => {
    const { page, errors } = await consoleWithClock('/console', bed.stack.agent);
    // The save goes to a server that sends the answer's headers and first bytes, then nothing.
    const { port } = stuckHalfway.address() as AddressInfo;
    const started = page.waitForResponse((response) => response.request().method() === 'PATCH');
    await page.route('**/api/auth/me', (route) => route.request().method() === 'PATCH' ? route.continue({ url: `http://127.0.0.1:${port}/api/auth/me` }) : route.continue());
    await page.getByTestId('change-password').click();
    const form = page.getByTestId('own-name-form');
    const full = form.getByTestId('own-name-full');
    await full.fill('Sam Halfway');
    await form.getByTestId('own-name-save').click();
    await started;
    await expect.poll(() => halfAnswers.length).toBe(1);
    expect(await full.isDisabled()).toBe(true);
    await page.clock.fastForward(PAST_THE_LIMIT_MS);
    await expect.poll(() => form.getByRole('alert').textContent())
      .toBe('The server did not answer in time: your change may or may not have been saved. Check, then try again.');
    expect(await full.isDisabled()).toBe(false);
    expect(await full.inputValue()).toBe('Sam Halfway');
    expect(errors).toEqual([]);
  }, 60_000);
});
