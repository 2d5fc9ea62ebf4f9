// The shop's products as something the bot can search and quote: each product
// is one indexed section (name, description, facts, price, stock), and an
// answer names the product, says what the description says about the question
// and links to the product page.
import { formatMoney } from './money.ts';
import type { ProductRecord } from './repositories/products.ts';
import type { ChunkInput, Passage } from './retriever.ts';
import type { Locale } from './types.ts';
import { tokenize } from './text/tokenize.ts';
import { isQuestionWord } from './text/question-words.ts';

export interface ProductCatalogue {
  /** The products' own index (kept apart from the articles so neither crowds the other's ranking); `sku` searches that product only. */
  search(query: string, k: number, locale: Locale, sku?: string): Promise<Passage[]>;
  byId: ReadonlyMap<number, ProductRecord>;
  bySku: ReadonlyMap<string, ProductRecord>;
  /** The product whose page this is (by its feed URL), in the shopper's language when there is one. */
  onPage(pageUrl: string, locale: Locale): ProductRecord | undefined;
}

/**
 * Where a product page is found: host and path for an absolute URL, the path alone for a path on the shop's own
 * site ("/demo"); a trailing slash, the query and the fragment do not count.
 */
export function productPageKey(url: string): string | null {
  const relative = url.startsWith('/') && !url.startsWith('//');
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://relative.invalid');
  } catch {
    return null;
  }
  const path = parsed.pathname.replace(/\/+$/, '') || '/';
  return relative ? path : `${parsed.host.toLowerCase()}${path}`;
}

/**
 * Whether two records are the same product in two languages: the same page (URL), or SKUs that differ only by a
 * language suffix ("NW-PWR-10K" and "NW-PWR-10K-ZH": a feed without product URLs still pairs its translations).
 */
export function sameProduct(a: ProductRecord, b: ProductRecord): boolean {
  if (a.url && b.url) return productPageKey(a.url) === productPageKey(b.url);
  const stem = (sku: string) => sku.toUpperCase().replace(/[-_.](EN|ZH|ZH-CN|CN)$/, '');
  return stem(a.sku) === stem(b.sku);
}

/** Indexes products by their pages, for `ProductCatalogue.onPage`. */
export function productsByPage(products: readonly ProductRecord[]): ProductCatalogue['onPage'] {
  const byKey = new Map<string, ProductRecord[]>();
  for (const product of products) {
    const key = product.url ? productPageKey(product.url) : null;
    if (key) byKey.set(key, [...(byKey.get(key) ?? []), product]);
  }
  return (pageUrl, locale) => {
    const absolute = productPageKey(pageUrl);
    if (!absolute || absolute.startsWith('/')) return undefined;
    const candidates = byKey.get(absolute) ?? byKey.get(absolute.slice(absolute.indexOf('/'))) ?? [];
    return candidates.find((p) => p.locale === locale) ?? candidates[0];
  };
}

/** The slug a product's section is indexed under. */
export const productSlug = (sku: string) => `product-${sku.toLowerCase()}`;

/** What a product page says, as the section text the retriever indexes and the bot quotes ("how much is…", "is … in stock" included). */
export function productText(product: ProductRecord): string {
  const zh = product.locale === 'zh';
  // Chinese text takes the full-width colon ("- 价格：$48.00").
  const colon = zh ? '：' : ': ';
  const facts = Object.entries(product.attributes).map(([name, value]) => `- ${name}${colon}${value}`);
  if (product.priceCents !== null) facts.push(`- ${zh ? '价格' : 'Price'}${colon}${formatMoney(product.priceCents, product.currency, product.locale)}`);
  if (product.inStock !== null) facts.push(`- ${zh ? '库存' : 'Availability'}${colon}${STOCK[product.locale][String(product.inStock) as 'true' | 'false']}`);
  return [product.description, ...(facts.length ? ['', ...facts] : [])].join('\n');
}

export function productChunks(products: ProductRecord[]): ChunkInput[] {
  return products.map((p) => ({
    articleId: p.id, slug: productSlug(p.sku), locale: p.locale, title: p.name, category: 'product',
    heading: p.name, position: 0, text: productText(p),
  }));
}

/**
 * Whether the question names the product: a word of its name (Chinese: three characters of it in a row, or two that are not a fact asked about), not merely a
 * word its description shares ("I want to cancel" and the earbuds' noise cancelling).
 */
export function namesProduct(product: ProductRecord, question: string): boolean {
  return productsNamedIn([product], question).length > 0;
}

const han = (text: string) => text.match(/[\u4e00-\u9fff]+/g) ?? [];
const hanPairs = (text: string) => han(text).flatMap((run) => Array.from(run).slice(1).map((c, i) => run[i] + c));
/** Every run of two or more Chinese characters in the text's Chinese parts ("充电宝": 充电, 充电宝, 电宝). */
const hanSpans = (text: string) => han(text).flatMap((run) => {
  const chars = Array.from(run);
  const spans: string[] = [];
  for (let start = 0; start < chars.length - 1; start++) for (let end = start + 2; end <= chars.length; end++) spans.push(chars.slice(start, end).join(''));
  return spans;
});
/**
 * The Chinese parts of a name that name the product in a question: any three characters of it in a row, or two that
 * are not also a fact a question asks about. "充电" of 充电器 and 充电宝 is charging ("手表充电的时候很烫" names the
 * watch only), while "充电宝" names the power bank and "充电器" the charger.
 */
const namingSpans = (name: string) => [...new Set(hanSpans(name))]
  .filter((span) => Array.from(span).length >= 3 || !FACT_TOPICS.some((topic) => topic.asked.test(span)));
/** A product's name as words and Chinese spans, worked out once per record (names are matched often). */
const nameParts = new WeakMap<ProductRecord, { words: string[]; spans: string[] }>();
function partsOf(product: ProductRecord) {
  let parts = nameParts.get(product);
  if (!parts) {
    parts = { words: tokenize(product.name), spans: namingSpans(product.name) };
    nameParts.set(product, parts);
  }
  return parts;
}

/**
 * The question without the words of these products' names (English words; Chinese pairs of characters), so a page
 * answering its part of a question about several products does not pick sentences for another one's name.
 */
export function withoutProductNames(question: string, products: readonly ProductRecord[]): string {
  let rest = question;
  for (const product of products) {
    for (const word of product.name.match(/[a-z0-9]{2,}/giu) ?? []) rest = rest.replace(new RegExp(`\\b${word}\\b`, 'giu'), ' ');
    for (const pair of hanPairs(product.name)) rest = rest.split(pair).join(' ');
  }
  return rest;
}

/** Of these products, the ones the question names (see namesProduct), the question read once for all of them. */
export function productsNamedIn(products: Iterable<ProductRecord>, question: string): ProductRecord[] {
  // A word that asks for a fact ("does it fit", "is it waterproof") names no product, even one called "Fit 2".
  const asked = new Set(tokenize(question).filter((w) => !isQuestionWord(w) && !FACT_TOPICS.some((topic) => topic.asked.test(w))));
  const longAsked = [...asked].filter((a) => a.length >= 4 && /^[a-z]+$/.test(a));
  // "The watch" names the "Fit 2 Smartwatch": a word of the name may end in the word asked (of four letters or more).
  const inName = (w: string) => asked.has(w) || longAsked.some((a) => w.endsWith(a));
  // A number of the name names it only next to another word of the name ("the fit 2", not "a size 10" and the
  // "10,000 mAh" power bank); that word may be one asking for a fact.
  const all = new Set(tokenize(question));
  const naming = (words: string[]) => (w: string, i: number) =>
    inName(w) && (!/^\d+$/.test(w) || [words[i - 1], words[i + 1]].some((n) => n !== undefined && all.has(n)));
  const named: ProductRecord[] = [];
  for (const product of products) {
    const parts = partsOf(product);
    if (parts.words.some(naming(parts.words)) || parts.spans.some((span) => question.includes(span))) named.push(product);
  }
  return named;
}

/** Latin words of a text, lower case, as typed (not stemmed): what run-together or split names are matched on. */
const latinWords = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
/** Shortest part of a name word split in two that is taken for a split spelling ("smart watch"). */
const MIN_NAME_PART = 3;
/**
 * A word a name word ends in is spelled as that name word from this length ("watch" of "Smartwatch"). Shorter tails are
 * often words of their own: "less" of "Wireless" in "does it cost less if I pick it up" found the earbuds' page.
 */
const NAME_TAIL_MIN = 5;

/**
 * The question with product names spelled as the catalogue spells them, where the shopper ran two of a name's words
 * together ("powerbank" → "power bank"), split one ("smart watch" → "smartwatch") or typed only its end ("watch"): the name then matches, in the
 * search and in which products the question names.
 */
export function withCatalogueSpelling(question: string, products: Iterable<ProductRecord>): string {
  const joined = new Map<string, string>();
  const single = new Set<string>();
  for (const product of products) {
    const words = latinWords(product.name);
    for (const [i, word] of words.entries()) {
      if (word.length >= 2 * MIN_NAME_PART) single.add(word);
      if (i > 0 && /[a-z]/.test(word) && /[a-z]/.test(words[i - 1])) joined.set(words[i - 1] + word, `${words[i - 1]} ${word}`);
    }
  }
  let rest = question;
  for (const word of new Set(latinWords(question))) {
    const split = joined.get(word);
    if (split) rest = rest.replace(new RegExp(`\\b${word}\\b`, 'giu'), split);
  }
  // Each pair once: every replace reads the whole text, and a message repeating a pair thousands of times took seconds.
  const asked = latinWords(rest);
  const splitPairs = new Set<string>();
  for (let i = 1; i < asked.length; i++) {
    const [a, b] = [asked[i - 1], asked[i]];
    if (a.length >= MIN_NAME_PART && b.length >= MIN_NAME_PART && single.has(a + b)) splitPairs.add(`${a} ${b}`);
  }
  for (const pair of splitPairs) {
    const [a, b] = pair.split(' ');
    rest = rest.replace(new RegExp(`\\b${a}\\s+${b}\\b`, 'giu'), a + b);
  }
  // Then a word a name word ends in ("watch" of "Smartwatch", as productsNamedIn reads it) is spelled as the name: the page has
  // the name's word, not the shopper's ("is the fit 2 watch ok in the pool?" covered too little of the watch's page).
  for (const word of new Set(latinWords(rest))) {
    if (word.length < NAME_TAIL_MIN || single.has(word) || joined.has(word)) continue;
    const whole = [...single].find((name) => name.length > word.length && name.endsWith(word));
    if (whole) rest = rest.replace(new RegExp(`\\b${word}\\b`, 'giu'), whole);
  }
  return rest;
}

/** Questions a product page always answers, even when no sentence of it shares a word: price and stock. */
export const PRICE_OR_STOCK = /\b(how much|price|cost|costs|in stock|available|availability|sold out)\b|多少钱|价格|有货|现货|库存|缺货|卖完|售罄/iu;
const PRICE_OR_STOCK_ALL = new RegExp(PRICE_OR_STOCK.source, 'giu');

const STOCK = {
  en: { true: 'in stock', false: 'out of stock at the moment' },
  zh: { true: '有货', false: '暂时缺货' },
} as const;

/** "Harbor Canvas Tote ($48.00, in stock)" and the sentences of its page that answer the question. */
export function productReply(product: ProductRecord, passage: Passage, question: string, locale: Locale, url: string | null): string {
  const facts = [
    product.priceCents !== null ? formatMoney(product.priceCents, product.currency, locale) : null,
    product.inStock === null ? null : STOCK[locale][String(product.inStock) as 'true' | 'false'],
  ].filter(Boolean);
  const head = facts.length ? `${product.name} (${facts.join(locale === 'zh' ? '，' : ', ')})` : product.name;
  const link = url ? `\n\n${locale === 'zh' ? '查看商品：' : 'See the product: '}${url}` : '';
  // "How much is it?" is answered by the first line; the page's opening would only be noise under it.
  const body = answeringSentences(productText(product), question, 2, product.name) || (PRICE_OR_STOCK.test(question) ? '' : passage.snippet);
  return `${head}${body ? `\n${body}` : ''}${link}`;
}

/**
 * Facts a question asks about without naming them: "in black" asks for the colours, "will it fit a 15-inch
 * laptop" for the size. Each pairs words of a question with the names shops give that fact (free-form keys
 * of the feed's attributes, so matched loosely, in both languages).
 */
const FACT_TOPICS: { asked: RegExp; key: RegExp }[] = [
  { asked: /\b(colou?rs?|black|white|gr[ae]y|red|blue|green|navy|olive|pink|brown|beige|yellow|purple|orange|silver|gold|charcoal|cream)\b|颜色|什么色|[黑白红蓝绿灰粉紫黄棕]色/iu, key: /colou?r|颜色/iu },
  { asked: /\b(sizes?|small|medium|large|x+[sl]|fits?|dimensions?|how big|measure\w*)\b|[大小][半一]码|半码|尺码|尺寸|大小|多大|码数|能放|放得下|装得下|装得进|能装|偏小|偏大|合脚|版型/iu, key: /size|fit|dimension|尺码|尺寸|大小|版型/iu },
  { asked: /\b(materials?|made (of|from)|fabric|cotton|wool|leather|nylon|polyester)\b|材质|面料|什么做的/iu, key: /material|fabric|材质|面料/iu },
  { asked: /\b(waterproof|water|rain|swim\w*|pool|shower|sweat(?:s|y|ing|proof)?)\b|防水|下雨|游泳|泳池|出汗/iu, key: /water|防水/iu },
  { asked: /\b(battery|charge|charging|last)\b|电池|续航|充电/iu, key: /battery|电池|续航/iu },
  { asked: /\b(weigh\w*|heavy|light)\b|多重|重量/iu, key: /weight|重量/iu },
];
/** The same topic words, to take out of a question wherever they are. */
const FACT_WORDS_ALL = FACT_TOPICS.map((topic) => new RegExp(topic.asked.source, 'giu'));
/** "How long" with a fact asked by topic asks for that fact ("how long does the battery last"), as "how much" asks the price. */
const HOW_LONG_ALL = /\bhow long\b|多久|多长时间/giu;
/**
 * Words asking for another of a fact's values ("any other colours?", "有没有别的颜色？", "有什么颜色可以选"): the fact
 * line lists them all, so with a fact asked by topic they ask nothing the page must also say.
 */
const OTHER_CHOICES_ALL = /\b(?:any|other|others|another|different|else|options?|choices?|choose)\b|别的|其他|其它|别|还有|可选|可以选|选/giu;
/** Words doubting a fact ("is the leather real?", "真的是真皮吗"): the fact line answers them, so the page need not say them. */
const DOUBTS_ALL = /\b(?:real|genuine|really|actually|actual)\b|真的|真正/giu;

/**
 * How a shopper asks whether a product's size fits ("true to size", "run big or small", "尺码准吗", "要买大半码吗") and
 * what they say of their own size or of choosing one ("i'm usually a 10", "I wear a 9 in most brands", "what size
 * should I order", "我平时穿42码"): with the size asked about, nothing in them for an article to answer. The page's
 * size and fit lines answer it, with the sizes they say of themselves: "are the trail runners true to size? i'm
 * usually a 10" got the shoe guide's chart for its 10, where the question alone got the page.
 */
const FIT_ASKED_ALL = new RegExp([
  /\btrue to size\b|\b(?:(?:runs?|running|fits?|comes?)\s+)?(?:big|large|small)\s+or\s+(?:big|large|small)\b|\b(?:runs?|running|fits?|comes?)\s+(?:big|large|small|true)\b/.source,
  /\b(?:i'?m|i am|i wear|i take)\s+(?:(?:usually|normally|typically|generally|always)\s+)?(?:(?:a|an|size|in)\s+)*(?:(?:us|uk|eu|women'?s|men'?s)\s+)?(?:\d+(?:\.\d+)?|x*[sl]|m|small|medium|large)\b(?:\s+in\s+(?:most|other)\s+(?:brands|shoes))?/.source,
  /\b(?:should|do|would|shall)\s+i\s+(?:get|order|buy|pick|go for)\b/.source,
  /(?:我)?(?:平时|平常|一般|通常)?穿\s*\d+(?:\.\d+)?\s*码?|尺码准|码数准|尺码标准|[大小][半一]码|半码|[买选][大小]/.source,
].join('|'), 'giu');
/**
 * "Your shoes", "你们的鞋": the shop's items in general, whose fit the size guide speaks of ("do your shoes run small" is
 * the shoe guide's, though the one shoe in the catalogue is named by its "shoes").
 */
const ABOUT_THE_RANGE = /\b(?:your|ur)\b|你们|你家/iu;

/** The "- Name: value" fact lines of a page's text (see productText), without their dash. */
const factLines = (text: string) => text.split('\n').filter((line) => line.startsWith('- ')).map((line) => line.slice(2));

/**
 * Whether a product's page speaks to every word that says what the question is about: price and stock (the
 * answer's first line), facts asked by topic that the page gives ("in black" when it lists colours) and
 * question words aside. "Is it waterproof?" on the tote's page: yes; "how much does express shipping cost?": no,
 * that is the shipping article's question, asked on a product page.
 */
export function pageCoversQuestion(product: ProductRecord, question: string): boolean {
  const text = productText(product);
  const hasFacts = askedFacts(text, question).size > 0;
  let rest = question.replace(PRICE_OR_STOCK_ALL, ' ');
  if (hasFacts) for (const words of [...FACT_WORDS_ALL, HOW_LONG_ALL, OTHER_CHOICES_ALL, DOUBTS_ALL]) rest = rest.replace(words, ' ');
  const onPage = new Set(tokenize(`${product.name}\n${text}`));
  return tokenize(rest).every((word) => isQuestionWord(word) || onPage.has(word));
}

/**
 * Whether the question is only the product's name and facts its page gives ("power bank 多重", "earbuds 防水吗",
 * "rain jacket colours?"): nothing else in it for an article to answer, whatever a classifier reads into the
 * few words left ("do your shoes run small" says "run" besides the shoes' name and size: the shoe guide's).
 */
export function asksOnlyProductFact(product: ProductRecord, question: string): boolean {
  if (!asksProductFact(product, question)) return false;
  let rest = question.replace(PRICE_OR_STOCK_ALL, ' ');
  if (askedFacts(productText(product), question).size && !ABOUT_THE_RANGE.test(question)) rest = rest.replace(FIT_ASKED_ALL, ' ');
  for (const words of [...FACT_WORDS_ALL, HOW_LONG_ALL]) rest = rest.replace(words, ' ');
  const named = new Set(tokenize(product.name));
  return tokenize(rest).every((word) => isQuestionWord(word) || named.has(word));
}

/** Whether the question asks one of the facts product pages give, by topic ("what colours?", "多重"). */
export const asksFactTopic = (question: string) => FACT_TOPICS.some((topic) => topic.asked.test(question));

/** The fact lines ("Colours: sand, forest, charcoal") a question asks about by topic, in page order. */
function askedFacts(text: string, question: string): Set<string> {
  const keys = FACT_TOPICS.filter((topic) => topic.asked.test(question)).map((topic) => topic.key);
  if (!keys.length) return new Set();
  return new Set(factLines(text).filter((fact) => keys.some((key) => key.test(fact.slice(0, fact.search(/[:：]/))))));
}

/**
 * Whether the question names the product and asks one of the facts its page gives ("what colours does the rain
 * jacket come in", "托特包有黑色的吗"): such a question is about the product even when most of its words are not
 * on the page, and the fact line answers it, a "no" included.
 */
export function asksProductFact(product: ProductRecord, question: string): boolean {
  if (!namesProduct(product, question)) return false;
  return PRICE_OR_STOCK.test(question) || askedFacts(productText(product), question).size > 0 || describesAskedTopic(product, question);
}

/**
 * Whether the page's description speaks to a fact the question asks by topic, though no fact line lists it: the
 * trail shoes have no water rating, but their description says the mesh upper is "not waterproof".
 */
const describesAskedTopic = (product: ProductRecord, question: string) =>
  FACT_TOPICS.some((topic) => topic.asked.test(question) && topic.asked.test(product.description));

/**
 * The (at most two) sentences or fact lines of the page that answer the question, in page order: first the
 * facts it asks about by topic, then those sharing the most words with it.
 */
export function answeringSentences(text: string, question: string, max = 2, productName = ''): string {
  // The product's own name says which page, not which sentence of it ("is the tote waterproof").
  const named = new Set(tokenize(productName));
  const asked = new Set(tokenize(question).filter((t) => !named.has(t)));
  const topical = askedFacts(text, question);
  const pieces = text.split(/\n+/).flatMap((line) => line.startsWith('- ') ? [line.slice(2)] : line.split(/(?<=[.!?。！？])\s*/)).filter((s) => s.trim());
  const scored = pieces.map((piece, order) => ({
    piece, order, hits: new Set(tokenize(piece).filter((t) => asked.has(t))).size + (topical.has(piece) ? 100 : 0),
  }));
  const best = scored.filter((s) => s.hits > 0).sort((a, b) => b.hits - a.hits || a.order - b.order).slice(0, max);
  // Sentences run on as prose; a fact line keeps a line of its own.
  const facts = new Set(factLines(text));
  return best.sort((a, b) => a.order - b.order)
    .map((s, i) => `${i === 0 ? '' : facts.has(s.piece) || facts.has(best[i - 1].piece) ? '\n' : ' '}${s.piece.trim()}`).join('');
}

/** A product link as the widget and console show it: absolute, or a path on the public URL (the demo's). */
export function productUrl(product: Pick<ProductRecord, 'url'>, publicUrl: string): string | null {
  if (!product.url) return null;
  return product.url.startsWith('/') ? `${publicUrl.replace(/\/$/, '')}${product.url}` : product.url;
}
