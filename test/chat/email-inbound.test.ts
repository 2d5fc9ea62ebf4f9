// A shopper's email reply to a follow-up continues the chat: real MIME built with
// nodemailer's MailComposer, POSTed to a real server (with its workers) at
// /api/email/inbound; a real SMTP receiver catches the follow-ups; the agent
// console and the widget are socket.io clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { SmtpReceiver } from '../support/smtp.ts';
import { login, widgetSession, type TestStack } from '../support/server.ts';
import { startEmailStack, type EmailStack } from '../support/email-stack.ts';
import { callOk, connectWidget, eventually, nextAgentMessage, nextEvent, type AgentClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { createServer } from '../../server/app.ts';
import { replyToAddress } from '../../server/services/email-reply-address.ts';
import sharp from 'sharp';
import { noisePng, solidPng } from '../support/png.ts';

const SECRET = 'inbound-test-secret-0123456789';
const INBOUND = 'replies@support.example.com';
const MAX_CHARS = 500;

let smtp: SmtpReceiver;
let stack: TestStack;
let agent: AgentClient;
let seq = 0;
let bed: EmailStack;

beforeAll(async () => {
  bed = await startEmailStack({ emailFollowupDelaySeconds: 1, inboundEmailAddress: INBOUND, inboundEmailSecret: SECRET, maxMessageChars: MAX_CHARS });
  ({ smtp, stack, agent } = bed);
  // Room for every chat of the file, so a chat handed over by email is assigned rather than left queued.
  await stack.env.sql`update users set capacity = 100 where email = ${stack.agent.email}`;
});
afterAll(() => bed?.close());

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

  it('drops a Chinese quote header, ">" lines and a phone signature; takes the PDF and notes the file that is no image', async () => {
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
    expect(message.text).toBe('好的，谢谢！\n周五可以送到吗？\n\n(1 more attachment was not shown: only photos and PDF files up to 10 MB are.)');
    expect(message.metadata).toEqual({
      via: 'email',
      attachments: [expect.objectContaining({ name: 'receipt.pdf', contentType: 'application/pdf' })],
      attachmentsNotShown: 1,
    });
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

  it('answers 413 for an email over 25 MB and 415 for another content type', async () => {
    const chat = await chatWithAgent();
    const raw = await compose({ from: chat.email, to: replyTo(chat.conversationId), text: 'Big one.', attachments: [{ filename: 'big.bin', content: Buffer.alloc(19 * 1024 * 1024, 7) }] });
    expect(raw.length).toBeGreaterThan(25 * 1024 * 1024); // base64 makes 19 MB about 26 MB
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

  it('finds the conversation by the Delivered-To an MTA writes; a Delivered-To of a million characters from anyone is read quickly and names no conversation', async () => {
    const chat = await chatWithAgent();
    // Forwarded to the inbound address by the shop's own mail setup: only the envelope (Delivered-To) carries the token.
    const delivered = (header: string, mail: Buffer) => Buffer.concat([Buffer.from(`${header}\r\n`), mail]);
    const viaEnvelope = delivered(`Delivered-To: <${replyTo(chat.conversationId)}>`, await compose({ from: chat.email, to: 'support@shop.example', text: 'Friday works.' }));
    expect((await postEmail(viaEnvelope)).json).toMatchObject({ accepted: true, status: 'posted', conversationId: chat.conversationId });

    // A million characters without an "@" (which a reader scanning on from every character took many minutes over,
    // the whole server waiting), and as many ending in the real address: neither is an MTA's header, and neither is
    // read. (A million fits under mailparser's 1 MB limit on one part's headers, beyond which it parses nothing.)
    const junk = 'a'.repeat(1_000_000);
    for (const header of [`Delivered-To: ${junk}`, `X-Original-To: ${junk}`, `Delivered-To: ${junk} ${replyTo(chat.conversationId)}`]) {
      const flooded = delivered(header, await compose({ from: chat.email, to: 'support@shop.example', text: 'Is anyone there?' }));
      expect((await postEmail(flooded)).json, header.slice(0, 20)).toMatchObject({ accepted: false, status: 'refused', reason: 'no_conversation' });
    }
    expect((await emailMessages(chat.conversationId)).map((m) => m.body)).toEqual(['Friday works.']);
    chat.socket.close();
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
      const rows = await stack.env.sql<{ status: string; handed_off: boolean; customer_id: number; channel: string }[]>`select status, handed_off, customer_id, channel from conversations where id = ${started}`;
      return rows[0]?.status === 'assigned' ? rows : undefined;
    }, 10_000, 'the new chat to be assigned');
    // Started by email (migration 055); the chat it answered began in the widget.
    expect(conversation).toMatchObject({ handed_off: true, customer_id: chat.session.customerId, channel: 'email' });
    const [previous] = await stack.env.sql<{ status: string; channel: string }[]>`select status, channel from conversations where id = ${chat.conversationId}`;
    expect(previous).toMatchObject({ status: 'resolved', channel: 'widget' });
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
    // The worker marks the follow-up sent once the SMTP server has taken it: the mail can arrive a moment before that.
    const row = await eventually(async () => (await stack.env.sql<{ message_id: string }[]>`
      select message_id from email_followups where conversation_id = ${chat.conversationId} and status = 'sent' order by id limit 1`)[0], 10_000, 'the follow-up marked sent');
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

describe('files attached to an email reply', () => {
  const MAX_FILE = 10 * 1024 * 1024; // the stack's MAX_ATTACHMENT_BYTES (the default)
  const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  /** A PDF of exactly `size` bytes (a comment pads it). */
  const pdfOf = (size: number) => Buffer.concat([PDF, Buffer.alloc(size - PDF.length, '%')]);
  /** A phone photo: a JPEG larger than the chat keeps, with the camera and the place it was taken in its EXIF. */
  const phonePhoto = () => sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: 120, g: 90, b: 60 } } })
    .jpeg().withExif({ IFD0: { Make: 'PhoneCo', Model: 'Pocket 12' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } }).toBuffer();
  const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(200, 1)]);
  const DOCX = Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'), Buffer.alloc(200, 2)]);

  const filesOf = (customerId: number) => stack.env.sql<{ id: number; message_id: number | null; conversation_id: number | null; file_name: string; content_type: string; uploaded_by: string }[]>`
    select id, message_id, conversation_id, file_name, content_type, uploaded_by from attachments where customer_id = ${customerId} order by id`;
  const fetchFile = async (url: string) => {
    const response = await fetch(`${stack.url}${url}`);
    return { status: response.status, contentType: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
  };
  type Meta = { attachments?: { id: number; name: string; contentType: string; size: number; url: string }[]; fileOnly?: boolean; attachmentsNotShown?: number };

  it('takes a photo and a PDF into the chat as files the console opens; the photo is cleaned; a signature image is not a file', async () => {
    const chat = await chatWithAgent();
    const photo = await phonePhoto();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    const atAgent = nextAgentMessage(agent, (m) => m.conversationId === chat.conversationId && viaEmail(m));
    const raw = await compose({
      from: chat.email,
      to: replyTo(chat.conversationId),
      text: 'It arrived broken. Photo and receipt attached.\n\n-- \nPat',
      html: '<p>It arrived broken. Photo and receipt attached.</p><p>-- <br>Pat <img src="cid:logo@sig"></p>',
      attachments: [
        { filename: 'IMG_2041.JPG', content: photo, contentType: 'image/jpeg' },
        { filename: 'C:\\Users\\pat\\receipt 118.pdf', content: PDF, contentType: 'application/pdf' },
        { filename: 'logo.png', content: await solidPng(8, 8, [0, 0, 200]), cid: 'logo@sig' }, // inline, part of the signature
      ],
    });
    const posted = await postEmail(raw);
    expect(posted.json).toMatchObject({ accepted: true, status: 'posted', conversationId: chat.conversationId });

    const message = await atAgent;
    expect(message.text).toBe('It arrived broken. Photo and receipt attached.');
    const meta = message.metadata as Meta;
    expect(meta.fileOnly).toBeUndefined();
    expect(meta.attachmentsNotShown).toBeUndefined();
    expect(meta.attachments?.map((a) => [a.name, a.contentType])).toEqual([['IMG_2041.JPG', 'image/jpeg'], ['receipt 118.pdf', 'application/pdf']]);
    // Stored as the shopper's, tied to the message that shows them.
    const rows = await filesOf(chat.session.customerId);
    expect(rows.map((r) => [r.id, r.message_id, r.conversation_id, r.uploaded_by])).toEqual(meta.attachments!.map((a) => [a.id, message.id, chat.conversationId, 'customer']));

    // What the console's Attachments component opens: the photo re-encoded, without its EXIF, at most 2560 px; the PDF as sent.
    const [image, pdf] = await Promise.all(meta.attachments!.map((a) => fetchFile(a.url)));
    expect(image).toMatchObject({ status: 200, contentType: 'image/jpeg' });
    expect(image.body.length).toBe(meta.attachments![0].size);
    const served = await sharp(image.body).metadata();
    expect(served).toMatchObject({ format: 'jpeg', width: 2560, height: 1707 });
    expect(served.exif).toBeUndefined();
    expect(image.body.equals(photo)).toBe(false);
    expect(pdf).toMatchObject({ status: 200, contentType: 'application/pdf' });
    expect(pdf.body.equals(PDF)).toBe(true);
    chat.socket.close();
  });

  it('an email with only a file posts the file alone, named like an upload; a photo of MAX_ATTACHMENT_BYTES fits in an email', async () => {
    const chat = await chatWithAgent();
    const photo = await noisePng(1860, 1860); // random pixels: about 9.9 MB, close to the cap, as a phone photo can be
    expect(photo.length).toBeGreaterThan(9.5 * 1024 * 1024);
    expect(photo.length).toBeLessThanOrEqual(MAX_FILE);
    // 30 s: a 13 MB email is parsed and its 10 MB image checked, which takes seconds on a machine busy with other tests.
    const atAgent = nextAgentMessage(agent, (m) => m.conversationId === chat.conversationId && viaEmail(m), 30_000);
    const raw = await compose({ from: chat.email, to: replyTo(chat.conversationId), attachments: [{ filename: 'scratch.png', content: photo }] });
    expect(raw.length).toBeGreaterThan(13 * 1024 * 1024); // base64: over the 10 MB an email could be before
    expect((await postEmail(raw)).json).toMatchObject({ accepted: true, status: 'posted' });
    const message = await atAgent;
    expect(message.text).toBe('📎 scratch.png');
    expect(message.metadata).toMatchObject({ via: 'email', fileOnly: true, attachments: [{ name: 'scratch.png', contentType: 'image/png' }] });
    const file = await fetchFile((message.metadata as Meta).attachments![0].url);
    expect(file).toMatchObject({ status: 200, contentType: 'image/png' });
    expect(await sharp(file.body).metadata()).toMatchObject({ format: 'png', width: 1860, height: 1860 });

    // A PDF of exactly the cap is taken as well (files of an email are held to the widget's limit, not a smaller one).
    const atAgentAgain = nextAgentMessage(agent, (m) => m.conversationId === chat.conversationId && viaEmail(m) && m.id !== message.id, 30_000);
    expect((await postEmail(await compose({ from: chat.email, to: replyTo(chat.conversationId), attachments: [{ filename: 'invoice.pdf', content: pdfOf(MAX_FILE) }] }))).json)
      .toMatchObject({ accepted: true, status: 'posted' });
    expect((await atAgentAgain).metadata).toMatchObject({ fileOnly: true, attachments: [{ name: 'invoice.pdf', size: MAX_FILE }] });
    expect(await filesOf(chat.session.customerId)).toHaveLength(2);
    chat.socket.close();
  });

  it('notes, in the shopper\'s language, files it does not take (.exe, .docx, too large, a broken image), storing none of them', async () => {
    const chat = await chatWithAgent();
    const atAgent = nextAgentMessage(agent, (m) => m.conversationId === chat.conversationId && viaEmail(m));
    const broken = Buffer.concat([(await solidPng(4, 4, [1, 2, 3])).subarray(0, 8), Buffer.alloc(100, 9)]); // a PNG's signature, then nothing of one
    const raw = await compose({
      from: chat.email,
      to: replyTo(chat.conversationId),
      text: 'Here is everything I have.',
      attachments: [
        { filename: 'setup.exe', content: EXE, contentType: 'image/jpeg' }, // the claimed type does not count
        { filename: 'photo.png', content: await solidPng(40, 30, [10, 200, 10]) },
        { filename: 'notes.docx', content: DOCX },
        { filename: 'scan.pdf', content: pdfOf(MAX_FILE + 1) },
        { filename: 'broken.png', content: broken },
      ],
    });
    expect((await postEmail(raw)).json).toMatchObject({ accepted: true, status: 'posted' });
    const message = await atAgent;
    expect(message.text).toBe('Here is everything I have.\n\n(4 more attachments were not shown: only photos and PDF files up to 10 MB are; a photo could not be read.)');
    expect(message.metadata).toMatchObject({ attachmentsNotShown: 4, attachments: [{ name: 'photo.png', contentType: 'image/png' }] });
    expect((message.metadata as Meta).fileOnly).toBeUndefined();
    expect((await filesOf(chat.session.customerId)).map((r) => r.file_name)).toEqual(['photo.png']);
    chat.socket.close();

    // A Chinese-speaking shopper who sends only files the chat cannot show: the note is the message, in Chinese.
    const zh = await chatWithAgent(`zh-${++seq}@example.com`);
    await stack.env.sql`update customers set locale = 'zh-CN' where id = ${zh.session.customerId}`;
    const atAgentZh = nextAgentMessage(agent, (m) => m.conversationId === zh.conversationId && viaEmail(m));
    const onlyWord = await compose({ from: zh.email, to: replyTo(zh.conversationId), attachments: [{ filename: '订单.docx', content: DOCX }] });
    expect((await postEmail(onlyWord)).json).toMatchObject({ accepted: true, status: 'posted' });
    const zhMessage = await atAgentZh;
    expect(zhMessage.text).toBe('（邮件中的 1 个附件未显示：只显示 10 MB 以内的照片和 PDF 文件。）');
    expect(zhMessage.metadata).toEqual({ via: 'email', attachmentsNotShown: 1 });
    expect(await filesOf(zh.session.customerId)).toHaveLength(0);
    zh.socket.close();
  });

  it('takes at most five files from one email and says how many more there were', async () => {
    const chat = await chatWithAgent();
    const atAgent = nextAgentMessage(agent, (m) => m.conversationId === chat.conversationId && viaEmail(m));
    const photos = await Promise.all(Array.from({ length: 7 }, (_, i) => solidPng(10 + i, 10, [i * 30, 80, 80])));
    const raw = await compose({ from: chat.email, to: replyTo(chat.conversationId), attachments: photos.map((content, i) => ({ filename: `side-${i + 1}.png`, content })) });
    expect((await postEmail(raw)).json).toMatchObject({ accepted: true, status: 'posted' });
    const message = await atAgent;
    // No words: the files are named, and the note says what is missing (so the text is not only the names).
    expect(message.text).toBe(`${[1, 2, 3, 4, 5].map((i) => `📎 side-${i}.png`).join('\n')}\n\n(2 more attachments were not shown: at most 5 files are taken from one email.)`);
    const meta = message.metadata as Meta;
    expect(meta.fileOnly).toBeUndefined();
    expect(meta.attachments?.map((a) => a.name)).toEqual(['side-1.png', 'side-2.png', 'side-3.png', 'side-4.png', 'side-5.png']);
    expect(await filesOf(chat.session.customerId)).toHaveLength(5);
    chat.socket.close();
  });

  it('an email with files delivered twice (same Message-ID) posts once and stores each file once', async () => {
    const chat = await chatWithAgent();
    const raw = await compose({
      from: chat.email, to: replyTo(chat.conversationId), messageId: `<files-twice-${seq}@mail.example.com>`, text: 'Photos of the box.',
      attachments: [{ filename: 'box.jpg', content: await phonePhoto() }, { filename: 'receipt.pdf', content: PDF }],
    });
    const [first, second] = await Promise.all([postEmail(raw), postEmail(raw)]);
    expect([first.json.status, second.json.status].sort()).toEqual(['duplicate', 'posted']);
    // A later redelivery finds the email taken before it reads a file: not one attachment row is even tried.
    const sequence = async () => (await stack.env.sql<{ last_value: string }[]>`select last_value from attachments_id_seq`)[0].last_value;
    const before = await sequence();
    const third = await postEmail(raw);
    expect(third.json).toMatchObject({ status: 'duplicate', messageId: first.json.messageId });
    expect(await sequence()).toBe(before);
    const messages = await emailMessages(chat.conversationId);
    expect(messages).toHaveLength(1);
    const rows = await filesOf(chat.session.customerId);
    expect(rows.map((r) => r.file_name)).toEqual(['box.jpg', 'receipt.pdf']);
    expect(rows.every((r) => r.message_id === messages[0].id)).toBe(true);
    expect(rows.map((r) => r.id)).toEqual((messages[0].metadata as Meta).attachments!.map((a) => a.id));
    chat.socket.close();
  });

  it('stores no file from a blocked shopper, a stranger, or an automatic reply', async () => {
    const chat = await chatWithAgent();
    const withPhoto = async (from: string, extra: Record<string, unknown> = {}) => postEmail(await compose({
      from, to: replyTo(chat.conversationId), text: 'See the photo.', attachments: [{ filename: 'photo.jpg', content: await phonePhoto() }], ...extra,
    }));
    expect((await withPhoto('someone.else@example.com')).json).toMatchObject({ accepted: false, reason: 'not_the_customer' });
    expect((await withPhoto(chat.email, { headers: { 'Auto-Submitted': 'auto-replied' } })).json).toMatchObject({ accepted: false, reason: 'automatic_reply' });
    await stack.env.sql`update customers set blocked_at = now() where id = ${chat.session.customerId}`;
    expect((await withPhoto(chat.email)).json).toMatchObject({ accepted: false, reason: 'blocked' });
    expect(await filesOf(chat.session.customerId)).toHaveLength(0);
    expect(Number((await stack.env.sql<{ n: number }[]>`select count(*)::int as n from attachments where conversation_id = ${chat.conversationId}`)[0].n)).toBe(0);
    expect(await emailMessages(chat.conversationId)).toHaveLength(0);
    chat.socket.close();
  });

  it('deleting the customer deletes the files their emails brought', async () => {
    const chat = await chatWithAgent();
    const raw = await compose({ from: chat.email, to: replyTo(chat.conversationId), attachments: [{ filename: 'dent.png', content: await solidPng(20, 20, [90, 90, 90]) }, { filename: 'receipt.pdf', content: PDF }] });
    expect((await postEmail(raw)).json).toMatchObject({ accepted: true, status: 'posted' });
    const [message] = await emailMessages(chat.conversationId);
    const urls = (message.metadata as Meta).attachments!.map((a) => a.url);
    expect(await filesOf(chat.session.customerId)).toHaveLength(2);
    chat.socket.close();
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const deleted = await fetch(`${stack.url}/api/admin/customers/${chat.session.customerId}`, { method: 'DELETE', headers: { cookie: admin.cookie } });
    expect(deleted.status).toBe(200);
    expect((await deleted.json() as { attachmentsDeleted: number }).attachmentsDeleted).toBe(2);
    expect(await filesOf(chat.session.customerId)).toHaveLength(0);
    for (const url of urls) expect((await fetchFile(url)).status).toBe(404);
  });
});
