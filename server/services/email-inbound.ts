// A shopper's email reply to a follow-up, taken into the chat it answers.
// The raw message (RFC 822, as an MTA or provider forwards it) is parsed with
// mailparser; the conversation is found from the tagged Reply-To address or
// the follow-up's Message-ID; only the conversation's customer may write into
// it; the quoted history is dropped; the chat service stores and announces it.
//
// Every refusal here is final — the same email will never be accepted — so the
// route answers it with 200 and the reason (see email-inbound-routes.ts).
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type EmailAddress, type ParsedMail } from 'mailparser';
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import type { ChatService } from './chat-service.ts';
import { messageIdsIn, replyTokensIn, verifyReplyToken } from './email-reply-address.ts';
import { capText, newTextOfReply } from './email-reply-text.ts';

/** Why an email is not taken into the chat; the route's response schema lists the same. */
export const REFUSAL_REASONS = ['no_conversation', 'not_the_customer', 'blocked', 'automatic_reply', 'empty'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type InboundOutcome =
  | { status: 'posted' | 'duplicate'; conversationId: number; messageId: number | null }
  | { status: 'refused'; reason: RefusalReason; message: string };

export interface InboundDeps {
  config: Pick<Config, 'inboundEmailAddress' | 'maxMessageChars'>;
  sql: Sql;
  chat: Pick<ChatService, 'customerEmailReply'>;
  /** The shared secret reply tokens are signed with (the visitor-token secret). */
  secret: string;
}

const REFUSALS: Record<RefusalReason, string> = {
  no_conversation: 'The email answers no conversation: no valid reply address and no known follow-up in In-Reply-To or References.',
  not_the_customer: "The sender is not the conversation's customer.",
  blocked: 'The shop has blocked this customer; their emails are not taken into the chat.',
  automatic_reply: 'The email is an automatic reply (out of office, bounce); it is not posted into the chat.',
  empty: 'Nothing is left of the email once the quoted text and signature are removed.',
};
const refused = (reason: RefusalReason): InboundOutcome => ({ status: 'refused', reason, message: REFUSALS[reason] });

const addressesOf = (field: AddressObject | AddressObject[] | undefined): string[] => {
  const flat = (list: EmailAddress[]): string[] => list.flatMap((a) => [...(a.address ? [a.address] : []), ...flat(a.group ?? [])]);
  return (Array.isArray(field) ? field : field ? [field] : []).flatMap((f) => flat(f.value));
};

/**
 * Where the email was delivered: To and Cc, the envelope recipient MTAs record (Delivered-To, X-Original-To), and the
 * one the caller passed (`?recipient=`, e.g. Postfix's ${recipient} or a Cloudflare Worker's message.to).
 */
function recipients(mail: ParsedMail, envelopeRecipient: string | undefined): string[] {
  const envelope = mail.headerLines
    .filter((h) => h.key === 'delivered-to' || h.key === 'x-original-to')
    .flatMap((h) => h.line.slice(h.line.indexOf(':') + 1).match(/[^\s<>,;:"]+@[^\s<>,;:"]+/g) ?? []);
  return [...(envelopeRecipient ? [envelopeRecipient] : []), ...addressesOf(mail.to), ...addressesOf(mail.cc), ...envelope];
}

/** Out-of-office answers and bounces (RFC 3834 Auto-Submitted, and the headers common autoresponders set). */
function isAutomatic(mail: ParsedMail): boolean {
  const header = (name: string) => String(mail.headers.get(name) ?? '').toLowerCase();
  const submitted = header('auto-submitted');
  return (submitted !== '' && submitted !== 'no') || mail.headers.has('x-autoreply') || mail.headers.has('x-autorespond')
    || ['auto_reply', 'bulk', 'junk'].includes(header('precedence'));
}

async function findConversation(deps: InboundDeps, mail: ParsedMail, envelopeRecipient: string | undefined): Promise<number | null> {
  for (const token of replyTokensIn(deps.config, recipients(mail, envelopeRecipient))) {
    const conversationId = verifyReplyToken(deps.secret, token);
    if (conversationId) return conversationId; // a forged token is passed over: the headers may still name a follow-up
  }
  const references = Array.isArray(mail.references) ? mail.references.join(' ') : mail.references;
  const ids = messageIdsIn([mail.inReplyTo, references]);
  if (!ids.length) return null;
  const [row] = await deps.sql<{ conversation_id: number }[]>`
    select conversation_id from email_followups where message_id = any(${deps.sql.array(ids)}::text[]) order by id desc limit 1`;
  return row?.conversation_id ?? null;
}

/** "(The email had 2 attachments, not shown here.)" in the shopper's language: files are not imported from email. */
function attachmentsNote(count: number, locale: string | null): string {
  if (locale?.toLowerCase().startsWith('zh')) return `（邮件中的 ${count} 个附件未在此显示。）`;
  return count === 1 ? '(The email had 1 attachment, not shown here.)' : `(The email had ${count} attachments, not shown here.)`;
}

export async function takeInboundEmail(deps: InboundDeps, raw: Buffer, envelopeRecipient?: string): Promise<InboundOutcome> {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  if (isAutomatic(mail)) return refused('automatic_reply');
  const conversationId = await findConversation(deps, mail, envelopeRecipient);
  if (!conversationId) return refused('no_conversation');
  const [target] = await deps.sql<{ customer_id: number; email: string | null; locale: string | null; gone: boolean; blocked: boolean }[]>`
    select c.customer_id, cu.email, cu.locale, cu.blocked_at is not null as blocked,
           c.anonymised_at is not null or coalesce((cu.attributes->>'deleted')::boolean, false) as gone
    from conversations c join customers cu on cu.id = c.customer_id where c.id = ${conversationId}`;
  if (!target || target.gone) return refused('no_conversation');
  // The customer's own address only: a forwarded follow-up answered by someone else must not speak for the shopper.
  const from = addressesOf(mail.from)[0]?.trim().toLowerCase();
  if (!from || !target.email || from !== target.email.trim().toLowerCase()) return refused('not_the_customer');
  // The widget refuses a blocked shopper (customer-blocking.ts); their email must not reopen the door.
  if (target.blocked) return refused('blocked');

  // Images inside the body (a signature's logo) are parts of it, not files the shopper attached.
  const files = mail.attachments.filter((a) => !a.related).length;
  const note = files ? attachmentsNote(files, target.locale) : '';
  const words = newTextOfReply(mail.text ?? '');
  if (!words && !files) return refused('empty');
  const room = deps.config.maxMessageChars - (note ? note.length + 2 : 0);
  const text = [words ? capText(words, room) : '', note].filter(Boolean).join('\n\n');
  // Idempotency key: the email's own Message-ID, or for the rare email without one, a digest of its bytes.
  const emailMessageId = (mail.messageId ?? `<sha256.${createHash('sha256').update(raw).digest('hex')}@no-message-id>`).slice(0, 998);
  const result = await deps.chat.customerEmailReply({
    customerId: target.customer_id,
    conversationId,
    emailMessageId,
    text,
    metadata: { via: 'email', ...(files ? { emailAttachments: files } : {}) },
  });
  return { status: result.duplicate ? 'duplicate' : 'posted', conversationId: result.conversationId, messageId: result.messageId };
}
