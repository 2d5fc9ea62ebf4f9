// Custom attributes end to end in Debian's Chromium against a real server, Postgres and Redis: the shop's page calls
// Shopdesk.identify() with attributes (a verified hash), and the customer panel beside the chat lists them, numbers
// and booleans readable, in English and Chinese; a later identify() that changes and removes keys shows up live.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { artifactPath, signedInConsole } from '../support/browser.ts';
import { conversationOf, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const IDENTITY_SECRET = 'attributes-e2e-identity-secret';
const hmac = (userId: string) => createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex');

const bed = widgetTestBed({ consoleBundle: true, stack: { config: { identitySecret: IDENTITY_SECRET, rateLimitSessionsPerMinute: 300, rateLimitLoginsPerMinute: 60 } } });

describe('custom attributes', () => {
  it("identify() attributes show in the console's customer panel, and follow a later identify()", async () => {
    const { page: shop } = await newWidgetPage(bed.browser, bed.contexts);
    await openDemo(bed.stack, shop);
    const identify = (attributes: Record<string, unknown>) => shop.evaluate(([hash, attributes]) =>
      window.Shopdesk!.identify({ userId: 'vip-7', hash, name: 'Vera Vip', attributes: attributes as Record<string, string | number | boolean | null> }), [hmac('vip-7'), attributes] as const);
    const signedIn = await identify({ plan: 'VIP', lifetimeValue: 1200, wholesale: true, 'Signup date': '2024-03-01' });
    expect(signedIn.identified).toBe(true);
    await openWidget(shop);
    await send(shop, 'Where is my wholesale order?');
    const conversationId = await conversationOf(bed.stack, 'Where is my wholesale order?');

    const { page, errors } = await signedInConsole(bed, `/console/conversations/${conversationId}`);
    const panel = page.getByTestId('customer-panel');
    const list = panel.getByTestId('attributes');
    const value = (key: string) => list.locator(`dd[data-key="${key}"]`);
    await value('plan').waitFor();
    expect(await panel.getByRole('heading', { name: 'Attributes' }).count()).toBe(1);
    expect(await list.locator('dt').allTextContents()).toEqual(['lifetimeValue', 'plan', 'Signup date', 'wholesale']); // by name
    expect(await value('plan').textContent()).toMatch(/^VIP/);
    expect(await value('lifetimeValue').textContent()).toMatch(/^1,200/);
    expect(await value('wholesale').textContent()).toMatch(/^Yes/);
    expect(await value('Signup date').textContent()).toMatch(/^2024-03-01/);
    await list.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifactPath('console-customer-attributes.png') });

    // The shop's next page: a changed value, a removal. The open panel follows without a reload.
    await identify({ wholesale: false, plan: null });
    await expect.poll(() => value('wholesale').textContent(), { timeout: 10_000 }).toMatch(/^No/);
    expect(await value('plan').count()).toBe(0);
    expect(await list.locator('dt').allTextContents()).toEqual(['lifetimeValue', 'Signup date', 'wholesale']);
    // NaN would travel as null (a removal): identify() throws instead, and the value stays.
    await expect(identify({ lifetimeValue: Number.NaN })).rejects.toThrow(/non-finite number/);
    await expect(identify({ lifetimeValue: Number.POSITIVE_INFINITY })).rejects.toThrow(/non-finite number/);
    // A key the system keeps in the same column is not the shop's: the panel does not list it.
    await bed.stack.env.sql`update customers set attributes = attributes || '{"unverifiedUserId": "claimed-1"}'::jsonb where external_id = 'vip-7'`;

    // In Chinese: the heading and true/false in Chinese, the keys as the shop wrote them.
    const zh = await signedInConsole(bed, `/console/conversations/${conversationId}`, { consoleLanguage: 'zh' });
    const zhList = zh.page.getByTestId('customer-panel').getByTestId('attributes');
    await zhList.locator('dd[data-key="wholesale"]').waitFor();
    expect(await zh.page.getByTestId('customer-panel').getByRole('heading', { name: '属性' }).count()).toBe(1);
    expect(await zhList.locator('dd[data-key="wholesale"]').textContent()).toMatch(/^否/);
    expect(await zhList.locator('dd[data-key="lifetimeValue"]').textContent()).toMatch(/^1,200/);
    expect(await zhList.locator('dt').allTextContents()).toEqual(['lifetimeValue', 'Signup date', 'wholesale']);
    expect(errors).toEqual([]);
    expect(zh.errors).toEqual([]);
  }, 90_000);
});
