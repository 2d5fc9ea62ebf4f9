import { describe, expect, it } from 'vitest';
import { charNgrams, detectLanguage, isStopWord, tokenize } from '../../../knowledge-base/nlu.ts';

describe('bilingual tokenising', () => {
  it('detects Chinese by its share of ideographs, even with English words mixed in', () => {
    expect(detectLanguage('where is my parcel')).toBe('en');
    expect(detectLanguage('我的订单还没到')).toBe('zh');
    expect(detectLanguage('我的 iPhone 订单还没到')).toBe('zh');
    expect(detectLanguage('is my 订单 shipped already or not')).toBe('en');
  });

  it('lower-cases and stems English words and keeps negations and question words', () => {
    const tokens = tokenize("Why HASN'T my parcel arrived? Still waiting for deliveries", { dropStopWords: true });
    expect(tokens).toEqual(expect.arrayContaining(['why', 'hasnt', 'parcel', 'arriv', 'wait', 'deliveri']));
    expect(tokens).not.toContain('my');
    expect(tokenize('my parcel', { dropStopWords: false })).toEqual(['my', 'parcel']);
  });

  it('segments Chinese into words with jieba and keeps English runs inside Chinese text', () => {
    const tokens = tokenize('我的订单还没到，order 12345 在哪里');
    expect(tokens).toEqual(expect.arrayContaining(['订单', 'order', '12345', '哪里']));
    expect(tokens).not.toContain('的');
    expect(isStopWord('的')).toBe(true);
    expect(isStopWord('订单')).toBe(false);
  });

  it('makes padded character n-grams over normalised text', () => {
    expect(charNgrams('Hi!', 3, 3)).toEqual([' hi', 'hi ']);
    const grams = charNgrams('退款 ok', 2, 3);
    expect(grams).toEqual(expect.arrayContaining(['退款', ' 退款', ' ok', 'ok ']));
  });
});
