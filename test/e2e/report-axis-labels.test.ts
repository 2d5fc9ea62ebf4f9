// The reports' bar charts name their bars along an axis that has room for about 30 characters (admin-reports.tsx,
// AXIS_LABEL_CHARS): a longer intent label or article title is cut there with "…", counted in characters (code points:
// a Chinese character or an emoji is one, though an emoji is two UTF-16 units), and shown whole in the bar's tooltip.
// The chart is a canvas, so what it draws is read from the drawing itself: every fillText of the page's canvases is
// recorded (an init script), with where it landed, and the bar is hovered where its name was drawn. In Debian's
// Chromium (playwright-core) against a real server, Postgres and Redis, the console bundle built from this source.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { httpAs, login, widgetSession } from '../support/server.ts';

const bed = consoleTestBed();

const REPORT_DAY = '2021-09-03';
/** 57 characters (58 UTF-16 units): cut after its 29th character. */
const LONG_LABEL = '📦 我的包裹什么时候能到？Where is my parcel, and when will it arrive?';
/** Exactly 30 characters, though 31 UTF-16 units: not cut. */
const LABEL_OF_30 = '🎁 Can you gift-wrap it? 可以包装吗？';
const LONG_TITLE = '退货与换货政策：三十天内如何退回商品 🔄 Refunds, returns and exchanges';

interface Drawn { chart: string | null; text: string; x: number; y: number }

/** Records every text the page's canvases draw: which chart card, what, and where (CSS pixels in the canvas). */
async function recordCanvasText(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const drawn: Drawn[] = [];
    (window as unknown as { drawnText: Drawn[] }).drawnText = drawn;
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (text: string, x: number, y: number, maxWidth?: number) {
      // Chart.js moves the origin (and scales it to the device's pixels) before it draws a label.
      const at = this.getTransform().transformPoint(new DOMPoint(x, y));
      const scale = this.canvas.width / (this.canvas.getBoundingClientRect().width || this.canvas.width);
      drawn.push({ chart: this.canvas.closest('[data-testid]')?.getAttribute('data-testid') ?? null, text: String(text), x: at.x / scale, y: at.y / scale });
      return maxWidth === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, maxWidth);
    };
  });
}

const drawnText = (page: Page, chart: string): Promise<Drawn[]> =>
  page.evaluate((id) => (window as unknown as { drawnText: Drawn[] }).drawnText.filter((d) => d.chart === id), chart);

/**
 * Hovers the bar named `axisText` on the chart (level with where its name was drawn, towards the bar's far end: each
 * chart's longest bar fills its axis) and returns the texts drawn since: the tooltip's.
 */
async function tooltipOf(page: Page, chart: string, axisText: string): Promise<string[]> {
  const name = (await drawnText(page, chart)).find((d) => d.text === axisText);
  expect(name, `"${axisText}" drawn on ${chart}'s axis`).toBeDefined();
  const canvas = page.getByTestId(chart).locator('canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  const drawnBefore = (await drawnText(page, chart)).length;
  await page.mouse.move(box.x + box.width * 0.9, box.y + name!.y);
  await expect.poll(async () => (await drawnText(page, chart)).length).toBeGreaterThan(drawnBefore);
  return (await drawnText(page, chart)).slice(drawnBefore).map((d) => d.text);
}

/** Two intents decided on REPORT_DAY (the long-labelled one 3 times, the other once), and an article rated that day. */
async function seed(): Promise<void> {
  const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
  const intents = [{ name: 'parcel_arrival_long', en: LONG_LABEL, decisions: 3 }, { name: 'gift_wrap_thirty', en: LABEL_OF_30, decisions: 1 }];
  for (const intent of intents) {
    const made = await httpAs(bed.stack.url, 'POST', '/api/admin/intents', admin, { name: intent.name, label: { en: intent.en, zh: '' }, examples: { en: [`an example of ${intent.name}`] } });
    expect(made.status).toBe(201);
  }
  const { customerId } = await widgetSession(bed.stack.url, { name: 'Axis Shopper' });
  const { sql } = bed.stack.env;
  for (const intent of intents) {
    for (let n = 0; n < intent.decisions; n++) {
      await sql`insert into interaction_events (idempotency_key, customer_id, type, payload, occurred_at)
                values (${`axis-${intent.name}-${n}`}, ${customerId}, 'bot.decision', ${sql.json({ intent: intent.name, action: 'answer', reason: 'intent' })}, ${`${REPORT_DAY}T12:00:00Z`})`;
    }
  }
  const [article] = await sql<{ id: number }[]>`insert into articles (slug, locale, title, category, status, body)
    values ('returns-long-title', 'zh', ${LONG_TITLE}, 'returns', 'published', '## 退货\n\n三十天内。') returning id::int`;
  for (const [n, helpful] of [true, true, false].entries()) {
    await sql`insert into feedback (idempotency_key, kind, customer_id, article_id, helpful, created_at)
              values (${`axis-article-${n}`}, 'article', ${customerId}, ${article!.id}, ${helpful}, ${`${REPORT_DAY}T13:00:00Z`})`;
  }
}

describe("the reports' bar charts name long bars cut on the axis, whole in the tooltip", () => {
  it('an intent label and an article title over 30 characters (Chinese and emoji counted as one each)', async () => {
    await seed();
    const { page, errors } = await signedInConsole(bed, '/console/admin/reports', { account: bed.stack.admin, consoleLanguage: 'en' });
    await recordCanvasText(page);
    await page.reload();
    await page.getByTestId('report-from').fill(REPORT_DAY);
    await page.getByTestId('report-to').fill(REPORT_DAY);
    await page.getByTestId('report-apply').click();
    await expect.poll(() => page.getByTestId('report-ready').getAttribute('data-from'), { timeout: 15_000 }).toBe(REPORT_DAY);
    await expect.poll(() => page.getByTestId('chart-intents').getAttribute('data-values')).toBe('3,1');
    // The chart's data keep the whole names; only the axis shortens them.
    await expect.poll(async () => JSON.parse((await page.getByTestId('chart-intents').getAttribute('data-labels'))!)).toEqual([LONG_LABEL, LABEL_OF_30]);

    const intentsAxis = async () => (await drawnText(page, 'chart-intents')).map((d) => d.text);
    await expect.poll(intentsAxis).toContain('📦 我的包裹什么时候能到？Where is my parc…');
    // Exactly 30 characters: whole (cut by UTF-16 units it would lose its last one).
    expect(await intentsAxis()).toContain(LABEL_OF_30);
    expect(await intentsAxis()).not.toContain(LONG_LABEL);
    // The tooltip names the intent whole, and as admins edit it.
    expect(await tooltipOf(page, 'chart-intents', '📦 我的包裹什么时候能到？Where is my parc…')).toContain(`${LONG_LABEL} (parcel_arrival_long)`);

    const articlesAxis = async () => (await drawnText(page, 'chart-articles')).map((d) => d.text);
    await expect.poll(articlesAxis).toContain('退货与换货政策：三十天内如何退回商品 🔄 Refunds,…');
    expect(await articlesAxis()).not.toContain(LONG_TITLE);
    expect(await tooltipOf(page, 'chart-articles', '退货与换货政策：三十天内如何退回商品 🔄 Refunds,…')).toContain(LONG_TITLE);
    expect(errors).toEqual([]);
  }, 90_000);
});
