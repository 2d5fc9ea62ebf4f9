// Saved inbox views in the console, in Debian's Chromium (playwright-core) against a real server, Postgres and Redis:
// an agent narrows the inbox to refunds waiting over 10 minutes, saves that as a view from the keyboard, sees its
// count beside it, leaves it and comes back in one key press (the list and the controls are the view's again), the
// count follows a chat that starts to count, and the view is renamed and deleted.
import { describe, expect, it } from 'vitest';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';
import { httpAs, login, widgetSession } from '../support/server.ts';
import { callOk, connectWidget, nextEvent } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

const bed = consoleTestBed();

/** A chat waiting in the queue for `minutesAgo` minutes, with these labels (nobody takes it: every seat is 0). */
async function waitingChat(name: string, minutesAgo: number, labels: string[]): Promise<number> {
  const session = await widgetSession(bed.stack.url, { name, locale: 'en' });
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper);
  const botReply = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'bot');
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `views-${name.replace(/ /g, '-')}`, text: `Hello, this is ${name}` });
  await botReply;
  await bed.stack.env.sql`
    update conversations set status = 'queued', handed_off = true, labels = ${labels}, queued_at = now() - make_interval(mins => ${minutesAgo}),
           last_message_at = now() - make_interval(mins => ${minutesAgo})
    where id = ${conversationId}`;
  return conversationId;
}

describe('saved inbox views in the console', () => {
  it('saves the current filters as a view, applies it in one key press, counts it live, renames and deletes it', async () => {
    await bed.stack.env.sql`update users set capacity = 0`;
    await waitingChat('Refund Rita', 20, ['refund']);
    const rob = await waitingChat('Refund Rob', 2, ['refund']);
    await waitingChat('Other Olga', 30, []);

    const { page, errors } = await signedInConsole(bed, '/console');
    const names = () => page.getByTestId('inbox-item').locator('strong').allTextContents();
    await expect.poll(async () => (await names()).sort()).toEqual(['Other Olga', 'Refund Rita', 'Refund Rob']);

    // Refunds waiting over 10 minutes.
    await page.getByTestId('label-filter').selectOption('refund');
    await page.getByTestId('waiting-filter').fill('10');
    await page.getByTestId('waiting-filter').press('Tab');
    await expect.poll(names).toEqual(['Refund Rita']);

    // Saved from the keyboard: the form takes the focus, Enter saves.
    await page.getByTestId('save-view').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('view-name');
    await page.keyboard.type('Late refunds');
    await page.keyboard.press('Enter');
    const saved = page.getByTestId('saved-view');
    await expect.poll(() => saved.count()).toBe(1);
    expect(await saved.textContent()).toContain('Late refunds');
    await expect.poll(() => saved.getByTestId('saved-view-count').textContent()).toBe('1');
    expect(await saved.getAttribute('aria-pressed')).toBe('true'); // the list shown is the view's
    const [stored] = await bed.stack.env.sql<{ filters: Record<string, unknown>; owner: string }[]>`
      select v.filters, u.email as owner from inbox_views v join users u on u.id = v.owner_id`;
    expect(stored.filters).toMatchObject({ view: 'open', labels: ['refund'], waitingMinutes: 10 });
    expect(stored.owner).toBe(bed.stack.agent.email); // the agent's own

    // Leave it: every chat again, the view no longer chosen.
    await page.getByTestId('label-filter').selectOption('');
    await page.getByTestId('waiting-filter').fill('');
    await page.getByTestId('waiting-filter').press('Tab');
    await expect.poll(() => page.getByTestId('inbox-item').count()).toBe(3);
    await expect.poll(() => saved.getAttribute('aria-pressed')).toBe('false');

    // Back in one key press: the list and the controls are the view's.
    await saved.focus();
    await page.keyboard.press('Enter');
    await expect.poll(names).toEqual(['Refund Rita']);
    expect(await page.getByTestId('label-filter').inputValue()).toBe('refund');
    expect(await page.getByTestId('waiting-filter').inputValue()).toBe('10');
    expect(await saved.getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: artifactPath('console-inbox-saved-view.png') });

    // Rob has waited 15 minutes now; a change to his chat (marked priority) tells the consoles, and the count follows.
    await bed.stack.env.sql`update conversations set queued_at = now() - interval '15 minutes' where id = ${rob}`;
    const auth = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    expect((await httpAs(bed.stack.url, 'PUT', `/api/conversations/${rob}/priority`, auth, { priority: true })).status).toBe(200);
    await expect.poll(() => saved.getByTestId('saved-view-count').textContent(), { timeout: 10_000 }).toBe('2');

    // Renamed from its Edit button; then deleted (the browser's confirm is accepted).
    await page.getByTestId('saved-view-edit').click();
    await page.getByTestId('view-name').fill('Refunds, 10 min+');
    await page.getByTestId('view-save').click();
    await expect.poll(() => saved.textContent()).toContain('Refunds, 10 min+');
    await page.getByTestId('saved-view-edit').click();
    await page.getByTestId('view-delete').click();
    await expect.poll(() => saved.count()).toBe(0);
    expect((await bed.stack.env.sql`select 1 from inbox_views`).length).toBe(0);
    expect(errors).toEqual([]);
  }, 90_000);
});
