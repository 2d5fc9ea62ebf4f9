// A console socket lives no longer than the session it was opened with: signing out, changing one's password,
// turning two-step sign-in on, a reset from the shell and an expired session all close the sockets of the sessions
// they end (on every server), and leave the person's other sessions connected. Also: a sign-in waiting for its
// two-step code dies with the password it was started with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, nextEvent, type AgentClient } from '../support/sockets.ts';
import { authenticator } from '../support/authenticator.ts';
import { agentWithOwnPassword } from '../support/sign-in.ts';
import { resetAccess } from '../../server/services/owner-access.ts';
import { invitationsService } from '../../server/services/invitations.ts';
import { tokenHash } from '../../server/services/auth-service.ts';

let stack: TestStack;
let admin: { cookie: string };
/** The second server: sockets there are closed by a change made through the first. */
let otherUrl: string;
const open: AgentClient[] = [];
beforeAll(async () => {
  stack = await startStack({ servers: 2, config: { rateLimitLoginsPerMinute: 1000 } });
  otherUrl = stack.servers[1].url;
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  open.forEach((socket) => socket.close());
  await stack?.close();
});

const PASSWORD = 'a-good-password-1';
let people = 0;
/** A new agent who already chose their own password, signed in on two devices: theirs and a thief's. */
async function agentWithTwoSessions() {
  const { session: owner, ...agent } = await agentWithOwnPassword(stack, admin, { email: `session.sockets.${++people}.${Date.now()}@example.com`, name: `Session Sockets ${people}`, password: PASSWORD });
  const thief = await login(stack.url, agent.email, PASSWORD);
  return { ...agent, owner, thief };
}

async function socketOn(url: string, token: string) {
  const socket = await connectAgent(url, token);
  open.push(socket);
  return socket;
}

/** Resolves with the reason once the server closes the socket (fails the test after 10 s otherwise). */
const closedByServer = (socket: AgentClient) => nextEvent<string>(socket as never, 'disconnect');

/** The socket is still served: an action is acknowledged. */
async function stillServed(socket: AgentClient) {
  expect(socket.connected).toBe(true);
  await callOk(socket as never, 'presence:set', { presence: 'away' });
}

describe('ending a session closes its open consoles', () => {
  it('changing one\'s password closes the other sessions\' sockets on every server, not the one that changed it', async () => {
    const agent = await agentWithTwoSessions();
    const thiefSocket = await socketOn(otherUrl, agent.thief.token);
    const ownerSocket = await socketOn(stack.url, agent.owner.token);
    await stillServed(thiefSocket);
    const closed = closedByServer(thiefSocket);

    const changed = await httpAs(stack.url, 'POST', '/api/auth/password', agent.owner, { currentPassword: PASSWORD, newPassword: 'another-good-password-2' });
    expect(changed.status).toBe(200);
    expect(await closed).toBe('io server disconnect');
    expect((await httpAs(stack.url, 'GET', '/api/auth/me', agent.thief)).status).toBe(401);
    // Reconnecting with the ended session is refused at the handshake.
    await expect(connectAgent(otherUrl, agent.thief.token)).rejects.toMatchObject({ data: { code: 'unauthorized' } });
    await stillServed(ownerSocket);
  });

  it('signing out closes every socket of that session (other tabs), not those of the person\'s other sessions', async () => {
    const agent = await agentWithTwoSessions();
    const tabOne = await socketOn(stack.url, agent.owner.token);
    const tabTwo = await socketOn(otherUrl, agent.owner.token);
    const elsewhere = await socketOn(otherUrl, agent.thief.token);
    const closed = [closedByServer(tabOne), closedByServer(tabTwo)];

    expect((await httpAs(stack.url, 'POST', '/api/auth/logout', agent.owner)).status).toBe(200);
    expect(await Promise.all(closed)).toEqual(['io server disconnect', 'io server disconnect']);
    await stillServed(elsewhere);
  });

  it('turning two-step sign-in on closes the other sessions\' sockets', async () => {
    const agent = await agentWithTwoSessions();
    const thiefSocket = await socketOn(otherUrl, agent.thief.token);
    const ownerSocket = await socketOn(stack.url, agent.owner.token);
    const closed = closedByServer(thiefSocket);

    const setup = await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', agent.owner);
    const confirmed = await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.owner, { code: authenticator(setup.json.secret).next(), password: PASSWORD });
    expect(confirmed.status).toBe(200);
    expect(await closed).toBe('io server disconnect');
    await stillServed(ownerSocket);
  });

  it('a reset from the shell (no gateway there) and an expired session close their sockets at the next sweep of each server', async () => {
    const agent = await agentWithTwoSessions();
    const other = await agentWithTwoSessions();
    const resetSocket = await socketOn(otherUrl, agent.thief.token);
    const expiringSocket = await socketOn(stack.url, other.thief.token);
    const liveSocket = await socketOn(stack.url, other.owner.token);
    const closed = [closedByServer(resetSocket), closedByServer(expiringSocket)];

    await resetAccess(stack.env.sql, agent.email); // what `npm run account -- reset` runs, in its own process
    await stack.env.sql`update user_sessions set expires_at = now() - interval '1 second' where token_hash = ${tokenHash(other.thief.token)}`;
    // Nothing told the gateways: the sockets are served until each server's sweep looks at its sockets' sessions.
    await stillServed(resetSocket);
    await stillServed(expiringSocket);
    for (const server of stack.servers) await server.handle.reconcilePresence();
    expect(await Promise.all(closed)).toEqual(['io server disconnect', 'io server disconnect']);
    await stillServed(liveSocket);
  });
});

describe('a sign-in waiting for its two-step code', () => {
  /** An agent with two-step sign-in on, and a challenge someone got with the password as it was then. */
  async function pendingSignIn() {
    const agent = await agentWithTwoSessions();
    const setup = await httpAs(stack.url, 'POST', '/api/auth/two-step/setup', agent.owner);
    const phone = authenticator(setup.json.secret);
    expect((await httpAs(stack.url, 'POST', '/api/auth/two-step/confirm', agent.owner, { code: phone.next(), password: PASSWORD })).status).toBe(200);
    const passwordStep = await httpAs(stack.url, 'POST', '/api/auth/login', null, { email: agent.email, password: PASSWORD });
    expect(passwordStep.json.twoStepRequired).toBe(true);
    return { ...agent, phone, challenge: passwordStep.json.challenge as string };
  }
  const verify = (challenge: string, code: string) => httpAs(stack.url, 'POST', '/api/auth/login/verify', null, { challenge, code });

  it('is cancelled when the owner changes the password', async () => {
    const agent = await pendingSignIn();
    expect((await httpAs(stack.url, 'POST', '/api/auth/password', agent.owner, { currentPassword: PASSWORD, newPassword: 'another-good-password-2' })).status).toBe(200);
    const finished = await verify(agent.challenge, agent.phone.next());
    expect(finished.status).toBe(401);
    expect(finished.json.error.code).toBe('challenge_expired');
  });

  it('is cancelled by a reset from the shell that keeps two-step sign-in on', async () => {
    const agent = await pendingSignIn();
    await resetAccess(stack.env.sql, agent.email);
    expect((await verify(agent.challenge, agent.phone.next())).status).toBe(401);
  });

  it('is cancelled when an invitation link sets the password', async () => {
    const agent = await pendingSignIn();
    const token = `invitation-token-${agent.id}`;
    await stack.env.sql`insert into invitations (user_id, token_hash, expires_at) values (${agent.id}, ${tokenHash(token)}, now() + interval '1 day')`;
    await invitationsService(stack.env.sql, stack.env.config).accept(token, 'an-invited-password-3');
    expect((await verify(agent.challenge, agent.phone.next())).status).toBe(401);
  });
});
