// The shared reading of a shopper's text (knowledge-base/text/normalize.ts, traditional.ts): full-width forms as
// ASCII, traditional characters, Taiwan and Hong Kong wording and written Cantonese as simplified Mandarin — once,
// in the text layer, so the tokenizers, the classifier, the retriever and the grouping of misses all see it.
import { describe, expect, it } from 'vitest';
import { normalizeText } from '../../../knowledge-base/text/normalize.ts';
import { toSimplified, TRADITIONAL_CHARACTER_COUNT } from '../../../knowledge-base/text/traditional.ts';
import { charNgrams, normalizeForChars, tokenize } from '../../../knowledge-base/text/tokenize.ts';
import { findOrderNumber, withoutOrderNumbers } from '../../../knowledge-base/order-numbers.ts';
import { questionProfile } from '../../../knowledge-base/question-similarity.ts';
import { retrievalTokenize } from '../../../knowledge-base/pipeline.ts';

describe('traditional characters and regional wording', () => {
  it('reads the review\'s traditional questions and words as simplified', () => {
    expect(toSimplified('付款失敗怎麼辦')).toBe('付款失败怎么办');
    expect(toSimplified('結帳 追蹤 進度 預購 聯絡')).toBe('结账 追踪 进度 预购 联系');
    expect(toSimplified('敗繼續餘絡閱冊預蹤進檻順編結圖視聲鈕籤遺丟經負')).toBe('败继续余络阅册预踪进槛顺编结图视声钮签遗丢经负');
    expect(toSimplified('鞋子尺碼怎麼選')).toBe('鞋子尺码怎么选');
    expect(TRADITIONAL_CHARACTER_COUNT).toBeGreaterThan(2000);
  });

  it('reads Taiwan wording as the mainland\'s, a longer word first', () => {
    expect(toSimplified('支援 Apple Pay 嗎')).toBe('支持 Apple Pay 吗');
    expect(toSimplified('保固多久')).toBe('保修多久');
    expect(toSimplified('免運門檻')).toBe('包邮门槛');
    expect(toSimplified('免運費嗎')).toBe('免运费吗'); // not 包邮费
    expect(toSimplified('帳號 網路 資訊 影片 訊息')).toBe('账号 网络 信息 视频 消息');
    // Typed with a simplified keyboard, or half and half.
    expect(toSimplified('资讯 网路 點样')).toBe('信息 网络 怎样');
  });

  it('reads Cantonese function words and shop phrases as Mandarin, and leaves Mandarin words with the same characters', () => {
    expect(toSimplified('幾時到貨呀')).toBe('什么时候到货呀');
    expect(toSimplified('有冇得退錢')).toBe('可不可以退款');
    expect(toSimplified('唔該晒')).toBe('谢谢');
    expect(toSimplified('我想退貨，點樣做？')).toBe('我想退货，怎么操作？');
    expect(toSimplified('佢係咪已經寄咗')).toBe('他是不是已经寄了');
    expect(toSimplified('呢件衫係唔係冇貨')).toBe('这件衫是不是没有货');
    expect(toSimplified('沒關係')).toBe('没关系'); // 係 is Cantonese 是 only outside 關係
    // Ordinary Mandarin that holds a listed word's characters by chance is left as it is.
    expect(toSimplified('能不能快点做完')).toBe('能不能快点做完');
    expect(toSimplified('点算库存')).toBe('点算库存');
    expect(toSimplified('然而家里没人')).toBe('然而家里没人');
    expect(toSimplified('解方程式')).toBe('解方程式');
  });

  it('leaves simplified Chinese and English as they are', () => {
    for (const text of ['退货要运费吗', '满50美元免运费吗', '邮政信箱能用次日达吗', '看看门口、信箱周围', '90 天品质保障', '我要找真人', '什么时候发货', 'Where is my order?', 'café £20 – naïve']) {
      expect(toSimplified(text)).toBe(text);
    }
    expect(normalizeText('How do I return this?')).toBe('How do I return this?');
  });
});

describe('normalizeText', () => {
  it('reads full-width letters, digits and punctuation as ASCII (NFKC)', () => {
    expect(normalizeText('订单ＮＷ－１００２３４到哪了？')).toBe('订单NW-100234到哪了?');
    expect(normalizeText('ｗｈｅｒｅ　ｉｓ　ｍｙ　ｏｒｄｅｒ')).toBe('where is my order');
  });

  it('is idempotent', () => {
    for (const text of ['我想退貨，點樣做？', '免運費嗎', '訂單ＮＷ－１００２３４', '係唔係', '资讯', '幾时']) {
      expect(normalizeText(normalizeText(text))).toBe(normalizeText(text));
    }
  });

  it('is what the tokenizers, the retriever and the grouping read', () => {
    expect(tokenize('付款失敗怎麼辦')).toEqual(tokenize('付款失败了怎么办').filter((t) => t !== '了'));
    expect(tokenize('結帳')).toEqual(tokenize('结账'));
    expect(tokenize('追蹤', { dropStopWords: false })).toEqual(tokenize('追踪', { dropStopWords: false }));
    expect(charNgrams('退貨要運費嗎', 2, 3)).toEqual(charNgrams('退货要运费吗', 2, 3));
    expect(normalizeForChars('ＮＷ－１００２３４')).toBe('nw 100234');
    expect(tokenize('订单ＮＷ－１００２３４到哪了？')).toEqual(tokenize('订单NW-100234到哪了?'));
    expect(retrievalTokenize('退貨')).toEqual(retrievalTokenize('退货'));
    expect([...questionProfile('鞋子尺碼怎麼選').terms.keys()]).toEqual([...questionProfile('鞋子尺码怎么选').terms.keys()]);
  });
});

describe('order numbers typed full-width', () => {
  it('finds them as the shop writes them', () => {
    expect(findOrderNumber('订单ＮＷ－１００２３４到哪了？')).toMatchObject({ key: 'NW100234', shown: 'NW-100234', partial: false });
    expect(findOrderNumber('訂單號：１００２３４')).toMatchObject({ key: '100234', partial: true });
    expect(withoutOrderNumbers('ＮＷ－１００２３４可以改地址吗')).toBe('可以改地址吗');
  });
});
