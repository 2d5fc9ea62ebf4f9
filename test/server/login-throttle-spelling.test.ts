// The wrong-password count per account (server/services/login-throttle.ts) is keyed by the address as the account
// lookup compares it, Postgres's lower(): "İ" (U+0130) is "i" to the database but "i̇" to JavaScript, so keyed by
// JavaScript's lower-casing, each spelling of an address with an "i" in it signed in to the same account under a
// window of its own. Real server, Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, startStack, type TestStack } from '../support/server.ts';
import { MAX_WRONG_PASSWORDS } from '../../server/services/login-throttle.ts';

let stack: TestStack;

beforeAll(async () => {
  // The per-address limit high enough that only the per-account one is met.
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 500 } });
});
afterAll(async () => {
  await stack?.close();
});

const login = (email: string, password: string) => httpAs(stack.url, 'POST', '/api/auth/login', null, { email, password });

describe('wrong passwords per account, whatever the spelling of the address', () => {
  it('a dotted capital İ in the address finds the account, and shares its count', async () => {
    const plain = stack.admin.email; // admin@demo.shop
    expect(plain).toContain('i');
    // The address with its "i" spelled "İ": only the database lowers it back to the account's.
    const spelled = plain.replace(/i/g, 'İ');
    expect(spelled.toLowerCase()).not.toBe(plain.toLowerCase()); // JavaScript sees another address…
    expect((await login(spelled, stack.admin.password)).status).toBe(200); // …the account lookup the same one: the premise

    // Wrong passwords under both spellings count together.
    for (let i = 0; i < MAX_WRONG_PASSWORDS / 2; i++) expect((await login(plain, `wrong-${i}`)).status).toBe(401);
    for (let i = 0; i < MAX_WRONG_PASSWORDS / 2; i++) expect((await login(spelled, `wrong-${i}`)).status).toBe(401);
    // The right password is refused under either spelling: the window is the account's.
    const viaSpelled = await login(spelled, stack.admin.password);
    expect(viaSpelled.status).toBe(429);
    expect(viaSpelled.json.error.code).toBe('too_many_wrong_passwords');
    expect((await login(plain, stack.admin.password)).status).toBe(429);
    // Another account is untouched.
    expect((await login(stack.agent.email, stack.agent.password)).status).toBe(200);
  });
});
