// Read receipts in Chromium: the widget opened by a follow-up email's
// "#shopdesk-chat" link reports what the shopper saw (one report per burst of
// replies), and the agent's console shows "Seen" under the last reply seen.
// The link's resume token brings the shopper's chat to another browser, and every
// tab of a browser follows a sign-out.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { callOk, connectWidget, eventually, record } from '../support/sockets.ts';
import { bubbles, conversationOf, newWidgetPage, openWidget, send, widgetTestBed } from './widget-helpers.ts';
import { widgetSession } from '../support/server.ts';
import { sharedSecret } from '../../server/services/secrets.ts';
import { loadWidgetSettings, saveWidgetSettings } from '../../server/services/widget-settings.ts';
import { signResumeToken } from '../../server/services/visitor-tokens.ts';
import { openChatHash } from '../../widget/src/open-marker.ts';
import { signInOnLoginPage } from '../support/browser.ts';

// Online: a shopper asking for a person is assigned to this agent at once.
const bed = widgetTestBed({ stack: { workers: true }, consoleBundle: true, agentPresence: 'online' });

async function consoleAsAgent(path: string): Promise<Page> {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 } });
  bed.contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${bed.stack.url}${path}`);
  await signInOnLoginPage(page, bed.stack.agent);
  return page;
}

const assignedToAgent = (conversationId: number) => eventually(async () => {
  const [row] = await bed.stack.env.sql<{ status: string }[]>`select status from conversations where id = ${conversationId}`;
  return row?.status === 'assigned';
}, 10_000, 'the chat to be assigned');

/**
 * A shopper who asked for a person in another browser (here: over the API) and got `reply` from the agent; returns the
 * "#shopdesk-chat=…" part of the follow-up email's link to their chat, signed as the worker signs it.
 */
async function answeredElsewhere(clientId: string, question: string, reply: string): Promise<string> {
  const first = await widgetSession(bed.stack.url);
  const shopper = await connectWidget(bed.stack.url, first.visitorToken);
  const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId, text: question });
  shopper.close();
  await assignedToAgent(sent.conversationId);
  await callOk(bed.agent, 'message:send', { conversationId: sent.conversationId, clientId: `${clientId}-reply`, text: reply });
  const secret = await sharedSecret(bed.stack.env.sql, 'visitor_token_secret', bed.stack.env.config.sessionSecret);
  return openChatHash(signResumeToken(secret, first.customerId));
}

describe('read receipts', () => {
  it('opens the chat from an emailed link, reports a burst of replies as seen once, and the console shows "Seen" under the last one', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    // What the widget sends: its seen reports are counted from the socket's frames.
    const seenFrames: string[] = [];
    page.on('websocket', (ws) => ws.on('framesent', (frame) => {
      if (typeof frame.payload === 'string' && frame.payload.includes('"messages:seen"')) seenFrames.push(frame.payload);
    }));
    await page.goto(`${bed.stack.url}/demo#shopdesk-chat`);
    await page.locator('.launcher').waitFor();
    // Open without a click, and the marker is gone from the address (a reload does not open it again).
    await page.locator('.panel').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => location.hash)).toBe('');
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
    await send(page, 'Could a person check my order?');
    const conversationId = await conversationOf(bed.stack, 'Could a person check my order?');

    const consolePage = await consoleAsAgent(`/console/conversations/${conversationId}`);
    await consolePage.getByTestId('history').waitFor();
    await callOk(bed.agent, 'conversation:join', { conversationId });
    await assignedToAgent(conversationId);
    const framesBefore = seenFrames.length;
    const seenEvents = record<{ conversationId: number; by: string; lastSeenId: number }>(bed.agent, 'messages:seen');

    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) =>
      callOk<{ id: number }>(bed.agent, 'message:send', { conversationId, clientId: `burst-${n}`, text: `Reply number ${n}` })));
    const lastId = Math.max(...replies.map((r) => r.id));
    await eventually(async () => {
      const [row] = await bed.stack.env.sql<{ seen: number }[]>`select customer_last_seen_id as seen from conversations where id = ${conversationId}`;
      return Number(row.seen) === lastId;
    }, 10_000, 'the shopper\'s seen mark to reach the last reply');
    const mine = () => seenEvents.filter((e) => e.conversationId === conversationId);
    await eventually(async () => mine().some((e) => e.lastSeenId === lastId), 5_000, 'agents told the reply was seen');
    // Five replies arriving together make one report from the widget (two if the burst was split), not five.
    expect(seenFrames.length - framesBefore).toBeGreaterThanOrEqual(1);
    expect(seenFrames.length - framesBefore).toBeLessThanOrEqual(2);
    expect(mine().every((e) => e.by === 'customer')).toBe(true);

    // In the console, "Seen" sits under the last agent reply the shopper saw, and only there.
    const seen = consolePage.getByTestId('msg-seen');
    // The console hears the same report as the socket above, on its own time: it may show "Seen" under an earlier reply
    // of the burst first (a split burst), then under the last.
    await consolePage.locator(`[data-message-id="${lastId}"] [data-testid="msg-seen"]`).waitFor();
    expect(await seen.count()).toBe(1);
    expect(await seen.textContent()).toBe('Seen');
    expect(await consolePage.locator(`[data-message-id="${lastId}"] [data-testid="msg-seen"]`).count()).toBe(1);
  });

  it("an email's resume link opens the shopper's chat in another browser, which keeps it after a reload", async () => {
    const link = await answeredElsewhere('resume-1', 'Please call me a person about my refund', 'Your refund went out today.');
    // The follow-up email's link opened in a browser that never saw this shopper.
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    await page.goto(`${bed.stack.url}/demo${link}`);
    await page.locator('.panel').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => location.hash)).toBe('');
    await page.getByText('Your refund went out today.').waitFor();
    expect((await bubbles(page)).map((b) => b.text)).toContain('Please call me a person about my refund');
    // The browser is now that shopper: a reload (no link any more) shows the same chat.
    await page.reload();
    await openWidget(page);
    await page.getByText('Your refund went out today.').waitFor();
  });

  it('a resume link opened in a tab already on the shop resumes too, and a pre-chat form does not stand in the way', async () => {
    await saveWidgetSettings(bed.stack.env.sql, { ...(await loadWidgetSettings(bed.stack.env.sql)), preChatForm: true });
    try {
      const link = await answeredElsewhere('resume-tab-1', 'A person please, about my exchange', 'Your exchange parcel is packed.');
      // This browser is already on the shop as someone else; the link only changes the address's hash.
      const { page } = await newWidgetPage(bed.browser, bed.contexts);
      await page.goto(`${bed.stack.url}/demo`);
      await page.locator('.launcher').waitFor();
      await page.evaluate((hash) => { location.hash = hash; }, link);
      await page.getByText('Your exchange parcel is packed.').waitFor();
      expect(await page.evaluate(() => location.hash)).toBe('');
      // The chat, not a "before we start" form: the text box is usable at once.
      await expect.poll(() => page.locator('[data-card="prechat"]').count()).toBe(0);
      expect(await page.locator('#sd-input').isDisabled()).toBe(false);
    } finally {
      await saveWidgetSettings(bed.stack.env.sql, { ...(await loadWidgetSettings(bed.stack.env.sql)), preChatForm: false });
    }
  });

  it("a resume link brings its chat into this browser's own record; a second tab follows a sign-out (reset) and never keeps the previous shopper's chat", async () => {
    const link = await answeredElsewhere('resume-two-tabs', 'A person please, about my gift card', 'Your gift card code is on its way.');
    const { context, page: first } = await newWidgetPage(bed.browser, bed.contexts);
    await first.goto(`${bed.stack.url}/demo`);
    await openWidget(first);
    await send(first, 'Asked in this browser before the link');
    const own = await conversationOf(bed.stack, 'Asked in this browser before the link');
    const second = await context.newPage();
    await second.goto(`${bed.stack.url}/demo`);
    await openWidget(second);
    await second.getByText('Asked in this browser before the link').waitFor();

    // The link opened in the first tab shows the chat it was about, now on this browser's record.
    await first.evaluate((hash) => { location.hash = hash; }, link);
    await first.getByText('Your gift card code is on its way.').waitFor();
    const linked = await conversationOf(bed.stack, 'A person please, about my gift card');
    const owners = await bed.stack.env.sql<{ customer_id: number }[]>`select distinct customer_id from conversations where id in (${own}, ${linked})`;
    expect(owners).toHaveLength(1);

    // The shop signs the shopper out in the first tab: the second one drops this browser's chats as well.
    await first.evaluate(() => window.Shopdesk!.reset());
    // The second tab hears of it through a storage event, after reset() has returned here: it closes its panel then
    // (and reconnects as the new visitor). Opened before that, the panel would be closed under the next steps.
    await second.locator('.panel').waitFor({ state: 'hidden' });
    await openWidget(second);
    await expect.poll(async () => (await bubbles(second)).filter((b) => /gift card|before the link/.test(b.text)).length).toBe(0);
    await send(second, 'Asked after the sign-out');
    const after = await conversationOf(bed.stack, 'Asked after the sign-out');
    const [owner] = await bed.stack.env.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${after}`;
    expect(owner.customer_id).not.toBe(owners[0].customer_id);
  });

  it('does not report replies as seen while the chat panel is closed', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    await page.goto(`${bed.stack.url}/demo`);
    await page.locator('.launcher').click();
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
    await send(page, 'Another question for a person');
    const conversationId = await conversationOf(bed.stack, 'Another question for a person');
    await page.locator('.launcher').click(); // closes the panel
    await page.locator('.panel').waitFor({ state: 'hidden' });
    await assignedToAgent(conversationId);
    const reply = await callOk<{ id: number }>(bed.agent, 'message:send', { conversationId, clientId: 'closed-1', text: 'Are you still there?' });
    // The reply reached the closed widget: it is counted as unread on the launcher.
    await page.locator('.launcher .badge').waitFor({ state: 'visible' });
    const [before] = await bed.stack.env.sql<{ seen: number }[]>`select customer_last_seen_id as seen from conversations where id = ${conversationId}`;
    expect(Number(before.seen)).toBeLessThan(reply.id);
    // Opening the panel shows it, and that is reported.
    await page.locator('.launcher').click();
    await eventually(async () => {
      const [row] = await bed.stack.env.sql<{ seen: number }[]>`select customer_last_seen_id as seen from conversations where id = ${conversationId}`;
      return Number(row.seen) === reply.id;
    }, 10_000, 'the reply seen once the panel opened');
  });
});
