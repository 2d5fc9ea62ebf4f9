// The customer panel's tag chips send changes (PATCH /api/customers/:id/tags), not a whole set: a tag a teammate adds
// while this agent's save is on its way survives. Debian's Chromium (playwright-core) against a real server,
// Postgres and Redis; the agent's request is held in the browser until the teammate's has landed.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signInOnLoginPage } from '../support/browser.ts';
import { httpAs, login, widgetSession } from '../support/server.ts';

const bed = consoleTestBed();

const storedTags = async (id: number) => (await bed.stack.env.sql<{ tags: string[] }[]>`select tags from customers where id = ${id}`)[0].tags;

describe('customer tags in the console', () => {
  it("adding and removing a chip keeps a teammate's tag added while the save was on its way", async () => {
    const { customerId } = await widgetSession(bed.stack.url, { name: 'Tessa Tags' });
    const teammate = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    const context = await bed.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    bed.contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${bed.stack.url}/console/customers/${customerId}`);
    await signInOnLoginPage(page, bed.stack.agent);
    const panel = page.getByTestId('customer-panel');
    await panel.getByTestId('tag-input').waitFor();

    // Every customer PATCH the page sends waits until the teammate has tagged the customer meanwhile.
    const sent: { url: string; body: unknown }[] = [];
    let teammateTag = '';
    await page.route(`**/api/customers/${customerId}**`, async (route) => {
      const request = route.request();
      if (request.method() !== 'PATCH') return route.continue();
      sent.push({ url: new URL(request.url()).pathname, body: request.postDataJSON() });
      const tagged = await httpAs(bed.stack.url, 'PATCH', `/api/customers/${customerId}/tags`, teammate, { add: [teammateTag] });
      expect(tagged.status).toBe(200);
      await route.continue();
    });

    teammateTag = 'wholesale';
    await panel.getByTestId('tag-input').fill('vip');
    await panel.getByTestId('tag-input').press('Enter');
    await panel.getByTestId('tags').getByText('vip').waitFor();
    expect(await storedTags(customerId)).toEqual(['wholesale', 'vip']);

    teammateTag = 'late-payer';
    const removeVip = panel.getByTestId('tags').getByRole('button', { name: 'Remove vip' });
    await removeVip.click();
    await removeVip.waitFor({ state: 'detached' });
    expect(await storedTags(customerId)).toEqual(['wholesale', 'late-payer']);

    expect(sent).toEqual([
      { url: `/api/customers/${customerId}/tags`, body: { add: ['vip'] } },
      { url: `/api/customers/${customerId}/tags`, body: { remove: ['vip'] } },
    ]);
    expect(errors).toEqual([]);
  });
});
