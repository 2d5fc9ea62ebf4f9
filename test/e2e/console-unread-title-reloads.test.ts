// The console's tab title ("(2) Shopdesk console") counts the agent's chats with unread shopper messages by reading
// their Mine list again after live events. Every console hears every chat's messages: a read per shopper message
// was one Mine list per agent for each line any shopper wrote. In Chromium against a real server: a shopper writing in
// another agent's chat costs no read, and a stream of messages in one of mine costs a read per 2 s, not one each;
// the number still follows.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { login, widgetSession } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { TITLE_COUNT_GAP_MS } from '../../console/src/unread-title.ts';

const bed = consoleTestBed();

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A chat whose shopper wrote once, accepted by the agent of `console`. */
async function chatHeldBy(console: AgentClient, name: string): Promise<{ shopper: WidgetClient; conversationId: number; firstId: number }> {
  const session = await widgetSession(bed.stack.url, { name, locale: 'en' });
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper);
  const sent = await callOk<{ id: number; conversationId: number }>(shopper, 'message:send', { clientId: `${name.replace(/\W+/g, '-')}-0`, text: `Hello, ${name} here.` });
  await callOk(console, 'conversation:accept', { conversationId: sent.conversationId });
  return { shopper, conversationId: sent.conversationId, firstId: sent.id };
}

/** Sends `count` shopper messages, `gapMs` apart. */
async function writes(chat: { shopper: WidgetClient; conversationId: number }, tag: string, count: number, gapMs: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await callOk(chat.shopper, 'message:send', { clientId: `${tag}-${i}`, text: `${tag} line ${i}`, conversationId: chat.conversationId });
    await pause(gapMs);
  }
}

describe('the tab title\'s unread count under a stream of messages', () => {
  it('reads the Mine list again for the agent\'s own chats only, at most once per gap, and still follows', async () => {
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const adminConsole = await connectAgent(bed.stack.url, admin.token);
    bed.sockets.push(adminConsole);
    const first = await chatHeldBy(bed.agentApi, 'Mira Mine');
    const second = await chatHeldBy(bed.agentApi, 'Noel Mine');
    const theirs = await chatHeldBy(adminConsole, 'Theo Theirs');

    const { page, errors } = await signedInConsole(bed, '/console');
    const reads: number[] = [];
    page.on('request', (request) => { if (request.url().endsWith('/api/conversations?view=mine&limit=200')) reads.push(Date.now()); });
    await expect.poll(() => page.title()).toBe('(2) Shopdesk console');
    // The second chat read (by this agent's other console): one chat left unread.
    await callOk(bed.agentApi, 'messages:seen', { conversationId: second.conversationId, lastSeenId: second.firstId });
    await expect.poll(() => page.title()).toBe('(1) Shopdesk console');
    await pause(TITLE_COUNT_GAP_MS + 500);
    reads.length = 0;

    // Another agent's shopper writes, a line every 0.4 s: not a chat this title counts.
    await writes(theirs, 'theirs', 5, 400);
    await pause(TITLE_COUNT_GAP_MS + 500);
    expect(reads).toEqual([]);

    // The second chat's shopper writes 10 lines over more than 3 s: read once per gap at most, the last after the last line.
    const started = Date.now();
    await writes(second, 'mine', 10, 350);
    const span = Date.now() - started;
    await expect.poll(() => page.title()).toBe('(2) Shopdesk console');
    await pause(TITLE_COUNT_GAP_MS + 500);
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads.length).toBeLessThanOrEqual(Math.ceil(span / TITLE_COUNT_GAP_MS) + 1);
    expect(reads.length).toBeLessThan(10);
    expect(errors).toEqual([]);
  }, 90_000);
});
