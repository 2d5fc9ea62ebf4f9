// The inbox's order and the priority mark in the console, in Debian's Chromium (playwright-core) against a real
// server, Postgres and Redis: an agent marks the oldest of three waiting chats priority from its header (the button
// shows pressed; Alt+P takes the mark off and puts it back), the inbox row shows the mark, "Priority first" lists it
// first, and the order chosen is still there after a reload (kept in the browser).
import { describe, expect, it } from 'vitest';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget, nextEvent } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

const bed = consoleTestBed();

async function waitingChat(name: string, minutesAgo: number): Promise<number> {
  const session = await widgetSession(bed.stack.url, { name, locale: 'en' });
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper);
  const botReply = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'bot');
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `sort-${minutesAgo}`, text: `Hello, this is ${name}` });
  await botReply; // the bot's answer moves the chat's activity: set the times after it
  // Waiting in the queue, its last activity `minutesAgo` (nobody takes it: every seat is 0).
  await bed.stack.env.sql`
    update conversations set status = 'queued', handed_off = true, queued_at = now() - make_interval(mins => ${minutesAgo}),
           last_message_at = now() - make_interval(mins => ${minutesAgo})
    where id = ${conversationId}`;
  return conversationId;
}

describe('inbox order and priority in the console', () => {
  it('marks a chat priority from its header, lists it first under "Priority first", and keeps the order after a reload', async () => {
    await bed.stack.env.sql`update users set capacity = 0`;
    await waitingChat('Newest Nia', 1);
    await waitingChat('Middle Max', 5);
    const oldest = await waitingChat('Oldest Olga', 9);

    const { page, errors } = await signedInConsole(bed, '/console');
    const rows = page.getByTestId('inbox-item');
    const names = () => rows.locator('strong').allTextContents();
    await expect.poll(names).toEqual(['Newest Nia', 'Middle Max', 'Oldest Olga']);
    expect(await page.getByTestId('inbox-sort').inputValue()).toBe('newest');

    // Mark the oldest chat priority from its header: pressed, announced by its state, marked in the list.
    await page.locator(`[data-testid=inbox-item][data-conversation-id="${oldest}"]`).click();
    const toggle = page.getByTestId('priority-toggle');
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect(await page.getByRole('button', { name: 'Priority', exact: true }).count()).toBe(1);
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    const marked = page.locator(`[data-testid=inbox-item][data-conversation-id="${oldest}"]`).getByTestId('priority-mark');
    await marked.waitFor();
    expect(await page.getByTestId('priority-mark').count()).toBe(1);
    // Alt+P takes the mark off and puts it back.
    await page.keyboard.press('Alt+KeyP');
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    await expect.poll(() => page.getByTestId('priority-mark').count()).toBe(0);
    await page.keyboard.press('Alt+KeyP');
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    const [row] = await bed.stack.env.sql<{ priority: boolean }[]>`select priority from conversations where id = ${oldest}`;
    expect(row.priority).toBe(true);

    // "Priority first": the marked chat leads, the rest by newest activity.
    await page.getByTestId('inbox-sort').selectOption('priority');
    await expect.poll(names).toEqual(['Priority Oldest Olga', 'Newest Nia', 'Middle Max']);
    await page.screenshot({ path: artifactPath('console-inbox-priority.png') });

    // Kept in the browser: after a reload the list is still in that order.
    await page.reload();
    await page.getByTestId('whoami').waitFor();
    await expect.poll(names).toEqual(['Priority Oldest Olga', 'Newest Nia', 'Middle Max']);
    expect(await page.getByTestId('inbox-sort').inputValue()).toBe('priority');
    await page.getByTestId('inbox-sort').selectOption('oldest');
    await expect.poll(names).toEqual(['Priority Oldest Olga', 'Middle Max', 'Newest Nia']);
    expect(errors).toEqual([]);
  }, 90_000);
});
