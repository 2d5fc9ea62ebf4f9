import { describe, expect, it } from 'vitest';
import { LexicalEncoder } from '../../../knowledge-base/encoders/lexical.ts';
import type { FeatureVector } from '../../../knowledge-base/encoders/types.ts';
import { logits, trainSoftmax } from '../../../knowledge-base/classifier/softmax.ts';
import { combineLinearModels, trainSquaredHinge } from '../../../knowledge-base/classifier/squared-hinge.ts';

// Three classes, each marked by its own feature (0, 1, 2) plus a shared noise feature 3.
function toyData(): { examples: FeatureVector[]; labels: Int32Array } {
  const examples: FeatureVector[] = [];
  const labels: number[] = [];
  for (let n = 0; n < 30; n++) {
    const y = n % 3;
    examples.push({ indices: Int32Array.from([y, 3]), values: Float32Array.from([0.9, 0.3 + (n % 5) * 0.05]) });
    labels.push(y);
  }
  return { examples, labels: Int32Array.from(labels) };
}

const argmax = (a: Float64Array) => a.indexOf(Math.max(...a));

describe('one-vs-rest squared-hinge SVM', () => {
  it('separates a toy problem with margins on the right side of zero', () => {
    const { examples, labels } = toyData();
    const model = trainSquaredHinge(examples, labels, 4, 3, { epochs: 20 });
    examples.forEach((x, n) => {
      const scores = logits(model, x);
      expect(argmax(scores)).toBe(labels[n]);
      expect(scores[labels[n]]).toBeGreaterThan(0);
      scores.forEach((s, c) => c !== labels[n] && expect(s).toBeLessThan(0));
    });
  });

  it('combines with logistic regression into one linear model whose logits are the weighted sum', () => {
    const { examples, labels } = toyData();
    const lr = trainSoftmax(examples, labels, 4, 3, { epochs: 10 });
    const svm = trainSquaredHinge(examples, labels, 4, 3, { epochs: 10 });
    const combined = combineLinearModels(lr, svm, 0.5);
    for (const x of examples.slice(0, 6)) {
      const a = logits(lr, x);
      const b = logits(svm, x);
      const sum = logits(combined, x);
      sum.forEach((v, c) => expect(v).toBeCloseTo(a[c] + 0.5 * b[c], 4));
    }
    expect(() => combineLinearModels(lr, trainSquaredHinge(examples, labels, 5, 3), 1)).toThrow(/shapes/);
  });
});

describe('lexical encoder word grams', () => {
  const texts = ['where is my order', 'my order has not arrived', '我的订单在哪里', '给我查一下订单'];

  it('uses English word unigrams by default but keeps Chinese word pairs', () => {
    const terms = new Set(LexicalEncoder.fit(texts).toJSON().terms);
    expect(terms.has('wmy')).toBe(true);
    expect(terms.has('wmy order')).toBe(false);
    expect([...terms].some((t) => t.startsWith('w') && /[\u4e00-\u9fff] [\u4e00-\u9fff]/u.test(t))).toBe(true);
    expect(new Set(LexicalEncoder.fit(texts, { wordMaxN: 2 }).toJSON().terms).has('wmy order')).toBe(true);
  });

  it('keeps encoding a model stored before wordMaxN existed with word bigrams', () => {
    const json = LexicalEncoder.fit(texts, { wordMaxN: 2 }).toJSON();
    const { wordMaxN: _dropped, ...legacyOptions } = json.options;
    const legacy = LexicalEncoder.fromJSON({ ...json, options: legacyOptions as typeof json.options });
    expect(legacy.options.wordMaxN).toBe(2);
    expect(legacy.encodeOne('where is my order')).toEqual(LexicalEncoder.fromJSON(json).encodeOne('where is my order'));
  });
});
