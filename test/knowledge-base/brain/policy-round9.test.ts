// Round 9 of the answer policy (knowledge-base/README.md): things the shop does not do in words of its own topics (tax
// returns, returning a library book or a rental), when a fault showed (on arrival, later, or unsaid), another size asked
// for without the word "exchange", courtesy around a question, an order number in a question the classifier only leans
// to another topic for, and product facts asked on the tote's page. Real demo content, demo orders and catalogue, and
// a classifier trained from them, as a shop runs it.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../../knowledge-base/pipeline.ts';
import { asksForExchange, asksOutsideShop, faultShowed, withoutGreeting } from '../../../knowledge-base/signals.ts';
import { withCatalogueSpelling } from '../../../knowledge-base/products.ts';
import type { DecideContext } from '../../../knowledge-base/policy.ts';
import { demoProducts, demoShopPipeline } from './demo-shop.ts';

let shop: Pipeline;
const products = demoProducts();

beforeAll(async () => {
  shop = await demoShopPipeline();
}, 120_000);

const ask = (text: string, context: DecideContext = {}) => shop.run(text, { locale: /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en', ...context });
/** The article or product page the answer came from, else what the bot did. */
const answeredFrom = async (text: string, context: DecideContext = {}) => {
  const decision = await ask(text, context);
  return decision.action === 'answer' ? decision.metadata.articles?.[0]?.slug ?? decision.metadata.products?.[0]?.sku ?? decision.metadata.reason : decision.action;
};

describe('things the shop does not do (2026-12-04, round 9)', () => {
  it('tells a tax return or a borrowed thing from the shop\'s own returns and import taxes', () => {
    for (const text of ['do you do tax returns?', 'can you help me fill in my tax return', 'do you guys do taxes?', '报税怎么弄',
      'how do I return a library book', 'how do I return my rental scooter', '图书馆的书怎么还', '租的车怎么还']) {
      expect(asksOutsideShop(text), text).toBe(true);
    }
    for (const text of ['will I have to pay import tax in the UK', 'is tax included in the price?', 'how do I return my jeans',
      '寄到英国要交关税吗', '怎么退货', 'I borrowed my sister\'s card to pay, is that ok?']) {
      expect(asksOutsideShop(text), text).toBe(false);
    }
  });

  it('answers none of them from an article, and still answers import-tax questions', async () => {
    for (const text of ['do you do tax returns?', 'can you help me fill in my tax return', 'how do I return a rental car',
      'how do i return a book to the library', '租的车怎么还']) {
      const decision = await ask(text);
      expect(decision.metadata.articles ?? [], text).toEqual([]);
      expect(decision.metadata.reason, text).toBe('no_match');
      expect(decision.quickReplies.map((q) => q.value), text).toContain('handoff');
    }
    expect(await answeredFrom('will I have to pay import tax in the UK')).toBe('international-shipping');
    expect(await answeredFrom('how do I return my jeans')).toBe('start-a-return');
  });
});

describe('when a fault showed (2026-12-04, round 9)', () => {
  it('reads arrival, later use or nothing from the message', () => {
    expect(faultShowed('the power bank i got yesterday won\'t charge at all')).toBe('arrival');
    expect(faultShowed('今天到的充电宝充不进电，刚到货就这样')).toBe('arrival');
    expect(faultShowed('新买的耳机到手就充不了电')).toBe('arrival');
    expect(faultShowed('it broke after a week')).toBe('later');
    expect(faultShowed('耳机用了三个月左边没声音了，坏了')).toBe('later');
    expect(faultShowed('耳机坏了能保修吗')).toBe('later');
    expect(faultShowed('坏了')).toBe('unsaid');
    expect(faultShowed('we can\'t work out how to use the gift card')).toBeNull();
    expect(faultShowed('how do I return my jeans')).toBeNull();
  });

  it('answers a fault on arrival from the damaged-item article, though the classifier reads the warranty', async () => {
    for (const text of ['the power bank i got yesterday won\'t charge at all', '今天到的充电宝充不进电，刚到货就这样', '新买的耳机到手就充不了电',
      '我上周买了一件外套，今天到了但是拉链坏了，怎么办']) {
      expect(await answeredFrom(text), text).toBe('damaged-or-wrong-item');
    }
    expect(await answeredFrom('it broke after a week')).toBe('warranty-claims');
    expect(await answeredFrom('用了一个星期就坏了')).toBe('warranty-claims');
  });

  it('asks whether it arrived broken before answering "坏了" with the warranty', async () => {
    // The classifier is sure (0.91) it is a warranty question; most who write only this have just unpacked it.
    const decision = await ask('坏了');
    expect(decision.action).toBe('clarify');
    expect(decision.quickReplies.map((q) => q.value)).toEqual(['intent:damaged_item', 'intent:warranty_claim', 'handoff']);
    // Picking one answers from its article.
    const picked = await ask('坏了', { quickReply: 'intent:damaged_item' });
    expect(picked.metadata.articles?.map((a) => a.slug)).toEqual(['damaged-or-wrong-item']);
  });
});

describe('another size without the word "exchange" (2026-12-04, round 9)', () => {
  it('reads "instead" with a size, and Chinese "换双大的", as an exchange request', () => {
    for (const text of ['can we get a smaller one instead?', 'could you send a small instead?', 'could I trade it for a medium instead?',
      '鞋小了，能给我换双大的吗', '衬衫不合身，能换成中号吗？']) {
      expect(asksForExchange(text), text).toBe(true);
    }
    for (const text of ['can i get a refund instead?', 'I\'d like a refund instead of a smaller size',
      'i got a parcel today but instead of the black hoodie i ordered there\'s a white t-shirt']) {
      expect(asksForExchange(text), text).toBe(false);
    }
  });

  it('answers them from the exchanges article', async () => {
    for (const text of ['I bought a sweater for my mum but its too big for her. can we get a smaller one instead?',
      'these jeans are too tight, can I get the next size up instead?', '鞋小了，能给我换双大的吗']) {
      expect(await answeredFrom(text), text).toBe('exchanges');
    }
    expect(await answeredFrom('can i get a refund instead?')).toBe('refund-timing');
  });
});

describe('courtesy around a question (2026-12-04, round 9)', () => {
  it('leaves out wishes, apologies for asking and thanks after the question', () => {
    expect(withoutGreeting('Hi there, hope you are well! Sorry if this is a silly question, but do you ship to Ireland? Thanks so much in advance'))
      .toBe('do you ship to Ireland?');
    expect(withoutGreeting('您好，打扰一下，我想请问一下你们的退货期限是多少天呢？谢谢您！')).toBe('我想请问一下你们的退货期限是多少天呢？');
    expect(withoutGreeting('退款多久到账，谢谢')).toBe('退款多久到账');
    // Thanks alone is the message.
    expect(withoutGreeting('thank you!')).toBe('thank you!');
    expect(withoutGreeting('谢谢')).toBe('谢谢');
  });

  it('answers polite questions from their article', async () => {
    expect(await answeredFrom('Hi there, hope you are well! Sorry if this is a silly question, but do you ship to Ireland and roughly how long would it take to arrive? Thanks so much in advance'))
      .toBe('international-shipping');
    expect(await answeredFrom('您好，打扰一下，我想请问一下你们的退货期限是多少天呢？谢谢您！')).toBe('return-policy');
  });
});

describe('order numbers and product pages (2026-12-04, round 9)', () => {
  it('answers an order-number question the classifier leans to another topic for from that topic\'s article', async () => {
    const decision = await ask('订单号 nw 100242 想退货');
    expect(decision.metadata.articles?.map((a) => a.slug)).toEqual(['start-a-return']);
    expect(decision.reply).toMatch(/\n\n\S/); // the order note follows the answer
    // Status questions keep the status answer, however unsure the classifier is.
    for (const text of ['any news on NW-100236?', 'NW-100236 到哪了', 'where is NW-100245']) {
      expect((await ask(text)).metadata.reason, text).toBe('order_status');
    }
  });

  it('answers fact questions on the tote\'s page from it', async () => {
    expect(await answeredFrom('is the leather real?', { page: { url: 'https://shop.test/demo' } })).toBe('NW-BAG-TOTE-HARBOR');
    const laptop = await ask('能装笔记本吗', { page: { url: 'https://shop.test/demo?lang=zh' } });
    expect(laptop.metadata.products?.[0]?.sku).toBe('NW-BAG-TOTE-HARBOR-ZH');
    expect(laptop.reply).toContain('15');
  });

  it('reads "watch" as the "Smartwatch" its page names, but not "less" as "Wireless"', async () => {
    expect(withCatalogueSpelling('is the fit 2 watch ok in the pool?', products)).toBe('is the fit 2 smartwatch ok in the pool?');
    expect(withCatalogueSpelling('does it cost less if I pick it up', products)).toBe('does it cost less if I pick it up');
    expect(await answeredFrom('is the fit 2 watch ok in the pool?')).toBe('NW-WCH-FIT2');
    expect(await answeredFrom('does it cost less if I pick it up')).not.toBe('NW-AUD-EBD-PRO');
  });

  it('answers Hong Kong from the international article, which names it as the payment article does', async () => {
    expect(await answeredFrom('可以寄到香港嗎')).toBe('international-shipping');
  });
});
