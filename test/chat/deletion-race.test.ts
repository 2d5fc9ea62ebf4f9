// A shopper's message arriving while their deletion runs must not be stored in full in the conversation the deletion
// has just anonymised. The deletion is paused inside its transaction — after it blanked the messages and marked the
// conversation, waiting for the orders table another connection holds — and meanwhile the shopper writes in the widget
// and their email reply to a follow-up comes in. Once the deletion commits, neither body may be in the database, and
// each sender is told the conversation is gone. Real server, Postgres, Redis, socket.io client and MIME email.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectWidget, eventually, nextEvent, type WidgetClient } from '../support/sockets.ts';
import { holdTableLock } from '../support/databases.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { replyToAddress } from '../../server/services/email-reply-address.ts';
import { deleteCustomer } from '../../server/services/customer-privacy.ts';

const SECRET = 'deletion-race-inbound-secret-0123';
const INBOUND = 'replies@support.example.com';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let seq = 0;
const open: WidgetClient[] = [];

beforeAll(async () => {
  // Long enough that the paused deletion, not a lock timeout, decides what the waiting writes see.
  stack = await startStack({ config: { dbLockTimeoutMs: 60_000, inboundEmailAddress: INBOUND, inboundEmailSecret: SECRET, mailFrom: '' } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

/** A shopper with an email address, their widget connected, who has written once (the bot answered). */
async function shopper() {
  const email = `race${++seq}@example.com`;
  const session = await widgetSession(stack.url, { email });
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `first-${seq}`, text: 'Hello, a question about sizes' });
  await botReply;
  return { email, session, socket, conversationId: sent.conversationId };
}

/** The shopper's email reply to the conversation's follow-up, as their mail client sends it. */
async function postEmailReply(email: string, conversationId: number, text: string) {
  const raw = await new MailComposer({
    subject: 'Re: New reply', from: email, to: replyToAddress(stack.env.config, stack.servers[0].handle.ctx.visitorSecret, conversationId)!,
    messageId: `<race-${++seq}@mail.example.com>`, text,
  }).compile().build();
  const response = await fetch(`${stack.url}/api/email/inbound`, {
    method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${SECRET}` }, body: new Uint8Array(raw),
  });
  return { status: response.status, json: await response.json() };
}

/** Statements of the test's database waiting for a lock right now. */
const lockWaiters = async () => Number((await stack.env.sql<{ n: number }[]>`
  select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)[0].n);

/** Pauses a deletion after it anonymised the conversations (at its orders step); runs `during`, then lets it finish. */
async function duringPausedDeletion<T>(deletion: () => Promise<unknown>, during: () => Promise<T>): Promise<{ deleted: unknown; during: T }> {
  const release = await holdTableLock(stack.env.sql, 'orders');
  let deleted: Promise<unknown>;
  let result: T;
  try {
    deleted = deletion();
    await eventually(async () => (await stack.env.sql`
      select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%delete from orders%'`).length > 0,
    10_000, 'the deletion to wait at its orders step');
    result = await during();
  } finally {
    await release();
  }
  return { deleted: await deleted!, during: result! };
}

const bodiesContaining = async (words: string) =>
  (await stack.env.sql<{ body: string }[]>`select body from messages where body like ${`%${words}%`}`).map((m) => m.body);

describe('a message arriving while the customer is being deleted', () => {
  it('stores neither the widget message nor the email reply in the anonymised conversation (admin DELETE)', async () => {
    const { email, session, socket, conversationId } = await shopper();
    const widgetWords = 'my flat is 12 Quiet Mews, widget';
    const emailWords = 'call me on 0777 900 123, email';
    let widgetAck: Promise<unknown> | undefined;
    let emailAnswer: Promise<{ status: number; json: any }> | undefined;
    const disconnected = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
    const { deleted } = await duringPausedDeletion(
      () => fetch(`${stack.url}/api/admin/customers/${session.customerId}`, { method: 'DELETE', headers: { cookie: admin.cookie } }),
      async () => {
        const before = await lockWaiters();
        widgetAck = call(socket, 'message:send', { conversationId, clientId: 'during-1', text: widgetWords }, 30_000).catch((error: unknown) => ({ failed: String(error) }));
        emailAnswer = postEmailReply(email, conversationId, emailWords);
        // Both wait behind the deletion (the old code's too: the widget's for the conversation row, the email's for the customer's).
        await eventually(async () => (await lockWaiters()) >= before + 2, 10_000, 'both writes to wait for the deletion');
      },
    );
    expect((deleted as Response).status).toBe(200);
    const answer = await emailAnswer!;
    expect(answer).toEqual({ status: 200, json: expect.objectContaining({ accepted: false, reason: 'no_conversation' }) });
    // The tab is cut off when the deletion returns; whatever it heard before that was a refusal, never "stored".
    const ack = await Promise.race([widgetAck!, disconnected.then(() => widgetAck!)]);
    expect(ack).not.toMatchObject({ ok: true });
    if ((ack as { ok?: boolean }).ok === false) expect(ack).toMatchObject({ ok: false, error: { code: 'not_found' } });

    expect(await bodiesContaining('Quiet Mews')).toEqual([]);
    expect(await bodiesContaining('0777 900 123')).toEqual([]);
    expect(await stack.env.sql`select 1 from messages where conversation_id = ${conversationId} and body not in ('[removed at the customer’s request]') and author_type <> 'system'`).toEqual([]);
    expect(await stack.env.sql`select 1 from inbound_emails where conversation_id = ${conversationId}`).toEqual([]);
    // And no new chat was started for the deleted record instead.
    expect(await stack.env.sql`select id from conversations where customer_id = ${session.customerId} and id <> ${conversationId}`).toEqual([]);
  });

  it('answers the waiting widget message with an error once the deletion commits', async () => {
    const { session, socket, conversationId } = await shopper();
    const [{ id: adminId }] = await stack.env.sql<{ id: number }[]>`select id from users where email = ${stack.admin.email}`;
    let widgetAck: Promise<unknown> | undefined;
    // The deletion itself, without the route's disconnecting of the tab afterwards: the tab hears the answer.
    await duringPausedDeletion(() => deleteCustomer(stack.env.sql, session.customerId, adminId), async () => {
      const before = await lockWaiters();
      widgetAck = call(socket, 'message:send', { conversationId, clientId: 'during-2', text: 'deliver to 3 Lantern Yard please' }, 30_000);
      await eventually(async () => (await lockWaiters()) >= before + 1, 10_000, 'the widget message to wait for the deletion');
    });
    expect(await widgetAck).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // Without a conversation id too (the widget's first message after a reload): not a new chat for the deleted record.
    expect(await call(socket, 'message:send', { clientId: 'after-1', text: 'deliver to 3 Lantern Yard, again' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await bodiesContaining('Lantern Yard')).toEqual([]);
    expect(await stack.env.sql`select id from conversations where customer_id = ${session.customerId} and id <> ${conversationId}`).toEqual([]);
    // A bot turn still in flight for that message does not put the question into the unanswered list either.
    const { unansweredRepository } = await import('../../knowledge-base/unanswered.ts');
    expect(await unansweredRepository(stack.env.sql).record('deliver to 3 Lantern Yard please', conversationId, { reason: 'no_match' })).toBe(0);
    expect(await stack.env.sql`select 1 from unanswered_questions where examples::text like '%Lantern Yard%'`).toEqual([]);
  });
});
