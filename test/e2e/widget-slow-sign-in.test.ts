// A sign-in whose answer is slow, in Chromium with the real widget bundle. The server merges the anonymous record into
// the signed-in one and closes the anonymous socket before it answers identify(); when the answer takes longer than the
// widget's one-second reconnect after a server-side close, the old socket tries again with the anonymous token, which
// the merge withdrew. That refusal must not start the widget over as a new anonymous visitor once the sign-in has
// landed: the chat stays the signed-in customer's, here and after a reload.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { eventually } from '../support/sockets.ts';
import { conversationOf, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const IDENTITY_SECRET = 'slow-sign-in-e2e-identity-secret';
const hmac = (userId: string) => createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex');

const bed = widgetTestBed({ stack: { config: { identitySecret: IDENTITY_SECRET } } });

/** Answers the page's session requests late: a sign-in (identify()) by `signInMs`, a plain one by `plainMs`. */
async function slowSessions(page: Page, delays: { signInMs: number; plainMs: number }): Promise<void> {
  await page.route('**/api/widget/sessions', async (route) => {
    const signIn = (route.request().postData() ?? '').includes('"userId"');
    const response = await route.fetch();
    await new Promise((resolve) => setTimeout(resolve, signIn ? delays.signInMs : delays.plainMs));
    await route.fulfill({ response });
  });
}

/** Counts the handshakes the server refuses (the widget's token no longer valid). */
function refusedHandshakes(page: Page): { count(): number } {
  let refused = 0;
  page.on('websocket', (socket) => socket.on('framereceived', (frame) => {
    if (String(frame.payload).includes('unauthorized')) refused++;
  }));
  return { count: () => refused };
}

/** The customer the conversation of this message (sent from the page) belongs to. */
async function senderOf(page: Page, text: string): Promise<number> {
  await send(page, text);
  const conversationId = await conversationOf(bed.stack, text);
  const [row] = await bed.stack.env.sql<{ customer_id: number }[]>`select customer_id::int from conversations where id = ${conversationId}`;
  return row.customer_id;
}

/** The visitor token the page stored (the widget keeps it as JSON under a key ending in ":visitorToken"). */
const storedToken = (page: Page) => page.evaluate(() => {
  const key = Object.keys(localStorage).find((k) => k.endsWith(':visitorToken'));
  return key ? (JSON.parse(localStorage.getItem(key)!) as string) : null;
});

/** Two tabs of one browser on the shop, each with the chat open (they share the stored visitor token). */
async function twoTabs(): Promise<[Page, Page]> {
  const { context, page } = await newWidgetPage(bed.browser, bed.contexts);
  const tabs: [Page, Page] = [page, await context.newPage()];
  for (const tab of tabs) {
    await openDemo(bed.stack, tab);
    await openWidget(tab);
  }
  return tabs;
}

/** Withdraws every token of the page's shopper, as reset() on another device does: their sockets are refused next. */
async function withdrawTokens(page: Page): Promise<void> {
  const token = await storedToken(page);
  const ended = await fetch(`${bed.stack.url}/api/widget/sessions/end`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(ended.status).toBe(200);
}

describe('a sign-in answered slowly', () => {
  it('keeps the signed-in customer after the anonymous socket is refused meanwhile', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    // The sign-in's answer reaches the page 1.5 s after the server sent it (the server has merged and closed by then),
    // and a plain session asked for after the sign-in began (a "start over") is answered 3 s late: it lands last.
    let signInStarted = false;
    await page.route('**/api/widget/sessions', async (route) => {
      const signIn = (route.request().postData() ?? '').includes('"userId"');
      const late = !signIn && signInStarted;
      signInStarted ||= signIn;
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, signIn ? 1_500 : late ? 3_000 : 0));
      await route.fulfill({ response });
    });
    const refused = refusedHandshakes(page);
    await openDemo(bed.stack, page);
    await openWidget(page); // connected as the anonymous visitor

    const signedIn = await page.evaluate((hash) => window.Shopdesk!.identify({ userId: 'slow-1', hash }), hmac('slow-1')) as { customerId: number; identified: boolean };
    expect(signedIn.identified).toBe(true);
    // The old socket's retry was refused (what the widget did about it is what this test is about).
    await eventually(async () => refused.count() > 0 || null, 10_000, 'the anonymous token refused');
    // Time for a late "start over" to land.
    await new Promise((resolve) => setTimeout(resolve, 4_000));

    await openWidget(page);
    expect(await senderOf(page, 'Signed in, slowly')).toBe(signedIn.customerId);

    // The browser keeps the signed-in customer's token: a reload is still them.
    await page.reload();
    await openWidget(page);
    expect(await senderOf(page, 'Still me after a reload')).toBe(signedIn.customerId);
  }, 90_000);

  it('connects again when a sign-in for the same shopper starts while the widget is starting afresh after a refusal', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    const refused = refusedHandshakes(page);
    await openDemo(bed.stack, page);
    await openWidget(page);
    const signedIn = await page.evaluate((hash) => window.Shopdesk!.identify({ userId: 'slow-2', hash }), hmac('slow-2')) as { customerId: number };
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached' });

    // Their tokens withdrawn (a sign-out elsewhere): the socket's retry is refused and the widget asks for a new
    // session, answered 0.7 s late; meanwhile the shop's page signs the same shopper in again (answered 1.5 s late).
    await slowSessions(page, { signInMs: 1_500, plainMs: 700 });
    await withdrawTokens(page);
    await eventually(async () => refused.count() > 0 || null, 10_000, 'the withdrawn token refused');
    await page.evaluate((hash) => { void window.Shopdesk!.identify({ userId: 'slow-2', hash }); }, hmac('slow-2'));
    // Before: the fresh session was dropped for the sign-in under way, and the sign-in (the same customer) did not
    // connect: "reconnecting" for good.
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached', timeout: 10_000 });
    expect(await senderOf(page, 'Back after the sign-out elsewhere')).toBe(signedIn.customerId);
  }, 90_000);

  it('connects as a new visitor when a sign-in that starts meanwhile fails', async () => {
    const { page } = await newWidgetPage(bed.browser, bed.contexts);
    const refused = refusedHandshakes(page);
    await openDemo(bed.stack, page);
    await openWidget(page);
    const anonymous = await senderOf(page, 'Before my token was withdrawn');

    await slowSessions(page, { signInMs: 3_000, plainMs: 1_500 });
    await withdrawTokens(page);
    await eventually(async () => refused.count() > 0 || null, 10_000, 'the withdrawn token refused');
    // A sign-in with a wrong hash (refused, 3 s late), begun while the fresh session is on its way.
    const failed = page.evaluate(() => window.Shopdesk!.identify({ userId: 'slow-3', hash: 'not-the-hash' }).then(() => 'signed in', (e: Error) => e.message));
    expect(await failed).toMatch(/hash|401|verif/i);
    await page.locator('.status[data-state="online"]').waitFor({ state: 'attached', timeout: 10_000 });
    const now = await senderOf(page, 'After the failed sign-in');
    expect(now).not.toBe(anonymous); // a new visitor: the old token is withdrawn
  }, 90_000);

  it('leaves the chat open in the tab that signs in while another tab of the shop is refused', async () => {
    const [signingIn, other] = await twoTabs();
    await slowSessions(signingIn, { signInMs: 1_500, plainMs: 0 });
    const signedIn = await signingIn.evaluate((hash) => window.Shopdesk!.identify({ userId: 'slow-4', hash }), hmac('slow-4')) as { customerId: number };
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Before: the other tab, refused, removed the shared token; this tab read that as a reset() there and closed.
    expect(await signingIn.locator('.panel').isVisible()).toBe(true);
    expect(await senderOf(signingIn, 'Signed in with two tabs open')).toBe(signedIn.customerId);
    await other.close();
  }, 90_000);

  it("stays signed in when the other tab's fresh start is followed but answered after the sign-in", async () => {
    const [signingIn, other] = await twoTabs();
    // The other tab, refused (the sign-in merged the record both tabs shared), starts afresh and stores a new visitor;
    // this tab follows that token, and its answer (3 s) lands after the sign-in's (1.5 s).
    await slowSessions(signingIn, { signInMs: 1_500, plainMs: 3_000 });
    const signedIn = await signingIn.evaluate((hash) => window.Shopdesk!.identify({ userId: 'slow-5', hash }), hmac('slow-5')) as { customerId: number };
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    // Before: the late follow was stored and used — both tabs an anonymous visitor though identify() said signed in.
    expect(await senderOf(signingIn, 'Signed in, the other tab refused')).toBe(signedIn.customerId);
    expect(await senderOf(other, 'The other tab follows the sign-in')).toBe(signedIn.customerId);
    await other.close();
  }, 90_000);
});
