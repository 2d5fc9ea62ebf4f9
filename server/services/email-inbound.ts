// A shopper's email reply to a follow-up, taken into the chat it answers.
// The raw message (RFC 822, as an MTA or provider forwards it) is parsed with
// mailparser; the conversation is found from the tagged Reply-To address or
// the follow-up's Message-ID; only the conversation's customer may write into
// it; the quoted history is dropped; the chat service stores and announces it.
// Photos and PDF files attached to it, or pasted into its body, come into the
// chat as the widget's files do (checked, cleaned, stored, carried by the
// message); others are named in a short note.
//
// Nothing here reads the whole of an HTML body: the sender is checked from the
// headers first, and an email without a usable text part has only the first
// part of its HTML read, so one large email cannot hold the server.
//
// Every refusal here is final — the same email will never be accepted — so the
// route answers it with 200 and the reason (see email-inbound-routes.ts).
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment, type EmailAddress, type ParsedMail } from 'mailparser';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Sql } from '../db/client.ts';
import { deletedCustomer } from '../repositories/customers.ts';
import type { ChatService } from './chat-service.ts';
import { messageIdsIn, replyTokensIn, verifyReplyToken } from './email-reply-address.ts';
import { capText, MAX_REPLY_SCAN_CHARS, newTextOfReply, withoutImagePlaceholders } from './email-reply-text.ts';
import { checkedChatFile } from './attachment-files.ts';
import { sendCarryingFiles, type ChatFile } from './chat-files.ts';
import { langOf } from '../../knowledge-base/text/language.ts';
import { inShoppersScript } from './chinese-script.ts';

/** Why an email is not taken into the chat; the route's response schema lists the same. */
export const REFUSAL_REASONS = ['no_conversation', 'not_the_customer', 'blocked', 'automatic_reply', 'empty'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export type InboundOutcome =
  | { status: 'posted' | 'duplicate'; conversationId: number; messageId: number | null }
  | { status: 'refused'; reason: RefusalReason; message: string };

export interface InboundDeps {
  config: Pick<Config, 'inboundEmailAddress' | 'maxMessageChars' | 'maxAttachmentBytes'>;
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

/** The longest address there is (RFC 5321: a 64-character mailbox name, "@", a 255-character domain). */
const MAX_ADDRESS_LENGTH = 320;
/**
 * An MTA writes one address into Delivered-To / X-Original-To; a value longer than this is no MTA's, and is not read
 * at all: the header comes from whoever sent the email, before any check of who they are.
 */
const MAX_ENVELOPE_HEADER_LENGTH = 4096;

/**
 * The addresses in a Delivered-To / X-Original-To header line ("Delivered-To: <replies+…@support.example>"): the
 * pieces between separators that hold an "@" with something on both sides. Split, not matched with a pattern that
 * scans on from every character, so the work grows with the header's length and not with its square.
 */
export function envelopeAddressesIn(headerLine: string): string[] {
  const value = headerLine.slice(headerLine.indexOf(':') + 1);
  if (value.length > MAX_ENVELOPE_HEADER_LENGTH) return [];
  return value.split(/[\s<>,;:"]+/).filter((piece) => piece.length <= MAX_ADDRESS_LENGTH && piece.slice(1, -1).includes('@'));
}

/**
 * Where the email was delivered: To and Cc, the envelope recipient MTAs record (Delivered-To, X-Original-To), and the
 * one the caller passed (`?recipient=`, e.g. Postfix's ${recipient} or a Cloudflare Worker's message.to).
 */
function recipients(mail: ParsedMail, envelopeRecipient: string | undefined): string[] {
  const envelope = mail.headerLines
    .filter((h) => h.key === 'delivered-to' || h.key === 'x-original-to')
    .flatMap((h) => envelopeAddressesIn(h.line));
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

/**
 * Files taken from one email. A shopper answering about a damaged order sends a few photos (the item, the box, the
 * label) and perhaps a receipt: five covers that. Each file may be up to MAX_ATTACHMENT_BYTES and every photo is
 * decoded and re-encoded, so the cap also bounds the work and the storage one email can cause; a mail client's own
 * limit (20–25 MB a message) seldom lets more real photos through anyway. Files beyond it are named in the note.
 */
export const MAX_EMAIL_FILES = 5;

/** Why an attached file was not taken: not a photo or PDF, or too large; a photo that cannot be decoded; over the cap. */
type NotTaken = 'kind' | 'unreadable' | 'over_cap';

/** The email's attachments as chat files (photos cleaned), and why each of the others was left out. */
async function filesOf(attachments: Attachment[], maxBytes: number): Promise<{ files: ChatFile[]; notTaken: NotTaken[] }> {
  const files: ChatFile[] = [];
  const notTaken: NotTaken[] = [];
  for (const part of attachments) {
    if (files.length >= MAX_EMAIL_FILES) { notTaken.push('over_cap'); continue; } // not decoded at all
    const bytes = part.content;
    // The size is checked on what was sent, before any decoding, as the upload route's body limit does.
    const file = bytes.length > 0 && bytes.length <= maxBytes ? await checkedChatFile(bytes, part.filename) : 'kind';
    if (typeof file === 'string') notTaken.push(file);
    else files.push(file);
  }
  return { files, notTaken };
}

/**
 * Smaller than this, an image inside the body (multipart/related, shown through its Content-ID) is decoration — a
 * signature's logo, a social icon, a tracking pixel, a few KB each — and is left out without a word. A photo or a
 * screenshot the shopper pasted into the reply (Gmail, Outlook and Apple Mail send it so) is far larger, and is taken
 * like an attached file.
 */
export const MIN_BODY_PHOTO_BYTES = 10 * 1024;

/** The email's files: attached ones, and images pasted into the body large enough to be photos, in the email's order. */
function filesToTake(mail: ParsedMail): Attachment[] {
  return mail.attachments.filter((a) => !a.related || (a.contentType.startsWith('image/') && a.content.length >= MIN_BODY_PHOTO_BYTES));
}

/**
 * How much of an HTML body is read for the reply when the email has no text part with words in it. html-to-text's
 * work grows faster than the HTML (a 2.9 MB table took 30 s, all of it time the whole server waited), so only this
 * much is converted, from the <body> on (an Outlook body's head of styles takes no part of it). The new words are at
 * the top; half as much as the text a reply is read for (MAX_REPLY_SCAN_CHARS) leaves room for the markup around
 * them, and costs at most a few hundred milliseconds whatever the HTML is.
 */
export const MAX_HTML_SCAN_CHARS = MAX_REPLY_SCAN_CHARS / 2;

/** The first MAX_HTML_SCAN_CHARS of the HTML from its <body>, ending before a tag rather than inside one. */
export function scannedHtml(html: string): string {
  const body = html.search(/<body[\s>]/i);
  const from = body >= 0 ? body : 0;
  if (html.length - from <= MAX_HTML_SCAN_CHARS) return html.slice(from);
  const window = html.slice(from, from + MAX_HTML_SCAN_CHARS);
  const lastTag = window.lastIndexOf('<');
  return lastTag > 0 ? window.slice(0, lastTag) : window.replace(/[\uD800-\uDBFF]$/, '');
}

/**
 * The text of an HTML body, read as mailparser reads an HTML-only email (html-to-text, with its guard against deep
 * nesting) but only from its first part (scannedHtml). '' when it cannot be converted.
 */
async function textOfHtml(html: string): Promise<string> {
  const part = Buffer.from(`Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${scannedHtml(html)}`);
  const converted = await simpleParser(part, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  return (converted.text ?? '').replaceAll('\u0000', '');
}

/**
 * The shopper's new words: from the text part, or, when that has none (an HTML-only email, or a text part left empty
 * beside the HTML one), from the HTML. Without the placeholders of images pasted into the body.
 */
async function wordsOf(mail: ParsedMail): Promise<string> {
  const bodyImages = mail.attachments.filter((a) => a.related).map((a) => ({ fileName: a.filename, cid: a.cid }));
  const fromText = withoutImagePlaceholders(newTextOfReply(mail.text ?? ''), bodyImages);
  if (fromText || !mail.html) return fromText;
  return withoutImagePlaceholders(newTextOfReply(await textOfHtml(mail.html)), bodyImages);
}

const megabytes = (bytes: number) => `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;

/**
 * "(1 more attachment was not shown: only photos and PDF files up to 10 MB are.)" in the shopper's language: how
 * many files of the email are not in the chat, and in a few words why, so the agent knows to ask for them another way.
 */
function notShownNote(notTaken: NotTaken[], shown: number, maxBytes: number, locale: string | null): string {
  const count = notTaken.length;
  const why = (['kind', 'unreadable', 'over_cap'] as const).filter((r) => notTaken.includes(r));
  if (langOf(locale) === 'zh') {
    const reasons = { kind: `只显示 ${megabytes(maxBytes)} 以内的照片和 PDF 文件`, unreadable: '图片无法读取', over_cap: `每封邮件最多显示 ${MAX_EMAIL_FILES} 个文件` };
    return `（${shown ? '另有' : '邮件中的'} ${count} 个附件未显示：${why.map((r) => reasons[r]).join('；')}。）`;
  }
  const reasons = {
    kind: `only photos and PDF files up to ${megabytes(maxBytes)} are`,
    unreadable: notTaken.filter((r) => r === 'unreadable').length === 1 ? 'a photo could not be read' : 'photos could not be read',
    over_cap: `at most ${MAX_EMAIL_FILES} files are taken from one email`,
  };
  const files = count === 1 ? 'attachment was' : 'attachments were';
  return `(${count} ${shown ? 'more ' : ''}${files} not shown: ${why.map((r) => reasons[r]).join('; ')}.)`;
}

/**
 * The parsed email without NUL (U+0000) in the fields that reach Postgres: a decoded part (=00, base64) or header can
 * hold one, Postgres stores none, and unlike a widget message (refused, see plugins/text-guard.ts) an email cannot be
 * sent again corrected, so the character is dropped. File names are cleaned of control characters by cleanFileName.
 */
function withoutNul(mail: ParsedMail): ParsedMail {
  const strip = (value: string) => value.replaceAll('\u0000', '');
  if (mail.text !== undefined) mail.text = strip(mail.text);
  if (mail.messageId !== undefined) mail.messageId = strip(mail.messageId);
  if (mail.inReplyTo !== undefined) mail.inReplyTo = strip(mail.inReplyTo);
  if (mail.references !== undefined) mail.references = Array.isArray(mail.references) ? mail.references.map(strip) : strip(mail.references);
  return mail;
}

/**
 * The email parsed. mailparser stops at more than 1 MB of headers in one part, or more than 1000 parts, with an
 * error coded EMAXLEN: that is the sender's message, not a fault here, so it answers 413 (a client mistake, logged
 * at info level) rather than 500, which a retrying sender would post again and again.
 */
async function parsedEmail(raw: Buffer): Promise<ParsedMail> {
  try {
    // skipHtmlToText: an HTML body is converted later, and only in part (textOfHtml), once the sender is known.
    return await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, skipHtmlToText: true });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EMAXLEN') {
      throw new AppError(413, 'too_large', 'The email has more than 1 MB of headers in one part or more than 1000 parts: no mail client writes that, so it is not taken.');
    }
    throw error;
  }
}

export async function takeInboundEmail(deps: InboundDeps, raw: Buffer, envelopeRecipient?: string): Promise<InboundOutcome> {
  const mail = withoutNul(await parsedEmail(raw));
  if (isAutomatic(mail)) return refused('automatic_reply');
  const conversationId = await findConversation(deps, mail, envelopeRecipient);
  if (!conversationId) return refused('no_conversation');
  const [target] = await deps.sql<{ customer_id: number; email: string | null; locale: string | null; gone: boolean; blocked: boolean }[]>`
    select c.customer_id, cu.email, cu.locale, cu.blocked_at is not null as blocked,
           c.anonymised_at is not null or ${deletedCustomer(deps.sql, 'cu')} as gone
    from conversations c join customers cu on cu.id = c.customer_id where c.id = ${conversationId}`;
  if (!target || target.gone) return refused('no_conversation');
  // The customer's own address only: a forwarded follow-up answered by someone else must not speak for the shopper.
  const from = addressesOf(mail.from)[0]?.trim().toLowerCase();
  if (!from || !target.email || from !== target.email.trim().toLowerCase()) return refused('not_the_customer');
  // The widget refuses a blocked shopper (customer-blocking.ts); their email must not reopen the door.
  if (target.blocked) return refused('blocked');

  const attached = filesToTake(mail);
  const words = await wordsOf(mail);
  if (!words && !attached.length) return refused('empty');
  // Idempotency key: the email's own Message-ID, or for the rare email without one, a digest of its bytes.
  const emailMessageId = (mail.messageId ?? `<sha256.${createHash('sha256').update(raw).digest('hex')}@no-message-id>`).slice(0, 998);
  // A redelivery (a provider retrying after a timeout) would decode every photo again only to throw it away: one
  // already taken skips the files. A second delivery racing the first still takes the long way, and the claim in
  // customerEmailReply makes it a duplicate.
  const delivered = (await deps.sql`select 1 from inbound_emails where message_id = ${emailMessageId}`).length > 0;
  const { files, notTaken } = delivered ? { files: [], notTaken: [] } : await filesOf(attached, deps.config.maxAttachmentBytes);
  const note = notTaken.length ? await inShoppersScript(notShownNote(notTaken, files.length, deps.config.maxAttachmentBytes, target.locale), target.locale) : '';
  // Without words the message names its files, as a widget upload without a caption does; with nothing else to say
  // the chat views show the files alone (`fileOnly`).
  const said = words || files.map((f) => `📎 ${f.fileName}`).join('\n');
  const room = Math.max(1, deps.config.maxMessageChars - (note ? note.length + 2 : 0));
  const text = [said ? capText(said, room) : '', note].filter(Boolean).join('\n\n');
  const fileOnly = !words && !note && files.length > 0;
  // The files are stored first (the message carries their URLs); an email delivered again finds its first delivery
  // and the files stored for this one are removed, as they are when posting fails.
  const posted = await sendCarryingFiles(deps.sql, { customerId: target.customer_id, conversationId, uploadedBy: 'customer' }, files,
    (attachments) => deps.chat.customerEmailReply({
      customerId: target.customer_id,
      conversationId,
      emailMessageId,
      text,
      metadata: {
        via: 'email',
        ...(attachments.length ? { attachments, ...(fileOnly ? { fileOnly: true } : {}) } : {}),
        ...(notTaken.length ? { attachmentsNotShown: notTaken.length } : {}),
      },
    }),
    (r) => r).catch((error: unknown) => {
    // Gone since the look above (the customer deleted while this email was on its way): refused like any email to a
    // deleted chat, so the sender does not retry.
    if (error instanceof AppError && error.statusCode === 404) return null;
    throw error;
  });
  if (!posted) return refused('no_conversation');
  const { result } = posted;
  return { status: result.duplicate ? 'duplicate' : 'posted', conversationId: result.conversationId, messageId: result.messageId };
}
