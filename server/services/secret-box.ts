// Encrypts small secrets kept in Postgres (authenticator-app seeds) with AES-256-GCM under a key derived by HKDF from
// the server secret, so a copy of the database alone does not yield them. Each purpose gets its own key, and the
// owner's id is bound in as associated data: a sealed value moved to another row does not open.
// When SESSION_SECRET is not configured the server secret itself lives in Postgres (secrets.ts); the encryption then
// guards only against a leak of the one table, which is still worth having.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export function secretBox(serverSecret: string, purpose: string) {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, 'shopdesk-secret-box', purpose, 32));
  return {
    seal(plain: string, owner: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(owner));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), body].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },
    /** The plain text, or undefined when it was sealed under another key (the server secret changed) or tampered with. */
    open(sealed: string, owner: string): string | undefined {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== VERSION || !iv || !tag || body === undefined) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(owner));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
