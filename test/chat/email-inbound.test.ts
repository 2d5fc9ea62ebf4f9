// A shopper's email reply to a follow-up continues the chat: real MIME built with
// nodemailer's MailComposer, POSTed to a real server (with its workers) at
// /api/email/inbound; a real SMTP receiver catches the follow-ups; the agent
// console and the widget are socket.io clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import { smtpReceiver, type SmtpReceiver } from '../support/smtp.ts';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextAgentMessage, nextEvent, type AgentClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { createServer } from '../../server/app.ts';
import { replyToAddress } from '../../server/services/email-reply-address.ts';

const SECRET = 'inbound-test-secret-0123456789';
const INBOUND = 'replies@support.example.com';
const MAX_CHARS = 500;

let smtp: SmtpReceiver;
let stack: TestStack;
let agent: AgentClient;
let seq = 0;

beforeAll(async () => {
  smtp = smtpReceiver();
  const port = await smtp.listen();
  stack = await startStack({
    workers: true,
    config: {
      smtpUrl: `smtp://127.0.0.1:${port}`, emailFollowupDelaySeconds: 1, emailRetryDelayMs: 300, shopName: 'Northwind Goods', mailFrom: '',
      inboundEmailAddress: INBOUND, inboundEmailSecret: SECRET, maxMessageChars: MAX_CHARS,
    },
  });
  // Room for every chat of the file, so a chat handed over by email is assigned rather than left queued.
  await stack.env.sql`update users set capacity = 100 where email = ${stack.agent.email}`;
  const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
  agent = await connectAgent(stack.url, token);
  await callOk(agent, 'presence:set', { presence: 'online' });
});
afterAll(async () => {
  agent?.close();
  await stack?.close();
  await smtp?.close();
});

/**
 * A shopper with an email address who asked once and got an agent's answer (the agent holds the chat). With
 * `leaves`, the shopper closes the tab before the agent answers, so that answer is the first follow-up email.
 */
async function chatWithAgent(email = `shopper${++seq}@example.com`, options: { leaves?: boolean; answer?: string } = {}) {
  const session = await widgetSession(stack.url, { email });
  const socket = await connectWidget(stack.url, session.visitorToken);
  const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `q-${seq}`, text: 'Has my parcel left the warehouse?' });
  await botReply;
  if (options.leaves) socket.close();
  await callOk(agent, 'message:send', { conversationId: sent.conversationId, clientId: `a-${++seq}`, text: options.answer ?? 'It left this morning.' });
  return { email, session, socket, conversationId: sent.conversationId };
}

const viaEmail = (m: ChatMessage) => (m.metadata as { via?: unknown }).via === 'email';
const replyTo = (conversationId: number) => replyToAddress(stack.env.config, stack.servers[0].handle.ctx.visitorSecret, conversationId)!;

/** A real MIME message, as a mail client would send it. */
const compose = (options: ConstructorParameters<typeof MailComposer>[0]) => new MailComposer({ subject: 'Re: New reply from Northwind Goods', ...options }).compile().build();

async function postEmail(raw: Buffer | string, headers: Record<string, string> = { authorization: `Bearer ${SECRET}` }, contentType = 'message/rfc822', query = '') {
  const response = await fetch(`${stack.url}/api/email/inbound${query}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body: typeof raw === 'string' ? raw : new Uint8Array(raw) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

const emailMessages = (conversationId: number) =>
  stack.env.sql<{ id: number; body: string; author_type: string; metadata: Record<string, unknown> }[]>`
    select id, body, author_type, metadata from messages where conversation_id = ${conversationId} and metadata->>'via' = 'email' order by id`;
const storedEmailsOf = async (customerId: number) =>
  Number((await stack.env.sql<{ n: number }[]>`select count(*)::int as n from inbound_emails where customer_id = ${customerId}`)[0].n);

describe('email replies into the chat', () => {
  it('posts a reply into its conversation as the shopper, to the agent console with the email marker and to the widget, without the quoted text', async () => {
    const chat = await chatWithAgent('Sofia.Reyes@example.com');
    const atAgent = nextAgentMessage(agent, (m) => m.conversationId === chat.conversationId && m.author.type === 'customer' && viaEmail(m));
    const atWidget = nextEvent<ChatMessage>(chat.socket, 'message:new', (m) => m.author.type === 'customer');
    const raw = await compose({
      from: 'Sofia Reyes <sofia.reyes@EXAMPLE.com>', // the customer's address in another case
      to: replyTo(chat.conversationId),
      messageId: `<reply-${seq}@mail.example.com>`,
      text: 'Thanks, that is great.\nCould it come on Friday?\n\n-- \nSofia Reyes\nReyes Design\n\n'
        + 'On Fri, 4 Dec 2026 at 10:02, Northwind Goods <no-reply@localhost>\nwrote:\n> It left this morning.\n> Continue the chat: https://shop.example/#shopdesk-chat\n',
    });
    const posted = await postEmail(raw);
    expect(posted.status).toBe(200);
    expect(posted.json).toMatchObject({ accepted: true, status: 'posted', conversationId: chat.conversationId });

    const message = await atAgent;
    expect(message.text).toBe('Thanks, that is great.\nCould it come on Friday?');
    expect(message.metadata).toEqual({ via: 'email' });
    expect(message.id).toBe(posted.json.messageId);
    expect((await atWidget).text).toBe('Thanks, that is great.\nCould it come on Friday?');
    // In the shopper's history like a widget message (the interactions worker writes it).
    await eventually(async () => (await stack.env.sql`
      select 1 from interaction_events where type = 'message.customer' and (payload->>'messageId')::bigint = ${message.id}`).length > 0, 15_000, 'the history event');
    // The chat stays with its agent: no bot answer to an email.
    const [conversation] = await stack.env.sql<{ status: string }[]>`select status from conversations where id = ${chat.conversationId}`;
    expect(conversation.status).toBe('assigned');
    // A shopper coming back sees it in the widget.
    const back = await connectWidget(stack.url, chat.session.visitorToken);
    const current = await callOk<{ messages: ChatMessage[] }>(back, 'conversation:current', {});
    expect(current.messages.at(-1)).toMatchObject({ id: message.id, author: { type: 'customer' } });
    back.close();
    chat.socket.close();
  });

  it('drops a Chinese quote header, ">" lines and a phone signature, and says how many attachments were left out', async () => {
    const chat = await chatWithAgent();
    const atAgent = nextAgentMessage(agent, (m) => m.conversationId === chat.conversationId && viaEmail(m));
    const raw = await compose({
      from: chat.email,
      to: replyTo(chat.conversationId),
      text: '好的，谢谢！\n> 引用的一行\n周五可以送到吗？\n\n发自我的iPhone\n\n在 2026年12月4日 周五 10:02，Northwind Goods <no-reply@localhost> 写道：\n> It left this morning.\n',
      attachments: [
        { filename: 'receipt.pdf', content: Buffer.from('%PDF-1.4 receipt'), contentType: 'application/pdf' },
        { filename: 'parcel.png', content: Buffer.from('not really a png'), contentType: 'image/png' },
      ],
    });
    expect((await postEmail(raw)).json).toMatchObject({ accepted: true, status: 'posted' });
    const message = await atAgent;
    expect(message.text).toBe('好的，谢谢！\n周五可以送到吗？\n\n(The email had 2 attachments, not shown here.)');
    expect(message.metadata).toEqual({ via: 'email', emailAttachments: 2 });
    chat.socket.close();
  });

  it('cuts a reply longer than a chat message to the chat limit', async () => {
    const chat = await chatWithAgent();
    const raw = await compose({ from: chat.email, to: replyTo(chat.conversationId), text: 'word '.repeat(400) });
    expect((await postEmail(raw)).json).toMatchObject({ accepted: true });
    const [message] = await emailMessages(chat.conversationId);
    expect(message.body).toHaveLength(MAX_CHARS);
    expect(message.body.endsWith('…')).toBe(true);
    chat.socket.close();
  });

  it('posts an email delivered twice (same Message-ID) once', async () => {
    const chat = await chatWithAgent();
    const raw = await compose({ from: chat.email, to: replyTo(chat.conversationId), messageId: `<twice-${seq}@mail.example.com>`, text: 'Only once, please.' });
    const [first, second] = await Promise.all([postEmail(raw), postEmail(raw)]);
    expect([first.json.status, second.json.status].sort()).toEqual(['duplicate', 'posted']);
    expect(first.json.messageId).toBe(second.json.messageId);
    const third = await postEmail(raw);
    expect(third.json).toMatchObject({ accepted: true, status: 'duplicate', messageId: first.json.messageId });
    expect(await emailMessages(chat.conversationId)).toHaveLength(1);
    expect(await storedEmailsOf(chat.session.customerId)).toBe(1);
    chat.socket.close();
  });

  it('deleting the customer removes the records of their emails (Message-IDs name their mail host)', async () => {
    const chat = await chatWithAgent();
    expect((await postEmail(await compose({ from: chat.email, to: replyTo(chat.conversationId), text: 'Thanks!' }))).json).toMatchObject({ accepted: true });
    expect(await storedEmailsOf(chat.session.customerId)).toBe(1);
    chat.socket.close();
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    expect((await fetch(`${stack.url}/api/admin/customers/${chat.session.customerId}`, { method: 'DELETE', headers: { cookie: admin.cookie } })).status).toBe(200);
    const [{ n }] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from inbound_emails where conversation_id = ${chat.conversationId}`;
    expect(n).toBe(0);
  });

  it('refuses a caller without the secret (401), before reading the body; Basic with the secret as password works', async () => {
    const chat = await chatWithAgent();
    const raw = await compose({ from: chat.email, to: replyTo(chat.conversationId), text: 'Hello by Basic.' });
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-secret' }, { authorization: basic('mta', 'wrong') }, { authorization: `Bearer ${SECRET}x` }, { authorization: SECRET }]) {
      const refused = await postEmail(raw, headers);
      expect(refused.status).toBe(401);
      expect(refused.json.error.code).toBe('unauthorized');
    }
    // Unauthenticated and too large: still 401, the size is never looked at.
    expect((await postEmail(Buffer.alloc(11 * 1024 * 1024, 'a'), {})).status).toBe(401);
    expect(await emailMessages(chat.conversationId)).toHaveLength(0);
    const posted = await postEmail(raw, { authorization: basic('mta', SECRET) }, 'text/plain; charset=utf-8');
    expect(posted.json).toMatchObject({ accepted: true, status: 'posted' });
    expect(await emailMessages(chat.conversationId)).toHaveLength(1);
    chat.socket.close();
  });

  it('answers 413 for an email over 10 MB and 415 for another content type', async () => {
    const chat = await chatWithAgent();
    const raw = await compose({ from: chat.email, to: replyTo(chat.conversationId), text: 'Big one.', attachments: [{ filename: 'big.bin', content: Buffer.alloc(8 * 1024 * 1024, 7) }] });
    expect(raw.length).toBeGreaterThan(10 * 1024 * 1024); // base64 makes 8 MB about 10.8 MB
    const tooLarge = await postEmail(raw);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.error.code).toBe('too_large');
    expect((await postEmail(JSON.stringify({ raw: 'x' }), { authorization: `Bearer ${SECRET}` }, 'application/json')).status).toBe(415);
    expect(await emailMessages(chat.conversationId)).toHaveLength(0);
    chat.socket.close();
  });

  it('refuses, storing nothing, an email with a forged or unknown reply address, an unknown In-Reply-To, or none', async () => {
    const chat = await chatWithAgent();
    const real = replyTo(chat.conversationId);
    const other = await chatWithAgent();
    const forged = [
      real.replace(/-[0-9a-f]{20}@/, `-${'0'.repeat(20)}@`), // the right conversation, a made-up signature
      replyTo(other.conversationId).replace(/\+\d+-/, `+${chat.conversationId}-`), // another conversation's signature
      real.replace('@support.example.com', '@elsewhere.example.com'), // the right token at someone else's domain
    ];
    const attempts = [
      ...forged.map((to) => ({ to })),
      { to: 'no-reply@localhost', inReplyTo: '<never-sent@localhost>', references: ['<never-sent@localhost>'] },
      { to: 'no-reply@localhost' },
    ];
    for (const attempt of attempts) {
      const response = await postEmail(await compose({ from: chat.email, text: 'Is anyone there?', ...attempt }));
      expect(response.status).toBe(200); // final: a sender that retries must stop
      expect(response.json).toMatchObject({ accepted: false, status: 'refused', reason: 'no_conversation' });
    }
    expect(await emailMessages(chat.conversationId)).toHaveLength(0);
    expect(await storedEmailsOf(chat.session.customerId)).toBe(0);
    chat.socket.close();
    other.socket.close();
  });

  it('refuses an email from anyone but the conversation\'s customer, and automatic replies', async () => {
    const chat = await chatWithAgent();
    const fromStranger = await postEmail(await compose({ from: 'someone.else@example.com', to: replyTo(chat.conversationId), text: 'Please send the parcel to me instead.' }));
    expect(fromStranger.json).toMatchObject({ accepted: false, reason: 'not_the_customer' });
    const outOfOffice = await postEmail(await compose({ from: chat.email, to: replyTo(chat.conversationId), text: 'I am away until Monday.', headers: { 'Auto-Submitted': 'auto-replied' } }));
    expect(outOfOffice.json).toMatchObject({ accepted: false, reason: 'automatic_reply' });
    const onlyQuote = await postEmail(await compose({ from: chat.email, to: replyTo(chat.conversationId), text: '\n\nOn Fri, 4 Dec 2026, Northwind Goods wrote:\n> It left this morning.' }));
    expect(onlyQuote.json).toMatchObject({ accepted: false, reason: 'empty' });
    // A shopper the shop blocked cannot come back in by email either.
    await stack.env.sql`update customers set blocked_at = now() where id = ${chat.session.customerId}`;
    const fromBlocked = await postEmail(await compose({ from: chat.email, to: replyTo(chat.conversationId), text: 'Let me back in.' }));
    expect(fromBlocked.json).toMatchObject({ accepted: false, reason: 'blocked' });
    expect(await emailMessages(chat.conversationId)).toHaveLength(0);
    expect(await storedEmailsOf(chat.session.customerId)).toBe(0);
    chat.socket.close();
  });

  it('a reply to a resolved conversation starts a new one that goes to a person, not the bot', async () => {
    const chat = await chatWithAgent();
    await callOk(agent, 'conversation:resolve', { conversationId: chat.conversationId });
    const atAgent = nextAgentMessage(agent, (m) => m.author.type === 'customer' && viaEmail(m) && m.text === 'It never arrived after all.');
    const posted = await postEmail(await compose({ from: chat.email, to: replyTo(chat.conversationId), text: 'It never arrived after all.' }));
    expect(posted.json).toMatchObject({ accepted: true, status: 'posted' });
    const started = posted.json.conversationId;
    expect(started).not.toBe(chat.conversationId);
    expect((await atAgent).conversationId).toBe(started);
    const [conversation] = await eventually(async () => {
      const rows = await stack.env.sql<{ status: string; handed_off: boolean; customer_id: number }[]>`select status, handed_off, customer_id from conversations where id = ${started}`;
      return rows[0]?.status === 'assigned' ? rows : undefined;
    }, 10_000, 'the new chat to be assigned');
    expect(conversation).toMatchObject({ handed_off: true, customer_id: chat.session.customerId });
    const [previous] = await stack.env.sql<{ status: string }[]>`select status from conversations where id = ${chat.conversationId}`;
    expect(previous.status).toBe('resolved');
    const bot = await stack.env.sql`select id from messages where conversation_id = ${started} and author_type = 'bot'`;
    expect(bot).toHaveLength(0);
    await eventually(async () => (await stack.env.sql`
      select 1 from interaction_events where conversation_id = ${started} and type = 'handoff' and payload->>'reason' = 'email_reply'`).length > 0, 15_000, 'the hand-off event');
    // The widget opens on the new conversation when the shopper comes back.
    chat.socket.close();
    const back = await connectWidget(stack.url, chat.session.visitorToken);
    const current = await callOk<{ conversation: { id: number }; messages: ChatMessage[] }>(back, 'conversation:current', {});
    expect(current.conversation.id).toBe(started);
    expect(current.messages.some((m) => m.author.type === 'customer' && m.text === 'It never arrived after all.')).toBe(true);
    back.close();
  });

  it('end to end: the follow-up carries Reply-To and Message-ID, the next one threads under it, and a reply built from it lands in the chat', async () => {
    // The shopper left before the agent answered: the answer is emailed.
    const chat = await chatWithAgent('lena.fischer@example.com', { leaves: true, answer: 'Your refund is on its way.' });
    const { mail: first } = await eventually(async () => smtp.to(chat.email).find((r) => r.mail.text?.includes('Your refund is on its way.')), 20_000, 'the first follow-up');
    const [row] = await stack.env.sql<{ message_id: string }[]>`select message_id from email_followups where conversation_id = ${chat.conversationId} and status = 'sent' order by id limit 1`;
    expect(first.messageId).toBe(row.message_id);
    expect(first.messageId).toMatch(/^<followup\.[0-9a-f]{24}@localhost>$/);
    const replyAddress = first.replyTo?.value[0].address;
    expect(replyAddress).toMatch(new RegExp(`^replies\\+${chat.conversationId}-[0-9a-f]{20}@support\\.example\\.com$`));
    expect(first.inReplyTo).toBeUndefined();

    // The next follow-up of the conversation threads under the first.
    await eventually(async () => (await stack.env.sql`select 1 from email_followups where conversation_id = ${chat.conversationId} and status = 'sent'`).length === 1, 10_000, 'the first follow-up recorded sent');
    await callOk(agent, 'message:send', { conversationId: chat.conversationId, clientId: `a-${++seq}`, text: 'Here is the refund number: RF-889.' });
    const { mail: second } = await eventually(async () => smtp.to(chat.email).find((r) => r.mail.text?.includes('RF-889')), 20_000, 'the second follow-up');
    expect(second.inReplyTo).toBe(first.messageId);
    expect(second.references).toBe(first.messageId);

    // The shopper answers the first email in their mail client.
    const atAgent = nextAgentMessage(agent, (m) => m.conversationId === chat.conversationId && viaEmail(m));
    const reply = await compose({
      from: 'Lena Fischer <lena.fischer@example.com>',
      to: replyAddress,
      subject: `Re: ${first.subject}`,
      inReplyTo: first.messageId,
      references: [first.messageId!],
      text: `Thank you!\n\nOn Fri, 4 Dec 2026 at 11:00, Northwind Goods <no-reply@localhost> wrote:\n${first.text!.split('\n').map((l) => `> ${l}`).join('\n')}`,
    });
    expect((await postEmail(reply)).json).toMatchObject({ accepted: true, status: 'posted', conversationId: chat.conversationId });
    expect((await atAgent).text).toBe('Thank you!');

    // A client that replies to the no-reply sender instead still reaches the chat through In-Reply-To.
    const viaHeaders = await compose({ from: chat.email, to: 'no-reply@localhost', inReplyTo: second.messageId, references: [first.messageId!, second.messageId!], text: 'Got the number, thanks.' });
    expect((await postEmail(viaHeaders)).json).toMatchObject({ accepted: true, status: 'posted', conversationId: chat.conversationId });
    // One that reached the reply address as a Bcc (not in its headers): the MTA passes the envelope recipient.
    const bcc = await compose({ from: chat.email, to: 'someone@example.com', text: 'Copying you in.' });
    expect((await postEmail(bcc)).json).toMatchObject({ accepted: false, reason: 'no_conversation' });
    const withRecipient = await postEmail(bcc, undefined, undefined, `?recipient=${encodeURIComponent(replyAddress!)}`);
    expect(withRecipient.json).toMatchObject({ accepted: true, status: 'posted', conversationId: chat.conversationId });
    expect((await emailMessages(chat.conversationId)).map((m) => m.body)).toEqual(['Thank you!', 'Got the number, thanks.', 'Copying you in.']);
  });

  it('is in the OpenAPI document with its raw body types', async () => {
    const spec = await (await fetch(`${stack.url}/docs/json`)).json();
    const operation = spec.paths['/api/email/inbound'].post;
    expect(Object.keys(operation.requestBody?.content ?? {})).toEqual(expect.arrayContaining(['message/rfc822', 'text/plain']));
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '401', '404', '413']));
  });

  it('is off (404) on a server without INBOUND_EMAIL_SECRET', async () => {
    const off = await createServer({ ...stack.env.config, inboundEmailSecret: '' }, { backgroundTimers: false });
    try {
      const url = await off.listen();
      const response = await fetch(`${url}/api/email/inbound`, { method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${SECRET}` }, body: 'Subject: hi\r\n\r\nhello' });
      expect(response.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
