// Signing in and starting a widget session while Redis is away: both need only Postgres, so they answer (the rate
// limits fail open, wrong passwords are counted in the server's memory meanwhile), instead of hanging for half a
// minute on Redis and ending in a 500. A real server over a redis-server of the test's own, stopped mid-test.
import { beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, type TestStack } from '../support/server.ts';
import { outageStack, type OutageStack } from '../support/outage-stack.ts';
import { MAX_WRONG_PASSWORDS } from '../../server/services/login-throttle.ts';
import { MAX_TOKEN_FAILURES } from '../../server/http/api-token-routes.ts';

// The per-address limit high enough that only the per-account count is met below.
const outage = outageStack({ config: { rateLimitLoginsPerMinute: 500 } });
let redis: OutageStack['redis'];
let stack: TestStack;
beforeAll(() => {
  ({ redis, stack } = outage);
});

/** A request that gives up after 10 s: a server waiting on the absent Redis takes 30 s and more. */
async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, json: await response.json() };
}

describe('requests during a Redis outage', () => {
  it('sign-in and widget sessions answer from Postgres, and wrong passwords are still counted', async () => {
    expect((await post('/api/auth/login', { email: stack.admin.email, password: stack.admin.password })).status).toBe(200);

    await redis.stop(stack.url); // returns once readiness says Redis is down

    const signedIn = await post('/api/auth/login', { email: stack.admin.email, password: stack.admin.password });
    expect(signedIn.status).toBe(200);
    expect(signedIn.json.user.email).toBe(stack.admin.email);
    const session = await post('/api/widget/sessions', { siteKey: 'demo' });
    expect(session.status).toBe(200);
    expect(session.json.visitorToken).toEqual(expect.any(String));

    // Guessing is still bounded: the count goes on in memory, and locks the account as Redis would have.
    for (let i = 0; i < MAX_WRONG_PASSWORDS; i++) expect((await post('/api/auth/login', { email: stack.agent.email, password: `wrong-${i}` })).status).toBe(401);
    const locked = await post('/api/auth/login', { email: stack.agent.email, password: stack.agent.password });
    expect(locked.status).toBe(429);
    expect(locked.json.error.code).toBe('too_many_wrong_passwords');

    // Redis back: the lock counted meanwhile still holds for its window; everyone else signs in as usual.
    await redis.start(stack.url);
    expect((await post('/api/auth/login', { email: stack.agent.email, password: stack.agent.password })).status).toBe(429);
    expect((await post('/api/auth/login', { email: stack.admin.email, password: stack.admin.password })).status).toBe(200);
  }, 90_000);

  it('API tokens answer from Postgres: a valid one is let in, refused ones are counted in memory and then refused outright', async () => {
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const made = await httpAs(stack.url, 'POST', '/api/admin/api-tokens', admin, { name: 'Outage sync', scope: 'agent' });
    expect(made.status).toBe(201);
    /** A Bearer call that gives up after 10 s, as post() above. */
    const withToken = async (token: string) => {
      const response = await fetch(`${stack.url}/api/conversations`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
      return { status: response.status, json: await response.json() };
    };
    expect((await withToken(made.json.token)).status).toBe(200);

    await redis.stop(stack.url);

    expect((await withToken(made.json.token)).status).toBe(200);
    // Before: each refused token waited on Redis and ended in a 500 (or the 10 s bound), never a 401.
    for (let i = 0; i < MAX_TOKEN_FAILURES; i++) {
      const refused = await withToken(`sd_wrong-outage-${i}`);
      expect(refused.status).toBe(401);
      expect(refused.json.error.code).toBe('api_token_invalid');
    }
    const throttled = await withToken('sd_wrong-outage-last');
    expect(throttled.status).toBe(429);
    expect(throttled.json.error.code).toBe('too_many_token_failures');
    // The count only ever refuses wrong tokens: the valid one still gets in from the same address.
    expect((await withToken(made.json.token)).status).toBe(200);

    // Redis back: the refusals counted meanwhile still hold for their window.
    await redis.start(stack.url);
    expect((await withToken('sd_wrong-after')).status).toBe(429);
    expect((await withToken(made.json.token)).status).toBe(200);
  }, 90_000);

  it("an admin's webhook test answers at once, its ping left pending for the sweeper", async () => {
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const [hook] = await stack.env.sql<{ id: number }[]>`
      insert into webhooks (url, secret, events) values ('https://crm.example.com/outage', 'outage-secret', ${['message.created']}::text[]) returning id::int`;

    await redis.stop(stack.url);

    const response = await fetch(`${stack.url}/api/admin/webhooks/${hook.id}/test`, {
      method: 'POST', headers: { cookie: admin.cookie }, signal: AbortSignal.timeout(10_000),
    });
    // Before: the ping waited on the queue's connection until Redis came back (here, the 10 s bound).
    expect(response.status).toBe(202);
    const { deliveryId } = await response.json() as { deliveryId: number };
    const [delivery] = await stack.env.sql<{ status: string }[]>`select status from webhook_deliveries where id = ${deliveryId}`;
    expect(delivery.status).toBe('pending');
    await redis.start(stack.url);
  }, 60_000);
});
