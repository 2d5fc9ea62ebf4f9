// The rating links of "How did we do?" emails (workers/csat-email.ts): a conversation id and an expiry signed with
// the install's shared secret (the visitor-token one) under a purpose of their own, so the signature can stand for
// nothing else (resume links, unsubscribe links and reply addresses sign other texts). Stateless like those; unlike
// the unsubscribe link it expires, since a rating weeks after the chat says little and emails get forwarded.
// The score is not signed: it is only the page's first choice, and the shopper may change it there.
import { identityHash, signatureMatches } from './visitor-tokens.ts';

const VERSION = 'c1';
export const CSAT_LINK_DAYS = 14;

const signed = (conversationId: number, expiresAt: number) => `csat-email.${conversationId}.${expiresAt}`;

export function signCsatToken(secret: string, conversationId: number, now = Date.now()): string {
  const expiresAt = Math.floor(now / 1000) + CSAT_LINK_DAYS * 86_400;
  return `${VERSION}.${conversationId}.${expiresAt}.${identityHash(secret, signed(conversationId, expiresAt))}`;
}

export type CsatTokenCheck =
  | { status: 'valid'; conversationId: number }
  /** Genuine but too old: the page says so rather than "not valid". */
  | { status: 'expired'; conversationId: number }
  | { status: 'invalid' };

/** What a rating link's token says; a changed id or expiry breaks the signature, so only a genuine token can be 'expired'. */
export function checkCsatToken(secret: string, token: unknown, now = Date.now()): CsatTokenCheck {
  if (typeof token !== 'string' || token.length > 120) return { status: 'invalid' };
  const match = /^c1\.([1-9][0-9]{0,15})\.([1-9][0-9]{0,11})\.([0-9a-f]{64})$/.exec(token);
  if (!match) return { status: 'invalid' };
  const conversationId = Number(match[1]);
  const expiresAt = Number(match[2]);
  if (!signatureMatches(secret, signed(conversationId, expiresAt), match[3])) return { status: 'invalid' };
  return expiresAt * 1000 > now ? { status: 'valid', conversationId } : { status: 'expired', conversationId };
}

/** The page a link of the email opens, with the score it stands for chosen. */
export function csatRateUrl(publicUrl: string, token: string, score?: number): string {
  const base = `${publicUrl.replace(/\/+$/, '')}/api/email/rate?token=${encodeURIComponent(token)}`;
  return score === undefined ? base : `${base}&score=${score}`;
}
