// Hardening of the ways into an account, on a real server: turning two-step sign-in on asks for the current
// password, the sign-in events are in the audit log (never naming an address that has no account), and one email
// address spelled in two Unicode forms is one account.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { authenticator } from '../support/authenticator.ts';
import { agentWithOwnPassword, signInCode, signInPassword } from '../support/sign-in.ts';
import { MAX_WRONG_PASSWORDS } from '../../server/services/login-throttle.ts';
import { MAX_ACCOUNT_FAILURES, MAX_CODE_ATTEMPTS } from '../../server/services/two-step.ts';
import { AccessError, addAdmin, resetAccess } from '../../server/services/owner-access.ts';
import { tokenHash } from '../../server/services/auth-service.ts';

let stack: TestStack;
let admin: { cookie: string; user: { id: number } };
beforeAll(async () => {
  // Many sign-ins from one address: the per-address limit is not what this file tests.
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 1000 } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => stack?.close());

const PASSWORD = 'account-security-1';
let people = 0;
/** A new agent who has already chosen PASSWORD (as if past the first sign-in's change), signed in. */
const newAgent = (email = `security.${++people}@example.com`) => agentWithOwnPassword(stack, admin, { email, name: `Security ${people}`, password: PASSWORD });
const passwordStep = (email: string, password: string) => signInPassword(stack.url, email, password);
const verify = (challenge: string, code: string) => signInCode(stack.url, challenge, code);

interface AuditItem { id: number; actor: string | null; action: string; target: string | null; details: Record<string, unknown> }
/** The audit log as the console's audit page reads it, oldest first. */
async function auditLog(): Promise<AuditItem[]> {
  const answer = await httpAs(stack.url, 'GET', '/api/admin/audit-log?limit=500', admin);
  expect(answer.status).toBe(200);
  return (answer.json.items as AuditItem[]).reverse();
}
const about = (items: AuditItem[], userId: number) => items.filter((item) => item.target === `user:${userId}`);
const LOCAL = /^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/;

describe('turning two-step sign-in on', () => {
  it('asks for the current password: a session alone (one left open, or taken) cannot tie the account to another phone', async () => {
    const agent = await newAgent();
    const setup = await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', agent.session);
    expect(setup.status).toBe(200);
    const phone = authenticator(setup.json.secret);
    const code = phone.next();

    const without = await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, { code });
    expect(without.status).toBe(400);
    const wrong = await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, { code, password: 'not-the-password' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.code).toBe('wrong_password');
    expect(wrong.json.recoveryCodes).toBeUndefined();
    // Nothing changed: still pending, the password alone still signs in.
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json).toEqual({ enabled: false, pending: true, recoveryCodesLeft: 0 });
    expect((await passwordStep(agent.email, PASSWORD)).json.token).toBeTruthy();

    // The password was checked before the code: the same code still confirms with the right password.
    const confirmed = await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, { code, password: PASSWORD });
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.recoveryCodes).toHaveLength(10);
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json.enabled).toBe(true);
  });
});

describe('the audit log of sign-ins and account security', () => {
  it('records a set-up started, sign-ins (password, two-step), a wrong password, a password change and a sign-out, with the address', async () => {
    const agent = await newAgent();
    const setup = await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', agent.session);
    expect((await passwordStep(agent.email, 'wrong-password-1')).status).toBe(401);
    expect((await httpAs(stack.url, 'POST', '/api/auth/password', agent.session, { currentPassword: PASSWORD, newPassword: 'a-new-password-2' })).status).toBe(200);
    const phone = authenticator(setup.json.secret);
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, { code: phone.next(), password: 'a-new-password-2' })).status).toBe(200);
    const challenge = await passwordStep(agent.email, 'a-new-password-2');
    const signedIn = await verify(challenge.json.challenge, phone.next());
    expect(signedIn.status).toBe(200);
    expect((await httpAs(stack.url, 'POST', '/api/auth/logout', { cookie: `sd_session=${signedIn.json.token}` })).status).toBe(200);

    const entries = about(await auditLog(), agent.id);
    expect(entries.map((e) => e.action)).toEqual([
      'team.create', 'auth.sign_in', 'two_step.setup', 'auth.sign_in_failed', 'account.password_change', 'two_step.enable', 'auth.sign_in', 'auth.logout',
    ]);
    const named = (action: string) => entries.filter((e) => e.action === action);
    expect(named('auth.sign_in').map((e) => e.details.how)).toEqual(['password', 'two_step']);
    // Done by the account's holder: they are the actor. A failed sign-in is by no one known: no actor, the account named.
    for (const action of ['auth.sign_in', 'two_step.setup', 'account.password_change', 'auth.logout']) {
      for (const entry of named(action)) expect(entry.actor).toBe(`Security ${people}`);
    }
    expect(named('auth.sign_in_failed')[0]).toMatchObject({ actor: null, details: { email: agent.email } });
    for (const entry of entries.filter((e) => e.action !== 'team.create' && e.action !== 'two_step.enable')) {
      expect(String(entry.details.address)).toMatch(LOCAL);
    }
    // No password, right or wrong, is ever in it.
    expect(JSON.stringify(entries)).not.toMatch(/wrong-password-1|a-new-password-2|account-security-1/);
  });

  it('never records an address typed for no account', async () => {
    const before = (await auditLog()).length;
    const typed = `nobody.${Date.now()}@example.com`;
    expect((await passwordStep(typed, 'some-password-1')).status).toBe(401);
    expect((await passwordStep(typed.toUpperCase(), 'some-password-1')).status).toBe(401);
    const after = await auditLog();
    expect(after.length).toBe(before);
    expect(JSON.stringify(after).toLowerCase()).not.toContain(typed);
    // A known address with a wrong password is recorded, by its stored spelling, however it was typed.
    const agent = await newAgent();
    expect((await passwordStep(`  ${agent.email.toUpperCase()}`, 'some-password-1')).status).toBe(401);
    expect(about(await auditLog(), agent.id).at(-1)).toMatchObject({ action: 'auth.sign_in_failed', actor: null, details: { email: agent.email } });
  });

  it('records the wrong password that locks an account once, not every refusal while it is locked', async () => {
    const agent = await newAgent();
    for (let i = 1; i <= MAX_WRONG_PASSWORDS; i++) expect((await passwordStep(agent.email, `wrong-password-${i}`)).status).toBe(401);
    expect((await passwordStep(agent.email, PASSWORD)).status).toBe(429);
    expect((await passwordStep(agent.email, 'wrong-again-1')).status).toBe(429);
    const entries = about(await auditLog(), agent.id);
    expect(entries.filter((e) => e.action === 'auth.sign_in_failed')).toHaveLength(MAX_WRONG_PASSWORDS);
    const locks = entries.filter((e) => e.action === 'auth.locked');
    expect(locks).toHaveLength(1);
    expect(locks[0]).toMatchObject({ actor: null, details: { email: agent.email, minutes: 15 } });
    expect(String(locks[0].details.address)).toMatch(LOCAL);
    // The lock came with the last wrong password, after it.
    expect(entries.at(-1)!.action).toBe('auth.locked');
  });

  it('records a code refused because the account is locked after too many wrong codes', async () => {
    const agent = await newAgent();
    const setup = await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', agent.session);
    const phone = authenticator(setup.json.secret);
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, { code: phone.next(), password: PASSWORD })).status).toBe(200);
    for (let wrong = 0; wrong < MAX_ACCOUNT_FAILURES; wrong += MAX_CODE_ATTEMPTS) {
      const { json } = await passwordStep(agent.email, PASSWORD);
      for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) expect((await verify(json.challenge, phone.wrong())).status).toBe(401);
    }
    expect(about(await auditLog(), agent.id).some((e) => e.action === 'two_step.locked')).toBe(false);
    const { json } = await passwordStep(agent.email, PASSWORD);
    const refused = await verify(json.challenge, phone.next());
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('two_step_locked');
    const last = about(await auditLog(), agent.id).at(-1)!;
    expect(last).toMatchObject({ action: 'two_step.locked', actor: null });
    expect(String(last.details.address)).toMatch(LOCAL);
  });
});

describe('one email address in two Unicode forms', () => {
  const composed = (n: number) => `\u00e9mile.${n}@example.com`; // é as one character (NFC)
  const decomposed = (n: number) => `e\u0301mile.${n}@example.com`; // e and a combining acute accent (NFD)

  it('is one account: the second form is refused, stored in the composed form, and signs in with either', async () => {
    const first = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email: composed(1), name: 'Emile One', role: 'agent', password: PASSWORD });
    expect(first.status).toBe(201);
    const again = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email: decomposed(1), name: 'Emile Again', role: 'agent', password: PASSWORD });
    expect(again.status).toBe(409);
    const upper = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email: decomposed(1).toUpperCase(), name: 'Emile Upper', role: 'agent', password: PASSWORD });
    expect(upper.status).toBe(409);

    // Typed decomposed, stored composed: the other way round is refused too.
    const second = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email: decomposed(2), name: 'Emile Two', role: 'agent', password: PASSWORD });
    expect(second.status).toBe(201);
    expect(second.json.member.email).toBe(composed(2));
    expect((await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email: composed(2), name: 'Emile Three', role: 'agent', password: PASSWORD })).status).toBe(409);
    const [{ n }] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from users where email like '%mile.%@example.com'`;
    expect(n).toBe(2);

    for (const spelling of [composed(2), decomposed(2)]) {
      expect((await passwordStep(spelling, PASSWORD)).json.user?.id).toBe(second.json.member.id);
    }
  });

  it('counts wrong passwords for either form against the one account', async () => {
    const agent = await newAgent(composed(3));
    for (let i = 1; i <= MAX_WRONG_PASSWORDS; i++) {
      expect((await passwordStep(i % 2 ? composed(3) : decomposed(3), `wrong-password-${i}`)).status).toBe(401);
    }
    expect((await passwordStep(decomposed(3), PASSWORD)).status).toBe(429);
    expect(about(await auditLog(), agent.id).filter((e) => e.action === 'auth.locked')).toHaveLength(1);
  });

  it('still finds an account stored before addresses were normalised, by the spelling it was stored with', async () => {
    const [legacy] = await stack.env.sql<{ id: number }[]>`
      insert into users (email, name, role, password_hash)
      select ${decomposed(4)}, 'Emile Legacy', 'agent', password_hash from users where id = ${admin.user.id} returning id`;
    expect((await passwordStep(decomposed(4), stack.admin.password)).json.user?.id).toBe(legacy.id);
    // …by the normalised spelling too, and no second account can be made for it (both compared normalised).
    expect((await passwordStep(composed(4), stack.admin.password)).json.user?.id).toBe(legacy.id);
    expect((await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email: composed(4), name: 'Emile Twin', role: 'agent', password: PASSWORD })).status).toBe(409);
  });

  it('checks a signed-in person\'s current password against their own account, even where an older install holds both spellings', async () => {
    // Two accounts an install made before normalising: the legacy one (decomposed) signs in and changes its password.
    const [legacy] = await stack.env.sql<{ id: number }[]>`
      insert into users (email, name, role, password_hash)
      select ${decomposed(16)}, 'Emile Legacy Sixteen', 'agent', password_hash from users where id = ${admin.user.id} returning id`;
    const twin = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email: `twin.${decomposed(16)}`, name: 'Emile Twin Sixteen', role: 'agent', password: PASSWORD });
    expect(twin.status).toBe(201);
    await stack.env.sql`update users set email = ${composed(16)}, must_change_password = false where id = ${twin.json.member.id}`;
    // A sign-in by address now finds the composed account; the legacy owner's session (from before) is inserted.
    expect((await passwordStep(decomposed(16), PASSWORD)).json.user?.id).toBe(twin.json.member.id);
    const token = 'legacy-session-token-'.padEnd(43, 'x');
    await stack.env.sql`insert into user_sessions (token_hash, user_id, expires_at) values (${tokenHash(token)}, ${legacy.id}, now() + interval '1 hour')`;
    const asLegacy = { cookie: `sd_session=${token}` };
    // The other account's password must not pass for this one; its own must.
    expect((await httpAs(stack.url, 'POST', '/api/auth/password', asLegacy, { currentPassword: PASSWORD, newPassword: 'legacy-new-pass-1' })).status).toBe(400);
    expect((await httpAs(stack.url, 'POST', '/api/auth/password', asLegacy, { currentPassword: stack.admin.password, newPassword: 'legacy-new-pass-1' })).status).toBe(200);
  });

  it('is one account for the shell too (npm run account: add-admin and reset)', async () => {
    const existing = await newAgent(composed(5));
    await expect(addAdmin(stack.env.sql, { email: decomposed(5) })).rejects.toThrow(AccessError);
    const reset = await resetAccess(stack.env.sql, decomposed(5));
    expect(reset.id).toBe(existing.id);
    const made = await addAdmin(stack.env.sql, { email: decomposed(6) });
    const [row] = await stack.env.sql<{ email: string }[]>`select email from users where id = ${made.id}`;
    expect(row.email).toBe(composed(6));
  });
});
