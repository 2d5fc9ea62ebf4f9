// An inbound email too large in its headers (mailparser stops past 1 MB of them in one part) is the sender's
// mistake: a clear 413 rather than a 500 a retrying sender would post for days; an email with large but
// ordinary headers is still taken. Real MIME over real HTTP to a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { TestStack } from '../support/server.ts';
import { startEmailStack, type EmailStack } from '../support/email-stack.ts';
import { replyToAddress } from '../../server/services/email-reply-address.ts';

const SECRET = 'inbound-limits-secret-0123456789';
let bed: EmailStack;
let stack: TestStack;
let seq = 0;

beforeAll(async () => {
  bed = await startEmailStack({ inboundEmailAddress: 'replies@support.example.com', inboundEmailSecret: SECRET });
  stack = bed.stack;
  await stack.env.sql`update users set capacity = 100 where email = ${stack.agent.email}`;
});
afterAll(() => bed?.close());

/** A shopper's chat an agent answered, so an email reply to it is taken. */
async function chatWithAgent() {
  const email = `limits${++seq}@example.com`;
  const { conversationId } = await bed.chatAnsweredByAgent(email, `limits-${seq}`);
  return { email, conversationId };
}

/** A real reply from the shopper, with `headerBytes` of extra header lines (900 characters each) before its own. */
async function replyWithHeaders(chat: { email: string; conversationId: number }, headerBytes: number, text: string) {
  const to = replyToAddress(stack.env.config, stack.servers[0].handle.ctx.visitorSecret, chat.conversationId)!;
  const raw = await new MailComposer({ from: chat.email, to, subject: 'Re: your order', messageId: `<limits-${++seq}@mail.example.com>`, text }).compile().build();
  const line = `X-Relay-Trace: ${'t'.repeat(884)}\r\n`;
  return Buffer.concat([Buffer.from(line.repeat(Math.ceil(headerBytes / line.length))), raw]);
}

async function post(raw: Buffer) {
  const response = await fetch(`${stack.url}/api/email/inbound`, {
    method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${SECRET}` }, body: new Uint8Array(raw),
  });
  return { status: response.status, json: await response.json() as { accepted?: boolean; error?: { code: string; message: string } } };
}

const emailTexts = async (conversationId: number) => (await stack.env.sql<{ body: string }[]>`
  select body from messages where conversation_id = ${conversationId} and metadata->>'via' = 'email' order by id`).map((m) => m.body);

/** The email is refused as too large (413 `too_large`, with `message` when given) and nothing of it is in the chat. */
async function expectTooLarge(raw: Buffer, conversationId: number, message?: RegExp) {
  const refused = await post(raw);
  expect(refused.status).toBe(413);
  expect(refused.json.error?.code).toBe('too_large');
  if (message) expect(refused.json.error?.message).toMatch(message);
  expect(await emailTexts(conversationId)).toEqual([]);
}

describe('inbound email size limits', () => {
  it('answers 413 with a clear message for more than 1 MB of headers, stores nothing, and keeps serving', async () => {
    const chat = await chatWithAgent();
    await expectTooLarge(await replyWithHeaders(chat, 1.2 * 1024 * 1024, 'Headers galore.'), chat.conversationId, /1 MB of headers/);
    // The same server takes the next, ordinary reply.
    const ok = await post(await replyWithHeaders(chat, 0, 'Thanks, got it.'));
    expect(ok.status).toBe(200);
    expect(ok.json.accepted).toBe(true);
    expect(await emailTexts(chat.conversationId)).toEqual(['Thanks, got it.']);
  });

  it('still takes an email with large but ordinary headers (about 600 KB of relay traces)', async () => {
    const chat = await chatWithAgent();
    const posted = await post(await replyWithHeaders(chat, 600 * 1024, 'Through many relays.'));
    expect(posted.status).toBe(200);
    expect(posted.json.accepted).toBe(true);
    expect(await emailTexts(chat.conversationId)).toEqual(['Through many relays.']);
  });

  it('answers 413 for a body over the size cap before parsing it', async () => {
    const chat = await chatWithAgent();
    await expectTooLarge(await replyWithHeaders(chat, 26 * 1024 * 1024, 'Far too big.'), chat.conversationId);
  });
});
