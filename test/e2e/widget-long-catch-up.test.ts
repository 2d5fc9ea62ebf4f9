// The widget in Chromium, back online after missing more messages than one catch-up answers (messages:sync answers
// SYNC_PAGE at a time and says when there are more): it asks again until it has them all, so every message written
// while it was away shows, once and in order, the newest included.
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/sockets.ts';
import { SYNC_PAGE } from '../../server/repositories/conversations.ts';
import { bubbles, conversationOf, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const bed = widgetTestBed();

describe('widget catching up after a long time away', () => {
  it('shows every message written while it was offline, more than one answer holds, in order', async () => {
    const { context, page } = await newWidgetPage(bed.browser, bed.contexts);
    await openDemo(bed.stack, page);
    await openWidget(page);
    await send(page, 'Is anyone reading this?');
    const conversationId = await conversationOf(bed.stack, 'Is anyone reading this?');
    await page.locator('.log .msg:not(.mine)').first().waitFor(); // the bot's reply: the widget holds the chat

    await context.setOffline(true);
    await page.locator('.status[data-state="offline"]').waitFor({ state: 'attached' });
    // Written straight into Postgres while the widget is away: it learns of them only by catching up.
    const missed = SYNC_PAGE * 2 + 50;
    const { sql } = bed.stack.env;
    const [agent] = await sql<{ id: number }[]>`select id::int from users where email = ${bed.stack.agent.email}`;
    await sql`
      insert into messages (conversation_id, author_type, author_id, body)
      select ${conversationId}, 'agent', ${agent.id}, 'Away line ' || i from generate_series(1, ${missed}) as i order by i`;
    await context.setOffline(false);

    const awayLines = async () => (await bubbles(page)).map((b) => b.text).filter((text) => text.startsWith('Away line '));
    await eventually(async () => (await awayLines()).length >= missed, 30_000, 'every missed message shown');
    expect(await awayLines()).toEqual(Array.from({ length: missed }, (_, i) => `Away line ${i + 1}`));
  }, 90_000);
});
