// The shop's page learns which attributes its identify() did not write: Shopdesk.identify() in Debian's Chromium
// resolves with the session answer's `attributesRefused` when there is one (a key the shop's backend owns, one past
// the caps), and without the field when everything was written. After the backend releases its key
// (PATCH /api/customers/:id/attributes with `release`), the page's identify() writes it again.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { httpAs, login } from '../support/server.ts';
import { newWidgetPage, openDemo, widgetTestBed } from './widget-helpers.ts';
import { MAX_SHOP_ATTRIBUTES } from '../../server/services/customer-attributes.ts';

const IDENTITY_SECRET = 'attributes-refused-e2e-identity-secret';
const hmac = (userId: string) => createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex');

const bed = widgetTestBed({ stack: { config: { identitySecret: IDENTITY_SECRET, rateLimitSessionsPerMinute: 300 } } });

describe('Shopdesk.identify() and attributesRefused', () => {
  it('resolves with the keys the server did not write, and without the field when it wrote them all', async () => {
    const { page: shop } = await newWidgetPage(bed.browser, bed.contexts);
    await openDemo(bed.stack, shop);
    type Answer = { customerId: number; identified: boolean; attributesRefused?: { key: string; reason: string }[] };
    const identify = (attributes: Record<string, unknown>) => shop.evaluate(([hash, attributes]) =>
      window.Shopdesk!.identify({ userId: 'refused-9', hash, attributes: attributes as Record<string, string | number | boolean | null> }), [hmac('refused-9'), attributes] as const) as Promise<Answer>;

    const first = await identify({ plan: 'Free', segment: 'page' });
    expect(first.identified).toBe(true);
    expect('attributesRefused' in first).toBe(false);

    // The shop's backend takes "plan" over; the page's next identify() also brings more keys than a record holds.
    const agent = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
    const owned = await httpAs(bed.stack.url, 'PATCH', `/api/customers/${first.customerId}/attributes`, agent, { attributes: { plan: 'Enterprise' } });
    expect(owned.status, owned.text).toBe(200);
    const many = Object.fromEntries(Array.from({ length: MAX_SHOP_ATTRIBUTES - 1 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i]));
    const second = await identify({ plan: 'Free', ...many });
    expect(second).toEqual({
      customerId: first.customerId, identified: true,
      // plan and segment are stored: 2 + 28 fit, the 29th new key does not.
      attributesRefused: [{ key: 'plan', reason: 'backend_owned' }, { key: `k${MAX_SHOP_ATTRIBUTES - 2}`, reason: 'too_many' }],
    });

    // The backend hands "plan" back: the page's value is written, and nothing is refused.
    const released = await httpAs(bed.stack.url, 'PATCH', `/api/customers/${first.customerId}/attributes`, agent, { release: ['plan'] });
    expect(released.status, released.text).toBe(200);
    const third = await identify({ plan: 'Free' });
    expect(third).toEqual({ customerId: first.customerId, identified: true });
    const [row] = await bed.stack.env.sql<{ attributes: Record<string, unknown> }[]>`select attributes from customers where id = ${first.customerId}`;
    expect(row.attributes.plan).toBe('Free');
  }, 90_000);
});
