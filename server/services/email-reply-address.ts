// How a shopper's reply to a follow-up email finds its conversation again.
// Two ways, so a reply is matched whichever the mail setup keeps:
// - Reply-To: replies+<token>@domain when INBOUND_EMAIL_ADDRESS is set. The token
//   is the conversation id signed with the install's shared secret (the
//   visitor-token secret, under its own purpose prefix, like unsubscribe links),
//   so nobody can write into another conversation by guessing an address.
// - Message-ID: every follow-up has its own, recorded on its email_followups
//   row; a reply's In-Reply-To / References names it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.ts';

const PURPOSE = 'email-reply';
/**
 * 20 hex characters (80 bits) of HMAC-SHA256: a forger gets one guess per email sent, and the whole tagged address
 * must fit the 64 characters a mailbox name may have. Lower-case hex, because some mail servers lower-case addresses.
 */
const SIGNATURE_CHARS = 20;

function signature(secret: string, conversationId: number): string {
  return createHmac('sha256', secret).update(`${PURPOSE}:${conversationId}`).digest('hex').slice(0, SIGNATURE_CHARS);
}

export function replyToken(secret: string, conversationId: number): string {
  return `${conversationId}-${signature(secret, conversationId)}`;
}

/** The conversation a token stands for, or null when it is malformed or forged. */
export function verifyReplyToken(secret: string, token: string): number | null {
  const match = /^([1-9][0-9]{0,15})-([0-9a-f]{20})$/.exec(token.toLowerCase());
  if (!match) return null;
  const conversationId = Number(match[1]);
  const expected = Buffer.from(signature(secret, conversationId));
  const given = Buffer.from(match[2]);
  return expected.length === given.length && timingSafeEqual(expected, given) ? conversationId : null;
}

/** replies+<token>@domain for INBOUND_EMAIL_ADDRESS=replies@domain; null when no inbound address is configured. */
export function replyToAddress(config: Pick<Config, 'inboundEmailAddress'>, secret: string, conversationId: number): string | null {
  if (!config.inboundEmailAddress) return null;
  const at = config.inboundEmailAddress.lastIndexOf('@');
  return `${config.inboundEmailAddress.slice(0, at)}+${replyToken(secret, conversationId)}${config.inboundEmailAddress.slice(at)}`;
}

/**
 * The tokens in these addresses that are tagged copies of the inbound address (same mailbox name before "+", same
 * domain), case-insensitively. Addresses of anyone else are ignored.
 */
export function replyTokensIn(config: Pick<Config, 'inboundEmailAddress'>, addresses: string[]): string[] {
  if (!config.inboundEmailAddress) return [];
  const [base, domain] = config.inboundEmailAddress.toLowerCase().split('@');
  const tokens: string[] = [];
  for (const address of addresses) {
    const lower = address.trim().toLowerCase();
    const at = lower.lastIndexOf('@');
    if (at < 0 || lower.slice(at + 1) !== domain) continue;
    const local = lower.slice(0, at);
    if (local.startsWith(`${base}+`)) tokens.push(local.slice(base.length + 1));
  }
  return tokens;
}

/** A new Message-ID for a follow-up, "<random@host>" with the chat server's public host (unique worldwide by the random part). */
export function newMessageId(publicUrl: string): string {
  return `<followup.${randomBytes(12).toString('hex')}@${new URL(publicUrl).hostname}>`;
}

/** The Message-IDs named in In-Reply-To and References headers ("<a@b> <c@d>"), at most `limit`, each with its angle brackets. */
export function messageIdsIn(headerValues: (string | undefined)[], limit = 50): string[] {
  const ids: string[] = [];
  for (const value of headerValues) {
    for (const match of (value ?? '').matchAll(/<[^<>\s]{1,500}>/g)) {
      if (ids.length >= limit) return ids;
      ids.push(match[0]);
    }
  }
  return ids;
}
