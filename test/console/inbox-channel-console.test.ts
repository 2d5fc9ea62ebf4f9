// The inbox's channel (migration 055) in the console, in Chromium against a real server, Postgres and Redis: an email
// chat is marked with a readable "Email", a widget chat is not; the "Started in" menu narrows the list.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget, nextEvent } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

const bed = consoleTestBed();

/** A queued chat of a new shopper, its channel set as the start path would have (the email path: email-inbound.test.ts). */
async function queuedChat(name: string, channel: 'widget' | 'email'): Promise<number> {
  const session = await widgetSession(bed.stack.url, { name, locale: 'en' });
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper);
  const botReply = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'bot');
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `chan-${channel}`, text: `Hello, this is ${name}` });
  await botReply;
  await bed.stack.env.sql`update conversations set status = 'queued', handed_off = true, queued_at = now(), channel = ${channel} where id = ${conversationId}`;
  return conversationId;
}

describe('the channel in the console inbox', () => {
  it('marks email chats and filters by where the chat started', async () => {
    await bed.stack.env.sql`update users set capacity = 0`;
    await queuedChat('Wendy Widget', 'widget');
    const emailChat = await queuedChat('Emil Email', 'email');

    const { page, errors } = await signedInConsole(bed, '/console');
    const names = () => page.getByTestId('inbox-item').locator('strong').allTextContents();
    await expect.poll(async () => (await names()).sort()).toEqual(['Emil Email', 'Wendy Widget']);
    const marks = page.getByTestId('email-mark');
    await expect.poll(() => marks.count()).toBe(1);
    expect((await marks.textContent())?.trim()).toBe('✉ Email');
    expect(await page.locator(`[data-conversation-id="${emailChat}"]`).getByTestId('email-mark').count()).toBe(1);

    const menu = page.getByTestId('channel-filter');
    expect(await menu.getAttribute('aria-label')).toBe('Started in');
    await menu.selectOption('email');
    await expect.poll(names).toEqual(['Emil Email']);
    await menu.selectOption('widget');
    await expect.poll(names).toEqual(['Wendy Widget']);
    await menu.selectOption('');
    await expect.poll(() => page.getByTestId('inbox-item').count()).toBe(2);
    expect(errors).toEqual([]);
  });
});
