// The category a typed category means (knowledge-base/categories.ts categoryKey): the console's article editor and
// the admin API both file "Orders" under `orders`, so an article typed in as the list shows it joins its category.
import { describe, expect, it } from 'vitest';
import { categoryKey, categoryName } from '../../knowledge-base/categories.ts';
import { inScript } from '../../console/src/traditional.ts';
import { normalizeText } from '../../knowledge-base/text/normalize.ts';

const existing = ['orders', 'support', 'gift wrapping'];

describe('categoryKey', () => {
  it('maps a display name (English or Chinese) or another case onto the existing key', () => {
    expect(categoryKey('Orders', existing)).toBe('orders');
    expect(categoryKey('  ORDERS ', existing)).toBe('orders');
    expect(categoryKey('Contact us', existing)).toBe('support');
    expect(categoryKey('联系我们', existing)).toBe('support');
    // An admin's own category, as the list shows it (first letter raised).
    expect(categoryKey(categoryName('gift wrapping', 'en'), existing)).toBe('gift wrapping');
    // A built-in category no article uses yet is known by its names too.
    expect(categoryKey('Returns and exchanges', existing)).toBe('returns');
  });

  it("takes the Chinese name in the reader's Traditional script, as the console shows it", () => {
    const taiwan = (text: string) => inScript(text, 'zh-TW');
    const shown = categoryName('orders', 'zh', taiwan);
    expect(shown).not.toBe('订单');
    expect(categoryKey(shown, existing, taiwan)).toBe('orders');
  });

  it('takes Traditional Chinese names on the server, which has no reader\'s script but simplifies to compare', () => {
    // The admin API passes normalizeText: "訂單" and "聯繫我們" were new categories beside `orders` and `support`.
    expect(categoryKey('訂單', existing, undefined, normalizeText)).toBe('orders');
    expect(categoryKey(' 聯繫我們 ', existing, undefined, normalizeText)).toBe('support');
    expect(categoryKey('退換貨', [], undefined, normalizeText)).toBe('returns');
    // Only for comparing: a new category is kept as typed, in its own script.
    expect(categoryKey('會員積分', existing, undefined, normalizeText)).toBe('會員積分');
    // Without it (the console passes its reader's script instead) nothing changes.
    expect(categoryKey('訂單', existing)).toBe('訂單');
  });

  it('keeps anything else as a new category, trimmed; an exact existing key stays itself', () => {
    expect(categoryKey(' Loyalty points ', existing)).toBe('Loyalty points');
    expect(categoryKey('Orders', ['Orders', 'orders'])).toBe('Orders');
    expect(categoryKey('   ', existing)).toBe('');
  });
});
