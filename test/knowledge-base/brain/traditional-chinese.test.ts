// Taiwan and Hong Kong shoppers (a review by a Chinese-speaking shop, 2026-12-06): traditional characters, Taiwan
// wording, written Cantonese and full-width order numbers are read once, in the text layer (text/normalize.ts), so
// the classifier, the retriever, the policy and the grouping of misses give a traditional question what they give
// its simplified form. The server's routes (help centre, admin test boxes, agent assist) are in
// server-traditional.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../../../knowledge-base/pipeline.ts';
import { trainIntentClassifier } from '../../../knowledge-base/nlu.ts';
import { loadArticles, loadIntents, loadOutOfScope } from '../../../knowledge-base/content-loader.ts';
import { closestGroup, groupKey } from '../../../knowledge-base/unanswered.ts';
import { demoOrders, demoProducts } from './demo-shop.ts';

type Classifier = Awaited<ReturnType<typeof trainIntentClassifier>>;
let classifier: Classifier;
let shop: Pipeline;

beforeAll(async () => {
  const intents = loadIntents();
  classifier = await trainIntentClassifier(
    intents.map((i) => ({ name: i.name, examples: [...(i.examples?.en ?? []), ...(i.examples?.zh ?? [])] })),
    { outOfScopeExamples: loadOutOfScope() },
  );
  const articles = loadArticles().filter((a) => a.status === 'published').map((a, i) => ({ ...a, id: i + 1 }));
  shop = await createPipeline({ classifier, articles, intents, publicUrl: 'https://shop.test', orders: demoOrders(), products: demoProducts() });
}, 120_000);

/** Traditional (or Taiwan / Cantonese) and simplified forms of one question. */
const PAIRS: [string, string][] = [
  ['退貨要運費嗎', '退货要运费吗'],
  ['付款失敗怎麼辦', '付款失败怎么办'],
  ['忘記密碼怎麼辦', '忘记密码怎么办'],
  ['結帳時優惠碼無效', '结账时优惠码无效'],
  ['包裹追蹤號碼在哪裡看', '包裹追踪号码在哪里看'],
  ['保固多久', '保修多久'],
  ['免運門檻是多少', '包邮门槛是多少'],
  ['訂單還能取消嗎', '订单还能取消吗'],
  ['退款要多久才會到帳', '退款要多久才会到账'],
  ['有冇得退錢', '可不可以退款'],
];

describe('a traditional question is read as its simplified form', () => {
  it('classifies to the same intent with the same confidence', async () => {
    for (const [traditional, simplified] of PAIRS) {
      const [t, s] = [await classifier.classify(traditional), await classifier.classify(simplified)];
      expect({ q: traditional, intent: t.intent, outOfScope: t.outOfScope }).toEqual({ q: traditional, intent: s.intent, outOfScope: s.outOfScope });
      expect(t.confidence).toBeCloseTo(s.confidence, 6);
    }
    // The review's admin test box: "退貨要運費嗎" was out of scope at 0.06.
    expect(await classifier.classify('退貨要運費嗎')).toMatchObject({ outOfScope: false, intent: 'shipping_cost' });
  });

  it('retrieves the same first article', async () => {
    for (const [traditional, simplified] of PAIRS) {
      const [t] = await shop.index.search(traditional, 3, { locale: 'zh' });
      const [s] = await shop.index.search(simplified, 3, { locale: 'zh' });
      expect({ q: traditional, slug: t?.slug }).toEqual({ q: traditional, slug: s?.slug });
      expect(t?.slug).toBeDefined();
    }
    expect((await shop.index.search('退貨', 5, { locale: 'zh' })).map((p) => p.slug)).toContain('start-a-return');
  });

  it('gets the answer its simplified form gets, in Chinese', async () => {
    const failed = await shop.run('付款失敗怎麼辦', { locale: 'zh' });
    expect(failed.metadata).toMatchObject({ decision: 'answer', intent: 'payment_failed', language: 'zh' });
    expect(failed.metadata.articles?.[0]?.slug).toBe('payment-declined');
    for (const [traditional, simplified] of PAIRS) {
      const [t, s] = [await shop.run(traditional, { locale: 'zh' }), await shop.run(simplified, { locale: 'zh' })];
      expect({ q: traditional, decision: t.metadata.decision, intent: t.metadata.intent, slug: t.metadata.articles?.[0]?.slug, language: t.metadata.language })
        .toEqual({ q: traditional, decision: s.metadata.decision, intent: s.metadata.intent, slug: s.metadata.articles?.[0]?.slug, language: 'zh' });
    }
  });
});

describe('Cantonese (Hong Kong) questions', () => {
  it('answers "我想退貨，點樣做？" from the returns article', async () => {
    const d = await shop.run('我想退貨，點樣做？', { locale: 'zh' });
    expect(d.metadata).toMatchObject({ decision: 'answer', language: 'zh' });
    expect(d.metadata.articles?.[0]?.slug).toBe('start-a-return');
    expect(d.reply).toContain('查看全文：https://shop.test/');
  });

  it('reads "有冇得退錢" as a refund question and "唔該晒" as thanks', async () => {
    const refund = await shop.run('有冇得退錢', { locale: 'zh' });
    expect(refund.metadata.decision).toBe('answer');
    expect(refund.metadata.intent).toBe('refund_status');
    expect((await shop.run('唔該晒', { locale: 'zh' })).metadata.intent).toBe('thanks_goodbye');
  });

  it('reads "幾時到貨呀" as "什么时候到货呀"', async () => {
    const [hk, mainland] = [await shop.run('幾時到貨呀', { locale: 'zh' }), await shop.run('什么时候到货呀', { locale: 'zh' })];
    expect(hk.metadata.decision).not.toBe('fallback');
    expect([hk.metadata.decision, hk.metadata.intent, hk.reply]).toEqual([mainland.metadata.decision, mainland.metadata.intent, mainland.reply]);
  });
});

describe('a full-width order number', () => {
  it('gets the signed-in owner their order status', async () => {
    const owner = { locale: 'zh', customer: { id: 1, externalId: 'demo-user-1' } };
    const d = await shop.run('订单ＮＷ－１００２３４到哪了？', owner);
    expect(d.metadata.reason).toBe('order_status');
    expect(d.reply).toContain('订单 NW-100234：已发货');
    // Not the owner's: not shown.
    const other = await shop.run('訂單ＮＷ－１００２３４到哪了？', { locale: 'zh', customer: { id: 2, externalId: 'demo-user-2' } });
    expect(other.reply).not.toContain('已发货');
  });
});

describe('unanswered questions', () => {
  it('puts the traditional and simplified forms of a question in one group', () => {
    expect(closestGroup('鞋子尺碼怎麼選', [{ text: '鞋子尺码怎么选' }])).not.toBeNull();
    expect(groupKey('鞋子尺碼怎麼選').clusterKey).toBe(groupKey('鞋子尺码怎么选').clusterKey);
    expect(closestGroup('保固可以延長嗎', [{ text: '保修可以延长吗' }])).not.toBeNull();
  });
});

describe('replies in Chinese', () => {
  it('put a Chinese colon before the article link, an English one in English', async () => {
    const zh = await shop.run('退款多久到账', { locale: 'zh' });
    expect(zh.reply).toMatch(/查看全文：https:\/\/shop\.test\//);
    expect(zh.reply).not.toContain('查看全文:');
    const en = await shop.run('how long does a refund take', { locale: 'en' });
    expect(en.reply).toMatch(/Read more: https:\/\/shop\.test\//);
  });
});
