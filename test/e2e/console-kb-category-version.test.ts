// The article editor in Chromium, from a shop owner's first-day review (real server with the knowledge base,
// Postgres, Redis): the Category field offers the existing categories by the names the list shows and files the
// article under the category it names ("Orders" → `orders`, not a second "Orders"); and a new article's status says
// what its version number is (every save, publish and unpublish is one, so its first publish is v2).
import { describe, expect, it } from 'vitest';
import { signedInConsole } from '../support/browser.ts';
import { httpAs, login } from '../support/server.ts';
import { knowledgeBaseConsoleBed } from '../support/kb-console-bed.ts';

const bed = knowledgeBaseConsoleBed();

describe('the article editor', () => {
  it('offers the categories by their shown names and saves the key; says what the version number counts', async () => {
    const admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    for (const [slug, category] of [['track-parcel', 'orders'], ['contact-hours', 'support']]) {
      const created = await httpAs(bed.stack.url, 'POST', '/api/admin/articles', admin, { slug, locale: 'en', title: `About ${slug}`, body: 'Text.', category });
      expect(created.status).toBe(201);
    }

    const { page, errors } = await signedInConsole(bed, '/console/admin/kb', { account: bed.stack.admin });
    await page.getByTestId('kb-new').click();
    const category = page.getByTestId('kb-category');
    // A new article starts in "General", as the list would show it; the suggestions are the shown names.
    expect(await category.inputValue()).toBe('General');
    const listId = await category.getAttribute('list');
    expect(listId).toBeTruthy();
    await expect.poll(() => page.locator(`datalist#${listId} option`).evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value)))
      .toEqual(['Contact us', 'General', 'Orders']);

    await page.getByTestId('kb-slug').fill('cancel-order');
    await page.getByTestId('kb-title').fill('Cancel an order');
    await category.fill('Orders');
    await page.getByTestId('kb-body').fill('Write to us within an hour of ordering.');
    await page.getByTestId('kb-save').click();
    await expect.poll(() => page.getByTestId('kb-status').textContent()).toContain('Draft');
    const [saved] = await bed.stack.env.sql<{ category: string }[]>`select category from articles where slug = 'cancel-order'`;
    expect(saved.category).toBe('orders');
    // The field shows the category as the list does, and nothing is left unsaved.
    expect(await category.inputValue()).toBe('Orders');
    expect(await page.getByTestId('kb-save').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="kb-item"][data-slug="cancel-order"] + div').textContent()).toContain('Orders');

    // Published for the first time: the status is "Published", and the version beside it says what it counts.
    expect(await page.getByTestId('kb-version-note').textContent()).toBe('v1 in the history below: each save, publish or unpublish adds a version');
    await page.getByTestId('kb-publish').click();
    await expect.poll(() => page.getByTestId('kb-status').locator('.badge').textContent()).toBe('Published');
    expect(await page.getByTestId('kb-status').textContent()).not.toContain('Published · v2');
    expect(await page.getByTestId('kb-version-note').textContent()).toBe('v2 in the history below: each save, publish or unpublish adds a version');
    await expect.poll(() => page.getByTestId('kb-version').count()).toBe(2);

    // A category nobody has yet is still possible, kept as typed.
    await page.getByTestId('kb-new').click();
    await page.getByTestId('kb-slug').fill('gift-wrap');
    await page.getByTestId('kb-title').fill('Gift wrap');
    await category.fill('Gift wrapping');
    await page.getByTestId('kb-body').fill('Two dollars.');
    await page.getByTestId('kb-save').click();
    await expect.poll(async () => (await bed.stack.env.sql`select category from articles where slug = 'gift-wrap'`)[0]?.category).toBe('Gift wrapping');
    expect(errors).toEqual([]);
  });
});
