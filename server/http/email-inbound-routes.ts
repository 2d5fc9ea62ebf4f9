// POST /api/email/inbound: a shopper's email reply, as the raw RFC 822 message,
// from whatever receives the shop's mail (a Postfix pipe to curl, a Cloudflare
// Email Worker, a provider's "forward the raw MIME" webhook). No vendor's
// format: every one of them can hand over the raw message.
//
// Status codes are chosen for senders that retry. 2xx stops every one of them,
// so a message that will never be accepted (it answers no conversation, comes
// from someone else, is empty or an auto-reply) gets 200 with `accepted: false`
// and the reason: a 4xx would have SendGrid or Postmark re-post it for days,
// and most providers treat only a few codes (Mailgun 406, Postmark 403) as
// "do not retry". 401/413/415/400 are the caller's mistakes, 5xx is ours and
// worth a retry (nothing is stored twice: the email's Message-ID is a key).
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse } from './schemas.ts';
import { AppError, badRequest, notFound, unauthorized } from '../errors.ts';
import { sameSecret } from '../services/secrets.ts';
import { MAX_EMAIL_FILES, REFUSAL_REASONS, takeInboundEmail, type RefusalReason } from '../services/email-inbound.ts';

/**
 * The largest raw email taken (413 beyond, before it is read). Attached files are base64 in an email: 4 characters
 * for 3 bytes, plus a line break every 76, so a file grows by about 37% (a 10 MB photo is 13.7 MB of email). The
 * limit lets through at least one file of the chat's own cap (MAX_ATTACHMENT_BYTES) with its text, and never less
 * than 25 MB: mail services commonly cap a message at 20–25 MB, and an email refused here is bounced, words and all.
 */
export function maxInboundEmailBytes(maxAttachmentBytes: number): number {
  const encoded = Math.ceil(maxAttachmentBytes / 57) * 78; // 57 bytes make one 76-character line and its CRLF
  return Math.max(25 * 1024 * 1024, encoded + 1024 * 1024);
}
const RAW_TYPES = ['message/rfc822', 'text/plain'];

/** The secret from "Bearer <secret>" or the password of "Basic <user:secret>" (any user name). */
function presentedSecret(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return null;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() !== 'basic') return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

const Outcome = Type.Object({
  accepted: Type.Boolean({ description: 'Whether the email is in the chat (now, or already from an earlier delivery)' }),
  status: Type.Union([Type.Literal('posted'), Type.Literal('duplicate'), Type.Literal('refused')]),
  conversationId: Type.Optional(Type.Integer()),
  messageId: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  reason: Type.Optional(Type.Unsafe<RefusalReason>({ type: 'string', enum: [...REFUSAL_REASONS] })),
  message: Type.Optional(Type.String()),
});

export default function emailInboundRoutes(ctx: AppContext) {

  /** Before the body is read: an unauthorised caller cannot make the server take in 25 MB. Off (404) without a secret. */
  async function requireInboundSecret(request: FastifyRequest) {
    const expected = ctx.config.inboundEmailSecret;
    if (!expected) throw notFound('Inbound email (set INBOUND_EMAIL_SECRET to turn it on)');
    if (!sameSecret(presentedSecret(request.headers.authorization), expected)) {
      throw unauthorized('Send INBOUND_EMAIL_SECRET as a Bearer token or as the password of HTTP Basic authentication.');
    }
  }

  const bodyLimit = maxInboundEmailBytes(ctx.config.maxAttachmentBytes);

  return async (app: App) => {
    // This plugin's own parsers: the raw bytes, as mailparser wants them (Fastify's text/plain parser would decode them).
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser(RAW_TYPES, { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

    app.post('/api/email/inbound', {
      onRequest: requireInboundSecret,
      bodyLimit,
      schema: {
        tags: ['email'],
        summary: "A shopper's email reply to a follow-up, as the raw message: posted into the conversation it answers",
        description: `Body: the raw RFC 822 message (Content-Type message/rfc822 or text/plain), at most ${Math.round(bodyLimit / (1024 * 1024))} MB. `
          + 'Authorization: Bearer <INBOUND_EMAIL_SECRET>, or Basic with it as the password. The conversation is found from '
          + 'the replies+<token>@ address the email was sent to, else from In-Reply-To / References; the sender must be the '
          + "conversation's customer. Quoted text and signatures are dropped; attached photos and PDF files (up to "
          + `${MAX_EMAIL_FILES}, each within MAX_ATTACHMENT_BYTES) come into the chat as files, and the message says how many others `
          + 'were left out. An email that will never be accepted answers 200 with accepted: false and the reason, so senders '
          + 'that retry stop; the same Message-ID is posted once.',
        consumes: RAW_TYPES,
        // No type to check: the parser hands over the bytes; this only puts the body in the document.
        body: Type.Unsafe<Buffer>({ description: 'The raw email (RFC 822), as received' }),
        querystring: Type.Object({
          recipient: Type.Optional(Type.String({ maxLength: 320, description: 'The envelope recipient, when the To header may not show it (e.g. Postfix ${recipient})' })),
        }),
        security: [{ bearer: [] }],
        response: { 200: Outcome, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse },
      },
    }, async (request) => {
      const raw = request.body;
      // Another type (JSON, a form) was read by the app's own parsers: it is not a raw email.
      if (!Buffer.isBuffer(raw)) throw new AppError(415, 'unsupported_media_type', `Send the raw email as ${RAW_TYPES.join(' or ')}.`);
      if (raw.length === 0) throw badRequest('Send the raw email (RFC 822) as the request body.');
      const outcome = await takeInboundEmail({ config: ctx.config, sql: ctx.sql, chat: ctx.chat, secret: ctx.visitorSecret }, raw, request.query.recipient);
      if (outcome.status === 'refused') {
        request.log.info({ reason: outcome.reason }, 'inbound email refused');
        return { accepted: false, ...outcome };
      }
      return { accepted: true, ...outcome };
    });
  };
}
