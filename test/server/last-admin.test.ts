// Two admins demoting or deactivating each other at the same moment: each saw the other as an admin when it was
// allowed, and the shop was left with none. The two PATCHes are made to meet (a held row lock lets both pass every
// check before either changes anything); exactly one goes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { holdLocks, lockWaiters } from '../support/held-locks.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 1000 } });
});
afterAll(async () => stack?.close());

const PASSWORD = 'last-admin-pass-1';
let people = 0;

/** The shop's only two active admins, signed in: the demo admin and a new one (every other admin is made an agent). */
async function twoAdmins() {
  // The demo admin may have been demoted or deactivated by an earlier test here.
  await stack.env.sql`update users set active = true, role = 'admin' where lower(email) = lower(${stack.admin.email})`;
  const first = await login(stack.url, stack.admin.email, stack.admin.password);
  await stack.env.sql`update users set role = 'agent' where role = 'admin' and id <> ${first.user.id}`;
  const email = `second.admin.${++people}@example.com`;
  const created = await httpAs(stack.url, 'POST', '/api/admin/team', first, { email, name: `Second Admin ${people}`, role: 'admin', password: PASSWORD });
  expect(created.status).toBe(201);
  await stack.env.sql`update users set must_change_password = false where id = ${created.json.member.id}`;
  return { first, second: await login(stack.url, email, PASSWORD) };
}

const activeAdmins = async () =>
  (await stack.env.sql<{ id: number }[]>`select id from users where role = 'admin' and active`).map((r) => Number(r.id));

/** Both changes, each by one admin to the other, held until both have passed every check and wait on the rows. */
async function crossing(change: Record<string, unknown>) {
  const { first, second } = await twoAdmins();
  const release = await holdLocks(stack.env.sql, (tx) => tx`select id from users where id in (${first.user.id}, ${second.user.id}) for update`);
  const answers = Promise.all([
    httpAs(stack.url, 'PATCH', `/api/admin/team/${second.user.id}`, first, change),
    httpAs(stack.url, 'PATCH', `/api/admin/team/${first.user.id}`, second, change),
  ]);
  await expect.poll(() => lockWaiters(stack.env.sql)).toBe(2);
  await release();
  return { first, second, answers: await answers };
}

describe('the last active admin', () => {
  for (const [what, change] of [['demote', { role: 'agent' }], ['deactivate', { active: false }]] as const) {
    it(`two admins who ${what} each other at once: one change goes through, the other is refused with last_admin`, async () => {
      const { first, second, answers } = await crossing(change);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const refused = answers.find((a) => a.status === 409)!;
      expect(refused.json.error.code).toBe('last_admin');
      expect(refused.json.error.message).toMatch(/only active admin left/);
      const left = await activeAdmins();
      expect(left).toHaveLength(1);
      // The one left is the one whose change was refused (the other one's went through).
      expect(left[0]).toBe(answers[0].status === 200 ? first.user.id : second.user.id);
    });
  }

  it('still lets an admin demote another while a third remains', async () => {
    const { first, second } = await twoAdmins();
    const third = await httpAs(stack.url, 'POST', '/api/admin/team', first, { email: `third.admin.${++people}@example.com`, name: 'Third Admin', role: 'admin', password: PASSWORD });
    expect(third.status).toBe(201);
    const demoted = await httpAs(stack.url, 'PATCH', `/api/admin/team/${second.user.id}`, first, { role: 'agent' });
    expect(demoted.status).toBe(200);
    expect(demoted.json.member.role).toBe('agent');
    expect((await activeAdmins()).sort()).toEqual([first.user.id, third.json.member.id].sort());
  });
});
