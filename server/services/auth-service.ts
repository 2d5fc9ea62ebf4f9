// Agent and admin sign-in. Passwords are hashed with argon2id; a session is a
// random token whose sha256 is stored, so a leaked table grants nothing, and
// logout or deactivation revokes it at once.
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Sql } from '../db/client.ts';
import { sessionsRepository, usersRepository, type PublicUser } from '../repositories/users.ts';
import { badRequest, unauthorized } from '../errors.ts';

export const SESSION_COOKIE = 'sd_session';

export const hashPassword = (password: string) => hash(password);

/**
 * Whoever a session belongs to, and whether they must choose their own password before anything else (an admin set
 * the current one: creating the account or resetting it). plugins/auth.ts and the /agent handshake enforce it.
 */
export type SessionUser = PublicUser & { must_change_password: boolean };

/** The answer while the password an admin set is still theirs: one sentence, for every route and the socket. */
export const PASSWORD_CHANGE_REQUIRED = 'password_change_required';
export const passwordChangeRequiredMessage = 'Choose your own password first: the one you signed in with was set by an admin.';

/** The hex sha256 stored in place of a token (sessions, invitations, sign-in challenges): the token itself never is. */
export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

// Verifying against a fixed hash when the email is unknown keeps the timing of
// "no such user" and "wrong password" alike.
let dummyHash: Promise<string> | undefined;

export function authService(sql: Sql, ttlHours: number) {
  const users = usersRepository(sql);
  const sessions = sessionsRepository(sql);
  return {
    /** The account a right email and password belong to; the same refusal for every way of being wrong. */
    async checkPassword(email: string, password: string): Promise<PublicUser> {
      const user = await users.findByEmail(email);
      dummyHash ??= hash('not-a-real-password');
      const ok = await verify(user?.password_hash ?? (await dummyHash), password).catch(() => false);
      if (!user || !ok || !user.active) throw unauthorized('Wrong email or password.');
      const { password_hash: _omit, ...publicUser } = user;
      return publicUser;
    },
    /** A new session for someone who proved who they are (a password, and a code when two-step sign-in is on). */
    async startSession(user: PublicUser): Promise<{ token: string; user: PublicUser }> {
      const token = randomBytes(32).toString('base64url');
      await sessions.create(tokenHash(token), user.id, ttlHours);
      // An agent's sign-in with no console of theirs open starts a shift: online. A reload, a new tab or a reconnect
      // restores what they last chose instead (gateway), and one with a console open adopts that console's presence.
      // An admin's sign-in restores their last choice too: admins often sign in to edit articles or read reports, and
      // one who went Away for that should not be handed chats at every sign-in.
      await sql`update users set presence_choice = 'online' where id = ${user.id} and presence = 'offline' and role <> 'admin'`;
      return { token, user };
    },
    /** Someone who may still sign in (between the password and the code an admin may have deactivated them). */
    async activeUser(userId: number): Promise<PublicUser | undefined> {
      const user = await users.findById(userId);
      return user?.active ? user : undefined;
    },
    async userForToken(token: string | undefined): Promise<SessionUser | undefined> {
      if (!token || token.length > 200) return undefined;
      return sessions.findUser(tokenHash(token));
    },
    /** Whether their current password was set by an admin (the sign-in answer says so, as /api/auth/me does). */
    async mustChangePassword(userId: number): Promise<boolean> {
      const [row] = await sql<{ must_change_password: boolean }[]>`select must_change_password from users where id = ${userId}`;
      return row?.must_change_password ?? false;
    },
    /** Ends one session; returns its hash, for closing the sockets opened with it (realtime.disconnectSessions). */
    async logout(token: string): Promise<string[]> {
      const hash = tokenHash(token);
      await sessions.delete(hash);
      return [hash];
    },
    /**
     * Sets a new password and ends the user's sessions, but for `keepToken` (the session that changed its own
     * password): whoever else was signed in with the old one is signed out. A password set by an admin
     * (`setByAdmin`) must be replaced by one of their own at their next sign-in; one they chose clears that.
     * A sign-in waiting for its two-step code was started with the old password, so it is cancelled too.
     * Returns the ended sessions' hashes, for closing their sockets (realtime.disconnectSessions).
     */
    async setPassword(userId: number, password: string, options: { keepToken?: string; setByAdmin: boolean }): Promise<string[]> {
      await sql`update users set password_hash = ${await hashPassword(password)}, must_change_password = ${options.setByAdmin} where id = ${userId}`;
      await sql`delete from login_challenges where user_id = ${userId}`;
      return this.endSessions(userId, options.keepToken);
    },
    /**
     * Signs someone out everywhere, but for `keepToken` (the session that made the change, when it is theirs).
     * Returns the ended sessions' hashes: the caller closes their sockets (realtime.disconnectSessions).
     */
    async endSessions(userId: number, keepToken?: string): Promise<string[]> {
      const ended = await sql<{ token_hash: string }[]>`
        delete from user_sessions where user_id = ${userId} ${keepToken ? sql`and token_hash <> ${tokenHash(keepToken)}` : sql``}
        returning token_hash`;
      return ended.map((row) => row.token_hash);
    },
    /** A signed-in person proving it is them (changing their password, turning two-step sign-in off): a 400 if wrong. */
    async requireCurrentPassword(user: PublicUser, password: string): Promise<void> {
      // The signed-in person's own row, by id: an address can find another account (two spellings on an older install).
      const [row] = await sql<{ password_hash: string }[]>`select password_hash from users where id = ${user.id}`;
      const ok = row ? await verify(row.password_hash, password).catch(() => false) : false;
      if (!ok) throw badRequest('The current password is wrong.', 'wrong_password');
    },
    /** Returns the hashes of the other sessions it ended, for closing their sockets. */
    async changeOwnPassword(user: PublicUser, token: string, current: string, next: string): Promise<string[]> {
      await this.requireCurrentPassword(user, current);
      if (current === next) throw badRequest('The new password must differ from the current one.', 'same_password');
      return this.setPassword(user.id, next, { keepToken: token, setByAdmin: false });
    },
  };
}
export type AuthService = ReturnType<typeof authService>;
