// Wrong passwords are counted per account as well as per address (server/services/login-throttle.ts): after 20 in
// the window even the right password is refused for that account, another account is untouched, and an email with
// no account behaves the same, so the answers tell nobody which accounts exist. Real server, Postgres and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { httpAs, startStack, type TestStack } from '../support/server.ts';
import { prefixed } from '../../server/config.ts';
import { MAX_WRONG_PASSWORDS, WRONG_PASSWORD_WINDOW_MINUTES } from '../../server/services/login-throttle.ts';

let stack: TestStack;
let redis: Redis;

beforeAll(async () => {
  // The per-address limit high enough that only the per-account one is met.
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 500 } });
  redis = new Redis(stack.env.config.redisUrl);
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

const login = (email: string, password: string) => httpAs(stack.url, 'POST', '/api/auth/login', null, { email, password });

describe('wrong passwords per account', () => {
  it(`stops password sign-in for an account after ${MAX_WRONG_PASSWORDS} wrong ones, for it alone, and alike for an unknown email`, async () => {
    for (let i = 0; i < MAX_WRONG_PASSWORDS; i++) expect((await login(stack.agent.email, `wrong-${i}`)).status).toBe(401);
    const locked = await login(stack.agent.email.toUpperCase(), stack.agent.password); // the right one, any spelling of the address
    expect(locked.status).toBe(429);
    expect(locked.json.error).toEqual({ code: 'too_many_wrong_passwords', message: `Too many wrong passwords for this account. Try again in ${WRONG_PASSWORD_WINDOW_MINUTES} minutes.` });
    // The admin signs in as usual.
    expect((await login(stack.admin.email, stack.admin.password)).status).toBe(200);

    // An address with no account answers exactly the same way.
    for (let i = 0; i < MAX_WRONG_PASSWORDS; i++) expect((await login('nobody@demo.shop', `wrong-${i}`)).status).toBe(401);
    expect((await login('nobody@demo.shop', 'anything')).json.error.code).toBe('too_many_wrong_passwords');

    // The window started with the first failure and is not extended by later tries.
    const key = prefixed(stack.env.config, `login-failures:${createHash('sha256').update(stack.agent.email.toLowerCase()).digest('hex')}`);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(WRONG_PASSWORD_WINDOW_MINUTES * 60 - 30);
    expect(ttl).toBeLessThanOrEqual(WRONG_PASSWORD_WINDOW_MINUTES * 60);
    // Once the window is over (its key expired), the right password works and clears the count.
    await redis.del(key);
    expect((await login(stack.agent.email, 'one-more-wrong')).status).toBe(401);
    expect((await login(stack.agent.email, stack.agent.password)).status).toBe(200);
    expect(await redis.exists(key)).toBe(0);
  });
});
