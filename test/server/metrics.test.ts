// /metrics (server/plugins/metrics.ts): Prometheus text with the HTTP timings of the routes served; open by default
// (a scraper on a private network), and with METRICS_TOKEN only to that bearer token. Real server, Postgres, Redis.
import { afterAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/server.ts';

const stacks: TestStack[] = [];
afterAll(async () => {
  for (const stack of stacks) await stack.close();
});

const scrape = async (stack: TestStack, authorization?: string) => {
  const response = await fetch(`${stack.url}/metrics`, { headers: authorization ? { authorization } : {} });
  return { status: response.status, text: await response.text() };
};

describe('/metrics', () => {
  it('is open without METRICS_TOKEN and counts the requests served', async () => {
    const stack = await startStack();
    stacks.push(stack);
    await fetch(`${stack.url}/healthz`);
    const open = await scrape(stack);
    expect(open.status).toBe(200);
    expect(open.text).toMatch(/route="\/healthz"/);
  });

  it('answers only the bearer token when METRICS_TOKEN is set', async () => {
    const stack = await startStack({ config: { metricsToken: 'scrape-token-0123456789' } });
    stacks.push(stack);
    expect((await scrape(stack)).status).toBe(401);
    expect((await scrape(stack, 'Bearer not-the-token')).status).toBe(401);
    expect((await scrape(stack, 'scrape-token-0123456789')).status).toBe(401); // the scheme is part of it
    const allowed = await scrape(stack, 'Bearer scrape-token-0123456789');
    expect(allowed.status).toBe(200);
    expect(allowed.text).toMatch(/^# HELP /m);
  });
});
