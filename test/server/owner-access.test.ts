// `npm run account`: console access from the server's shell, run as the real CLI against a real server's database.
// The first admin of a shop started without the demo, and an admin locked out (lost password, lost two-step phone).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { authenticator } from '../support/authenticator.ts';
import { createTestEnv } from '../support/test-env.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 1000 } });
});
afterAll(async () => stack?.close());

/** Runs `npm run account -- …` (the script it names) against the test stack's database. */
function account(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/db/account-cli.ts', ...args], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, DATABASE_URL: stack.env.config.databaseUrl, PUBLIC_URL: 'https://support.shop.example' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}
const printedPassword = (stdout: string) => /\(shown once\): (\S+)/.exec(stdout)?.[1];

async function passwordStep(email: string, password: string) {
  const response = await fetch(`${stack.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  return { status: response.status, json: (await response.json()) as { twoStepRequired?: boolean; user?: { role: string } } };
}

describe('npm run account', () => {
  it('add-admin makes an admin who signs in with the password printed once; refuses a taken or malformed email', async () => {
    const made = await account('add-admin', 'Olive@Shop.example', '--name', 'Olive Owner');
    expect(made.code).toBe(0);
    const password = printedPassword(made.stdout)!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(made.stdout).toContain('https://support.shop.example/console');
    const signedIn = await passwordStep('olive@shop.example', password);
    expect(signedIn.status).toBe(200);
    expect(signedIn.json.user).toMatchObject({ role: 'admin' });
    const [audit] = await stack.env.sql`select actor_user_id, action, details from audit_log where action = 'team.create' order by id desc limit 1`;
    expect(audit).toMatchObject({ actor_user_id: null, details: { role: 'admin', via: 'shell' } });

    const again = await account('add-admin', 'olive@shop.example');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists already');
    expect((await account('add-admin', 'not-an-email')).stderr).toContain('is not an email address');
    expect((await account('promote', 'olive@shop.example')).code).toBe(2); // usage
  });

  it('reset gives a new password, ends every session, turns two-step sign-in off on request, and reactivates only when asked', async () => {
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    // An agent with two-step sign-in on, who lost the phone and the password.
    const email = 'locked.out@shop.example';
    const created = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { email, name: 'Locked Out', role: 'agent', password: 'admin-set-password-0' });
    const session = await login(stack.url, email, 'admin-set-password-0');
    // A password an admin set is replaced at the first sign-in (test/console/invitations.test.ts).
    expect((await httpAs(stack.url, 'POST', '/api/auth/password', session, { currentPassword: 'admin-set-password-0', newPassword: 'old-password-123' })).status).toBe(200);
    const setup = await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', session);
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', session, { code: authenticator(setup.json.secret).next(), password: 'old-password-123' })).status).toBe(200);

    const plain = await account('reset', email);
    expect(plain.code).toBe(0);
    const first = printedPassword(plain.stdout)!;
    expect((await httpAs(stack.url, 'GET', '/api/auth/me', session)).status).toBe(401); // the old session ended
    expect((await passwordStep(email, 'old-password-123')).status).toBe(401);
    expect((await passwordStep(email, first)).json).toMatchObject({ twoStepRequired: true }); // still asks for the code

    const off = await account('reset', email, '--two-step-off');
    expect(off.stdout).toContain('two-step sign-in is off');
    const second = printedPassword(off.stdout)!;
    expect((await passwordStep(email, first)).status).toBe(401);
    const direct = await passwordStep(email, second);
    expect(direct.status).toBe(200);
    expect(direct.json.twoStepRequired).toBeUndefined();
    // The owner getting back in is not made to choose another password (unlike a reset from the team page)…
    expect((direct.json as { mustChangePassword?: boolean }).mustChangePassword).toBe(false);
    // …unless the shell's user passes it on to someone else and asks for that.
    const passedOn = await account('reset', email, '--must-change');
    expect(passedOn.stdout).toContain('the console asks for a password of their own first');
    expect((await passwordStep(email, printedPassword(passedOn.stdout)!)).json).toMatchObject({ mustChangePassword: true });

    // Deactivated by an admin: a reset alone does not undo that.
    await httpAs(stack.url, 'PATCH', `/api/admin/team/${created.json.member.id}`, admin, { active: false });
    const refused = await account('reset', email);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--activate');
    expect((await passwordStep(email, second)).status).toBe(401);
    const back = await account('reset', email, '--activate');
    // The flag --must-change set went with the next reset from the shell, which did not ask for it.
    expect((await passwordStep(email, printedPassword(back.stdout)!)).json).toMatchObject({ mustChangePassword: false });
    expect(back.stdout).toContain('the account is active again');
    expect((await passwordStep(email, printedPassword(back.stdout)!)).status).toBe(200);
    expect((await account('reset', 'nobody@shop.example')).stderr).toContain('No account has the email');
    const audits = await stack.env.sql`select details from audit_log where action = 'team.access_reset' and target = ${`user:${created.json.member.id}`} order by id`;
    expect(audits.map((a) => a.details)).toEqual([
      { via: 'shell', password: 'reset' },
      { via: 'shell', password: 'reset', twoStep: 'off' },
      { via: 'shell', password: 'reset', mustChange: true },
      { via: 'shell', password: 'reset', activated: true },
    ]);
  });

  it('a shop started without the demo (no account at all) is told on start how to make its first admin', async () => {
    const env = await createTestEnv();
    try {
      const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        cwd: new URL('../..', import.meta.url).pathname,
        env: { ...process.env, NODE_ENV: 'test', PORT: '0', SEED_DEMO: 'false', WORKERS_IN_PROCESS: 'false', LOG_LEVEL: 'silent',
          DATABASE_URL: env.config.databaseUrl, REDIS_PREFIX: env.config.redisPrefix, SESSION_SECRET: env.config.sessionSecret },
      });
      let out = '';
      const hint = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start-up lines in 60 s:\n${out}`)), 60_000);
        server.stdout.on('data', (chunk) => {
          out += chunk;
          // The hint comes among the last start-up lines, after the URLs (a chunk may end before it).
          if (/No admin account yet.*\n/.test(out)) { clearTimeout(timer); resolve(out); }
        });
        server.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${out}`)));
      }).finally(async () => {
        const exited = new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
        server.kill('SIGTERM');
        await exited; // before the database is dropped under it
      });
      expect(hint).toContain('No admin account yet: create one with `npm run account -- add-admin you@your-shop.example`');
      expect(hint).not.toContain('Demo admin');
      // The sample page is offered as a test page whose chats are real, not as a demo shop with demo shoppers.
      expect(hint).toContain('Widget test page:');
      expect(hint).not.toContain('demo-user-1');
    } finally {
      await env.cleanup();
    }
  }, 90_000);
});
