// TRUST_PROXY decides whose X-Forwarded-For the server believes, and so which address the rate limits count. Behind
// one proxy (TRUST_PROXY=1) the proxy's appended entry is the client: a client that writes its own X-Forwarded-For
// cannot step around the sign-in limit, while another real client keeps its own allowance. Real server, Redis, HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { startStack, type TestStack } from '../support/server.ts';

describe('TRUST_PROXY', () => {
  it('reads false, a hop count, addresses or true', () => {
    const read = (value: string | undefined) => loadConfig({ TRUST_PROXY: value } as NodeJS.ProcessEnv).trustProxy;
    expect(read(undefined)).toBe(false);
    expect(read('false')).toBe(false);
    expect(read('0')).toBe(false);
    expect(read('1')).toBe(1);
    expect(read('10.0.0.5, 10.0.1.0/24')).toEqual(['10.0.0.5', '10.0.1.0/24']);
    expect(read('true')).toBe(true);
  });
});

describe('sign-in limit behind one proxy', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ config: { trustProxy: 1, rateLimitLoginsPerMinute: 3 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const wrongLogin = async (forwardedFor: string) => (await fetch(`${stack.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ email: stack.agent.email, password: 'not-the-password' }),
  })).status;

  it("counts the address the proxy saw, whatever the client wrote before it", async () => {
    // The test plays the proxy: it appends the client's real address after whatever the client sent.
    const statuses = [];
    for (let n = 1; n <= 4; n++) statuses.push(await wrongLogin(`198.51.100.${n}, 203.0.113.7`));
    expect(statuses).toEqual([401, 401, 401, 429]);
    // Another shopper or agent behind the same proxy is not locked out by that one.
    expect(await wrongLogin('203.0.113.8')).toBe(401);
  });
});
