// An amount in its currency, as each language writes money: the bot's product answers and the console's order lists.
// Kept apart from products.ts (which pulls in the tokenizer) so the console bundle can use it.
export function formatMoney(cents: number, currency: string, locale: 'en' | 'zh'): string {
  try {
    return new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en-US', { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`; // a code Intl cannot read
  }
}
