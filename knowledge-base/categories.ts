// Display names of the article categories the demo content uses, in both languages: the help centre's headings and
// the console's lists. Kept apart from help-center.ts (which pulls in the retriever) so the console bundle can use it.
const CATEGORY_NAMES: Record<string, Record<'en' | 'zh', string>> = {
  account: { en: 'Account', zh: '账户' }, orders: { en: 'Orders', zh: '订单' }, payments: { en: 'Payments', zh: '支付' },
  privacy: { en: 'Privacy', zh: '隐私' }, products: { en: 'Products', zh: '商品' }, promotions: { en: 'Promotions', zh: '优惠活动' },
  refunds: { en: 'Refunds', zh: '退款' }, returns: { en: 'Returns and exchanges', zh: '退换货' }, shipping: { en: 'Shipping', zh: '配送' },
  sizing: { en: 'Sizing', zh: '尺码' }, support: { en: 'Contact us', zh: '联系我们' }, warranty: { en: 'Warranty', zh: '保修' },
  general: { en: 'General', zh: '综合' },
};

/**
 * A category's display name; an admin's own category shows as written. `inScript` writes the Chinese names in the
 * reader's script (the console's Traditional table, which is built from this file's names too).
 */
export function categoryName(category: string, locale: 'en' | 'zh', inScript: (simplified: string) => string = (text) => text): string {
  const known = CATEGORY_NAMES[category]?.[locale];
  if (known === undefined) return category.charAt(0).toUpperCase() + category.slice(1);
  return locale === 'zh' ? inScript(known) : known;
}
