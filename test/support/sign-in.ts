// For the tests of signing in and of what guards an account (two-step, account security, session sockets): new agents
// with a password of their own, and the two steps of the sign-in as the console's login page sends them, answered as
// they came (a test looks at the refusals too).
import { expect } from 'vitest';
import { httpAs, login, type TestStack } from './server.ts';

/**
 * A new agent the admin added with `password`, signed in, as if already past the first sign-in's change of it (that
 * step is test/console/invitations.test.ts's; taking it for every agent would run into the password route's limit).
 */
export async function agentWithOwnPassword(stack: TestStack, admin: { cookie: string }, account: { email: string; name: string; password: string }) {
  const created = await httpAs(stack.url, 'POST', '/api/admin/team', admin, { ...account, role: 'agent' });
  expect(created.status).toBe(201);
  await stack.env.sql`update users set must_change_password = false where id = ${created.json.member.id}`;
  return { email: account.email, id: created.json.member.id as number, session: await login(stack.url, account.email, account.password) };
}

const withCookies = <Answer extends { headers: Headers }>(answer: Answer) => ({ ...answer, cookies: answer.headers.getSetCookie() });

/** The password step: a session, or with two-step sign-in on a challenge for the code. */
export const signInPassword = async (baseUrl: string, email: string, password: string) =>
  withCookies(await httpAs(baseUrl, 'POST', '/api/auth/login', null, { email, password }));

/** The code step of a two-step sign-in. */
export const signInCode = async (baseUrl: string, challenge: string, code: string) =>
  withCookies(await httpAs(baseUrl, 'POST', '/api/auth/login/verify', null, { challenge, code }));
