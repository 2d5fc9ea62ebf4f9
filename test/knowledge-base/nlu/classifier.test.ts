import { describe, expect, it, beforeAll } from 'vitest';
import { AppError } from '../../../server/errors.ts';
import { IntentClassifier, loadIntentClassifier, trainIntentClassifier, OUT_OF_SCOPE_CLASS } from '../../../knowledge-base/nlu.ts';
import { readableIntentName } from '../../../knowledge-base/classifier/intent-classifier.ts';
import { OUT_OF_SCOPE, PARAPHRASES, SHOP_INTENTS } from './fixtures.ts';

describe('intent classifier (lexical encoder)', () => {
  let classifier: IntentClassifier;
  beforeAll(async () => {
    classifier = await trainIntentClassifier(SHOP_INTENTS, { seed: 3 });
  });

  it('learns a small bilingual intent set and recognises unseen paraphrases in both languages', async () => {
    const results = await classifier.classifyMany(PARAPHRASES.map(([text]) => text));
    const wrong = results
      .map((r, i) => ({ text: PARAPHRASES[i][0], expected: PARAPHRASES[i][1], got: r.intent, outOfScope: r.outOfScope }))
      .filter((r) => r.got !== r.expected || r.outOfScope);
    expect(wrong).toEqual([]);
    expect(classifier.stats.examples).toBe(SHOP_INTENTS.reduce((n, i) => n + i.examples.length, 0));
    expect(classifier.threshold).toBeGreaterThan(0);
    expect(classifier.threshold).toBeLessThan(1);
  });

  it('returns the full output shape with ranked alternatives', async () => {
    const result = await classifier.classify('where is my refund');
    expect(result.intent).toBe('refund_status');
    expect(result.encoder).toBe('lexical');
    expect(result.alternatives).toHaveLength(3);
    expect(result.alternatives.map((a) => a.intent)).not.toContain('refund_status');
    const confidences = [result.confidence, ...result.alternatives.map((a) => a.confidence)];
    expect([...confidences].sort((a, b) => b - a)).toEqual(confidences);
  });

  it('rejects sentences no intent covers, using the calibrated threshold', async () => {
    const results = await classifier.classifyMany(OUT_OF_SCOPE);
    const accepted = results.map((r, i) => ({ text: OUT_OF_SCOPE[i], ...r })).filter((r) => !r.outOfScope).map((r) => `${r.text} → ${r.intent} ${r.confidence.toFixed(2)}`);
    expect(accepted).toEqual([]);
    expect(await classifier.classify('')).toMatchObject({ outOfScope: true });
  });

  it('learns an explicit out-of-scope class when such examples are given', async () => {
    const withOos = await trainIntentClassifier(SHOP_INTENTS, {
      seed: 3,
      outOfScopeExamples: ['what is the weather like', 'tell me a story', 'who is the president', '今天天气好吗', '讲个故事吧', 'what time is it in tokyo'],
    });
    expect(withOos.classes).toContain(OUT_OF_SCOPE_CLASS);
    expect(withOos.intents).not.toContain(OUT_OF_SCOPE_CLASS);
    const weather = await withOos.classify('what will the weather be like tomorrow');
    expect(weather.outOfScope).toBe(true);
    expect(weather.intent).not.toBe(OUT_OF_SCOPE_CLASS);
    expect(await withOos.classify('我想退货')).toMatchObject({ intent: 'return_item', outOfScope: false });
  });

  it('serialises to JSON and back with identical output', async () => {
    const json = JSON.parse(JSON.stringify(classifier.toJSON()));
    const restored = loadIntentClassifier(json);
    const texts = [...PARAPHRASES.map(([t]) => t), ...OUT_OF_SCOPE];
    const before = await classifier.classifyMany(texts);
    const after = await restored.classifyMany(texts);
    expect(after).toEqual(before);
    expect(restored.threshold).toBe(classifier.threshold);
    expect(restored.stats).toEqual(classifier.stats);
  });

  it('refuses corrupt stored models and unusable training data with clear errors', async () => {
    const json = classifier.toJSON();
    expect(() => IntentClassifier.fromJSON({ ...json, bias: json.bias.slice(1) })).toThrow(/corrupt/);
    expect(() => IntentClassifier.fromJSON({ ...json, format: 'other' } as never)).toThrow(/unknown format/);
    await expect(trainIntentClassifier([{ name: 'only', examples: ['hi'] }])).rejects.toThrow(/at least two intents/);
    await expect(trainIntentClassifier([{ name: 'a', examples: ['x'] }, { name: 'a', examples: ['y'] }])).rejects.toThrow(/twice/);
    const error = await trainIntentClassifier([{ name: 'a', examples: ['  '] }, { name: 'b', examples: ['y'] }]).catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error.statusCode).toBe(400);
  });

  it('trains the same model for the same seed', async () => {
    const again = await trainIntentClassifier(SHOP_INTENTS, { seed: 3 });
    expect(await again.classify('can I pay with a credit card')).toEqual(await classifier.classify('can I pay with a credit card'));
  });

  it('learns from the names of intents that have few examples, and scores out-of-scope on supported words', async () => {
    expect(readableIntentName('card_arrival')).toBe('card arrival');
    expect(readableIntentName('cancelTransfer')).toBe('cancel transfer');
    expect(readableIntentName('top-up.failed')).toBe('top up failed');
    expect(readableIntentName('__')).toBe('');
    // "voucher" and "warranty" appear only in the intents' names.
    const intents = [
      { name: 'voucher_redeem', examples: ['how do I use my code', 'apply a discount at checkout'] },
      { name: 'warranty_claim', examples: ['my blender broke after a month', 'the kettle stopped working'] },
      { name: 'opening_hours', examples: ['when are you open', 'what time do you close today'] },
    ];
    const withNames = await trainIntentClassifier(intents, { seed: 2, fixedThreshold: 0 });
    const without = await trainIntentClassifier(intents, { seed: 2, fixedThreshold: 0, intentNamesAsExamples: false });
    expect((await withNames.classify('redeem a voucher')).intent).toBe('voucher_redeem');
    expect((await withNames.classify('warranty claim please')).intent).toBe('warranty_claim');
    expect((await without.classify('warranty claim please')).confidence).toBeLessThan((await withNames.classify('warranty claim please')).confidence);
    expect(withNames.stats.examples).toBe(6); // names are hints, not examples
    // The in-scope score discounts words that do not support the chosen intent.
    const known = await withNames.classify('when are you open');
    const padded = await withNames.classify('when are you open zanzibar quokka');
    expect(known.inScopeScore).toBeLessThanOrEqual(known.confidence);
    expect(padded.inScopeScore / padded.confidence).toBeLessThan(known.inScopeScore / known.confidence);
  });
});

