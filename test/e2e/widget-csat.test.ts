// The rating card ("How did we do?") in Debian's Chromium against a real server, with the workers: under the
// default 'people' setting a chat only the bot answered asks for no rating, while one an agent held and answered
// does, its 1–5 buttons saying what they mean (in English and Chinese, the scale's ends named under them on one short
// line); under 'all' a bot-only chat asks too. The rating then shows in the console's conversation header, live.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callOk, eventually } from '../support/sockets.ts';
import { artifactPath, signInOnLoginPage } from '../support/browser.ts';
import { loadWidgetSettings, saveWidgetSettings, type CsatAsk } from '../../server/services/widget-settings.ts';
import { conversationOf as storedIn, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const bed = widgetTestBed({ consoleBundle: true, agentPresence: 'offline', stack: { workers: true } });
const conversationOf = (text: string) => storedIn(bed.stack, text);
const setAsk = async (csatAsk: CsatAsk) => saveWidgetSettings(bed.stack.env.sql, { ...(await loadWidgetSettings(bed.stack.env.sql)), csatAsk });

async function widgetPage(options: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const { page } = await newWidgetPage(bed.browser, bed.contexts, options);
  await openDemo(bed.stack, page);
  await openWidget(page);
  return page;
}

/** The shopper writes; the bot answers; an agent closes the chat without a word (as the idle bot chats are closed). */
async function botOnlyChatResolved(page: Page, text: string): Promise<number> {
  await send(page, text);
  const conversationId = await conversationOf(text);
  await eventually(async () => (await bed.stack.env.sql`select 1 from messages where conversation_id = ${conversationId} and author_type = 'bot'`).length > 0, 15_000, 'the bot answer');
  await callOk(bed.agent, 'conversation:resolve', { conversationId });
  return conversationId;
}

/** The shopper writes; the agent takes the chat, answers and resolves it. */
async function personChatResolved(page: Page, text: string): Promise<number> {
  await send(page, text);
  const conversationId = await conversationOf(text);
  await callOk(bed.agent, 'conversation:accept', { conversationId });
  await callOk(bed.agent, 'message:send', { conversationId, clientId: `reply-${conversationId}`, text: 'Refunded just now.' });
  await page.locator('.log .msg', { hasText: 'Refunded just now.' }).waitFor();
  await callOk(bed.agent, 'conversation:resolve', { conversationId });
  return conversationId;
}

/** Long enough for the resolved chat to reach the widget (its "ended" line and card come at once when they come). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_000));
/** The chat rated 4 with a comment in the second test, for the reports' list. */
let ratedChat = 0;

describe('the rating card', () => {
  it("is set in the console's Widget tab: people (the default), every chat, or never", async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    await page.goto(`${bed.stack.url}/console/admin/team`);
    await signInOnLoginPage(page, bed.stack.admin, 'tab-widget');
    await page.getByTestId('tab-widget').click();
    const select = page.getByTestId('csat-ask');
    expect(await select.inputValue()).toBe('people');
    expect(await select.locator('option').allTextContents()).toEqual(['After chats a person handled', "After every closed chat, the bot's too", 'Never']);
    await select.selectOption('all');
    const form = page.getByTestId('widget-settings');
    await form.locator('button[type=submit]').click();
    await form.locator('.ok').waitFor();
    expect((await loadWidgetSettings(bed.stack.env.sql)).csatAsk).toBe('all');
    await setAsk('people');
  });

  it("under 'people' (the default) asks nothing after a bot-only chat", async () => {
    expect((await loadWidgetSettings(bed.stack.env.sql)).csatAsk).toBe('people');
    const page = await widgetPage();
    await botOnlyChatResolved(page, 'Do you ship to Norway?');
    await settle();
    expect(await page.locator('[data-card="csat"]').count()).toBe(0);
    expect(await page.locator('[data-card="ended"]').count()).toBe(0);
  });

  it("asks after a chat a person handled, each button saying what it means, on one short line on a phone; the console shows the rating live", async () => {
    await setAsk('people');
    const page = await widgetPage({ viewport: { width: 375, height: 700 } });
    const conversationId = await personChatResolved(page, 'I want my refund');
    ratedChat = conversationId;
    const csat = page.locator('[data-card="csat"]');
    await csat.waitFor();
    for (const [n, meaning] of [[1, 'very bad'], [2, 'bad'], [3, 'okay'], [4, 'good'], [5, 'very good']] as const) {
      expect(await csat.locator(`[data-rating="${n}"]`).getAttribute('aria-label')).toBe(`${n} out of 5, ${meaning}`);
    }
    const ends = csat.locator('.csat-scale-ends');
    expect(await ends.getAttribute('aria-hidden')).toBe('true');
    expect(await ends.locator('[data-scale="low"]').textContent()).toBe('Very bad');
    expect(await ends.locator('[data-scale="high"]').textContent()).toBe('Very good');
    // One line as wide as the buttons: the card grows by a line of small text, no more.
    const [first, last, line] = await Promise.all([csat.locator('[data-rating="1"]').boundingBox(), csat.locator('[data-rating="5"]').boundingBox(), ends.boundingBox()]);
    expect(line!.height).toBeLessThan(20);
    expect(Math.abs(line!.x - first!.x)).toBeLessThan(2);
    expect(Math.abs(line!.x + line!.width - (last!.x + last!.width))).toBeLessThan(2);
    expect(line!.y).toBeGreaterThanOrEqual(first!.y + first!.height);
    await csat.screenshot({ path: artifactPath('widget-csat-scale.png') });

    // The agent has the chat open in the console when the rating comes.
    const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    bed.contexts.push(context);
    const console_ = await context.newPage();
    await console_.goto(`${bed.stack.url}/console/conversations/${conversationId}`);
    await signInOnLoginPage(console_, bed.stack.agent);
    await console_.getByTestId('conversation').waitFor();
    expect(await console_.getByTestId('conversation-rating').count()).toBe(0);

    await csat.getByRole('radio', { name: '4 out of 5, good' }).click();
    await csat.locator('textarea').fill('Quick refund, thanks');
    await csat.getByRole('button', { name: 'Send rating' }).click();
    await csat.getByText('Thank you for rating this conversation!').waitFor();
    const rating = console_.getByTestId('conversation-rating');
    await rating.waitFor({ timeout: 20_000 });
    expect(await rating.getAttribute('data-rating')).toBe('4');
    expect(await rating.textContent()).toBe('Rated 4/5 — Quick refund, thanks');
    // Still there after a reload.
    await console_.reload();
    await rating.waitFor();
    expect(await rating.textContent()).toBe('Rated 4/5 — Quick refund, thanks');
  });

  it("the reports list the range's ratings with comments, lowest first, each opening its chat", async () => {
    expect(ratedChat).toBeGreaterThan(0);
    const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    bed.contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${bed.stack.url}/console/admin/reports`);
    await signInOnLoginPage(page, bed.stack.admin);
    const card = page.getByTestId('report-rated-comments');
    const row = card.locator(`[data-testid="report-rated-comment"][data-conversation-id="${ratedChat}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-rating')).toBe('4');
    expect(await row.textContent()).toContain('Quick refund, thanks');
    await row.getByRole('link', { name: `Chat #${ratedChat}` }).click();
    await page.getByTestId('conversation-rating').waitFor();
    expect(page.url()).toBe(`${bed.stack.url}/console/conversations/${ratedChat}`);
  });

  it('names the buttons and the ends of the scale in Chinese', async () => {
    await setAsk('people');
    const page = await widgetPage({ locale: 'zh-CN' });
    await personChatResolved(page, '我要退款');
    const csat = page.locator('[data-card="csat"]');
    await csat.waitFor();
    expect(await csat.locator('[data-rating="1"]').getAttribute('aria-label')).toBe('1 分（满分 5 分），非常不满意');
    expect(await csat.locator('[data-rating="5"]').getAttribute('aria-label')).toBe('5 分（满分 5 分），非常满意');
    expect(await csat.locator('[data-scale="low"]').textContent()).toBe('非常不满意');
    expect(await csat.locator('[data-scale="high"]').textContent()).toBe('非常满意');
  });

  it("under 'all' asks after a bot-only chat too; under 'never' not even after a person's", async () => {
    await setAsk('all');
    const page = await widgetPage();
    await botOnlyChatResolved(page, 'Do you ship to Iceland?');
    await page.locator('[data-card="csat"]').waitFor();
    expect(await page.locator('[data-card="csat"] .csat-scale-ends').count()).toBe(1);

    await setAsk('never');
    const other = await widgetPage();
    await personChatResolved(other, 'Refund my order please');
    await settle();
    expect(await other.locator('[data-card="csat"]').count()).toBe(0);
    await setAsk('people');
  });
});
