// A macro run whose answer is lost (console/src/pages/macro-menu.tsx) in Debian's Chromium against a real server,
// Postgres and Redis: the server runs the macro but the browser never hears back (the connection drops after the
// request went through). The agent clicks the macro again: the console sends the same run key (clientId), so the
// server runs nothing more and answers with the first run's outcome — the shopper gets one reply, not two. A later
// click, after an answer came, is a new run with a new key. "Still going on" (409 macro_running, a dead server's claim)
// keeps the key like a lost answer; a kept key is forgotten a minute after the server's claim would have expired (RETRY_WITHIN_MS, 6 minutes).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { prefixed } from '../../server/config.ts';
import { consoleTestBed, heldByTheDemoAgent, signedInConsole } from '../support/browser.ts';
import { httpAs, login, widgetSession } from '../support/server.ts';
import { callOk, connectWidget } from '../support/sockets.ts';
import type { Page } from 'playwright-core';

const bed = consoleTestBed();

/**
 * A shopper's chat held by the demo agent, and the agent's personal macro that replies `reply`: the chat, the agent's
 * sign-in, and how many times the reply is in the chat.
 */
async function heldChatWithMacro(question: string, macroName: string, reply: string) {
  const session = await widgetSession(bed.stack.url, {});
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `macro-retry-${macroName}`, text: question });
  await callOk(shopper, 'handoff:request', { conversationId });
  await heldByTheDemoAgent(bed, conversationId);
  const agent = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
  const saved = await httpAs(bed.stack.url, 'POST', '/api/macros/personal', agent, { name: macroName, actions: [{ type: 'reply', text: reply }] });
  expect(saved.status, saved.text).toBe(201);
  const replies = async () => (await bed.stack.env.sql<{ n: number }[]>`
    select count(*)::int as n from messages where conversation_id = ${conversationId} and author_type = 'agent' and body = ${reply}`)[0]!.n;
  return { conversationId, agent, replies };
}

describe('a macro run retried after a lost answer', () => {
  it('sends the same key again, so the macro is applied once; a new click sends a new key', async () => {
    const { conversationId, replies } = await heldChatWithMacro('Where is my parcel?', 'Tracking', 'Your parcel is on its way.');

    const { page } = await signedInConsole(bed, `/console/conversations/${conversationId}`);
    const sentKeys: string[] = [];
    let loseNextAnswer = true;
    await page.route('**/macros/*/run', async (route) => {
      sentKeys.push(route.request().postDataJSON().clientId);
      if (!loseNextAnswer) return route.continue();
      loseNextAnswer = false;
      // The request reaches the server and runs; its answer never reaches the page.
      await route.fetch();
      await route.abort('connectionreset');
    });

    const runMacro = () => clickMacro(page, 'Tracking');
    await runMacro();
    await expect.poll(() => sentKeys.length).toBe(1);
    await expect.poll(() => page.getByTestId('macro-outcome').getAttribute('class')).toContain('error');
    expect(await replies()).toBe(1);

    // The agent tries again: same key, nothing runs twice, and the first run's outcome is told.
    await runMacro();
    await expect.poll(() => page.getByTestId('macro-outcome').textContent()).toBe('Macro “Tracking” done: every action ran.');
    expect(sentKeys).toHaveLength(2);
    expect(sentKeys[1]).toBe(sentKeys[0]);
    expect(sentKeys[0]).toMatch(/^[A-Za-z0-9_:.-]{1,64}$/);
    expect(await replies()).toBe(1);

    // Answered: the next click is a new run.
    await runMacro();
    await expect.poll(() => sentKeys.length).toBe(3);
    expect(sentKeys[2]).not.toBe(sentKeys[0]);
    await expect.poll(replies).toBe(2);
  });

  // A server that died mid-run leaves its claim "running": the retry hears 409 macro_running, which is no answer
  // either. The key is kept, so once the claim expires the next retry's reply carries the first run's message client
  // id and the shopper does not get it twice. A kept key lasts minutes: a click hours later is a new run.
  it('keeps the key through "still going on", and forgets it after a while', async () => {
    const { conversationId, agent, replies } = await heldChatWithMacro('Has my order shipped?', 'Shipped', 'Your order ships today.');
    const redis = new Redis(bed.stack.env.config.redisUrl);
    const runKey = (clientId: string) => `${prefixed(bed.stack.env.config, 'macro-run')}:${agent.user.id}:${clientId}`;

    const { page } = await signedInConsole(bed, `/console/conversations/${conversationId}`);
    const sentKeys: string[] = [];
    let next: 'dies mid-run' | 'loses the answer' | 'answers' = 'dies mid-run';
    await page.route('**/macros/*/run', async (route) => {
      const { clientId } = route.request().postDataJSON();
      sentKeys.push(clientId);
      const now = next;
      next = 'answers';
      if (now === 'answers') return route.continue();
      await route.fetch();
      // The reply went out, then the server died before keeping the outcome: its claim stays "running".
      if (now === 'dies mid-run') {
        const { conversationId: chat, macroId } = JSON.parse((await redis.get(runKey(clientId)))!);
        await redis.set(runKey(clientId), JSON.stringify({ conversationId: chat, macroId, state: 'running' }), 'PX', 60_000);
      }
      await route.abort('connectionreset');
    });
    const runMacro = (on: Page) => clickMacro(on, 'Shipped');
    try {
      await runMacro(page);
      await expect.poll(() => sentKeys.length).toBe(1);
      await expect.poll(() => page.getByTestId('macro-outcome').getAttribute('class')).toContain('error');
      expect(await replies()).toBe(1);

      // The retry: the claim is still there, "still going on".
      await runMacro(page);
      await expect.poll(() => sentKeys.length).toBe(2);
      expect(sentKeys[1]).toBe(sentKeys[0]);
      await expect.poll(() => page.getByTestId('macro-outcome').textContent()).toContain('still going on');

      // The dead server's claim expires; the next retry still sends the first key, so the reply is not sent again.
      await redis.del(runKey(sentKeys[0]));
      await runMacro(page);
      await expect.poll(() => page.getByTestId('macro-outcome').textContent()).toBe('Macro “Shipped” done: every action ran.');
      expect(sentKeys).toHaveLength(3);
      expect(sentKeys[2]).toBe(sentKeys[0]);
      expect(await replies()).toBe(1);

      // A lost answer, then the agent comes back to the macro long after: a new run with a new key.
      next = 'loses the answer';
      await runMacro(page);
      await expect.poll(() => sentKeys.length).toBe(4);
      await expect.poll(replies).toBe(2);
      await expect.poll(() => page.getByTestId('macro-outcome').getAttribute('class')).toContain('error');
      await page.clock.setSystemTime(Date.now() + 3 * 60 * 60_000);
      await runMacro(page);
      await expect.poll(() => sentKeys.length).toBe(5);
      expect(sentKeys[4]).not.toBe(sentKeys[3]);
      await expect.poll(replies).toBe(3);
    } finally {
      redis.disconnect();
    }
  });
});

async function clickMacro(page: Page, name: string): Promise<void> {
  if ((await page.getByTestId('macros').getAttribute('aria-expanded')) !== 'true') await page.getByTestId('macros').click();
  await page.getByTestId('macro-run').filter({ hasText: name }).click();
}
