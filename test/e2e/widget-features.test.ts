// More of the widget in Chromium against the real server: identify() with the
// HMAC, the pre-chat form, article links (and intents' typed answers) with "Was this helpful?" and quick
// replies, the unread badge and typing, the page the shopper is on, embedding
// from another origin, and how /widget.js is served.
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Page } from 'playwright-core';
import { callOk, eventually, nextEvent } from '../support/sockets.ts';
import { artifactPath } from '../support/browser.ts';
import { httpAs, login } from '../support/server.ts';
import type { Responder, ResponderContext, ResponderDecision } from '../../server/services/responder.ts';
import type { ShopperActivity } from '../../server/realtime/event-maps.ts';
import { DEFAULT_WIDGET_SETTINGS, saveWidgetSettings } from '../../server/services/widget-settings.ts';
import { bubbles, conversationOf as storedIn, newWidgetPage, openDemo as open, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const IDENTITY_SECRET = 'widget-test-identity-secret';
const hmac = (userId: string) => createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex');

// Fifteen tests open sessions from one address within a minute or two: more than a shop allows a single address
// (30 a minute, tested in test/chat/routing.test.ts), which the widget meets by waiting and retrying, slower than a test
// may wait.
const bed = widgetTestBed({ stack: { workers: true, config: { identitySecret: IDENTITY_SECRET, rateLimitSessionsPerMinute: 300 } } });

const newPage = (options: Parameters<typeof newWidgetPage>[2] = {}) => newWidgetPage(bed.browser, bed.contexts, options);
const openDemo = (page: Page, query = '') => open(bed.stack, page, query);
const conversationOf = (text: string) => storedIn(bed.stack, text);

/**
 * A scripted bot in the server's bot seat (the Responder interface the knowledge-base brain implements), so these
 * tests control exactly which article links and quick replies the widget must render.
 */
class ScriptedResponder implements Responder {
  readonly name = 'scripted-test-bot';
  async respond(context: ResponderContext): Promise<ResponderDecision> {
    if (context.quickReply === 'returns' || /return/i.test(context.text)) {
      return {
        action: 'answer',
        reply: 'Unused items can be returned within 30 days for a full refund.',
        metadata: {
          decision: 'answer', intent: 'returns', confidence: 0.92, askHelpful: true,
          articles: [
            { id: 7, slug: 'returns-policy', title: 'Returns policy', url: '/kb/returns-policy' },
            { id: 8, slug: 'bad-link', title: 'Sneaky link', url: 'javascript:alert(document.domain)' },
          ],
        },
      };
    }
    // An intent's own typed answer: no article to link, still asks whether it helped.
    if (/points/i.test(context.text)) {
      return {
        action: 'answer',
        reply: 'You collect one point per dollar.',
        metadata: { decision: 'answer', intent: 'loyalty_points', confidence: 0.95, askHelpful: true, articles: [] },
      };
    }
    if (context.text.includes('退货')) {
      return {
        action: 'answer',
        reply: '未使用的商品可在 30 天内退货。',
        metadata: { decision: 'answer', intent: 'returns', confidence: 0.9, askHelpful: true, language: 'zh', articles: [{ id: 9, slug: 'returns-policy', title: '退货政策', url: '/kb/returns-policy?locale=zh' }] },
      };
    }
    const quickReplies = [{ label: 'Order status', value: 'order_status' }, { label: 'Returns', value: 'returns' }];
    return { action: 'clarify', reply: 'Do you mean your order status or a return?', quickReplies, metadata: { decision: 'clarify', intent: null, quickReplies } };
  }
}

describe('widget features', () => {
  it('identify() with a valid HMAC links the shopper and keeps the chat; a wrong hash is refused; another device sees the same history', async () => {
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    await send(page, 'Question before signing in');
    const conversationId = await conversationOf('Question before signing in');

    const refused = await page.evaluate(() => window.Shopdesk!.identify({ userId: 'shopper-42', hash: 'deadbeef' }).then(() => 'accepted', (e: Error) => e.message));
    expect(refused).toMatch(/Identity verification failed/);

    const result = await page.evaluate((hash) => window.Shopdesk!.identify({ userId: 'shopper-42', hash, email: 'kim@example.com', name: 'Kim Lee' }), hmac('shopper-42'));
    expect(result.identified).toBe(true);
    const [customer] = await bed.stack.env.sql<{ id: number; external_id: string; email: string; name: string }[]>`
      select c.id, c.external_id, c.email, c.name from customers c join conversations v on v.customer_id = c.id where v.id = ${conversationId}`;
    expect(customer).toEqual({ id: result.customerId, external_id: 'shopper-42', email: 'kim@example.com', name: 'Kim Lee' });

    await send(page, 'Question after signing in');
    expect(await conversationOf('Question after signing in')).toBe(conversationId);

    // The same shopper on another device: after identify() the widget shows that shopper's conversation.
    const other = await newPage();
    await openDemo(other.page);
    await openWidget(other.page);
    await other.page.evaluate((hash) => window.Shopdesk!.identify({ userId: 'shopper-42', hash }), hmac('shopper-42'));
    await other.page.locator('.log .msg.mine', { hasText: 'Question after signing in' }).waitFor();
    const mine = (await bubbles(other.page)).filter((b) => b.who === 'You').map((b) => b.text);
    expect(mine).toEqual(['Question before signing in', 'Question after signing in']);

    // A shop platform's numeric user id is taken as its decimal text (it was refused as "needs a userId").
    const numeric = await newPage();
    await openDemo(numeric.page);
    const signed = await numeric.page.evaluate((hash) => window.Shopdesk!.identify({ userId: 4242, hash }), hmac('4242'));
    expect(signed.identified).toBe(true);
    const [byNumber] = await bed.stack.env.sql`select external_id from customers where id = ${signed.customerId}`;
    expect(byNumber.external_id).toBe('4242');
  });

  it('a returning customer who chatted before signing in keeps the chat on screen, in every tab, on their own record', async () => {
    // Known from an earlier visit, signed in on another device.
    const known = await (await fetch(`${bed.stack.url}/api/widget/sessions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ siteKey: 'demo', userId: 'shopper-77', hash: hmac('shopper-77'), name: 'Ines Returning' }),
    })).json() as { customerId: number };

    const { context, page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    await send(page, 'Asked before signing in');
    const conversationId = await conversationOf('Asked before signing in');
    // A second tab of the shop, on the same anonymous visitor.
    const secondTab = await context.newPage();
    await openDemo(secondTab);
    await openWidget(secondTab);
    await secondTab.locator('.log .msg.mine', { hasText: 'Asked before signing in' }).waitFor();

    const result = await page.evaluate((hash) => window.Shopdesk!.identify({ userId: 'shopper-77', hash }), hmac('shopper-77'));
    expect(result.customerId).toBe(known.customerId);
    const [owner] = await bed.stack.env.sql`select customer_id from conversations where id = ${conversationId}`;
    expect(Number(owner.customer_id)).toBe(known.customerId);
    // The chat stays on screen: the widget reconnected as the known customer and found it there.
    await page.locator('.log .msg.mine', { hasText: 'Asked before signing in' }).waitFor();
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
    await send(page, 'Asked after signing in');
    expect(await conversationOf('Asked after signing in')).toBe(conversationId);

    // The other tab was dropped with the old record; it picks up the token the signed-in tab stored, not a new visitor.
    await secondTab.locator('.log .msg', { hasText: 'Asked after signing in' }).waitFor({ timeout: 15_000 });
    await secondTab.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
    await send(secondTab, 'From the second tab');
    expect(await conversationOf('From the second tab')).toBe(conversationId);
  });

  it("shows a conversation an agent starts after the shopper's last one ended, with an unread badge while closed", async () => {
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    await send(page, 'Is the tote back in stock?');
    const first = await conversationOf('Is the tote back in stock?');
    const [{ customer_id: customerId }] = await bed.stack.env.sql`select customer_id from conversations where id = ${first}`;
    await callOk(bed.agent, 'message:send', { conversationId: first, clientId: `stock-${first}`, text: 'Not yet, I will let you know.' });
    await callOk(bed.agent, 'conversation:resolve', { conversationId: first });
    await page.locator('.launcher').click(); // closed

    // Days later the tote is back: the agent writes first, from the customer's panel.
    const agentLogin = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
    const started = await httpAs(bed.stack.url, 'POST', `/api/customers/${customerId}/conversations`, agentLogin, { text: 'Good news: the tote is back in stock!' });
    expect(started.status).toBe(201);
    await page.locator('.badge').waitFor();
    // Beside the launcher, who wrote and what: a badge alone is easy to miss. It opens the chat.
    const preview = page.locator('.nudge .nudge-text');
    await expect.poll(() => preview.textContent()).toMatch(/^.+: Good news: the tote is back in stock!$/);
    await preview.click();
    await page.locator('.panel').waitFor();
    await page.locator('.log .msg', { hasText: 'Good news: the tote is back in stock!' }).waitFor();
    expect(await page.locator('.nudge').count()).toBe(0);
    expect(await page.locator('.log .divider').count()).toBeGreaterThanOrEqual(1); // under its own "New conversation"
    await send(page, 'Great, reserving one now');
    expect(await conversationOf('Great, reserving one now')).toBe(started.json.conversationId);
  });

  it('shows the pre-chat form when the shop turns it on and saves name and email', async () => {
    await saveWidgetSettings(bed.stack.env.sql, { ...DEFAULT_WIDGET_SETTINGS, preChatForm: true });
    try {
      const { page } = await newPage();
      await openDemo(page);
      await page.locator('.launcher').click();
      const form = page.locator('[data-card="prechat"]');
      await form.waitFor();
      expect(await page.locator('#sd-input').isDisabled()).toBe(true);
      await form.getByLabel('Name (optional)').fill('Lee Park');
      await form.getByLabel('Email').fill('lee@example.com');
      await form.getByRole('button', { name: 'Start chat' }).click();
      await form.waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement?.id)).toBe('sd-input');
      await send(page, 'Hello after the form');
      const conversationId = await conversationOf('Hello after the form');
      const [customer] = await bed.stack.env.sql<{ name: string; email: string }[]>`
        select c.name, c.email from customers c join conversations v on v.customer_id = c.id where v.id = ${conversationId}`;
      expect(customer).toEqual({ name: 'Lee Park', email: 'lee@example.com' });
    } finally {
      await saveWidgetSettings(bed.stack.env.sql, DEFAULT_WIDGET_SETTINGS);
    }
  });

  it("links the shop's privacy policy under the text box when the shop set one, in the shopper's language", async () => {
    const plain = await newPage();
    await openDemo(plain.page);
    await plain.page.locator('.launcher').click();
    await plain.page.locator('#sd-input').waitFor();
    expect(await plain.page.locator('.privacy').count()).toBe(0); // nothing set: no line

    await saveWidgetSettings(bed.stack.env.sql, { ...DEFAULT_WIDGET_SETTINGS, privacyUrl: 'https://shop.example/privacy' });
    try {
      for (const [locale, note, label] of [['en-GB', 'We keep this chat to answer you.', 'Privacy policy'], ['zh-CN', '我们会保存此对话以便答复您。', '隐私政策']] as const) {
        const { page } = await newPage({ locale });
        await openDemo(page);
        await page.locator('.launcher').click();
        const line = page.locator('.privacy');
        await line.waitFor();
        expect(await line.textContent()).toBe(`${note} ${label}`);
        const link = line.getByRole('link', { name: label });
        expect(await link.getAttribute('href')).toBe('https://shop.example/privacy');
        expect(await link.getAttribute('target')).toBe('_blank');
        expect(await link.getAttribute('rel')).toContain('noopener');
        // Under the text box, inside the panel: visible without scrolling.
        const [compose, under] = await Promise.all([page.locator('.compose').boundingBox(), line.boundingBox()]);
        expect(under!.y).toBeGreaterThanOrEqual(compose!.y + compose!.height - 1);
        expect(await line.isVisible()).toBe(true);
        await page.screenshot({ path: artifactPath(`widget-privacy-${locale}.png`) });
      }
    } finally {
      await saveWidgetSettings(bed.stack.env.sql, DEFAULT_WIDGET_SETTINGS);
    }
  });

  it('offers a proactive message on the pages the shop chose, once per visit; opening the chat from it starts with that message', async () => {
    const nudge = { id: 'demo-help', path: '/demo', delaySeconds: 1, message: { en: 'Looking at the tote? Ask me about sizes and shipping.', zh: '在看托特包吗？' } };
    await saveWidgetSettings(bed.stack.env.sql, { ...DEFAULT_WIDGET_SETTINGS, nudges: [nudge] });
    try {
      const { page } = await newPage();
      await openDemo(page);
      const card = page.locator('.nudge');
      await card.waitFor({ timeout: 10_000 });
      expect(await card.locator('.nudge-text').textContent()).toBe(nudge.message.en);
      await card.locator('.nudge-text').click();
      await page.locator('.panel').waitFor();
      await card.waitFor({ state: 'detached' });
      expect((await bubbles(page))[0]).toMatchObject({ text: nudge.message.en });

      // Once per visit: the same tab on another page under the path does not get it again.
      await page.locator('.panel').getByRole('button', { name: 'Close chat' }).click();
      await page.evaluate(() => history.pushState({}, '', '/demo/sale'));
      await page.waitForTimeout(2_500);
      expect(await card.count()).toBe(0);

      // Another visit gets it, and its close button puts it away without opening the chat.
      const other = await newPage();
      await openDemo(other.page);
      await other.page.locator('.nudge').waitFor({ timeout: 10_000 });
      await other.page.locator('.nudge').getByRole('button', { name: 'Dismiss' }).click();
      await other.page.locator('.nudge').waitFor({ state: 'detached' });
      expect(await other.page.locator('.panel').isHidden()).toBe(true);
      // Both visits were counted as shown, the first as opened too (for the shop's report).
      await eventually(async () => {
        const [row] = await bed.stack.env.sql<{ shown: number; opened: number }[]>`select shown, opened from nudge_stats where nudge_id = ${nudge.id}`;
        return row?.shown === 2 && row.opened === 1;
      }, 10_000, 'the proactive message counted twice shown, once opened');
    } finally {
      await saveWidgetSettings(bed.stack.env.sql, DEFAULT_WIDGET_SETTINGS);
    }
  });

  it('renders quick replies and article links safely; "Was this helpful?" is stored as feedback', async () => {
    const seat = bed.stack.servers[0].handle.ctx.responder;
    const previous = seat.current;
    seat.current = new ScriptedResponder();
    try {
      const { page, dialogs } = await newPage();
      await openDemo(page);
      await openWidget(page);
      await send(page, 'I have a question');
      await page.getByRole('button', { name: 'Order status' }).waitFor();
      await page.getByRole('button', { name: 'Returns' }).click();
      const conversationId = await conversationOf('Returns');
      const [quick] = await bed.stack.env.sql<{ metadata: { quickReply?: string } }[]>`
        select metadata from messages where conversation_id = ${conversationId} and body = 'Returns' and author_type = 'customer'`;
      expect(quick.metadata.quickReply).toBe('returns');
      await page.getByRole('button', { name: 'Order status' }).waitFor({ state: 'detached' }); // chips go once answered

      const answer = page.locator('.log .msg', { hasText: 'Unused items can be returned within 30 days' });
      await answer.waitFor();
      const link = answer.getByRole('link', { name: 'Returns policy' });
      expect(await link.getAttribute('href')).toBe(`${new URL(bed.stack.url).origin}/kb/returns-policy`);
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
      expect(await link.getAttribute('target')).toBe('_blank');
      // A javascript: URL is shown as plain text, never as a link.
      await answer.getByText('Sneaky link').waitFor();
      expect(await answer.getByRole('link', { name: 'Sneaky link' }).count()).toBe(0);

      await answer.getByText('Was this helpful?').waitFor();
      await answer.getByRole('button', { name: 'Yes' }).click();
      await answer.getByText('Thanks for your feedback!').waitFor();
      const rows = await eventually(async () => {
        const found = await bed.stack.env.sql<{ article_id: number; helpful: boolean }[]>`
          select article_id, helpful from feedback where kind = 'article' and conversation_id = ${conversationId}`;
        return found.length ? found : null;
      }, 20_000, 'article feedback row');
      expect(rows).toEqual([{ article_id: 7, helpful: true }]);

      // After a reload the question is not asked again.
      await page.reload();
      await page.locator('.log .msg', { hasText: 'Unused items can be returned' }).getByText('Thanks for your feedback!').waitFor();

      // An answer in Chinese on this English page asks in Chinese.
      await send(page, '怎么退货');
      const zhAnswer = page.locator('.log .msg', { hasText: '未使用的商品可在 30 天内退货' });
      await zhAnswer.getByText('这个回答有帮助吗？').waitFor();
      expect(await zhAnswer.getByRole('button', { name: '有帮助' }).count()).toBe(1);

      // An intent's typed answer, which links no article, asks too; "No" is stored as that answer's rating and
      // offers a person.
      await send(page, 'how do points work');
      const typed = page.locator('.log .msg', { hasText: 'You collect one point per dollar.' });
      await typed.getByText('Was this helpful?').waitFor();
      expect(await typed.getByRole('link').count()).toBe(0);
      await typed.getByRole('button', { name: 'No' }).click();
      await typed.getByRole('button', { name: 'Talk to a person' }).waitFor();
      const typedRows = await eventually(async () => {
        const found = await bed.stack.env.sql<{ kind: string; intent: string; helpful: boolean }[]>`
          select kind, intent, helpful from feedback where kind = 'answer' and conversation_id = ${conversationId}`;
        return found.length ? found : null;
      }, 20_000, 'answer feedback row');
      expect(typedRows).toEqual([{ kind: 'answer', intent: 'loyalty_points', helpful: false }]);
      expect(dialogs).toEqual([]);
    } finally {
      seat.current = previous;
    }
  });

  it('counts unread agent messages on the launcher, clears them on open; typing reaches the agent', async () => {
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    await send(page, 'Anyone there?');
    const conversationId = await conversationOf('Anyone there?');
    await callOk(bed.agent, 'conversation:join', { conversationId });
    // The widget knows its conversation once the header offers its transcript; typing marks need it.
    await page.locator('.head').getByRole('button', { name: 'Download transcript' }).waitFor();

    const typing = nextEvent<{ conversationId: number; author: string; typing: boolean }>(bed.agent, 'typing', (e) => e.conversationId === conversationId && e.typing);
    await page.locator('#sd-input').pressSequentially('I am wri', { delay: 20 });
    expect(await typing).toMatchObject({ author: 'customer', typing: true });
    await page.locator('#sd-input').fill('');

    await page.locator('.panel').getByRole('button', { name: 'Close chat' }).click();
    const { id } = await callOk<{ id: number }>(bed.agent, 'message:send', { conversationId, clientId: 'agent-unread-1', text: 'Yes, I am here.' });
    await page.locator('.badge').getByText('1').waitFor();
    expect(await page.locator('.launcher').getAttribute('aria-label')).toBe('Open chat, 1 unread message');

    await page.locator('.launcher').click();
    await page.locator('.badge').waitFor({ state: 'hidden' });
    await eventually(async () => {
      const [row] = await bed.stack.env.sql<{ seen: number }[]>`select customer_last_seen_id::int as seen from conversations where id = ${conversationId}`;
      return row.seen === id;
    }, 10_000, 'customer_last_seen_id updated');
  });

  it("an answer read before the widget knew its new chat stays read when the panel closes; the server hears the mark", async () => {
    const { page } = await newPage();
    // The chat's summaries (the answer to the widget's load of its new conversation, conversation:updated) are held
    // back, so the bot's answer reaches the screen first, as it can on a slow link.
    let holding = true;
    const held: (() => void)[] = [];
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((frame) => server.send(frame));
      server.onMessage((frame) => {
        if (holding && typeof frame === 'string' && frame.includes('"customerLastSeenId"')) held.push(() => ws.send(frame));
        else ws.send(frame);
      });
    });
    await openDemo(page);
    await openWidget(page);
    await send(page, 'Is anyone reading this?');
    const conversationId = await conversationOf('Is anyone reading this?');
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor();
    expect(held.length).toBeGreaterThan(0);
    await page.locator('.panel').getByRole('button', { name: 'Close chat' }).click();
    holding = false;
    for (const release of held.splice(0)) release();
    const [answer] = await bed.stack.env.sql<{ id: number }[]>`
      select id::int from messages where conversation_id = ${conversationId} and author_type = 'bot' order by id limit 1`;
    await eventually(async () => {
      const [row] = await bed.stack.env.sql<{ seen: number }[]>`select customer_last_seen_id::int as seen from conversations where id = ${conversationId}`;
      return row.seen === answer.id;
    }, 10_000, 'the answer seen before the chat was known marked on the server');
    expect(await page.locator('.badge').isHidden()).toBe(true);

    await callOk(bed.agent, 'conversation:join', { conversationId });
    await callOk(bed.agent, 'message:send', { conversationId, clientId: 'agent-after-early-answer', text: 'Hello, I am here.' });
    await page.locator('.badge').getByText('1').waitFor();
    expect(await page.locator('.launcher').getAttribute('aria-label')).toBe('Open chat, 1 unread message');
  });

  it('a blocked shopper is told the chat is not available, cannot type, and stays blocked after a reload', async () => {
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    await send(page, 'Cheap watches at example.net');
    const conversationId = await conversationOf('Cheap watches at example.net');
    const [{ customer_id: customerId }] = await bed.stack.env.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${conversationId}`;
    const { cookie } = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
    expect((await httpAs(bed.stack.url, 'POST', `/api/customers/${customerId}/block`, { cookie }, { reason: 'spam' })).status).toBe(200);

    const status = page.locator('.status[data-state="blocked"]');
    await status.waitFor({ state: 'attached' });
    expect(await status.textContent()).toBe('Chat is not available.');
    expect(await page.locator('#sd-input').isDisabled()).toBe(true);
    // The block ended the chat, but no rating is asked of a blocked shopper (it could not be sent either).
    expect(await page.locator('[data-card="csat"]').count()).toBe(0);

    // The stored visitor token is kept (a fresh visitor would slip past the block): after a reload it is the same customer, still refused.
    await page.reload();
    await page.locator('.launcher').click();
    await page.locator('.status[data-state="blocked"]').waitFor({ state: 'attached' });
    const [{ n }] = await bed.stack.env.sql<{ n: number }[]>`select count(*)::int as n from customers where id > ${customerId}`;
    expect(n).toBe(0);
  });

  it("tells the agent which page the shopper is on, after a single-page shop's navigation too, and when they leave", async () => {
    const { page, context } = await newPage();
    await openDemo(page);
    await openWidget(page);
    await send(page, 'Which page am I on?');
    const conversationId = await conversationOf('Which page am I on?');
    const title = await page.title();
    const joined = await callOk<{ shopper: ShopperActivity }>(bed.agent, 'conversation:join', { conversationId });
    expect(joined.shopper).toMatchObject({ online: true, page: { url: `${bed.stack.url}/demo`, title } });

    // A single-page shop changes the address without loading a page; the widget notices within seconds.
    const moved = nextEvent<ShopperActivity>(bed.agent, 'shopper:activity', (a) => a.page?.title === 'Summer sale', 15_000);
    await page.evaluate(() => {
      history.pushState({}, '', '/demo/sale?coupon=SUMMER#top');
      document.title = 'Summer sale';
    });
    expect(await moved).toMatchObject({ online: true, page: { url: `${bed.stack.url}/demo/sale` } });

    const left = nextEvent<ShopperActivity>(bed.agent, 'shopper:activity', (a) => a.customerId === joined.shopper.customerId && !a.online);
    await context.close();
    expect((await left).page).toEqual({ url: `${bed.stack.url}/demo/sale`, title: 'Summer sale' });
  });

  it("a shop's own chat button: data-launcher=\"hidden\" hides the launcher; window events say open, close and the unread count", async () => {
    const { page } = await newPage();
    // The demo page with the attribute a shop adds to its tag.
    await page.route(`${bed.stack.url}/demo`, async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace('src="/widget.js"', 'src="/widget.js" data-launcher="hidden"');
      await route.fulfill({ response, body: html });
    });
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      for (const name of ['open', 'close', 'unread']) {
        window.addEventListener(`shopdesk:${name}`, (e) => seen.push(name === 'unread' ? `unread:${(e as CustomEvent<{ count: number }>).detail.count}` : name));
      }
    });
    await page.goto(`${bed.stack.url}/demo`);
    await page.locator('.launcher').waitFor({ state: 'attached' });
    await page.evaluate(() => window.Shopdesk!.ready);
    expect(await page.locator('.launcher').isVisible()).toBe(false);
    await page.evaluate(() => window.Shopdesk!.open());
    await page.locator('.panel').waitFor();
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
    await send(page, 'Asked from the shop\'s own button');
    const conversationId = await conversationOf('Asked from the shop\'s own button');
    // The bot's answer is read while the panel is open (arriving after the close, it would be a second unread one).
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor();
    await page.evaluate(() => window.Shopdesk!.close());
    await callOk(bed.agent, 'conversation:join', { conversationId });
    await callOk(bed.agent, 'message:send', { conversationId, clientId: 'own-button-1', text: 'Hello from the team' });
    const seen = () => page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    await expect.poll(async () => (await seen()).at(-1)).toBe('unread:1');
    const told = await seen();
    expect(told.slice(0, 3)).toEqual(['open', 'close', 'unread:1']);
    await page.evaluate(() => window.Shopdesk!.open());
    await expect.poll(async () => (await seen()).slice(told.length)).toEqual(['unread:0', 'open']);
  });

  it('runs calls queued before the script loaded (window.Shopdesk = []), in order; open({message}) puts words in the box, unsent', async () => {
    const { page } = await newPage();
    const warnings: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'warning') warnings.push(message.text());
    });
    const userId = `queued-${Date.now()}`;
    // The shop's own script, run before widget.js (an async tag) has loaded.
    await page.addInitScript(({ userId, hash }) => {
      const queue: unknown[] = [];
      (window as unknown as { Shopdesk: unknown[] }).Shopdesk = queue;
      queue.push(['identify', { userId, hash, name: 'Quinn Queue' }], ['open', { message: 'About order 1042: ' }], ['fly']);
    }, { userId, hash: hmac(userId) });
    await page.goto(`${bed.stack.url}/demo`);
    await page.locator('.panel').waitFor();
    await expect.poll(() => page.locator('#sd-input').inputValue()).toBe('About order 1042: ');
    await expect.poll(async () => (await bed.stack.env.sql<{ name: string }[]>`
      select name from customers where external_id = ${userId}`).map((c) => c.name)).toEqual(['Quinn Queue']);
    expect(warnings.some((w) => w.includes('unknown call') && w.includes('fly'))).toBe(true);
    // Suggested, not said: nothing reached the server.
    expect((await bed.stack.env.sql`
      select 1 from messages m join conversations c on c.id = m.conversation_id join customers u on u.id = c.customer_id
      where u.external_id = ${userId}`).length).toBe(0);

    // The queue style keeps working once loaded; a suggestion never replaces what the shopper typed.
    await page.evaluate(() => window.Shopdesk!.push(['close']));
    await page.locator('.panel').waitFor({ state: 'hidden' });
    await page.evaluate(() => window.Shopdesk!.open({ message: 'Something else' }));
    await page.locator('.panel').waitFor();
    expect(await page.locator('#sd-input').inputValue()).toBe('About order 1042: ');
    await page.locator('#sd-input').press('End');
    await page.locator('#sd-input').pressSequentially('where is it?');
    await page.locator('#sd-input').press('Enter');
    expect(await conversationOf('About order 1042: where is it?')).toBeGreaterThan(0);
  });

  it('survives a single-page framework swapping the whole <body> (Turbo, pjax): the launcher comes back with the chat', async () => {
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    await send(page, 'Asked before the page swap');
    await page.evaluate(() => {
      const next = document.createElement('body');
      next.innerHTML = '<main><h1>Checkout</h1></main>';
      document.body.replaceWith(next);
    });
    await page.locator('.launcher').waitFor();
    await openWidget(page);
    await page.locator('.log .msg.mine', { hasText: 'Asked before the page swap' }).waitFor();
    expect(await page.locator('shopdesk-widget').count()).toBe(1);
  });

  it('works when embedded on another origin: the script finds its server from its own src', async () => {
    const { page, requests } = await newPage();
    const server = new URL(bed.stack.url);
    // Another shop: a real page on another origin (another port). Served for real, not route-fulfilled, so Chromium
    // knows it is on loopback too and lets it load from the chat server on 127.0.0.1.
    const shopServer = createHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html lang="en"><body><h1>Another shop</h1><script src="${server.origin}/widget.js" data-site="demo" data-lang="zh" data-position="left" async></script></body></html>`);
    });
    await new Promise<void>((resolve) => shopServer.listen(0, '127.0.0.1', resolve));
    const shop = `http://127.0.0.1:${(shopServer.address() as AddressInfo).port}`;
    onTestFinished(() => new Promise<void>((resolve) => shopServer.close(() => resolve())));
    await page.goto(`${shop}/product`);
    await page.getByRole('button', { name: '打开聊天' }).click(); // data-lang="zh" overrides the en-US browser
    await openWidget(page);
    const box = (await page.locator('.panel').boundingBox())!;
    expect(box.x).toBeLessThan(100); // data-position="left"
    await send(page, 'Cross-origin hello');
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor();
    expect(await conversationOf('Cross-origin hello')).toBeGreaterThan(0);
    const origins = new Set(requests.map((u) => new URL(u).origin));
    expect([...origins].sort()).toEqual([shop, server.origin].sort());
  });

  it('serves /widget.js cacheable, compressed and loadable cross-origin; the widget API answers CORS preflights', async () => {
    const first = await fetch(`${bed.stack.url}/widget.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('cache-control')).toContain('max-age=');
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(first.headers.get('content-encoding')).toBe('gzip');
    expect((await first.text()).length).toBeGreaterThan(1000);
    const etag = first.headers.get('etag')!;
    const again = await fetch(`${bed.stack.url}/widget.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);

    const preflight = await fetch(`${bed.stack.url}/api/widget/sessions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('content-type');
    const settings = await fetch(`${bed.stack.url}/api/widget/settings?site=demo`, { headers: { origin: 'http://shop.example' } });
    expect(settings.headers.get('access-control-allow-origin')).toBe('*');
    // Other APIs (agents', admins') are not opened to other origins.
    const other = await fetch(`${bed.stack.url}/healthz`, { headers: { origin: 'http://shop.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const demo = await fetch(`${bed.stack.url}/demo`);
    const html = await demo.text();
    expect(html).toContain('<script src="/widget.js" data-site="demo" async></script>');
    expect(html).toContain('Northwind Goods');
    expect(demo.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});
