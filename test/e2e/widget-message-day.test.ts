// A message's time in the widget says its day when it was not written today: a reply from yesterday read "09:15"
// like one from this morning (a Chinese shop's review). Checked in Chromium against the real server.
import { describe, expect, it } from 'vitest';
import { conversationOf, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const bed = widgetTestBed();

describe('message times in the widget', () => {
  it('are the clock alone today and the day with the clock before today', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    await openDemo(bed.stack, page);
    await openWidget(page);
    await send(page, 'first question, asked yesterday');
    const conversationId = await conversationOf(bed.stack, 'first question, asked yesterday');
    await send(page, 'second question, asked today');
    await expect.poll(() => page.locator('.log .msg.mine').count()).toBe(2);
    // The first message was written the day before (moved back in the database), then the page is reloaded.
    await bed.stack.env.sql`update messages set created_at = created_at - interval '1 day'
      where conversation_id = ${conversationId} and body = 'first question, asked yesterday'`;
    await page.reload();
    await openWidget(page);
    const times = () => page.locator('.log .msg.mine .who time').allTextContents();
    await expect.poll(async () => (await times()).length).toBe(2);
    const [yesterday, today] = await times();
    const clockOnly = /^\d{1,2}:\d{2}(\s?[AP]M)?$/i;
    expect(today).toMatch(clockOnly);
    expect(yesterday).not.toMatch(clockOnly);
    const day = new Date(Date.now() - 86_400_000).toLocaleDateString('en', { month: 'short', day: 'numeric' });
    expect(yesterday).toContain(day);
  });
});
