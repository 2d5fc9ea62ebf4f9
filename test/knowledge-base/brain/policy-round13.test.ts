// Round 13 of the answer policy (knowledge-base/README.md): a Chinese-speaking shop's review of the widget's answers on
// the demo content. Each question below got a wrong article or section, English for a Chinese shopper, or a
// clarification; it now gets the article (and, where the review named it, the section) that answers it.
// Real demo content, orders and catalogue, and a classifier trained from them, as a shop runs it.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Pipeline } from '../../../knowledge-base/pipeline.ts';
import type { DecideContext } from '../../../knowledge-base/policy.ts';
import { KbIndex } from '../../../knowledge-base/retriever.ts';
import { retrievalTokenize } from '../../../knowledge-base/pipeline.ts';
import { readAsChinese } from '../../../knowledge-base/signals.ts';
import { demoShopPipeline } from './demo-shop.ts';

let shop: Pipeline;
beforeAll(async () => {
  shop = await demoShopPipeline();
}, 120_000);

const ask = (text: string, context: DecideContext = {}) => shop.run(text, { locale: 'zh', ...context });

/** The article answered from, the language of the version quoted (from its link), and the quoted section's heading line. */
async function answer(text: string) {
  const d = await ask(text);
  return {
    action: d.action,
    slug: d.metadata.articles?.[0]?.slug,
    locale: /[?&]locale=(\w+)/.exec(d.reply)?.[1],
    heading: d.reply.split('\n')[0],
  };
}

describe('a Chinese-speaking shop\'s review (2026-12-06, round 13)', () => {
  it('answers the review\'s questions from the article that answers them, in Chinese', async () => {
    const expected: [string, string][] = [
      ['运费怎么算', 'shipping-costs'],
      ['運費怎麼算', 'shipping-costs'],
      ['我的order什么时候到', 'order-tracking'],
      ['你们发货到香港吗', 'international-shipping'],
      ['寄送到香港要幾天', 'international-shipping'],
      ['我想换个尺码', 'exchanges'],
      ['退或怎么弄', 'start-a-return'],
      ['退货！！！怎么退？？？', 'start-a-return'],
      ['有没有开发票', 'invoices-receipts'],
      ['size guide在哪里', 'clothing-size-guide'],
      ['幾時到貨呀', 'order-tracking'],
      ['什么时候到货呀', 'order-tracking'],
    ];
    for (const [text, slug] of expected) {
      const got = await answer(text);
      expect(got.action, text).toBe('answer');
      expect(got.slug, text).toBe(slug);
      expect(got.locale, text).toBe('zh');
    }
  });

  it('quotes the section that answers, not one that shares a word of the question', async () => {
    // The shipping cost, not whether it is refunded on a return.
    expect((await answer('运费怎么算')).heading).not.toContain('退货时运费退不退');
    // Exchanging for another size, not what happens when that size is sold out.
    expect((await answer('我想换个尺码')).heading).not.toContain('没货');
    // Delivery times abroad, not the US domestic times.
    expect((await answer('寄送到香港要幾天')).heading).toContain('国际运费和时效');
  });

  it('answers invoice and receipt questions in either language from the new article', async () => {
    for (const text of ['能开发票吗？公司报销用', '電子發票怎麼拿', 'can I get an invoice for my order', 'I need a VAT invoice with my company name on it']) {
      const d = await shop.run(text, { locale: /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en' });
      expect(d.action, text).toBe('answer');
      expect(d.metadata.articles?.[0]?.slug, text).toBe('invoices-receipts');
    }
  });

  it('reads a Chinese question\'s homophone slips and English shop words as the Chinese content writes them', () => {
    expect(readAsChinese('我的order什么时候到')).toBe('我的订单什么时候到');
    expect(readAsChinese('鞋子的size chart有吗')).toBe('鞋子的尺码指南有吗');
    expect(readAsChinese('退或怎么弄')).toBe('退货怎么弄');
    expect(readAsChinese('包油吗')).toBe('包邮吗');
    // "或" meaning "or" stays; English without Chinese and product names are left as written.
    expect(readAsChinese('退或换都可以')).toBe('退或换都可以');
    expect(readAsChinese('where is my order')).toBe('where is my order');
    expect(readAsChinese('power bank 多重')).toBe('power bank 多重');
  });

  it('quotes the asked language\'s version of an article found through another version\'s words', async () => {
    const index = await KbIndex.fromArticles([
      { id: 1, slug: 'guide', locale: 'en', title: 'Size guide', body: '## Measuring\n\nUse a tape.\n\n## Jeans size chart\n\nWaist 28 to 40.' },
      { id: 2, slug: 'guide', locale: 'zh', title: '尺码指南', body: '## 如何测量\n\n用软尺。\n\n## 牛仔裤尺码\n\n腰围 28 到 40。' },
      { id: 3, slug: 'other', locale: 'en', title: 'Gift cards', body: '## Buying\n\nGift cards never expire.' },
    ], { tokenize: retrievalTokenize });
    const [zh] = await index.search('jeans size chart在哪里', 3, { locale: 'zh' });
    expect(zh).toMatchObject({ slug: 'guide', locale: 'zh', heading: '如何测量' });
    // An article with no version in the asked language is still quoted as it is.
    const [other] = await index.search('gift cards', 3, { locale: 'zh' });
    expect(other).toMatchObject({ slug: 'other', locale: 'en' });
  });
});
