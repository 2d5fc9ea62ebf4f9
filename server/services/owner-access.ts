// Ways into the console that do not need the console: the first admin of a real shop (started with SEED_DEMO=false,
// so no demo admin exists) and an admin who lost their password or their two-step phone when no other admin can
// reset it. Run from the server's shell (`npm run account`, server/db/account-cli.ts): whoever has that shell has the
// database anyway, so this opens nothing new. Every use is written to the audit log with no actor ("from the shell").
import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/client.ts';
import { hashPassword } from './auth-service.ts';
import { removeTwoStep } from './two-step.ts';
import { recordAudit } from './audit-log.ts';
import { normalisedEmail, usersRepository } from '../repositories/users.ts';

export class AccessError extends Error {}

/** A password shown once on the shell: 16 random bytes, typed rarely (it is meant to be changed under Account). */
const newPassword = () => randomBytes(16).toString('base64url');
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function hasActiveAdmin(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from users where role = 'admin' and active`;
  return row.n > 0;
}

/** A new admin account; its password is returned to be shown once. */
export async function addAdmin(sql: Sql, input: { email: string; name?: string }): Promise<{ id: number; password: string }> {
  const email = normalisedEmail(input.email);
  if (!EMAIL.test(email) || email.length > 254) throw new AccessError(`"${input.email}" is not an email address.`);
  const name = (input.name?.trim() || email.split('@')[0]).slice(0, 100);
  const users = usersRepository(sql);
  if (await users.findByEmail(email)) throw new AccessError(`An account with the email ${email} exists already: use "reset" for it.`);
  const password = newPassword();
  const created = await users.create({ email, name, role: 'admin', passwordHash: await hashPassword(password), capacity: 0 });
  await recordAudit(sql, null, 'team.create', `user:${created.id}`, { role: 'admin', via: 'shell' });
  return { id: created.id, password };
}

/**
 * A new password for someone locked out, their sessions ended (whoever holds them may be why), and on request their
 * two-step sign-in turned off (a lost phone with no recovery codes). A deactivated account is activated again only
 * when asked: an admin may have deactivated it on purpose.
 *
 * Unlike a reset from the team page, the printed password is not one they must replace at sign-in, unless asked
 * (`mustChange`, for a password the shell's user passes on to someone else): the usual case is the owner getting back
 * into their own account, and whoever has the shell is trusted with the database anyway. Any pending invitation
 * link is cancelled: the account has a password now.
 */
export async function resetAccess(sql: Sql, emailInput: string, options: { twoStepOff?: boolean; activate?: boolean; mustChange?: boolean } = {}): Promise<{ id: number; password: string; twoStepRemoved: boolean; activated: boolean }> {
  const user = await usersRepository(sql).findByEmail(emailInput);
  if (!user) throw new AccessError(`No account has the email ${normalisedEmail(emailInput)}.`);
  if (!user.active && !options.activate) throw new AccessError('This account is deactivated: add --activate to let it sign in again.');
  const password = newPassword();
  await sql.begin(async (tx) => {
    await tx`update users set password_hash = ${await hashPassword(password)}, active = true, must_change_password = ${options.mustChange ?? false} where id = ${user.id}`;
    // No gateway runs in this shell process: the sessions' open consoles are closed by the servers' periodic check
    // of their sockets' sessions (gateway.ts, disconnectEndedSessions).
    await tx`delete from user_sessions where user_id = ${user.id}`;
    // A sign-in waiting for its two-step code was started with the old password: it must not finish with the new one.
    await tx`delete from login_challenges where user_id = ${user.id}`;
    await tx`delete from invitations where user_id = ${user.id} and used_at is null`;
  });
  const twoStepRemoved = options.twoStepOff ? await removeTwoStep(sql, user.id) : false;
  const activated = !user.active;
  await recordAudit(sql, null, 'team.access_reset', `user:${user.id}`, { via: 'shell', password: 'reset', ...(twoStepRemoved ? { twoStep: 'off' } : {}), ...(activated ? { activated } : {}), ...(options.mustChange ? { mustChange: true } : {}) });
  return { id: user.id, password, twoStepRemoved, activated };
}
