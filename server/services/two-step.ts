// Two-step sign-in: after the password, a code from an authenticator app (TOTP) or one of ten one-time recovery
// codes. The secret is made on the server and stays pending until the person proves their app has it by entering a
// code; only then does sign-in ask for codes. A right password answers a short-lived challenge, not a session: the
// session comes from the challenge and a right code (auth-routes.ts).
import { randomBytes, randomInt } from 'node:crypto';
import type { Sql } from '../db/client.ts';
import { AppError, conflict } from '../errors.ts';
import { tokenHash } from './auth-service.ts';
import { secretBox } from './secret-box.ts';
import { base32Decode, base32Encode, matchTotp, otpauthUri } from './totp.ts';
import QRCode from 'qrcode';

export const CHALLENGE_TTL_SECONDS = 5 * 60;
/** Wrong codes one challenge takes before it is dead and the password must be entered again. */
export const MAX_CODE_ATTEMPTS = 5;
export const RECOVERY_CODE_COUNT = 10;
/** Wrong codes for one account, over all its challenges, before sign-in stops checking codes for a while. */
export const MAX_ACCOUNT_FAILURES = 20;
export const ACCOUNT_LOCK_MINUTES = 15;


/** Lower-case letters and digits without the look-alikes (0/o, 1/l/i), two groups of five: "k7pqr-3wxzn". */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}
/** What a person types: any case, with or without the dash or spaces. */
const normaliseRecoveryCode = (code: string) => code.toLowerCase().replace(/[^a-z0-9]/g, '');

const signInError = (code: string, message: string) => new AppError(401, code, message);

export type CodeCheck = 'ok' | 'wrong' | 'used';

export interface TwoStepStatus {
  enabled: boolean;
  /** A secret was made but no code confirmed yet. */
  pending: boolean;
  recoveryCodesLeft: number;
}

/** Turns someone's two-step sign-in off (its secret, recovery codes and pending code steps); false when it was off. */
export function removeTwoStep(sql: Sql, userId: number): Promise<boolean> {
  return sql.begin(async (tx) => {
    await tx`delete from login_challenges where user_id = ${userId}`;
    await tx`delete from user_recovery_codes where user_id = ${userId}`;
    return (await tx`delete from user_two_step where user_id = ${userId} returning user_id`).length > 0;
  }) as Promise<boolean>;
}

export function twoStepService(sql: Sql, serverSecret: string, options: { issuer: string; now?: () => number }) {
  const box = secretBox(serverSecret, 'two-step totp secret');
  const nowSeconds = options.now ?? (() => Date.now() / 1000);
  const owner = (userId: number) => `user:${userId}`;

  async function row(userId: number) {
    const [found] = await sql<{ secret_enc: string; enabled_at: Date | null }[]>`
      select secret_enc, enabled_at from user_two_step where user_id = ${userId}`;
    return found;
  }

  function readSecret(userId: number, sealed: string): Buffer {
    const base32 = box.open(sealed, owner(userId));
    // Sealed under another server secret: nobody can produce a code, so say what will help.
    if (!base32) throw new AppError(409, 'two_step_unreadable', 'Your two-step secret cannot be read on this server (its secret changed). Ask an admin to reset your two-step sign-in.');
    return base32Decode(base32);
  }

  async function replaceRecoveryCodes(tx: Sql, userId: number): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await tx`delete from user_recovery_codes where user_id = ${userId}`;
    await tx`insert into user_recovery_codes ${tx(codes.map((code) => ({ user_id: userId, code_hash: tokenHash(normaliseRecoveryCode(code)) })))}`;
    return codes;
  }

  /** A six-digit code of a step after the last one accepted (taken now, so it cannot be used twice), or a recovery code (used up). */
  async function checkCode(userId: number, code: string): Promise<CodeCheck> {
    const current = await row(userId);
    if (!current?.enabled_at) return 'wrong';
    const digits = code.replace(/\s/g, '');
    if (/^\d{6}$/.test(digits)) {
      const step = matchTotp(readSecret(userId, current.secret_enc), digits, nowSeconds());
      if (step === undefined) return 'wrong';
      // One statement decides between two sign-ins racing with the same code.
      const taken = await sql`update user_two_step set last_used_step = ${step}
                              where user_id = ${userId} and (last_used_step is null or last_used_step < ${step}) returning user_id`;
      return taken.length ? 'ok' : 'used';
    }
    const hash = tokenHash(normaliseRecoveryCode(code));
    const used = await sql`update user_recovery_codes set used_at = now()
                           where user_id = ${userId} and code_hash = ${hash} and used_at is null returning user_id`;
    if (used.length) return 'ok';
    const [spent] = await sql`select 1 from user_recovery_codes where user_id = ${userId} and code_hash = ${hash}`;
    return spent ? 'used' : 'wrong';
  }

  return {
    checkCode,

    async status(userId: number): Promise<TwoStepStatus> {
      const current = await row(userId);
      const [{ left }] = await sql<{ left: number }[]>`
        select count(*)::int as left from user_recovery_codes where user_id = ${userId} and used_at is null`;
      return { enabled: Boolean(current?.enabled_at), pending: Boolean(current && !current.enabled_at), recoveryCodesLeft: current?.enabled_at ? left : 0 };
    },

    async isEnabled(userId: number): Promise<boolean> {
      return Boolean((await row(userId))?.enabled_at);
    },

    /** A new secret, pending until confirmed; starting again replaces a pending one (a QR code scanned wrong). */
    async beginSetup(user: { id: number; email: string }): Promise<{ secret: string; otpauthUri: string; qrSvg: string }> {
      if ((await row(user.id))?.enabled_at) throw conflict('Two-step sign-in is already on. Turn it off first to set up a new app.', 'two_step_on');
      const secret = base32Encode(randomBytes(20)); // 160 bits, the size RFC 4226 recommends for HMAC-SHA1
      await sql`insert into user_two_step (user_id, secret_enc) values (${user.id}, ${box.seal(secret, owner(user.id))})
                on conflict (user_id) do update set secret_enc = excluded.secret_enc, last_used_step = null, created_at = now()
                where user_two_step.enabled_at is null`;
      const uri = otpauthUri(options.issuer, user.email, secret);
      // Scanned by the phone's camera: typing 32 characters into an app is where set-ups go wrong.
      const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return { secret, otpauthUri: uri, qrSvg };
    },

    /** The first right code turns it on; the recovery codes are returned this once and kept only as hashes. */
    async confirmSetup(userId: number, code: string): Promise<string[]> {
      const current = await row(userId);
      if (!current) throw new AppError(409, 'no_setup', 'Start the set-up first: the server has no pending secret for you.');
      if (current.enabled_at) throw conflict('Two-step sign-in is already on.', 'two_step_on');
      const step = matchTotp(readSecret(userId, current.secret_enc), code, nowSeconds());
      if (step === undefined) throw new AppError(400, 'wrong_code', 'That code is not right. Check the time on your phone and enter the code the app shows now.');
      return sql.begin(async (tx) => {
        const turnedOn = await tx`update user_two_step set enabled_at = now(), last_used_step = ${step}
                                  where user_id = ${userId} and enabled_at is null returning user_id`;
        if (!turnedOn.length) throw conflict('Two-step sign-in is already on.', 'two_step_on');
        return replaceRecoveryCodes(tx as unknown as Sql, userId);
      }) as Promise<string[]>;
    },

    async regenerateRecoveryCodes(userId: number): Promise<string[]> {
      if (!(await row(userId))?.enabled_at) throw new AppError(409, 'two_step_off', 'Two-step sign-in is off: there are no recovery codes to replace.');
      return sql.begin((tx) => replaceRecoveryCodes(tx as unknown as Sql, userId)) as Promise<string[]>;
    },

    /** Turns it off (by the person, or an admin's reset): secret, recovery codes and waiting challenges go. Whether it was there. */
    async remove(userId: number): Promise<boolean> {
      return removeTwoStep(sql, userId);
    },

    /** After a right password: a token for the code step. Only its sha256 is stored, as for sessions. */
    async createChallenge(userId: number, ttlSeconds = CHALLENGE_TTL_SECONDS): Promise<{ challenge: string; expiresAt: Date }> {
      const challenge = randomBytes(32).toString('base64url');
      // Stale challenges are swept here, where new ones are made, instead of by a timer.
      await sql`delete from login_challenges where expires_at < now()`;
      const [made] = await sql<{ expires_at: Date }[]>`
        insert into login_challenges (token_hash, user_id, expires_at)
        values (${tokenHash(challenge)}, ${userId}, now() + make_interval(secs => ${ttlSeconds})) returning expires_at`;
      return { challenge, expiresAt: made.expires_at };
    },

    /**
     * The user a challenge and code sign in, or an error saying why not (401; 429 while the account is locked after
     * too many wrong codes). Each try is counted before the code is checked, so parallel guesses cannot exceed the
     * limit; the challenge is deleted when used or worn out.
     */
    async verifyChallenge(challenge: string, code: string): Promise<number> {
      const hash = tokenHash(challenge);
      const [attempt] = await sql<{ user_id: number; attempts: number }[]>`
        update login_challenges set attempts = attempts + 1
        where token_hash = ${hash} and expires_at > now() and attempts < ${MAX_CODE_ATTEMPTS}
        returning user_id, attempts`;
      if (!attempt) throw signInError('challenge_expired', 'This sign-in has expired or was already used. Enter your email and password again.');
      const userId = Number(attempt.user_id);
      const window = sql`failed_since > now() - make_interval(mins => ${ACCOUNT_LOCK_MINUTES})`;
      const [locked] = await sql`select 1 from user_two_step where user_id = ${userId} and failed_codes >= ${MAX_ACCOUNT_FAILURES} and ${window}`;
      if (locked) {
        throw new AppError(429, 'two_step_locked', `Too many wrong codes for this account. Try again in ${ACCOUNT_LOCK_MINUTES} minutes, or ask an admin.`);
      }
      const result = await checkCode(userId, code);
      if (result === 'ok') {
        const claimed = await sql`delete from login_challenges where token_hash = ${hash} returning user_id`;
        if (!claimed.length) throw signInError('challenge_expired', 'This sign-in was already used. Enter your email and password again.');
        await sql`update user_two_step set failed_codes = 0, failed_since = null where user_id = ${userId}`;
        return userId;
      }
      // Counted in a window that starts with the first failure: older failures are forgotten.
      await sql`update user_two_step set
                  failed_codes = case when ${window} then failed_codes + 1 else 1 end,
                  failed_since = case when ${window} then failed_since else now() end
                where user_id = ${userId}`;
      const left = MAX_CODE_ATTEMPTS - attempt.attempts;
      if (left <= 0) {
        await sql`delete from login_challenges where token_hash = ${hash}`;
        throw signInError('too_many_attempts', 'Too many wrong codes. Enter your email and password again.');
      }
      if (result === 'used') throw signInError('code_used', `That code was already used. Wait for the next code in your app (${left} ${left === 1 ? 'try' : 'tries'} left).`);
      throw signInError('wrong_code', `That code is not right (${left} ${left === 1 ? 'try' : 'tries'} left).`);
    },
  };
}
export type TwoStepService = ReturnType<typeof twoStepService>;
