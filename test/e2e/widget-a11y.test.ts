// Accessibility and small screens in Chromium against the real server: the messages keep a usable height at 400 %
// zoom and with a phone's keyboard up (WCAG 1.4.10), the role=log region gets one new node per message however its
// delivery state changes (and after a quick reply), the language of each message (3.1.2), the contrast of the focus
// ring, the controls' borders and the brand colour (1.4.11, 1.4.3), 16 px fields (iOS zooms into smaller ones),
// Escape on the launcher, and the log not pulled to its end while the shopper reads back.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callOk } from '../support/sockets.ts';
import { artifactPath } from '../support/browser.ts';
import type { Responder, ResponderContext, ResponderDecision } from '../../server/services/responder.ts';
import { DEFAULT_WIDGET_SETTINGS, saveWidgetSettings } from '../../server/services/widget-settings.ts';
import { conversationOf, newWidgetPage, openDemo, openWidget, send, widgetTestBed, withResponder } from './widget-helpers.ts';

// Nobody online: the "No one is available" notice takes its room in the panel, the worst case for short screens.
const bed = widgetTestBed({ stack: { workers: true }, agentPresence: 'offline' });
const newPage = (options: Parameters<typeof newWidgetPage>[2] = {}) => newWidgetPage(bed.browser, bed.contexts, options);

/** A bot in the server's seat answering from a fixed script: quick replies, an answer asking "Was this helpful?", a Chinese answer. */
class ScriptBot implements Responder {
  readonly name = 'a11y-script-bot';
  async respond(context: ResponderContext): Promise<ResponderDecision> {
    if (/[\u4e00-\u9fff]/.test(context.text)) {
      return {
        action: 'answer',
        reply: '门店营业时间是每天上午九点到晚上九点。',
        metadata: { decision: 'answer', intent: 'store_hours', confidence: 0.9, askHelpful: true, language: 'zh', articles: [] },
      };
    }
    if (context.quickReply === 'delivery' || /delivery/i.test(context.text)) {
      return {
        action: 'answer',
        reply: 'Parcels usually arrive within three working days.',
        metadata: { decision: 'answer', intent: 'delivery_time', confidence: 0.93, askHelpful: true, articles: [] },
      };
    }
    if (/menu/i.test(context.text)) {
      const quickReplies = [{ label: 'Delivery time', value: 'delivery' }, { label: 'Store hours', value: 'hours' }];
      return { action: 'clarify', reply: 'Which one would you like to know about?', quickReplies, metadata: { decision: 'clarify', intent: null, quickReplies } };
    }
    return { action: 'answer', reply: `Noted: ${context.text}`, metadata: { decision: 'answer', intent: null, confidence: 0.5, articles: [] } };
  }
}

const withScriptBot = (run: () => Promise<void>) => withResponder(bed.stack, new ScriptBot(), run);

// ---------- colours, computed from what the browser draws ----------

function rgb(css: string): [number, number, number] {
  const m = /rgba?\(\s*(\d+(?:\.\d+)?)[,\s]+(\d+(?:\.\d+)?)[,\s]+(\d+(?:\.\d+)?)/.exec(css);
  if (!m) throw new Error(`not a colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function luminance(css: string): number {
  const [r, g, b] = rgb(css).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The focus ring's colours as drawn: the outline and, if any, the box-shadow ring. */
async function ringOf(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const el = document.getElementById('shopdesk-widget')!.shadowRoot!.querySelector<HTMLElement>(sel)!;
    el.focus();
    const cs = getComputedStyle(el);
    const colours = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 ? [cs.outlineColor] : [];
    const shadow = /rgba?\([^)]*\)/.exec(cs.boxShadow);
    if (shadow && /0px 0px 0px [1-9]/.test(cs.boxShadow)) colours.push(shadow[0]);
    return colours;
  }, selector);
}

const bestContrast = (ring: string[], background: string) => Math.max(0, ...ring.map((c) => contrast(c, background)));

async function style(page: Page, selector: string, property: string): Promise<string> {
  return page.locator(selector).first().evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), property);
}

// ---------- the log region ----------

/** Starts recording every node added anywhere in the log (what a role=log region with aria-relevant=additions reads). */
async function recordLogAdditions(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log = document.getElementById('shopdesk-widget')!.shadowRoot!.querySelector('.log')!;
    const w = window as unknown as { __added: { row: boolean; text: string }[] };
    w.__added = [];
    new MutationObserver((records) => {
      for (const r of records) {
        for (const node of Array.from(r.addedNodes)) w.__added.push({ row: r.target === log, text: (node.textContent ?? '').slice(0, 60) });
      }
    }).observe(log, { childList: true, subtree: true });
  });
}

const logAdditions = (page: Page) => page.evaluate(() => (window as unknown as { __added: { row: boolean; text: string }[] }).__added);

describe('widget accessibility', () => {
  it('keeps the messages usable and the text box on screen at 400 % zoom, with a phone keyboard up and on larger screens', async () => {
    const sizes = [
      { width: 320, height: 256 }, // 1280 x 1024 at 400 %
      { width: 320, height: 300 }, // small phone, keyboard up
      { width: 375, height: 350 },
      { width: 375, height: 667 },
      { width: 1280, height: 860 },
    ];
    const measured: Record<string, unknown>[] = [];
    for (const viewport of sizes) {
      const { page } = await newPage({ viewport });
      await openDemo(bed.stack, page);
      await openWidget(page);
      await page.locator('.notice', { hasText: 'No one is available right now.' }).waitFor();
      await send(page, `Hello from ${viewport.width}x${viewport.height}`);
      await page.locator('.log .msg.mine .meta[data-state="Sent"]').waitFor();
      const m = await page.evaluate(() => {
        const root = document.getElementById('shopdesk-widget')!.shadowRoot!;
        const box = (sel: string) => root.querySelector(sel)!.getBoundingClientRect();
        const scroll = root.querySelector<HTMLElement>('.scroll')!;
        const input = box('#sd-input');
        const panel = root.querySelector<HTMLElement>('.panel')!;
        return {
          list: scroll.clientHeight,
          inputTop: input.top,
          inputBottom: input.bottom,
          inner: innerHeight,
          panelOverflowX: panel.scrollWidth - panel.clientWidth,
          pageOverflowX: document.documentElement.scrollWidth - innerWidth,
        };
      });
      measured.push({ viewport: `${viewport.width}x${viewport.height}`, ...m });
      await page.screenshot({ path: artifactPath(`widget-a11y-${viewport.width}x${viewport.height}.png`) });
      // Room for a few lines of messages (it was 0 px at 320 x 256 and 32 px at 320 x 300), and the text box in sight.
      expect(m.list, `message list at ${viewport.width}x${viewport.height}`).toBeGreaterThanOrEqual(viewport.height >= 600 ? 250 : 96);
      expect(m.inputTop, `text box top at ${viewport.width}x${viewport.height}`).toBeGreaterThanOrEqual(0);
      expect(m.inputBottom, `text box bottom at ${viewport.width}x${viewport.height}`).toBeLessThanOrEqual(m.inner);
      expect(m.panelOverflowX).toBeLessThanOrEqual(0);
    }
    console.log('widget reflow', JSON.stringify(measured));
  });

  it('adds each message to the log once: through Sending, Sent and Seen, and after a quick reply', async () => {
    await withScriptBot(async () => {
      const { page } = await newPage();
      await openDemo(bed.stack, page);
      await openWidget(page);
      await recordLogAdditions(page);
      const rowCount = () => page.locator('.log > *').count();
      const rowsBefore = await rowCount();

      await send(page, 'Please show me the menu');
      const mine = page.locator('.log .msg.mine', { hasText: 'Please show me the menu' });
      await mine.locator('.meta[data-state="Sent"]').waitFor();
      await page.getByRole('button', { name: 'Delivery time' }).waitFor();
      let added = await logAdditions(page);
      // Only whole new rows were added (the message and the bot's question), each once: "Sending…" became "Sent" in place.
      expect(added.every((a) => a.row), JSON.stringify(added)).toBe(true);
      expect(added.length, JSON.stringify(added)).toBe(await rowCount() - rowsBefore);
      expect(added.filter((a) => a.text.includes('Please show me the menu'))).toHaveLength(1);
      expect(added.filter((a) => a.text.includes('Which one would you like'))).toHaveLength(1);

      // A quick reply: the shopper's choice and the answer are the only additions; the question keeps its node and
      // only loses its chips, and focus (on the chip) goes to the text box.
      await page.evaluate(() => {
        const question = Array.from(document.getElementById('shopdesk-widget')!.shadowRoot!.querySelectorAll('.log .msg'))
          .find((el) => el.textContent!.includes('Which one would you like'))!;
        (question as HTMLElement & { __marked?: boolean }).__marked = true;
        (window as unknown as { __added: unknown[] }).__added = [];
      });
      const rowsBeforeChip = await rowCount();
      await page.getByRole('button', { name: 'Delivery time' }).focus();
      await page.keyboard.press('Enter');
      const answer = page.locator('.log .msg:not(.mine)', { hasText: 'Parcels usually arrive' });
      await answer.waitFor();
      await page.locator('.log .msg.mine', { hasText: 'Delivery time' }).locator('.meta[data-state="Sent"]').waitFor();
      await page.locator('.chips').waitFor({ state: 'detached' });
      added = await logAdditions(page);
      expect(added.every((a) => a.row), JSON.stringify(added)).toBe(true);
      expect(added.length, JSON.stringify(added)).toBe(await rowCount() - rowsBeforeChip);
      expect(added.filter((a) => a.text.includes('Which one would you like'))).toHaveLength(0);
      expect(await page.evaluate(() => Array.from(document.getElementById('shopdesk-widget')!.shadowRoot!.querySelectorAll('.log .msg'))
        .some((el) => (el as HTMLElement & { __marked?: boolean }).__marked === true && el.isConnected))).toBe(true);
      expect(await page.evaluate(() => document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement?.id)).toBe('sd-input');

      // "Was this helpful?" buttons are at least 24 px tall; answering replaces only that group.
      const yes = answer.getByRole('button', { name: 'Yes' });
      const size = await yes.boundingBox();
      expect(size!.height).toBeGreaterThanOrEqual(24);
      expect(size!.width).toBeGreaterThanOrEqual(24);
      await page.evaluate(() => ((window as unknown as { __added: unknown[] }).__added = []));
      await yes.click();
      await answer.getByText('Thanks for your feedback!').waitFor();
      added = await logAdditions(page);
      expect(added.map((a) => a.text)).toEqual(['Thanks for your feedback!']);

      // Seen: a person joins (one system line) and reads the messages; "Sent" turns to "Seen" without a new node.
      await page.evaluate(() => ((window as unknown as { __added: unknown[] }).__added = []));
      const rowsBeforeSeen = await rowCount();
      const conversationId = await conversationOf(bed.stack, 'Delivery time');
      const [last] = await bed.stack.env.sql<{ id: number }[]>`
        select id from messages where conversation_id = ${conversationId} and body = 'Delivery time'`;
      await callOk(bed.agent, 'conversation:join', { conversationId });
      await callOk(bed.agent, 'messages:seen', { conversationId, lastSeenId: Number(last.id) });
      await mine.locator('.meta[data-state="Seen"]').waitFor();
      await page.locator('.log .msg.mine', { hasText: 'Delivery time' }).locator('.meta[data-state="Seen"]').waitFor();
      await page.waitForTimeout(200);
      added = await logAdditions(page);
      expect(added.every((a) => a.row), JSON.stringify(added)).toBe(true);
      expect(added.length, JSON.stringify(added)).toBe(await rowCount() - rowsBeforeSeen);
      expect(added.filter((a) => a.text.includes('Please show me the menu') || a.text.includes('Delivery time'))).toHaveLength(0);
      expect(await mine.locator('.meta').textContent()).toBe('Seen');
    });
  });

  it('marks the language of messages that are not in the widget\'s language, and of their "Was this helpful?"', async () => {
    await withScriptBot(async () => {
      const { page } = await newPage();
      await openDemo(bed.stack, page);
      await openWidget(page);
      await send(page, 'Opening hours please');
      await page.locator('.log .msg:not(.mine)', { hasText: 'Noted: Opening hours please' }).waitFor();
      await send(page, '你们几点开门？');
      const answer = page.locator('.log .msg:not(.mine)', { hasText: '门店营业时间' });
      await answer.waitFor();
      const conversationId = await conversationOf(bed.stack, '你们几点开门？');
      await callOk(bed.agent, 'conversation:join', { conversationId });
      await callOk(bed.agent, 'message:send', { conversationId, clientId: 'a11y-lang-agent', text: '您好，我来帮您查一下。' });
      const agentRow = page.locator('.log .msg:not(.mine)', { hasText: '我来帮您查一下' });
      await agentRow.waitFor();

      const lang = (locator: ReturnType<Page['locator']>) => locator.evaluate((el) => el.getAttribute('lang'));
      expect(await page.getByRole('dialog').evaluate((el) => (el.getRootNode() as ShadowRoot).host.getAttribute('lang'))).toBe('en');
      expect(await lang(page.locator('.log .msg.mine', { hasText: 'Opening hours please' }))).toBeNull();
      expect(await lang(page.locator('.log .msg:not(.mine)', { hasText: 'Noted: Opening hours please' }))).toBeNull();
      expect(await lang(page.locator('.log .msg.mine', { hasText: '你们几点开门？' }))).toBe('zh-CN');
      expect(await lang(answer)).toBe('zh-CN');
      expect(await lang(agentRow)).toBe('zh-CN');
      // The bot's Chinese answer asks in Chinese, and says so.
      const group = answer.getByRole('group');
      expect(await group.getAttribute('aria-label')).toBe('这个回答有帮助吗？');
      expect(await lang(group)).toBe('zh-CN');
      // The widget's own words in such a row (author, delivery line) keep the widget's language.
      expect(await lang(answer.locator('.who'))).toBe('en');
      expect(await lang(page.locator('.log .msg.mine', { hasText: '你们几点开门？' }).locator('.meta'))).toBe('en');
    });
  });

  it('draws focus rings, field borders and brand-coloured text with enough contrast, and 16 px fields', async () => {
    // A mid-tone violet: neither white (4.23:1) nor near-black text reached 4.5:1 on it.
    await saveWidgetSettings(bed.stack.env.sql, { ...DEFAULT_WIDGET_SETTINGS, color: '#8b5cf6' });
    try {
      const { page } = await newPage();
      await openDemo(bed.stack, page);
      await openWidget(page);
      await send(page, 'Contrast check');
      await page.locator('.log .msg.mine .meta[data-state="Sent"]').waitFor();
      await page.keyboard.press('Shift'); // keyboard modality: programmatic focus shows :focus-visible

      const headBg = await style(page, '.head', 'background-color');
      const white = 'rgb(255, 255, 255)';
      // Brand colour behind text: the header's title, the send button's icon, the shopper's bubble.
      expect(contrast(await style(page, '.head h2', 'color'), headBg)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(await style(page, '.send', 'color'), await style(page, '.send', 'background-color'))).toBeGreaterThanOrEqual(4.5);
      expect(contrast(await style(page, '.msg.mine .bubble', 'color'), await style(page, '.msg.mine .bubble', 'background-color'))).toBeGreaterThanOrEqual(4.5);

      // Focus ring: 3:1 against what surrounds it — the white composer, the message area, the brand header; on the
      // launcher against the brand colour it surrounds and the page around it.
      const inputRing = await ringOf(page, '#sd-input');
      expect(bestContrast(inputRing, await style(page, '.compose', 'background-color'))).toBeGreaterThanOrEqual(3);
      expect(bestContrast(await ringOf(page, '.notice .secondary'), await style(page, '.notice', 'background-color'))).toBeGreaterThanOrEqual(3);
      const scrollBg = await style(page, '.scroll', 'background-color');
      expect(bestContrast(inputRing, scrollBg)).toBeGreaterThanOrEqual(3);
      const headRing = await ringOf(page, '.head .icon-btn');
      expect(bestContrast(headRing, headBg)).toBeGreaterThanOrEqual(3);
      expect(bestContrast(headRing, white)).toBeGreaterThanOrEqual(3);
      const launcherRing = await ringOf(page, '.launcher');
      expect(bestContrast(launcherRing, await style(page, '.launcher', 'background-color'))).toBeGreaterThanOrEqual(3);
      const pageBg = await page.evaluate(() => {
        const body = getComputedStyle(document.body).backgroundColor;
        return /rgba\(.*,\s*0\)|transparent/.test(body) ? getComputedStyle(document.documentElement).backgroundColor.replace(/rgba\(0, 0, 0, 0\)/, 'rgb(255, 255, 255)') : body;
      });
      expect(bestContrast(launcherRing, pageBg)).toBeGreaterThanOrEqual(3);

      // Borders of controls: the text box on white, "Leave a message" on the notice's blue.
      expect(contrast(await style(page, '#sd-input', 'border-top-color'), await style(page, '.compose', 'background-color'))).toBeGreaterThanOrEqual(3);
      const leave = '.notice .secondary';
      expect(contrast(await style(page, leave, 'border-top-color'), await style(page, '.notice', 'background-color'))).toBeGreaterThanOrEqual(3);

      // 16 px text in every field (iOS zooms into smaller ones): the text box and the leave-a-message form's fields.
      expect(await style(page, '#sd-input', 'font-size')).toBe('16px');
      await page.locator(leave).click();
      const form = page.locator('[data-card="offline"]');
      await form.waitFor();
      for (const field of await form.locator('input, textarea').all()) {
        expect(await field.evaluate((el) => getComputedStyle(el).fontSize)).toBe('16px');
        expect(contrast(await field.evaluate((el) => getComputedStyle(el).borderTopColor), white)).toBeGreaterThanOrEqual(3);
      }
    } finally {
      await saveWidgetSettings(bed.stack.env.sql, DEFAULT_WIDGET_SETTINGS);
    }
  });

  it('Escape on the launcher closes the open panel, keeping focus on the launcher', async () => {
    const { page } = await newPage();
    await openDemo(bed.stack, page);
    await openWidget(page);
    await page.locator('.launcher').focus();
    await page.keyboard.press('Escape');
    await page.locator('.panel').waitFor({ state: 'hidden', timeout: 5_000 });
    expect(await page.locator('.launcher').getAttribute('aria-expanded')).toBe('false');
    expect(await page.evaluate(() => document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement?.className)).toContain('launcher');
  });

  it('does not pull the log to its end while the shopper reads back; their own message does', async () => {
    await withScriptBot(async () => {
      const { page } = await newPage({ viewport: { width: 1280, height: 700 } });
      await openDemo(bed.stack, page);
      await openWidget(page);
      for (let i = 1; i <= 6; i++) {
        await send(page, `Line ${i} of a long chat`);
        await page.locator('.log .msg:not(.mine)', { hasText: `Noted: Line ${i} of a long chat` }).waitFor();
      }
      const conversationId = await conversationOf(bed.stack, 'Line 6 of a long chat');
      await callOk(bed.agent, 'conversation:join', { conversationId });
      // The "joined" line first: arriving after the scroll below, it would be followed as news at the end (the widget
      // had not yet seen the scroll), which is not what this test is about.
      const scroller = page.locator('.scroll');
      const overflow = await scroller.evaluate((el) => el.scrollHeight - el.clientHeight);
      expect(overflow).toBeGreaterThan(100);
      await scroller.evaluate((el) => (el.scrollTop = 0));
      // A browser fires the scroll event on its next frames: the widget must have seen the shopper leave the end before
      // the answer comes (a person's scrolling fires it all along; this test's jump does not).
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(null)))));
      await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBe(0);
      await callOk(bed.agent, 'message:send', { conversationId, clientId: 'a11y-scroll-1', text: 'An answer from the team' });
      await page.locator('.log .msg:not(.mine)', { hasText: 'An answer from the team' }).waitFor();
      await page.waitForTimeout(300);
      expect(await scroller.evaluate((el) => el.scrollTop)).toBe(0);

      // At the end, new messages are followed; and the shopper's own message always brings the end into view.
      await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight));
      await callOk(bed.agent, 'message:send', { conversationId, clientId: 'a11y-scroll-2', text: 'And one more thing' });
      await page.locator('.log .msg:not(.mine)', { hasText: 'And one more thing' }).waitFor();
      expect(await scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThanOrEqual(2);
      await scroller.evaluate((el) => (el.scrollTop = 0));
      await send(page, 'My own question at the end');
      await page.locator('.log .msg.mine', { hasText: 'My own question at the end' }).waitFor();
      await page.waitForTimeout(300);
      expect(await scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThanOrEqual(2);
    });
  });
});
