// Visitor tokens identify a shopper's browser to the widget API and socket.
// They are stateless (HMAC-signed customer id) so a socket handshake needs no
// database round trip, and they never expire: a returning shopper keeps the
// same history. Identity is upgraded by verified identify(), not by the token.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 'v1';

function signature(secret: string, customerId: number): string {
  return createHmac('sha256', secret).update(`${VERSION}.${customerId}`).digest('base64url');
}

export function signVisitorToken(secret: string, customerId: number): string {
  return `${VERSION}.${customerId}.${signature(secret, customerId)}`;
}

/** The customer id a token stands for, or null when it is malformed or forged. */
export function verifyVisitorToken(secret: string, token: unknown): number | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const [version, idText, sig] = token.split('.');
  if (version !== VERSION || !/^[1-9][0-9]{0,15}$/.test(idText ?? '') || !sig) return null;
  const customerId = Number(idText);
  const expected = Buffer.from(signature(secret, customerId));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given) ? customerId : null;
}

// Resume links: "Continue the chat" in a follow-up email carries one, so the shopper who opens it on another
// device (or after clearing the browser) gets their conversation instead of an empty chat. Unlike visitor tokens
// they expire, since emails get forwarded and archived; what they unlock is limited by the session route (an
// anonymous shopper's chat, never a shop-identified customer's orders).
const RESUME_VERSION = 'r1';
export const RESUME_LINK_DAYS = 30;

function resumeSignature(secret: string, customerId: number, expiresAt: number): string {
  return createHmac('sha256', secret).update(`resume.${customerId}.${expiresAt}`).digest('base64url');
}

export function signResumeToken(secret: string, customerId: number, now = Date.now()): string {
  const expiresAt = Math.floor(now / 1000) + RESUME_LINK_DAYS * 86_400;
  return `${RESUME_VERSION}.${customerId}.${expiresAt}.${resumeSignature(secret, customerId, expiresAt)}`;
}

/** The customer a resume link stands for, or null when it is malformed, forged or expired. */
export function verifyResumeToken(secret: string, token: unknown, now = Date.now()): number | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const [version, idText, expiresText, sig] = token.split('.');
  if (version !== RESUME_VERSION || !/^[1-9][0-9]{0,15}$/.test(idText ?? '') || !/^[1-9][0-9]{0,11}$/.test(expiresText ?? '') || !sig) return null;
  const customerId = Number(idText);
  const expiresAt = Number(expiresText);
  const expected = Buffer.from(resumeSignature(secret, customerId, expiresAt));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return expiresAt * 1000 > now ? customerId : null;
}

/** The identity-verification hash a shop's backend computes for a logged-in user. */
export function identityHash(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId).digest('hex');
}

export function identityHashMatches(secret: string, userId: string, hash: string): boolean {
  return signatureMatches(secret, userId, hash);
}

/**
 * The key the shop feed is signed with: the hex SHA-256 of "shopdesk-feed:" + the identity secret. A plain hash, not
 * an HMAC, on purpose: identity hashes are HMACs of user ids under the same secret, and a shop that let a user name
 * themselves "orders:{…}" would otherwise hand out a valid feed signature as that user's identity hash.
 */
export function feedSigningKey(secret: string): string {
  return createHash('sha256').update(`shopdesk-feed:${secret}`).digest('hex');
}

/** The feed signature (lower-case hex) of `body` for `purpose` ("orders" / "products"). */
export function feedSignature(secret: string, purpose: string, body: string): string {
  return identityHash(feedSigningKey(secret), `${purpose}:${body}`);
}

export function feedSignatureMatches(secret: string, purpose: string, body: string, hex: string): boolean {
  return signatureMatches(feedSigningKey(secret), `${purpose}:${body}`, hex);
}

/** Whether `hex` is HMAC-SHA256(message) under `secret` (identity hashes, feed signatures, unsubscribe tokens). */
export function signatureMatches(secret: string, message: string, hex: string): boolean {
  const expected = Buffer.from(identityHash(secret, message));
  const given = Buffer.from(hex.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
