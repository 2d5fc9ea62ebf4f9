// The widget on a phone, used with the keyboard alone, in Chromium against the
// real server: focus stays in the full-screen chat after a rating, a file
// upload and a left message; a message the server refuses keeps its place with
// Retry and Remove; the text box takes as many characters as the server does.
import { beforeAll, describe, expect, it } from 'vitest';
import type { FileChooser, Page } from 'playwright-core';
import { callOk, eventually } from '../support/sockets.ts';
import { solidPng } from '../support/png.ts';
import { artifactPath } from '../support/browser.ts';
import type { Sql } from '../../server/db/client.ts';
import { loadWidgetSettings, saveWidgetSettings } from '../../server/services/widget-settings.ts';
import { bubbles, conversationOf as storedIn, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

/** The server's MAX_MESSAGE_CHARS for this file: small, so the limit is easy to cross. */
const MAX_CHARS = 40;

// Nobody online: the widget offers "Leave a message". A short lock timeout: a message stuck behind a held row lock
// is refused quickly (as it would be after DB_LOCK_TIMEOUT_MS, 10 s by default, on a real server).
const bed = widgetTestBed({ agentPresence: 'offline', stack: { config: { maxMessageChars: MAX_CHARS, dbLockTimeoutMs: 300 } } });
// The rating test's chat is the bot's alone: ask after every closed chat (the default asks only after a person's).
beforeAll(async () => {
  await saveWidgetSettings(bed.stack.env.sql, { ...(await loadWidgetSettings(bed.stack.env.sql)), csatAsk: 'all' });
});

const PHONE = { width: 375, height: 700 };
const phonePage = async () => {
  const opened = await newWidgetPage(bed.browser, bed.contexts, { viewport: PHONE, reducedMotion: 'reduce' });
  await openDemo(bed.stack, opened.page);
  await openWidget(opened.page);
  expect(await opened.page.locator('.panel').getAttribute('aria-modal')).toBe('true'); // full screen: a modal dialog
  return opened.page;
};
const conversationOf = (text: string) => storedIn(bed.stack, text);

/** The element focused inside the widget's shadow root (null when focus is elsewhere, e.g. on the page behind). */
function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement as HTMLElement | null;
    return el ? { tag: el.tagName.toLowerCase(), id: el.id, className: el.className, text: (el.textContent ?? '').trim() } : null;
  });
}

/** Tab stays inside the full-screen panel, and Escape still closes it (back to the launcher). */
async function trapStillWorks(page: Page): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    expect(await focused(page), `after Tab ${i + 1}`).not.toBeNull();
  }
  await page.keyboard.press('Escape');
  await page.locator('.panel').waitFor({ state: 'hidden' });
  expect((await focused(page))?.className).toContain('launcher');
}

/**
 * Holds the conversation's row locked (`select … for update` in a transaction of its own), as a long admin job or a
 * migration might: the server's insert of a message, which must lock that row too, waits the server's lock timeout
 * and fails. A real server error ('internal'), not a faked answer. Returns the release.
 */
async function holdConversationLock(sql: Sql, conversationId: number): Promise<() => Promise<void>> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let transaction!: Promise<unknown>;
  await new Promise<void>((locked, failed) => {
    transaction = sql.begin(async (tx) => {
      await tx`select id from conversations where id = ${conversationId} for update`;
      locked();
      await held;
    });
    transaction.catch(failed);
  });
  return async () => {
    release();
    await transaction;
  };
}

/** Shift+Tab from where focus is until a button with this text is focused: it can be reached with the keyboard. */
async function shiftTabTo(page: Page, text: string, near: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Shift+Tab');
    const now = await focused(page);
    expect(now).not.toBeNull();
    if (now!.tag === 'button' && now!.text === text && (await page.evaluate((t) => {
      const el = document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement!;
      return el.closest('.msg')?.querySelector('.text')?.textContent === t;
    }, near))) return;
  }
  throw new Error(`no "${text}" button reached by Shift+Tab for "${near}"`);
}

describe('widget on a phone, keyboard only', () => {
  it('after sending a rating, focus is on the thanks and the full-screen trap still works', async () => {
    const page = await phonePage();
    await send(page, 'Rate me please');
    const conversationId = await conversationOf('Rate me please');
    await callOk(bed.agent, 'conversation:resolve', { conversationId });
    const csat = page.locator('[data-card="csat"]');
    await csat.waitFor();

    await csat.getByRole('radio', { name: '1 out of 5' }).focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight'); // 4 out of 5
    expect(await csat.getByRole('radio', { name: '4 out of 5' }).getAttribute('aria-checked')).toBe('true');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Quick');
    await page.keyboard.press('Tab');
    expect((await focused(page))?.text).toBe('Send rating');
    await page.keyboard.press('Enter');

    await csat.getByText('Thank you for rating this conversation!').waitFor();
    expect(await focused(page)).toEqual({ tag: 'p', id: '', className: '', text: 'Thank you for rating this conversation!' });
    await trapStillWorks(page);
  });

  it('after attaching a file with the keyboard, focus stays on the attach button during and after the upload', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts, { viewport: PHONE, reducedMotion: 'reduce' });
    // Listening from the start: Playwright then takes over the file dialog before any key is pressed (listening only
    // right before the key press sometimes came too late, and the dialog was missed).
    const choosers: FileChooser[] = [];
    page.on('filechooser', (chooser) => choosers.push(chooser));
    await openDemo(bed.stack, page);
    await openWidget(page);
    // The upload takes a few seconds (a phone connection): long enough to look at the button while it is busy, also on
    // a loaded machine where each look below takes a while (with one second the upload could end before the last).
    await page.route('**/api/widget/attachments**', async (route) => {
      await new Promise((r) => setTimeout(r, 3_000));
      await route.continue();
    });
    await page.locator('.compose .attach').focus();
    expect((await focused(page))?.className).toBe('icon-btn attach');
    await page.keyboard.press('Enter');
    await expect.poll(() => choosers.length).toBe(1);
    await choosers[0].setFiles({ name: 'scratch.png', mimeType: 'image/png', buffer: await solidPng(80, 60, [40, 120, 200]) });

    const attach = page.locator('.compose .attach');
    await page.locator('.file-notice', { hasText: 'Sending scratch.png…' }).waitFor();
    await new Promise((r) => setTimeout(r, 200)); // a focused button that was disabled loses focus at the next frame
    expect((await focused(page))?.className).toBe('icon-btn attach'); // still focused while it uploads…
    expect(await attach.getAttribute('aria-disabled')).toBe('true'); // …marked busy (a second file waits)
    await page.locator('.log .msg.mine .attachments img').waitFor({ timeout: 15_000 });
    await expect.poll(() => attach.getAttribute('aria-disabled')).toBeNull();
    expect((await focused(page))?.className).toBe('icon-btn attach');
    await trapStillWorks(page);
  });

  it('after leaving a message, focus is on the thanks; a message over the limit is refused with the reason', async () => {
    const page = await phonePage();
    const leave = page.locator('.notice').getByRole('button', { name: 'Leave a message' });
    await leave.focus();
    await page.keyboard.press('Enter');
    const form = page.locator('[data-card="offline"]');
    await form.waitFor();
    expect((await focused(page))?.tag).toBe('input'); // the email field
    await page.keyboard.type('kai@example.com');
    await page.keyboard.press('Tab'); // name (optional)
    await page.keyboard.press('Tab');
    const tooLong = 'Do you ship to Norway, and how long does it take?'; // 49 characters
    await page.keyboard.type(tooLong);
    await page.keyboard.press('Tab');
    expect((await focused(page))?.text).toBe('Send');
    await page.keyboard.press('Enter');
    await form.getByText(`Your message is longer than ${MAX_CHARS} characters: please shorten it to send it.`).waitFor();
    expect((await focused(page))?.tag).toBe('textarea'); // back on the message, which is kept whole
    expect(await form.getByLabel('Message').inputValue()).toBe(tooLong);

    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('Do you ship to Norway?');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await form.getByText('Thanks! We received your message and will reply by email.').waitFor();
    expect(await focused(page)).toEqual({ tag: 'p', id: '', className: '', text: 'Thanks! We received your message and will reply by email.' });
    const rows = await bed.stack.env.sql<{ body: string }[]>`select body from offline_messages where email = 'kai@example.com'`;
    expect(rows).toEqual([{ body: 'Do you ship to Norway?' }]);
    await trapStillWorks(page);
  });

  it('a message the server refuses keeps its place with Retry and Remove; Retry delivers it once, with its client id', async () => {
    const page = await phonePage();
    await send(page, 'Before the lock');
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor(); // the bot answered (greeting + answer)
    const conversationId = await conversationOf('Before the lock');

    const release = await holdConversationLock(bed.stack.env.sql, conversationId);
    try {
      const started = Date.now();
      await send(page, 'Stuck behind a lock');
      await send(page, 'Also stuck');
      const stuck = page.locator('.log .msg.mine', { hasText: 'Stuck behind a lock' });
      // 'internal' is retried by itself (after 2 s, then 8 s) before the shopper is asked.
      await stuck.locator('.meta.failed').waitFor({ timeout: 20_000 });
      expect(Date.now() - started).toBeGreaterThan(9_000);
      expect(await stuck.locator('.meta').textContent()).toBe('Not sent: Something went wrong on our side; please try again.');
      await page.locator('.log .msg.mine', { hasText: 'Also stuck' }).locator('.meta.failed').waitFor({ timeout: 20_000 });
    } finally {
      await release();
    }

    await send(page, 'After the lock');
    await page.locator('.log .msg.mine', { hasText: 'After the lock' }).locator('.meta[data-state="Sent"]').waitFor();
    // The refused messages stay where they were written, above the one sent after them.
    const shown = (await bubbles(page)).filter((b) => b.who === 'You').map((b) => [b.text, b.state]);
    expect(shown).toEqual([
      ['Before the lock', 'Sent'],
      ['Stuck behind a lock', 'Not sent: Something went wrong on our side; please try again.'],
      ['Also stuck', 'Not sent: Something went wrong on our side; please try again.'],
      ['After the lock', 'Sent'],
    ]);
    await page.screenshot({ path: artifactPath('widget-not-sent.png') });
    const stored = async (text: string) => bed.stack.env.sql<{ client_id: string }[]>`select client_id from messages where body = ${text}`;
    expect(await stored('Stuck behind a lock')).toEqual([]);

    // Remove, with the keyboard: the row goes, focus lands on the text box.
    await page.locator('#sd-input').focus();
    await shiftTabTo(page, 'Remove', 'Also stuck');
    await page.keyboard.press('Enter');
    await page.locator('.log .msg.mine', { hasText: 'Also stuck' }).waitFor({ state: 'detached' });
    expect((await focused(page))?.id).toBe('sd-input');

    // Retry, with the keyboard: sent again with the client id it had.
    const clientId = await page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.endsWith(':outbox'))!;
      return (JSON.parse(localStorage.getItem(key)!) as { clientId: string; text: string }[]).find((i) => i.text === 'Stuck behind a lock')!.clientId;
    });
    await shiftTabTo(page, 'Retry', 'Stuck behind a lock');
    await page.keyboard.press('Enter');
    await page.locator('.log .msg.mine', { hasText: 'Stuck behind a lock' }).locator('.meta[data-state="Sent"]').waitFor();
    expect((await focused(page))?.id).toBe('sd-input');
    expect(await stored('Stuck behind a lock')).toEqual([{ client_id: clientId }]);
    expect(await stored('Also stuck')).toEqual([]);
    await trapStillWorks(page);
  }, 90_000);

  it("the text box's limit is the server's MAX_MESSAGE_CHARS: a longer paste is kept whole, flagged and not sent", async () => {
    const { page, context } = await newWidgetPage(bed.browser, bed.contexts, { viewport: PHONE });
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await openDemo(bed.stack, page);
    await openWidget(page);
    const input = page.locator('#sd-input');
    expect(await input.getAttribute('maxlength')).toBeNull(); // nothing is cut without a word

    const pasted = 'My order 1042 arrived broken, the box was crushed'; // 49 characters
    await page.evaluate((text) => navigator.clipboard.writeText(text), pasted);
    await input.focus();
    await page.keyboard.press('ControlOrMeta+V');
    expect(await input.inputValue()).toBe(pasted);
    const notice = page.locator('#sd-too-long');
    await notice.waitFor();
    expect(await notice.textContent()).toBe(`Your message is longer than ${MAX_CHARS} characters: please shorten it to send it.`);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await input.getAttribute('aria-describedby')).toBe('sd-too-long');

    await page.keyboard.press('Enter'); // refused here, not sent to fail
    expect(await input.inputValue()).toBe(pasted);
    expect((await focused(page))?.id).toBe('sd-input');
    expect(await page.locator('.log .msg.mine').count()).toBe(0);

    // Exactly the limit is fine, and the server takes it.
    const fits = pasted.slice(0, MAX_CHARS);
    await input.fill(fits);
    await notice.waitFor({ state: 'hidden' });
    expect(await input.getAttribute('aria-invalid')).toBeNull();
    await page.keyboard.press('Enter');
    await page.locator('.log .msg.mine', { hasText: fits }).locator('.meta[data-state="Sent"]').waitFor();
    expect(await eventually(async () => (await bed.stack.env.sql`select 1 from messages where body = ${fits}`).length, 10_000, 'stored')).toBe(1);
  });

  it('an older server that does not send maxMessageChars gets the old limit of 4000', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts, { viewport: PHONE });
    await page.route('**/api/widget/settings**', async (route) => {
      const response = await route.fetch();
      const { maxMessageChars: _, ...older } = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: older });
    });
    await openDemo(bed.stack, page);
    await openWidget(page);
    const input = page.locator('#sd-input');
    await input.fill('x'.repeat(4000));
    expect(await page.locator('#sd-too-long').isHidden()).toBe(true);
    await input.fill('x'.repeat(4001));
    await page.locator('#sd-too-long', { hasText: 'longer than 4000 characters' }).waitFor();
  });
});
