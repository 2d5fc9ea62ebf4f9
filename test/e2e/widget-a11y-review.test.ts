// Findings of an accessibility review and a Chinese shop's review, checked in Chromium against the real server: a pale
// brand colour still draws the quick replies' borders at 3:1 (WCAG 1.4.11) and the chosen rating shows by more than
// its colour; the quick replies are a named group (1.3.1); coming back online is announced once (4.1.3); the
// leave-a-message form marks its invalid field (3.3.1); and a Taiwanese or Hong Kong shopper's Chinese is tagged with
// their variant (zh-TW, zh-HK), which picks Traditional fonts while Simplified keeps its own.
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { callOk } from '../support/sockets.ts';
import { artifactPath } from '../support/browser.ts';
import type { Responder, ResponderContext, ResponderDecision } from '../../server/services/responder.ts';
import { DEFAULT_WIDGET_SETTINGS, saveWidgetSettings } from '../../server/services/widget-settings.ts';
import { brandColors } from '../../widget/src/colors.ts';
import { conversationOf, newWidgetPage, openDemo, openWidget, send, widgetTestBed, withResponder } from './widget-helpers.ts';

// Nobody online: the notice offers "Leave a message".
const bed = widgetTestBed({ stack: { workers: true }, agentPresence: 'offline' });
const newPage = (options: Parameters<typeof newWidgetPage>[2] = {}) => newWidgetPage(bed.browser, bed.contexts, options);

/** A bot answering from a fixed script: quick replies for "menu", a Chinese answer to Chinese. */
class ScriptBot implements Responder {
  readonly name = 'a11y-review-bot';
  async respond(context: ResponderContext): Promise<ResponderDecision> {
    if (/[\u4e00-\u9fff]/.test(context.text)) {
      return { action: 'answer', reply: '門市營業時間是每天上午九點到晚上九點。', metadata: { decision: 'answer', intent: null, confidence: 0.9, language: 'zh', articles: [] } };
    }
    if (/menu/i.test(context.text)) {
      const quickReplies = [{ label: 'Delivery time', value: 'delivery' }, { label: 'Store hours', value: 'hours' }];
      return { action: 'clarify', reply: 'Which one would you like to know about?', quickReplies, metadata: { decision: 'clarify', intent: null, quickReplies } };
    }
    return { action: 'answer', reply: `Noted: ${context.text}`, metadata: { decision: 'answer', intent: null, confidence: 0.5, articles: [] } };
  }
}

const withScriptBot = (run: () => Promise<void>) => withResponder(bed.stack, new ScriptBot(), run);

function rgbOf(css: string): [number, number, number] {
  const m = /rgba?\(\s*(\d+(?:\.\d+)?)[,\s]+(\d+(?:\.\d+)?)[,\s]+(\d+(?:\.\d+)?)/.exec(css);
  if (!m) throw new Error(`not a colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

const hexToRgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

function contrast(a: string, b: string): number {
  const lum = (css: string) => {
    const [r, g, bl] = rgbOf(css).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const css = (locator: Locator, property: string, pseudo?: string) =>
  locator.first().evaluate((el, [p, ps]) => getComputedStyle(el, ps ?? null).getPropertyValue(p!), [property, pseudo] as const);

/** Every text the widget's status announcer (the visually hidden live region) is given from now on. */
async function recordAnnouncements(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const live = document.getElementById('shopdesk-widget')!.shadowRoot!.querySelector('.root > .sr')!;
    const w = window as unknown as { __said: string[] };
    w.__said = [];
    new MutationObserver(() => {
      if (live.textContent) w.__said.push(live.textContent);
    }).observe(live, { childList: true, characterData: true, subtree: true });
  });
  return () => page.evaluate(() => (window as unknown as { __said: string[] }).__said);
}

const PALE = '#fef3c7';

describe('widget accessibility review', () => {
  it('draws quick replies with a 3:1 accent border under a pale brand colour, in a named group', async () => {
    await saveWidgetSettings(bed.stack.env.sql, { ...DEFAULT_WIDGET_SETTINGS, color: PALE });
    try {
      await withScriptBot(async () => {
        const { page } = await newPage();
        await openDemo(bed.stack, page);
        await openWidget(page);
        await send(page, 'Show me the menu');
        const chip = page.getByRole('button', { name: 'Delivery time' });
        await chip.waitFor();

        const { accent } = brandColors(PALE);
        const border = await css(chip, 'border-top-color');
        expect(border).toBe(hexToRgb(accent));
        expect(contrast(border, 'rgb(255, 255, 255)')).toBeGreaterThanOrEqual(3);
        expect(contrast(border, await css(page.locator('.scroll'), 'background-color'))).toBeGreaterThanOrEqual(3);
        expect(contrast(border, await css(chip, 'background-color'))).toBeGreaterThanOrEqual(3);

        // The chips are one group, named for what they are.
        const group = page.getByRole('group', { name: 'Suggested replies' });
        expect(await group.getByRole('button').allTextContents()).toEqual(['Delivery time', 'Store hours']);
        await page.screenshot({ path: artifactPath('widget-pale-brand-chips.png') });
      });
    } finally {
      await saveWidgetSettings(bed.stack.env.sql, DEFAULT_WIDGET_SETTINGS);
    }
  });

  it('shows the chosen rating by more than its fill colour', async () => {
    await saveWidgetSettings(bed.stack.env.sql, { ...DEFAULT_WIDGET_SETTINGS, color: PALE, csatAsk: 'all' });
    try {
      const { page } = await newPage();
      await openDemo(bed.stack, page);
      await openWidget(page);
      await send(page, 'Rate me please');
      const conversationId = await conversationOf(bed.stack, 'Rate me please');
      await page.locator('.log .msg:not(.mine)').nth(1).waitFor(); // the bot answered
      await callOk(bed.agent, 'conversation:resolve', { conversationId });
      const card = page.locator('[data-card="csat"]');
      await card.waitFor();
      const four = card.getByRole('radio', { name: /^4 out of 5/ });
      const three = card.getByRole('radio', { name: /^3 out of 5/ });
      await four.click();
      expect(await four.getAttribute('aria-checked')).toBe('true');

      const white = 'rgb(255, 255, 255)';
      // A dark border, thicker than an unchosen button's, at 3:1 on the card and on the brand fill.
      const chosenBorder = await css(four, 'border-top-color');
      expect(parseFloat(await css(four, 'border-top-width'))).toBeGreaterThan(parseFloat(await css(three, 'border-top-width')));
      expect(contrast(chosenBorder, white)).toBeGreaterThanOrEqual(3);
      expect(contrast(chosenBorder, await css(four, 'background-color'))).toBeGreaterThanOrEqual(3);
      // And a check mark, which no colour setting can take away (not part of the button's name).
      expect(await css(four, 'content', '::before')).toContain('✓');
      expect(await css(three, 'content', '::before')).not.toContain('✓');
      expect(await four.getAttribute('aria-label')).toBe('4 out of 5, good');
      await card.screenshot({ path: artifactPath('widget-pale-brand-rating.png') });
    } finally {
      await saveWidgetSettings(bed.stack.env.sql, DEFAULT_WIDGET_SETTINGS);
    }
  });

  it('announces "Connected again" once when the connection comes back, and nothing on the first connect', async () => {
    const { context, page } = await newPage();
    await openDemo(bed.stack, page);
    await openWidget(page);
    const said = await recordAnnouncements(page);
    await page.waitForTimeout(500);
    expect(await page.locator('.root > .sr').textContent()).not.toContain('Connected again');

    await context.setOffline(true);
    await page.locator('.status[data-state="offline"]').waitFor({ state: 'attached' });
    await expect.poll(said).toContain('You are offline. Messages you type are kept and sent when you are back online.');
    await context.setOffline(false);
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
    await expect.poll(said).toContain('Connected again');
    // The connection check after coming back (widget:ping, 4 s) may replace the socket: still said once.
    await page.waitForTimeout(5_000);
    expect((await said()).filter((text) => text === 'Connected again')).toHaveLength(1);
  });

  it('marks the invalid field of the leave-a-message form, pointing at the error, until it is fixed', async () => {
    const { page } = await newPage();
    await openDemo(bed.stack, page);
    await openWidget(page);
    await page.locator('.notice .secondary', { hasText: 'Leave a message' }).click();
    const form = page.locator('[data-card="offline"]');
    await form.waitFor();
    const email = form.getByLabel('Email');
    const message = form.getByLabel('Message');
    const submit = form.getByRole('button', { name: 'Send' });
    const describedText = (field: Locator) => field.evaluate((el) => {
      const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
      return ids.map((id) => (el.getRootNode() as ShadowRoot).getElementById(id)?.textContent ?? '').join(' ');
    });

    await email.fill('not-an-email');
    await message.fill('Do you ship to Norway?');
    await submit.click();
    await form.getByRole('alert').filter({ hasText: 'Please enter a valid email address.' }).waitFor();
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await describedText(email)).toBe('Please enter a valid email address.');
    expect(await message.getAttribute('aria-invalid')).toBeNull();

    // Fixed: the mark goes as the shopper corrects it.
    await email.fill('kim@example.com');
    expect(await email.getAttribute('aria-invalid')).toBeNull();
    expect(await email.getAttribute('aria-describedby')).toBeNull();

    // The next problem is the message: that field is marked now.
    await message.fill('');
    await submit.click();
    await form.getByRole('alert').filter({ hasText: 'Please write a message.' }).waitFor();
    expect(await message.getAttribute('aria-invalid')).toBe('true');
    expect(await describedText(message)).toBe('Please write a message.');
    expect(await email.getAttribute('aria-invalid')).toBeNull();
  });

  it("tags a Taiwanese shopper's Chinese as zh-TW with Traditional fonts, and keeps Simplified as it was", async () => {
    await withScriptBot(async () => {
      // A Chinese widget on a zh-TW browser: the chat's own Chinese is zh-TW.
      const tw = (await newPage({ locale: 'zh-TW' })).page;
      await openDemo(bed.stack, tw);
      await openWidget(tw);
      await send(tw, '你們幾點開門？');
      const answer = tw.locator('.log .msg:not(.mine)', { hasText: '門市營業時間' });
      await answer.waitFor();
      const langOf = (locator: Locator) => locator.first().evaluate((el) => el.closest('[lang]')?.getAttribute('lang') ?? null);
      const matchesLang = (locator: Locator, tag: string) => locator.first().evaluate((el, t) => el.matches(`:lang(${t})`), tag);
      expect(await langOf(answer.locator('.text'))).toBe('zh-TW');
      expect(await matchesLang(answer.locator('.text'), 'zh-TW')).toBe(true);
      expect(await langOf(tw.locator('.log .msg.mine', { hasText: '你們幾點開門？' }).locator('.text'))).toBe('zh-TW');
      const twFonts = await css(answer.locator('.text'), 'font-family');
      expect(twFonts).toMatch(/PingFang TC/);
      expect(twFonts).toMatch(/Microsoft JhengHei/);
      expect(twFonts.indexOf('PingFang TC')).toBeLessThan(twFonts.includes('PingFang SC') ? twFonts.indexOf('PingFang SC') : Infinity);

      // An English widget (data-lang) on the same kind of browser: the Chinese message says zh-TW itself.
      const twEn = (await newPage({ locale: 'zh-TW' })).page;
      await openDemo(bed.stack, twEn, '?lang=en');
      await openWidget(twEn);
      await send(twEn, '請問幾點開門？');
      const enAnswer = twEn.locator('.log .msg:not(.mine)', { hasText: '門市營業時間' });
      await enAnswer.waitFor();
      expect(await enAnswer.getAttribute('lang')).toBe('zh-TW');
      expect(await twEn.locator('.log .msg.mine', { hasText: '請問幾點開門？' }).getAttribute('lang')).toBe('zh-TW');

      // A mainland browser: zh-CN as before, and the Simplified font list unchanged.
      const cn = (await newPage({ locale: 'zh-CN' })).page;
      await openDemo(bed.stack, cn);
      await openWidget(cn);
      await send(cn, '你们几点开门？');
      const cnAnswer = cn.locator('.log .msg:not(.mine)', { hasText: '門市營業時間' });
      await cnAnswer.waitFor();
      expect(await langOf(cnAnswer.locator('.text'))).toBe('zh-CN');
      const cnFonts = await css(cnAnswer.locator('.text'), 'font-family');
      expect(cnFonts).toBe('system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Microsoft YaHei", sans-serif');
    });
  });
});
