// The console after an accessibility review (axe-core, keyboard, screen reader; WCAG 2.2 AA), in Debian's Chromium
// (playwright-core) against a real server, Postgres and Redis: "Take over" asks first with focus on the confirming
// button (a second Enter never returns the chat to the queue), Escape cancels; actions whose button goes away leave
// focus on the chat's heading and say what happened; the Snooze control is a disclosure that Escape closes; admin
// controls have names; chosen states are exposed (aria-pressed, aria-current); a Chinese message is marked as Chinese;
// landmarks are there and named. Shoppers are socket.io clients.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget, type WidgetClient } from '../support/sockets.ts';

const bed = consoleTestBed();

type Account = { email: string; password: string };

/** The console at `path`, signed in as `account` (the demo agent unless said). */
const consolePage = async (path: string, account: Account = bed.stack.agent): Promise<Page> => (await signedInConsole(bed, path, { account })).page;

interface Chat { socket: WidgetClient; conversationId: number }

let counter = 0;
/** A shopper's chat that the demo agent (Sam Agent) holds, opened with `text`. */
async function heldChat(name: string, text = `Hello, ${name} here.`): Promise<Chat> {
  const session = await widgetSession(bed.stack.url, { name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`, locale: 'en' });
  const socket = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(socket);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `review-${++counter}`, text });
  await callOk(bed.agentApi, 'conversation:accept', { conversationId: sent.conversationId });
  return { socket, conversationId: sent.conversationId };
}

/** What has focus: its data-testid, else its tag name (BODY when focus was lost). */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

/**
 * Focuses the control and waits until focus stays there: an open chat puts the cursor in the reply box once it has
 * loaded, and a key pressed before that lands in the reply box instead.
 */
async function focusOn(page: Page, testId: string): Promise<void> {
  await page.getByTestId('reply-input').waitFor();
  await expect.poll(async () => {
    await page.getByTestId(testId).focus();
    await page.waitForTimeout(200);
    return focused(page);
  }).toBe(testId);
}

const stored = async (conversationId: number) => {
  const [row] = await bed.stack.env.sql<{ status: string; email: string | null }[]>`
    select c.status, u.email from conversations c left join users u on u.id = c.assignee_id where c.id = ${conversationId}`;
  return row;
};

describe('console accessibility review', () => {
  it('Take over: focus goes to the confirming button, Escape and Cancel go back to Take over, and no Enter returns the chat to the queue', async () => {
    const chat = await heldChat('Tess Takeover');
    const page = await consolePage(`/console/conversations/${chat.conversationId}`, bed.stack.admin);
    const takeOver = page.getByTestId('takeover');
    await focusOn(page, 'takeover');
    await page.keyboard.press('Enter');
    await page.getByTestId('takeover-confirm').waitFor();
    await expect.poll(() => focused(page)).toBe('takeover-yes');
    // The question is a named group: the screen reader says what is asked.
    expect(await page.getByRole('group', { name: 'Take this chat over from Sam Agent? They will be told.' }).count()).toBe(1);

    await page.keyboard.press('Escape');
    await page.getByTestId('takeover-confirm').waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('takeover');

    // Cancel does the same.
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('takeover-yes');
    await page.getByTestId('takeover-cancel').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('takeover');
    expect(await stored(chat.conversationId)).toEqual({ status: 'assigned', email: bed.stack.agent.email });

    // Enter, Enter: the second one confirms (the chat is the admin's now), never "Return to queue".
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('takeover-yes');
    await page.keyboard.press('Enter');
    await expect.poll(() => stored(chat.conversationId)).toEqual({ status: 'assigned', email: bed.stack.admin.email });
    // "Take over" has gone: focus is on the chat's heading, not on <body> nor on the button now in its place.
    await expect.poll(() => focused(page)).toBe('conversation-heading');
    await expect.poll(() => page.getByTestId('live-announcer').textContent()).toContain('You took over the chat.');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    expect(await stored(chat.conversationId)).toEqual({ status: 'assigned', email: bed.stack.admin.email });
  }, 60_000);

  it('Return to queue leaves focus on the chat heading and says so', async () => {
    const chat = await heldChat('Quinn Queue');
    const page = await consolePage(`/console/conversations/${chat.conversationId}`);
    await focusOn(page, 'requeue');
    await page.keyboard.press('Enter');
    // Returned (a system line says so); the assignment pass may give it straight back to Sam, the only agent online.
    await expect.poll(async () => (await bed.stack.env.sql`
      select 1 from messages where conversation_id = ${chat.conversationId} and author_type = 'system' and metadata ->> 'event' = 'agent_requeued'`).length).toBe(1);
    await expect.poll(() => focused(page)).toBe('conversation-heading');
    await expect.poll(() => page.getByTestId('live-announcer').textContent()).toContain('Returned to the queue.');
  });

  it('Block shopper: focus goes to the reason box, Escape goes back to the button, and after blocking and unblocking it stays in the panel', async () => {
    const chat = await heldChat('Bea Blocked');
    const page = await consolePage(`/console/conversations/${chat.conversationId}`);
    await focusOn(page, 'block');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200))).toContain('Reason (seen by your team)');
    await page.keyboard.press('Escape');
    await expect.poll(() => focused(page)).toBe('block');
    await page.keyboard.press('Enter');
    await page.keyboard.type('spam links');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('customer-blocked');
    await page.getByTestId('unblock').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('block');
  });

  it('pointer targets are at least 24 × 24 px (WCAG 2.5.8): the small buttons beside a chat and the inbox\'s ticks', async () => {
    const chat = await heldChat('Tara Target');
    const page = await consolePage(`/console/conversations/${chat.conversationId}`);
    await page.getByTestId('customer-panel').waitFor();
    await page.getByTestId('bulk-tick').first().waitFor();
    const undersized = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('button.small, input.bulk-tick')]
      .filter((el) => el.offsetParent !== null)
      .map((el) => ({ what: el.dataset.testid ?? el.textContent?.trim() ?? el.className, box: el.getBoundingClientRect() }))
      .filter(({ box }) => box.width < 24 || box.height < 24)
      .map(({ what, box }) => `${what}: ${Math.round(box.width)}×${Math.round(box.height)}`));
    expect(undersized).toEqual([]);
    expect(await page.locator('button.small').count()).toBeGreaterThan(2);
  });

  it('Snooze is a disclosure: a labelled group of buttons, Escape closes it onto the button, a preset leaves focus on the heading and is announced', async () => {
    const chat = await heldChat('Sunny Snooze');
    const page = await consolePage(`/console/conversations/${chat.conversationId}`);
    const button = page.getByTestId('snooze');
    expect(await button.getAttribute('aria-haspopup')).toBeNull();
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    await focusOn(page, 'snooze');
    await page.keyboard.press('Enter');
    const panel = page.getByTestId('snooze-menu');
    await panel.waitFor();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    expect(await panel.getAttribute('role')).toBe('group');
    expect(await panel.getAttribute('aria-label')).toBe('Snooze until');
    expect(await button.getAttribute('aria-controls')).toBe(await panel.getAttribute('id'));
    expect(await page.locator('[role=menu], [role=menuitem]').count()).toBe(0);

    // Escape from inside: closed, and focus back on Snooze.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('snooze-oneHour');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toBe('snooze');
    expect(await button.getAttribute('aria-expanded')).toBe('false');

    // A preset: the control goes (the chat is snoozed); focus on the heading and "Snoozed until …" said.
    await page.keyboard.press('Enter');
    await panel.waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByTestId('snoozed-until').waitFor();
    await expect.poll(() => focused(page)).toBe('conversation-heading');
    await expect.poll(() => page.getByTestId('live-announcer').textContent()).toContain('Snoozed until ');
    expect(await page.getByTestId('live-announcer').textContent()).toContain(await page.getByTestId('snoozed-until').evaluate((el) => el.firstChild?.textContent ?? ''));
  });

  it('chosen states are exposed: the Reply / Private note toggle (aria-pressed) and the page in the top bar (aria-current)', async () => {
    const chat = await heldChat('Paula Pressed');
    const page = await consolePage(`/console/conversations/${chat.conversationId}`);
    const reply = page.getByTestId('mode-reply');
    const note = page.getByTestId('mode-note');
    await reply.waitFor();
    expect([await reply.getAttribute('aria-pressed'), await note.getAttribute('aria-pressed')]).toEqual(['true', 'false']);
    await note.click();
    expect([await reply.getAttribute('aria-pressed'), await note.getAttribute('aria-pressed')]).toEqual(['false', 'true']);
    expect(await page.getByRole('group', { name: 'Message type' }).getByRole('button', { name: 'Private note', pressed: true }).count()).toBe(1);

    const current = () => page.locator('.topbar nav a[aria-current=page]').allTextContents();
    expect(await current()).toEqual(['Inbox']);
    await page.getByTestId('nav-customers').click();
    await expect.poll(current).toEqual(['Customers']);
  });

  it("a Chinese message is marked as Chinese (the console's language is English), an English one as English; the language names too", async () => {
    const chat = await heldChat('Wang Lan', '怎么退货？');
    await callOk(chat.socket, 'message:send', { conversationId: chat.conversationId, clientId: `review-${++counter}`, text: 'where is my parcel' });
    const page = await consolePage(`/console/conversations/${chat.conversationId}`);
    const history = page.getByTestId('history');
    await history.getByText('where is my parcel').waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await history.locator('.msg-text', { hasText: '怎么退货？' }).getAttribute('lang')).toBe('zh-CN');
    expect(await history.locator('.msg-text', { hasText: 'where is my parcel' }).getAttribute('lang')).toBe('en');
    // The chrome of the row (who, when) stays in the console's language.
    expect(await history.locator('[data-testid=msg-customer]', { hasText: '怎么退货？' }).getAttribute('lang')).toBeNull();
    const switcher = page.locator('.topbar select.lang');
    expect(await switcher.locator('option[value=zh-CN]').getAttribute('lang')).toBe('zh-CN');
    expect(await switcher.locator('option[value=zh-TW]').getAttribute('lang')).toBe('zh-TW');
    expect(await switcher.locator('option[value=en]').getAttribute('lang')).toBe('en');
  });

  it('landmarks: the login page is a main landmark and a refused sign-in keeps focus on the form; the inbox columns are named', async () => {
    const { page } = await signedInConsole(bed, '/console', { account: null });
    await page.getByTestId('login-form').waitFor();
    expect(await page.locator('main').count()).toBe(1);
    expect(await page.locator('main [data-testid=login-form]').count()).toBe(1);
    await page.fill('input[name=email]', bed.stack.agent.email);
    await page.fill('input[name=password]', 'not-the-password');
    await page.locator('button[type=submit]').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('login-error').waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('BUTTON');
    expect(await page.locator('button[type=submit]').getAttribute('aria-disabled')).toBeNull();

    await page.fill('input[name=password]', bed.stack.agent.password);
    await page.keyboard.press('Enter');
    await page.getByTestId('whoami').waitFor();
    expect(await page.getByRole('complementary', { name: 'Chats' }).count()).toBe(1);
    expect(await page.getByRole('complementary', { name: 'Customer details' }).count()).toBe(1);
  });

  it('admin controls have names: role and capacity per member, the add-member and canned forms (visible labels), the locale, the snippet, the intent pickers; action columns are headed; heading levels do not skip', async () => {
    const page = await consolePage('/console/admin/team', bed.stack.admin);
    const team = page.getByTestId('team');
    await team.getByTestId('team-row').first().waitFor();
    // The parts of the page are buttons that say which one is shown.
    expect(await page.getByRole('group', { name: 'Settings sections' }).getByRole('button', { name: 'Team', exact: true, pressed: true }).count()).toBe(1);
    expect(await page.getByTestId('tab-canned').getAttribute('aria-pressed')).toBe('false');

    const row = team.locator(`[data-testid=team-row][data-email="${bed.stack.agent.email}"]`);
    expect(await row.getByRole('combobox', { name: 'Role – Sam Agent' }).count()).toBe(1);
    expect(await row.getByRole('spinbutton', { name: 'Capacity – Sam Agent' }).count()).toBe(1);
    expect(await team.getByRole('combobox', { name: 'Role – Ada Admin' }).count()).toBe(1);
    expect(await team.getByRole('columnheader', { name: 'Actions' }).count()).toBe(1);

    // The add-member form's fields are labelled with visible text (not a placeholder alone).
    const form = page.getByTestId('team-create');
    for (const [role, name] of [['textbox', 'Name'], ['textbox', 'Email'], ['combobox', 'Role'], ['spinbutton', 'Capacity']] as const) {
      const field = form.getByRole(role, { name, exact: true });
      expect(await field.count()).toBe(1);
      // The label's own words, shown above the field.
      expect(await field.evaluate((el) => (el as HTMLInputElement).labels?.[0]?.firstChild?.textContent ?? '')).toBe(name);
    }

    // Heading levels go down one at a time (h1, then h2 …).
    const levels = () => page.locator('main').evaluate((main) => [...main.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1])));
    const noSkips = (list: number[]) => list.every((level, i) => i === 0 || level <= list[i - 1] + 1);
    const teamLevels = await levels();
    expect(teamLevels.slice(0, 3)).toEqual([1, 2, 3]);
    expect(noSkips(teamLevels)).toBe(true);

    await page.getByTestId('tab-canned').click();
    const canned = page.getByTestId('canned-form');
    await canned.waitFor();
    expect(await page.getByTestId('tab-canned').getAttribute('aria-pressed')).toBe('true');
    for (const [role, name] of [['textbox', 'Shortcut'], ['textbox', 'Title'], ['combobox', 'Language'], ['textbox', 'Text']] as const) {
      expect(await canned.getByRole(role, { name, exact: true }).count()).toBe(1);
    }

    await page.getByTestId('tab-widget').click();
    await page.getByTestId('install-snippet').waitFor();
    expect(await page.getByRole('textbox', { name: 'Install on your shop' }).getAttribute('data-testid')).toBe('install-snippet');

    // The Unanswered page: each row's intent picker names the question it is for.
    const question = 'Do you gift-wrap telescopes?';
    const examples = [{ text: question, conversationId: null, at: new Date().toISOString(), reason: 'no_match' }];
    await bed.stack.env.sql`insert into unanswered_questions (locale, text, normalised, cluster_key, count, examples, status, first_seen, last_seen)
      values ('en', ${question}, ${question.toLowerCase()}, ${'review gift wrap'}, 1, ${bed.stack.env.sql.json(examples as never)}, 'open', now(), now())`;
    await page.locator('.topbar nav a', { hasText: 'Unanswered' }).click();
    const unanswered = page.getByTestId('unanswered-row').filter({ hasText: 'gift-wrap' });
    await unanswered.waitFor();
    expect(await unanswered.getByRole('combobox', { name: `Intent for “${question}”` }).count()).toBe(1);
    expect(await page.getByTestId('unanswered').getByRole('columnheader', { name: 'Actions' }).count()).toBe(1);

    await page.locator('.topbar nav a', { hasText: 'Reports' }).click();
    await page.getByTestId('report-agents').waitFor();
    expect(noSkips(await levels())).toBe(true);
  }, 60_000);
});
