// Round 20 of the answer policy (knowledge-base/README.md): a development set written before the bot ran on it
// (content/shopper-questions-dev-20.json: payments, codes, accounts, invoices, care, delivery, and services the demo
// shop does not name), and a shop review's gift-wrapping question. Each behaviour below was wrong before this round:
// engraving asked for was answered from the return policy's "personalised or engraved items" (the shop never
// says it engraves); refurbished stock was offered the warranty; "how long do i have?" after "i want to return my
// sweater" got standard shipping times; "can you wrap my present? how much is that" and "can you
// engrave my watch? how much does that cost" got the shipping fees; "two factor" was a clarification. A review's
// ordinary questions that the first version of the new services took (an invoice name, personalised ads, an item that
// arrived open box) are answered as before. Real demo content, orders and catalogue, and a classifier trained from them, as a shop runs it.
import { beforeAll, describe, expect, it } from 'vitest';
import { after, askerOf, demoShopPipeline, headingOf, slugOf } from './demo-shop.ts';

let ask: ReturnType<typeof askerOf>;
beforeAll(async () => {
  ask = askerOf(await demoShopPipeline());
}, 120_000);

describe('a development set on payments, accounts, care and services the shop does not name (2026-12-07, round 20)', () => {
  it('does not answer a request for engraving or refurbished stock from the returns article that only lists such items', async () => {
    for (const text of ['can you engrave the smartwatch as a gift', 'can I get the tote monogrammed?', 'do you sell refurbished earbuds cheaper', '可以刻字吗', '有二手的耳机卖吗']) {
      const d = await ask(text);
      expect(d.action, text).not.toBe('answer');
      expect(d.metadata.decision, text).toBe('fallback');
    }
    // Ordinary questions near those words are not about the services (a review of this round's first version).
    for (const [text, slug] of [
      ['how do I add my name to the invoice', 'invoices-receipts'],
      ['my order arrived open box and the seal was broken', 'damaged-or-wrong-item'],
    ]) {
      const d = await ask(text);
      expect(d.action, text).toBe('answer');
      expect(slugOf(d), text).toBe(slug);
    }
    // The price asked after naming a service is the service's: no answer from the shipping fees.
    for (const text of ['can you engrave my watch? how much does that cost', 'do you sell refurbished earbuds? how much do they cost', '我想在手表上刻字，要多少钱']) {
      const d = await ask(text);
      expect(d.action, text).not.toBe('answer');
      expect(d.miss, text).toBe(true);
    }
    // An engraved item's return is still the return policy's question.
    for (const text of ['can I return an engraved watch?', '刻字的手表能退吗']) {
      const d = await ask(text);
      expect(d.action, text).toBe('answer');
      expect(slugOf(d), text).toBe('return-policy');
    }
  });

  it('does not answer wrapping a present from the shipping fees its "how much" suggests', async () => {
    // A shop review: the owner's new article answered "do you offer gift wrapping?", but "can you wrap my present? how
    // much is that" was the shipping-cost intent at 0.85, answered with the fees.
    const shop = await demoShopPipeline([{
      slug: 'gift-wrapping', title: 'Gift wrapping and gift messages', category: 'orders', locale: 'en', status: 'published',
      body: '## Gift wrapping\n\nAdd gift wrapping at checkout for $4 an item: recycled paper and a ribbon, with the price tag removed.\n\n'
        + '## Gift messages\n\nWrite a message of up to 200 characters at checkout; we print it on a card inside the parcel.',
    }]);
    const offered = await shop.run('do you offer gift wrapping?', { locale: 'en' });
    expect(slugOf(offered)).toBe('gift-wrapping');
    // The article says nothing of a "present": answered from it, or not at all, and then counted a miss so that the
    // question reaches the owner's unanswered list; never from the fees.
    const present = await shop.run('can you wrap my present? how much is that', { locale: 'en' });
    if (present.action === 'answer') expect(slugOf(present)).toBe('gift-wrapping');
    else expect(present.miss).toBe(true);
    expect(slugOf(present)).not.toBe('shipping-costs');
    // In the demo shop, which says nothing of wrapping, the same question is not answered from the fees.
    const demo = await ask('can you wrap my present? how much is that');
    expect(demo.action).not.toBe('answer');
  }, 120_000);

  it('finds the return window by how a shopper asks for it, and two-step verification by its other names', async () => {
    const start = await ask('i want to return my sweater');
    const window = await ask('how long do i have?', { history: after('i want to return my sweater', start) });
    expect(headingOf(window)).toBe('Return policy — How long you have: the 30-day return window');
    for (const text of ['how do i turn on two factor', '怎么开启双重验证']) {
      const d = await ask(text);
      expect(d.action, text).toBe('answer');
      expect(headingOf(d), text).toMatch(/Two-step verification|两步验证/);
    }
  });
});
