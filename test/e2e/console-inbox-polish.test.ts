// Inbox polish asked for by a team coming from Intercom / Chatwoot, in Debian's Chromium (playwright-core) against a
// real server, Postgres and Redis: "All open" shows the chats people deal with (waiting or assigned) and the bot's
// chats one click away, with counts that match the list and a choice that survives a reload; Alt+J / Alt+K put the
// cursor in the opened chat's reply box (not when the agent is typing elsewhere), Alt+C puts it there, "?" lists the
// shortcuts; the conversation header says "Visitor #3 · Chat #1"; "Mark as unread" puts a chat back as unread.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifactPath, consoleTestBed, signInOnLoginPage } from '../support/browser.ts';

const bed = consoleTestBed();

async function consolePage(path: string, locale: 'en' | 'zh' = 'en'): Promise<Page> {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  bed.contexts.push(context);
  await context.addInitScript((l) => { if (!localStorage.getItem('sd.locale')) localStorage.setItem('sd.locale', l); }, locale);
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${bed.stack.url}${path}`);
  await signInOnLoginPage(page, bed.stack.agent);
  return page;
}

/** A chat in this status, with one shopper message (and, when assigned, held by the admin). */
async function chat(status: 'bot' | 'queued' | 'assigned', name: string | null, text: string): Promise<{ id: number; customerId: number }> {
  const { sql } = bed.stack.env;
  const [customer] = await sql<{ id: number }[]>`insert into customers (name) values (${name}) returning id`;
  const [admin] = await sql<{ id: number }[]>`select id from users where email = ${bed.stack.admin.email}`;
  const [conversation] = await sql<{ id: number }[]>`
    insert into conversations (customer_id, status, handed_off, queued_at, assignee_id, assigned_at, last_message_at)
    values (${customer.id}, ${status}, ${status !== 'bot'}, ${status !== 'bot' ? new Date() : null}, ${status === 'assigned' ? admin.id : null},
            ${status === 'assigned' ? new Date() : null}, now())
    returning id`;
  await sql`insert into messages (conversation_id, author_type, body) values (${conversation.id}, 'customer', ${text})`;
  return { id: Number(conversation.id), customerId: Number(customer.id) };
}

const listed = (page: Page) => page.getByTestId('inbox-item').evaluateAll((items) => items.map((i) => Number(i.getAttribute('data-conversation-id'))));
const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

beforeEach(async () => {
  // Each test starts from an empty inbox; nobody has a free seat, so no waiting chat is assigned behind the test's back.
  await bed.stack.env.sql`update conversations set status = 'resolved', resolved_at = now() where status <> 'resolved'`;
  await bed.stack.env.sql`update users set capacity = 0`;
});

describe('inbox polish', () => {
  it('"All open" shows the waiting and assigned chats; the bot\'s are one click away; counts match; the choice survives a reload', async () => {
    const bot = await chat('bot', 'Bea Bot', 'do you ship to Peru?');
    const queued = await chat('queued', 'Quentin Queue', 'I want a person');
    const assigned = await chat('assigned', 'Ava Assigned', 'refund please');
    const page = await consolePage('/console');
    await page.getByTestId('view-open').click();
    await expect.poll(() => listed(page).then((ids) => ids.sort())).toEqual([queued.id, assigned.id].sort());
    expect(await page.getByTestId('open-status').inputValue()).toBe('people');
    await expect.poll(() => page.getByTestId('count-open').textContent()).toBe('2');
    expect(await page.getByTestId('open-status').locator('option').allTextContents())
      .toEqual(['Waiting or assigned (2)', 'Waiting (1)', 'Assigned (1)', 'With the bot (1)', 'All statuses (3)']);
    await page.screenshot({ path: artifactPath('console-inbox-open-status.png') });

    // One click: the bot's chats, and the count says what is listed.
    expect(await page.getByTestId('show-bot-chats').textContent()).toBe('+ 1 with the bot');
    await page.getByTestId('show-bot-chats').click();
    await expect.poll(() => listed(page)).toEqual([bot.id]);
    expect(await page.getByTestId('count-open').textContent()).toBe('1');
    expect(await page.getByTestId('show-bot-chats').count()).toBe(0);

    // Kept over a reload.
    await page.reload();
    await page.getByTestId('view-open').click();
    await expect.poll(() => listed(page)).toEqual([bot.id]);
    expect(await page.getByTestId('open-status').inputValue()).toBe('bot');

    await page.getByTestId('open-status').selectOption('all');
    await expect.poll(() => listed(page).then((ids) => ids.length)).toBe(3);
    expect(await page.getByTestId('count-open').textContent()).toBe('3');
    await page.getByTestId('open-status').selectOption('queued');
    await expect.poll(() => listed(page)).toEqual([queued.id]);
    // The API behind it: several statuses at once, and the counts split by status add up to All open's.
    const api = await page.evaluate(async () => {
      const list = await (await fetch('/api/conversations?view=open&status=queued,assigned')).json() as { items: { conversation: { status: string } }[] };
      const counts = await (await fetch('/api/conversations/counts')).json() as { open: { total: number }; openByStatus: Record<string, { total: number }> };
      return { statuses: list.items.map((i) => i.conversation.status).sort(), open: counts.open.total, split: Object.values(counts.openByStatus).map((c) => c.total) };
    });
    expect(api).toEqual({ statuses: ['assigned', 'queued'], open: 3, split: [1, 1, 1] });
    // The other views are what they were: the filter belongs to All open.
    await page.getByTestId('view-queued').click();
    expect(await page.getByTestId('open-status').count()).toBe(0);

    // In Chinese.
    const zh = await consolePage('/console', 'zh');
    await zh.getByTestId('view-open').click();
    await expect.poll(() => zh.getByTestId('open-status').locator('option').first().textContent()).toBe('排队或已分配 (2)');
    expect(await zh.getByTestId('show-bot-chats').textContent()).toBe('+ 机器人处理中 1 个');
  });

  it('Alt+J / Alt+K put the cursor in the opened chat\'s reply box unless the agent types elsewhere; Alt+C and the "?" list', async () => {
    const older = await chat('queued', 'Olive Older', 'first question');
    const newer = await chat('queued', 'Nina Newer', 'second question');
    const page = await consolePage(`/console/conversations/${newer.id}`);
    await page.getByTestId('view-open').click();
    await expect.poll(() => listed(page)).toEqual([newer.id, older.id]);
    // The agent clicked the chat in the list (the link has the focus), then moves on with the keyboard.
    await page.locator(`[data-testid=inbox-item][data-conversation-id="${newer.id}"]`).click();
    await page.getByTestId('reply-input').waitFor();
    await page.keyboard.press('Alt+KeyJ');
    await page.waitForURL(`**/console/conversations/${older.id}`);
    await expect.poll(() => focused(page)).toBe('reply-input');
    await page.keyboard.type('Hello Olive');
    expect(await page.getByTestId('reply-input').inputValue()).toBe('Hello Olive');

    // From one reply box to the next: Alt+K.
    await page.keyboard.press('Alt+KeyK');
    await page.waitForURL(`**/console/conversations/${newer.id}`);
    await expect.poll(() => focused(page)).toBe('reply-input');
    expect(await page.getByTestId('reply-input').inputValue()).toBe('');

    // A select keeping the focus after a click is no typing: the cursor goes on to the reply box.
    await page.getByTestId('open-status').focus();
    await page.keyboard.press('Alt+KeyJ');
    await page.waitForURL(`**/console/conversations/${older.id}`);
    await expect.poll(() => focused(page)).toBe('reply-input');
    await page.keyboard.press('Alt+KeyK');
    await page.waitForURL(`**/console/conversations/${newer.id}`);
    await expect.poll(() => focused(page)).toBe('reply-input');

    // Typing in the search: the cursor stays there.
    await page.getByTestId('inbox-search').click();
    await page.keyboard.type('Oli');
    await page.keyboard.press('Alt+KeyJ');
    await page.waitForURL(`**/console/conversations/${older.id}`);
    await page.getByTestId('reply-input').waitFor();
    await expect.poll(() => page.getByTestId('reply-input').inputValue()).toBe('Hello Olive'); // the draft was kept
    expect(await focused(page)).toBe('inbox-search');

    // Alt+C: to the reply box from anywhere.
    await page.keyboard.press('Alt+KeyC');
    expect(await focused(page)).toBe('reply-input');

    // "?" in a text box is a question mark…
    await page.keyboard.type(' ?');
    expect(await page.getByTestId('reply-input').inputValue()).toBe('Hello Olive ?');
    expect(await page.getByTestId('shortcuts-dialog').count()).toBe(0);
    // …outside one, the list of shortcuts; Escape closes it and the focus goes back.
    await page.locator('.conversation-header h2').click();
    await page.keyboard.press('Shift+Slash');
    const dialog = page.getByTestId('shortcuts-dialog');
    await dialog.waitFor();
    expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open && d.matches(':modal'))).toBe(true);
    expect(await dialog.locator('h2').textContent()).toBe('Keyboard shortcuts');
    const rows = await dialog.getByTestId('shortcut-row').allTextContents();
    expect(rows).toContain('Alt+CPut the cursor in the reply box');
    expect(rows).toContain('Alt+J / Alt+KNext / previous chat in the list (the cursor goes to its reply box)');
    expect(rows).toContain('?This list (outside a text box)');
    await page.screenshot({ path: artifactPath('console-inbox-shortcuts.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // The small button opens it too, and Close shuts it with the focus back on the button.
    await page.getByTestId('shortcuts-button').click();
    await dialog.waitFor();
    await dialog.getByTestId('shortcuts-close').click();
    await dialog.waitFor({ state: 'detached' });
    expect(await focused(page)).toBe('shortcuts-button');

    // In Chinese.
    const zh = await consolePage('/console', 'zh');
    await zh.getByTestId('shortcuts-button').click();
    expect(await zh.getByTestId('shortcuts-dialog').locator('h2').textContent()).toBe('键盘快捷键');
    expect(await zh.getByTestId('shortcut-row').allTextContents()).toContain('Alt+C光标移到回复框');
  });

  it('the conversation header names the visitor and the chat: "Visitor #3 · Chat #1", in both languages', async () => {
    const anonymous = await chat('queued', null, 'hello?');
    const page = await consolePage(`/console/conversations/${anonymous.id}`);
    const heading = page.locator('.conversation-header h2');
    await expect.poll(() => heading.textContent()).toBe(`Visitor #${anonymous.customerId} · Chat #${anonymous.id}`);
    const named = await chat('queued', 'Nora Named', 'hi');
    await page.goto(`${bed.stack.url}/console/conversations/${named.id}`);
    await expect.poll(() => heading.textContent()).toBe(`Nora Named · Chat #${named.id}`);

    const zh = await consolePage(`/console/conversations/${anonymous.id}`, 'zh');
    await expect.poll(() => zh.locator('.conversation-header h2').textContent()).toBe(`访客 #${anonymous.customerId} · 会话 #${anonymous.id}`);
    expect(await zh.getByTestId('mark-unread').textContent()).toBe('标为未读');
  });

  it('"Mark as unread" puts the chat back in the inbox as unread for the team until someone opens it again', async () => {
    const { sql } = bed.stack.env;
    const waiting = await chat('queued', 'Una Unread', 'is anyone there?');
    await sql`insert into messages (conversation_id, author_type, body) values (${waiting.id}, 'customer', 'hello??')`;
    const seenMark = async () => Number((await sql<{ agent_last_seen_id: number }[]>`select agent_last_seen_id from conversations where id = ${waiting.id}`)[0].agent_last_seen_id);
    const [last] = await sql<{ id: number }[]>`select max(id) as id from messages where conversation_id = ${waiting.id}`;
    const page = await consolePage(`/console/conversations/${waiting.id}`);
    await expect.poll(seenMark).toBe(Number(last.id)); // opened in front: read
    await page.getByTestId('view-open').click();
    const row = page.locator(`[data-testid=inbox-item][data-conversation-id="${waiting.id}"]`);
    await expect.poll(() => row.getByTestId('unread').count()).toBe(0);

    // Another agent's console sees it come back unread too.
    const other = await bed.browser.newContext({ viewport: { width: 1440, height: 900 } });
    bed.contexts.push(other);
    const admin = await other.newPage();
    await admin.goto(`${bed.stack.url}/console`);
    await signInOnLoginPage(admin, bed.stack.admin);
    await admin.getByTestId('view-open').click();
    const adminRow = admin.locator(`[data-testid=inbox-item][data-conversation-id="${waiting.id}"]`);
    await adminRow.waitFor();
    expect(await adminRow.getByTestId('unread').count()).toBe(0);

    await page.getByTestId('mark-unread').click();
    await page.waitForURL(/\/console$/);
    await expect.poll(() => row.getByTestId('unread').textContent()).toBe('1');
    await expect.poll(() => page.getByTestId('view-open').locator('.unread').textContent()).toMatch(/^1/);
    await expect.poll(() => adminRow.getByTestId('unread').textContent()).toBe('1');
    expect(await seenMark()).toBe(Number(last.id) - 1);
    await page.screenshot({ path: artifactPath('console-inbox-mark-unread.png') });

    // Opening it reads it again.
    await row.click();
    await expect.poll(seenMark).toBe(Number(last.id));
    await expect.poll(() => row.getByTestId('unread').count()).toBe(0);
    // A chat the bot handles has no unread for agents: nothing to mark.
    const botChat = await chat('bot', 'Bo Bot', 'hi bot');
    await page.goto(`${bed.stack.url}/console/conversations/${botChat.id}`);
    await page.getByTestId('accept').waitFor();
    expect(await page.getByTestId('mark-unread').count()).toBe(0);
    expect(await page.evaluate(async (id) => (await fetch(`/api/conversations/${id}/unread`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, botChat.id)).toBe(409);
  });
});
