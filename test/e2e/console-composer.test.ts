// The console's composer and what surrounds it, from a sale-day review, in Debian's Chromium (playwright-core) against
// a real server, Postgres and Redis: text typed while a message is on its way stays in the box, a refused message comes
// back without losing what was typed since, unsent replies and notes are kept per chat, the tab title counts the chats
// with unread shopper messages, and the customer column never shows the previous chat's shopper while the next loads.
// A slow network is the real server's frames held back in the browser (routeWebSocket, page.route); shoppers are
// socket.io clients.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, signInOnLoginPage } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget, eventually, record, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

const bed = consoleTestBed();

/**
 * What the page's socket receives is held back `delayMs` when set: a slow connection, in order, frame by frame.
 * `cutAfterNextSend`: the connection drops once the server has stored the next message sent, before its answer
 * reaches the page (the agent cannot know whether it went).
 */
interface Network { delayMs: number; cutAfterNextSend?: boolean }

/** The demo agent's console at `path`, its live connection passing through `network`. */
async function consolePage(path: string, network: Network = { delayMs: 0 }): Promise<Page> {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  bed.contexts.push(context);
  await context.routeWebSocket(/\/socket\.io\//, (route) => {
    const server = route.connectToServer();
    let cutting = false;
    route.onMessage((frame) => {
      server.send(frame);
      if (network.cutAfterNextSend && String(frame).includes('"message:send"')) {
        network.cutAfterNextSend = false;
        cutting = true;
      }
    });
    let due = 0; // frames keep their order: none is delivered before the one received earlier
    server.onMessage((frame) => {
      if (cutting) {
        // Nothing more reaches the page; the answer to the send ("43…", an Engine.IO message holding a Socket.IO
        // ack) says the server has stored it: then the line drops.
        if (String(frame).startsWith('43')) void route.close().then(() => server.close());
        return;
      }
      due = Math.max(Date.now() + network.delayMs, due);
      setTimeout(() => route.send(frame), due - Date.now());
    });
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  await page.goto(`${bed.stack.url}${path}`);
  await signInOnLoginPage(page, bed.stack.agent);
  return page;
}

interface Shopper { socket: WidgetClient; received: ChatMessage[]; conversationId: number; name: string }

/** A named shopper's chat that the demo agent holds, with the shopper's first message unread. */
async function heldChat(name: string): Promise<Shopper> {
  const session = await widgetSession(bed.stack.url, { name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`, locale: 'en' });
  const socket = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(socket);
  const received = record<ChatMessage>(socket, 'message:new');
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${name.replace(/\W+/g, '-')}-1`, text: `Hello, ${name} here.` });
  await callOk(bed.agentApi, 'conversation:accept', { conversationId: sent.conversationId });
  return { socket, received, conversationId: sent.conversationId, name };
}

const inboxItem = (page: Page, id: number) => page.locator(`[data-testid=inbox-item][data-conversation-id="${id}"]`);

/** Opens a chat from the Mine list, as an agent does, and waits for its composer. */
async function openFromList(page: Page, id: number): Promise<void> {
  await inboxItem(page, id).click();
  await page.locator(`.inbox-item.selected[data-conversation-id="${id}"]`).waitFor();
  await page.getByTestId('conversation').waitFor();
}

describe('the composer on a slow connection', () => {
  it('keeps what the agent types after pressing Enter; sends exactly what was in the box; the same for a note', async () => {
    const chat = await heldChat('Robin Reply');
    const network = { delayMs: 0 };
    const page = await consolePage(`/console/conversations/${chat.conversationId}`, network);
    const input = page.getByTestId('reply-input');
    const send = page.getByTestId('send');
    await input.waitFor();

    network.delayMs = 1500;
    await input.pressSequentially('first thought');
    await input.press('Enter');
    await input.pressSequentially('next thought'); // while the server's answer is on its way
    expect(await input.inputValue()).toBe('next thought');
    await eventually(async () => chat.received.find((m) => m.author.type === 'agent'), 10_000, 'the reply reached the shopper');
    expect(chat.received.filter((m) => m.author.type === 'agent').map((m) => m.text)).toEqual(['first thought']);
    // The answer has come (Send is back), and the next thought is still there.
    await page.getByTestId('msg-agent').filter({ hasText: 'first thought' }).waitFor();
    await expect.poll(() => send.isEnabled()).toBe(true);
    expect(await input.inputValue()).toBe('next thought');

    // A private note, the same way; the reply's draft waits in Reply meanwhile.
    await page.getByTestId('mode-note').click();
    expect(await input.inputValue()).toBe('');
    await input.pressSequentially('note one');
    await input.press('Enter');
    await input.pressSequentially('note two');
    await page.getByTestId('msg-private').filter({ hasText: 'note one' }).waitFor();
    await expect.poll(() => send.isEnabled()).toBe(true);
    expect(await send.textContent()).toBe('Add note');
    expect(await input.inputValue()).toBe('note two');
    const notes = await bed.stack.env.sql<{ body: string }[]>`select body from messages where conversation_id = ${chat.conversationId} and private order by id`;
    expect(notes.map((n) => n.body)).toEqual(['note one']);
    await page.getByTestId('mode-reply').click();
    expect(await input.inputValue()).toBe('next thought');

    // Enter again while the one before is still on its way: both go, in the order typed (Enter is never ignored).
    await input.press('Enter');
    await input.pressSequentially('third thought');
    await input.press('Enter');
    expect(await input.inputValue()).toBe('');
    const replies = async () => (await bed.stack.env.sql<{ body: string }[]>`
      select body from messages where conversation_id = ${chat.conversationId} and author_type = 'agent' and not private order by id`).map((m) => m.body);
    await eventually(async () => (await replies()).length === 3, 15_000, 'both replies stored');
    expect(await replies()).toEqual(['first thought', 'next thought', 'third thought']);
  });

  it('a refused message comes back: into the empty box, or above what was typed since, also after leaving the chat', async () => {
    const chat = await heldChat('Sam Refused');
    const other = await heldChat('Olive Other');
    const network = { delayMs: 0 };
    const page = await consolePage(`/console/conversations/${chat.conversationId}`, network);
    await page.getByTestId('view-mine').click();
    const input = page.getByTestId('reply-input');
    await input.waitFor();

    // A teammate resolves the chat while the agent writes: the server refuses the reply.
    network.delayMs = 1500;
    await callOk(bed.agentApi, 'conversation:resolve', { conversationId: chat.conversationId });
    await input.pressSequentially('are you there?');
    await input.press('Enter');
    await input.pressSequentially('hello?');
    const error = page.locator('.conversation > p.error[role=alert]');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.textContent()).toBe('Not sent: The conversation is resolved; reopen it to reply. The text is back in the box, above what you typed since.');
    expect(await input.inputValue()).toBe('are you there?\n\nhello?');

    // Nothing typed since: the text goes back as it was.
    await input.fill('');
    await input.pressSequentially('please come back');
    await input.press('Enter');
    expect(await input.inputValue()).toBe('');
    await expect.poll(() => error.textContent(), { timeout: 10_000 }).toBe('Not sent: The conversation is resolved; reopen it to reply. The text is back in the box.');
    expect(await input.inputValue()).toBe('please come back');

    // Refused after the agent went on to another chat: the text is in the chat's draft when they come back.
    await input.fill('');
    await input.pressSequentially('one last try');
    await input.press('Enter');
    await openFromList(page, other.conversationId);
    await page.waitForTimeout(2 * network.delayMs); // the refusal arrives while the other chat is open
    network.delayMs = 0;
    await page.getByTestId('view-resolved').click();
    await openFromList(page, chat.conversationId);
    await expect.poll(() => page.getByTestId('reply-input').inputValue()).toBe('one last try');
    expect(chat.received.filter((m) => m.author.type === 'agent')).toEqual([]);
  });

  it('a reply whose answer was lost, sent again unchanged, reaches the shopper once', async () => {
    const chat = await heldChat('Lou Lost');
    const network: Network = { delayMs: 0 };
    const page = await consolePage(`/console/conversations/${chat.conversationId}`, network);
    const input = page.getByTestId('reply-input');
    await input.waitFor();

    network.cutAfterNextSend = true;
    await input.pressSequentially('your parcel left today');
    await input.press('Enter');
    const error = page.locator('.conversation > p.error[role=alert]');
    await error.waitFor({ timeout: 15_000 });
    await expect.poll(() => input.inputValue()).toBe('your parcel left today');

    // Back online, the agent sends the text that came back, as it is: the server knows it already.
    await page.getByTestId('send').click();
    await expect.poll(() => input.inputValue(), { timeout: 15_000 }).toBe('');
    await expect.poll(() => error.count()).toBe(0);
    const stored = await bed.stack.env.sql<{ body: string }[]>`
      select body from messages where conversation_id = ${chat.conversationId} and author_type = 'agent' order by id`;
    expect(stored.map((m) => m.body)).toEqual(['your parcel left today']);
    await page.getByTestId('msg-agent').filter({ hasText: 'your parcel left today' }).waitFor();
    expect(await page.getByTestId('msg-agent').filter({ hasText: 'your parcel left today' }).count()).toBe(1);

    // Sent again on purpose, after it went through, the same words are a new message.
    await input.pressSequentially('your parcel left today');
    await input.press('Enter');
    await eventually(async () => (await bed.stack.env.sql`
      select 1 from messages where conversation_id = ${chat.conversationId} and author_type = 'agent'`).length === 2, 10_000, 'the second one stored');
  });
});

describe('drafts, the tab title and the customer column', () => {
  it('keeps an unsent reply and an unsent note per chat while the agent looks at another, and over a reload; sending clears it', async () => {
    const first = await heldChat('Dana Draft');
    const second = await heldChat('Ezra Else');
    const page = await consolePage(`/console/conversations/${first.conversationId}`);
    await page.getByTestId('view-mine').click();
    const input = page.getByTestId('reply-input');
    const draftsOf = async () => {
      await page.getByTestId('mode-reply').click();
      const reply = await input.inputValue();
      await page.getByTestId('mode-note').click();
      const note = await input.inputValue();
      await page.getByTestId('mode-reply').click();
      return { reply, note };
    };

    await input.fill('Half a reply about the');
    await page.getByTestId('mode-note').click();
    await input.fill('Half a note: check the');
    await openFromList(page, second.conversationId);
    expect(await draftsOf()).toEqual({ reply: '', note: '' });
    await input.fill('For Ezra');

    await openFromList(page, first.conversationId);
    expect(await draftsOf()).toEqual({ reply: 'Half a reply about the', note: 'Half a note: check the' });
    await page.reload();
    await input.waitFor();
    expect(await draftsOf()).toEqual({ reply: 'Half a reply about the', note: 'Half a note: check the' });

    // Sent, the reply's draft is gone; the note's stays.
    await input.press('End');
    await input.pressSequentially(' parcel.');
    await input.press('Enter');
    await eventually(async () => first.received.find((m) => m.author.type === 'agent'), 10_000, 'the reply reached the shopper');
    expect(first.received.filter((m) => m.author.type === 'agent').map((m) => m.text)).toEqual(['Half a reply about the parcel.']);
    await openFromList(page, second.conversationId);
    expect(await draftsOf()).toEqual({ reply: 'For Ezra', note: '' });
    await openFromList(page, first.conversationId);
    expect(await draftsOf()).toEqual({ reply: '', note: 'Half a note: check the' });

    // Someone else signing in on this tab does not see them.
    await page.getByTestId('logout').click();
    await signInOnLoginPage(page, bed.stack.admin);
    await page.goto(`${bed.stack.url}/console/conversations/${second.conversationId}`);
    await input.waitFor();
    expect(await draftsOf()).toEqual({ reply: '', note: '' });
    // Nor are the previous agent's drafts left in the tab's storage.
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith('sd.draft.')))).toEqual([]);
  });

  it('the tab title counts the agent\'s chats with unread shopper messages; reading one, in front, clears it', async () => {
    const first = await heldChat('Tia Title');
    const second = await heldChat('Uma Unread');
    const page = await consolePage('/console');
    await page.getByTestId('view-mine').click();
    await expect.poll(() => page.title()).toBe('(2) Shopdesk console');

    await openFromList(page, first.conversationId);
    await expect.poll(() => page.title()).toBe('(1) Shopdesk console');
    await openFromList(page, second.conversationId);
    await expect.poll(() => page.title()).toBe('Shopdesk console');

    // The shopper of the chat on screen writes while the console is a background tab: unread until the agent is back.
    const setHidden = (hidden: boolean) => page.evaluate((value) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (value ? 'hidden' : 'visible') });
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
    await setHidden(true);
    await callOk(second.socket, 'message:send', { clientId: 'uma-2', text: 'Are you still there?' });
    await page.getByTestId('msg-customer').filter({ hasText: 'Are you still there?' }).waitFor();
    await expect.poll(() => page.title()).toBe('(1) Shopdesk console');
    await setHidden(false);
    await expect.poll(() => page.title()).toBe('Shopdesk console');

    // Another chat's shopper writes: counted at once, whichever chat is open.
    await callOk(first.socket, 'message:send', { clientId: 'tia-2', text: 'One more question' });
    await expect.poll(() => page.title()).toBe('(1) Shopdesk console');
    await openFromList(page, first.conversationId);
    await expect.poll(() => page.title()).toBe('Shopdesk console');
  });

  it('while the next chat loads, the customer column shows it is loading, never the previous chat\'s shopper', async () => {
    const first = await heldChat('Cora Before');
    const second = await heldChat('Dex After');
    const page = await consolePage(`/console/conversations/${first.conversationId}`);
    await page.getByTestId('view-mine').click();
    const column = page.getByTestId('customer-column');
    await expect.poll(() => column.getByTestId('customer-name').textContent()).toBe('Cora Before');

    // The next chat's customer takes a second to come (a slow network).
    await page.route(`**/api/conversations/${second.conversationId}`, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await route.continue();
    });
    await inboxItem(page, second.conversationId).click();
    await page.locator(`.inbox-item.selected[data-conversation-id="${second.conversationId}"]`).waitFor();
    expect(await column.textContent()).not.toContain('Cora Before');
    await column.getByTestId('customer-loading').waitFor();
    await expect.poll(() => column.getByTestId('customer-name').textContent()).toBe('Dex After');
    expect(await column.textContent()).not.toContain('Cora Before');
  });
});

