// The brain without a server: the retriever on the team's paraphrased
// questions (English and Chinese) and every hand-off trigger of the answer
// policy, on the real demo content and a classifier trained from it.
import { beforeAll, describe, expect, it } from 'vitest';
import type { DecideContext } from '../../../knowledge-base/policy.ts';
import { createPipeline, expansionsFrom, isQuestionWord, retrievalTokenize, toIntentConfig, type Pipeline } from '../../../knowledge-base/pipeline.ts';
import { KbIndex } from '../../../knowledge-base/retriever.ts';
import { trainIntentClassifier } from '../../../knowledge-base/nlu.ts';
import { loadArticles, loadIntents, loadOutOfScope, loadParaphrases, loadProducts } from '../../../knowledge-base/content-loader.ts';
import { toSimplified } from '../../../knowledge-base/text/traditional.ts';
import type { ProductRecord } from '../../../knowledge-base/repositories/products.ts';
import { productsNamedIn, withCatalogueSpelling } from '../../../knowledge-base/products.ts';
import { findOrderNumber, orderNumberFormat, orderNumberKey, withoutOrderNumbers } from '../../../knowledge-base/order-numbers.ts';
import type { OrderLookup, OrderRecord, ShopperIdentity } from '../../../knowledge-base/types.ts';
import { describeOrder, isLate, orderStatus } from '../../../knowledge-base/order-status.ts';
import { freshenDemoDates } from '../../../knowledge-base/seed.ts';
import { asksForPerson, questionAtEnd, sentimentOf, withoutGreeting } from '../../../knowledge-base/signals.ts';

const articles = loadArticles().filter((a) => a.status === 'published').map((a, i) => ({ ...a, id: i + 1 }));
const intents = loadIntents();
let pipeline: Pipeline;

beforeAll(async () => {
  const classifier = await trainIntentClassifier(
    intents.map((i) => ({ name: i.name, examples: [...(i.examples?.en ?? []), ...(i.examples?.zh ?? [])] })),
    { outOfScopeExamples: loadOutOfScope() },
  );
  pipeline = await createPipeline({ classifier, articles, intents, publicUrl: 'https://shop.test' });
}, 120_000);

/** What a shopper gets for each paraphrased question of the test set: the right article, a wrong one, a clarification offering it, or neither. */
async function paraphraseTally(shop: Pipeline) {
  const slugOfIntent = new Map(intents.map((i) => [`intent:${i.name}`, i.articleSlug]));
  const tally = { right: 0, wrong: 0, clarifiedWithIt: 0, otherwise: 0 };
  for (const p of loadParaphrases()) {
    const decision = await shop.run(p.text, { locale: p.locale });
    const first = decision.metadata.articles?.[0]?.slug;
    const offered = decision.quickReplies.map((q) => slugOfIntent.get(q.value) ?? q.value.replace(/^article:/, ''));
    if (decision.action === 'answer' && first) tally[first === p.slug ? 'right' : 'wrong']++;
    else if (decision.metadata.decision === 'clarify' && offered.includes(p.slug)) tally.clarifiedWithIt++;
    else tally.otherwise++;
  }
  return tally;
}

describe('retriever on paraphrased questions', () => {
  const paraphrases = loadParaphrases();

  async function hitRates(index: KbIndex) {
    const rates: Record<string, { n: number; hit1: number; hit3: number }> = {};
    for (const p of paraphrases) {
      const passages = await index.search(p.text, 3, { locale: p.locale });
      const r = (rates[p.locale] ??= { n: 0, hit1: 0, hit3: 0 });
      r.n++;
      if (passages[0]?.slug === p.slug) r.hit1++;
      if (passages.some((x) => x.slug === p.slug)) r.hit3++;
    }
    return rates;
  }

  it('ranks the right article first for most English and Chinese paraphrases', async () => {
    expect(paraphrases.filter((p) => p.locale === 'en').length).toBeGreaterThanOrEqual(20);
    expect(paraphrases.filter((p) => p.locale === 'zh').length).toBeGreaterThanOrEqual(20);
    const plain = await hitRates(await KbIndex.fromArticles(articles, { tokenize: retrievalTokenize, ignoreForConfidence: isQuestionWord }));
    const rates = await hitRates(pipeline.index);
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
    for (const [locale, r] of Object.entries(rates)) {
      const p = plain[locale];
      console.log(`retrieval ${locale}: hit@1 ${r.hit1}/${r.n} = ${pct(r.hit1, r.n)}, hit@3 ${pct(r.hit3, r.n)} (BM25 without intent-example expansion: hit@1 ${pct(p.hit1, p.n)})`);
      // Floors well under the measured ~90 % so wording edits in the content do not make the test flaky.
      expect(r.hit1 / r.n, `hit@1 ${locale}`).toBeGreaterThanOrEqual(0.75);
      expect(r.hit3 / r.n, `hit@3 ${locale}`).toBeGreaterThanOrEqual(0.85);
      // Document expansion with intent examples must not cost hits.
      expect(r.hit1, `expansion vs plain ${locale}`).toBeGreaterThanOrEqual(p.hit1);
    }
  });

  it('answers most paraphrases outright with the right article, and rarely with a wrong one', async () => {
    // The whole policy (classifier, retriever, thresholds), not the ranking alone: what a shopper gets.
    const tally = await paraphraseTally(pipeline);
    console.log(`pipeline on ${paraphrases.length} paraphrases: ${tally.right} answered with the right article, ${tally.wrong} with a wrong one, ` +
      `${tally.clarifiedWithIt} clarified offering it, ${tally.otherwise} neither (fallback or other options)`);
    // Floors under the measured 43 / 1 / 9 of 64 (40 / 1 / 11 on 2026-12-02; raised 2026-12-04, round 6).
    expect(tally.right).toBeGreaterThanOrEqual(38);
    expect(tally.wrong).toBeLessThanOrEqual(4);
    expect(tally.right + tally.clarifiedWithIt).toBeGreaterThanOrEqual(48);
  });

  it('reads a short follow-up together with the previous question, unless it is a question of its own', async () => {
    const after = async (previous: string, locale: 'en' | 'zh') => {
      const first = await pipeline.run(previous, { locale });
      return [{ author: 'customer' as const, text: previous, metadata: {} }, { author: 'bot' as const, text: first.reply, metadata: first.metadata as Record<string, unknown> }];
    };
    // "On weekends" alone finds the shipping article's note on business days; after a phone question it is about opening hours.
    const weekends = await pipeline.run('and on weekends?', { locale: 'en', history: await after("What's your phone number?", 'en') });
    expect(weekends.metadata.articles?.[0]?.slug).toBe('contact-us');
    expect(weekends.metadata.readWith).toBe("What's your phone number?"); // shown to agents as evidence
    expect((await pipeline.run('and on weekends?', { locale: 'en' })).metadata.articles?.[0]?.slug).not.toBe('contact-us');
    const paypal = await pipeline.run('那 PayPal 呢？', { locale: 'zh', history: await after('退款多久到账？', 'zh') });
    expect(paypal.action).toBe('answer');
    expect(paypal.metadata.articles?.[0]?.slug).toBe('refund-timing');
    // A new question that happens to start with "and" stands alone.
    const order = await pipeline.run('and can I change my delivery address?', { locale: 'en', history: await after('How long does a refund take?', 'en') });
    expect(order.metadata.intent).toBe('change_address');
    expect(order.metadata.readWith).toBeUndefined();
  });

  it('reads a question without a topic, or one that points back, with the previous question', async () => {
    const after = async (previous: string, locale: 'en' | 'zh') => {
      const first = await pipeline.run(previous, { locale });
      return [{ author: 'customer' as const, text: previous, metadata: {} }, { author: 'bot' as const, text: first.reply, metadata: first.metadata as Record<string, unknown> }];
    };
    // "要多久？" is question words only: the classifier read it as domestic shipping times; it asks how long to Japan,
    // and the section quoted is the one on delivery times abroad, not the list of countries.
    for (const followUp of ['要多久？', '多久能到？']) {
      const japan = await pipeline.run(followUp, { locale: 'zh', history: await after('能寄到日本吗？', 'zh') });
      expect(japan.metadata.articles?.map((a) => a.slug), followUp).toEqual(['international-shipping']);
      expect(japan.metadata.readWith, followUp).toBe('能寄到日本吗？');
      expect(japan.reply, followUp).toContain('7 到 14 个工作日');
    }
    // "That" is the return window asked about: sale items are the return policy's, not the refund article's.
    const sale = await pipeline.run('does that include sale items?', { locale: 'en', history: await after('what is your return window?', 'en') });
    expect(sale.metadata.articles?.map((a) => a.slug)).toEqual(['return-policy']);
    expect(sale.reply).toContain('clearance');
    const zhSale = await pipeline.run('这个包括打折商品吗？', { locale: 'zh', history: await after('退货期限是多久？', 'zh') });
    expect(zhSale.metadata.articles?.map((a) => a.slug)).toEqual(['return-policy']);
    // A follow-up's own words pick the section: the refund article's PayPal paragraph, not its general one.
    const paypal = await pipeline.run('and for PayPal?', { locale: 'en', history: await after('How long does a refund take?', 'en') });
    expect(paypal.reply).toContain('PayPal');
    // A follow-up the classifier files under the topic just answered narrows that question: the country still holds.
    const abroad = await pipeline.run('how long does it take?', { locale: 'en', history: await after('can you ship to Japan?', 'en') });
    expect(abroad.metadata.articles?.map((a) => a.slug)).toEqual(['international-shipping']);
    expect(abroad.reply).toContain('7 to 14');
    // "ok" asks nothing: it does not repeat the previous answer.
    expect((await pipeline.run('ok', { locale: 'en', history: await after('How long does shipping take?', 'en') })).metadata.readWith).toBeUndefined();
  });

  it('answers from the article that covers the question when the intent points to a narrower one', async () => {
    // A shipping-time question about a country: only the international article names it.
    const international = [['Do you ship to Germany?', 'en'], ['你们能寄到德国吗？', 'zh'], ['How long does shipping take to Canada?', 'en'],
      ['how much is shipping to the UK', 'en'], ['寄到英国运费多少', 'zh']] as const;
    for (const [text, locale] of international) {
      const decision = await pipeline.run(text, { locale });
      expect(decision.action, text).toBe('answer');
      expect(decision.metadata.articles?.map((a) => a.slug), text).toEqual(['international-shipping']);
    }
    // The plain questions stay with the intent's own article, and its general section ("much" in "how much"
    // matched "much sooner" in the privacy article before it stopped counting towards confidence).
    const plain = await pipeline.run('How long does shipping take?', { locale: 'en' });
    expect(plain.metadata.articles?.map((a) => a.slug)).toEqual(['shipping-times']);
    expect(plain.reply).toContain('3 to 5 business days');
    const cost = await pipeline.run('how much is shipping', { locale: 'en' });
    expect(cost.metadata.articles?.map((a) => a.slug)).toEqual(['shipping-costs']);
  });

  it("keeps the intent's own article when another one only ties with it, matches a word that names no topic, or answers for a ruled-out intent", async () => {
    // Each of these was answered from the wrong article: "until your refund is complete" in the returns
    // article tied with the refund article and won on rank; "sells out" in the exchanges article matched "sell";
    // "有" (have) gave the return policy's "不支持退货的商品" full coverage of a gift-card question.
    const cases = [
      ['how many days until my refund arrives', 'en', 'refund-timing'],
      ['do you sell gift cards', 'en', 'gift-cards-promo-codes'],
      ['你们有礼品卡吗', 'zh', 'gift-cards-promo-codes'],
      ['how long do I have to return something', 'en', 'return-policy'],
      ['多少天内可以退货', 'zh', 'return-policy'],
      // The tracking article's "delivered but not received" covers more words, but it answers for an intent
      // the classifier gives no chance.
      ['refund not received yet', 'en', 'refund-timing'],
      // An order question with no order to show quotes the tracking intent's own article ("快递" and "到" also
      // match the shipping-times article), then the order note.
      ['我的快递到哪了', 'zh', 'order-tracking'],
      // "Sneakers" is in the shoe guide only.
      ['are your sneakers true to size?', 'en', 'shoe-size-guide'],
    ] as const;
    for (const [text, locale, slug] of cases) {
      const decision = await pipeline.run(text, { locale });
      expect(decision.action, text).toBe('answer');
      expect(decision.metadata.articles?.map((a) => a.slug), text).toEqual([slug]);
    }
    // A weak own article still gives way to the search's first one: trainers are in the shoe guide.
    const trainers = await pipeline.run('My feet are quite wide, which trainers size should I pick?', { locale: 'en' });
    expect(trainers.metadata.articles?.map((a) => a.slug)).toEqual(['shoe-size-guide']);
  });

  it('answers a Chinese question from the Chinese version of an article', async () => {
    const [top] = await pipeline.index.search('退款多久能到账？', 3, { locale: 'zh' });
    expect(top.slug).toBe('refund-timing');
    expect(top.locale).toBe('zh');
  });

  it('finds an English-only article for a Chinese question through its Chinese intent examples', async () => {
    const zhSlugs = new Set(articles.filter((a) => a.locale === 'zh').map((a) => a.slug));
    const englishOnly = [...expansionsFrom(intents).keys()].find((slug) => !zhSlugs.has(slug));
    if (!englishOnly) return; // every linked article has a Chinese version in the current content
    const intent = intents.find((i) => i.articleSlug === englishOnly)!;
    const [top] = await pipeline.index.search(intent.examples!.zh![0], 3, { locale: 'zh' });
    expect(top.slug).toBe(englishOnly);
  });
});

describe('hand-off triggers', () => {
  it('hands off on an explicit request for a person, in English and in Chinese', async () => {
    for (const text of ['I want to talk to a real person', 'Can I speak with an agent please?', 'human', '转人工', '我要找人工客服', 'I need a human, my order arrived broken', 'can I get an agent? the zip broke']) {
      const decision = await pipeline.run(text, { locale: 'en' });
      expect(decision.action, text).toBe('handoff');
      expect(decision.metadata.reason, text).toBe('person_request');
    }
    const zh = await pipeline.run('转人工', {});
    expect(zh.reply).toMatch(/人工/);
    expect(asksForPerson('How do I change my shipping address?')).toBe(false);
    expect(asksForPerson('Is the agent of the courier DHL?')).toBe(false);
    expect(asksForPerson('Do you have an agent in Canada?')).toBe(false);
    expect(asksForPerson('Does someone need to be home to sign for the parcel?')).toBe(false);
  });

  it('answers a question about when the team works from the contact article, but hands off a request for a person', async () => {
    // Naming a person in a question about their hours is no request for one ("人工" alone used to hand off).
    for (const [text, locale] of [['人工客服几点上班', 'zh'], ['周末有人工客服吗', 'zh'], ['what hours are your agents available', 'en'], ['what time do your human agents start?', 'en']] as const) {
      const decision = await pipeline.run(text, { locale });
      expect(decision.action, text).toBe('answer');
      expect(decision.metadata.articles?.map((a) => a.slug), text).toEqual(['contact-us']);
    }
    // The person intent the classifier is sure of does not hand off a question about a later time either.
    const phone = await pipeline.run('can I speak to someone on the phone tomorrow morning?', { locale: 'en' });
    expect(phone.action).not.toBe('handoff');
    expect(phone.metadata.articles?.map((a) => a.slug)).toContain('contact-us');
    // Requests for a person in the same words still hand off, a time question next to them included.
    for (const text of ['转人工', '我要人工客服', '人工客服在吗', 'talk to a human', '转人工，我的退款什么时候能到', 'connect me to an agent, when do you open?', "I've been waiting all morning, let me speak to a person"]) {
      const decision = await pipeline.run(text, {});
      expect(decision.action, text).toBe('handoff');
      expect(decision.metadata.reason, text).toBe('person_request');
    }
  });

  it('hands off on strongly negative sentiment, in English and in Chinese, but not on a calm complaint', async () => {
    for (const text of ['This is the worst shop ever, absolutely useless, I am furious', '你们太垃圾了，气死我了！！']) {
      const decision = await pipeline.run(text, {});
      expect(decision.action, text).toBe('handoff');
      expect(decision.metadata.reason, text).toBe('negative_sentiment');
    }
    expect(sentimentOf('My parcel is late, where is it?').strongNegative).toBe(false);
    expect(sentimentOf('我的包裹还没到，请问到哪了？').strongNegative).toBe(false);
    // Naming the problem is not anger: AFINN scores "damaged" −3, which alone made these two hand off.
    for (const text of ['item damaged in shipping', "what if it's damaged?"]) {
      expect(sentimentOf(text).strongNegative, text).toBe(false);
      const decision = await pipeline.run(text, {});
      expect(decision.action, text).toBe('answer');
      expect(decision.metadata.intent, text).toBe('damaged_item');
    }
    expect(sentimentOf('Terrible, damaged again, I am so angry').strongNegative).toBe(true);
    const calm = await pipeline.run('How long does a refund take?', {});
    expect(calm.action).toBe('answer');
    // Upset without strong words (AFINN even scores this one positive): the complaint intent the classifier
    // leans to still brings a person, instead of "I don't know".
    const upset = await pipeline.run('my parcel never arrived and this is ridiculous, I want a refund now', {});
    expect(upset.action).toBe('handoff');
    expect(upset.metadata.intent).toBe('complaint');
  });

  it('hands off when a shopper accuses, threatens or says they are fed up, words AFINN misses, but not on questions that share them', async () => {
    const upset = [
      'this is a scam', 'You guys are scammers, where is my money', 'This is a joke, 3 weeks and no parcel',
      'I will report you to trading standards', 'thanks a lot for nothing', 'fed up with waiting for my refund',
      'this is the third time I ask about my order!', 'I have contacted you three times already', 'what a rip off',
      'absolutely unacceptable service', '再不处理我就打12315投诉', '我已经问了好几次了，订单到底在哪',
    ];
    for (const text of upset) {
      const decision = await pipeline.run(text, {});
      expect(decision.action, text).toBe('handoff');
      expect(decision.metadata.reason, text).toBe('negative_sentiment');
    }
    const questions = [
      'How many times can I change my address?', 'I got a scam email pretending to be you, what should I do?',
      "I'm sick, can my neighbour pick up my parcel?", 'is this a joke shop item?', 'what happens the second time a payment fails',
    ];
    for (const text of questions) expect(sentimentOf(text).strongNegative, text).toBe(false);
  });

  it('answers a question with an exclamation of annoyance, a person offered, but hands off when it comes with strong words (2026-12-04, round 7)', async () => {
    // AFINN scores "wtf" −4, as much as "furious": one exclamation after a payment question handed off.
    const declined = await pipeline.run('my card keeps getting declined wtf', { locale: 'en' });
    expect(declined.action).toBe('answer');
    expect(declined.metadata.articles?.[0]?.slug).toBe('payment-declined');
    expect(declined.quickReplies.map((q) => q.value)).toContain('handoff');
    expect(declined.reply).toContain('a person from our team can take over');
    const zh = await pipeline.run('卧槽 付款一直失败', { locale: 'zh' });
    expect(zh.action).toBe('answer');
    expect(zh.quickReplies.map((q) => q.value)).toContain('handoff');
    // A calm question offers no person with its answer.
    expect((await pipeline.run('my card keeps getting declined', { locale: 'en' })).quickReplies).toEqual([]);
    // With strong words, or sworn at the shop rather than exclaimed, it is an upset shopper still.
    for (const text of ['wtf this is the worst shop ever', 'damn you people are useless', 'shit service', 'fuck you']) {
      expect(sentimentOf(text).strongNegative, text).toBe(true);
      expect((await pipeline.run(text, {})).action, text).toBe('handoff');
    }
  });

  it('says so and offers a person on the first miss, and hands off on the second miss in a row', async () => {
    const first = await pipeline.run('what is the meaning of life', {});
    expect(first.action).toBe('clarify');
    expect(first.metadata.decision).toBe('fallback');
    expect(first.miss).toBe(true);
    expect(first.quickReplies.map((q) => q.value)).toContain('handoff');

    const history = [
      { author: 'customer' as const, text: 'what is the meaning of life', metadata: {} },
      { author: 'bot' as const, text: first.reply, metadata: first.metadata as Record<string, unknown> },
    ];
    const second = await pipeline.run('tell me a joke about penguins', { history });
    expect(second.action).toBe('handoff');
    expect(second.metadata.reason).toBe('repeated_miss');

    // A miss after a good answer is only the first miss.
    const answered = await pipeline.run('How long does a refund take?', {});
    const again = await pipeline.run('tell me a joke about penguins', {
      history: [{ author: 'bot', text: answered.reply, metadata: answered.metadata as Record<string, unknown> }],
    });
    expect(again.action).toBe('clarify');
  });

  it('clarifies a vague one-word question, counts a second clarification in a row as a miss, then hands off', async () => {
    let vague: { text: string; decision: Awaited<ReturnType<Pipeline['run']>> } | undefined;
    for (const text of ['package', 'card', '问题', '快递']) {
      const decision = await pipeline.run(text, {});
      if (decision.metadata.reason === 'ambiguous') {
        vague = { text, decision };
        break;
      }
    }
    expect(vague, 'some vague one-word question is clarified').toBeDefined();
    const first = vague!.decision;
    expect(first.action).toBe('clarify');
    expect(first.miss).toBe(false);
    expect(first.quickReplies.length).toBeGreaterThanOrEqual(2);
    expect(first.quickReplies.length).toBeLessThanOrEqual(4);
    expect(first.quickReplies.at(-1)?.value).toBe('handoff');

    const turn = (d: typeof first) => ({ author: 'bot' as const, text: d.reply, metadata: d.metadata as Record<string, unknown> });
    const second = await pipeline.run(vague!.text, { history: [turn(first)] });
    expect(second.metadata.reason).toBe('ambiguous');
    expect(second.miss).toBe(true);
    const third = await pipeline.run(vague!.text, { history: [turn(first), turn(second)] });
    expect(third.action).toBe('handoff');
    expect(third.metadata.reason).toBe('repeated_miss');
  });

  it('offers intents under labels written for shoppers, never the admin description', async () => {
    const decision = await pipeline.run('my parcel never arrived and I want my money back', {});
    const offered = decision.quickReplies.filter((q) => q.value.startsWith('intent:'));
    expect(decision.action, JSON.stringify(decision.metadata)).toBe('clarify');
    expect(offered.length).toBeGreaterThanOrEqual(1);
    for (const option of offered) {
      const intent = intents.find((i) => `intent:${i.name}` === option.value)!;
      expect(option.label).toBe(intent.label?.en);
      expect(option.label).not.toBe(intent.description);
    }
    // Without a label of its own, an intent is offered in a shopper's words: its first example.
    const unlabelled = toIntentConfig({ name: 'gift_wrap', description: 'The shopper asks whether gifts can be wrapped.', examples: { en: ['can you gift wrap it'], zh: ['可以礼品包装吗'] } });
    expect(unlabelled.label).toEqual({ en: 'Can you gift wrap it', zh: '可以礼品包装吗' });
    expect(toIntentConfig({ name: 'gift_wrap', label: { en: ' Gift wrapping ' }, examples: { en: ['can you gift wrap it'] } }).label.en).toBe('Gift wrapping');
  });

  it('reads past a greeting in front of the question', async () => {
    expect(withoutGreeting('Hi, my tote arrived with a torn strap')).toBe('my tote arrived with a torn strap');
    expect(withoutGreeting('Hello there! how much is shipping')).toBe('how much is shipping');
    expect(withoutGreeting('你好，我要退货')).toBe('我要退货');
    expect(withoutGreeting('hi')).toBe('hi');
    expect(withoutGreeting('Hilda from accounts here')).toBe('Hilda from accounts here');
    // Several greetings in a row (a review: "hello there, good morning!" was read as a greeting with the question after it).
    expect(withoutGreeting('hello there, good morning! where is my parcel?')).toBe('where is my parcel?');
    expect(withoutGreeting('你好，早上好！我的包裹到哪了？')).toBe('我的包裹到哪了？');
    expect((await pipeline.run('hello there, good morning! where is my parcel?', {})).metadata.intent).toBe('track_order');
    const decision = await pipeline.run('Hi, my Harbor tote arrived with a torn strap', {});
    expect(decision.metadata.intent).toBe('damaged_item');
    // Answered from its article since round 16: the damaged item was the one reading a clarification offered.
    expect(decision.metadata.articles?.[0]?.slug).toBe('damaged-or-wrong-item');
    expect((await pipeline.run('hi', {})).metadata.intent).toBe('greeting');
    // The same in Chinese ("my bag strap broke"): "我的" is frequent in order-tracking examples, which used to win.
    const zh = await pipeline.run('你好，我的包带子断了', {});
    expect(zh.metadata.intent).toBe('damaged_item');
    expect(zh.quickReplies.map((q) => q.value)).toContain('intent:damaged_item');
  });

  it('reads past a sentence of thanks or a "quick question" in front of the question (2026-12-04, round 4)', async () => {
    expect(withoutGreeting('thanks for the quick delivery last time! quick question, how long do I have to return something?'))
      .toBe('how long do I have to return something?');
    expect(withoutGreeting('谢谢你们，上次的问题解决了。再问一下退货运费谁出？')).toBe('再问一下退货运费谁出？');
    expect(withoutGreeting('thanks!')).toBe('thanks!');
    expect(withoutGreeting('thanks for the help')).toBe('thanks for the help');
    const d = await pipeline.run('thanks for the quick delivery last time! quick question, how long do I have to return something?', { locale: 'en' });
    expect(d.metadata.articles?.[0]?.slug).toBe('return-policy');
  });

  it('reads "help me" as how a request is made, not what about: no warranty answer to "help me file my taxes" (2026-12-04, round 6)', async () => {
    // The warranty article's "under Help" and "file a warranty claim" covered "help" and "file"; "taxes" is elsewhere.
    const taxes = await pipeline.run('can you help me file my taxes', { locale: 'en' });
    expect(taxes.action === 'answer' && taxes.metadata.articles?.length).toBeFalsy();
    expect((await pipeline.run('how do I file a warranty claim', { locale: 'en' })).metadata.articles?.[0]?.slug).toBe('warranty-claims');
  });

  it('answers "do you sell …?" from an article only when the article is about the thing asked for (2026-12-04, round 4)', async () => {
    const cars = await pipeline.run('do you sell cars', { locale: 'en' });
    expect(cars.action === 'answer' && cars.metadata.articles?.length).toBeFalsy();
    expect((await pipeline.run('do you sell gift cards', { locale: 'en' })).metadata.articles?.[0]?.slug).toBe('gift-cards-promo-codes');
  });

  it('does not offer an intent and the article it answers with as two options', async () => {
    const decision = await pipeline.run('我的包带子断了', {});
    const values = decision.quickReplies.map((q) => q.value);
    expect(decision.action, JSON.stringify(decision.metadata)).toBe('clarify');
    expect(values).toContain('intent:damaged_item');
    expect(intents.find((i) => i.name === 'damaged_item')?.articleSlug).toBe('damaged-or-wrong-item');
    expect(values).not.toContain('article:damaged-or-wrong-item');
  });

  it('hands off when the shopper picks "talk to a person"', async () => {
    const decision = await pipeline.run('Talk to a person', { quickReply: 'handoff' });
    expect(decision.action).toBe('handoff');
  });
});

describe('answers', () => {
  it('answers a confident intent from its article with a link and asks whether it helped, in the shopper language', async () => {
    const en = await pipeline.run('How long does it take to get my money back?', {});
    expect(en.action).toBe('answer');
    expect(en.metadata.articles?.[0]?.slug).toBe('refund-timing');
    expect(en.metadata.askHelpful).toBe(true);
    expect(en.reply).toContain('https://shop.test/help/refund-timing');
    expect(en.metadata.encoder).toBe('lexical');

    const zh = await pipeline.run('退款多久能到账？', { locale: 'en' });
    expect(zh.action).toBe('answer');
    expect(zh.reply).toMatch(/[\u4e00-\u9fff]/);
    expect(zh.metadata.articles?.[0]?.slug).toBe('refund-timing');
  });

  it('answers from an article without naming an intent the classifier called out of scope', async () => {
    // "Can you ship to Australia?": no intent covers international shipping; the article does.
    const decision = await pipeline.run('能寄到澳大利亚吗', {});
    expect(decision.evidence.prediction?.outOfScope).toBe(true);
    expect(decision.action).toBe('answer');
    expect(decision.metadata.articles?.[0]?.slug).toBe('international-shipping');
    expect(decision.metadata.intent).toBeNull();
  });

  it('answers a canned intent answer', async () => {
    const decision = await pipeline.run('hello there', {});
    expect(decision.metadata.intent).toBe('greeting');
    expect(decision.action).toBe('answer');
    expect(decision.reply).toMatch(/help/i);
    // A bare greeting is a greeting however the classifier spreads its few words ("how are you" had read as contact).
    for (const text of ['Hey there, how are you?', '你好，在吗？', 'hello, anyone there?']) {
      expect((await pipeline.run(text, {})).metadata, text).toMatchObject({ decision: 'answer', intent: 'greeting', confidence: 1 });
    }
    expect((await pipeline.run('hi, where do I find my tracking number?', {})).metadata.intent).not.toBe('greeting');
  });

  it('hands a returning shopper who greets again, or says they have been waiting, to a person (a sale-day review)', async () => {
    /** The policy's answers to `turns`, each asked with the ones before it (and the bot's replies) as history. */
    const conversation = async (turns: string[]) => {
      const history: NonNullable<DecideContext['history']> = [];
      const outcomes: string[] = [];
      for (const text of turns) {
        const d = await pipeline.run(text, { locale: /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en', history: [...history] });
        outcomes.push(`${d.action}:${d.metadata.reason}`);
        history.push({ author: 'customer', text, metadata: {} }, { author: 'bot', text: d.reply, metadata: d.metadata as Record<string, unknown> });
      }
      return outcomes;
    };
    expect(await conversation(['Hello? Is anyone still there?', 'hello?'])).toEqual(['answer:intent', 'handoff:person_request']);
    expect(await conversation(['还有人在吗？', '有人吗？'])).toEqual(['answer:intent', 'handoff:person_request']);
    expect(await conversation(['Hello?? I have been waiting for ages'])).toEqual(['handoff:negative_sentiment']);
    expect(await conversation(['有人吗？等很久了'])).toEqual(['handoff:negative_sentiment']);
    expect(await conversation(['still waiting!!'])).toEqual(['handoff:negative_sentiment']);
    // What they wait for, named: the order answers serve it.
    expect((await conversation(['I have been waiting for my parcel for 2 weeks, where is it?']))[0]).not.toMatch(/^handoff/);
    expect((await conversation(['我的快递等了好久还没发货']))[0]).not.toMatch(/^handoff/);
    // A greeting, then a question: the question is served as before (an anonymous shopper is asked to sign in).
    expect(await conversation(['hi', 'where is my order'])).toEqual(['answer:intent', 'clarify:order_status']);
  });

  it('asks "Was this helpful?" under a typed answer unless the intent is marked not to (a greeting)', async () => {
    const greeting = await pipeline.run('hello there', {});
    expect(greeting.metadata.articles).toEqual([]);
    expect(greeting.metadata.askHelpful).toBeUndefined();

    // The same content with the greeting's mark removed: its typed answer, which links no article, asks.
    const unmarked = intents.map((i) => (i.name === 'greeting' ? { ...i, askHelpful: undefined } : i));
    const classifier = await trainIntentClassifier(
      unmarked.map((i) => ({ name: i.name, examples: [...(i.examples?.en ?? []), ...(i.examples?.zh ?? [])] })),
      { outOfScopeExamples: loadOutOfScope() },
    );
    const shop = await createPipeline({ classifier, articles, intents: unmarked, publicUrl: 'https://shop.test' });
    const asked = await shop.run('hello there', {});
    expect(asked.metadata).toMatchObject({ decision: 'answer', intent: 'greeting', articles: [], askHelpful: true });
  }, 60_000);

  it('answers how to reach the shop and when it is open from the contact article', async () => {
    for (const [text, locale] of [['what is your phone number', 'en'], ['are you open on sunday', 'en'], ['客服邮箱是多少', 'zh']] as const) {
      const decision = await pipeline.run(text, { locale });
      expect(decision.action, text).toBe('answer');
      expect(decision.metadata.articles?.map((a) => a.slug), text).toEqual(['contact-us']);
    }
  });

  it('answers a refund question from the refund article, not one that only shares a plain verb with it', async () => {
    // "come" ("come back") made the account-deletion article cover more of the question than the refund article.
    const decision = await pipeline.run('when will my refund come', { locale: 'en' });
    expect(decision.metadata.articles?.map((a) => a.slug)).toEqual(['refund-timing']);
  });

  it('answers where to e-mail support from the contact article, not the address-change section', async () => {
    // "Email address" and "support" are both in the address-change section; the contact article now says them too.
    const decision = await pipeline.run('email address for support', { locale: 'en' });
    expect(decision.action).toBe('answer');
    expect(decision.metadata.articles?.map((a) => a.slug)).toEqual(['contact-us']);
    expect(decision.reply).toContain('support@northwindgoods.example');
  });

  it('answers "support email address" from the contact article, whose heading says it, not the address-change section (2026-12-04, round 6)', async () => {
    // Both cover every word; the classifier reads an address change (0.61), but that section is headed "Changing the
    // shipping address", the contact article's "Email support".
    const decision = await pipeline.run('support email address', { locale: 'en' });
    expect(decision.evidence.prediction?.intent).toBe('change_address');
    expect(decision.metadata.articles?.map((a) => a.slug)).toEqual(['contact-us']);
    expect(decision.reply).toContain('support@northwindgoods.example');
    expect((await pipeline.run('change my shipping address', { locale: 'en' })).metadata.articles?.map((a) => a.slug)).toEqual(['change-or-cancel-order']);
    // Any of the own article's headings counts (2026-12-04, round 7): "how long does delivery take" had the international
    // article's "How long international delivery takes", against the shipping-times section on standard shipping, though
    // the shipping-times article has a section headed "… delivery take" as well.
    const delivery = await pipeline.run('how long does delivery take?', { locale: 'en' });
    expect(delivery.metadata.articles?.map((a) => a.slug)).toEqual(['shipping-times']);
  });

  it('answers where to see the tracking number from the article, "看" being how the question asks (2026-12-04, round 6)', async () => {
    for (const text of ['快递单号在哪看', 'tracking number 在哪里看']) {
      const decision = await pipeline.run(text, { locale: 'zh' });
      expect(decision.action, text).toBe('answer');
      expect(decision.metadata.articles?.map((a) => a.slug), text).toEqual(['order-tracking']);
    }
  });

  it('reads the question at the end of a story on its own when the whole found nothing (2026-12-04, round 6)', async () => {
    expect(questionAtEnd('We had a power cut while I was paying and the page froze, I tried again and now I see two charges on my bank app. what should I do'))
      .toBe('now I see two charges on my bank app, what should I do');
    expect(questionAtEnd('给女朋友买的毛衣她穿着太大了，能换小一号吗')).toBe('能换小一号吗');
    expect(questionAtEnd('how long does shipping take to Canada?')).toBeNull(); // no story
    const charged = await pipeline.run('We had a power cut while I was paying and the page froze, I tried again and now I see two charges on my bank app. what should I do', { locale: 'en' });
    expect(charged.metadata.articles?.map((a) => a.slug)).toEqual(['payment-declined']);
    expect(charged.evidence.storyOf).toMatch(/^We had a power cut/); // agents see what was read
    expect(charged.reply).toMatch(/two (holds|completed charges)/);
    const seam = await pipeline.run('I bought a sweater from you in November, washed it once following the label and it was fine, but now a seam is coming apart at the shoulder. is that covered by some kind of guarantee?', { locale: 'en' });
    expect(seam.metadata.articles?.map((a) => a.slug)).toEqual(['warranty-claims']);
    const canada = await pipeline.run("We're moving to Canada next month and I'd like to keep ordering from you. Would you deliver there, and would I pay import fees?", { locale: 'en' });
    expect(canada.metadata.articles?.map((a) => a.slug)).toEqual(['international-shipping']);
    // A fault the shopper says showed on arrival (faultShowed, round 9) is the damaged-item article's, though the end
    // alone ("拉链坏了，怎么办") reads as the warranty's.
    const zip = await pipeline.run('我上周买了一件外套，今天到了但是拉链坏了，怎么办', { locale: 'zh' });
    expect(zip.metadata.articles?.map((a) => a.slug)).toEqual(['damaged-or-wrong-item']);
  });

  it("answers from the article of the intent the classifier leans to when it covers more than the first-ranked one", async () => {
    // "Receipt" ranked the warranty article's proof-of-purchase section first, but the classifier reads a return
    // question (unsure which of the two return intents) and the returns article covers all of it.
    const decision = await pipeline.run('do I need the receipt to return', { locale: 'en' });
    expect(decision.action).toBe('answer');
    expect(['return-policy', 'start-a-return']).toContain(decision.metadata.articles?.[0]?.slug);
    expect(decision.reply).toContain('order number');
    // By any margin (2026-12-04, round 7): "退款几天能到" (refund_status 0.51) ranked the shipping-times section first on
    // its score, the refund article covering a little more (0.74 / 0.73); it was a clarification, or a wrong answer
    // whenever a content edit moved the two scores' ratio past the tie's 0.9.
    const refund = await pipeline.run('退款几天能到', { locale: 'zh' });
    expect(refund.action).toBe('answer');
    expect(refund.metadata.articles?.[0]?.slug).toBe('refund-timing');
  });

  it("answers an exchange for another size from the exchanges article, not the size guide's note on it (2026-12-04, round 7)", async () => {
    // The clothing guide said "you can exchange it for free": a size question to the classifier, its own article had the
    // word, so the exchanges article could not overrule it. The guide now says "sending it back for another size".
    for (const text of ['can I exchange the jeans for a different size?', 'can I exchange the jeans in NW-100245 for a different size?']) {
      const decision = await pipeline.run(text, { locale: 'en' });
      expect(decision.metadata.articles?.[0]?.slug, text).toBe('exchanges');
    }
    // The guide still answers how its sizes run.
    expect((await pipeline.run('do your jeans stretch after a few wears', { locale: 'en' })).metadata.articles?.[0]?.slug).toBe('clothing-size-guide');
  });

  it("lets another article overrule a confident intent's own only with a word the own article lacks", async () => {
    const after = async (previous: string, locale: 'en' | 'zh') => {
      const first = await pipeline.run(previous, { locale });
      return [{ author: 'customer' as const, text: previous, metadata: {} }, { author: 'bot' as const, text: first.reply, metadata: first.metadata as Record<string, unknown> }];
    };
    // The international article's section on delivery abroad names "standard" and "express" together, the
    // shipping-times article in two sections: it covered more, but with no word shipping-times lacks.
    const express = await pipeline.run('and express?', { locale: 'en', history: await after('how long does standard shipping take', 'en') });
    expect(express.metadata.articles?.map((a) => a.slug)).toEqual(['shipping-times']);
    expect(express.reply).toContain('2 business days');
    // "国外" (abroad) is a word of the international article only (2026-12-04, third round).
    const abroad = await pipeline.run('国外呢？', { locale: 'zh', history: await after('运费多少', 'zh') });
    expect(abroad.metadata.articles?.map((a) => a.slug)).toEqual(['international-shipping']);
  });

  it('answers the questions found in the third round of development questions from the right article', async () => {
    const cases = [
      // The classifier reads a failed payment; the tracking article now says "never got the parcel".
      ['parcel says delivered but i never got it!!', 'en', 'order-tracking'],
      // The refund article says "full refund" and "part of the price"; the exchanges article had "full refund".
      ['will i get a full refund or just part of it', 'en', 'refund-timing'],
      // The Chinese shoe guide now says what the English one does: most styles are true to size.
      ['我平时穿42码的鞋 你们的鞋偏大还是偏小', 'zh', 'shoe-size-guide'],
      // "怎么回事" (what's going on) is how the question is asked, not what about.
      ['物流一直没更新怎么回事', 'zh', 'order-tracking'],
      ['whats the cheapest shipping option', 'en', 'shipping-costs'],
    ] as const;
    for (const [text, locale, slug] of cases) {
      const decision = await pipeline.run(text, { locale });
      expect(decision.action, text).toBe('answer');
      expect(decision.metadata.articles?.map((a) => a.slug), text).toEqual([slug]);
    }
  });

  it('follows a clarify quick reply to the chosen intent', async () => {
    const decision = await pipeline.run('Where is my order?', { quickReply: 'intent:refund_status' });
    expect(decision.metadata.intent).toBe('refund_status');
    expect(decision.action).toBe('answer');
  });

  it('reads traditional characters as simplified ones (2026-12-04, round 5)', async () => {
    expect(toSimplified('退貨要運費嗎 請問可以寄到香港嗎')).toBe('退货要运费吗 请问可以寄到香港吗');
    expect(toSimplified('AirPods 能退吗')).toBe('AirPods 能退吗');
    const reset = await pipeline.run('忘記密碼怎麼辦', { locale: 'zh' });
    expect(reset.metadata.articles?.[0]?.slug).toBe('account-password-reset');
    expect((await pipeline.run('下單後多久出貨', { locale: 'zh' })).metadata.articles?.[0]?.slug).toBe('shipping-times');
  });

  it("finds order numbers in the shop's own format, typed loosely", () => {
    expect(findOrderNumber('where is NW-100234?')).toEqual({ key: 'NW100234', shown: 'NW-100234', partial: false });
    expect(findOrderNumber('order nw 100234 please')?.key).toBe('NW100234');
    expect(findOrderNumber('订单号100234到哪了')).toEqual({ key: '100234', shown: '100234', partial: true });
    expect(findOrderNumber('I bought 2 shirts')).toBeNull();
    const hashNumbers = orderNumberFormat('#\\d{4,7}', '#1001');
    expect(findOrderNumber('any news on #1042?', hashNumbers)).toEqual({ key: '1042', shown: '#1042', partial: false });
    expect(findOrderNumber('my zip code is 90210', hashNumbers)).toBeNull();
    const threePart = orderNumberFormat('\\d{3}-\\d{7}-\\d{7}', '111-2223334-4445556');
    expect(findOrderNumber('Order 114-3941689-8772232 has not arrived', threePart)?.key).toBe('11439416898772232');
    expect(() => orderNumberFormat('NW-(\\d', 'NW-1')).toThrow(/not a valid regular expression/);
    expect(() => orderNumberFormat('NW-\\d{6}', '#1001')).toThrow(/does not match/);
  });

  it("answers from the shop's own number format, and matches bare digits only among the shopper's own orders", async () => {
    const order = (number: string, customerExternalId: string, status: string): OrderRecord => ({
      number, customerExternalId, status, carrier: null, trackingNumber: null, totalCents: 1000, currency: 'USD',
      placedAt: new Date('2026-11-20T10:00:00Z'), etaFrom: null, etaTo: null, deliveredAt: null, items: [],
    });
    const stored = [order('#1042', 'kim', 'shipped'), order('#2042', 'lee', 'delivered')];
    const orders: OrderLookup = {
      numberFormat: orderNumberFormat('#\\d{4,7}', '#1001'),
      byKey: async (key) => stored.find((o) => orderNumberKey(o.number) === key) ?? null,
      ownEndingWith: async (id, digits) => {
        const own = stored.filter((o) => o.customerExternalId === id && orderNumberKey(o.number).endsWith(digits));
        return own.length === 1 ? own[0] : null;
      },
      recentFor: async (id) => stored.filter((o) => o.customerExternalId === id),
    };
    const classifier = await trainIntentClassifier(intents.map((i) => ({ name: i.name, examples: i.examples?.en ?? [] })));
    const shop = await createPipeline({ classifier, articles, intents, publicUrl: 'https://shop.test', orders });
    const kim = { customer: { id: 1, externalId: 'kim' } };
    expect((await shop.run('any news on #1042?', kim)).reply).toBe('Order #1042 is shipped.');
    expect((await shop.run('where is order 1042', kim)).reply).toBe('Order #1042 is shipped.');
    // Lee's order, asked by Kim: the same answer as a number that does not exist, with the shop's example.
    const other = await shop.run('status of #2042 please', kim);
    expect(other.reply).toMatch(/couldn't find order #2042 .*looks like #1001/);
    expect(other.reply).not.toMatch(/delivered/);
    expect((await shop.run('where is order 2042', kim)).reply).toMatch(/couldn't find order 2042/);
  });

  it('answers a question about an order with an article, the order note after it (2026-12-04, round 4)', async () => {
    expect(findOrderNumber('订单NW-100245少了一件T恤')?.key).toBe('NW100245');
    expect(findOrderNumber('abcNW-100245')).toBeNull();
    expect(withoutOrderNumbers('can I still change the address on NW-100234?')).toBe('can I still change the address on ?');
    const stored: OrderRecord[] = [{
      number: 'NW-100234', customerExternalId: 'kim', status: 'shipped', carrier: null, trackingNumber: null, totalCents: 1000, currency: 'USD',
      placedAt: new Date('2026-11-20T10:00:00Z'), etaFrom: null, etaTo: null, deliveredAt: null, items: [],
    }];
    const orders: OrderLookup = {
      byKey: async (key) => stored.find((o) => orderNumberKey(o.number) === key) ?? null,
      ownEndingWith: async () => null,
      recentFor: async (id) => stored.filter((o) => o.customerExternalId === id),
    };
    const classifier = await trainIntentClassifier(
      intents.map((i) => ({ name: i.name, examples: [...(i.examples?.en ?? []), ...(i.examples?.zh ?? [])] })),
      { outOfScopeExamples: loadOutOfScope() },
    );
    const shop = await createPipeline({ classifier, articles, intents, publicUrl: 'https://shop.test', orders });
    const kim = { customer: { id: 1, externalId: 'kim' } };
    const address = await shop.run('can I still change the address on NW-100234?', kim);
    expect(address.metadata.articles?.[0]?.slug).toBe('change-or-cancel-order');
    expect(address.reply).toMatch(/Order NW-100234 is shipped\.$/);
    const anonymous = await shop.run('when will I get my refund for NW-100234', { locale: 'en' });
    expect(anonymous.metadata.articles?.[0]?.slug).toBe('refund-timing');
    // A status question keeps the status answer.
    expect((await shop.run('where is NW-100234', kim)).metadata.reason).toBe('order_status');
  });

  it('tells a late order by its last due day, in both languages', () => {
    const order: OrderRecord = {
      number: 'NW-100300', customerExternalId: 'kim', status: 'in_transit', carrier: null, trackingNumber: null, totalCents: 1000,
      currency: 'USD', placedAt: new Date('2026-11-20T10:00:00Z'), etaFrom: new Date('2026-11-24'), etaTo: new Date('2026-11-26'), deliveredAt: null, items: [],
    };
    expect(isLate(order, new Date('2026-11-26T23:59:00Z'))).toBe(false); // still the last day it was due
    expect(isLate(order, new Date('2026-11-27T00:00:00Z'))).toBe(true);
    expect(isLate({ ...order, status: 'delivered' }, new Date('2026-12-27T00:00:00Z'))).toBe(false);
    expect(describeOrder(order, 'en', new Date('2026-11-25T12:00:00Z'))).toBe('Order NW-100300 is on its way. Estimated delivery: Nov 24–Nov 26.');
    expect(describeOrder(order, 'en', new Date('2026-11-28T12:00:00Z'))).toBe('Order NW-100300 is on its way. It was due Nov 24–Nov 26, so it is running late.');
    expect(describeOrder(order, 'zh', new Date('2026-11-28T12:00:00Z'))).toBe('订单 NW-100300：运输途中。原定11月24日至11月26日送达，目前已延误。');
  });

  it('apologises and offers a person when a late order is among the latest ones listed, as when asked by number', async () => {
    const base: OrderRecord = {
      number: 'NW-100301', customerExternalId: 'kim', status: 'delivered', carrier: null, trackingNumber: null, totalCents: 1000,
      currency: 'USD', placedAt: new Date('2026-11-10T10:00:00Z'), etaFrom: null, etaTo: null, deliveredAt: new Date('2026-11-14T10:00:00Z'), items: [],
    };
    const lateOne: OrderRecord = { ...base, number: 'NW-100302', status: 'in_transit', deliveredAt: null, etaFrom: new Date('2026-11-24'), etaTo: new Date('2026-11-26') };
    const lookup = (recent: OrderRecord[]): OrderLookup => ({ byKey: async () => null, ownEndingWith: async () => null, recentFor: async () => recent });
    const now = new Date('2026-11-28T12:00:00Z');
    const withLate = await orderStatus(lookup([lateOne, base]), { externalId: 'kim' } as ShopperIdentity, 'where are my orders?', 'en', now);
    expect(withLate.outcome).toBe('late');
    expect(withLate.orderNumber).toBe('NW-100302');
    expect(withLate.reply).toMatch(/^Here are your latest orders:\n• Order NW-100302 .*running late\.\n• Order NW-100301 .*\n\nI'm sorry it is taking longer than we said\./s);
    const onTime = await orderStatus(lookup([base]), { externalId: 'kim' } as ShopperIdentity, 'where are my orders?', 'en', now);
    expect(onTime.outcome).toBe('recent');
    expect(onTime.reply).not.toMatch(/sorry/);
  });

  it("moves the demo orders' dates so the newest was placed yesterday, keeping calendar days as days", () => {
    const seeds = [
      { number: 'NW-1', customerExternalId: 'a', status: 'shipped', totalCents: 1, placedAt: '2026-11-20T10:00:00Z', etaFrom: '2026-11-25', etaTo: null, items: [] },
      { number: 'NW-2', customerExternalId: 'a', status: 'delivered', totalCents: 1, placedAt: '2026-11-01T08:00:00Z', deliveredAt: '2026-11-05T12:00:00Z', items: [] },
    ];
    const moved = freshenDemoDates(seeds, new Date('2026-12-10T09:00:00Z'));
    expect(moved.map((o) => o.placedAt)).toEqual(['2026-12-09T10:00:00.000Z', '2026-11-20T08:00:00.000Z']);
    expect(moved[0].etaFrom).toBe('2026-12-14');
    expect(moved[0].etaTo).toBeNull();
    expect(moved[1].deliveredAt).toBe('2026-11-24T12:00:00.000Z');
    expect(seeds[0].placedAt).toBe('2026-11-20T10:00:00Z'); // the content itself is left as written
    expect(freshenDemoDates(seeds, new Date('2026-11-21T09:00:00Z'))).toEqual(seeds); // already fresh
  });
});

describe("the shop's products", () => {
  const products: ProductRecord[] = loadProducts().map((p, i) => ({
    id: i + 1, sku: p.sku, locale: p.locale ?? 'en', name: p.name, url: p.url ?? null, priceCents: p.priceCents ?? null,
    currency: p.currency ?? 'USD', description: p.description ?? '', attributes: p.attributes ?? {}, inStock: p.inStock ?? null,
  }));
  let shop: Pipeline;
  beforeAll(async () => {
    const classifier = await trainIntentClassifier(
      intents.map((i) => ({ name: i.name, examples: [...(i.examples?.en ?? []), ...(i.examples?.zh ?? [])] })),
      { outOfScopeExamples: loadOutOfScope() },
    );
    shop = await createPipeline({ classifier, articles, intents, publicUrl: 'https://shop.test', products });
  }, 120_000);

  it("answers a question about a product from its page, with price, stock and a link, in the shopper's language", async () => {
    const tote = await shop.run('is the harbor tote waterproof', { locale: 'en' });
    expect(tote.metadata).toMatchObject({ decision: 'answer', reason: 'product', intent: null, products: [{ sku: 'NW-BAG-TOTE-HARBOR', url: 'https://shop.test/demo' }] });
    expect(tote.reply).toMatch(/^Harbor Canvas Tote \(\$48\.00, in stock\)\n/);
    expect(tote.reply).toContain('not waterproof in a downpour');
    expect(tote.reply).toMatch(/See the product: https:\/\/shop\.test\/demo$/);
    // A product the question names wins over the intent the classifier reads ("fit … inch" is a size question to it).
    const laptop = await shop.run('does the tote fit a 15 inch laptop', { locale: 'en' });
    expect(laptop.metadata.products?.[0]?.sku).toBe('NW-BAG-TOTE-HARBOR');
    expect(laptop.reply).toContain('It fits a 15-inch laptop.');
    expect((await shop.run('can I swim with the Fit 2 smartwatch', { locale: 'en' })).reply).toMatch(/out of stock at the moment[\s\S]*swim with it/);
    // A price question naming a product is the product's, though an article also mentions earbuds (how to clean them).
    expect((await shop.run('how much are the earbuds', { locale: 'en' })).reply).toMatch(/^Northwind Pro Wireless Earbuds \(\$79\.00, in stock\)/);
    expect((await shop.run('how much is shipping', { locale: 'en' })).metadata.articles?.[0]?.slug).toBe('shipping-costs');
    const zh = await shop.run('这个托特包防水吗', { locale: 'zh' });
    expect(zh.metadata.products?.[0]?.sku).toBe('NW-BAG-TOTE-HARBOR-ZH');
    expect(zh.reply).toContain('大雨中并不完全防水');
  });

  it('answers a question naming a product and one of its facts with that fact, a "no" included', async () => {
    // "Black" is not on the tote's page: its colours are the answer, and the page's opening would be noise.
    const black = await shop.run('do you have the tote in black', { locale: 'en' });
    expect(black.reply).toBe('Harbor Canvas Tote ($48.00, in stock)\nColours: sand, forest, charcoal\n\nSee the product: https://shop.test/demo');
    // These cover too little of their page for a plain match ("come", "life" are on no page) but name the product.
    const colours = await shop.run('what colours does the rain jacket come in', { locale: 'en' });
    expect(colours.metadata.products?.[0]?.sku).toBe('NW-JKT-RAIN');
    expect(colours.reply).toContain('\nColours: navy, olive, black');
    // The care article speaks of waterproof jackets in general; the page of the jacket named knows this one.
    const waterproof = await shop.run('is the rain jacket waterproof', { locale: 'en' });
    expect(waterproof.metadata.products?.[0]?.sku).toBe('NW-JKT-RAIN');
    expect(waterproof.reply).toContain('10,000 mm waterproof');
    expect((await shop.run("what's the battery life of the earbuds", { locale: 'en' })).reply).toContain('\nBattery: 7 h per charge, 28 h with the case');
    const zh = await shop.run('托特包有黑色的吗', { locale: 'zh' });
    expect(zh.metadata.products?.[0]?.sku).toBe('NW-BAG-TOTE-HARBOR-ZH');
    expect(zh.reply).toContain('\n颜色：沙色、森林绿、炭灰');
    // Without a product named, a fact question is nobody's page.
    expect((await shop.run('what colours do you have', { locale: 'en' })).metadata.products).toBeUndefined();
  });

  it('answers a question about two products from both pages, each without the other\'s words', async () => {
    const prices = await shop.run('how much are the tote and the rain jacket?', { locale: 'en' });
    expect(prices.metadata.products?.map((p) => p.sku).sort()).toEqual(['NW-BAG-TOTE-HARBOR', 'NW-JKT-RAIN']);
    expect(prices.reply).toContain('Harbor Canvas Tote ($48.00');
    expect(prices.reply).toContain('Packable Rain Jacket ($89.00');
    expect(prices.reply).not.toContain('drizzle'); // "rain" is the jacket's name, not a question about the tote
    const battery = await shop.run("what's the difference between the earbuds and the smartwatch battery?", { locale: 'en' });
    expect(battery.reply).toContain('Battery: 7 h per charge');
    expect(battery.reply).toContain('Battery: up to 10 days');
    // "The watch" names the Fit 2 Smartwatch; "fit" asking about size names nothing.
    const longer = await shop.run('which lasts longer on a charge, the earbuds or the watch?', { locale: 'en' });
    expect(longer.metadata.products?.map((p) => p.sku).sort()).toEqual(['NW-AUD-EBD-PRO', 'NW-WCH-FIT2']);
    expect((await shop.run('do the trail runner shoes fit wide feet?', { locale: 'en' })).metadata.products ?? []).toEqual([]);
    const zh = await shop.run('托特包和雨衣多少钱', { locale: 'zh' });
    expect(zh.metadata.products?.map((p) => p.sku).sort()).toEqual(['NW-BAG-TOTE-HARBOR-ZH', 'NW-JKT-RAIN-ZH']);
  });

  it('reads "how much is it?" after a product answer as a question about that product, and only then', async () => {
    const first = await shop.run('is the harbor tote waterproof', { locale: 'en' });
    const history = [
      { author: 'customer' as const, text: 'is the harbor tote waterproof', metadata: {} },
      { author: 'bot' as const, text: first.reply, metadata: first.metadata as Record<string, unknown> },
    ];
    const price = await shop.run('how much is it?', { locale: 'en', history });
    expect(price.metadata).toMatchObject({ reason: 'product', readWith: 'Harbor Canvas Tote', products: [{ sku: 'NW-BAG-TOTE-HARBOR' }] });
    expect(price.reply).toBe('Harbor Canvas Tote ($48.00, in stock)\n\nSee the product: https://shop.test/demo'); // the price, not the page's opening
    expect((await shop.run('what colours does it come in', { locale: 'en', history })).reply).toContain('Colours: sand, forest, charcoal');
    // A price question without "it" right after a product answer is that product's too.
    const zhFirst = await shop.run('托特包防水吗', { locale: 'zh' });
    const zhHistory = [
      { author: 'customer' as const, text: '托特包防水吗', metadata: {} },
      { author: 'bot' as const, text: zhFirst.reply, metadata: zhFirst.metadata as Record<string, unknown> },
    ];
    const zhPrice = await shop.run('多少钱？', { locale: 'zh', history: zhHistory });
    expect(zhPrice.metadata.products?.[0]?.sku).toBe('NW-BAG-TOTE-HARBOR-ZH');
    expect(zhPrice.reply).toMatch(/^港湾帆布托特包 \(US\$48\.00，有货\)/);
    // …but not one about something else: express shipping is the shipping article's.
    expect((await shop.run('how much is express shipping?', { locale: 'en', history })).metadata.articles?.[0]?.slug).toBe('shipping-costs');
    // A question of its own about "it" is not the product page's: returning it is the returns article's.
    expect((await shop.run('can I return it', { locale: 'en', history })).metadata.products).toBeUndefined();
    // Without a product before it, "how much is it?" has no word to match an article with: no article that
    // merely ranks first (it had been the privacy article's "download a copy of your data") is the answer.
    const alone = await shop.run('how much is it?', { locale: 'en' });
    expect(alone.metadata.articles?.[0]?.slug).not.toBe('delete-account-privacy');
  });

  it("reads a short question asked on a product's page as a question about that product, unless it names another", async () => {
    const page = { url: 'https://shop.example/demo/', title: 'Harbor Canvas Tote' }; // the feed says "/demo"
    const waterproof = await shop.run('is it waterproof?', { locale: 'en', page });
    expect(waterproof.metadata).toMatchObject({ reason: 'product', readWith: 'Harbor Canvas Tote', products: [{ sku: 'NW-BAG-TOTE-HARBOR' }] });
    expect(waterproof.reply).toContain('not waterproof in a downpour');
    expect((await shop.run('what colours?', { locale: 'en', page })).reply).toContain('\nColours: sand, forest, charcoal');
    expect((await shop.run('多少钱？', { locale: 'zh', page })).reply).toMatch(/^港湾帆布托特包 \(US\$48\.00，有货\)/); // the page's Chinese twin
    // Another product named, a question the page cannot answer, or a page that is no product's: not the tote.
    expect((await shop.run('how much is the rain jacket?', { locale: 'en', page })).metadata.products?.[0]?.sku).toBe('NW-JKT-RAIN');
    expect((await shop.run('can I return it?', { locale: 'en', page })).metadata.products).toBeUndefined();
    // A price question about something else, asked on the page, is that something's.
    const shipping = await shop.run('How much does express shipping cost?', { locale: 'en', page });
    expect(shipping.metadata.products).toBeUndefined();
    expect(shipping.metadata.articles?.[0]?.slug).toBe('shipping-costs');
    expect((await shop.run('do you have it in black?', { locale: 'en', page })).reply).toContain('\nColours: sand, forest, charcoal');
    // Asking for another of a fact's values asks for the fact (2026-12-04, round 7: "有没有别的颜色？" got the exchanges article).
    expect((await shop.run('any other colours?', { locale: 'en', page })).reply).toContain('\nColours: sand, forest, charcoal');
    const otherColours = await shop.run('有没有别的颜色？', { locale: 'zh', page });
    expect(otherColours.metadata.products?.[0]?.sku).toBe('NW-BAG-TOTE-HARBOR-ZH');
    expect(otherColours.reply).toContain('颜色：沙色、森林绿、炭灰');
    // …but not another of something the page does not list.
    expect((await shop.run('有没有别的付款方式', { locale: 'zh', page })).metadata.products).toBeUndefined();
    expect((await shop.run('is it waterproof?', { locale: 'en', page: { url: 'https://shop.example/cart' } })).metadata.products).toBeUndefined();
    expect((await shop.run('is it waterproof?', { locale: 'en' })).metadata.products).toBeUndefined();
  });

  it('answers a question naming a product from its page when the page covers clearly more than any article', async () => {
    // The international article's note on power banks that cannot be shipped abroad ranked first.
    const plane = await shop.run('can I take the power bank on a plane', { locale: 'en' });
    expect(plane.metadata.products?.[0]?.sku).toBe('NW-PWR-10K');
    expect(plane.reply).toContain('cabin baggage');
    expect((await shop.run('do the earbuds work with android phones', { locale: 'en' })).metadata.products?.[0]?.sku).toBe('NW-AUD-EBD-PRO');
    // "能放" (will it hold) asks for the size, as "fit" does.
    const laptop = await shop.run('托特包能放15寸电脑吗', { locale: 'zh' });
    expect(laptop.metadata.products?.[0]?.sku).toBe('NW-BAG-TOTE-HARBOR-ZH');
    expect(laptop.reply).toContain('15 英寸');
    // "How long" asks for the length of the fact named, as "how much" asks the price: the watch in focus answers.
    const first = await shop.run('is the fit 2 watch waterproof', { locale: 'en' });
    const history = [
      { author: 'customer' as const, text: 'is the fit 2 watch waterproof', metadata: {} },
      { author: 'bot' as const, text: first.reply, metadata: first.metadata as Record<string, unknown> },
    ];
    const battery = await shop.run('how long does the battery last', { locale: 'en', history });
    expect(battery.metadata.products?.[0]?.sku).toBe('NW-WCH-FIT2');
    expect(battery.reply).toContain('10 days');
  });

  it('answers only for a product the question names, and from its page in the shopper language (2026-12-04, round 4)', async () => {
    // "cancel" shares a stem with the earbuds' noise cancelling: no question about the earbuds.
    const cancel = await shop.run('I want to cancel please', { locale: 'en' });
    expect(cancel.metadata.products).toBeUndefined();
    expect(cancel.metadata.articles?.[0]?.slug).toBe('change-or-cancel-order');
    // "tote" is on the English page only; the same page in Chinese (same URL) answers a Chinese question.
    expect((await shop.run('tote包多少钱', { locale: 'zh' })).metadata.products?.[0]?.sku).toBe('NW-BAG-TOTE-HARBOR-ZH');
    // A stock question in Chinese naming a product by a word only its English page has: no article answers it, the page
    // does, and since round 6 its Chinese twin (paired by SKU) answers.
    expect((await shop.run('earbuds 有现货吗', { locale: 'zh' })).metadata.products?.[0]?.sku).toBe('NW-AUD-EBD-PRO-ZH');
  });

  it('answers Chinese product questions from the Chinese pages, and switches product on a follow-up naming another (2026-12-04, round 5)', async () => {
    const price = await shop.run('耳机多少钱', { locale: 'zh' });
    expect(price.metadata.products?.[0]?.sku).toBe('NW-AUD-EBD-PRO-ZH');
    expect(price.reply).toMatch(/^Northwind Pro 无线降噪耳机 \(US\$79\.00，有货\)/);
    // "偏小" asks for the size and fit, and the shoes' own page says how they run (not the general shoe guide).
    const small = await shop.run('跑鞋偏小吗', { locale: 'zh' });
    expect(small.metadata.products?.[0]?.sku).toBe('NW-SHO-TRAIL-RUN-ZH');
    expect(small.reply).toContain('尺码偏小');
    // "羊毛衫" is what shoppers call the merino sweater; its page says so.
    expect((await shop.run('羊毛衫有哪些颜色', { locale: 'zh' })).reply).toContain('燕麦色');
    // "good" is no topic word: the shop's name ("Northwind Goods") had the warranty article cover the question.
    const running = await shop.run('are the earbuds good for running', { locale: 'en' });
    expect(running.metadata.products?.[0]?.sku).toBe('NW-AUD-EBD-PRO');
    expect(running.reply).toContain('fine for the gym or a run');
    // A page's name and a fact inferred from the question ("shower" → water resistance) do not beat an article
    // that covers clearly more of it: the care article says what showers do to water resistance.
    expect((await shop.run('Is my smartwatch okay to wear in the shower?', { locale: 'en' })).metadata.products).toBeUndefined();
    const turn = async (first: string, then: string, locale: 'en' | 'zh') => {
      const before = await shop.run(first, { locale });
      const history = [
        { author: 'customer' as const, text: first, metadata: {} },
        { author: 'bot' as const, text: before.reply, metadata: before.metadata as Record<string, unknown> },
      ];
      return shop.run(then, { locale, history });
    };
    // Chinese leaves "it" out: right after a product answer, a short question its page covers is about it.
    const plane = await turn('充电宝多少钱', '能带上飞机吗', 'zh');
    expect(plane.metadata.products?.[0]?.sku).toBe('NW-PWR-10K-ZH');
    expect(plane.reply).toContain('随身行李');
    // "And the watch?" asks the question before about the watch ("watch" names the Fit 2 Smartwatch).
    const watch = await turn('do the earbuds work with iphone', 'and the watch?', 'en');
    expect(watch.metadata.products?.[0]?.sku).toBe('NW-WCH-FIT2');
    expect(watch.reply).toContain('iPhone');
  });

  it('answers an English product name in a Chinese question from the Chinese page, in Chinese (2026-12-04, round 6)', async () => {
    // The English page names "power bank"; its Chinese twin (SKU + "-ZH", no URL to pair them by) is the one to quote.
    const plane = await shop.run('power bank 可以带上飞机吗', { locale: 'zh' });
    expect(plane.metadata.products?.[0]?.sku).toBe('NW-PWR-10K-ZH');
    expect(plane.reply).toContain('随身行李');
    // Nothing but a product's name and one of its facts: the page's, though the classifier is sure of a warranty question.
    const weight = await shop.run('power bank 多重', { locale: 'zh' });
    expect(weight.evidence.prediction?.intent).toBe('warranty_claim');
    expect(weight.metadata.products?.[0]?.sku).toBe('NW-PWR-10K-ZH');
    expect(weight.reply).toContain('190 克');
    expect((await shop.run('earbuds 防水吗', { locale: 'zh' })).reply).toContain('IPX4');
    // Product names are no evidence of the language: more Latin letters than Chinese characters, still a Chinese question.
    const iphone = await shop.run('smartwatch 能连iPhone吗', { locale: 'en' });
    expect(iphone.metadata.language).toBe('zh');
    expect(iphone.metadata.products?.[0]?.sku).toBe('NW-WCH-FIT2-ZH');
    // …but a question of a name and more than a fact stays with the article: "run" is the shoe guide's.
    expect((await shop.run('do your shoes run small', { locale: 'en' })).metadata.articles?.[0]?.slug).toBe('shoe-size-guide');
  });

  it('reads product names run together or split, and a number only next to the rest of the name (2026-12-04, round 6)', async () => {
    expect(withCatalogueSpelling('how much is the powerbank', products)).toBe('how much is the power bank');
    expect(withCatalogueSpelling('smart watch battery life', products)).toBe('smartwatch battery life');
    expect(withCatalogueSpelling('is the power bank fine', products)).toBe('is the power bank fine');
    expect((await shop.run('how much is the powerbank', { locale: 'en' })).reply).toMatch(/^10,000 mAh USB-C Power Bank \(\$29\.00/);
    const battery = await shop.run('smart watch battery life', { locale: 'en' });
    expect(battery.metadata.products?.[0]?.sku).toBe('NW-WCH-FIT2');
    expect(battery.reply).toContain('up to 10 days');
    // "size 10" names no "10,000 mAh" power bank; "the fit 2" names the watch.
    const english = products.filter((p) => p.locale === 'en');
    expect(productsNamedIn(english, 'can I exchange the shoes for a size 10?').map((p) => p.sku)).toEqual(['NW-SHO-TRAIL-RUN']);
    expect(productsNamedIn(english, 'is the fit 2 in stock').map((p) => p.sku)).toEqual(['NW-WCH-FIT2']);
  });

  it('answers a product question at the end of a story from the page (2026-12-04, round 6)', async () => {
    // The complaint intent the classifier leans to (0.57) does not take a question that doubts a product, nothing negative said.
    const hiking = await shop.run("I'm going hiking next week, is the packable rain jacket really waterproof?", { locale: 'en' });
    expect(hiking.action).toBe('answer');
    expect(hiking.metadata.products?.[0]?.sku).toBe('NW-JKT-RAIN');
    expect(hiking.reply).toContain('10,000 mm waterproof');
    // The shoes have no water rating among their facts, but their description says it: a fact asked by topic.
    const camping = await shop.run("I'm going camping next month and I'd like to know whether the trail runner shoes are waterproof", { locale: 'en' });
    expect(camping.metadata.products?.[0]?.sku).toBe('NW-SHO-TRAIL-RUN');
    expect(camping.reply).toContain('not waterproof');
    // "Sweatproof" asks about water resistance: the earbuds' IPX4 line.
    const sweat = await shop.run('my daughter runs a lot and sweats like crazy, are the earbuds sweatproof', { locale: 'en' });
    expect(sweat.metadata.products?.[0]?.sku).toBe('NW-AUD-EBD-PRO');
    expect(sweat.reply).toContain('IPX4');
    // The jacket named in a story, no fact topic asked ("keep me dry"): its page still answers.
    const trip = await shop.run('going on a trip to scotland next week, will the rain jacket keep me dry', { locale: 'en' });
    expect(trip.metadata.products?.[0]?.sku).toBe('NW-JKT-RAIN');
  });

  it('leaves the questions an article answers to the article', async () => {
    const shoes = await shop.run('can I return shoes I wore once?', { locale: 'en' });
    expect(shoes.metadata.products).toBeUndefined();
    expect(shoes.metadata.articles?.[0]?.slug).toBe('shoe-size-guide');
    // The whole paraphrase set: the catalogue takes no question from its article.
    const [withProducts, without] = [await paraphraseTally(shop), await paraphraseTally(pipeline)];
    expect(withProducts.right).toBe(without.right);
    expect(withProducts.wrong).toBe(without.wrong);
  });
});
