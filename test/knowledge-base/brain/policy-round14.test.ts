// Round 14 of the answer policy (knowledge-base/README.md): a reviewer's 70 new shopper messages through the demo
// shop. Each question below got "I don't know", a section of another topic or lost its context; it now gets the
// article (or the options) that answer it. Real demo content, orders and catalogue, and a classifier trained from
// them, as a shop runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrainResponder, type BrainSnapshot } from '../../../knowledge-base/brain.ts';
import type { Pipeline } from '../../../knowledge-base/pipeline.ts';
import type { DecideContext } from '../../../knowledge-base/policy.ts';
import { faultShowed, readAsChinese } from '../../../knowledge-base/signals.ts';
import { tokenize } from '../../../knowledge-base/text/tokenize.ts';
import { createTestEnv, type TestEnv } from '../../support/test-env.ts';
import { eventually } from '../../support/sockets.ts';
import { demoShopPipeline, headingOf } from './demo-shop.ts';

let shop: Pipeline;
let env: TestEnv;
beforeAll(async () => {
  [shop, env] = await Promise.all([demoShopPipeline(), createTestEnv()]);
}, 120_000);
afterAll(async () => {
  await env?.cleanup();
});

const ask = (text: string, context: DecideContext = {}) => shop.run(text, { locale: /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en', ...context });
const slugOf = (d: Awaited<ReturnType<typeof ask>>) => d.metadata.articles?.[0]?.slug;

/** The follow-up asked right after the bot answered `previous`. */
async function after(previous: string, text: string, locale = 'en') {
  const first = await shop.run(previous, { locale });
  return shop.run(text, { locale, history: [{ author: 'customer', text: previous, metadata: {} }, { author: 'bot', text: first.reply, metadata: first.metadata }] });
}

describe('a reviewer\'s 70 new shopper messages (2026-12-07, round 14)', () => {
  it('answers the part of a question the shop covers, and says the part about a service it does not offer is not answered here', async () => {
    for (const [text, slug] of [
      ['how do i use a promo code? also do you do student discount', 'gift-cards-promo-codes'],
      ['where is the promo code box at checkout? and do you have a loyalty program', 'gift-cards-promo-codes'],
      ['退货运费谁出？另外你们有会员积分吗', 'return-policy'],
    ]) {
      const d = await ask(text);
      expect(d.action, text).toBe('answer');
      expect(slugOf(d), text).toBe(slug);
      // One sentence on the other part, in the shopper's language, and a person one tap away.
      expect(d.reply, text).toMatch(/\/\/shop\.test\/help\/[\s\S]*\n\n(The other part of your question|您问题的另一部分)/);
      expect(d.quickReplies.map((q) => q.value), text).toContain('handoff');
      // The part not answered is what reaches the unanswered list.
      expect(d.miss, text).toBe(true);
      expect(d.evidence.unansweredPart, text).toMatch(/student|loyalty|会员积分/);
    }
    expect((await ask('how do i use a promo code? also do you do student discount')).reply).toContain('The other part of your question');
    expect((await ask('退货运费谁出？另外你们有会员积分吗')).reply).toContain('您问题的另一部分');
    // Nothing covered left: no answer at all, as before.
    for (const text of ['do you do student discount', 'is there a student discount? and a loyalty program?', '你们有会员积分吗']) {
      const d = await ask(text);
      expect(d.metadata.reason, text).toBe('no_match');
      expect(d.metadata.articles ?? [], text).toEqual([]);
    }
  });

  it('records the part about the service not offered as the unanswered question, not the part answered', async () => {
    const quiet = { info() {}, warn() {}, error() {} };
    const responder = new BrainResponder({ policy: shop.policy } as BrainSnapshot, env.sql, quiet);
    const reply = await responder.respond({
      conversationId: 1, customer: { id: 1, externalId: null, name: null, email: null, locale: null }, text: 'how do i use a promo code? also do you do student discount',
      quickReply: null, history: [], locale: 'en',
    });
    expect(reply.action).toBe('answer');
    const recorded = await eventually(async () => {
      const rows = await env.sql<{ text: string }[]>`select text from unanswered_questions`;
      return rows.length ? rows : null;
    }, 15_000, 'the unanswered part recorded');
    expect(recorded.map((r) => r.text)).toEqual(['also do you do student discount']);
  });

  it('records only the unoffered part when the covered part is answered with options', async () => {
    const quiet = { info() {}, warn() {}, error() {} };
    const responder = new BrainResponder({ policy: shop.policy } as BrainSnapshot, env.sql, quiet);
    await env.sql`delete from unanswered_questions`;
    const text = '衣服洗了一次就缩水了，能退吗？另外你们有会员积分吗';
    const reply = await responder.respond({
      conversationId: 2, customer: { id: 1, externalId: null, name: null, email: null, locale: null }, text, quickReply: null, history: [], locale: 'zh',
    });
    // Options until round 17; now the asking clause (能退吗) chooses the returns among them (policy-round17.test.ts).
    expect(reply.action).toBe('answer');
    const recorded = await eventually(async () => {
      const rows = await env.sql<{ text: string }[]>`select text from unanswered_questions`;
      return rows.length ? rows : null;
    }, 15_000, 'the unanswered part recorded');
    expect(recorded.map((r) => r.text)).toEqual(['另外你们有会员积分吗']);
  });

  it('keeps the article of the word that defines the question when another covers more of the rest', async () => {
    for (const [text, locale] of [['行動電源保固多久', 'zh-TW'], ['充电宝保修多久', 'zh']]) {
      const d = await ask(text, { locale });
      expect(d.action, text).toBe('answer');
      expect(slugOf(d), text).toBe('warranty-claims');
    }
    // Washing shrank it, and the clause that asks is whether it can be returned: not the washing instructions as the
    // answer (the care article has no 退 anywhere), but the returns (the classifier leans to them, 0.50). They came first
    // among options until round 17; now the asking clause chooses them, and the whole message their section.
    const shrunk = await ask('衣服洗了一次就缩水了，能退吗');
    expect(shrunk.action).toBe('answer');
    expect(headingOf(shrunk)).toBe('退货政策 — 服装退货的条件');
    // The documented case stays: only the international article names the country.
    expect(slugOf(await ask('how long does shipping take to Canada'))).toBe('international-shipping');
  });

  it('reads a short follow-up with the question before it, though that one has a word no article has', async () => {
    const d = await after('hey how long does shipping usualy take to get to texas', 'and for canada?');
    expect(d.action).toBe('answer');
    expect(slugOf(d)).toBe('international-shipping');
    expect(d.evidence.readWith).toBe('hey how long does shipping usualy take to get to texas');
    // How long delivery abroad takes, not the list of countries.
    expect(d.reply.split('\n')[0]).toContain('How long international delivery takes');
  });

  it('answers a card that will not go through, a wide foot and deleting an account from their own articles', async () => {
    for (const [text, locale] of [['信用卡一直刷不過', 'zh-TW'], ['刷卡失败', 'zh']]) {
      const d = await ask(text, { locale });
      expect(d.action, text).toBe('answer');
      expect(slugOf(d), text).toBe('payment-declined');
    }
    // "我脚" is no word: the foot is (jieba's guesser glued the pronoun to it), and the shoe guide's section on wide feet
    // is what the search finds first.
    expect(tokenize('我脚比较宽')).toContain('脚');
    // A word the dictionary has stays whole, and so does a pronoun glued to a word without a topic ("我刚").
    expect(tokenize('我们的订单', { dropStopWords: false })).toContain('我们');
    expect(tokenize('我刚下单', { dropStopWords: false })).toContain('我刚');
    // A shoe's 尺寸 is what the shoe guide calls 鞋码 (the clothing guide's 身体尺寸 matched as much).
    expect(readAsChinese('鞋子要怎么挑尺寸')).toBe('鞋子要怎么挑鞋码');
    expect(readAsChinese('托特包的尺寸是多少')).toBe('托特包的尺寸是多少');
    const wide = await ask('鞋子要怎麼挑尺寸，我腳比較寬', { locale: 'zh-TW' });
    expect(wide.action).toBe('answer');
    expect(slugOf(wide)).toBe('shoe-size-guide');
    expect(wide.reply.split('\n')[0]).toContain('脚比较宽怎么选');
    const deletion = await ask('how do i delete my account');
    expect(deletion.metadata.intent).toBe('delete_account');
    expect(slugOf(deletion)).toBe('delete-account-privacy');
  });

  it('offers the options the question at the end of a long story has, rather than "I don\'t know"', async () => {
    const story = "Hi there! Hope you're having a good day. I bought the tote bag a couple weeks ago as a gift for my mum and she loves it, but the strap is already starting to fray. Is that covered?";
    expect(faultShowed('the strap is already starting to fray')).not.toBeNull();
    expect(faultShowed('the seam is coming apart')).not.toBeNull();
    const d = await ask(story);
    expect(d.metadata.reason).not.toBe('no_match');
    const offered = [slugOf(d), ...d.quickReplies.map((q) => q.value)];
    expect(offered.some((o) => o === 'warranty-claims' || o === 'intent:warranty_claim' || o === 'article:warranty-claims')).toBe(true);
  });
});

// What round 14 cost and how it was won back: the new intent and examples moved the classifier's odds a little, and the
// pronoun split freed a verb.
describe('round 14\'s regressions, undone', () => {
  it('answers an address change before shipping from the change article, not from the tracking article', async () => {
    // Round 14's new intent moved the classifier's odds for the tracking intent here from 4.7% to 5.2%, over the line
    // below which an article is ruled out, and the tracking article, with "move" and "update" where the change article
    // had neither, answered.
    const d = await ask('We moved last week and I forgot to update my address. the order hasnt shipped yet, can I still change it?');
    expect(d.action).toBe('answer');
    expect(d.metadata.intent).toBe('change_address');
    expect(slugOf(d)).toBe('change-or-cancel-order');
    expect(d.reply.split('\n')[0]).toContain('Changing the shipping address');
  });

  it('answers a seam that gave way on clothing from the warranty\'s quality guarantee, without asking which', async () => {
    const d = await ask('I bought a sweater from you in November, washed it once following the label and it was fine, but now a seam is coming apart at the shoulder. is that covered by some kind of guarantee?');
    expect(d.action).toBe('answer');
    expect(d.metadata.intent).toBe('warranty_claim');
    expect(slugOf(d)).toBe('warranty-claims');
  });

  it('frees only a noun from a pronoun jieba glued to it, and offers the delivery times for an order asked about', async () => {
    // "我下的单" is 我/下/的/单: a free "下" (a direction, no topic) took the shipping-time reading below the options line.
    expect(tokenize('我下的单啥时候能到')).not.toContain('下');
    expect(tokenize('我脚比较宽')).toContain('脚');
    const d = await ask('我下的单啥时候能到');
    expect(d.metadata.reason).not.toBe('no_match');
    expect(d.quickReplies.map((q) => q.value)).toContain('intent:shipping_time');
  });
});
