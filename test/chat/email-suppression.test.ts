// An unsubscribe belongs to the address, not only to the customer record the link named: the same person starting a
// chat from another browser (a new record with the same address) is not emailed again — neither the follow-up of a
// reply nor the rating request — and deleting their records does not lift it. The address is kept as a hash only.
// Also RFC 8058 one-click sent as multipart/form-data. A real SMTP receiver, a real server with its workers,
// socket.io clients, fetch with a real FormData.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, widgetSession } from '../support/server.ts';
import { startEmailStack, type EmailStack } from '../support/email-stack.ts';
import { callOk, connectWidget, eventually, nextEvent } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { emailFollowupJobId } from '../../server/services/email-followup-queue.ts';

let bed: EmailStack;
let admin: { cookie: string };
let seq = 0;

beforeAll(async () => {
  // Rating requests soon after the resolve; follow-ups a few seconds after a reply, long enough to see the job queued.
  bed = await startEmailStack({ emailFollowupDelaySeconds: 3, csatEmailDelaySeconds: 1 });
  await bed.stack.env.sql`update users set capacity = 50 where email = ${bed.stack.agent.email}`;
  admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
}, 60_000);
afterAll(() => bed?.close());

/** Every email the address got, whatever the case it was written in. */
const mailsTo = (address: string) => bed.smtp.received.filter((r) => r.to.some((to) => to.toLowerCase() === address.toLowerCase()));

const suppressionKey = (address: string) => createHash('sha256').update(address.trim().toLowerCase()).digest('hex');

/** A shopper with this address asks (the bot answers) and closes the tab; `handOff`: a person takes the chat. */
async function shopperAsks(email: string, handOff = false) {
  const { stack } = bed;
  const session = await widgetSession(stack.url, { email });
  const socket = await connectWidget(stack.url, session.visitorToken);
  const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `q-${++seq}`, text: 'Has my parcel left the warehouse?' });
  await botReply;
  if (handOff) {
    await callOk(socket, 'handoff:request', { conversationId: sent.conversationId });
    await eventually(async () => (await stack.env.sql`select 1 from conversations where id = ${sent.conversationId} and assignee_id is not null`).length > 0, 10_000, 'the chat to be assigned');
  }
  socket.close();
  return { session, conversationId: sent.conversationId };
}

const agentReply = (conversationId: number, text = 'It left this morning.') =>
  callOk(bed.agent, 'message:send', { conversationId, clientId: `a-${++seq}`, text });

/** The unsubscribe link (path and query, on this test's server) of the first email the address got. */
async function unsubscribeLinkOf(email: string): Promise<string> {
  const { mail } = await eventually(async () => mailsTo(email)[0], 20_000, `the follow-up to ${email}`);
  const link = new URL(/<(http[^>]+)>/.exec(mail.headerLines.find((h) => h.key === 'list-unsubscribe')!.line)![1]);
  return `${bed.stack.url}${link.pathname}${link.search}`;
}

const oneClick = (link: string) =>
  fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });

const recordOptedOut = async (customerId: number) =>
  (await bed.stack.env.sql<{ off: boolean }[]>`select email_followups_off_at is not null as off from customers where id = ${customerId}`)[0].off;

const suppressions = () => bed.stack.env.sql<Record<string, unknown>[]>`select * from email_suppressions`;

/** A control shopper's reply is emailed in the same window (the pipeline works), so the silence below means something. */
async function controlFollowupArrives() {
  const controlEmail = `control${++seq}@example.com`;
  const control = await shopperAsks(controlEmail);
  await agentReply(control.conversationId, 'Here is your answer.');
  await eventually(async () => mailsTo(controlEmail)[0], 20_000, 'the control follow-up');
  await bed.followupsSettled();
}

describe('an unsubscribed address', () => {
  const email = 'optout.addr@example.com';
  const customers: number[] = [];

  it('is not emailed a follow-up through another customer record with the same address', async () => {
    const first = await shopperAsks(email);
    customers.push(first.session.customerId);
    await agentReply(first.conversationId);
    expect((await oneClick(await unsubscribeLinkOf(email))).status).toBe(200);
    expect(await recordOptedOut(first.session.customerId)).toBe(true);
    // Kept as the hash of the address only: nothing in the table is the address itself.
    const rows = await suppressions();
    expect(rows.map((r) => r.address_hash)).toContain(suppressionKey(email));
    expect(rows.every((r) => Object.values(r).every((v) => !String(v).toLowerCase().includes('optout')))).toBe(true);

    // The same person from another browser (their phone), their address typed in other case: a second record.
    const second = await shopperAsks('OptOut.Addr@Example.COM');
    customers.push(second.session.customerId);
    expect(second.session.customerId).not.toBe(first.session.customerId);
    expect(await recordOptedOut(second.session.customerId)).toBe(false); // the record's own flag is not what stops it
    await agentReply(second.conversationId, 'Here is the answer.');
    // Not even queued (the chat service's check)…
    expect(await bed.followups.getJob(emailFollowupJobId(second.conversationId))).toBeUndefined();
    // …and a job that is there anyway (queued before the opt-out, say) sends nothing (the worker's check).
    await bed.followups.add('followup', { conversationId: second.conversationId }, { jobId: `by-hand-${second.conversationId}`, removeOnComplete: true, removeOnFail: true });
    await controlFollowupArrives();
    expect(mailsTo(email)).toHaveLength(1); // the follow-up that carried the link, nothing since
  });

  it('is not asked by email to rate a chat through another record', async () => {
    const third = await shopperAsks(email, true);
    customers.push(third.session.customerId);
    await agentReply(third.conversationId);
    const controlEmail = `rater${++seq}@example.com`;
    const control = await shopperAsks(controlEmail, true);
    await agentReply(control.conversationId);
    await callOk(bed.agent, 'conversation:resolve', { conversationId: third.conversationId });
    await callOk(bed.agent, 'conversation:resolve', { conversationId: control.conversationId });
    const rating = await eventually(async () => mailsTo(controlEmail).find((m) => m.mail.subject?.startsWith('How did we do?')), 20_000, "the control's rating email");
    expect(rating.mail.subject).toBe('How did we do? Rate your chat with Northwind Goods');
    await bed.followupsSettled();
    await eventually(async () => (await bed.stack.env.sql`select 1 from csat_emails where conversation_id = ${control.conversationId} and status = 'sent'`).length > 0, 5_000, 'the control rating recorded');
    expect(await bed.stack.env.sql`select 1 from csat_emails where conversation_id = ${third.conversationId}`).toHaveLength(0);
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('stays unsubscribed after its records are deleted at the customer\'s request', async () => {
    for (const id of customers) {
      const deleted = await httpAs(bed.stack.url, 'DELETE', `/api/admin/customers/${id}`, admin);
      expect(deleted.status, deleted.text).toBe(200);
    }
    expect(await bed.stack.env.sql`select 1 from customers where lower(email) = ${email}`).toHaveLength(0); // the address is gone
    expect((await suppressions()).map((r) => r.address_hash)).toContain(suppressionKey(email));

    const later = await shopperAsks(email);
    await agentReply(later.conversationId, 'Welcome back.');
    expect(await bed.followups.getJob(emailFollowupJobId(later.conversationId))).toBeUndefined();
    await controlFollowupArrives();
    expect(mailsTo(email)).toHaveLength(1);
  });
});

describe('RFC 8058 one-click as multipart/form-data', () => {
  it('unsubscribes from a real FormData POST', async () => {
    const email = `multipart${++seq}@example.com`;
    const shopper = await shopperAsks(email);
    await agentReply(shopper.conversationId);
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const response = await fetch(await unsubscribeLinkOf(email), { method: 'POST', body: form });
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('You are unsubscribed');
    expect(await recordOptedOut(shopper.session.customerId)).toBe(true);
    expect((await suppressions()).map((r) => r.address_hash)).toContain(suppressionKey(email));
  });

  it('refuses a multipart body over the small cap with 413, unsubscribing nobody', async () => {
    const email = `bigform${++seq}@example.com`;
    const shopper = await shopperAsks(email);
    await agentReply(shopper.conversationId);
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    form.append('padding', 'x'.repeat(5000));
    const response = await fetch(await unsubscribeLinkOf(email), { method: 'POST', body: form });
    expect(response.status).toBe(413);
    expect(await recordOptedOut(shopper.session.customerId)).toBe(false);
    expect((await suppressions()).map((r) => r.address_hash)).not.toContain(suppressionKey(email));
  });
});
