// The inbox's search in Debian's Chromium against a real server and Postgres: a chat found by a word deep in its
// history shows the matched message, the words marked (and a message's markup shown as text, never run as HTML);
// clicking it opens the chat scrolled to that message; a short search says it only looked at the newest chats.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, closedAfterEachTest, launchBrowser, signInOnLoginPage } from '../support/browser.ts';
import { startStack, type TestStack } from '../support/server.ts';
import { consoleBundle } from '../support/console-bundle.ts';

let stack: TestStack;
let browser: Browser;
const { contexts } = closedAfterEachTest(() => ({ browser, stack }));

let conversationId: number;
let matchedMessageId: number;

beforeAll(async () => {
  await consoleBundle(); // the server serves public/build/console.js: build it from this source
  stack = await startStack();
  browser = await launchBrowser();
  const sql = stack.env.sql;
  const [customer] = await sql<{ id: number }[]>`insert into customers (name, email) values ('Hazel Quinn', 'hazel@example.org') returning id`;
  const [conversation] = await sql<{ id: number }[]>`
    insert into conversations (customer_id, status, queued_at, handed_off, last_message_at) values (${customer.id}, 'queued', now(), true, now()) returning id`;
  conversationId = Number(conversation.id);
  // The match is the 3rd of 40 messages: far above the bottom, where an opened chat starts.
  for (let i = 0; i < 40; i++) {
    const body = i === 2 ? 'The <b>Zeppelin</b> model kit came without its propeller' : `Message number ${i} about something else entirely`;
    const [row] = await sql<{ id: number }[]>`insert into messages (conversation_id, author_type, body) values (${conversationId}, ${i % 2 ? 'agent' : 'customer'}, ${body}) returning id`;
    if (i === 2) matchedMessageId = Number(row.id);
  }
}, 120_000);

async function inboxPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${stack.url}/console`);
  await signInOnLoginPage(page, stack.agent);
  await page.getByTestId('view-open').click();
  return page;
}

async function search(page: Page, words: string): Promise<void> {
  await page.getByTestId('inbox-search').fill(words);
  await page.getByTestId('inbox-search').press('Enter');
}

describe('inbox search', () => {
  it('shows the matched message with the words marked, and opens the chat at it', async () => {
    const page = await inboxPage();
    await search(page, 'zeppelin');
    const match = page.getByTestId('search-match');
    await match.waitFor();
    await expect.poll(() => page.getByTestId('inbox-item').count()).toBe(1);
    expect(await match.getAttribute('data-message-id')).toBe(String(matchedMessageId));
    expect(await match.innerText()).toContain('The <b>Zeppelin</b> model kit');
    expect(await match.locator('mark').allInnerTexts()).toEqual(['Zeppelin']);
    expect(await match.locator('b').count()).toBe(0);
    await page.screenshot({ path: artifactPath('console-search.png') });

    await match.click();
    await page.waitForURL(`**/console/conversations/${conversationId}`);
    const message = page.locator(`[data-testid=history] [data-message-id="${matchedMessageId}"]`);
    await expect.poll(() => message.getAttribute('class')).toContain('search-hit');
    // Within the history's visible part, not at its bottom where a chat opens.
    await expect.poll(() => message.evaluate((element) => {
      const history = element.closest('[data-testid=history]')!.getBoundingClientRect();
      const box = element.getBoundingClientRect();
      return box.top >= history.top && box.bottom <= history.bottom;
    })).toBe(true);
    await page.screenshot({ path: artifactPath('console-search-opened.png') });
  });

  it('says a short search looked only at the newest chats, and still finds in them', async () => {
    const page = await inboxPage();
    await search(page, 'ki');
    await page.getByTestId('search-recent-only').waitFor();
    expect(await page.getByTestId('search-recent-only').innerText()).toContain('2000');
    await expect.poll(() => page.getByTestId('inbox-item').count()).toBe(1);
    await search(page, 'zeppelin');
    await expect.poll(() => page.getByTestId('search-recent-only').count()).toBe(0);
    expect(await page.getByTestId('search-match').count()).toBe(1);
  });

  it('widens a search from the open view to every conversation, resolved ones too, with a button as well as Enter', async () => {
    const sql = stack.env.sql;
    const [customer] = await sql<{ id: number }[]>`insert into customers (name) values ('Ivo Lund') returning id`;
    const [old] = await sql<{ id: number }[]>`
      insert into conversations (customer_id, status, resolved_at, last_message_at) values (${customer.id}, 'resolved', now() - interval '20 days', now() - interval '20 days') returning id`;
    await sql`insert into messages (conversation_id, author_type, body) values (${old.id}, 'customer', 'Order NW-100777 never had its quokka plush')`;
    const page = await inboxPage();
    await page.getByTestId('inbox-search').fill('quokka');
    await page.getByTestId('inbox-search-go').click();
    await expect.poll(() => page.getByTestId('search-where').innerText()).toContain('Results in All open.');
    await expect.poll(() => page.getByTestId('inbox-item').count()).toBe(0);
    await page.getByTestId('search-everywhere').click();
    await expect.poll(() => page.getByTestId('search-where').innerText()).toContain('Results in all conversations.');
    await page.locator(`[data-testid=inbox-item][data-conversation-id="${old.id}"]`).waitFor();
    // Picking a tab narrows the widened search to it.
    await page.getByTestId('view-resolved').click();
    await expect.poll(() => page.getByTestId('search-where').innerText()).toContain('Results in Resolved.');
    await page.getByTestId('view-open').click();
    // Back to the view, and clearing the search leaves no scope line.
    await page.getByTestId('search-everywhere').click();
    await page.getByTestId('search-everywhere').click();
    await expect.poll(() => page.getByTestId('inbox-item').count()).toBe(0);
    await page.getByTestId('inbox-search').fill('');
    await expect.poll(() => page.getByTestId('search-where').count()).toBe(0);
  });
});
