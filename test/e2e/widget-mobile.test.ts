// The widget on phones and poor networks (the mobile review in .review/mobile): a connection that dies without a word
// (a phone changing networks) is replaced instead of waited on, a read mark sent into it still reaches the server,
// a full outbox keeps the shopper's text, the full-screen panel holds the page still and follows the keyboard, a
// landscape phone gets the full screen, touch screens get big targets and no keyboard on open, the text box grows,
// attachments say why they failed, and a long answer is shown from its start.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { callOk, eventually } from '../support/sockets.ts';
import { artifactPath } from '../support/browser.ts';
import { bubbles, conversationOf, newWidgetPage, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const ATTACHMENT_LIMIT = 2 * 1024 * 1024;
// Online: a shopper's chat can be joined by this agent at once.
const bed = widgetTestBed({ stack: { config: { maxAttachmentBytes: ATTACHMENT_LIMIT } }, agentPresence: 'online' });

/**
 * A TCP proxy in front of the server. silence() is a mobile network dropping the connection's state: the server's
 * side is closed, but the browser is told nothing (no FIN, no RST) and what it sends goes nowhere. New connections
 * pass as before.
 */
async function startProxy(target: string, options: { blockWebSockets?: boolean } = {}): Promise<{ url: string; silence(): void; close(): void }> {
  const { port: targetPort } = new URL(target);
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket; dead: boolean }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(targetPort), '127.0.0.1');
    const pair = { client, upstream, dead: false };
    pairs.add(pair);
    let first = true;
    client.on('data', (d) => {
      // A network that lets no WebSocket through: the upgrade request is cut off.
      if (first && options.blockWebSockets && /^upgrade:\s*websocket/im.test(d.toString('latin1'))) return void client.destroy();
      first = false;
      if (!pair.dead) upstream.write(d);
    });
    upstream.on('data', (d) => void (!pair.dead && client.write(d)));
    const end = () => {
      if (pair.dead) return;
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('close', end);
      s.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const silenced: net.Socket[] = [];
  return {
    url: `http://127.0.0.1:${port}`,
    silence() {
      for (const pair of pairs) {
        pair.dead = true;
        pair.upstream.destroy();
        silenced.push(pair.client); // held open, never answered
      }
      pairs.clear();
    },
    close() {
      for (const s of silenced) s.destroy();
      for (const p of pairs) p.client.destroy();
      server.close();
    },
  };
}

/** A phone: touch, coarse pointer, mobile viewport. */
async function phonePage(viewport = { width: 375, height: 667 }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await bed.browser.newContext({ viewport, hasTouch: true, isMobile: true, locale: 'en-US' });
  bed.contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { context, page, errors };
}

const state = (page: Page) => page.locator('.status').getAttribute('data-state');
const stateOf = async (page: Page, text: string) => (await bubbles(page)).find((b) => b.text === text)?.state ?? null;
const storedCount = async (text: string) => Number((await bed.stack.env.sql<{ n: number }[]>`
  select count(*)::int as n from messages where body = ${text} and author_type = 'customer'`)[0].n);

/** The shopper's chat, joined by the agent: the agent's words reach the widget. */
async function chatWithAgent(page: Page, question: string): Promise<number> {
  await send(page, question);
  const conversationId = await conversationOf(bed.stack, question);
  await callOk(bed.agent, 'conversation:join', { conversationId });
  return conversationId;
}

const scrollerBox = (page: Page) => page.locator('.scroll').evaluate((s) => ({
  top: s.getBoundingClientRect().top, scrollTop: s.scrollTop, fromEnd: s.scrollHeight - s.scrollTop - s.clientHeight, clientHeight: s.clientHeight,
}));

describe('widget on a phone and a poor network', () => {
  it('a connection that died silently is replaced when a message gets no ack: the message goes on a fresh connection, once', async () => {
    const proxy = await startProxy(bed.stack.url);
    try {
      const { page, errors } = await phonePage();
      await page.goto(`${proxy.url}/demo`);
      await openWidget(page);
      await send(page, 'Before the tunnel');
      await expect.poll(() => stateOf(page, 'Before the tunnel'), { timeout: 15_000 }).toBe('Sent');

      proxy.silence();
      const started = Date.now();
      await send(page, 'Written in the tunnel');
      // socket.io alone notices at its ping timeout (20–45 s later); the ack timeout (10 s) now replaces the socket.
      await expect.poll(() => stateOf(page, 'Written in the tunnel'), { timeout: 18_000, interval: 250 }).toBe('Sent');
      expect(Date.now() - started).toBeLessThan(18_000);
      expect(await state(page)).toBe('online');
      expect(await storedCount('Written in the tunnel')).toBe(1);
      expect(await storedCount('Before the tunnel')).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      proxy.close();
    }
  }, 60_000);

  it('a server that is only slow keeps its connections: the unanswered message is checked with a ping, not reconnected', async () => {
    const { page, errors } = await phonePage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${bed.stack.url}/demo`);
    await openWidget(page);
    await send(page, 'Before the slow moment');
    await expect.poll(() => stateOf(page, 'Before the slow moment'), { timeout: 15_000 }).toBe('Sent');
    const connections = sockets.length;
    // The database holds every message insert for 13 s: past the widget's 10 s ack wait, the socket itself answering.
    const held = bed.stack.env.sql.begin(async (tx) => {
      await tx`lock table messages in exclusive mode`;
      await new Promise((resolve) => setTimeout(resolve, 13_000));
    });
    await send(page, 'Written while the server is slow');
    await held;
    await expect.poll(() => stateOf(page, 'Written while the server is slow'), { timeout: 20_000, interval: 250 }).toBe('Sent');
    expect(sockets.length).toBe(connections); // no fresh connection: all widgets reconnecting would add to the load
    expect(await storedCount('Written while the server is slow')).toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);

  it('the socket starts on a WebSocket (no polling round trips first), and still connects by polling where WebSockets are blocked', async () => {
    const direct = await newWidgetPage(bed.browser, bed.contexts);
    const sockets: string[] = [];
    direct.page.on('websocket', (ws) => sockets.push(ws.url()));
    await direct.page.goto(`${bed.stack.url}/demo`);
    await openWidget(direct.page);
    await send(direct.page, 'Hello over a WebSocket');
    await expect.poll(() => stateOf(direct.page, 'Hello over a WebSocket'), { timeout: 10_000 }).toBe('Sent');
    expect(direct.requests.filter((u) => u.includes('/socket.io/') && u.includes('transport=polling'))).toEqual([]);
    expect(sockets.some((u) => u.includes('/socket.io/') && u.includes('transport=websocket'))).toBe(true);

    const proxy = await startProxy(bed.stack.url, { blockWebSockets: true });
    try {
      const blocked = await newWidgetPage(bed.browser, bed.contexts);
      await blocked.page.goto(`${proxy.url}/demo`);
      await openWidget(blocked.page);
      await send(blocked.page, 'Hello over long polling');
      await expect.poll(() => stateOf(blocked.page, 'Hello over long polling'), { timeout: 15_000 }).toBe('Sent');
      expect(blocked.requests.some((u) => u.includes('transport=polling'))).toBe(true);
      expect(await storedCount('Hello over long polling')).toBe(1);
    } finally {
      proxy.close();
    }
  }, 60_000);

  it('coming back to the page checks the connection at once: a dead one is replaced and the reply missed meanwhile shows', async () => {
    const proxy = await startProxy(bed.stack.url);
    try {
      const { page } = await phonePage();
      await page.goto(`${proxy.url}/demo`);
      await openWidget(page);
      const conversationId = await chatWithAgent(page, 'Is my parcel on its way?');
      await callOk(bed.agent, 'message:send', { conversationId, clientId: `mob-vis-1-${Date.now()}`, text: 'Let me look.' });
      await page.locator('.msg', { hasText: 'Let me look.' }).waitFor();

      proxy.silence();
      await callOk(bed.agent, 'message:send', { conversationId, clientId: `mob-vis-2-${Date.now()}`, text: 'It left the warehouse today.' });
      // The phone's screen comes back on.
      await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await page.locator('.msg', { hasText: 'It left the warehouse today.' }).waitFor({ timeout: 12_000 });
      expect(await state(page)).toBe('online');
    } finally {
      proxy.close();
    }
  }, 60_000);

  it('a read mark sent into a dead connection reaches the server after the reconnect', async () => {
    const proxy = await startProxy(bed.stack.url);
    try {
      const { page } = await phonePage();
      await page.goto(`${proxy.url}/demo`);
      await openWidget(page);
      const conversationId = await chatWithAgent(page, 'Did you get my return?');
      await page.locator('.head button[aria-label="Close chat"]').click();
      const reply = await callOk<{ id: number }>(bed.agent, 'message:send', { conversationId, clientId: `mob-seen-${Date.now()}`, text: 'Yes, refund issued.' });
      await page.locator('.badge:not([hidden])').waitFor();

      proxy.silence();
      await page.locator('.launcher').click();
      await page.locator('.msg', { hasText: 'Yes, refund issued.' }).waitFor();
      await expect.poll(async () => page.locator('.badge').isHidden()).toBe(true);
      await eventually(async () => {
        const [row] = await bed.stack.env.sql<{ seen: number }[]>`select customer_last_seen_id as seen from conversations where id = ${conversationId}`;
        return Number(row.seen) >= reply.id;
      }, 25_000, 'the read mark to reach the server after the reconnect');
    } finally {
      proxy.close();
    }
  }, 60_000);

  it('the 51st message typed offline stays in the box, with a notice, instead of being lost', async () => {
    const { context, page, errors } = await phonePage();
    await page.goto(`${bed.stack.url}/demo`);
    await openWidget(page);
    await context.setOffline(true);
    await page.locator('.status[data-state="offline"]').waitFor({ state: 'attached' });
    for (let i = 1; i <= 50; i++) await send(page, `Queued ${i}`);
    await expect.poll(async () => (await bubbles(page)).filter((b) => b.text.startsWith('Queued ')).length).toBe(50);
    await send(page, 'Number fifty-one');
    expect(await page.locator('#sd-input').inputValue()).toBe('Number fifty-one');
    const notice = page.locator('.outbox-full');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Too many messages are waiting');
    expect((await bubbles(page)).some((b) => b.text === 'Number fifty-one')).toBe(false);
    expect(errors).toEqual([]);
  }, 60_000);

  it('the full-screen panel holds the shop page still, and closing puts back its scroll position and its own body styles', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts, { viewport: { width: 375, height: 667 } });
    await page.goto(`${bed.stack.url}/demo`);
    await page.locator('.launcher').waitFor();
    const before = await page.evaluate(() => {
      document.body.style.minHeight = '3000px'; // a long shop page
      document.body.style.setProperty('background-color', 'rgb(250, 240, 230)');
      window.scrollTo(0, 400);
      return { y: window.scrollY, body: document.body.getAttribute('style'), html: document.documentElement.getAttribute('style') };
    });
    expect(before.y).toBe(400);
    await openWidget(page);
    expect(await page.locator('.scroll').evaluate((s) => getComputedStyle(s).overscrollBehaviorY)).toBe('contain');
    // A swipe (wheel) over the message list, which has nothing to scroll, must not move the page behind.
    const box = (await page.locator('.scroll').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 600);
    await page.waitForTimeout(300);
    await page.locator('.head button[aria-label="Close chat"]').click();
    const after = await page.evaluate(() => ({ y: window.scrollY, body: document.body.getAttribute('style'), html: document.documentElement.getAttribute('style') }));
    expect(after).toEqual(before);
  });

  it('with the keyboard up the full-screen panel takes the visual viewport: the text box and the header stay in sight', async () => {
    const { page } = await phonePage();
    // A stand-in for the phone's visual viewport, which a headless browser cannot shrink with a keyboard.
    await page.addInitScript(() => {
      const fake = Object.assign(new EventTarget(), { width: 375, height: 667, offsetTop: 0, offsetLeft: 0, pageTop: 0, pageLeft: 0, scale: 1 });
      Object.defineProperty(window, 'visualViewport', { value: fake, configurable: true });
    });
    await page.goto(`${bed.stack.url}/demo`);
    await openWidget(page);
    for (let i = 1; i <= 12; i++) await send(page, `Line ${i} of a long chat`);
    await expect.poll(async () => stateOf(page, 'Line 12 of a long chat'), { timeout: 20_000 }).toBe('Sent');
    await page.evaluate(() => {
      const fake = window.visualViewport as unknown as EventTarget & { height: number; offsetTop: number };
      fake.height = 320;
      fake.offsetTop = 40;
      fake.dispatchEvent(new Event('resize'));
    });
    const panel = await page.locator('.panel').boundingBox();
    expect(panel).toMatchObject({ y: 40, height: 320 });
    const input = (await page.locator('#sd-input').boundingBox())!;
    expect(input.y + input.height).toBeLessThanOrEqual(360);
    // The newest message stays in view while the list shrank.
    await expect.poll(async () => (await scrollerBox(page)).fromEnd).toBeLessThanOrEqual(32);
    // Keyboard down again: the whole screen.
    await page.evaluate(() => {
      const fake = window.visualViewport as unknown as EventTarget & { height: number; offsetTop: number };
      fake.height = 667;
      fake.offsetTop = 0;
      fake.dispatchEvent(new Event('resize'));
    });
    expect(await page.locator('.panel').boundingBox()).toMatchObject({ y: 0, height: 667 });
  }, 60_000);

  it('a landscape phone gets the full-screen panel, and turning the phone keeps the newest message in view', async () => {
    const { page } = await phonePage();
    await page.goto(`${bed.stack.url}/demo`);
    await openWidget(page);
    for (let i = 1; i <= 12; i++) await send(page, `Turn ${i}`);
    await expect.poll(async () => stateOf(page, 'Turn 12'), { timeout: 20_000 }).toBe('Sent');
    await expect.poll(async () => (await scrollerBox(page)).fromEnd).toBeLessThanOrEqual(32);
    await page.setViewportSize({ width: 667, height: 375 });
    await expect.poll(async () => page.locator('.panel').boundingBox()).toMatchObject({ x: 0, y: 0, width: 667, height: 375 });
    expect(await page.locator('.panel').getAttribute('aria-modal')).toBe('true');
    await expect.poll(async () => (await scrollerBox(page)).fromEnd).toBeLessThanOrEqual(32);
    await page.screenshot({ path: artifactPath('widget-mobile-landscape.png') });
    // A short desktop window (mouse) keeps the floating panel.
    const desk = await newWidgetPage(bed.browser, bed.contexts, { viewport: { width: 667, height: 375 } });
    await desk.page.goto(`${bed.stack.url}/demo`);
    await openWidget(desk.page);
    expect((await desk.page.locator('.panel').boundingBox())!.width).toBeLessThan(400);
  }, 60_000);

  it('on a touch screen opening the chat focuses the dialog, not the text box (no keyboard over the history); Escape still closes', async () => {
    const { page } = await phonePage();
    await page.goto(`${bed.stack.url}/demo`);
    await page.locator('.launcher').tap();
    await page.locator('.panel').waitFor();
    const focused = () => page.evaluate(() => {
      const el = document.querySelector('shopdesk-widget')!.shadowRoot!.activeElement;
      return el ? `${el.tagName.toLowerCase()}#${el.id}` : null;
    });
    expect(await focused()).toBe('div#sd-panel');
    await page.keyboard.press('Escape');
    await page.locator('.panel').waitFor({ state: 'hidden' });
    // With a mouse and keyboard the text box still gets focus.
    const desk = await newWidgetPage(bed.browser, bed.contexts);
    await desk.page.goto(`${bed.stack.url}/demo`);
    await desk.page.locator('.launcher').click();
    await desk.page.locator('.panel').waitFor();
    expect(await desk.page.evaluate(() => document.querySelector('shopdesk-widget')!.shadowRoot!.activeElement?.id)).toBe('sd-input');
  });

  it('the text box grows with its lines up to about five, then scrolls, and is one line again after sending; Enter is "send"', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts, { viewport: { width: 320, height: 640 } });
    await page.goto(`${bed.stack.url}/demo`);
    await openWidget(page);
    const input = page.locator('#sd-input');
    expect(await input.getAttribute('enterkeyhint')).toBe('send');
    const size = () => input.evaluate((el) => ({ height: el.getBoundingClientRect().height, scrolls: el.scrollHeight > el.clientHeight }));
    const oneLine = (await size()).height;
    await input.fill('first line\nsecond line\nthird line');
    const three = await size();
    expect(three.height).toBeGreaterThan(oneLine + 30);
    expect(three.scrolls).toBe(false);
    await input.fill(Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n'));
    const twelve = await size();
    expect(twelve.height).toBeGreaterThan(three.height);
    expect(twelve.height).toBeLessThanOrEqual(140);
    expect(twelve.scrolls).toBe(true);
    // The send button stays in sight beside the grown box.
    const sendButton = (await page.locator('.send').boundingBox())!;
    expect(sendButton.x + sendButton.width).toBeLessThanOrEqual(320);
    expect(sendButton.y + sendButton.height).toBeLessThanOrEqual(640);
    await input.press('Enter');
    await expect.poll(async () => (await size()).height).toBe(oneLine);
  });

  it('attachments say why they failed: no connection, and the size limit in MB', async () => {
    const { context, page } = await phonePage();
    await page.goto(`${bed.stack.url}/demo`);
    await openWidget(page);
    const notice = page.locator('.file-notice');
    await page.locator('input[type=file]').setInputFiles({ name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(ATTACHMENT_LIMIT + 1024, 1) });
    await expect.poll(() => notice.textContent()).toContain('the limit is 2 MB');
    await context.setOffline(true);
    await page.locator('input[type=file]').setInputFiles({ name: 'small.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
    await expect.poll(() => notice.textContent()).toContain('no connection');
    expect(await notice.textContent()).not.toContain('Something went wrong');
  });

  it('touch screens get 44 px targets; the desktop look is unchanged', async () => {
    const heights = (page: Page) => page.evaluate(() => {
      const root = document.querySelector('shopdesk-widget')!.shadowRoot!;
      const h = (sel: string) => root.querySelector(sel)!.getBoundingClientRect().height;
      return { person: h('.person-btn'), close: h('.head .icon-btn:not([hidden])'), attach: h('.compose .attach') };
    });
    const { page } = await phonePage();
    await page.goto(`${bed.stack.url}/demo`);
    await openWidget(page);
    for (const height of Object.values(await heights(page))) expect(height).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: artifactPath('widget-mobile-touch-375.png') });
    const desk = await newWidgetPage(bed.browser, bed.contexts);
    await desk.page.goto(`${bed.stack.url}/demo`);
    await openWidget(desk.page);
    const desktop = await heights(desk.page);
    expect(desktop.person).toBeLessThan(44);
    expect(desktop.close).toBe(36);
  });

  it('a long answer arriving while the shopper reads at the end is shown from its start, not its last line', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts, { viewport: { width: 375, height: 667 } });
    await page.goto(`${bed.stack.url}/demo`);
    await openWidget(page);
    const conversationId = await chatWithAgent(page, 'How do I clean the jacket?');
    const long = ['Care guide', ...Array.from({ length: 60 }, (_, i) => `Step ${i + 1}: do the next careful thing.`)].join('\n');
    const sent = await callOk<{ id: number }>(bed.agent, 'message:send', { conversationId, clientId: `mob-long-${Date.now()}`, text: long });
    const row = page.locator('.msg', { hasText: 'Step 60:' });
    await row.waitFor();
    await page.waitForTimeout(300);
    const { top } = await scrollerBox(page);
    const rowTop = (await row.boundingBox())!.y;
    expect(rowTop - top).toBeGreaterThanOrEqual(0);
    expect(rowTop - top).toBeLessThan(40);
    // A short message after it is followed to the end as before.
    expect(sent.id).toBeGreaterThan(0);
  });
});
