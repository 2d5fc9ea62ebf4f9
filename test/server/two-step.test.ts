// Two-step sign-in over HTTP on a real server: turning it on, signing in with a code or a recovery code, the
// limits on challenges and codes, turning it off, and an admin's reset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { authenticator as app } from '../support/authenticator.ts';
import { agentWithOwnPassword, signInCode, signInPassword } from '../support/sign-in.ts';
import { secretBox } from '../../server/services/secret-box.ts';
import sharp from 'sharp';
import jsQR from 'jsqr';

/** Rasterises an SVG QR code (sharp's librsvg) and decodes it (jsQR). */
async function readQr(svg: string): Promise<string | undefined> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 300 }).flatten({ background: '#ffffff' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height)?.data;
}

let stack: TestStack;
let admin: { cookie: string; user: { id: number } };
beforeAll(async () => {
  // Many sign-ins from one address in this file: the per-address limit is tested on a stack of its own below.
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 1000 } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => stack?.close());

const PASSWORD = 'a-good-password-1';
let people = 0;
const newAgent = () => agentWithOwnPassword(stack, admin, { email: `two.step.${++people}.${Date.now()}@example.com`, name: `Two Step ${people}`, password: PASSWORD });

/** An agent with two-step sign-in on: their app and recovery codes. */
async function enrolledAgent() {
  const agent = await newAgent();
  const setup = await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', agent.session);
  expect(setup.status).toBe(200);
  const phone = app(setup.json.secret);
  const confirmed = await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, { code: phone.next(), password: PASSWORD });
  expect(confirmed.status).toBe(200);
  return { ...agent, phone, recoveryCodes: confirmed.json.recoveryCodes as string[] };
}

const passwordStep = (email: string, password = PASSWORD) => signInPassword(stack.url, email, password);
const verify = (challenge: string, code: string) => signInCode(stack.url, challenge, code);

const sessionCookie = (cookies: string[]) => cookies.find((c) => c.startsWith('sd_session='))?.split(';')[0];

describe('turning two-step sign-in on', () => {
  it('keeps the secret pending until a right code confirms it, then shows 10 recovery codes once', async () => {
    const agent = await newAgent();
    const other = await login(stack.url, agent.email, PASSWORD); // another device, signed out when it is turned on
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json).toEqual({ enabled: false, pending: false, recoveryCodesLeft: 0 });

    const setup = await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', agent.session);
    expect(setup.json.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.json.otpauthUri).toContain(`secret=${setup.json.secret}`);
    expect(setup.json.otpauthUri).toContain(encodeURIComponent(agent.email));
    // The QR code the console shows is that URI: drawn from its SVG and read back by a QR decoder.
    expect(await readQr(setup.json.qrSvg)).toBe(setup.json.otpauthUri);
    // The secret is not in the database in clear.
    const [row] = await stack.env.sql<{ secret_enc: string }[]>`select secret_enc from user_two_step where user_id = ${agent.id}`;
    expect(row.secret_enc).not.toContain(setup.json.secret);
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json).toMatchObject({ enabled: false, pending: true });
    // Pending: the password alone still signs in.
    expect((await passwordStep(agent.email)).json.token).toBeTruthy();

    const phone = app(setup.json.secret);
    const wrong = await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, { code: phone.wrong(), password: PASSWORD });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.code).toBe('wrong_code');
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json.enabled).toBe(false);

    const confirmed = await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, { code: phone.next(), password: PASSWORD });
    expect(confirmed.status).toBe(200);
    const codes: string[] = confirmed.json.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const stored = await stack.env.sql<{ code_hash: string }[]>`select code_hash from user_recovery_codes where user_id = ${agent.id}`;
    expect(stored).toHaveLength(10);
    expect(stored.map((r) => r.code_hash)).not.toContain(codes[0]);
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json).toEqual({ enabled: true, pending: false, recoveryCodesLeft: 10 });

    // This console stays signed in; the other device is signed out.
    expect((await httpAs(stack.url, 'GET', '/api/auth/me', agent.session)).status).toBe(200);
    expect((await httpAs(stack.url, 'GET', '/api/auth/me', other)).status).toBe(401);
    // A second set-up would replace the working secret: refused while it is on.
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', agent.session)).status).toBe(409);
    const team = await httpAs(stack.url, 'GET', '/api/admin/team', admin);
    expect(team.json.items.find((m: { id: number }) => m.id === agent.id).twoStep).toBe(true);
    expect(team.json.items.find((m: { id: number }) => m.id === admin.user.id).twoStep).toBe(false);
  });

  it('refuses a confirmation without a set-up, and malformed codes', async () => {
    const agent = await newAgent();
    const none = await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, { code: '123456', password: PASSWORD });
    expect(none.status).toBe(409);
    expect(none.json.error.code).toBe('no_setup');
    for (const body of [{ code: '12345', password: PASSWORD }, { code: 'abcdef', password: PASSWORD }, {}, { code: '123456' }, { code: '123456', password: PASSWORD, extra: 1 }]) {
      expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.session, body)).status).toBe(400);
    }
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', null)).status).toBe(401);
  });
});

describe('signing in with two-step sign-in on', () => {
  it('answers a challenge and no session for the password; a right code signs in with the usual cookies; the same code is refused again', async () => {
    const agent = await enrolledAgent();
    const first = await passwordStep(agent.email);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ twoStepRequired: true });
    expect(first.json.token).toBeUndefined();
    expect(first.json.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(first.json.expiresAt).getTime()).toBeGreaterThan(Date.now() + 60_000);
    expect(first.cookies).toEqual([]);
    // A wrong password is still just that.
    expect((await passwordStep(agent.email, 'not-the-password')).status).toBe(401);

    const code = agent.phone.next();
    const signedIn = await verify(first.json.challenge, code);
    expect(signedIn.status).toBe(200);
    expect(signedIn.json.user.id).toBe(agent.id);
    const cookie = sessionCookie(signedIn.cookies);
    expect(cookie).toBe(`sd_session=${signedIn.json.token}`);
    expect(signedIn.cookies.some((c) => c.startsWith('sd_signed_in=1'))).toBe(true);
    expect(signedIn.cookies.find((c) => c.startsWith('sd_session='))).toMatch(/HttpOnly/i);
    expect((await httpAs(stack.url, 'GET', '/api/auth/me', { cookie: cookie! })).json.user.email).toBe(agent.email);

    // The challenge is used up, and the code cannot be used for another sign-in.
    expect((await verify(first.json.challenge, agent.phone.next())).json.error.code).toBe('challenge_expired');
    const again = await passwordStep(agent.email);
    const replay = await verify(again.json.challenge, code);
    expect(replay.status).toBe(401);
    expect(replay.json.error.code).toBe('code_used');
    expect(replay.cookies).toEqual([]);
  });

  it('kills a challenge after 5 wrong codes: even the right code is then refused', async () => {
    const agent = await enrolledAgent();
    const { json } = await passwordStep(agent.email);
    for (let i = 1; i <= 4; i++) {
      const wrong = await verify(json.challenge, agent.phone.wrong());
      expect(wrong.status).toBe(401);
      expect(wrong.json.error).toMatchObject({ code: 'wrong_code', message: expect.stringContaining(`${5 - i} tr`) });
    }
    const fifth = await verify(json.challenge, agent.phone.wrong());
    expect(fifth.json.error.code).toBe('too_many_attempts');
    const late = await verify(json.challenge, agent.phone.next());
    expect(late.status).toBe(401);
    expect(late.json.error.code).toBe('challenge_expired');
    expect(late.cookies).toEqual([]);
  });

  it('stops checking codes for an account after 20 wrong ones over several challenges, for 15 minutes', async () => {
    const agent = await enrolledAgent();
    for (let challenge = 0; challenge < 4; challenge++) {
      const { json } = await passwordStep(agent.email);
      for (let i = 0; i < 5; i++) expect((await verify(json.challenge, agent.phone.wrong())).status).toBe(401);
    }
    const code = agent.phone.next();
    const locked = await verify((await passwordStep(agent.email)).json.challenge, code);
    expect(locked.status).toBe(429);
    expect(locked.json.error.code).toBe('two_step_locked');
    expect(locked.cookies).toEqual([]);
    // Fifteen minutes later (moved back in the database rather than waited for), the same code is checked again.
    await stack.env.sql`update user_two_step set failed_since = now() - interval '16 minutes' where user_id = ${agent.id}`;
    expect((await verify((await passwordStep(agent.email)).json.challenge, code)).status).toBe(200);
  });

  it('refuses an expired challenge', async () => {
    const agent = await enrolledAgent();
    const { json } = await passwordStep(agent.email);
    // Five minutes passing, without waiting five minutes.
    await stack.env.sql`update login_challenges set expires_at = now() - interval '1 second' where user_id = ${agent.id}`;
    const expired = await verify(json.challenge, agent.phone.next());
    expect(expired.status).toBe(401);
    expect(expired.json.error.code).toBe('challenge_expired');
  });

  it('takes a recovery code once', async () => {
    const agent = await enrolledAgent();
    const [code] = agent.recoveryCodes;
    const first = await verify((await passwordStep(agent.email)).json.challenge, code.toUpperCase().replace('-', ' '));
    expect(first.status).toBe(200);
    expect(sessionCookie(first.cookies)).toBeTruthy();
    const second = await verify((await passwordStep(agent.email)).json.challenge, code);
    expect(second.status).toBe(401);
    expect(second.json.error.code).toBe('code_used');
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json.recoveryCodesLeft).toBe(9);
  });

  it('validates the verify body', async () => {
    const agent = await enrolledAgent();
    const { json } = await passwordStep(agent.email);
    for (const body of [{}, { challenge: json.challenge }, { code: '123456' }, { challenge: 'short', code: '123456' },
      { challenge: json.challenge, code: '12345' }, { challenge: json.challenge, code: 'x'.repeat(25) },
      { challenge: json.challenge, code: '123456', extra: true }, { challenge: json.challenge, code: '12;456' }]) {
      const response = await fetch(`${stack.url}/api/auth/login/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    // None of those counted against the challenge.
    expect((await verify(json.challenge, agent.phone.next())).status).toBe(200);
    // A well-formed challenge nobody issued.
    expect((await verify('A'.repeat(43), '123456')).json.error.code).toBe('challenge_expired');
  });

  it('says to ask an admin when the secret was sealed under another server secret', async () => {
    const agent = await enrolledAgent();
    // As after SESSION_SECRET changed: the stored secret no longer opens.
    const resealed = secretBox('some-other-server-secret', 'two-step totp secret').seal('JBSWY3DPEHPK3PXP', `user:${agent.id}`);
    await stack.env.sql`update user_two_step set secret_enc = ${resealed} where user_id = ${agent.id}`;
    const refused = await verify((await passwordStep(agent.email)).json.challenge, agent.phone.next());
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({ code: 'two_step_unreadable', message: expect.stringContaining('admin') });
    // A recovery code still gets them in.
    expect((await verify((await passwordStep(agent.email)).json.challenge, agent.recoveryCodes[1])).status).toBe(200);
  });

  it('is in the OpenAPI document', async () => {
    const spec = await (await fetch(`${stack.url}/docs/json`)).json();
    for (const path of ['/api/auth/login/verify', '/api/auth/two-step', '/api/auth/two-step/setup', '/api/auth/two-step/confirm',
      '/api/auth/two-step/disable', '/api/auth/two-step/recovery-codes', '/api/admin/team/{id}/two-step']) expect(spec.paths[path], path).toBeTruthy();
    expect(JSON.stringify(spec.paths['/api/auth/login'].post.responses['200'])).toContain('twoStepRequired');
  });

  it('signs a deactivated person in no further after their code', async () => {
    const agent = await enrolledAgent();
    const { json } = await passwordStep(agent.email);
    expect((await httpAs(stack.url, 'PATCH', `/api/admin/team/${agent.id}`, admin, { active: false })).status).toBe(200);
    const refused = await verify(json.challenge, agent.phone.next());
    expect(refused.status).toBe(401);
    expect(refused.cookies).toEqual([]);
  });
});

describe('turning it off and replacing recovery codes', () => {
  it('turning off needs the current password (or a code); afterwards the password alone signs in', async () => {
    const agent = await enrolledAgent();
    const none = await httpAs(stack.url, 'POST', '/api/auth/two-step/disable', agent.session, {});
    expect(none.status).toBe(400);
    const wrong = await httpAs(stack.url, 'POST', '/api/auth/two-step/disable', agent.session, { password: 'not-the-password' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.code).toBe('wrong_password');
    const wrongCode = await httpAs(stack.url, 'POST', '/api/auth/two-step/disable', agent.session, { code: agent.phone.wrong() });
    expect(wrongCode.json.error.code).toBe('wrong_code');
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json.enabled).toBe(true);

    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/disable', agent.session, { password: PASSWORD })).status).toBe(200);
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json).toEqual({ enabled: false, pending: false, recoveryCodesLeft: 0 });
    const plain = await passwordStep(agent.email);
    expect(plain.json.token).toBeTruthy();
    expect(sessionCookie(plain.cookies)).toBeTruthy();
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/disable', agent.session, { password: PASSWORD })).status).toBe(409);

    // With a code instead of the password.
    const again = await enrolledAgent();
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/disable', again.session, { code: again.phone.next() })).status).toBe(200);
  });

  it('new recovery codes replace the old ones', async () => {
    const agent = await enrolledAgent();
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/recovery-codes', agent.session, { password: 'nope-nope-nope' })).status).toBe(400);
    const fresh = await httpAs(stack.url, 'POST', '/api/auth/two-step/recovery-codes', agent.session, { password: PASSWORD });
    expect(fresh.json.recoveryCodes).toHaveLength(10);
    expect((await verify((await passwordStep(agent.email)).json.challenge, agent.recoveryCodes[0])).json.error.code).toBe('wrong_code');
    expect((await verify((await passwordStep(agent.email)).json.challenge, fresh.json.recoveryCodes[0])).status).toBe(200);
  });
});

describe("an admin resets someone's two-step sign-in", () => {
  it('turns it off, ends their sessions and is in the audit log; agents cannot', async () => {
    const agent = await enrolledAgent();
    const bystander = await newAgent();
    const byAgent = await httpAs(stack.url, 'DELETE', `/api/admin/team/${agent.id}/two-step`, bystander.session);
    expect(byAgent.status).toBe(403);
    expect((await httpAs(stack.url, 'GET', '/api/auth/two-step', agent.session)).json.enabled).toBe(true);

    const reset = await httpAs(stack.url, 'DELETE', `/api/admin/team/${agent.id}/two-step`, admin);
    expect(reset.status).toBe(200);
    expect((await httpAs(stack.url, 'GET', '/api/auth/me', agent.session)).status).toBe(401);
    const log = await httpAs(stack.url, 'GET', '/api/admin/audit-log', admin);
    expect(log.json.items.find((e: { action: string; target: string }) => e.action === 'team.two_step_reset' && e.target === `user:${agent.id}`)).toBeTruthy();
    // They sign in with the password alone and may set it up again.
    const plain = await passwordStep(agent.email);
    expect(plain.json.token).toBeTruthy();

    expect((await httpAs(stack.url, 'DELETE', `/api/admin/team/${agent.id}/two-step`, admin)).status).toBe(409);
    expect((await httpAs(stack.url, 'DELETE', `/api/admin/team/${admin.user.id}/two-step`, admin)).json.error.code).toBe('self_change');
    expect((await httpAs(stack.url, 'DELETE', '/api/admin/team/999999/two-step', admin)).status).toBe(404);
    expect((await httpAs(stack.url, 'DELETE', '/api/admin/team/abc/two-step', admin)).status).toBe(400);
  });
});

describe('the per-address limit on codes', () => {
  let limited: TestStack;
  beforeAll(async () => {
    limited = await startStack({ config: { rateLimitLoginsPerMinute: 3 } });
  });
  afterAll(async () => limited?.close());

  it('answers 429 after as many tries a minute as sign-ins allow', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${limited.url}/api/auth/login/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ challenge: 'B'.repeat(43), code: '123456' }) });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
