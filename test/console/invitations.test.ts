// Inviting team members by email, and passwords set by an admin being replaced at first sign-in, on a real server,
// Postgres, Redis and SMTP receiver: the invitation email and its link, accepting it (signed in), links that no longer
// work (used, expired, replaced, forged), who may invite, and a must-change password closing every route and the
// /agent socket but the few that let its holder choose their own.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { smtpReceiver, type SmtpReceiver } from '../support/smtp.ts';
import { connectAgent } from '../support/sockets.ts';

let stack: TestStack;
let smtp: SmtpReceiver;
let admin: Awaited<ReturnType<typeof login>>;

const http = (method: string, path: string, auth: { cookie: string } | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);

beforeAll(async () => {
  smtp = smtpReceiver();
  const port = await smtp.listen();
  stack = await startStack({ config: { smtpUrl: `smtp://127.0.0.1:${port}`, shopName: 'Northwind Goods', mailFrom: '', rateLimitLoginsPerMinute: 100 } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await smtp?.close();
});

/** The last invitation emailed to `email`: the parsed mail and the token of its link. */
function invitationTo(email: string) {
  const received = smtp.to(email).at(-1);
  expect(received, `no email to ${email}`).toBeTruthy();
  const mail = received!.mail;
  const link = /(\S+\/console\/invite#token=([A-Za-z0-9_-]+))/.exec(mail.text ?? '');
  expect(link, mail.text).toBeTruthy();
  return { mail, link: link![1], token: link![2] };
}

async function invite(email: string, name: string, extra: Record<string, unknown> = {}) {
  const created = await http('POST', '/api/admin/team', admin, { email, name, role: 'agent', invite: true, ...extra });
  expect(created.status, created.text).toBe(201);
  return created.json as { member: { id: number; invited: boolean }; invitation: { expiresAt: string } };
}

const accept = (token: string, password: string) => http('POST', '/api/auth/invitations/accept', null, { token, password });
const teamMember = async (id: number) => (await http('GET', '/api/admin/team', admin)).json.items.find((m: { id: number }) => m.id === id);
const sessionCookie = (headers: Headers) => /sd_session=([^;]+)/.exec(headers.get('set-cookie') ?? '')?.[1];

describe('invitation by email', () => {
  it('an admin invites; the email has the link; the member cannot sign in until they accept, then is signed in', async () => {
    const email = 'ivy.invited@example.com';
    const { member, invitation } = await invite(email, 'Ivy <Invited> & Co');
    expect(member.invited).toBe(true);
    const days = (Date.parse(invitation.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);

    const { mail, link, token } = invitationTo(email);
    expect(mail.subject).toBe("You're invited to the Northwind Goods support console");
    expect(link).toBe(`${stack.env.config.publicUrl}/console/invite#token=${token}`);
    expect(mail.text).toContain('Hello Ivy <Invited> & Co,');
    expect(mail.text).toMatch(/^\S.* added you to the Northwind Goods support team as an agent\.$/m); // by the inviting admin's name
    // The HTML escapes what admins typed, and links the same address.
    expect(mail.html).toContain('Hello Ivy &lt;Invited&gt; &amp; Co,');
    expect(mail.html).toContain(`href="${link}"`);
    // Only the token's sha256 is stored.
    const rows = await stack.env.sql<{ token_hash: string }[]>`select token_hash from invitations where user_id = ${member.id}`;
    expect(rows).toEqual([{ token_hash: createHash('sha256').update(token).digest('hex') }]);

    // Invited, not accepted: no password signs them in (not even an empty-looking guess of the random one).
    expect((await http('POST', '/api/auth/login', null, { email, password: 'any-password-at-all' })).status).toBe(401);
    expect((await http('POST', '/api/auth/invitations/inspect', null, { token })).json).toEqual({ email, name: 'Ivy <Invited> & Co' });
    expect((await accept(token, 'short')).status).toBe(400); // the password rules of /api/auth/password: 10+ characters

    const accepted = await accept(token, 'ivy-own-password-1');
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.json.user.email).toBe(email);
    expect(accepted.json.mustChangePassword).toBe(false);
    const cookie = `sd_session=${sessionCookie(accepted.headers)}`;
    const me = await http('GET', '/api/auth/me', { cookie });
    expect(me.json).toMatchObject({ user: { id: member.id }, mustChangePassword: false });
    expect((await http('GET', '/api/conversations?view=mine', { cookie })).status).toBe(200);
    expect((await login(stack.url, email, 'ivy-own-password-1')).user.id).toBe(member.id);
    expect(await teamMember(member.id)).toMatchObject({ invited: false, mustChangePassword: false });

    // Used: the same link works no more, with a sentence that says so.
    const again = await accept(token, 'another-password-2');
    expect(again.status).toBe(410);
    expect(again.json.error).toEqual({ code: 'invitation_used', message: 'This invitation was already used: sign in with the password you chose.' });
    expect((await login(stack.url, email, 'ivy-own-password-1')).user.id).toBe(member.id);

    // Audited: sent by the admin, accepted by the member; never the token.
    const audit = (await http('GET', '/api/admin/audit-log?limit=20', admin)).json.items as { action: string; target: string; actor: string; details: object }[];
    const sent = audit.find((a) => a.action === 'team.invitation_sent' && a.target === `user:${member.id}`);
    const acceptedEntry = audit.find((a) => a.action === 'team.invitation_accepted' && a.target === `user:${member.id}`);
    expect(sent?.details).toMatchObject({ email, language: 'en' });
    expect(acceptedEntry?.actor).toBe('Ivy <Invited> & Co');
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('the email is in Chinese for a member who answers in Chinese only, or when the admin\'s console is in Chinese', async () => {
    await invite('zhang.wei@example.com', '张伟', { languages: ['zh'] });
    expect(invitationTo('zhang.wei@example.com').mail.subject).toBe('邀请您加入 Northwind Goods 客服工作台');
    await invite('li.na@example.com', 'Li Na', { language: 'zh' });
    expect(invitationTo('li.na@example.com').mail.text).toContain('请打开以下链接设置密码并登录');
    // The member's one language wins over the admin's console.
    await invite('emma.en@example.com', 'Emma', { language: 'zh', languages: ['en'] });
    expect(invitationTo('emma.en@example.com').mail.subject).toBe("You're invited to the Northwind Goods support console");
  });

  it("the Chinese email is in Traditional when the admin's console is (zh-TW, zh-HK); another language is refused", async () => {
    await invite('chen.tw@example.com', 'Chen', { language: 'zh-TW' });
    const taiwan = invitationTo('chen.tw@example.com').mail;
    expect(taiwan.subject).toBe('邀請您加入 Northwind Goods 客服工作臺');
    expect(taiwan.text).toContain('Chen，您好：');
    expect(taiwan.text).not.toMatch(/邀请|请打开|链接/);
    // A member who answers in Chinese only gets the Chinese of the admin's console, here Hong Kong's.
    await invite('wong.hk@example.com', '黃小明', { language: 'zh-HK', languages: ['zh'] });
    expect(invitationTo('wong.hk@example.com').mail.text).toContain('請打開以下鏈接設置密碼並登錄');
    const refused = await http('POST', '/api/admin/team', admin, { email: 'xx@example.com', name: 'X', role: 'agent', invite: true, language: 'zh-XX' });
    expect(refused.status).toBe(400);
    expect(smtp.to('xx@example.com')).toHaveLength(0);
  });

  it('refuses an expired, a forged and an unknown link with one clear sentence', async () => {
    const { member } = await invite('old.link@example.com', 'Olga Old-Link');
    const { token } = invitationTo('old.link@example.com');
    await stack.env.sql`update invitations set expires_at = now() - interval '1 minute' where user_id = ${member.id}`;
    const expired = await accept(token, 'olga-password-1');
    expect(expired.status).toBe(410);
    expect(expired.json.error).toEqual({ code: 'invitation_expired', message: 'This invitation has expired: ask an admin to send a new one.' });
    expect((await http('POST', '/api/auth/invitations/inspect', null, { token })).json.error.code).toBe('invitation_expired');
    // Still invited: the team page offers Resend, which gives a working link.
    expect(await teamMember(member.id)).toMatchObject({ invited: true, invitationExpired: true });

    // A token of the right shape that was never issued, and one with a character changed.
    for (const forged of ['A'.repeat(43), `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, 'not even a token']) {
      const refused = await accept(forged, 'forged-password-1');
      expect(refused.status, forged).toBe(400);
      expect(refused.json.error.code).toBe('invitation_invalid');
      expect(refused.json.error.message).toMatch(/^This invitation link is no longer valid .*\.$/);
    }
    expect((await http('POST', '/api/auth/login', null, { email: 'old.link@example.com', password: 'forged-password-1' })).status).toBe(401);
  });

  it('Resend emails a new link and the earlier one stops working', async () => {
    const { member } = await invite('resend.me@example.com', 'Rene Resend');
    const first = invitationTo('resend.me@example.com');
    const resent = await http('POST', `/api/admin/team/${member.id}/invitation`, admin, { language: 'en' });
    expect(resent.status, resent.text).toBe(200);
    const second = invitationTo('resend.me@example.com');
    expect(smtp.to('resend.me@example.com')).toHaveLength(2);
    expect(second.token).not.toBe(first.token);
    expect((await accept(first.token, 'rene-password-1')).json.error.code).toBe('invitation_invalid');
    expect((await accept(second.token, 'rene-password-1')).status).toBe(200);
    // Accepted: nothing left to resend (a lost password is a reset).
    const late = await http('POST', `/api/admin/team/${member.id}/invitation`, admin, {});
    expect(late.status).toBe(409);
    const audit = (await http('GET', '/api/admin/audit-log?limit=20', admin)).json.items as { action: string; target: string; details: { resend?: boolean } }[];
    expect(audit.filter((a) => a.action === 'team.invitation_sent' && a.target === `user:${member.id}`).map((a) => a.details.resend ?? false)).toEqual([true, false]);
  });

  it('an admin who sets a password for an invited member instead cancels the link', async () => {
    const { member } = await invite('changed.mind@example.com', 'Cam Changed');
    const { token } = invitationTo('changed.mind@example.com');
    expect((await http('PATCH', `/api/admin/team/${member.id}`, admin, { password: 'admin-chosen-pass-1' })).status).toBe(200);
    expect((await accept(token, 'cam-password-1')).json.error.code).toBe('invitation_invalid');
    expect(await teamMember(member.id)).toMatchObject({ invited: false, mustChangePassword: true, invitationExpired: false });
    // Nothing to resend, and the refusal says why truly: the admin chose the password, not the member.
    const resend = await http('POST', `/api/admin/team/${member.id}/invitation`, admin, {});
    expect(resend.status).toBe(409);
    expect(resend.json.error.message).toBe('Cam Changed has a password an admin set (they choose their own at their first sign-in): pass it on, or reset it.');
  });

  it('an agent can neither invite nor resend (403), and cannot see who is invited', async () => {
    const { member } = await invite('not.by.agent@example.com', 'Nat Agentless');
    const agent = await login(stack.url, stack.agent.email, stack.agent.password);
    const count = smtp.to('not.by.agent@example.com').length;
    const byAgent = await http('POST', '/api/admin/team', agent, { email: 'agent.invite@example.com', name: 'X', role: 'agent', invite: true });
    expect(byAgent.status).toBe(403);
    expect((await http('POST', `/api/admin/team/${member.id}/invitation`, agent, {})).status).toBe(403);
    expect((await http('GET', '/api/admin/team', agent)).status).toBe(403);
    expect(smtp.to('agent.invite@example.com')).toHaveLength(0);
    expect(smtp.to('not.by.agent@example.com')).toHaveLength(count);
  });

  it('asks for exactly one of a password or an invitation', async () => {
    const both = await http('POST', '/api/admin/team', admin, { email: 'both@example.com', name: 'B', role: 'agent', invite: true, password: 'a-password-123' });
    expect(both.status).toBe(400);
    const neither = await http('POST', '/api/admin/team', admin, { email: 'neither@example.com', name: 'N', role: 'agent' });
    expect(neither.status).toBe(400);
    expect((await http('GET', '/api/admin/team', admin)).json.invitationsByEmail).toBe(true);
  });
});

describe('a password set by an admin must be replaced at first sign-in', () => {
  it('closes every route but me, password and logout, and the /agent socket, until they choose their own', async () => {
    const email = 'forced.change@example.com';
    const created = await http('POST', '/api/admin/team', admin, { email, name: 'Frankie Forced', role: 'agent', password: 'admin-set-pass-1' });
    expect(created.status).toBe(201);
    expect(created.json.member.mustChangePassword).toBe(true);

    const signIn = await http('POST', '/api/auth/login', null, { email, password: 'admin-set-pass-1' });
    expect(signIn.json.mustChangePassword).toBe(true);
    const member = { cookie: `sd_session=${signIn.json.token}` };
    expect((await http('GET', '/api/auth/me', member)).json).toMatchObject({ user: { email }, mustChangePassword: true });
    for (const [method, path] of [['GET', '/api/conversations?view=queued'], ['GET', '/api/customers'], ['GET', '/api/canned-responses'], ['GET', '/api/auth/two-step'], ['GET', '/api/teams']]) {
      const refused = await http(method, path, member);
      expect(refused.status, path).toBe(403);
      expect(refused.json.error).toEqual({ code: 'password_change_required', message: 'Choose your own password first: the one you signed in with was set by an admin.' });
    }
    const refusedSocket = await connectAgent(stack.url, signIn.json.token).then((s) => { s.close(); return null; }, (error: Error & { data?: { code?: string } }) => error);
    expect(refusedSocket?.data?.code).toBe('password_change_required');

    // The same password again is refused; a new one of their own opens everything and keeps this session.
    const same = await http('POST', '/api/auth/password', member, { currentPassword: 'admin-set-pass-1', newPassword: 'admin-set-pass-1' });
    expect(same.json.error.code).toBe('same_password');
    expect((await http('POST', '/api/auth/password', member, { currentPassword: 'admin-set-pass-1', newPassword: 'frankies-own-pass-2' })).status).toBe(200);
    expect((await http('GET', '/api/auth/me', member)).json.mustChangePassword).toBe(false);
    expect((await http('GET', '/api/conversations?view=queued', member)).status).toBe(200);
    const socket = await connectAgent(stack.url, signIn.json.token);
    socket.close();
    expect((await teamMember(created.json.member.id)).mustChangePassword).toBe(false);

    // A reset by an admin puts the rule back (and signs them out); logout is always possible.
    expect((await http('PATCH', `/api/admin/team/${created.json.member.id}`, admin, { password: 'admin-reset-pass-3' })).status).toBe(200);
    expect((await http('GET', '/api/auth/me', member)).status).toBe(401);
    const again = await login(stack.url, email, 'admin-reset-pass-3');
    expect((await http('GET', '/api/customers', again)).json.error.code).toBe('password_change_required');
    expect((await http('POST', '/api/auth/logout', again)).status).toBe(200);
    expect((await http('GET', '/api/auth/me', again)).status).toBe(401);
  });

  it('an admin with an admin-set password is kept out of the admin API too', async () => {
    const created = await http('POST', '/api/admin/team', admin, { email: 'new.admin@example.com', name: 'Ada New-Admin', role: 'admin', password: 'admin-set-pass-4' });
    const second = await login(stack.url, 'new.admin@example.com', 'admin-set-pass-4');
    const refused = await http('GET', '/api/admin/team', second);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('password_change_required');
    expect((await http('POST', '/api/auth/password', second, { currentPassword: 'admin-set-pass-4', newPassword: 'adas-own-pass-5' })).status).toBe(200);
    expect((await http('GET', '/api/admin/team', second)).json.items.some((m: { id: number }) => m.id === created.json.member.id)).toBe(true);
  });
});

describe('without outgoing email', () => {
  let plain: TestStack;
  beforeAll(async () => {
    plain = await startStack();
  }, 60_000);
  afterAll(async () => {
    await plain?.close();
  });

  it('says invitations need SMTP and keeps the password path', async () => {
    const owner = await login(plain.url, plain.admin.email, plain.admin.password);
    expect((await httpAs(plain.url, 'GET', '/api/admin/team', owner)).json.invitationsByEmail).toBe(false);
    const refused = await httpAs(plain.url, 'POST', '/api/admin/team', owner, { email: 'no.smtp@example.com', name: 'N', role: 'agent', invite: true });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toEqual({ code: 'email_off', message: 'Invitations need outgoing email (SMTP_URL): set a password for them instead.' });
    expect((await httpAs(plain.url, 'POST', '/api/admin/team', owner, { email: 'no.smtp@example.com', name: 'N', role: 'agent', password: 'a-password-123' })).status).toBe(201);
  });
});
