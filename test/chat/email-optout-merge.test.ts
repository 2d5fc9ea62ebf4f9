// An email opt-out survives the shopper signing in. Signing in merges the anonymous visitor's record into the shop
// account's (customer-merge.ts), and the follow-up and rating emails read only the kept record: an opt-out made on the
// anonymous record must come along, and an unsubscribe link from an email sent before the merge — it names the record
// that is now empty — must opt out the kept one. A real SMTP receiver, a real server with its workers, socket.io clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpReceiver } from '../support/smtp.ts';
import { widgetSession, type TestStack } from '../support/server.ts';
import { startEmailStack, type EmailStack } from '../support/email-stack.ts';
import { callOk, connectWidget, eventually, nextEvent, type AgentClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { identityHash } from '../../server/services/visitor-tokens.ts';

const IDENTITY_SECRET = 'optout-merge-identity-secret';
let smtp: SmtpReceiver;
let stack: TestStack;
let agent: AgentClient;
let seq = 0;
let bed: EmailStack;

beforeAll(async () => {
  bed = await startEmailStack({ emailFollowupDelaySeconds: 2, shopUrl: 'https://shop.example/', identitySecret: IDENTITY_SECRET });
  ({ smtp, stack, agent } = bed);
});
afterAll(() => bed?.close());

const signIn = (userId: string, extra: Record<string, unknown> = {}) =>
  widgetSession(stack.url, { userId, hash: identityHash(IDENTITY_SECRET, userId), ...extra });

/** An anonymous shopper with an email address who asked once (the bot answered) and closed the tab. */
async function anonymousShopper(email: string) {
  const session = await widgetSession(stack.url, { email });
  const socket = await connectWidget(stack.url, session.visitorToken);
  const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `q-${++seq}`, text: 'Has my parcel left the warehouse?' });
  await botReply;
  socket.close();
  return { session, conversationId: sent.conversationId };
}

const agentReply = (conversationId: number, text: string) =>
  callOk(agent, 'message:send', { conversationId, clientId: `a-${++seq}`, text });

/** The unsubscribe link (its path and query) of the follow-up email the address got. */
async function unsubscribeLinkOf(email: string): Promise<string> {
  const { mail } = await eventually(async () => smtp.to(email)[0], 20_000, `the follow-up to ${email}`);
  const link = new URL(/<(http[^>]+)>/.exec(mail.headerLines.find((h) => h.key === 'list-unsubscribe')!.line)![1]);
  return link.pathname + link.search;
}

const oneClick = (path: string) =>
  fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });

const followupsSettled = () => bed.followupsSettled();

const optedOut = async (customerId: number) =>
  (await stack.env.sql<{ off: boolean }[]>`select email_followups_off_at is not null as off from customers where id = ${customerId}`)[0].off;

/**
 * After a reply to the opted-out shopper and one to a control shopper in the same window: the control's email arrives
 * (the pipeline works), the shopper still has only the one email they got before.
 */
async function onlyTheControlIsEmailed(conversationId: number, email: string) {
  const controlEmail = `control${++seq}@example.com`;
  const control = await anonymousShopper(controlEmail);
  await agentReply(conversationId, 'One more thing about your parcel.');
  await agentReply(control.conversationId, 'Here is your answer.');
  await eventually(async () => smtp.to(controlEmail)[0], 20_000, 'the control follow-up');
  await followupsSettled();
  expect(smtp.to(email)).toHaveLength(1);
}

describe('email opt-out and signing in', () => {
  it('keeps an opt-out made before signing in: the kept record is opted out and the next reply is not emailed', async () => {
    const email = 'ines.optout@example.com';
    // The shop account, known from an earlier visit, with the same address.
    const known = await signIn('shop-user-optout-1', { name: 'Ines', email });
    const shopper = await anonymousShopper(email);
    await agentReply(shopper.conversationId, 'Your parcel left this morning.');
    expect((await oneClick(await unsubscribeLinkOf(email))).status).toBe(200);
    expect(await optedOut(shopper.session.customerId)).toBe(true);

    // They sign in on the shop: the anonymous record (and the chat) merge into the account's.
    const signedIn = await signIn('shop-user-optout-1', { visitorToken: shopper.session.visitorToken });
    expect(signedIn.customerId).toBe(known.customerId);
    const [moved] = await stack.env.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${shopper.conversationId}`;
    expect(Number(moved.customer_id)).toBe(known.customerId);
    expect(await optedOut(known.customerId)).toBe(true);

    await onlyTheControlIsEmailed(shopper.conversationId, email);
  });

  it("opts out the kept record from a link in an email sent before the merge, in the kept record's language", async () => {
    const email = 'omar.optout@example.com';
    const known = await signIn('shop-user-optout-2', { name: 'Omar' });
    const shopper = await anonymousShopper(email);
    await agentReply(shopper.conversationId, 'Your refund is on its way.');
    const link = await unsubscribeLinkOf(email);

    // Signed in before using the link: the link names the record that is now empty.
    expect((await signIn('shop-user-optout-2', { visitorToken: shopper.session.visitorToken })).customerId).toBe(known.customerId);
    const [left] = await stack.env.sql<{ merged_into_id: number }[]>`select merged_into_id from customers where id = ${shopper.session.customerId}`;
    expect(Number(left.merged_into_id)).toBe(known.customerId);
    // The page speaks the language of the emails they get now (the kept record's), not the browser's.
    await stack.env.sql`update customers set locale = 'zh-CN' where id = ${known.customerId}`;
    const page = await (await fetch(`${stack.url}${link}`, { headers: { 'accept-language': 'en-US' } })).text();
    expect(page).toContain('<html lang="zh-CN">');
    await stack.env.sql`update customers set locale = 'en' where id = ${known.customerId}`;

    const response = await oneClick(link);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('You are unsubscribed');
    expect(await optedOut(known.customerId)).toBe(true);

    await onlyTheControlIsEmailed(shopper.conversationId, email);
  });
});
