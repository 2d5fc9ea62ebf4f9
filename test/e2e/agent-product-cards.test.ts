// An agent attaches a product from the shop's catalogue to a reply in the console (Chromium), and the shopper's
// widget shows it as a card: the catalogue's name as text (never markup), its price, and a link that opens the
// product's page in a new tab without a handle on the shop's page.
import { describe, expect, it } from 'vitest';
import { callOk } from '../support/sockets.ts';
import type { Page } from 'playwright-core';
import { heldByTheDemoAgent, signedInConsole } from '../support/browser.ts';
import { productsRepository } from '../../knowledge-base/repositories/products.ts';
import { conversationOf, newWidgetPage, openDemo, openWidget, send, widgetTestBed } from './widget-helpers.ts';

const bed = widgetTestBed({ consoleBundle: true });

/** A shopper on the demo page (browser in `locale`) asks for a person; the chat ends up held by the demo agent. */
async function heldShopperChat(question: string, locale = 'en-US'): Promise<{ shop: Page; conversationId: number }> {
  const { page: shop } = await newWidgetPage(bed.browser, bed.contexts, { locale });
  await openDemo(bed.stack, shop);
  await openWidget(shop);
  await send(shop, question);
  const conversationId = await conversationOf(bed.stack, question);
  // The hand-off may have given it to the online demo agent already; else accept it.
  await heldByTheDemoAgent({ stack: bed.stack, agentApi: bed.agent }, conversationId);
  return { shop, conversationId };
}

/** The demo agent's console open on the chat. */
async function agentConsoleOn(conversationId: number): Promise<Page> {
  return (await signedInConsole(bed, `/console/conversations/${conversationId}`)).page;
}

describe('product cards from the console to the widget', () => {
  it('the agent searches the catalogue, attaches a product to the reply, and the widget shows its card with the right name and link', async () => {
    await productsRepository(bed.stack.env.sql).save([
      { sku: 'R10-TOTE-BLUE', name: 'Harbor Tote <b>blue</b>', url: 'https://shop.example/products/tote-blue', priceCents: 4800, currency: 'USD', inStock: true },
      { sku: 'R10-TOTE-SAND', name: 'Harbor Tote sand', url: 'https://shop.example/products/tote-sand', priceCents: 4800, currency: 'USD', inStock: false },
    ]);
    const { shop, conversationId } = await heldShopperChat('I would like to talk to a person please');

    const console_ = await agentConsoleOn(conversationId);
    await console_.getByTestId('composer').waitFor();
    await console_.getByTestId('attach-product').click();
    await console_.getByTestId('product-search').fill('r10-tote');
    const blue = console_.locator('[data-testid=pick-product][data-sku="R10-TOTE-BLUE"]');
    await blue.waitFor();
    // The picker shows what the agent chooses by: price and stock.
    expect(await console_.getByTestId('product-picker').locator('li', { has: blue }).textContent()).toBe('Harbor Tote <b>blue</b> · R10-TOTE-BLUE · $48.00 · In stock');
    await blue.click();
    expect(await console_.getByTestId('attached-products').textContent()).toContain('Harbor Tote <b>blue</b>');
    await console_.getByTestId('reply-input').fill('Yes, we have it in blue:');
    // The attached product is part of the reply's draft: a reload keeps it with the text, until the reply is sent.
    await console_.reload();
    await console_.getByTestId('reply-input').waitFor();
    expect(await console_.getByTestId('reply-input').inputValue()).toBe('Yes, we have it in blue:');
    expect(await console_.getByTestId('attached-products').textContent()).toContain('Harbor Tote <b>blue</b> · R10-TOTE-BLUE · $48.00 · In stock');
    await console_.getByTestId('send').click();
    // Sent, the attachment is cleared and the console's own copy of the message shows the card.
    await expect.poll(() => console_.getByTestId('attached-products').count()).toBe(0);
    await console_.getByTestId('sent-products').locator('a', { hasText: 'Harbor Tote <b>blue</b>' }).waitFor();
    // Nor does a reload bring the sent product (or text) back.
    await console_.reload();
    await console_.getByTestId('reply-input').waitFor();
    await console_.getByTestId('sent-products').first().waitFor();
    expect(await console_.getByTestId('attached-products').count()).toBe(0);
    expect(await console_.getByTestId('reply-input').inputValue()).toBe('');

    const reply = shop.locator('.log .msg:not(.mine)', { hasText: 'Yes, we have it in blue:' });
    await reply.waitFor({ timeout: 15_000 });
    const card = reply.locator('.articles li.product');
    expect(await card.count()).toBe(1);
    // The list is named for what it holds: products, not the articles' "Related articles".
    expect(await reply.locator('ul.articles').getAttribute('aria-label')).toBe('Products');
    expect(await reply.getByRole('list', { name: 'Products' }).locator('li.product').count()).toBe(1);
    const link = card.locator('a');
    expect(await link.textContent()).toBe('Harbor Tote <b>blue</b>'); // the name as text: no <b> element made of it
    expect(await card.locator('b').count()).toBe(0);
    expect(await link.getAttribute('href')).toBe('https://shop.example/products/tote-blue');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await card.locator('span').textContent()).toBe('$48.00');
  }, 120_000);

  it("lists every product an agent picked, one without page or price as plain text, and shows the agent's words as written", async () => {
    await productsRepository(bed.stack.env.sql).save([
      { sku: 'R10-MUG', name: 'Enamel Mug', url: null, priceCents: null },
      { sku: 'R10-SCARF', name: 'Wool Scarf', url: 'https://shop.example/products/scarf', priceCents: 2500, currency: 'USD' },
    ]);
    // A shopper whose widget speaks Chinese: the list's name is in their language.
    const { shop, conversationId } = await heldShopperChat('Can a person help me choose a gift?', 'zh-CN');
    // Shaped like a bot's product answer (the product's name first, a "label: <url>" line last): the widget must not
    // turn the first line into a heading or drop the last.
    const text = 'Wool Scarf\nIt is warm and soft.\nScarf: https://shop.example/products/scarf';
    await callOk(bed.agent, 'message:send', { conversationId, clientId: 'gift-pick', text, products: [{ sku: 'R10-SCARF' }, { sku: 'R10-MUG' }] });

    const reply = shop.locator('.log .msg:not(.mine)', { hasText: 'It is warm and soft.' });
    await reply.waitFor({ timeout: 15_000 });
    expect(await reply.locator('.heading').count()).toBe(0);
    expect(await reply.locator('.bubble > .text').textContent()).toBe(text);
    const cards = reply.locator('.articles li.product');
    expect(await cards.count()).toBe(2);
    expect(await reply.locator('ul.articles').getAttribute('aria-label')).toBe('商品');
    expect(await cards.nth(0).locator('a').textContent()).toBe('Wool Scarf');
    expect(await cards.nth(1).textContent()).toBe('Enamel Mug'); // no page, no price: its name, not a link
    expect(await cards.nth(1).locator('a').count()).toBe(0);
  }, 120_000);

  it('a refused reply puts its product back beside the text, in the draft, so a reload still shows both', async () => {
    await productsRepository(bed.stack.env.sql).save([{ sku: 'R14-CAP', name: 'Canvas Cap', url: null, priceCents: 1500, currency: 'USD' }]);
    const { conversationId } = await heldShopperChat('A person please, about a cap');

    const console_ = await agentConsoleOn(conversationId);
    const input = console_.getByTestId('reply-input');
    await input.waitFor();
    await console_.getByTestId('attach-product').click();
    await console_.getByTestId('product-search').fill('r14-cap');
    await console_.locator('[data-testid=pick-product][data-sku="R14-CAP"]').click();
    await input.fill('This one:');
    // A teammate resolves the chat meanwhile: the server refuses the reply (Enter still sends it).
    await callOk(bed.agent, 'conversation:resolve', { conversationId });
    await input.press('Enter');
    await console_.locator('.conversation > p.error[role=alert]').waitFor({ timeout: 10_000 });
    await expect.poll(() => input.inputValue()).toBe('This one:');
    expect(await console_.getByTestId('attached-products').textContent()).toContain('Canvas Cap');
    await console_.reload();
    await input.waitFor();
    expect(await input.inputValue()).toBe('This one:');
    expect(await console_.getByTestId('attached-products').textContent()).toContain('Canvas Cap');
  }, 120_000);
});
