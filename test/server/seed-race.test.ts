// Two servers starting together on a fresh database both seed the demo accounts: only the one whose account went in
// reports it with a password, and that password signs in. (Both used to print one; the loser's never worked.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '@node-rs/argon2';
import { seedDemoAccounts } from '../../server/db/seed.ts';
import { createSql } from '../../server/db/client.ts';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';

let env: TestEnv;
beforeAll(async () => {
  // No passwords in the environment: each seed generates its own, as a demo install does.
  env = await createTestEnv({ demoAdminPassword: '', demoAgentPassword: '' });
});
afterAll(async () => {
  await env?.cleanup();
});

describe('demo accounts seeded by two processes at once', () => {
  it('are reported as created once each, with the password that was stored', async () => {
    // A connection each, as two processes have.
    const [a, b] = [createSql(env.config, { max: 1 }), createSql(env.config, { max: 1 })];
    try {
      const [first, second] = await Promise.all([seedDemoAccounts(a, env.config), seedDemoAccounts(b, env.config)]);
      for (const [index, email] of [env.config.demoAdminEmail, env.config.demoAgentEmail].entries()) {
        const reports = [first[index], second[index]];
        expect(reports.map((r) => r.email)).toEqual([email, email]);
        const created = reports.filter((r) => r.password !== undefined);
        expect(created).toHaveLength(1);
        const [{ password_hash }] = await env.sql`select password_hash from users where email = ${email}`;
        expect(await verify(password_hash, created[0].password!)).toBe(true);
      }
      expect((await env.sql`select count(*)::int as n from users`)[0].n).toBe(2);
    } finally {
      await a.end({ timeout: 2 });
      await b.end({ timeout: 2 });
    }
  });
});
