// News that reaches the console before its first loads of the agent's held and queued chats have answered
// (console/src/held-chats.ts), in Debian's Chromium (playwright-core) against a real server, Postgres and Redis. On a
// loaded server those loads answer seconds after the live connection is up; here they are held back in the browser
// (page.route) until the news has come through the socket. A shopper's message in the agent's chat meanwhile is still
// announced and alerted, and a chat taken away from the agent meanwhile is not put back among theirs by the older
// answer. Desktop notifications are observed by replacing window.Notification; shoppers are socket.io clients.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, signInOnLoginPage } from '../support/browser.ts';
import { login, widgetSession } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, type WidgetClient } from '../support/sockets.ts';

const bed = consoleTestBed();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs in the page before the console: records desktop notifications instead of showing them. */
function recordNotifications(): void {
  const notes: string[] = [];
  (window as unknown as { __notes: string[] }).__notes = notes;
  class RecordedNotification {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    onclick: (() => void) | null = null;
    constructor(title: string) { notes.push(title); }
    close() {}
  }
  Object.assign(window, { Notification: RecordedNotification });
}

interface EarlyConsole {
  page: Page;
  /** The socket.io events the console received so far, as [name, payload]. */
  received: [string, unknown][];
  /** Lets the held list loads answer (with what the server said when they were asked); resolves once they have. */
  releaseLoads(): Promise<void>;
}

/**
 * The demo agent's console at /console, signed in and connected, its loads of the Mine and queue lists asked but
 * their answers held back in the browser until releaseLoads().
 */
async function consoleWithHeldLoads(): Promise<EarlyConsole> {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  bed.contexts.push(context);
  await context.addInitScript(recordNotifications);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const answers: Promise<void>[] = [];
  // Asked of the server at once (the answer is as of then), given to the page only once released.
  await context.route(/\/api\/conversations\?view=(mine|queued)\b/, (route) => {
    const answered = route.fetch().then(async (response) => {
      await released;
      await route.fulfill({ response });
    });
    answers.push(answered);
    return answered;
  });
  const releaseLoads = async () => {
    release();
    await Promise.all(answers);
    // Time for the page to take those answers in: news sent after this is judged by them (else the stale-answer
    // check below could pass on a console that still lets an older answer win).
    await pause(500);
  };
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[console page error] ${error.message}`));
  const received: [string, unknown][] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (frame) => {
    // An event's frame: 42/agent,["name",payload]
    const packet = /^42\/agent,(\[.*\])$/s.exec(String(frame.payload));
    if (packet) received.push(JSON.parse(packet[1]) as [string, unknown]);
  }));
  const mineAsked = page.waitForRequest((request) => request.url().includes('/api/conversations?view=mine'));
  await page.goto(`${bed.stack.url}/console`);
  await signInOnLoginPage(page, bed.stack.agent);
  await mineAsked;
  await expect.poll(() => page.getByTestId('presence-toggle').getAttribute('data-presence')).toBe('online');
  return { page, received, releaseLoads };
}

interface Chat { shopper: WidgetClient; conversationId: number }

/** A named shopper's chat that the demo agent holds. */
async function heldChat(name: string): Promise<Chat> {
  const session = await widgetSession(bed.stack.url, { name, locale: 'en' });
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `${name}-1`.replace(/\W+/g, '-'), text: `Hello, ${name} here.` });
  await callOk(bed.agentApi, 'conversation:accept', { conversationId });
  return { shopper, conversationId };
}

let counter = 0;
const say = (chat: Chat, text: string) => callOk(chat.shopper, 'message:send', { conversationId: chat.conversationId, clientId: `early-${++counter}`, text });

/** Waits until the console has received an event `name` whose payload matches. */
const receivedEvent = (early: EarlyConsole, name: string, matches: (payload: never) => boolean) =>
  eventually(async () => early.received.some(([event, payload]) => event === name && matches(payload as never)), 10_000, `${name} in the console`);

const notes = (page: Page) => page.evaluate(() => (window as unknown as { __notes: string[] }).__notes);
const announced = (page: Page) => page.getByTestId('live-announcer').textContent();

describe('news before the console\'s first loads answer', () => {
  it('a shopper message in the agent\'s chat that came while the loads were on their way is announced and alerted once they answer', async () => {
    const chat = await heldChat('Early Emma');
    const early = await consoleWithHeldLoads();
    await say(chat, 'Are you there? My order is late');
    await receivedEvent(early, 'messages:new', (messages: { text: string }[]) => messages.some((m) => m.text === 'Are you there? My order is late'));
    await early.releaseLoads();

    await expect.poll(() => announced(early.page), { timeout: 10_000 }).toContain('New message from Early Emma: Are you there? My order is late');
    await expect.poll(() => notes(early.page), { timeout: 10_000 }).toContain('New message from Early Emma');
    expect(await early.page.evaluate(() => document.documentElement.dataset.alerts)).toBe('1');
  });

  it('a chat taken from the agent while the loads were on their way stays taken: its shopper\'s next message is not theirs to be told of', async () => {
    const taken = await heldChat('Taken Theo');
    const kept = await heldChat('Kept Kate');
    const early = await consoleWithHeldLoads();
    // The Mine list was asked with Theo's chat in it; an admin takes it over before that answer comes.
    const adminLogin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const admin = await connectAgent(bed.stack.url, adminLogin.token);
    bed.sockets.push(admin);
    await callOk(admin, 'conversation:takeover', { conversationId: taken.conversationId });
    await receivedEvent(early, 'conversation:updated', (conversation: { id: number; assignee: { id: number } | null }) =>
      conversation.id === taken.conversationId && conversation.assignee?.id === adminLogin.user.id);
    await early.releaseLoads();

    await say(taken, 'Hello again from Theo');
    await say(kept, 'Hello again from Kate');
    // Kate's message came after Theo's: once it is announced, Theo's would have been too.
    await expect.poll(() => announced(early.page), { timeout: 10_000 }).toContain('New message from Kept Kate: Hello again from Kate');
    await expect.poll(() => notes(early.page), { timeout: 10_000 }).toContain('New message from Kept Kate');
    expect(await announced(early.page)).not.toContain('Hello again from Theo');
    expect(await notes(early.page)).not.toContain('New message from Taken Theo');
  });
});
