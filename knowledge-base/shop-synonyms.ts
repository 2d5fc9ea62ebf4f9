// A shop's everyday words for one thing, so the learning loop's grouping (question-similarity.ts) puts "loyalty
// points", "do you have rewards" and "有会员积分吗" in one row. Written for this project and kept short on purpose:
// each entry is a topic shoppers name in many ways, and a word belongs to at most one. Nothing here reaches the
// classifier or the retriever.
import { CJK_CHAR } from './text/language.ts';

/** Topic → the words that name it (English as written, stemmed when read; Chinese as jieba cuts it or part of it). */
const TOPIC_WORDS: Record<string, readonly string[]> = {
  loyalty: ['loyalty', 'loyal', 'reward', 'rewards', 'points', 'point', 'membership', '积分', '会员'],
  store: ['store', 'stores', 'shop', 'shops', 'showroom', 'boutique', 'outlet', '门店', '实体店', '线下', '店铺', '专卖店', '门市', '展厅', '到店', '自提'],
  washing: ['wash', 'washing', 'washable', 'washer', 'clean', 'cleaning', 'laundry', '洗', '清洗', '机洗', '手洗'],
  shipping: ['ship', 'shipping', 'deliver', 'delivery', 'courier', '发货', '配送', '邮寄', '寄'],
  size: ['size', 'sizes', 'sizing', 'small', 'large', 'fit', 'fits', '尺码', '尺寸', '大小', '偏大', '偏小'],
  discount: ['discount', 'discounts', 'coupon', 'voucher', '折扣', '优惠', '打折', '优惠券'],
  payment: ['pay', 'payment', 'paypal', 'alipay', 'klarna', '付款', '支付', '支付宝', '付钱'],
  material: ['material', 'fabric', 'leather', '材质', '面料', '材料'],
  // Who a discount is for is what the admin settles (a shop may have a student discount and no military one), so each
  // group of people is a topic of its own: "student discount" and "military discount" share only "discount".
  student: ['student', 'students', 'university', 'college', '学生', '大学生'],
  military: ['military', 'veteran', 'veterans', 'army', 'soldier', 'soldiers', '军人', '退伍'],
};

/**
 * Words every shop topic uses ("order", "item", "instructions", "option"): they still count, at half weight, so
 * "where is my order" and "cancel my order" share too little to be one group while "loyalty program" and
 * "loyalty points" share their topic.
 */
export const GENERIC_SHOP_WORDS: readonly string[] = [
  'order', 'orders', 'ordering', 'item', 'items', 'product', 'products', 'thing', 'purchase', 'program', 'programme',
  'option', 'options', 'instruction', 'instructions', 'guide', 'chart', 'info', 'information', 'detail', 'details',
  'policy', '订单', '东西', '商品', '产品',
];

export interface ShopVocabulary {
  /** The topic a word (stemmed English, or a Chinese word) names, if any. */
  topicOf(word: string): string | undefined;
  /** Topics named by parts of a Chinese word jieba kept whole ("会员积分" → loyalty). */
  topicsInside(chineseWord: string): string[];
  isGeneric(word: string): boolean;
}

/** Builds the look-ups with `stem` (the tokenizer's), so the lists can be written as people write the words. */
export function shopVocabulary(stem: (word: string) => string): ShopVocabulary {
  const isChinese = (w: string) => CJK_CHAR.test(w);
  const byWord = new Map<string, string>();
  const chineseParts: [string, string][] = [];
  for (const [topic, words] of Object.entries(TOPIC_WORDS)) {
    for (const word of words) {
      byWord.set(isChinese(word) ? word : stem(word), topic);
      if (isChinese(word)) chineseParts.push([word, topic]);
    }
  }
  const generic = new Set(GENERIC_SHOP_WORDS.map((w) => (isChinese(w) ? w : stem(w))));
  return {
    topicOf: (word) => byWord.get(word),
    topicsInside: (word) => [...new Set(chineseParts.filter(([part]) => word.includes(part)).map(([, topic]) => topic))],
    isGeneric: (word) => generic.has(word),
  };
}
