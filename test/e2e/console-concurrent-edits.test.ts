// Edits and actions in the console that crossed with someone else's, in Debian's Chromium (playwright-core) against a
// real server, Postgres and Redis. The customer panel's attributes and tags are changed behind the page's back (in the
// database: no live event, so the panel's copy is stale, as it is for up to 1.5 s after a customer:updated), then
// edited in the panel: the other change survives, and a refused attribute keeps the typed text. A double click on the
// conversation header's actions sends one request, and a transfer that goes through clears the previous refusal. A
// message announced live while the chat's join is on its way stays in the history once the join is answered (its
// answer is held back by a WebSocket route). The inbox's search box takes what the server accepts, and a list that
// failed to load shows the error without the previous results.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { consoleTestBed, heldByTheDemoAgent, signInOnLoginPage } from '../support/browser.ts';
import { widgetSession } from '../support/server.ts';
import { callOk, connectWidget, eventually, type WidgetClient } from '../support/sockets.ts';

const bed = consoleTestBed();

/**
 * A console page signed in as `account` (the demo agent unless said), with the requests it sends on the live
 * connection and the ids the server answered, read from the WebSocket frames (socket.io: `42/agent,<id>["event",…]`
 * out, `43/agent,<id>[…]` back). Listening starts before the page opens its connection.
 */
async function watchedConsole(path: string, account = bed.stack.agent) {
  const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
  bed.contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const sent: { id: string; event: string }[] = [];
  const answered = new Set<string>();
  page.on('websocket', (ws) => {
    ws.on('framesent', ({ payload }) => {
      const request = /^42(?:\/agent,)?(\d+)\["([^"]+)"/.exec(String(payload));
      if (request) sent.push({ id: request[1], event: request[2] });
    });
    ws.on('framereceived', ({ payload }) => {
      const answer = /^43(?:\/agent,)?(\d+)\[/.exec(String(payload));
      if (answer) answered.add(answer[1]);
    });
  });
  await page.goto(`${bed.stack.url}${path}`);
  await signInOnLoginPage(page, account);
  /** How many `event` requests the page sent, once the server has answered each of them. */
  const answeredCount = (event: string) => eventually(async () => {
    const requests = sent.filter((r) => r.event === event);
    return requests.length > 0 && requests.every((r) => answered.has(r.id)) ? { n: requests.length } : null;
  }, 10_000, `the answers to ${event}`).then((r) => r.n);
  return { page, errors, answeredCount };
}

async function shopperChat(text: string, extra: Record<string, unknown> = {}) {
  const session = await widgetSession(bed.stack.url, extra);
  const shopper = await connectWidget(bed.stack.url, session.visitorToken);
  bed.sockets.push(shopper as WidgetClient);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `concurrent-${Date.now()}-${Math.random()}`, text });
  return { shopper, conversationId, customerId: session.customerId };
}

const customerRow = async (id: number) =>
  (await bed.stack.env.sql<{ attributes: Record<string, unknown>; tags: string[] }[]>`select attributes, tags from customers where id = ${id}`)[0];

describe('console edits that cross with others', () => {
  it("attributes: an added or removed key leaves a key set meanwhile alone; a refused one keeps the text and says why", async () => {
    const { sql } = bed.stack.env;
    const { customerId } = await shopperChat('Do you ship pallets?', { name: 'Carla Concurrent' });
    await sql`update customers set attributes = '{"plan": "VIP"}'::jsonb where id = ${customerId}`;
    const { page, errors } = await watchedConsole(`/console/customers/${customerId}`);
    const panel = page.getByTestId('customer-panel');
    const list = panel.getByTestId('attributes');
    await list.locator('dd[data-key="plan"]').waitFor();

    // The shop's backend sets a key the panel has not heard of.
    await sql`update customers set attributes = attributes || '{"lifetimeValue": 1200}'::jsonb where id = ${customerId}`;
    const key = panel.getByLabel('Key', { exact: true });
    const value = panel.getByLabel('Value', { exact: true });
    const save = key.locator('xpath=..').getByRole('button', { name: 'Save', exact: true });
    await key.fill('tier');
    await value.fill('gold');
    await save.click();
    await list.locator('dd[data-key="tier"]').waitFor();
    expect((await customerRow(customerId)).attributes).toEqual({ plan: 'VIP', lifetimeValue: 1200, tier: 'gold' });
    expect(await key.inputValue()).toBe('');
    expect(await value.inputValue()).toBe('');

    // Removing one key is a removal of that key only: a key set meanwhile stays.
    await sql`update customers set attributes = attributes || '{"wholesale": true}'::jsonb where id = ${customerId}`;
    await list.locator('dd[data-key="plan"]').getByRole('button', { name: 'Remove' }).click();
    await list.locator('dd[data-key="plan"]').waitFor({ state: 'detached' });
    expect((await customerRow(customerId)).attributes).toEqual({ lifetimeValue: 1200, tier: 'gold', wholesale: true });

    // A name the server refuses: its sentence names the key, the boxes keep what was typed, nothing is written.
    await key.fill('size/colour');
    await value.fill('XL');
    await save.click();
    const error = panel.getByTestId('attributes-error');
    await expect.poll(() => error.textContent()).toBe('attribute name "size/colour" may hold only letters, digits, "_", "-", "." and spaces inside.');
    expect(await key.inputValue()).toBe('size/colour');
    expect(await value.inputValue()).toBe('XL');
    expect((await customerRow(customerId)).attributes).toEqual({ lifetimeValue: 1200, tier: 'gold', wholesale: true });

    // Corrected, it saves and the refusal goes.
    await key.fill('size');
    await save.click();
    await error.waitFor({ state: 'detached' });
    expect((await customerRow(customerId)).attributes).toMatchObject({ size: 'XL', lifetimeValue: 1200, wholesale: true });
    // The boxes take what the server accepts (a name of up to 40 characters, text of up to 200).
    expect(await key.getAttribute('maxlength')).toBe('40');
    expect(await value.getAttribute('maxlength')).toBe('200');
    expect(errors).toEqual([]);
  });

  it('tags: adding and removing one leaves a tag added meanwhile alone', async () => {
    const { sql } = bed.stack.env;
    const { customerId } = await shopperChat('Can I get an invoice?', { name: 'Tomas Tags' });
    const { page, errors } = await watchedConsole(`/console/customers/${customerId}`);
    const panel = page.getByTestId('customer-panel');
    await panel.getByTestId('tag-input').waitFor();

    await sql`update customers set tags = '{wholesale}' where id = ${customerId}`;
    await panel.getByTestId('tag-input').fill('vip');
    await panel.getByTestId('tag-input').press('Enter');
    await panel.getByTestId('tags').getByText('vip').waitFor();
    expect((await customerRow(customerId)).tags).toEqual(['wholesale', 'vip']);

    await sql`update customers set tags = array_append(tags, 'late-payer') where id = ${customerId}`;
    const removeVip = panel.getByTestId('tags').getByRole('button', { name: 'Remove vip' });
    await removeVip.click();
    await removeVip.waitFor({ state: 'detached' }); // the chip goes once the saved record is reloaded
    expect((await customerRow(customerId)).tags).toEqual(['wholesale', 'late-payer']);
    expect(errors).toEqual([]);
  });

  it('header actions: a double click sends one request; a transfer that goes through clears the refusal before it', async () => {
    const { sql } = bed.stack.env;
    // Everyone Away: nothing is assigned by itself, and the admin can still be given chats.
    await sql`update users set presence = 'away', presence_choice = 'away'`;
    const [ada] = await sql<{ id: number }[]>`select id from users where email = ${bed.stack.admin.email}`;
    const { conversationId } = await shopperChat('I want to talk to a person');
    await eventually(async () => (await sql`select status from conversations where id = ${conversationId}`)[0].status === 'queued', 10_000, 'queued');

    const { page, errors, answeredCount } = await watchedConsole(`/console/conversations/${conversationId}`);
    const header = page.locator('.conversation-header');
    const error = page.locator('.conversation > p.error[role=alert]');
    const status = () => page.getByTestId('conversation').getAttribute('data-status');

    await header.getByTestId('accept').dblclick();
    await expect.poll(status).toBe('assigned');
    expect(await answeredCount('conversation:accept')).toBe(1);
    expect(await error.count()).toBe(0);

    // Refused: the admin went offline after being picked.
    await header.getByTestId('transfer-to').selectOption(String(ada.id));
    await sql`update users set presence = 'offline', presence_choice = 'offline' where id = ${ada.id}`;
    await header.getByTestId('transfer').click();
    await expect.poll(() => error.textContent()).toMatch(/is offline/);
    expect(await answeredCount('conversation:transfer')).toBe(1);

    // Back (Away): the same transfer, double-clicked, goes through once and the refusal is cleared.
    await sql`update users set presence = 'away', presence_choice = 'away' where id = ${ada.id}`;
    await header.getByTestId('transfer').dblclick();
    await eventually(async () => (await sql`select assignee_id from conversations where id = ${conversationId}`)[0].assignee_id === ada.id, 10_000, 'transferred');
    expect(await answeredCount('conversation:transfer')).toBe(2);
    await error.waitFor({ state: 'detached' });

    // The admin's chat now: an admin may resolve it; a double click resolves it once.
    const admin = await watchedConsole(`/console/conversations/${conversationId}`, bed.stack.admin);
    const adminHeader = admin.page.locator('.conversation-header');
    await adminHeader.getByTestId('resolve').dblclick();
    await expect.poll(() => admin.page.getByTestId('conversation').getAttribute('data-status')).toBe('resolved');
    expect(await admin.answeredCount('conversation:resolve')).toBe(1);
    expect(await admin.page.locator('.conversation > p.error[role=alert]').count()).toBe(0);
    expect(errors).toEqual([]);
    expect(admin.errors).toEqual([]);
  });

  it("a message announced while the chat's join is on its way stays in the history", async () => {
    const { shopper, conversationId } = await shopperChat('First question: do you deliver on Sundays?');
    await heldByTheDemoAgent(bed, conversationId);

    const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    bed.contexts.push(context);
    const page = await context.newPage();
    // The answer to conversation:join is held back; everything else passes, in order.
    const joins = new Set<string>();
    const heldAnswers: (() => void)[] = [];
    let holding = true;
    const live = 'Second question: and on public holidays?';
    let liveForwarded = false;
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((frame) => {
        const join = /^42(?:\/agent,)?(\d+)\["conversation:join"/.exec(String(frame));
        if (join) joins.add(join[1]);
        server.send(frame);
      });
      server.onMessage((frame) => {
        const answer = /^43(?:\/agent,)?(\d+)\[/.exec(String(frame));
        if (holding && answer && joins.has(answer[1])) heldAnswers.push(() => ws.send(frame));
        else {
          ws.send(frame);
          if (String(frame).includes(live)) liveForwarded = true;
        }
      });
    });
    await page.goto(`${bed.stack.url}/console`);
    await signInOnLoginPage(page, bed.stack.agent);
    // Connected before the chat opens, so it is joined once (a connection coming up joins again).
    await expect.poll(() => page.getByTestId('presence-toggle').isDisabled()).toBe(false);
    await page.evaluate((path) => {
      window.history.pushState(null, '', path);
      window.dispatchEvent(new Event('sd:navigate'));
    }, `/console/conversations/${conversationId}`);
    await eventually(async () => heldAnswers.length === 1, 10_000, "the join's answer held");

    await callOk(shopper, 'message:send', { clientId: `concurrent-live-${conversationId}`, text: live });
    await eventually(async () => liveForwarded, 10_000, 'the live message passed to the page');
    // The page has the live message's frame; the join's answer follows it, as when the server was slow to answer.
    holding = false;
    for (const release of heldAnswers.splice(0)) release();

    const history = page.getByTestId('history');
    await history.getByText('First question: do you deliver on Sundays?').waitFor();
    await history.getByText(live).waitFor();
    expect(joins.size).toBe(1);
  });

  it('inbox: the search box takes what the server accepts; a list that failed to load shows no old results', async () => {
    const { conversationId } = await shopperChat('I want to talk to a person', { name: 'Ines Inbox' });
    await eventually(async () => (await bed.stack.env.sql`select status from conversations where id = ${conversationId}`)[0].status !== 'bot', 10_000, 'handed off');
    const { page, errors } = await watchedConsole('/console');
    const inbox = page.getByTestId('inbox');
    await page.getByTestId('view-open').click();
    await inbox.getByTestId('inbox-item').first().waitFor();
    const search = page.getByTestId('inbox-search');

    // The search's load fails on the way (the connection dropped): the error, and none of the list shown before.
    await page.route('**/api/conversations?*', (route) => (new URL(route.request().url()).searchParams.has('q') ? route.abort('connectionfailed') : route.continue()));
    await search.fill('kettle');
    await page.getByTestId('inbox-search-go').click();
    await inbox.locator('p.error').waitFor();
    expect(await inbox.getByTestId('inbox-item').count()).toBe(0);
    expect(await inbox.locator('p.empty').count()).toBe(0);

    // Loading again works: the results come back and the error goes.
    await page.unroute('**/api/conversations?*');
    await search.fill('');
    await inbox.getByTestId('inbox-item').first().waitFor();
    await inbox.locator('p.error').waitFor({ state: 'detached' });
    expect(await search.getAttribute('maxlength')).toBe('200'); // the server's cap on q
    expect(errors).toEqual([]);
  });
});
