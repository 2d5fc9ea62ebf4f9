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
  質量: '品質', 二維碼: 'QR 碼', 數碼: '數位', 令牌: '權杖', 審計日誌: '稽核紀錄', 渠道: '管道', 反饋: '回饋',
  // 數碼 is digital — but not where 數 ends a word and 碼 starts one (大多數碼數偏小: most sizes run small).
  多數碼: '多數碼', 少數碼: '少數碼', 半數碼: '半數碼',
  // Feedback is 回饋; reporting a problem within a deadline (请在 7 天内反馈) is 反映.
  天內反饋: '天內反映',
  // The present is 目前 — but not where 當 is "should" or "facing" before a 前 of its own (應當前往, 大敵當前), ends a
  // verb (充當前台, 擔當前鋒), or 前一 is "the one before" (當前一個包裹送達後: when the previous parcel arrives).
  當前: '目前', 應當前: '應當前', 相當前: '相當前', 敵當前: '敵當前', 當前往: '當前往', 充當前: '充當前', 擔當前: '擔當前',
  當前一: '當前一',
  // Text is 文字 (a text box 文字方塊); 中文本地化 is 中文 + 本地化, 論文本身 論文 + 本身, 作文本 an exercise book, 日文本 a
  // Japanese edition.
  文本: '文字', 文本框: '文字方塊', 文本地: '文本地', 文本身: '文本身', 作文本: '作文本', 日文本: '日文本', 英文本: '英文本',
  酸奶: '優格', 方便面: '泡麵', 方便麵: '泡麵', 土豆: '馬鈴薯',
  // 通過 "by means of" is 透過 before a means (郵件, 簡訊, 以下…); 通過 as passing (審核通過, 申請通過了, 通過網站審核) stays.
  通過網站審核: '通過網站審核',
  ...Object.fromEntries(['郵件', '電子郵件', '快遞', '以下', '簡訊', '電話', '頁面', '線上', '藍牙', '網站', '連結']
    .map((means) => [`通過${means}`, `透過${means}`])),
  // Marketing is 行銷 (行銷郵件, marketing emails); OpenCC writes it so only in 市場行銷.
  營銷: '行銷',
  // A macro is 巨集 (OpenCC's only in 宏命令, 宏定義) — but not in the words and names where 宏 is "grand": 宏觀, 宏大,
  // 恢宏, Acer (宏碁), HTC (宏達電). A person's name with 宏 (張宏) is not told apart: a shop's texts rarely hold one.
  宏: '巨集',
  ...Object.fromEntries(['宏觀', '宏大', '宏偉', '宏圖', '宏亮', '宏願', '宏揚', '宏旨', '宏論', '宏業', '宏富', '宏闊', '宏量', '宏碁', '宏達電', '恢宏', '寬宏']
    .map((word) => [word, word])),
  // Submitting a form, a button's 提交 (提交, 已提交, 提交評分, 點選提交), is 送出. An application (提交申請, 提交註銷申請)
  // and handing something to a body (提交仲裁, 提交董事會) keep 提交, as Taiwan writes them too.
  提交: '送出',
  ...Object.fromEntries(['申請', '註銷', '仲裁', '報告', '證據', '審議', '討論', '議案', '法院', '董事會', '股東會', '立法院']
    .map((what) => [`提交${what}`, `提交${what}`])),
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
  // A size chart is a table (表); OpenCC reads 码表 as a stopwatch (碼錶), so "尺码表" became 尺碼錶.
  尺码表: '尺碼表', 鞋码表: '鞋碼表', 号码表: '號碼表', 码数表: '碼數表',
};

/**
 * Taiwan phrases OpenCC gets wrong for a shop, keyed in its Traditional output and read with its Taiwan phrases:
 * they turn 註銷 (to close an account, to void) into 登出 (to log out), so "close my account" read "log out of my
 * account". Taiwan writes closing an account 刪除帳號; 註銷 alone keeps its meaning there too.
 */
const TAIWAN_SHOP_PHRASES: Record<string, string> = {
  註銷: '註銷', 註銷賬號: '刪除帳號', 註銷帳號: '刪除帳號', 註銷賬戶: '刪除帳戶', 註銷帳戶: '刪除帳戶',
  // They write 審核 (to review) 稽核, an audit; a return or a claim approved is 審核通過. Permission is 權限, not their
  // 許可權 (a licence's right).
  審覈: '審核', 權限: '權限', 許可權: '權限',
  // Logging out is 登出 (theirs, 退出登入, reads "quit logging in").
  退出登錄: '登出',
  // Saved "and retraining in the background" (正在後臺) is 背景; the admin's back office (管理後臺) stays 後臺.
  正在後臺: '正在背景', 後臺運行: '背景執行', 後臺執行: '背景執行',
  // Back online is 連線 (恢復連線); the Internet of Things keeps its 聯網, the Internet is theirs (網際網路).
  聯網: '連線', 物聯網: '物聯網',
  // An authenticator is an app, 應用程式; 應用 alone is applying something.
  驗證器應用: '驗證器應用程式', 驗證器應用程序: '驗證器應用程式', 應用中的驗證碼: '應用程式中的驗證碼', 應用顯示: '應用程式顯示',
};

/**
 * Who or when is online — 客服在线, 不在线, 无人在线时, 几点在线 — is 在線上: Taiwan's 線上 (their 在線) is an adjective
 * (線上客服, 線上支付), so "no agent is online" read 沒有客服線上. Keyed by what comes before 在線 (a subject, 不, a time);
 * followed by a noun it is still the adjective (真人在线客服 → 真人線上客服).
 */
const ONLINE_AFTER = ['不', '人', '客服', '小時', '時候', '幾點', '都'];
const ONLINE_BEFORE_NOUN = ['客服', '時間', '支付', '聊天', '諮詢', '操作', '服務', '狀態', '遊戲', '購物'];
function taiwanOnlineEntries(twPhrases: ReplacementTable): Record<string, string> {
  return Object.fromEntries(ONLINE_AFTER.flatMap((before) => [
    [`${before}在線`, `${before}在線上`], [`${before}在線上`, `${before}在線上`],
    ...ONLINE_BEFORE_NOUN.map((noun) => [`${before}在線${noun}`, `${before}線上${replaceLongestFirst(noun, twPhrases)}`]),
  ]));
}

/**
 * 回复 written as a reply (回覆) before OpenCC's phrases read it. OpenCC writes 回覆 only when a phrase of its starts at
 * the 回: one ending in 回 just before (请回, 再回, 没回; 会尽 then 快回) takes the 回 and leaves 复 to the character
 * table, which writes 復 (to recover) — "请回复" read 請回復, "我们会尽快回复您" 我們會盡快回復您. Left to OpenCC where one of
 * its phrases begins at the 回 (回复青春) or at the 复 and writes it otherwise (这回复杂 is 這回複雜).
 */
function replyEntries(toTraditional: ReplacementTable): Array<[string, string]> {
  const entries: Array<[string, string]> = [['回复', '回覆']];
  for (const [source, into] of toTraditional.replacements) {
    if (source.startsWith('回复') && source !== '回复') entries.push([source, source]);
    else if (source.startsWith('复') && source.length > 1 && !into.startsWith('覆')) entries.push([`回${source}`, `回${source}`]);
  }
  return entries;
}

const CHINESE_MARK = /[\u3400-\u9fff\u3000-\u303f\uff01-\uff60]/u;
const chineseMark = (character: string | undefined) => character !== undefined && CHINESE_MARK.test(character);

/**
 * Taiwan's quotation marks: “…” around Chinese are 「…」. A pair is Chinese when what it quotes has Chinese in it or a
 * side of it is Chinese (点击“Save”按钮); a mark whose pair is elsewhere (the text between an HTML page's tags, or
 * around a name filled into a sentence) when a neighbour is. English quoting English keeps its marks.
 */
export function cornerQuotes(text: string): string {
  if (!/[“”]/.test(text)) return text;
  const paired = text.replace(/“([^“”\n]*)”/g, (whole, inner: string, at: number) =>
    chineseMark(text[at - 1]) || chineseMark(text[at + whole.length]) || [...inner].some(chineseMark) ? `「${inner}」` : whole);
  return paired.replace(/[“”]/g, (mark, at: number) =>
    chineseMark(paired[at - 1]) || chineseMark(paired[at + 1]) ? (mark === '“' ? '「' : '」') : mark);
}

/** Taiwan's text finished: its quotation marks, and QR 碼 (for 二维码) spaced from Chinese before it as Latin words are. */
const taiwanFinish = (text: string) => cornerQuotes(text.replace(/([\u3400-\u9fff])QR 碼/gu, '$1 QR 碼'));

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
  const replies = replacementTable(replyEntries(toTraditional));
  const taiwanPhrases = tableOf(twPhrases);
  const taiwan = [
    replies, toTraditional, withEntries(taiwanPhrases, { ...TAIWAN_SHOP_PHRASES, ...taiwanOnlineEntries(taiwanPhrases) }),
    tableOf(twVariantsPhrases, twVariants), replacementTable(Object.entries(TAIWAN_SHOP_WORDS)),
  ];
  const hongKong = [replies, toTraditional, tableOf(hkVariantsPhrases, hkVariants)];
  // Web addresses are left as they are: a path or file name in Chinese (/产品/发货说明) must still lead where it did.
  const chain = (steps: ReplacementTable[], finish = (text: string) => text): Converter =>
    (text) => convertedAround(text, WEB_ADDRESS, (piece) => finish(steps.reduce(replaceLongestFirst, piece)));
  return { 'zh-TW': chain(taiwan, taiwanFinish), 'zh-HK': chain(hongKong) };
}

/** A converter for the variant (the dictionaries are read once per process, on first use). */
export async function traditionalConverter(variant: TraditionalVariant): Promise<Converter> {
  converters ??= loadConverters().catch((error: unknown) => {
    converters = null; // a failed read is tried again next time rather than remembered
    throw error;
  });
  return (await converters)[variant];
}

/** Attributes whose values a reader sees or hears (a search box's hint, a screen reader's label, an image's text). */
const WORDED_ATTRIBUTE = /(\s(?:placeholder|aria-label|alt|title)=")([^"]*)"/g;

/**
 * An HTML page in a Traditional variant: its text and its worded attributes (placeholder, aria-label, alt, title),
 * never the rest of its markup (an image's or a link's address, a form's values), so a file named in Chinese still loads.
 */
export async function htmlInScript(html: string, variant: TraditionalVariant): Promise<string> {
  const convert = await traditionalConverter(variant);
  const tagInScript = (tag: string) => tag.replace(WORDED_ATTRIBUTE, (_whole, name: string, value: string) => `${name}${convert(value)}"`);
  return convertedAround(html, /<[^>]*>/g, convert).replace(/<[^>]*>/g, tagInScript);
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
