// The console's inbox reloads its list and counts at most once per INBOX_RELOAD_GAP_MS however many messages arrive,
// in Debian's Chromium against a real server, Postgres and Redis: every console hears every chat's messages, and a
// reload per message made each shopper line cost a list and a counts query per agent. The last event is still followed
// by a reload (the newest line shows in the list). The shopper and the agent writing are socket.io clients.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget } from '../support/sockets.ts';

const bed = consoleTestBed();
/** INBOX_RELOAD_GAP_MS of console/src/pages/inbox.tsx (a page module: it reads `location` when imported). */
const INBOX_RELOAD_GAP_MS = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the inbox during a burst of messages', () => {
  it('reloads its list and counts at most twice for 20 messages, and shows the last one', async () => {
    const session = await widgetSession(bed.stack.url, { name: 'Bea Burst', locale: 'en' });
    const shopper = await connectWidget(bed.stack.url, session.visitorToken);
    bed.sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'bea-1', text: 'Hello, Bea here.' });
    await callOk(bed.agentApi, 'conversation:accept', { conversationId });

    const { page, errors } = await signedInConsole(bed, '/console');
    const item = page.locator(`[data-testid=inbox-item][data-conversation-id="${conversationId}"]`);
    await item.waitFor();
    await sleep(INBOX_RELOAD_GAP_MS + 500); // the loads of signing in and opening the inbox are over
    const reloads = { list: 0, counts: 0 };
    page.on('request', (request) => {
      const url = new URL(request.url());
      // The inbox's own list (the tab title's unread count asks with limit=200).
      if (url.pathname === '/api/conversations' && url.searchParams.get('limit') === '100') reloads.list += 1;
      if (url.pathname === '/api/conversations/counts') reloads.counts += 1;
    });

    // 20 lines within a reload gap, a little apart (the old 250 ms fold took a few of them at a time).
    for (let i = 1; i <= 20; i++) {
      await callOk(bed.agentApi, 'message:send', { conversationId, clientId: `burst-${i}`, text: `Burst line ${i}` });
      await sleep(40);
    }
    await expect.poll(() => item.locator('.snippet').textContent(), { timeout: 10_000 }).toBe('Burst line 20');
    await sleep(INBOX_RELOAD_GAP_MS + 500); // any reload still owed has run
    expect(reloads.list).toBeGreaterThanOrEqual(1);
    expect(reloads.list).toBeLessThanOrEqual(2);
    expect(reloads.counts).toBeLessThanOrEqual(2);
    expect(errors).toEqual([]);
  });
});
