// A stand-in for the authenticator app on a person's phone: codes from the secret the server gave at set-up.
import { base32Decode, hotp } from '../../server/services/totp.ts';

const stepNow = () => Math.floor(Date.now() / 30_000);

export function authenticator(secret: string) {
  const key = base32Decode(secret);
  let last = 0;
  return {
    /**
     * A code the server accepts: for a later step than the last one given out (it refuses a step it accepted before),
     * at most the next step, which it still takes for clock drift. Two codes within one 30-s step are fine.
     */
    next(): string {
      last = Math.max(stepNow(), last + 1);
      return hotp(key, last);
    },
    /** Six digits that are none of the codes the server would accept now. */
    wrong(): string {
      const near = new Set([-2, -1, 0, 1, 2, 3].map((d) => hotp(key, stepNow() + d)));
      for (let n = 0; ; n++) {
        const candidate = String(n).padStart(6, '0');
        if (!near.has(candidate)) return candidate;
      }
    },
  };
}
