// The widget in Chromium across network trouble: a message waiting in the outbox goes to the chat it was written in
// or is shown as not sent (never into a chat started meanwhile), and a resync that gets no answer is tried again
// from a marker that leaves no gap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.ts';
import { login, startStack, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, type AgentClient } from '../support/sockets.ts';
import { bubbles, conversationOf, freshWidgetBundle, newWidgetPage, openDemo, openWidget, send } from './widget-helpers.ts';

let stack: TestStack;
let browser: Browser;
let agent: AgentClient;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  await freshWidgetBundle();
  stack = await startStack();
  browser = await launchBrowser();
  agent = await connectAgent(stack.url, (await login(stack.url, stack.agent.email, stack.agent.password)).token);
}, 120_000);

afterAll(async () => {
  agent?.close();
  for (const context of contexts) await context.close();
  await browser?.close();
  await stack?.close();
});

const texts = async (page: Page, pattern: RegExp) => (await bubbles(page)).map((b) => b.text).filter((t) => pattern.test(t));

describe('widget after network trouble', () => {
  it('a message written in a chat that ended while it waited is shown as not sent, not put into the newer chat; Retry sends it there', async () => {
    const { context, page } = await newWidgetPage(browser, contexts);
    await openDemo(stack, page);
    await openWidget(page);
    await send(page, 'About my first order');
    const first = await conversationOf(stack, 'About my first order');
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor(); // the bot's reply

    await context.setOffline(true);
    await page.locator('.status[data-state="offline"]').waitFor();
    await send(page, 'Written in the first chat');
    await page.locator('.log .msg.mine .meta[data-state="Waiting for connection"]').waitFor();
    // Meanwhile the first chat ends and the shopper starts another one elsewhere (another device with this session).
    await callOk(agent, 'conversation:resolve', { conversationId: first });
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.endsWith(':visitorToken'))!)!) as string);
    const otherTab = await connectWidget(stack.url, token);
    const second = (await callOk<{ conversationId: number }>(otherTab, 'message:send', { clientId: 'other-tab-1', text: 'A different question' })).conversationId;
    otherTab.close();
    expect(second).not.toBe(first);

    await context.setOffline(false);
    const failed = page.locator('.log .msg.mine', { hasText: 'Written in the first chat' });
    await failed.locator('.failed-actions[data-retryable="true"]').waitFor({ timeout: 15_000 });
    expect(await failed.textContent()).toContain('This chat has ended');
    const stored = () => stack.env.sql<{ conversation_id: number }[]>`select conversation_id from messages where body = 'Written in the first chat'`;
    expect(await stored()).toEqual([]);

    // The shopper chooses to send it anyway: it goes into the open chat, once, and shows as sent.
    await failed.getByRole('button', { name: 'Retry' }).click();
    await eventually(async () => (await stored()).length === 1, 10_000, 'stored after Retry');
    expect(await stored()).toEqual([{ conversation_id: second }]);
    await eventually(async () => (await texts(page, /^Written in the first chat$/)).length === 1 && (await page.locator('.failed-actions').count()) === 0, 10_000, 'shown once, as sent');
  }, 90_000);

  it('a resync that gets no answer is tried again from the last message held without a gap: both agent messages sent meanwhile show once, in order', async () => {
    const { page } = await newWidgetPage(browser, contexts);
    // The widget's WebSocket runs through the test: it can go dead (frames to the page lost, as on a phone changing
    // networks), be closed, and lose the resync's request on the way to the server.
    const link = { dead: false, loseSync: false, close: () => {} };
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      link.close = () => ws.close();
      ws.onMessage((frame) => {
        if (link.loseSync && typeof frame === 'string' && frame.includes('"messages:sync"')) link.loseSync = false;
        else server.send(frame);
      });
      server.onMessage((frame) => void (link.dead || ws.send(frame)));
    });
    await openDemo(stack, page);
    await openWidget(page);
    await send(page, 'Hello, is anyone there?');
    const conversationId = await conversationOf(stack, 'Hello, is anyone there?');
    await callOk(agent, 'message:send', { conversationId, clientId: 'agent-before', text: 'Agent: before the break' });
    await page.locator('.log .msg', { hasText: 'Agent: before the break' }).waitFor();

    // The connection dies while the agent writes twice; then it closes, and the resync of the new one is lost.
    link.dead = true;
    await callOk(agent, 'message:send', { conversationId, clientId: 'agent-away-1', text: 'Agent: while away one' });
    await callOk(agent, 'message:send', { conversationId, clientId: 'agent-away-2', text: 'Agent: while away two' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    link.loseSync = true;
    link.dead = false;
    link.close();
    await eventually(async () => !link.loseSync, 10_000, 'the resync request sent (and lost)');
    // Meanwhile the shopper writes: its ack brings an id newer than the two messages not received.
    await send(page, 'Shopper: back again');
    await eventually(async () => (await page.locator('.log .msg.mine .meta[data-state="Sent"]').count()) === 2, 10_000, 'acked while the resync waits');
    expect(await texts(page, /^Agent: while away/)).toEqual([]);

    const expected = ['Agent: before the break', 'Agent: while away one', 'Agent: while away two', 'Shopper: back again'];
    const ofThisTest = /^(Agent: |Shopper: back again)/;
    // After the resync's ack timeout (10 s) and its retry.
    await eventually(async () => (await texts(page, ofThisTest)).length === 4, 25_000, 'the missed messages fetched');
    expect(await texts(page, ofThisTest)).toEqual(expected);

    // Another break: the next resync starts after the newest message, and nothing shows twice.
    link.close();
    await page.locator('.status[data-state="reconnecting"]').waitFor({ state: 'attached' });
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });
    await callOk(agent, 'message:send', { conversationId, clientId: 'agent-after', text: 'Agent: after the second break' });
    await page.locator('.log .msg', { hasText: 'Agent: after the second break' }).waitFor();
    expect(await texts(page, ofThisTest)).toEqual([...expected, 'Agent: after the second break']);
  }, 120_000);

  it('during a rolling deploy, a server that does not know writtenIn yet refuses it: the message goes again without it, once', async () => {
    const { page } = await newWidgetPage(browser, contexts);
    // A server not yet upgraded: its schema refuses a message:send naming writtenIn, in its own words (the gateway's
    // validation refusal, "<field>: <problem>"); everything else goes through to the real server.
    const refused: string[] = [];
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((frame) => {
        const send = typeof frame === 'string' ? /^42\/widget,(\d+)\["message:send",/.exec(frame) : null;
        if (!send || !String(frame).includes('"writtenIn"')) return server.send(frame);
        refused.push(String(frame));
        ws.send(`43/widget,${send[1]}[${JSON.stringify({ ok: false, error: { code: 'validation', message: 'writtenIn: schema is false' } })}]`);
      });
      server.onMessage((frame) => ws.send(frame));
    });
    await openDemo(stack, page);
    await openWidget(page);
    await send(page, 'First, to the old server');
    const conversationId = await conversationOf(stack, 'First, to the old server');
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor(); // the bot's reply

    await send(page, 'Second, written in that chat');
    await page.locator('.log .msg.mine', { hasText: 'Second, written in that chat' }).locator('.meta[data-state="Sent"]').waitFor({ timeout: 10_000 });
    expect(refused).toHaveLength(1);
    expect(await conversationOf(stack, 'Second, written in that chat')).toBe(conversationId);
    expect(await page.locator('.failed-actions').count()).toBe(0);
  }, 60_000);
});
