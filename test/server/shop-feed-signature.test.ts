// The shop feed's signature carries the time it was made (x-shopdesk-timestamp, as the outgoing webhooks do), so a
// captured call cannot be sent again later to bring back old prices, stock or order states. The older form without
// it still works for now, answered with `Deprecation: true` and one warning in the log per process.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/server.ts';
import { feedSignature } from '../../server/services/visitor-tokens.ts';
import shopFeedRoutes from '../../server/http/shop-feed-routes.ts';

const IDENTITY_SECRET = 'feed-signature-identity-secret';
let stack: TestStack;

beforeAll(async () => {
  stack = await startStack({ config: { identitySecret: IDENTITY_SECRET } });
});
afterAll(() => stack?.close());

const nowSeconds = () => Math.floor(Date.now() / 1000);
const lamp = (priceCents: number) => ({ sku: 'SIG-LAMP-1', name: 'Arc Floor Lamp', priceCents, inStock: true });
const order = (status: string) => ({
  number: 'NW-800001', customerExternalId: 'feed-user-1', status, totalCents: 1200, placedAt: '2026-11-30T09:00:00Z',
  items: [{ sku: 'MUG-1', name: 'Camp Mug', quantity: 1, priceCents: 1200 }],
});

/** One feed call as the shop's backend makes it: `timestamp` undefined signs the older way, without one. */
async function feedCall(purpose: 'orders' | 'products', body: string, signing: { timestamp?: number; sentTimestamp?: string; secret?: string } = {}) {
  const signature = `sha256=${feedSignature(signing.secret ?? IDENTITY_SECRET, purpose, body, signing.timestamp)}`;
  const sent = signing.sentTimestamp ?? (signing.timestamp === undefined ? undefined : String(signing.timestamp));
  const response = await fetch(`${stack.url}/api/integrations/${purpose}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-shopdesk-signature': signature, ...(sent !== undefined ? { 'x-shopdesk-timestamp': sent } : {}) },
    body,
  });
  const json = (await response.json()) as any;
  return { status: response.status, json, message: json.error?.message as string | undefined, deprecation: response.headers.get('deprecation') };
}
const storedPrice = async () => (await stack.env.sql<{ price_cents: number }[]>`select price_cents from products where sku = 'SIG-LAMP-1'`)[0]?.price_cents;
const storedStatus = async () => (await stack.env.sql<{ status: string }[]>`select status from orders where number = 'NW-800001'`)[0]?.status;

// First in the file: the warning is logged once per process, and this process's server has sent none yet.
describe('the older signature without a timestamp', () => {
  it('is logged once per process, however many calls use it, and each such call is answered with Deprecation: true', async () => {
    const lines: Record<string, any>[] = [];
    const stream = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done(); } });
    const app = Fastify({ logger: { level: 'warn', stream } });
    await app.register(shopFeedRoutes(stack.servers[0].handle.ctx) as never);
    const put = (body: string, timestamp?: number) => app.inject({
      method: 'PUT', url: '/api/integrations/products', body,
      headers: {
        'content-type': 'application/json', 'x-shopdesk-signature': `sha256=${feedSignature(IDENTITY_SECRET, 'products', body, timestamp)}`,
        ...(timestamp !== undefined ? { 'x-shopdesk-timestamp': String(timestamp) } : {}),
      },
    });
    const body = JSON.stringify({ products: [] });
    const untimed = [await put(body), await put(body)];
    const timed = await put(body, nowSeconds());
    await app.close();
    for (const response of untimed) {
      expect(response.statusCode).toBe(200);
      expect(response.headers.deprecation).toBe('true');
    }
    expect(timed.statusCode).toBe(200);
    expect(timed.headers.deprecation).toBeUndefined();
    const warnings = lines.filter((l) => /signed without x-shopdesk-timestamp/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, feed: 'products' });
    expect(warnings[0].msg).toMatch(/Sign "products:<timestamp>\.<body>" and send the timestamp in x-shopdesk-timestamp/);
  });

  it('still writes orders and products, answered with Deprecation: true', async () => {
    const products = await feedCall('products', JSON.stringify({ products: [lamp(15900)] }));
    expect(products).toMatchObject({ status: 200, deprecation: 'true' });
    const orders = await feedCall('orders', JSON.stringify({ orders: [order('paid')] }));
    expect(orders).toMatchObject({ status: 200, json: { inserted: 1, updated: 0, stale: 0 }, deprecation: 'true' });
    expect(await storedPrice()).toBe(15900);
  });
});

describe('the timestamped signature', () => {
  it('takes a call signed within five minutes of the server clock, without Deprecation', async () => {
    for (const timestamp of [nowSeconds(), nowSeconds() - 240, nowSeconds() + 60]) {
      const answer = await feedCall('products', JSON.stringify({ products: [lamp(14900)] }), { timestamp });
      expect(answer).toMatchObject({ status: 200, json: { inserted: 0, updated: 1, removed: 0 }, deprecation: null });
    }
    const orders = await feedCall('orders', JSON.stringify({ orders: [order('shipped')] }), { timestamp: nowSeconds() });
    expect(orders).toMatchObject({ status: 200, json: { inserted: 0, updated: 1, stale: 0 }, deprecation: null });
    expect(await storedStatus()).toBe('shipped');
  });

  it('refuses a captured call sent again later: the old price and the old order state do not come back', async () => {
    // Signed properly ten minutes ago, when the lamp cost more and the order was only paid.
    const tenMinutesAgo = nowSeconds() - 600;
    await feedCall('products', JSON.stringify({ products: [lamp(12900)] }), { timestamp: nowSeconds() });
    const replayed = await feedCall('products', JSON.stringify({ products: [lamp(19900)] }), { timestamp: tenMinutesAgo });
    expect(replayed.status).toBe(401);
    expect(replayed.message).toMatch(new RegExp(`^x-shopdesk-timestamp ${tenMinutesAgo} is 6\\d\\d seconds behind this server's clock \\(\\d+\\); a signed call is taken within 5 minutes of its timestamp\\.`));
    expect(await storedPrice()).toBe(12900);
    const replayedOrder = await feedCall('orders', JSON.stringify({ orders: [order('paid')] }), { timestamp: tenMinutesAgo });
    expect(replayedOrder.status).toBe(401);
    expect(await storedStatus()).toBe('shipped');
    // A clock far ahead is refused the same way, saying which way it is off.
    const ahead = await feedCall('products', JSON.stringify({ products: [lamp(19900)] }), { timestamp: nowSeconds() + 3600 });
    expect(ahead.status).toBe(401);
    expect(ahead.message).toMatch(/ is 3\d\d\d seconds ahead of this server's clock/);
    expect(await storedPrice()).toBe(12900);
  });

  it('signs the timestamp: another time in the header, or a call signed the older way sent with a timestamp, does not match', async () => {
    const body = JSON.stringify({ products: [lamp(19900)] });
    const now = nowSeconds();
    // A captured call with its header moved forward to pass the clock check.
    const moved = await feedCall('products', body, { timestamp: now - 600, sentTimestamp: String(now) });
    expect(moved.status).toBe(401);
    expect(moved.message).toMatch(/^x-shopdesk-signature does not match this body and x-shopdesk-timestamp .*HMAC-SHA256 of "products:" followed by the x-shopdesk-timestamp value, "\." and the raw request body/);
    const olderForm = await feedCall('products', body, { sentTimestamp: String(now) });
    expect(olderForm.status).toBe(401);
    // Another secret's signature does not match at any time.
    expect((await feedCall('products', body, { timestamp: now, secret: 'another-secret' })).status).toBe(401);
    expect(await storedPrice()).toBe(12900);
  });

  it('says what a timestamp must be: whole Unix seconds, not milliseconds or a date', async () => {
    const body = JSON.stringify({ products: [lamp(19900)] });
    for (const sent of [String(Date.now()), '2026-12-06T23:00:00Z', '', '1796000000.5']) {
      const answer = await feedCall('products', body, { timestamp: nowSeconds(), sentTimestamp: sent });
      expect(answer.status, sent).toBe(401);
      expect(answer.message, sent).toMatch(/^x-shopdesk-timestamp must be the current Unix time in whole seconds \(like \d{10}; not milliseconds, not a date\)/);
    }
    expect(await storedPrice()).toBe(12900);
  });

  it('is documented: the error for a missing signature and the OpenAPI document name the timestamp', async () => {
    const unsigned = await fetch(`${stack.url}/api/integrations/orders`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"orders":[]}' });
    expect(((await unsigned.json()) as any).error.message).toMatch(/HMAC-SHA256 of "orders:" followed by the x-shopdesk-timestamp value, "\." and the raw request body.*sent with x-shopdesk-timestamp: <the current Unix time in seconds, within 5 minutes of the server's clock>/);
    const spec = (await (await fetch(`${stack.url}/docs/json`)).json()) as any;
    expect(spec.components.securitySchemes.feedSignature.description).toMatch(/x-shopdesk-timestamp/);
    for (const path of ['/api/integrations/orders', '/api/integrations/products']) {
      const timestampHeader = spec.paths[path].put.parameters.find((p: any) => p.in === 'header' && p.name === 'x-shopdesk-timestamp');
      expect(timestampHeader?.description, path).toMatch(/Unix seconds; part of what x-shopdesk-signature signs/);
    }
  });
});
