// A search hit far back in a long chat, in Debian's Chromium against a real server, Postgres and Redis: the chat opens
// at its newest page only, so opening the hit loads the earlier pages back to the matched message, then scrolls to it
// and highlights it (before, the inbox waited for a message that was never drawn and left the agent at the bottom).
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { AGENT_HISTORY_PAGE } from '../../server/repositories/conversations.ts';

const bed = consoleTestBed();

describe('inbox search on a long chat', () => {
  it('opens a hit older than the newest page at the matched message, highlighted', async () => {
    const total = 430;
    expect(total - 5).toBeGreaterThan(AGENT_HISTORY_PAGE * 2); // the hit is two pages back
    const { sql } = bed.stack.env;
    const [customer] = await sql<{ id: number }[]>`insert into customers (name, email) values ('Otto Older', 'otto@example.org') returning id::int`;
    const [chat] = await sql<{ id: number }[]>`
      insert into conversations (customer_id, status, queued_at, handed_off, last_message_at) values (${customer.id}, 'queued', now(), true, now()) returning id::int`;
    // Written straight into Postgres: "Line 1" … "Line 430", line 5 the one the search finds.
    const rows = await sql<{ id: number; body: string }[]>`
      insert into messages (conversation_id, author_type, body)
      select ${chat.id}, 'customer', case when i = 5 then 'Line 5 asks about the gyroscope kit' else 'Line ' || i end
      from generate_series(1, ${total}) as i order by i
      returning id::int, body`;
    const matchedId = rows.find((r) => r.body.includes('gyroscope'))!.id;

    const { page, errors } = await signedInConsole(bed, '/console');
    await page.getByTestId('view-open').click();
    await page.getByTestId('inbox-search').fill('gyroscope');
    await page.getByTestId('inbox-search').press('Enter');
    const match = page.getByTestId('search-match');
    await match.waitFor();
    expect(await match.getAttribute('data-message-id')).toBe(String(matchedId));

    await match.click();
    await page.waitForURL(`**/console/conversations/${chat.id}`);
    const history = page.getByTestId('history');
    const message = history.locator(`[data-message-id="${matchedId}"]`);
    await expect.poll(() => message.getAttribute('class'), { timeout: 15_000 }).toContain('search-hit');
    // In the history's visible part, not at its bottom where a chat opens.
    await expect.poll(() => message.evaluate((element) => {
      const box = element.closest('[data-testid=history]')!.getBoundingClientRect();
      const own = element.getBoundingClientRect();
      return own.top >= box.top && own.bottom <= box.bottom;
    })).toBe(true);
    expect(await history.getByText('Line 5 asks about the gyroscope kit', { exact: true }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });
});
