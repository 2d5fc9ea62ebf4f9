// Visitor tokens identify a shopper's browser to the widget API and socket: an HMAC over the customer id and the
// record's random visitor key (customers.visitor_key, 037_visitor_keys.sql). They do not expire by time — a returning
// shopper keeps the same history — but count only while the key is the record's: the handshake and the session
// route compare it, so a new key withdraws every token of the record (the shop signed the shopper out, the identity
// secret changed), and a record with a reused id after a restore from a backup is not anyone's old token.
// v1 tokens (the id alone) are still taken for records from before keys, which have none.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const LEGACY_VERSION = 'v1';
const VERSION = 'v2';

/** What a visitor token claims: the customer, and the visitor key it was made with (null for a v1 token). */
export interface VisitorClaim {
  customerId: number;
  key: string | null;
}

function signature(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/** A fresh random visitor key (hex): for a record that has none yet, or to withdraw the record's tokens. */
export function newVisitorKey(): string {
  return randomBytes(8).toString('hex');
}

export function signVisitorToken(secret: string, customerId: number, key: string): string {
  return `${VERSION}.${customerId}.${key}.${signature(secret, `${VERSION}.${customerId}.${key}`)}`;
}

/** What a token claims, or null when it is malformed or forged; the caller checks the key against the record. */
export function verifyVisitorToken(secret: string, token: unknown): VisitorClaim | null {
  if (typeof token !== 'string' || token.length > 200) return null;
  const parts = token.split('.');
  const [version, idText] = parts;
  if (!/^[1-9][0-9]{0,15}$/.test(idText ?? '')) return null;
  const customerId = Number(idText);
  let payload: string;
  let key: string | null = null;
  let sig: string | undefined;
  if (version === VERSION && parts.length === 4 && /^[0-9a-f]{8,32}$/.test(parts[2])) {
    key = parts[2];
    payload = `${VERSION}.${customerId}.${key}`;
    sig = parts[3];
  } else if (version === LEGACY_VERSION && parts.length === 3) {
    payload = `${LEGACY_VERSION}.${customerId}`;
    sig = parts[2];
  } else return null;
  if (!sig) return null;
  const expected = Buffer.from(signature(secret, payload));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { customerId, key } : null;
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

/**
 * What a feed call signs: "<purpose>:<timestamp>.<body>" with the x-shopdesk-timestamp header's Unix seconds, as the
 * outgoing webhooks sign theirs, so a captured call cannot be sent again later; "<purpose>:<body>" in the older,
 * deprecated form without a timestamp.
 */
const feedSigned = (purpose: string, body: string, timestamp?: number) =>
  timestamp === undefined ? `${purpose}:${body}` : `${purpose}:${timestamp}.${body}`;

/** The feed signature (lower-case hex) of `body` for `purpose` ("orders" / "products"), sent at `timestamp` (Unix seconds). */
export function feedSignature(secret: string, purpose: string, body: string, timestamp?: number): string {
  return identityHash(feedSigningKey(secret), feedSigned(purpose, body, timestamp));
}

export function feedSignatureMatches(secret: string, purpose: string, body: string, hex: string, timestamp?: number): boolean {
  return signatureMatches(feedSigningKey(secret), feedSigned(purpose, body, timestamp), hex);
}

/** Whether `hex` is HMAC-SHA256(message) under `secret` (identity hashes, feed signatures, unsubscribe tokens). */
export function signatureMatches(secret: string, message: string, hex: string): boolean {
  const expected = Buffer.from(identityHash(secret, message));
  const given = Buffer.from(hex.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
