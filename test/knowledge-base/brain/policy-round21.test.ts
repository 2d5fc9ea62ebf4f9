// Round 21 of the answer policy (knowledge-base/README.md): a development set written before the bot ran on it
// (content/shopper-questions-dev-21.json: accounts, orders, returns, delivery, payments, care). Each behaviour below was
// wrong before this round: picking up an order "from your warehouse" was answered with the carriers the warehouse
// uses (the shop offers no pick-up); 退货要自己付运费吗 got the note on original shipping fees instead of who pays to send a
// return; swapping a colour before the order ships offered tracking and shipping times; a sign-in locked after too many
// tries offered the warranty. Real demo content, orders and catalogue, and a classifier trained from them, as a shop runs it.
import { beforeAll, describe, expect, it } from 'vitest';
import { askerOf, demoShopPipeline, headingOf, slugOf } from './demo-shop.ts';

let ask: ReturnType<typeof askerOf>;
beforeAll(async () => {
  ask = askerOf(await demoShopPipeline());
}, 120_000);

describe('a development set on accounts, orders, returns and delivery (2026-12-07, round 21)', () => {
  it('does not answer picking an order up at the warehouse from the carriers the warehouse uses', async () => {
    for (const text of ['can I pick up my order from your warehouse', 'can i pickup my parcel at your warehouse?']) {
      const d = await ask(text);
      expect(d.action, text).not.toBe('answer');
    }
    // How the warehouse ships is still answered.
    const carriers = await ask('which carrier delivers my parcel');
    expect(slugOf(carriers)).toBe('shipping-times');
  });

  it('answers who pays to send a return back, in Chinese, from the return costs', async () => {
    const d = await ask('退货要自己付运费吗', { locale: 'zh' });
    expect(d.action).toBe('answer');
    expect(slugOf(d)).toBe('return-policy');
    expect(headingOf(d)).toContain('退货的运费谁出');
  });

  it('answers a colour swap before shipping from changing an order', async () => {
    const d = await ask('need to swap the blue one in my order for black before it ships');
    expect(d.action).toBe('answer');
    expect(slugOf(d)).toBe('change-or-cancel-order');
    expect(headingOf(d)).toContain('Changing items, size or colour');
  });

  it('offers signing in, not the warranty, for an account locked after too many tries', async () => {
    const d = await ask('i tried logging in too many times and now it wont let me');
    const offered = [...(d.metadata.articles ?? []).map((a) => a.slug), ...d.quickReplies.map((q) => q.value)];
    expect(offered.some((value) => value.includes('account-password-reset')), JSON.stringify(offered)).toBe(true);
    expect(offered.some((value) => value.includes('warranty')), JSON.stringify(offered)).toBe(false);
  });
});
