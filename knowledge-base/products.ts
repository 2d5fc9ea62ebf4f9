// The shop's products as something the bot can search and quote: each product
// is one indexed section (name, description, facts, price, stock), and an
// answer names the product, says what the description says about the question
// and links to the product page.
import type { ProductRecord } from './repositories/products.ts';
import type { ChunkInput, Passage } from './retriever.ts';
import type { Locale } from './types.ts';
import { tokenize } from './text/tokenize.ts';

export interface ProductCatalogue {
  /** The products' own index (kept apart from the articles so neither crowds the other's ranking); `sku` searches that product only. */
  search(query: string, k: number, locale: Locale, sku?: string): Promise<Passage[]>;
  byId: ReadonlyMap<number, ProductRecord>;
  bySku: ReadonlyMap<string, ProductRecord>;
}

/** The slug a product's section is indexed under. */
export const productSlug = (sku: string) => `product-${sku.toLowerCase()}`;

/** What a product page says, as the section text the retriever indexes and the bot quotes ("how much is…", "is … in stock" included). */
export function productText(product: ProductRecord): string {
  const zh = product.locale === 'zh';
  const facts = Object.entries(product.attributes).map(([name, value]) => `- ${name}: ${value}`);
  if (product.priceCents !== null) facts.push(`- ${zh ? '价格' : 'Price'}: ${money(product.priceCents, product.currency, product.locale)}`);
  if (product.inStock !== null) facts.push(`- ${zh ? '库存' : 'Availability'}: ${STOCK[product.locale][String(product.inStock) as 'true' | 'false']}`);
  return [product.description, ...(facts.length ? ['', ...facts] : [])].join('\n');
}

export function productChunks(products: ProductRecord[]): ChunkInput[] {
  return products.map((p) => ({
    articleId: p.id, slug: productSlug(p.sku), locale: p.locale, title: p.name, category: 'product',
    heading: p.name, position: 0, text: productText(p),
  }));
}

/** Questions a product page always answers, even when no sentence of it shares a word: price and stock. */
export const PRICE_OR_STOCK = /\b(how much|price|cost|costs|in stock|available|availability|sold out)\b|多少钱|价格|有货|库存|缺货/iu;

const money = (cents: number, currency: string, locale: Locale) =>
  new Intl.NumberFormat(locale === 'zh' ? 'zh-CN' : 'en-US', { style: 'currency', currency }).format(cents / 100);

const STOCK = {
  en: { true: 'in stock', false: 'out of stock at the moment' },
  zh: { true: '有货', false: '暂时缺货' },
} as const;

/** "Harbor Canvas Tote ($48.00, in stock)" and the sentences of its page that answer the question. */
export function productReply(product: ProductRecord, passage: Passage, question: string, locale: Locale, url: string | null): string {
  const facts = [
    product.priceCents !== null ? money(product.priceCents, product.currency, locale) : null,
    product.inStock === null ? null : STOCK[locale][String(product.inStock) as 'true' | 'false'],
  ].filter(Boolean);
  const head = facts.length ? `${product.name} (${facts.join(locale === 'zh' ? '，' : ', ')})` : product.name;
  const link = url ? `\n\n${locale === 'zh' ? '查看商品' : 'See the product'}: ${url}` : '';
  // "How much is it?" is answered by the first line; the page's opening would only be noise under it.
  const body = answeringSentences(productText(product), question) || (PRICE_OR_STOCK.test(question) ? '' : passage.snippet);
  return `${head}${body ? `\n${body}` : ''}${link}`;
}

/** The (at most two) sentences or fact lines of the page that share the most words with the question, in page order. */
export function answeringSentences(text: string, question: string, max = 2): string {
  const asked = new Set(tokenize(question));
  const pieces = text.split(/\n+/).flatMap((line) => line.startsWith('- ') ? [line.slice(2)] : line.split(/(?<=[.!?。！？])\s*/)).filter((s) => s.trim());
  const scored = pieces.map((piece, order) => ({ piece, order, hits: new Set(tokenize(piece).filter((t) => asked.has(t))).size }));
  const best = scored.filter((s) => s.hits > 0).sort((a, b) => b.hits - a.hits || a.order - b.order).slice(0, max);
  return best.sort((a, b) => a.order - b.order).map((s) => s.piece.trim()).join(' ');
}

/** A product link as the widget and console show it: absolute, or a path on the public URL (the demo's). */
export function productUrl(product: ProductRecord, publicUrl: string): string | null {
  if (!product.url) return null;
  return product.url.startsWith('/') ? `${publicUrl.replace(/\/$/, '')}${product.url}` : product.url;
}
