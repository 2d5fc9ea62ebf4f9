// The console names intents by their labels, not their snake_case names: the bot's evidence in an agent's chat and the
// reports' top intents read the label in the console's language (a Traditional console's in its script), else the
// other language's, else the name in words ("label_gift_wrap" → "Label gift wrap"), the raw name kept as the tooltip.
// An admin's relabelling reaches an open chat without a reload. In Debian's Chromium (playwright-core) against a real
// server, Postgres and Redis, the console bundle built from this source.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { httpAs, login, widgetSession } from '../support/server.ts';

const bed = consoleTestBed();

const INTENTS = [
  { name: 'label_parcel_whereabouts', label: { en: 'Where is my parcel?', zh: '我的包裹在哪里？' } },
  { name: 'label_points_zh_only', label: { en: null, zh: '会员积分怎么用' } },
  { name: 'label_gift_wrap', label: { en: '', zh: '' } },
];
const REPORT_DAY = '2021-07-14';

/** The intents, a chat whose bot turns name each of them, and the report's bot decisions (3, 2 and 1 of them). */
async function seed(): Promise<{ conversationId: number; adminAuth: Awaited<ReturnType<typeof login>>; ids: Record<string, number> }> {
  const adminAuth = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
  const ids: Record<string, number> = {};
  for (const intent of INTENTS) {
    const made = await httpAs(bed.stack.url, 'POST', '/api/admin/intents', adminAuth, { ...intent, examples: { en: [`an example of ${intent.name}`] } });
    expect(made.status).toBe(201);
    ids[intent.name] = made.json.intent.id;
  }
  const { customerId } = await widgetSession(bed.stack.url, { name: 'Label Shopper' });
  const { sql } = bed.stack.env;
  const [conversation] = await sql<{ id: number }[]>`insert into conversations (customer_id, status, last_message_at) values (${customerId}, 'bot', now()) returning id::int`;
  for (const [i, intent] of INTENTS.entries()) {
    await sql`insert into messages (conversation_id, author_type, body, metadata)
              values (${conversation!.id}, 'bot', ${`Bot answer ${i + 1}`}, ${sql.json({ decision: 'answer', intent: intent.name, confidence: 0.9 })})`;
    for (let n = 0; n < 3 - i; n++) {
      await sql`insert into interaction_events (idempotency_key, customer_id, type, payload, occurred_at)
                values (${`label-${intent.name}-${n}`}, ${customerId}, 'bot.decision', ${sql.json({ intent: intent.name, action: 'answer', reason: 'intent' })}, ${`${REPORT_DAY}T12:00:00Z`})`;
    }
  }
  return { conversationId: conversation!.id, adminAuth, ids };
}

let seeded: ReturnType<typeof seed> | null = null;
const seededOnce = () => (seeded ??= seed());

/** The evidence badges' intents of the chat, in order: what they say (now) and the raw name each keeps as its tooltip. */
async function chatBadges(page: Page): Promise<{ shown: string; title: string | null }[]> {
  const names = page.getByTestId('evidence-intent').locator('[data-intent]');
  await expect.poll(() => names.count(), { timeout: 15_000 }).toBe(INTENTS.length);
  return Promise.all((await names.all()).map(async (name) => ({ shown: (await name.textContent()) ?? '', title: await name.getAttribute('title') })));
}

/** The report's top-intents chart over REPORT_DAY: its axis labels. */
async function topIntentLabels(page: Page): Promise<string[]> {
  await page.getByTestId('report-from').fill(REPORT_DAY);
  await page.getByTestId('report-to').fill(REPORT_DAY);
  await page.getByTestId('report-apply').click();
  await expect.poll(() => page.getByTestId('report-ready').getAttribute('data-from')).toBe(REPORT_DAY);
  const chart = page.getByTestId('chart-intents');
  expect(await chart.getAttribute('data-values')).toBe('3,2,1');
  return JSON.parse((await chart.getAttribute('data-labels')) ?? '[]');
}

describe('the console names intents by their labels', () => {
  it('in English: the label, else the Chinese one, else the name in words, the name as the tooltip (chat and report)', async () => {
    const { conversationId } = await seededOnce();
    const chat = await signedInConsole(bed, `/console/conversations/${conversationId}`, { consoleLanguage: 'en' });
    await expect.poll(() => chatBadges(chat.page), { timeout: 15_000 }).toEqual([
      { shown: 'Where is my parcel?', title: 'label_parcel_whereabouts' },
      { shown: '会员积分怎么用', title: 'label_points_zh_only' },
      { shown: 'Label gift wrap', title: 'label_gift_wrap' },
    ]);
    expect(await chat.page.getByTestId('evidence-intent').first().textContent()).toBe('Intent: Where is my parcel?');
    expect(chat.errors).toEqual([]);

    const report = await signedInConsole(bed, '/console/admin/reports', { account: bed.stack.admin, consoleLanguage: 'en' });
    await expect.poll(() => topIntentLabels(report.page), { timeout: 15_000 }).toEqual(['Where is my parcel?', '会员积分怎么用', 'Label gift wrap']);
    expect(report.errors).toEqual([]);
  }, 90_000);

  it('in Chinese: the Chinese label in the reader\'s script, else the English one, else the name in words', async () => {
    const { conversationId } = await seededOnce();
    const taiwan = await signedInConsole(bed, `/console/conversations/${conversationId}`, { consoleLanguage: 'zh-TW' });
    await expect.poll(async () => (await chatBadges(taiwan.page)).map((b) => b.shown), { timeout: 15_000 }).toEqual(['我的包裹在哪裡？', '會員積分怎麼用', 'Label gift wrap']);

    const simplified = await signedInConsole(bed, '/console/admin/reports', { account: bed.stack.admin, consoleLanguage: 'zh' });
    await expect.poll(() => topIntentLabels(simplified.page), { timeout: 15_000 }).toEqual(['我的包裹在哪里？', '会员积分怎么用', 'Label gift wrap']);
    expect([...taiwan.errors, ...simplified.errors]).toEqual([]);
  }, 90_000);

  it('follows an admin\'s relabelling in an open chat, without a reload', async () => {
    const { conversationId, adminAuth, ids } = await seededOnce();
    const chat = await signedInConsole(bed, `/console/conversations/${conversationId}`, { consoleLanguage: 'en' });
    await expect.poll(async () => (await chatBadges(chat.page))[0]!.shown, { timeout: 15_000 }).toBe('Where is my parcel?');
    expect((await chatBadges(chat.page))[2]!.shown).toBe('Label gift wrap');
    const current = await httpAs(bed.stack.url, 'GET', `/api/admin/intents/${ids.label_gift_wrap}`, adminAuth);
    const { id: _id, updatedAt, ...intent } = current.json.intent;
    const saved = await httpAs(bed.stack.url, 'PUT', `/api/admin/intents/${ids.label_gift_wrap}`, adminAuth, { ...intent, label: { en: 'Can you gift-wrap it?', zh: '' }, updatedAt });
    expect(saved.status).toBe(200);
    await expect.poll(() => chat.page.locator('[data-intent=label_gift_wrap]').textContent(), { timeout: 10_000 }).toBe('Can you gift-wrap it?');
    expect(chat.errors).toEqual([]);
  }, 60_000);
});
