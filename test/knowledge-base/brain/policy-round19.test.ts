// Round 19 of the answer policy (knowledge-base/README.md): what round 18 left about the return label's cost, and what a
// new development set written before the bot ran on it (content/shopper-questions-dev-19.json) found around it. Each
// behaviour below was wrong before this round: "is the return label free?" after "how do i start a return" a
// clarification between the two return articles; a shopper abroad asking for a free label or who pays to send it back
// answered from the start-a-return article, the international shipping article or an unrelated one; a courier chosen,
// and an item added to a placed order, answered from the tracking and the exchanges articles. Real demo content, orders
// and catalogue, and a classifier trained from them, as a shop runs it.
import { beforeAll, describe, expect, it } from 'vitest';
import { after, askerOf, demoShopPipeline, headingOf, slugOf } from './demo-shop.ts';

let ask: ReturnType<typeof askerOf>;
beforeAll(async () => {
  ask = askerOf(await demoShopPipeline());
}, 120_000);

const COSTS = 'Return policy — Return shipping cost';

describe('round 18\'s leftovers on the return label\'s cost and a new development set (2026-12-07, round 19)', () => {
  it('answers "is the return label free?" after "how do i start a return" from the return costs section', async () => {
    const start = await ask('how do i start a return', { locale: 'en' });
    expect(slugOf(start)).toBe('start-a-return');
    const free = await ask('is the return label free?', { locale: 'en', history: after('how do i start a return', start) });
    expect(free.action).toBe('answer');
    expect(headingOf(free)).toBe(COSTS);
    // Where the label comes from is still the start-a-return article's.
    const ups = await ask('can i print the label at a ups store?', { locale: 'en', history: after('how do i start a return', start) });
    expect(headingOf(ups)).toBe('How to start a return — Get your return label');
  });

  it('answers a shopper outside the US asking for a free label, or who pays to send it back, from the return costs section', async () => {
    const start = await ask('how do i start a return', { locale: 'en' });
    for (const text of ['i live in canada, do i still get a free label?', "I'm in the UK, who pays the postage to send it back?"]) {
      const d = await ask(text, { locale: 'en', history: after('how do i start a return', start) });
      expect(d.action, text).toBe('answer');
      expect(headingOf(d), text).toBe(COSTS);
      expect(d.reply, text).toMatch(/International shoppers, for example in Canada, the UK or Australia, do not get a free label/);
    }
    const australia = await ask('are returns free if i live in australia?', { locale: 'en' });
    expect(australia.action).toBe('answer');
    expect(headingOf(australia)).toBe(COSTS);
  });

  it('does not answer a Chinese shopper in Canada from the US-only label section', async () => {
    const start = await ask('怎么申请退货');
    const canada = await ask('我在加拿大，也有免费的退货面单吗？', { history: after('怎么申请退货', start) });
    expect(headingOf(canada)).not.toBe('如何申请退货 — 获取退货面单');
    // Review r2: the question at the end of a story leaned to starting a return on its own, and the tie went to the label
    // section with the country left out. The tie is not settled by the lean for such a question, and the label
    // sections say the label is free in the US only, so either answer holds for a shopper abroad.
    for (const text of ['我在加拿大，退货面单免费吗？', '我人在香港，退货面单免费吗？', '我住在澳洲，退货面单免费吗？']) {
      const d = await ask(text);
      if (d.action === 'answer') expect(d.reply, text).toMatch(/美国以外/);
      else expect(d.metadata.decision, text).toBe('clarify');
    }
  });

  it('answers choosing a courier and adding an item to a placed order from the sections that say so', async () => {
    for (const [text, heading] of [
      ['can i pick which courier delivers my order?', 'Shipping times and carriers — Which carrier delivers my parcel'],
      ['can i add another item to the order i just placed?', 'Changing or cancelling an order — Changing items, size or colour in an order'],
    ] as const) {
      const d = await ask(text, { locale: 'en' });
      expect(d.action, text).toBe('answer');
      expect(headingOf(d), text).toBe(heading);
    }
  });
});
