// The intents test box's headline is what the bot would do (the bot preview, the whole answer policy), and the
// classifier's confidence a line below it against the policy's own intent threshold (console/src/wording.ts). A
// first-day review found "Just saying hello, 13.4% — Confident enough to answer: yes, well above the bar" over the
// bot's fallback, and "Promo codes and discounts 38.4% — yes" while the bot answered from the gift-wrapping article.
import { describe, expect, it } from 'vitest';
import { botVerdict, confidenceLine } from '../../console/src/wording.ts';
import { _dictionariesForTests } from '../../console/src/i18n.ts';
import type { BotPreview, Classification } from '../../console/src/kb-api.ts';

const thresholds = { intent: 0.6, intentOption: 0.2 };
const preview = (over: Partial<BotPreview>): BotPreview => ({
  action: 'answer', reply: '…', quickReplies: [], decision: 'answer', reason: 'intent', intent: null, confidence: null,
  articles: [], products: [], thresholds, prediction: null, miss: false, ...over,
});
const classified = (intent: string | null, confidence: number, outOfScope = false): Classification =>
  ({ intent, confidence, outOfScope, inScopeScore: confidence, threshold: 0.00059, alternatives: [] });
const { en, zh } = _dictionariesForTests;
const say = (v: { key: string; vars: Record<string, string | undefined> }, lang: 'en' | 'zh') =>
  (lang === 'en' ? en : zh)[v.key as keyof typeof en].replace(/\{(\w+)\}/g, (_m, name: string) => v.vars[name] ?? `{${name}}`);

describe('the intents test box', () => {
  it('says the bot would not answer when it falls back, whatever intent the classifier leans to', () => {
    // "is anybody there to help on bank holidays": greeting at 13.4 %, in scope by the classifier's tiny bar.
    const c = classified('greeting', 0.134);
    const p = preview({ action: 'clarify', decision: 'fallback', reason: 'no_match', miss: true, prediction: c });
    expect(botVerdict(p, c)).toEqual({ key: 'intents.botNoAnswer', vars: {}, partOnly: false });
    expect(say(confidenceLine(p, c)!, 'en')).toBe('Confidence 13.4%: below the 60.0% the bot needs to answer from an intent');
    expect(say(confidenceLine(p, c)!, 'zh')).toBe('置信度 13.4%：低于机器人按意图回答所需的 60.0%');
  });

  it('names the article that answers, and says the classifier\'s intent is not used', () => {
    // "do you offer gift wrapping?": promo codes at 38.4 %, the gift-wrapping article answers.
    const c = classified('promo_codes', 0.384);
    const p = preview({ reason: 'kb_passage', articles: [{ id: 7, slug: 'gift-wrapping', title: 'Gift wrapping' }], prediction: c });
    const verdict = botVerdict(p, c);
    expect(verdict).toEqual({ key: 'intents.botArticleIntentUnused', vars: { article: 'Gift wrapping', intent: 'promo_codes' }, partOnly: false });
    expect(say(verdict, 'en')).toBe('The bot would answer from the article "Gift wrapping" (the intent "promo_codes" is not used)');
    expect(say(verdict, 'zh')).toBe('机器人会用文章“Gift wrapping”回答（不使用意图“promo_codes”）');
    expect(confidenceLine(p, c)!.key).toBe('intents.confidenceBelow');
    // The article answering for a confident intent names both; out of scope, there is no intent to call unused.
    expect(botVerdict({ ...p, intent: 'gift_wrap' }, c).key).toBe('intents.botArticleForIntent');
    const outside = classified('promo_codes', 0.384, true);
    expect(botVerdict({ ...p, prediction: outside }, outside)).toEqual({ key: 'intents.botArticle', vars: { article: 'Gift wrapping' }, partOnly: false });
  });

  it('names the intent, the product, a clarification and a hand-off as the policy decided them', () => {
    const c = classified('order_status', 0.91);
    expect(botVerdict(preview({ intent: 'order_status' }), c)).toEqual({ key: 'intents.botIntent', vars: { intent: 'order_status' }, partOnly: false });
    expect(botVerdict(preview({ reason: 'order_status', intent: 'order_status' }), c).key).toBe('intents.botIntent');
    expect(botVerdict(preview({ reason: 'product', products: [{ sku: 'TOTE-1', name: 'Green tote' }] }), c))
      .toEqual({ key: 'intents.botProduct', vars: { product: 'Green tote' }, partOnly: false });
    expect(botVerdict(preview({ action: 'clarify', decision: 'clarify', reason: 'ambiguous' }), c).key).toBe('intents.botClarify');
    expect(botVerdict(preview({ action: 'handoff', decision: 'handoff', reason: 'person_request' }), c).key).toBe('intents.botHandoff');
    expect(say(confidenceLine(preview({ prediction: c }), c)!, 'en')).toBe('Confidence 91.0%: at or above the 60.0% the bot needs to answer from an intent');
    const outside = classified('order_status', 0.91, true);
    expect(confidenceLine(preview({ prediction: outside }), outside)!.key).toBe('intents.confidenceOutOfScope');
  });

  it('reads the confidence from what the policy classified, not the whole sentence, and says when part is left', () => {
    // "can you engrave my watch? how much does that cost": the whole sentence scored 46.5 % while the policy answered
    // from shipping_cost, read from part of it; the line under "would answer from shipping_cost" said "below the 60%".
    const whole = classified('shipping_cost', 0.465);
    const p = preview({ intent: 'shipping_cost', prediction: { intent: 'shipping_cost', confidence: 0.93, outOfScope: false } });
    expect(botVerdict(p, whole).key).toBe('intents.botIntent');
    expect(say(confidenceLine(p, whole)!, 'en')).toBe('Confidence 93.0%: at or above the 60.0% the bot needs to answer from an intent');
    // The policy classified nothing (a request for a person): no line claims a bar it did not use.
    expect(confidenceLine(preview({ action: 'handoff', decision: 'handoff', reason: 'person_request' }), whole)).toBeNull();
    // Part answered, the rest to the unanswered list: the headline says so.
    const part = botVerdict({ ...p, miss: true, unansweredPart: 'can you engrave my watch?' }, whole);
    expect(part).toEqual({ key: 'intents.botIntent', vars: { intent: 'shipping_cost' }, partOnly: true });
    expect(en['intents.botPartOnly']).toBe('it answers part of it; the rest goes to the unanswered list');
    expect(zh['intents.botPartOnly']).toBeTruthy();
    expect(botVerdict({ ...p, miss: true }, whole).partOnly).toBe(true);
    expect(botVerdict({ ...p, action: 'clarify', decision: 'clarify', reason: 'ambiguous', miss: true }, whole).partOnly).toBe(false);
  });

  it('says a service nothing of the shop names is why it does not answer, not that it is too unsure', () => {
    const c = classified('promo_codes', 0.95);
    const p = preview({ action: 'clarify', decision: 'fallback', reason: 'no_match', miss: true, prediction: c, unnamedServices: ['student-discount'] });
    const verdict = botVerdict(p, c);
    expect(verdict.key).toBe('intents.botNoAnswerUnnamed');
    expect(say(verdict, 'en')).toBe('The bot would not answer (no article or intent names this service): it says it does not know and offers a person');
    expect(say(verdict, 'en')).not.toMatch(/too unsure/);
    expect(say(verdict, 'zh')).not.toMatch(/把握不足/);
  });

  it('has every line in both languages, and none claims a bar the policy does not use', () => {
    const keys = ['intents.botIntent', 'intents.botArticle', 'intents.botArticleForIntent', 'intents.botArticleIntentUnused', 'intents.botProduct',
      'intents.botAnswers', 'intents.botClarify', 'intents.botHandoff', 'intents.botNoAnswer', 'intents.botNoAnswerUnnamed', 'intents.botPartOnly', 'intents.confidenceAbove', 'intents.confidenceBelow',
      'intents.confidenceOutOfScope', 'intents.classifierReading'] as const;
    for (const key of keys) {
      expect(en[key], key).toBeTruthy();
      expect(zh[key], key).toBeTruthy();
      expect(en[key]).not.toMatch(/well above the bar/);
    }
  });
});
