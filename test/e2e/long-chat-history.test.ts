// A long chat opens at its newest messages, in the console and in the widget, against a real server, Postgres and
// Redis: GET /api/conversations/:id and conversation:join answer the newest page (oldest first) and say earlier ones
// exist, `beforeId` pages back to the first message without gaps or repeats, the widget's conversation:current
// answers the shopper's newest messages (never private notes), messages:sync after an id still answers everything
// after it, and in Debian's Chromium the console's "Load earlier messages" puts the page above in place.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { httpAs, login, widgetSession } from '../support/server.ts';
import { callOk, connectWidget } from '../support/sockets.ts';
import { AGENT_HISTORY_PAGE, SHOPPER_HISTORY_PAGE } from '../../server/repositories/conversations.ts';

const bed = consoleTestBed();

interface Line { id: number; text: string; private: boolean }

/**
 * A chat the demo agent holds with `count` messages "Line 1" … "Line N", oldest first; every tenth is the agent's
 * private note. Written straight into Postgres: thousands of messages through the socket would take minutes.
 */
async function longChat(name: string, count: number): Promise<{ conversationId: number; visitorToken: string; ids: number[] }> {
  const { sql } = bed.stack.env;
  const session = await widgetSession(bed.stack.url, { name, locale: 'en' });
  const [agent] = await sql<{ id: number }[]>`select id::int from users where email = ${bed.stack.agent.email}`;
  const [chat] = await sql<{ id: number }[]>`
    insert into conversations (customer_id, status, assignee_id, handed_off, assigned_at, last_message_at)
    values (${session.customerId}, 'assigned', ${agent.id}, true, now(), now()) returning id::int`;
  const rows = await sql<{ id: number }[]>`
    insert into messages (conversation_id, author_type, author_id, body, private)
    select ${chat.id}, case when i % 10 = 0 then 'agent' else 'customer' end, case when i % 10 = 0 then ${agent.id}::bigint end,
           'Line ' || i, i % 10 = 0
    from generate_series(1, ${count}) as i order by i
    returning id::int`;
  return { conversationId: chat.id, visitorToken: session.visitorToken, ids: rows.map((r) => r.id).sort((a, b) => a - b) };
}

const lineNumber = (m: { text: string }) => Number(m.text.replace('Line ', ''));

describe('a long chat read over HTTP and the sockets', () => {
  it('opens at its newest messages and pages back to the first one without gaps or repeats', async () => {
    const total = 5_100;
    const { conversationId, visitorToken, ids } = await longChat('Lena Long', total);
    const agent = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);

    const first = await httpAs(bed.stack.url, 'GET', `/api/conversations/${conversationId}`, agent);
    expect(first.status).toBe(200);
    expect(first.json.hasEarlier).toBe(true);
    expect(first.json.messages.map((m: Line) => m.id)).toEqual(ids.slice(-AGENT_HISTORY_PAGE));
    expect(lineNumber(first.json.messages.at(-1))).toBe(total);

    // Back page by page from the oldest id received: every message once, in order, private notes included.
    const seen: number[] = [];
    let page = first.json as { messages: Line[]; hasEarlier: boolean };
    let pages = 1;
    seen.unshift(...page.messages.map((m) => m.id));
    while (page.hasEarlier) {
      const earlier = await httpAs(bed.stack.url, 'GET', `/api/conversations/${conversationId}?beforeId=${page.messages[0].id}`, agent);
      expect(earlier.status).toBe(200);
      page = earlier.json;
      pages += 1;
      seen.unshift(...page.messages.map((m) => m.id));
    }
    expect(pages).toBe(Math.ceil(total / AGENT_HISTORY_PAGE));
    expect(seen).toEqual(ids);
    expect(lineNumber(page.messages[0])).toBe(1);

    // beforeId is checked like any id.
    expect((await httpAs(bed.stack.url, 'GET', `/api/conversations/${conversationId}?beforeId=0`, agent)).status).toBe(400);
    expect((await httpAs(bed.stack.url, 'GET', `/api/conversations/${conversationId}?beforeId=abc`, agent)).status).toBe(400);
    expect((await httpAs(bed.stack.url, 'GET', `/api/conversations/${conversationId}`, null)).status).toBe(401);

    // The console's join answers the same newest page.
    const joined = await callOk<{ messages: Line[]; hasEarlier: boolean }>(bed.agentApi, 'conversation:join', { conversationId });
    expect(joined.hasEarlier).toBe(true);
    expect(joined.messages.map((m) => m.id)).toEqual(ids.slice(-AGENT_HISTORY_PAGE));

    // The widget: the shopper's newest messages (no private note among them), oldest first.
    const shopper = await connectWidget(bed.stack.url, visitorToken);
    bed.sockets.push(shopper);
    const current = await callOk<{ conversation: { id: number }; messages: Line[]; hasEarlier: boolean }>(shopper, 'conversation:current', {});
    expect(current.conversation.id).toBe(conversationId);
    expect(current.hasEarlier).toBe(true);
    const shoppersLines = Array.from({ length: total }, (_, i) => i + 1).filter((n) => n % 10 !== 0);
    expect(current.messages.map(lineNumber)).toEqual(shoppersLines.slice(-SHOPPER_HISTORY_PAGE));

    // A catch-up after an id (a reconnect) still answers everything after it, oldest first.
    const newestHeld = current.messages.at(-1)!.id;
    const synced = await callOk<{ messages: Line[] }>(shopper, 'messages:sync', { conversationId, afterId: current.messages.at(-20)!.id });
    expect(synced.messages.map((m) => m.id)).toEqual(current.messages.slice(-19).map((m) => m.id));
    expect(synced.messages.at(-1)!.id).toBe(newestHeld);
  });
});

describe('the console on a long chat', () => {
  it('shows the newest messages and loads the earlier ones above them, keeping the place in the history', async () => {
    const total = AGENT_HISTORY_PAGE * 2 + 30;
    const { conversationId } = await longChat('Lars Later', total);
    const { page, errors } = await signedInConsole(bed, `/console/conversations/${conversationId}`);
    const history = page.getByTestId('history');
    await history.getByText(`Line ${total}`, { exact: true }).waitFor();
    const firstShown = total - AGENT_HISTORY_PAGE + 1;
    await expect.poll(() => history.getByText(`Line ${firstShown - 1}`, { exact: true }).count()).toBe(0);
    await expect.poll(() => history.getByText(`Line ${firstShown}`, { exact: true }).count()).toBe(1);

    // Scrolled to the top, the agent asks for the page before: the message they were at stays where it was.
    await history.evaluate((el) => { el.scrollTop = 0; });
    const loadEarlier = page.getByTestId('load-earlier');
    const before = await history.getByText(`Line ${firstShown}`, { exact: true }).boundingBox();
    await loadEarlier.click();
    await history.getByText(`Line ${firstShown - 1}`, { exact: true }).waitFor();
    await expect.poll(() => history.getByText(`Line ${firstShown - AGENT_HISTORY_PAGE}`, { exact: true }).count()).toBe(1);
    const after = await history.getByText(`Line ${firstShown}`, { exact: true }).boundingBox();
    expect(Math.abs(after!.y - before!.y)).toBeLessThan(60);

    // The last page: the first message, and no control any more.
    await loadEarlier.click();
    await history.getByText('Line 1', { exact: true }).waitFor();
    await expect.poll(() => loadEarlier.count()).toBe(0);
    const shown = await history.locator('.msg').count();
    expect(shown).toBe(total);
    expect(errors).toEqual([]);
  });
});
