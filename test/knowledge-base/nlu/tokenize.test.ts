import { describe, expect, it } from 'vitest';
import { charNgrams, detectLanguage, isStopWord, tokenize } from '../../../knowledge-base/nlu.ts';
import { MAX_STEMMED_CHARS, stemCacheSize } from '../../../knowledge-base/text/tokenize.ts';

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

  it('keeps a token longer than any word as written, unstemmed and uncached, and in the character n-grams', () => {
    // natural's Porter stemmer is quadratic on such a token; a word within the limit is still stemmed.
    const long = `${'relax'.repeat(7)}ing`;
    expect(long.length).toBeLessThanOrEqual(MAX_STEMMED_CHARS);
    expect(tokenize(`order ${long}`)).toEqual(['order', 'relax'.repeat(7)]);
    const tooLong = `${'relax'.repeat(8)}ing`;
    expect(tooLong.length).toBeGreaterThan(MAX_STEMMED_CHARS);
    tokenize('where is'); // "order" and "where" are cached now, long tokens must not be
    const cached = stemCacheSize();
    expect(tokenize(`Order ${tooLong.toUpperCase()}`)).toEqual(['order', tooLong]);
    const keyHeldDown = 'b'.repeat(100_000);
    expect(tokenize(keyHeldDown)).toEqual([keyHeldDown]);
    const orderNumber = 'x7k'.repeat(1334);
    expect(tokenize(`where is ${orderNumber}?`)).toEqual(['where', orderNumber]);
    expect(stemCacheSize()).toBe(cached);
    expect(charNgrams(`ref ${orderNumber}`, 3, 3)).toEqual(expect.arrayContaining([' x7', 'x7k', '7k ']));
  });

  it('makes padded character n-grams over normalised text', () => {
    expect(charNgrams('Hi!', 3, 3)).toEqual([' hi', 'hi ']);
    const grams = charNgrams('退款 ok', 2, 3);
    expect(grams).toEqual(expect.arrayContaining(['退款', ' 退款', ' ok', 'ok ']));
  });
});
