// Round 10 of the answer policy (knowledge-base/README.md): services the demo shop does not offer (a store or pickup,
// price matching, a student discount, a gift registry, wholesale, jobs, a loyalty scheme, appointments) are unanswered,
// and so reach the admin's "unanswered questions" list, while questions whose words resemble them keep their answers.
// Real demo content, orders and catalogue, and a classifier trained from them, as a shop runs it.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../../../knowledge-base/pipeline.ts';
import { trainIntentClassifier } from '../../../knowledge-base/nlu.ts';
import { loadArticles, loadIntents, loadOutOfScope } from '../../../knowledge-base/content-loader.ts';
import type { DecideContext } from '../../../knowledge-base/policy.ts';
import { SHOP_SERVICE_TOPICS } from '../../../knowledge-base/signals.ts';
import { demoShopPipeline } from './demo-shop.ts';

let shop: Pipeline;
beforeAll(async () => {
  shop = await demoShopPipeline();
}, 120_000);

const ask = (text: string, context: DecideContext = {}) => shop.run(text, { locale: /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en', ...context });
const named = (text: string) => SHOP_SERVICE_TOPICS.filter((t) => t.words.test(text)).map((t) => t.name);

describe('services the shop may not offer (2026-12-06, round 10)', () => {
  it('names the service a question asks about, not a carrier\'s counter or a word in another sense', () => {
    expect(named('can I pick up in store')).toEqual(['stores']);
    expect(named('showroom address')).toEqual(['stores']);
    expect(named('你们门店在哪里')).toEqual(['stores']);
    expect(named('do you offer price matching')).toEqual(['price-match']);
    expect(named('is there a student discount')).toEqual(['student-discount']);
    // One topic per group: a shop that gives students a discount has said nothing of one for the military.
    expect(named('军人有优惠吗')).toEqual(['military-discount']);
    expect(named('do you have a military discount?')).toEqual(['military-discount']);
    expect(named('老师有优惠吗')).toEqual(['teacher-discount']);
    expect(named('teacher discount?')).toEqual(['teacher-discount']);
    expect(named('有没有会员积分')).toEqual(['loyalty']);
    expect(named('can I get a discount for a group order of 20 bags')).toEqual(['wholesale']); // a later review's question
    expect(named('we want to order 50 units for our team')).toEqual(['wholesale']);
    // A sale-day review's questions: when a sale runs is said nowhere in the shop's content.
    expect(named('When does the sale end?')).toEqual(['sale-dates']);
    expect(named('Is the Black Friday sale still on tomorrow?')).toEqual(['sale-dates']);
    expect(named('双十一活动什么时候开始')).toEqual(['sale-dates']);
    for (const text of ['can I return sale items?', 'do sale items ship later?', 'is shipping slower during Black Friday', '打折商品可以退吗']) {
      expect(named(text), text).toEqual([]);
    }
    for (const text of ['can I get my return label printed at a UPS store?', '退货标签可以在UPS门店打印吗', 'have the label printed at a UPS store',
      '到 UPS 门店出示二维码', 'store it at about 50% charge', 'do you ship to military addresses', 'can I pay in your online shop with PayPal']) {
      expect(named(text), text).toEqual([]);
    }
  });

  it('answers none of the month-one review\'s questions from an unrelated passage or intent, and offers a person', async () => {
    for (const text of ['can I pick up in store', '你们门店在哪里', 'do you offer price matching', 'showroom address', 'is there a student discount',
      'do you have a gift registry?', '可以批发吗', 'are you hiring?', 'can I get a discount for a group order of 20 bags',
      'When does the sale end?', 'Is the Black Friday sale still on tomorrow?']) {
      const decision = await ask(text);
      expect(decision.metadata.articles ?? [], text).toEqual([]);
      expect(decision.metadata.reason, text).toBe('no_match');
      expect(decision.quickReplies.map((q) => q.value), text).toContain('handoff');
    }
  });

  it('keeps the answers whose words resemble them', async () => {
    const from = async (text: string) => {
      const d = await ask(text);
      return d.action === 'answer' ? d.metadata.articles?.[0]?.slug ?? d.metadata.products?.[0]?.sku : d.action;
    };
    expect(await from('can I get my return label printed at a UPS store?')).toBe('start-a-return');
    expect(await from('退货标签可以在UPS门店打印吗')).toBe('start-a-return');
    expect(await from('if the price drops after I buy, do you refund the difference?')).toBe('gift-cards-promo-codes');
    expect(await from('首单有优惠吗')).toBe('gift-cards-promo-codes');
    expect(await from('how do I wash the tote bag')).toBe('NW-BAG-TOTE-HARBOR');
  });

  it('holds the round-10 development set\'s tally', async () => {
    const set: { locale: string; slug: string; text: string; page?: string }[] = JSON.parse(readFileSync(new URL('./shopper-questions-dev-10.json', import.meta.url), 'utf8'));
    let right = 0;
    let wrong = 0;
    for (const q of set) {
      const d = await shop.run(q.text, { locale: q.locale, ...(q.page ? { page: { url: q.page } } : {}) });
      const got = d.metadata.articles?.[0]?.slug ?? (d.metadata.products?.[0]?.sku ? `product:${d.metadata.products[0].sku}` : undefined);
      const answered = d.action === 'answer' && (!!got || d.metadata.reason === 'intent');
      if (q.slug === 'none') answered ? wrong++ : d.metadata.decision !== 'clarify' && right++;
      else if (answered) got?.replace(/-ZH$/, '') === q.slug.replace(/-ZH$/, '') ? right++ : wrong++;
    }
    console.log(`round-10 development set: right ${right}, wrong ${wrong} of ${set.length}`);
    // Measured 56 right, 2 wrong (both the merino sweater's washing answered from the care article, not its page).
    expect(right).toBeGreaterThanOrEqual(54);
    expect(wrong).toBeLessThanOrEqual(3);
  });
});

describe('a shop whose admin added a store intent and a loyalty article (2026-12-06, round 10)', () => {
  // What an admin does with the unanswered list: a store intent (its canned answer never says "store") and an article
  // titled "Loyalty program" whose opening section does not repeat its title.
  let admin: Pipeline;
  beforeAll(async () => {
    const storeIntent = {
      name: 'store_locations', description: 'Where the shop is', label: {}, articleSlug: null, action: null,
      answer: { en: 'We are an online-only shop for now: there is nowhere to visit, but we deliver across the US.', zh: '我们目前只在网上销售，没有可以到访的地方。' },
      examples: { en: ['where are your stores', 'do you have a shop I can visit', 'store opening hours', 'is there a store near me', 'can I visit your store'], zh: ['你们门店在哪里', '有实体店吗', '门店几点开门'] },
    };
    const intents = [...loadIntents(), storeIntent as (typeof loadIntents extends () => (infer I)[] ? I : never)];
    const classifier = await trainIntentClassifier(
      intents.map((i) => ({ name: i.name, examples: [...(i.examples?.en ?? []), ...(i.examples?.zh ?? [])] })),
      { outOfScopeExamples: loadOutOfScope() },
    );
    const loyalty = {
      slug: 'loyalty-program', title: 'Loyalty program', category: 'promotions', locale: 'en', status: 'published',
      body: '## Northwind Rewards\n\nNorthwind Rewards is free to join from your account page: you earn 1 point for every $1 you spend.\n\n'
        + '## How to redeem points\n\nRedeem your points at checkout: every 100 points take $5 off your order.\n\n'
        + '## Points for returned items\n\nPoints earned on an item are removed if you return it.',
    };
    const articles = [...loadArticles().filter((a) => a.status === 'published'), loyalty].map((a, i) => ({ ...a, id: i + 1 }));
    admin = await createPipeline({ classifier, articles: articles as Parameters<typeof createPipeline>[0]['articles'], intents, publicUrl: 'https://shop.test' });
  }, 120_000);

  it('answers store questions from the store intent, which its name names, but not "showroom address" from the address change', async () => {
    for (const text of ['where are your stores', 'can I pick up in store', '你们门店在哪里']) {
      const decision = await admin.run(text, { locale: /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en' });
      expect(decision.metadata.intent, text).toBe('store_locations');
    }
    const showroom = await admin.run('showroom address', { locale: 'en' });
    expect(showroom.metadata.intent).not.toBe('change_address');
    expect(showroom.metadata.articles ?? []).toEqual([]);
  });

  it('quotes the article\'s opening for a question that matches only its title, and the section that answers otherwise', async () => {
    for (const text of ['do you have a loyalty program?', 'is there a loyalty program']) {
      const decision = await admin.run(text, { locale: 'en' });
      expect(decision.metadata.articles?.[0]?.slug, text).toBe('loyalty-program');
      expect(decision.reply, text).toContain('Northwind Rewards is free to join');
    }
    expect((await admin.run('how do I redeem my points', { locale: 'en' })).reply).toContain('every 100 points');
  });
});
