// The shopper's widget in Debian's Chromium (playwright-core) against a real
// server on the real Postgres and Redis, with the workers running so CSAT
// reaches the feedback table. Agents are socket.io-client connections on /agent.
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { artifactPath, launchBrowser } from '../support/browser.ts';
import { login, startStack, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, eventually, type AgentClient } from '../support/sockets.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import { conversationsRepository, forShopper, toSummary } from '../../server/repositories/conversations.ts';
import { noisePng, solidPng } from '../support/png.ts';
import { bubbles, conversationOf as storedIn, freshWidgetBundle, newWidgetPage, openDemo as open, openWidget, send, waitForAnswer } from './widget-helpers.ts';

let stack: TestStack;
let browser: Browser;
let agentUser: { id: number; name: string };
const agents: AgentClient[] = [];
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  await freshWidgetBundle(); // the server serves public/build/widget.js: make sure it is built from this source
  // The real knowledge-base brain in the bot seat (seeded articles, lexical encoder when no model files are present).
  stack = await startStack({
    workers: true,
    server: { extensions: [knowledgeBaseExtension({ prepare: { seed: true } })] },
    config: { seedDemo: true, identitySecret: 'widget-e2e-identity-secret' }, // seedDemo: the demo page offers its shoppers
  });
  browser = await launchBrowser();
  const { token, user } = await login(stack.url, stack.agent.email, stack.agent.password);
  agentUser = user;
  agents.push(await connectAgent(stack.url, token));
}, 180_000);

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});

afterAll(async () => {
  for (const socket of agents) socket.close();
  await browser?.close();
  await stack?.close();
});

const agent = () => agents[0];
const newPage = (options: Parameters<typeof newWidgetPage>[2] = {}) => newWidgetPage(browser, contexts, options);
const openDemo = (page: Parameters<typeof open>[1], query = '') => open(stack, page, query);
const conversationOf = (text: string) => storedIn(stack, text);


async function setPresence(presence: 'online' | 'offline'): Promise<void> {
  await callOk(agent(), 'presence:set', { presence });
}

describe('shopper widget in Chromium', () => {
  it('demo → question → bot answer; ask for a person → queued → agent joins and replies → resolve → CSAT stored, transcript downloads', async () => {
    await setPresence('offline');
    const { page, requests } = await newPage();
    await openDemo(page);
    await openWidget(page);
    // The greeting comes from the server's widget settings.
    await page.getByText('Hi there! Ask us anything about your order, shipping or returns.').waitFor();

    const question = 'How long does a refund take to reach my card?';
    await send(page, question);
    const botReply = page.locator('.log .msg:not(.mine)').nth(1); // [0] is the greeting
    await botReply.waitFor({ timeout: 20_000 });
    const conversationId = await conversationOf(question);
    const [stored] = await stack.env.sql<{ id: number; metadata: { articles?: { id: number; title: string }[]; askHelpful?: boolean } }[]>`
      select id, metadata from messages where conversation_id = ${conversationId} and author_type = 'bot' order by id limit 1`;
    // The knowledge-base bot answers with its article: the link is shown, safely, with "Was this helpful?".
    expect(stored.metadata.articles?.length).toBeGreaterThan(0);
    expect(stored.metadata.askHelpful).toBe(true);
    const link = botReply.locator('.articles a').first();
    await link.waitFor();
    expect(await botReply.locator('ul.articles').getAttribute('aria-label')).toBe('Related articles');
    expect(await link.textContent()).toBe(stored.metadata.articles![0].title);
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('href')).toMatch(/^https?:\/\/[^/]+\/help\//);
    await botReply.getByRole('button', { name: 'Yes' }).click();
    await botReply.getByText('Thanks for your feedback!').waitFor();
    const helpful = await eventually(async () => {
      const rows = await stack.env.sql<{ message_id: number; article_id: number; helpful: boolean }[]>`
        select message_id, article_id, helpful from feedback where kind = 'article' and conversation_id = ${conversationId}`;
      return rows.length ? rows : null;
    }, 20_000, 'article feedback row');
    expect(helpful).toEqual([{ message_id: stored.id, article_id: stored.metadata.articles![0].id, helpful: true }]);
    const ownMessage = page.locator('.log .msg.mine').first();
    await ownMessage.locator('.meta[data-state="Sent"]').waitFor();

    // An answer rated "No" offers a person right there, and its question reaches the learning loop.
    const second = 'How much does express shipping cost?';
    await send(page, second);
    const secondReply = page.locator('.log .msg:not(.mine)').nth(2); // after the greeting and the first answer
    await secondReply.getByRole('button', { name: 'No' }).click();
    await secondReply.getByText('Sorry that did not help. A person can take a look:').waitFor();
    const unhelpful = await eventually(async () => {
      const [group] = await stack.env.sql<{ examples: { reason?: string; conversationId: number }[] }[]>`
        select examples from unanswered_questions where text = ${second}`;
      return group ?? null;
    }, 20_000, 'the unhelpful answer in the unanswered questions');
    expect(unhelpful.examples).toEqual([expect.objectContaining({ reason: 'unhelpful', conversationId })]);

    // Ask for a person: nobody is online → queued, and the leave-a-message offer instead of a place in the queue
    // nobody serves (test/e2e/widget-languages.test.ts checks the place stays hidden).
    // The header always offers a person while the bot has the chat; once queued it goes away.
    const talk = page.locator('.head .person-btn');
    await secondReply.getByRole('button', { name: 'Talk to a person' }).click();
    const queueNotice = page.locator('.notice[data-position]');
    await talk.waitFor({ state: 'hidden' });
    await page.getByText("No one is available right now. Leave your email and message and we'll get back to you.").first().waitFor();
    await page.screenshot({ path: artifactPath('widget-queued.png') });

    // The agent comes online: assigned at once, the shopper sees "<name> joined the chat."
    await setPresence('online');
    await page.locator('.log .system').getByText(`${agentUser.name} joined the chat.`).waitFor();
    await queueNotice.waitFor({ state: 'hidden' });
    await page.locator('.notice', { hasText: 'No one is available right now.' }).waitFor({ state: 'hidden' });

    // Agent typing shows in the widget; the agent's reply appears with the agent's name.
    agent().emit('typing', { conversationId, typing: true });
    await page.locator('.typing').getByText(`${agentUser.name} is typing…`).waitFor();
    await callOk(agent(), 'message:send', { conversationId, clientId: 'agent-reply-1', text: 'Hello! Standard shipping takes 3–5 working days.' });
    const agentBubble = page.locator('.log .msg', { hasText: 'Hello! Standard shipping takes 3–5 working days.' });
    await agentBubble.waitFor();
    expect((await agentBubble.locator('.who').textContent())?.startsWith(agentUser.name)).toBe(true);
    await page.locator('.typing').getByText(`${agentUser.name} is typing…`).waitFor({ state: 'detached' }); // the reply ends the typing notice
    await page.screenshot({ path: artifactPath('widget-conversation.png') });

    // The agent reads the chat → the shopper's messages show "Seen".
    const [{ max }] = await stack.env.sql<{ max: number }[]>`select max(id)::int as max from messages where conversation_id = ${conversationId}`;
    await callOk(agent(), 'messages:seen', { conversationId, lastSeenId: max });
    await ownMessage.locator('.meta[data-state="Seen"]').waitFor();

    // Resolve → "ended the chat", rating prompt; rate 4 with a comment.
    await callOk(agent(), 'conversation:resolve', { conversationId });
    await page.locator('.log .system').getByText(`${agentUser.name} ended the chat.`).waitFor();
    const csat = page.locator('[data-card="csat"]');
    await csat.waitFor();
    await csat.getByRole('radio', { name: '4 out of 5' }).click();
    await csat.locator('textarea').fill('Quick and friendly');
    await page.screenshot({ path: artifactPath('widget-csat.png') });
    await csat.getByRole('button', { name: 'Send rating' }).click();
    await csat.getByText('Thank you for rating this conversation!').waitFor();
    const feedback = await eventually(async () => {
      const rows = await stack.env.sql<{ rating: number; comment: string | null }[]>`select rating, comment from feedback where kind = 'csat' and conversation_id = ${conversationId}`;
      return rows.length ? rows : null;
    }, 20_000, 'CSAT row written by the feedback worker');
    expect(feedback).toEqual([{ rating: 4, comment: 'Quick and friendly' }]);

    // Transcript download: the file holds the conversation.
    const [download] = await Promise.all([page.waitForEvent('download'), csat.getByRole('button', { name: 'Download transcript' }).click()]);
    expect(download.suggestedFilename()).toBe(`conversation-${conversationId}.txt`);
    const transcript = await readFile((await download.path())!, 'utf8');
    expect(transcript).toContain(question);
    expect(transcript).toContain('Standard shipping takes 3–5 working days.');

    // Writing again after the end starts a new conversation, shown under a divider; the rating card goes.
    await send(page, 'One more question, please');
    await page.locator('.log .divider').getByText('New conversation').waitFor();
    await csat.waitFor({ state: 'detached' });
    expect(await conversationOf('One more question, please')).toBeGreaterThan(conversationId);

    // The bundle talked only to its own server.
    const origins = new Set(requests.map((u) => new URL(u).origin).filter((o) => o !== 'null'));
    expect([...origins]).toEqual([new URL(stack.url).origin]);
  });

  it('reload continues the same conversation with its history; messages typed offline are delivered once, in order', async () => {
    await setPresence('offline');
    const { context, page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    await send(page, 'First message before reload');
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor(); // bot answered
    const conversationId = await conversationOf('First message before reload');
    const before = await bubbles(page);

    await page.reload();
    await page.locator('.panel').waitFor(); // the panel remembers it was open
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
    await page.locator('.log .msg.mine').first().waitFor();
    await eventually(async () => (await bubbles(page)).length === before.length, 10_000, 'history after reload');
    expect((await bubbles(page)).map((b) => b.text)).toEqual(before.map((b) => b.text));

    // Offline: both messages wait in the outbox (with client ids, in localStorage) and say so.
    await context.setOffline(true);
    await page.locator('.status[data-state="offline"]').waitFor();
    await send(page, 'Offline one');
    await send(page, 'Offline two');
    const waiting = page.locator('.log .msg.mine .meta[data-state="Waiting for connection"]');
    await eventually(async () => (await waiting.count()) === 2, 5_000, 'two queued messages');
    const outbox = await page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.endsWith(':outbox'));
      return key ? (JSON.parse(localStorage.getItem(key)!) as { clientId: string; text: string }[]) : [];
    });
    expect(outbox.map((i) => i.text)).toEqual(['Offline one', 'Offline two']);
    expect(new Set(outbox.map((i) => i.clientId)).size).toBe(2);
    // Meanwhile the agent writes: the widget cannot receive it now and must fetch it on reconnect (resync from the last id).
    await callOk(agent(), 'message:send', { conversationId, clientId: 'agent-while-offline', text: 'Written while you were offline' });
    await new Promise((r) => setTimeout(r, 500));
    expect(await page.locator('.log .msg', { hasText: 'Written while you were offline' }).count()).toBe(0);
    await page.screenshot({ path: artifactPath('widget-offline.png') });
    await new Promise((r) => setTimeout(r, 1_000));
    const [{ n: storedWhileOffline }] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from messages where conversation_id = ${conversationId} and body like 'Offline %'`;
    expect(storedWhileOffline).toBe(0);

    await context.setOffline(false);
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
    const rows = await eventually(async () => {
      const found = await stack.env.sql<{ body: string; client_id: string }[]>`
        select body, client_id from messages where conversation_id = ${conversationId} and author_type = 'customer' order by id`;
      return found.length === 3 ? found : null;
    }, 15_000, 'both offline messages stored');
    expect(rows.map((r) => r.body)).toEqual(['First message before reload', 'Offline one', 'Offline two']);
    expect(rows.slice(1).map((r) => r.client_id)).toEqual(outbox.map((i) => i.clientId));
    await eventually(async () => (await page.locator('.log .msg.mine .meta[data-state="Sent"]').count()) === 3, 10_000, 'all shown as sent');
    const shown = (await bubbles(page)).map((b) => b.text);
    expect(shown.filter((t) => t.startsWith('First message') || t.startsWith('Offline') || t.startsWith('Written while'))).toEqual([
      'First message before reload', 'Written while you were offline', 'Offline one', 'Offline two',
    ]);
    expect(await page.evaluate(() => Object.keys(localStorage).some((k) => k.endsWith(':outbox')))).toBe(false);
  });

  it('shows an agent message with HTML in it as text and runs nothing', async () => {
    const { page, dialogs } = await newPage();
    await openDemo(page);
    await openWidget(page);
    await send(page, 'Testing what agents can send');
    const conversationId = await conversationOf('Testing what agents can send');
    const payload = '<img src=x onerror=alert(1)>';
    await callOk(agent(), 'message:send', { conversationId, clientId: 'agent-xss', text: payload });
    const bubble = page.locator('.log .msg', { hasText: payload });
    await bubble.waitFor();
    expect(await bubble.locator('.bubble .text').textContent()).toBe(payload);
    await new Promise((r) => setTimeout(r, 500)); // give a broken renderer time to fire onerror
    expect(dialogs).toEqual([]);
    const injected = await page.evaluate(() => document.getElementById('shopdesk-widget')!.shadowRoot!.querySelectorAll('.log img').length);
    expect(injected).toBe(0);

    // URLs in messages become links only when they are http(s), and open safely in a new tab.
    await callOk(agent(), 'message:send', { conversationId, clientId: 'agent-links', text: 'Track it at https://shop.example/track?id=7. Not javascript:alert(2) though.' });
    const links = page.locator('.log .msg', { hasText: 'Track it at' });
    await links.waitFor();
    expect(await links.locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.getAttribute('rel'), a.getAttribute('target')]))).toEqual([
      ['https://shop.example/track?id=7', 'noopener noreferrer', '_blank'],
    ]);
    expect(await links.locator('.text').textContent()).toBe('Track it at https://shop.example/track?id=7. Not javascript:alert(2) though.');
    expect(dialogs).toEqual([]);
  });

  it('sends a photo: its thumbnail shows in the chat and a person gets the chat; a file that is no image or PDF is refused with a reason', async () => {
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    const png = await solidPng(160, 120, [196, 120, 60]);
    await page.locator('.compose input[type=file]').setInputFiles({ name: 'cracked vase.png', mimeType: 'image/png', buffer: png });
    const thumbnail = page.locator('.log .msg.mine .attachments img');
    await thumbnail.waitFor({ timeout: 10_000 });
    expect(await thumbnail.getAttribute('alt')).toBe('cracked vase.png');
    await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(160); // loaded from the server
    // Sent without a caption: the bubble shows the photo, not its file name as text.
    expect(await page.locator('.log .msg.mine').last().locator('.text').textContent()).toBe('');
    await page.locator('.log .msg:not(.mine)', { hasText: "Thanks, I've got your file." }).waitFor({ timeout: 10_000 });
    const [stored] = await stack.env.sql<{ conversation_id: number; status: string; file_name: string; size_bytes: number }[]>`
      select a.conversation_id, c.status, a.file_name, a.size_bytes from attachments a join conversations c on c.id = a.conversation_id
      where a.file_name = 'cracked vase.png' order by a.id desc limit 1`;
    expect(stored.file_name).toBe('cracked vase.png');
    expect(stored.status).not.toBe('bot'); // handed to a person
    // The workers record the hand-off with its reason, which the reports count.
    const reason = await eventually(async () => (await stack.env.sql<{ reason: string }[]>`
      select payload->>'reason' as reason from interaction_events where type = 'handoff' and conversation_id = ${stored.conversation_id}`)[0]?.reason, 20_000, 'the hand-off event');
    expect(reason).toBe('attachment');
    await page.screenshot({ path: artifactPath('widget-attachment.png') });

    await page.locator('.compose input[type=file]').setInputFiles({ name: 'invoice.png', mimeType: 'image/png', buffer: Buffer.from('<html>not an image</html>') });
    const notice = page.locator('.file-notice.failed');
    await notice.waitFor({ timeout: 10_000 });
    expect(await notice.textContent()).toBe('The file was not sent: Only photos (JPEG, PNG, GIF, WebP) and PDF files can be sent.');
    expect(await page.locator('.log .msg.mine .attachments').count()).toBe(1);

    // Larger than the server takes: refused in the browser, before any upload.
    const uploads: string[] = [];
    page.on('request', (r) => r.url().includes('/api/widget/attachments') && uploads.push(r.url()));
    await page.locator('.compose input[type=file]').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(stack.servers[0].handle.ctx.config.maxAttachmentBytes + 1) });
    await expect.poll(() => notice.textContent()).toBe('The file was not sent: The file is too large (the limit is 10 MB).');
    expect(uploads).toEqual([]);
  });

  it("demo page: signed in as a demo shopper the bot shows that shopper's order; after signing out the chat is gone and orders need a sign-in", async () => {
    const { page } = await newPage();
    await openDemo(page, '?customer=demo-user-1');
    await page.locator('.account', { hasText: 'Signed in as Alex Chen' }).waitFor();
    // The chat has switched to the signed-in shopper (its first connection was a guest's): only then is the question
    // theirs. Asked before, it went as the guest's and got "sign in first" — CI under load caught that.
    await page.locator('.account[data-chat=signed-in]').waitFor();
    await openWidget(page);
    const [order] = await stack.env.sql<{ number: string }[]>`
      select number from orders where customer_external_id = 'demo-user-1' and status = 'shipped' order by placed_at desc limit 1`;
    await eventually(async () => (await stack.env.sql`select 1 from customers where external_id = 'demo-user-1'`).length > 0 || null, 10_000, 'identified shopper');
    await send(page, `Where is my order ${order.number}?`);
    // The bot's first answer on a fresh server can take a while at CI's load (20 s was once not enough): wait longer.
    await waitForAnswer(page, `Order ${order.number} is shipped`, 45_000);

    // "Sign out": the widget forgets the chat on this browser; the same question now needs a sign-in.
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.locator('.account', { hasText: 'browsing as a guest' }).waitFor();
    await page.waitForURL((url) => !url.search.includes('signout'));
    await openWidget(page);
    expect((await bubbles(page)).filter((b) => b.who === 'You')).toEqual([]);
    await send(page, `Where is my order ${order.number}?`);
    await waitForAnswer(page, /log in|signed-in/, 45_000);
    expect((await bubbles(page)).some((b) => b.text.includes('is shipped'))).toBe(false);
    const [guest] = await stack.env.sql<{ external_id: string | null }[]>`
      select c.external_id from customers c join conversations v on v.customer_id = c.id join messages m on m.conversation_id = v.id
      where m.body = ${`Where is my order ${order.number}?`} order by m.id desc limit 1`;
    expect(guest.external_id).toBeNull();
    // Only the demo's own shoppers can be signed in as.
    expect((await fetch(`${stack.url}/demo?customer=someone-else`)).status).toBe(404);
  }, 150_000);

  it("answers a question about the page's product from the catalogue, with a link to it", async () => {
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    // "It" is the product of the page the widget is on: the demo page is the tote's page in the product feed.
    await send(page, 'Is it waterproof?');
    const answer = page.locator('.log .msg:not(.mine)', { hasText: 'Harbor Canvas Tote' });
    await answer.waitFor({ timeout: 20_000 });
    expect(await answer.locator('.text').textContent()).toContain('not waterproof in a downpour');
    const link = answer.locator('.articles a');
    expect(await link.textContent()).toBe('Harbor Canvas Tote');
    // The bot's product card is listed as a product, not under the articles' name.
    expect(await answer.locator('ul.articles').getAttribute('aria-label')).toBe('Products');
    expect(await link.getAttribute('href')).toMatch(/^https?:\/\/[^/]+\/demo$/);
    expect(await answer.getByRole('button', { name: 'Yes' }).count()).toBe(0); // "Was this helpful?" is for articles
    // A product the feed gives no page for is named without a link.
    await send(page, 'how much is the rain jacket?');
    const jacket = page.locator('.log .msg:not(.mine)', { hasText: 'Packable Rain Jacket ($89.00' });
    await jacket.waitFor({ timeout: 20_000 });
    expect(await jacket.locator('.articles').count()).toBe(0);
    // The agent sees where it was asked.
    const [asked] = await stack.env.sql<{ metadata: { page?: { url: string; title?: string } } }[]>`
      select metadata from messages where body = 'Is it waterproof?' and author_type = 'customer' order by id desc limit 1`;
    expect(asked.metadata.page?.url).toMatch(/^http:\/\/[^/]+\/demo$/);
    expect(asked.metadata.page?.title).toBeTruthy();
  });

  it('shows how much of a photo is sent on a slow connection', async () => {
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    const photo = await noisePng(300, 300);
    expect(photo.length).toBeGreaterThan(200_000);
    // About 2 s of upload at 100 KB/s (Chromium's network emulation throttles request bodies too).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 100 * 1024 });
    const seen = new Set<string>();
    const watch = setInterval(() => void page.locator('.file-notice .percent').textContent({ timeout: 100 }).then((p) => p && seen.add(p), () => {}), 50);
    try {
      await page.locator('.compose input[type=file]').setInputFiles({ name: 'noise.png', mimeType: 'image/png', buffer: photo });
      await page.locator('.log .msg.mine .attachments img[alt="noise.png"]').waitFor({ timeout: 20_000 });
    } finally {
      clearInterval(watch);
    }
    const percents = [...seen].map((p) => Number(p.replace(' %', '')));
    expect(percents.every((p) => p >= 0 && p <= 100)).toBe(true);
    expect(percents.filter((p) => p > 0 && p < 100).length).toBeGreaterThanOrEqual(2); // it moved while sending
    // And it goes away once sent. The photo can reach the log over the socket before the upload's own reply
    // arrives and hides the notice, so this waits for it rather than checking the same instant.
    await page.locator('.file-notice').waitFor({ state: 'hidden', timeout: 10_000 });
    expect(await page.locator('.file-notice.failed').count()).toBe(0);
  });

  it('uses the Chinese UI for a zh-CN browser', async () => {
    const { page } = await newPage({ locale: 'zh-CN' });
    await openDemo(page);
    await page.getByRole('button', { name: '打开聊天' }).click();
    await page.locator('.panel').waitFor();
    expect(await page.locator('#sd-title').textContent()).toBe('在线咨询');
    expect(await page.locator('#sd-input').getAttribute('placeholder')).toBe('请输入消息…');
    await page.getByText('您好！关于订单、配送或退货的问题都可以问我们。').waitFor(); // the greeting in Chinese from the settings
    await send(page, '你好');
    await page.locator('.log .msg.mine .who').getByText('我').first().waitFor();
    await page.locator('.log .msg:not(.mine) .who').getByText('机器人').nth(1).waitFor(); // greeting + the bot's reply
  });

  it('keyboard: opens with Enter, focuses the composer, closes with Escape back to the launcher; screenshot of the open widget', async () => {
    const { page } = await newPage();
    await openDemo(page);
    await page.locator('.launcher').focus();
    await page.keyboard.press('Enter');
    await page.locator('.panel').waitFor();
    const focused = () => page.evaluate(() => document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement?.className ?? document.activeElement?.tagName);
    expect(await page.evaluate(() => document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement?.id)).toBe('sd-input');
    expect(await page.locator('.launcher').getAttribute('aria-expanded')).toBe('true');
    expect(await page.locator('.log').getAttribute('role')).toBe('log');
    await page.getByText('Hi there! Ask us anything about your order, shipping or returns.').waitFor();

    const file = artifactPath('widget-demo-open.png');
    await page.screenshot({ path: file });
    expect(statSync(file).size).toBeGreaterThan(10_000);

    // Safari ends a Chinese input method's composition with an Enter that says isComposing false, keyCode 229:
    // that Enter confirms the word and sends nothing; a plain Enter then sends.
    await page.locator('#sd-input').fill('我想问一下');
    const enter = (keyCode: number) => page.locator('#sd-input').evaluate((input, code) => {
      const event = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
      Object.defineProperty(event, 'keyCode', { get: () => code });
      input.dispatchEvent(event);
    }, keyCode);
    await enter(229);
    expect(await page.locator('#sd-input').inputValue()).toBe('我想问一下');
    expect(await page.locator('.log .msg.mine').count()).toBe(0);
    await enter(13);
    await page.locator('.log .msg.mine', { hasText: '我想问一下' }).waitFor();

    await page.keyboard.press('Escape');
    await page.locator('.panel').waitFor({ state: 'hidden' });
    expect(await focused()).toBe('launcher');
  });

  it('keeps the newest of two crossed updates of its chat: a late "waiting for an agent" does not come back under the agent', async () => {
    await setPresence('online');
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    const question = 'I want to talk to a person about my parcel, please';
    await send(page, question);
    await page.locator('.log .system').getByText(`${agentUser.name} joined the chat.`).waitFor();
    const conversationId = await conversationOf(question);
    const [row] = await stack.env.sql<{ version: number }[]>`select version from conversations where id = ${conversationId}`;
    const current = forShopper(toSummary((await conversationsRepository(stack.env.sql).findById(conversationId))!));
    // Read after the row: the chat can change in between (a seen mark, the agent's typing), and versions only grow.
    expect(current.version).toBeGreaterThanOrEqual(row.version);
    expect(current.version).toBeGreaterThanOrEqual(3); // every change counted: the first message, the hand-off, the assignment
    // What the hand-off's own read said, arriving after the assignment's (as it can from another connection or server):
    // read at the hand-off, its version is below the assignment's (the row changes after each announcement too — seen
    // marks, message times — so the widget's copy may already be older than the row: version 1 is the hand-off's era).
    const realtime = stack.servers[0].handle.ctx.realtime;
    const late = { ...current, status: 'queued' as const, assignee: null, assignedAt: null, version: 1 };
    realtime.toWidgetConversation(conversationId, 'conversation:updated', late);
    // Events of one connection arrive in order: once this typing notice shows, the late update has been handled.
    realtime.toWidgetConversation(conversationId, 'typing', { conversationId, author: 'agent', name: agentUser.name, typing: true });
    await page.locator('.typing').getByText(`${agentUser.name} is typing…`).waitFor();
    expect(await page.locator('.notice[data-position]').isHidden()).toBe(true);
    expect(await page.locator('.head .person-btn').isHidden()).toBe(true);
    // A newer one is applied: the channel works, and the version is what decides.
    realtime.toWidgetConversation(conversationId, 'conversation:updated', { ...late, version: current.version + 1 });
    await page.locator('.notice[data-position]').waitFor();
    await callOk(agent(), 'conversation:resolve', { conversationId });
    await setPresence('offline');
  });

  it('fills the screen on a phone', async () => {
    const { page } = await newPage({ viewport: { width: 375, height: 740 }, reducedMotion: 'reduce' });
    await openDemo(page);
    await openWidget(page);
    const box = (await page.locator('.panel').boundingBox())!;
    expect([box.x, box.y, box.width, box.height].map(Math.round)).toEqual([0, 0, 375, 740]);
    expect(await page.locator('.launcher').isHidden()).toBe(true); // the close button in the header takes over
    await page.screenshot({ path: artifactPath('widget-phone.png') });
    // The panel covers the page, so it is a modal: Tab and Shift+Tab cycle through its controls only.
    expect(await page.locator('.panel').getAttribute('aria-modal')).toBe('true');
    const focusIsInWidget = () => page.evaluate(() => document.activeElement?.id === 'shopdesk-widget' && !!document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press(i < 6 ? 'Tab' : 'Shift+Tab');
      expect(await focusIsInWidget(), `after ${i + 1} presses`).toBe(true);
      seen.add(await page.evaluate(() => { const el = document.getElementById('shopdesk-widget')!.shadowRoot!.activeElement!; return el.id || el.className; }));
    }
    expect(seen.size).toBeGreaterThanOrEqual(3); // it really moved (close, input, send ...)
  });

  it('offers a leave-a-message form when no agent is online, and the agents get it', async () => {
    await setPresence('offline');
    const { page } = await newPage();
    await openDemo(page);
    await openWidget(page);
    const notice = page.locator('.notice', { hasText: 'No one is available right now.' });
    await notice.waitFor();
    // Asked for a person, the bot does not claim to be connecting one.
    await send(page, 'I want to talk to a person');
    await page.locator('.log .msg:not(.mine)', { hasText: "Nobody from our team is online right now, so I can't connect you." }).waitFor();
    expect(await page.locator('.log').textContent()).not.toContain('connecting you with a person');
    const offline = new Promise<{ email: string; text: string }>((resolve) => agent().once('offline:new', resolve));
    await notice.getByRole('button', { name: 'Leave a message' }).click();
    const form = page.locator('[data-card="offline"]');
    await form.getByLabel('Email').fill('not-an-email');
    await form.getByLabel('Message').fill('Do you ship to Norway?');
    await form.getByRole('button', { name: 'Send' }).click();
    await form.getByText('Please enter a valid email address.').waitFor();
    await form.getByLabel('Email').fill('ola@example.no');
    await form.getByRole('button', { name: 'Send' }).click();
    await form.getByText('Thanks! We received your message and will reply by email.').waitFor();
    // The notice inviting a message goes: it would only contradict the thanks.
    await notice.waitFor({ state: 'hidden' });
    expect(await offline).toMatchObject({ email: 'ola@example.no', text: 'Do you ship to Norway?' });
    const rows = await stack.env.sql<{ email: string; body: string }[]>`select email, body from offline_messages where email = 'ola@example.no'`;
    expect(rows).toEqual([{ email: 'ola@example.no', body: 'Do you ship to Norway?' }]);
  });
});
