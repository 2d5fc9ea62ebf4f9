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

/**
 * The category key a typed category means: an existing key written in another case ("Orders" → `orders`), or the
 * display name of an existing or built-in category in either language ("Contact us", "联系我们" → `support`; `inScript`
 * also takes the name in the reader's Chinese script). Anything else is a new category, kept as typed (trimmed):
 * without this, typing a category as the console shows it stored a second one beside it, and the help centre showed
 * two headings with the same name. `simplify` compares both sides as simplified Chinese: the server passes its
 * normalizeText (it has no reader's script), so "訂單" or "聯繫我們" typed in Traditional are `orders` and `support`.
 * It is only for comparing: a new category is kept as typed.
 */
export function categoryKey(
  typed: string, existing: readonly string[], inScript: (simplified: string) => string = (text) => text,
  simplify: (text: string) => string = (text) => text,
): string {
  const wanted = typed.trim();
  const fold = (text: string) => simplify(text.trim()).toLocaleLowerCase();
  if (existing.includes(wanted)) return wanted;
  const candidates = [...new Set([...existing, ...Object.keys(CATEGORY_NAMES)])];
  const matches = (key: string) => [key, categoryName(key, 'en'), categoryName(key, 'zh'), categoryName(key, 'zh', inScript)].some((name) => fold(name) === fold(wanted));
  return candidates.find(matches) ?? wanted;
}
