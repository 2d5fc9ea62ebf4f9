// Simplified Chinese written for a shopper who reads Traditional. The shop's content (articles, intents' answers, the
// bot's own sentences) is written in Simplified; a shopper in Taiwan or Hong Kong (session locale zh-TW / zh-HK, from
// the widget) gets it in their own script and, for Taiwan, in Taiwan's words (軟件 → 軟體, 信息 → 資訊).
//
// The conversion data is OpenCC's, read from the `opencc-js` package (its dictionaries: phrase lists first, so that
// 头发 becomes 頭髮 and 发货 becomes 發貨). The conversion itself is written here: opencc-js's own converter builds a
// trie of Map objects costing ~75 MB per variant, where plain Maps of whole phrases cost a few MB and convert a bot
// reply in well under a millisecond. Loaded on the first Traditional shopper, not at start.
import type { QuickReply } from '../realtime/event-maps.ts';
import type { ResponderDecision } from './responder.ts';
import { CJK_CHAR, chineseVariant } from '../../knowledge-base/text/language.ts';
import { toSimplified } from '../../knowledge-base/text/traditional.ts';
import { convertedAround, replaceLongestFirst, replacementTable, type ReplacementTable } from '../../knowledge-base/text/longest-match.ts';

/** The Traditional variants a shopper's locale can ask for. */
export type TraditionalVariant = 'zh-TW' | 'zh-HK';

/** The Traditional variant a stored locale or BCP 47 tag asks for, or null for Simplified / any other language. */
export function traditionalVariant(tag: string | null | undefined): TraditionalVariant | null {
  const variant = chineseVariant(tag);
  return variant === 'zh-TW' || variant === 'zh-HK' ? variant : null;
}

/** A table from OpenCC dictionaries ("source replacement|source replacement…"); a later dictionary wins a key. */
function tableOf(...dictionaries: string[]): ReplacementTable {
  return replacementTable(dictionaries.flatMap((dictionary) => dictionary.split('|').flatMap((entry) => {
    const space = entry.indexOf(' ');
    return space > 0 ? [[entry.slice(0, space), entry.slice(space + 1)] as const] : [];
  })));
}

/** The table with these entries added (a key it has already is replaced). */
function withEntries(table: ReplacementTable, entries: Record<string, string>): ReplacementTable {
  return replacementTable([...table.replacements, ...Object.entries(entries)]);
}

/**
 * Shop words OpenCC's Taiwan phrases leave in the mainland's form (its output, Traditional), as a shopper in Taiwan
 * writes them: free shipping is 免運, accounts are written with 帳, a convenience store is 超商. Written here; the
 * reading direction (Taiwan's words understood as the mainland's) is knowledge-base/text/traditional.ts.
 */
const TAIWAN_SHOP_WORDS: Record<string, string> = {
  包郵: '免運', 賬: '帳', 到賬: '入帳', 便利店: '超商', 充電寶: '行動電源', 保修: '保固', 門店: '門市',
  自提: '自取', 郵箱: '信箱', 電子郵箱: '電子信箱',
};

/**
 * Shop phrases OpenCC converts with another meaning, keyed in Simplified and read with its own phrases (the longest
 * match wins, so 头发卡住 is still 頭髮卡住): its 发卡 is a hairpin (髮卡), but a card's issuer is 發卡 (發卡銀行). 发卡
 * alone keeps OpenCC's hairpin — a shop selling hair clips names them so — while the issuer's compounds are listed.
 */
const SHOP_PHRASES: Record<string, string> = {
  发卡行: '發卡行', 发卡银行: '發卡銀行', 发卡机构: '發卡機構', 发卡方: '發卡方', 发卡公司: '發卡公司', 发卡组织: '發卡組織',
  // "30 天后" is "after 30 days" (後); OpenCC keeps 天后, the goddess, after a digit (几天后, 七天后 it gets right).
  ...Object.fromEntries([...'0123456789'].flatMap((digit) => [[`${digit}天后`, `${digit}天後`], [`${digit} 天后`, `${digit} 天後`]])),
};

/**
 * Taiwan phrases OpenCC gets wrong for a shop, keyed in its Traditional output and read with its Taiwan phrases:
 * they turn 註銷 (to close an account, to void) into 登出 (to log out), so "close my account" read "log out of my
 * account". Taiwan writes closing an account 刪除帳號; 註銷 alone keeps its meaning there too.
 */
const TAIWAN_SHOP_PHRASES: Record<string, string> = {
  註銷: '註銷', 註銷賬號: '刪除帳號', 註銷帳號: '刪除帳號', 註銷賬戶: '刪除帳戶', 註銷帳戶: '刪除帳戶',
};

type Converter = (text: string) => string;
const WEB_ADDRESS = /\bhttps?:\/\/[^\s<>"'）」]+/g;
let converters: Promise<Record<TraditionalVariant, Converter>> | null = null;

async function loadConverters(): Promise<Record<TraditionalVariant, Converter>> {
  const dictionary = async (name: string): Promise<string> => (await import(`opencc-js/dict/${name}`) as { default: string }).default;
  const [stPhrases, stCharacters, twPhrases, twVariantsPhrases, twVariants, hkVariantsPhrases, hkVariants] = await Promise.all(
    ['STPhrases', 'STCharacters', 'TWPhrases', 'TWVariantsPhrases', 'TWVariants', 'HKVariantsPhrases', 'HKVariants'].map(dictionary),
  );
  // The chains of OpenCC's s2twp and s2hk configurations: Simplified → Traditional, then the region's words and forms.
  // The shop's phrases are added last to the table they correct, so they win their key there.
  const toTraditional = withEntries(tableOf(stPhrases, stCharacters), SHOP_PHRASES);
  const taiwan = [toTraditional, withEntries(tableOf(twPhrases), TAIWAN_SHOP_PHRASES), tableOf(twVariantsPhrases, twVariants), replacementTable(Object.entries(TAIWAN_SHOP_WORDS))];
  const hongKong = [toTraditional, tableOf(hkVariantsPhrases, hkVariants)];
  // Web addresses are left as they are: a path or file name in Chinese (/产品/发货说明) must still lead where it did.
  const chain = (steps: ReplacementTable[]): Converter => (text) => convertedAround(text, WEB_ADDRESS, (piece) => steps.reduce(replaceLongestFirst, piece));
  return { 'zh-TW': chain(taiwan), 'zh-HK': chain(hongKong) };
}

/** A converter for the variant (the dictionaries are read once per process, on first use). */
export async function traditionalConverter(variant: TraditionalVariant): Promise<Converter> {
  converters ??= loadConverters().catch((error: unknown) => {
    converters = null; // a failed read is tried again next time rather than remembered
    throw error;
  });
  return (await converters)[variant];
}

/**
 * An HTML page in a Traditional variant: its text, never its markup (an image's or a link's address, attribute values),
 * so a file named in Chinese still loads.
 */
export async function htmlInScript(html: string, variant: TraditionalVariant): Promise<string> {
  const convert = await traditionalConverter(variant);
  return convertedAround(html, /<[^>]*>/g, convert);
}

/**
 * Written Cantonese (Hong Kong): particles with no Mandarin use, written alike in either script (嘅 is 嘅 in
 * Guangzhou too), so they say which variant to answer in but not which script the shopper types.
 */
const CANTONESE = /[嘅咗唔冇喺啲佢哋嘢嚟睇咩攞搵揾嗰咁噉啱畀俾乜咭]/u;

/** Whether the text has a Chinese character that only Traditional writes (it changes when read as Simplified). */
function writesTraditional(text: string): boolean {
  for (const character of text) {
    if (CJK_CHAR.test(character) && !CANTONESE.test(character) && toSimplified(character) !== character) return true;
  }
  return false;
}

/**
 * The locale to answer a shopper's message in. A locale that names its Chinese (zh-TW, zh-HK, zh-CN, zh-Hans…) is
 * kept, whatever the message. Otherwise — a locale that is not Chinese, or bare `zh` — a message typed in Traditional
 * is answered in Traditional: a shopper in Taiwan whose widget says `en` (a browser set to English) or `zh` still
 * reads the reply they can read, Hong Kong's when the message is written Cantonese, else Taiwan's. Any other message
 * keeps the session's locale.
 */
export function replyLocale(message: string, locale: string | null | undefined): string | null | undefined {
  const namesItsChinese = chineseVariant(locale) !== null && (locale ?? '').trim().toLowerCase() !== 'zh';
  if (namesItsChinese || !writesTraditional(message)) return locale;
  return CANTONESE.test(message) ? 'zh-HK' : 'zh-TW';
}

/** Text in the script of a shopper with this locale: converted for a Traditional locale, else as it is. */
export async function inShoppersScript(text: string, locale: string | null | undefined): Promise<string> {
  const variant = traditionalVariant(locale);
  if (!variant || !/[\u3400-\u9fff]/u.test(text)) return text;
  return (await traditionalConverter(variant))(text);
}

/**
 * A bot decision as a Traditional reader should see it: the reply, its quick replies' labels (their values are what
 * the bot reads back, so they stay) and the names of the articles and products it links, converted alike so that the
 * widget still finds an article's title at the head of the reply; its help-centre links ask for the shopper's variant.
 * Unchanged for any other shopper.
 */
export async function decisionInShoppersScript(decision: ResponderDecision, locale: string | null | undefined): Promise<ResponderDecision> {
  const variant = traditionalVariant(locale);
  if (!variant) return decision;
  const convert = await traditionalConverter(variant);
  const labelled = (replies: QuickReply[] | undefined) => replies?.map((reply) => ({ ...reply, label: convert(reply.label) }));
  // Links to the help centre ask for the article in the shopper's variant (help-routes.ts converts the page).
  const linked = (text: string) => text.replace(/(\/help\/[a-z0-9-]+\?locale=)zh(?![\w-])/g, `$1${variant}`);
  const shown = (text: string) => linked(convert(text));
  const { metadata } = decision;
  return {
    ...decision,
    reply: shown(decision.reply),
    quickReplies: labelled(decision.quickReplies),
    metadata: {
      ...metadata,
      quickReplies: labelled(metadata.quickReplies),
      articles: metadata.articles?.map((article) => ({ ...article, title: convert(article.title), ...(article.url ? { url: linked(article.url) } : {}) })),
      products: metadata.products?.map((product) => ({ ...product, name: convert(product.name) })),
    },
  };
}

/**
 * The shop's own texts in a Traditional reader's script: every `{ en, zh }` pair (the widget's greeting, offline
 * message, proactive messages) has its Chinese converted, wherever it sits in `value`. Admins write these once, in
 * Simplified or Traditional; either way a Taiwan shopper reads Taiwan's (converting Traditional leaves it as it is).
 */
export async function localisedInScript<T>(value: T, variant: TraditionalVariant): Promise<T> {
  const convert = await traditionalConverter(variant);
  const walk = (inner: unknown): unknown => {
    if (Array.isArray(inner)) return inner.map(walk);
    if (!inner || typeof inner !== 'object') return inner;
    const entries = Object.entries(inner).map(([key, field]) => [key, walk(field)]);
    const record = Object.fromEntries(entries) as Record<string, unknown>;
    if (typeof record.en === 'string' && typeof record.zh === 'string') record.zh = convert(record.zh);
    return record;
  };
  return walk(value) as T;
}
