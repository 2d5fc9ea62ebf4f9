// A console open with a session that ends elsewhere (the owner changed the password on another device) is closed by
// the server and lands on the login page, as a deactivated agent's does; in Debian's Chromium against a real server.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';
import { httpAs, login } from '../support/server.ts';
import { eventually } from '../support/sockets.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

const bed = consoleTestBed();

describe('a console whose session ended elsewhere', () => {
  it('goes to the login page when the owner changes the password on another device', async () => {
    const email = 'session-end-e2e@demo.shop';
    const password = 'session-end-pw-1';
    const [agent] = await bed.stack.env.sql<{ id: number }[]>`
      insert into users (email, name, role, password_hash, capacity)
      values (${email}, 'Sam Session', 'agent', ${await hashPassword(password)}, 5) returning id`;
    const stolen = await signedInConsole(bed, '/console', { account: { email, password } });
    await stolen.page.getByTestId('inbox').waitFor();
    // Its socket is connected: the console restored the agent's presence through it.
    await eventually(async () => (await bed.stack.env.sql`select 1 from users where id = ${agent.id} and presence = 'online'`).length > 0, 10_000, 'the console connected');

    const owner = await login(bed.stack.url, email, password);
    const changed = await httpAs(bed.stack.url, 'POST', '/api/auth/password', owner, { currentPassword: password, newPassword: 'session-end-pw-2' });
    expect(changed.status).toBe(200);

    await stolen.page.getByTestId('login-form').waitFor({ timeout: 10_000 });
    expect(stolen.errors).toEqual([]);
  });
});
