// A customer merge seen from the shopper's open tab, in Chromium with the real widget bundle: the tab is on a bot chat
// of the kept record's, the merged record has an older chat an agent holds. The merge keeps the agent's chat open and
// closes the tab's (server/services/customer-merge.ts); the tab takes the agent's chat though its id is lower, shows
// its earlier messages, hears the agent's next reply live (its socket joined that chat's room), and after going
// offline and back the chat's history is complete — the catch-up does not start after the shopper's own message.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { httpAs, login, widgetSession } from '../support/server.ts';
import { callOk, connectWidget, eventually } from '../support/sockets.ts';
import { bubbles, conversationOf, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const bed = widgetTestBed();

/** The texts shown that belong to the agent's chat (each starts with "W:"), in screen order. */
const chatTexts = async (page: Page) => (await bubbles(page)).map((b) => b.text).filter((text) => text.startsWith('W:'));

describe('a widget tab on a chat a customer merge closed', () => {
  it('takes the open chat with its history, hears its replies live, and keeps it whole across a reconnect', async () => {
    const { stack, browser, agent, contexts } = bed;
    const agentAuth = await login(stack.url, stack.agent.email, stack.agent.password);
    // The other record's chat, older, held by the agent, with a reply already.
    const phone = await widgetSession(stack.url, { email: 'mara.merge@example.com' });
    const phoneSocket = await connectWidget(stack.url, phone.visitorToken);
    const held = (await callOk<{ conversationId: number }>(phoneSocket, 'message:send', { clientId: 'mara-1', text: 'W: I need a person about my refund' })).conversationId;
    await callOk(agent, 'conversation:accept', { conversationId: held });
    await callOk(agent, 'message:send', { conversationId: held, clientId: 'mara-agent-1', text: 'W: agent, before the merge' });

    // The tab: a bot chat of its own.
    const { context, page } = await newWidgetPage(browser, contexts);
    await openDemo(stack, page);
    await openWidget(page);
    await send(page, 'Is the blue mug back in stock?');
    const botChat = await conversationOf(stack, 'Is the blue mug back in stock?');
    expect(botChat).toBeGreaterThan(held);
    await page.locator('.log .msg:not(.mine)').nth(1).waitFor(); // the bot's reply
    const [{ customer_id: kept }] = await stack.env.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${botChat}`;

    const merged = await httpAs(stack.url, 'POST', `/api/customers/${phone.customerId}/merge`, { cookie: agentAuth.cookie }, { intoId: Number(kept) });
    expect(merged.status, merged.text).toBe(200);
    phoneSocket.close();

    // The tab shows the agent's chat: its earlier messages, then the agent's reply live.
    await eventually(async () => (await chatTexts(page)).length === 2, 10_000, 'the open chat\'s history shown');
    await callOk(agent, 'message:send', { conversationId: held, clientId: 'mara-agent-2', text: 'W: agent, live after the merge' });
    await page.locator('.log .msg', { hasText: 'W: agent, live after the merge' }).waitFor({ timeout: 10_000 });

    // The shopper answers there; then a break, during which the agent writes.
    await send(page, 'W: shopper, thanks');
    expect(await conversationOf(stack, 'W: shopper, thanks')).toBe(held);
    await page.locator('.log .msg.mine', { hasText: 'W: shopper, thanks' }).locator('.meta[data-state="Sent"]').waitFor();
    await context.setOffline(true);
    await page.locator('.status[data-state="offline"]').waitFor({ state: 'attached' });
    await callOk(agent, 'message:send', { conversationId: held, clientId: 'mara-agent-3', text: 'W: agent, while the shopper was away' });
    await context.setOffline(false);
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });

    const expected = [
      'W: I need a person about my refund', 'W: agent, before the merge', 'W: agent, live after the merge',
      'W: shopper, thanks', 'W: agent, while the shopper was away',
    ];
    await eventually(async () => (await chatTexts(page)).length >= expected.length, 20_000, 'the chat caught up');
    expect(await chatTexts(page)).toEqual(expected);

    // And a reload shows the same: nothing was missing, nothing doubled.
    await page.reload();
    await openWidget(page);
    await eventually(async () => (await chatTexts(page)).length >= expected.length, 10_000, 'reloaded');
    expect(await chatTexts(page)).toEqual(expected);
  }, 120_000);
});
