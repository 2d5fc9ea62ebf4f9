// Round 12 of the answer policy (knowledge-base/README.md): a second shop's content. A review replaced the demo
// content with an electronics shop's (electronics-shop.ts) and found rules that only held for the demo's clothing:
// Chinese product names matched on a pair of characters that is also a topic ("充电" of 充电器 and 充电宝), one topic
// for every group discount, a section chosen for its title's words, no topic for restocks, and a "broken" that any
// article could answer. Both shops are checked here, each trained from its own content as a shop runs it.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../../knowledge-base/pipeline.ts';
import type { DecideContext } from '../../../knowledge-base/policy.ts';
import { productsNamedIn } from '../../../knowledge-base/products.ts';
import { electronicsProducts, electronicsQuestions, electronicsShopPipeline } from './electronics-shop.ts';
import { demoShopPipeline } from './demo-shop.ts';

let electronics: Pipeline;
let demo: Pipeline;
beforeAll(async () => {
  [electronics, demo] = await Promise.all([electronicsShopPipeline(), demoShopPipeline()]);
}, 180_000);

const locale = (text: string) => (/[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en');
const ask = (shop: Pipeline, text: string, context: DecideContext = {}) => shop.run(text, { locale: locale(text), ...context });

describe('a second shop (2026-12-06, round 12)', () => {
  it('names a product by three characters of its Chinese name, or two that are not a topic of the question', () => {
    const named = (text: string) => productsNamedIn(electronicsProducts().filter((p) => p.locale === 'zh'), text).map((p) => p.sku);
    expect(named('充电宝可以寄到美国吗')).toEqual(['KT-PWR-20K-ZH']);
    expect(named('这个充电器能给华为Mate60充电吗')).toEqual(['KT-CHG-65W-ZH']);
    expect(named('手表充电的时候后背特别烫，是不是有问题')).toEqual(['KT-WCH-S2-ZH']);
    expect(named('耳机多少钱')).toEqual(['KT-AUD-AIRNEST-PRO-ZH']);
  });

  it('answers questions that name charging from the articles, not from product cards', async () => {
    const compatible = await ask(electronics, '这个充电器能给华为Mate60充电吗');
    expect(compatible.metadata.articles?.map((a) => a.slug)).toEqual(['compatibility']);
    const flying = await ask(electronics, '充电宝能带上飞机吗？是20000毫安的');
    expect(flying.metadata.articles?.map((a) => a.slug)).toEqual(['battery-safety']);
    const hot = await ask(electronics, '手表充电的时候后背特别烫，是不是有问题');
    expect(hot.metadata.products ?? []).toEqual([]);
    expect(hot.metadata.articles?.map((a) => a.slug)).toContain('battery-safety');
  });

  it('a discount for one group of people is not a discount for another', async () => {
    for (const text of ['Is there a student discount?', '有学生优惠吗？']) {
      expect((await ask(electronics, text)).metadata.articles?.[0]?.slug, text).toBe('student-discount');
    }
    for (const text of ['Do you offer a military discount?', '军人有优惠吗', 'is there a teacher discount', '老师有优惠吗', 'do you offer discounts for nurses']) {
      const decision = await ask(electronics, text);
      expect(decision.metadata.articles ?? [], text).toEqual([]);
      expect(decision.metadata.reason, text).toBe('no_match');
    }
  });

  it('when a sold-out item comes back is said nowhere in either shop: no answer from another topic', async () => {
    for (const [shop, text] of [[electronics, 'when do you restock the 10000mah power bank'], [demo, 'the merino sweater is out of stock, when will it be restocked?'],
      [demo, '羊毛衫什么时候补货'], [demo, 'will the rain jacket be back in stock?']] as const) {
      const decision = await ask(shop, text);
      expect(decision.metadata.articles ?? [], text).toEqual([]);
      expect(decision.metadata.reason, text).toBe('no_match');
    }
    // Whether something is in stock now is the product page's.
    expect((await ask(demo, 'is the rain jacket in stock?')).metadata.reason).toBe('product');
  });

  it('quotes the section whose heading has the words of part of the title, and the opening for the whole title', async () => {
    const fee = await ask(electronics, '运费多少钱');
    expect(fee.reply).toContain('运费多少');
    const student = await ask(electronics, 'Is there a student discount?');
    expect(student.reply).toContain('Who can get it');
  });

  it('hands off a shopper asking again in anger; asks when a thing broke before answering "broken" from an unrelated article', async () => {
    const third = await ask(electronics, 'This is the THIRD time I am asking, where is my refund?? You people are useless, I want my money back NOW');
    expect(third.action).toBe('handoff');
    const broken = await ask(electronics, 'my watch is broken');
    expect(broken.action).toBe('clarify');
    expect(broken.quickReplies.map((q) => q.value)).toEqual(['intent:damaged_item', 'intent:warranty_claim', 'handoff']);
    // A fault of something the classifier is sure about is that intent's ("promo code not working").
    expect((await ask(demo, 'promo code not working at checkout')).metadata.articles?.[0]?.slug).toBe('gift-cards-promo-codes');
  });

  it('an order the bot cannot show, with a question leaning to another topic: the note, then the readings to pick', async () => {
    for (const text of ['我刚下单想改一下地址 NW-330512', 'I ordered the black case but want the blue one, order NW-311207, can I change it?']) {
      const decision = await ask(electronics, text);
      expect(decision.action, text).toBe('clarify');
      expect(decision.metadata.articles?.map((a) => a.slug), text).toContain('change-or-cancel-order');
      // What was said about the order comes first (sign in), the question about the readings last, above the buttons.
      expect(decision.reply, text).toMatch(/^(To protect your privacy|为了保护您的隐私)[\s\S]+\n\n(I want to get this right|为了更准确地帮您)/);
    }
    // A status question stays one, however the classifier leans ("any news" to promo codes, 0.26).
    for (const text of ['any news on NW-100236?', 'NW-100236 到哪了']) expect((await ask(demo, text)).metadata.reason, text).toBe('order_status');
  });

  it('gets at least 59 of the 70 questions right (51 before this round): the expected article, product or intent, hand-off, or no answer', async () => {
    const wrong: string[] = [];
    for (const q of electronicsQuestions()) {
      const d = await ask(electronics, q.text, { locale: q.locale });
      const answeredFrom = [...(d.metadata.articles ?? []).map((a) => a.slug), ...(d.metadata.products ?? []).map((p) => p.sku),
        ...(d.metadata.reason === 'intent' && d.metadata.intent ? [d.metadata.intent] : [])];
      const right = q.expect === 'handoff' ? d.action === 'handoff'
        : q.expect === 'none' ? !(d.metadata.articles ?? []).length && !(d.metadata.products ?? []).length
          : d.action === 'answer' && answeredFrom.some((source) => q.expected.includes(source));
      if (!right) wrong.push(`${q.id} ${q.text} → ${d.action} ${answeredFrom.join(',')}`);
    }
    expect(wrong.length, wrong.join('\n')).toBeLessThanOrEqual(11);
  }, 60_000);
});
