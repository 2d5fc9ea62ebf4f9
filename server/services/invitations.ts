// Invitations by email (migration 034): an admin adds a team member and the member chooses their own password from a
// link, instead of the admin choosing one and passing it on. The link carries a random token in its hash part
// (`/console/invite#token=…`: browsers send neither the hash to the server nor in a Referer, so it stays out of logs);
// only the token's sha256 is stored, it works once and for 7 days. Until they accept, the member's password hash is
// that of a random secret nobody knows, so no password signs them in.
//
// A (re)send first stores and emails the new token and only then deletes the member's earlier unused ones: a mail
// server that refuses the email leaves the link they already have working.
import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/client.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { hashPassword, tokenHash } from './auth-service.ts';
import { createMailer, emailEnabled, senderAddress, smtpErrorText, type Mailer } from './mailer.ts';
import { invitationEmail, type InvitationLanguage } from './invitation-email.ts';
import { loadWidgetSettings, shopIdentity } from './widget-settings.ts';

export const INVITATION_DAYS = 7;

/** Where the emailed link leads: the console's public invitation page, the token after `#`. */
export const acceptUrl = (publicUrl: string, token: string) => `${publicUrl.replace(/\/+$/, '')}/console/invite#token=${token}`;

/** A password hash no password matches (argon2 of 32 random bytes, so a sign-in attempt takes the usual time). */
export const unusablePasswordHash = () => hashPassword(randomBytes(32).toString('base64url'));

// One sentence each: the page shows it as it is.
const invalid = () => new AppError(400, 'invitation_invalid', 'This invitation link is no longer valid (a newer invitation replaced it, or an admin set a password for this account): open the latest email, or ask an admin.');
const used = () => new AppError(410, 'invitation_used', 'This invitation was already used: sign in with the password you chose.');
const expired = () => new AppError(410, 'invitation_expired', 'This invitation has expired: ask an admin to send a new one.');

interface InvitationRow { id: number; user_id: number; expires_at: Date; used_at: Date | null; active: boolean; email: string; name: string }

export interface Invitee { id: number; email: string; name: string; role: 'agent' | 'admin' }

export function invitationsService(sql: Sql, config: Config) {
  let mailer: Mailer | undefined;

  /** The invitation a token belongs to, when it may still be accepted; otherwise the refusal that says why. */
  async function usable(token: string, query: Sql = sql, lock = false): Promise<InvitationRow> {
    const [row] = await query<InvitationRow[]>`
      select i.id, i.user_id, i.expires_at, i.used_at, u.active, u.email, u.name
      from invitations i join users u on u.id = i.user_id
      where i.token_hash = ${tokenHash(token)} ${lock ? query`for update of i` : query``}`;
    if (!row || !row.active) throw invalid();
    if (row.used_at) throw used();
    if (row.expires_at.getTime() <= Date.now()) throw expired();
    return row;
  }

  return {
    enabled: () => emailEnabled(config),

    /**
     * Stores a new token for `member` and emails its link; once it is sent, their earlier links stop working.
     * A refused email is a 502 with the mail server's reason (the new token is then never known to anyone).
     */
    async send(member: Invitee, inviter: { id: number; name: string }, language: InvitationLanguage): Promise<{ expiresAt: Date }> {
      if (!emailEnabled(config)) throw new AppError(400, 'email_off', 'Invitations need outgoing email (SMTP_URL): set a password for them instead.');
      const token = randomBytes(32).toString('base64url');
      const [row] = await sql<{ id: number; expires_at: Date }[]>`
        insert into invitations (user_id, token_hash, expires_at, created_by)
        values (${member.id}, ${tokenHash(token)}, now() + make_interval(days => ${INVITATION_DAYS}), ${inviter.id})
        returning id, expires_at`;
      const shop = shopIdentity(await loadWidgetSettings(sql), config);
      const email = await invitationEmail({
        shopName: shop.shopName, memberName: member.name, inviterName: inviter.name, role: member.role,
        acceptUrl: acceptUrl(config.publicUrl, token), expiresAt: row.expires_at,
      }, language);
      try {
        // From the shop's name set in the console (else SHOP_NAME), as the subject names it and the shoppers' emails do.
        await (mailer ??= createMailer(config)).send({ from: senderAddress({ ...config, shopName: shop.shopName }), to: member.email, ...email });
      } catch (error) {
        throw new AppError(502, 'email_failed', `The invitation email could not be sent (${smtpErrorText(error)}): try again with Resend.`);
      }
      await sql`delete from invitations where user_id = ${member.id} and used_at is null and id <> ${row.id}`;
      return { expiresAt: row.expires_at };
    },

    /** Who an invitation link is for (the page greets them and fills the email for password managers). */
    async inspect(token: string): Promise<{ email: string; name: string }> {
      const row = await usable(token);
      return { email: row.email, name: row.name };
    },

    /**
     * The member chooses their password: the invitation is used up, the password set (chosen by them, so not to be
     * changed again), any session they had ended. Returns their user id, to sign them in.
     */
    async accept(token: string, password: string): Promise<number> {
      await usable(token); // cheap refusals before the deliberate cost of hashing
      const passwordHash = await hashPassword(password);
      return sql.begin(async (tx) => {
        // Locked: two tabs accepting the same link at once set one password.
        const row = await usable(token, tx as unknown as Sql, true);
        await tx`update invitations set used_at = now() where id = ${row.id}`;
        await tx`delete from invitations where user_id = ${row.user_id} and used_at is null`;
        await tx`update users set password_hash = ${passwordHash}, must_change_password = false where id = ${row.user_id}`;
        await tx`delete from user_sessions where user_id = ${row.user_id}`;
        // A sign-in waiting for its two-step code was started with the old password: it must not finish now.
        await tx`delete from login_challenges where user_id = ${row.user_id}`;
        return row.user_id;
      });
    },

    /** Their links stop working (an admin set a password for them instead). */
    async cancelPending(userId: number): Promise<void> {
      await sql`delete from invitations where user_id = ${userId} and used_at is null`;
    },

    /** For the team list: who is invited and not yet accepted, and who must still choose their own password. */
    async accessStates(): Promise<Map<number, { invited: boolean; invitationExpired: boolean; mustChangePassword: boolean }>> {
      const rows = await sql<{ id: number; invited: boolean; live: boolean; must_change_password: boolean }[]>`
        select u.id, u.must_change_password,
               exists (select 1 from invitations i where i.user_id = u.id and i.used_at is null) as invited,
               exists (select 1 from invitations i where i.user_id = u.id and i.used_at is null and i.expires_at > now()) as live
        from users u`;
      return new Map(rows.map((r) => [r.id, { invited: r.invited, invitationExpired: r.invited && !r.live, mustChangePassword: r.must_change_password }]));
    },

    close: () => mailer?.close(),
  };
}
export type InvitationsService = ReturnType<typeof invitationsService>;
