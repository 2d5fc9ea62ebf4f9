// Bilingual tokenising shared by the intent classifier and the KB retriever.
//
// English: natural's word tokenizer + Porter stemmer, lower-cased.
// Chinese: @node-rs/jieba word segmentation with its bundled dictionary (loaded
// once, lazily, because building the dictionary costs ~100 ms and tests that
// only touch English should not pay it).
// Mixed text is split into CJK / non-CJK runs so each run goes to the right
// segmenter; "我的order还没到" yields Chinese words plus the stemmed "order".
// Every text is first read through normalize.ts (NFKC; traditional, Taiwan, Hong Kong and Cantonese wording as
// simplified Mandarin), so the word and character features of "退貨" and "退货" are one; ASCII text is untouched.
import natural from 'natural';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';
import { detectLanguage, type Language } from './language.ts';
import { normalizeText } from './normalize.ts';

export { detectLanguage, type Language };

const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/gu;

let jieba: Jieba | undefined;
function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

// Deliberately small: negations ("not", "didn't") and question words ("why",
// "how", "when") carry intent, so they are never dropped.
const ENGLISH_STOP_WORDS = new Set([
  'a', 'an', 'the', 'of', 'to', 'in', 'on', 'at', 'for', 'by', 'with', 'from', 'and', 'or', 'but',
  'is', 'are', 'was', 'were', 'be', 'been', 'am', 'it', 'its', 'this', 'that', 'these', 'those',
  'i', 'me', 'my', 'you', 'your', 'we', 'our', 'us', 'he', 'she', 'they', 'them', 'their',
  'do', 'does', 'did', 'so', 'just', 'please', 'hi', 'hello', 'hey', 'thanks', 'thank', 's',
]);
const CHINESE_STOP_WORDS = new Set([
  '的', '了', '吗', '呢', '吧', '啊', '呀', '嘛', '哦', '是', '在', '我', '你', '我们', '您', '这', '那', '这个', '那个',
  '一下', '请', '请问', '和', '与', '就', '都', '也', '还', '把', '被', '给', '着', '过', '么',
  // Pronouns, connectives and adverbs of how a sentence is told ("快递说已经放门口了，可是…"); negations stay.
  '你们', '他们', '它', '他', '她', '说', '已经', '可是', '但是', '但', '而且', '然后', '一直', '从', '才', '又', '再',
  '很', '太', '有点', '比较', '一个', '个', '一些', '自己', '现在', '刚', '刚刚', '之前', '的话', '让', '得', '地',
]);

/** True for function words that carry no topic (used by retrieval; the classifier keeps them). */
export function isStopWord(token: string): boolean {
  return ENGLISH_STOP_WORDS.has(token) || CHINESE_STOP_WORDS.has(token);
}

const wordTokenizer = new natural.WordTokenizer();

/**
 * Longer tokens are no English words (an order or tracking number, a pasted code, a key held down; a URL is split at
 * its punctuation) and are kept as written, so the same token in a question and an article still match.
 * natural's Porter stemmer takes time quadratic in a run of consonants (its /[^aeiouy]+y/g scans on from every
 * position): one 16,000-letter "word" in a chat message took seconds of the server's only thread.
 */
export const MAX_STEMMED_CHARS = 40;

// Stemming the same words over and over is the hot spot in training; a bounded cache makes it ~free. Only words short
// enough to stem are cached, so its 200,000 entries hold a few megabytes at most, whatever shoppers type.
const stemCache = new Map<string, string>();
function stem(word: string): string {
  if (word.length > MAX_STEMMED_CHARS) return word;
  let cached = stemCache.get(word);
  if (cached === undefined) {
    cached = /^\d+$/.test(word) ? word : natural.PorterStemmer.stem(word);
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(word, cached);
  }
  return cached;
}

/** How many stemmed words the cache holds (tests: a long token must not be kept). */
export function stemCacheSize(): number {
  return stemCache.size;
}

export interface TokenizeOptions {
  /** Drop function words (default true). Classifiers pass false: "how"/"not"/"my" carry intent there. */
  dropStopWords?: boolean;
}

function pushEnglish(run: string, out: string[], dropStop: boolean): void {
  const words = wordTokenizer.tokenize(run.toLowerCase().replace(/['’]/g, '')) ?? [];
  for (const word of words) {
    if (word === '_' || word.length === 0) continue;
    if (dropStop && ENGLISH_STOP_WORDS.has(word)) continue;
    out.push(stem(word));
  }
}

/** A pronoun that jieba's guesser for unknown words can glue to the next word ("我脚比较宽" → "我脚"). */
const LEADING_PRONOUN = /^[我你他她您]/u;

/** Whether jieba's dictionary tags a word as a noun of some kind (n, nr, ns, nz …): a thing, which has a topic. */
function isNoun(word: string): boolean {
  return segmenter().tag(word, false).every((t) => t.tag.startsWith('n'));
}

/**
 * jieba's words, with a leading pronoun split off a word its dictionary does not have: the guesser for unknown words
 * (HMM) made "我脚" of "我脚比较宽", a word no article has, so the foot asked about matched nothing. Cut again without the
 * guesser, a word the dictionary knows stays whole ("我们", "你好"); one it made up falls apart at the pronoun. Only to
 * free a noun, a word with a topic: a pronoun glued to a function word ("我刚", "你就") or to a verb or a direction
 * ("我下的单" is 我/下/的/单; a free "下", a direction with no topic, took the delivery-time reading below the options line)
 * says nothing either way, and stays as it was read before.
 * Likewise a two-character word the guesser made of a function word and its neighbour ("尺码表在哪里" gave 尺码/表在, "我们的
 * 尺码表是…" 表是): the neighbour is a word of its own, and glued it matched nothing ("鞋子的尺寸表在哪里" missed the shoe guide's
 * size chart). Only two characters: a longer guess is more often a word ("想换个" stays; cut, it moved a returns question).
 */
function chineseWords(run: string): string[] {
  return segmenter().cut(run, true).flatMap((word) => {
    if (word.length < 2) return [word];
    if (LEADING_PRONOUN.test(word)) {
      const parts = segmenter().cut(word, false);
      const freed = parts.slice(1);
      return parts.length > 1 && parts[0] === word[0] && freed.every((w) => !CHINESE_STOP_WORDS.has(w) && isNoun(w)) ? parts : [word];
    }
    // Only a word with a function word in it is cut again (jieba is not asked about every word).
    if (word.length !== 2 || !Array.from(word).some((c) => CHINESE_STOP_WORDS.has(c))) return [word];
    const parts = segmenter().cut(word, false);
    return parts.length > 1 ? parts : [word];
  });
}

function pushChinese(run: string, out: string[], dropStop: boolean): void {
  for (const word of chineseWords(run)) {
    const w = word.trim();
    if (w.length === 0) continue;
    if (dropStop && CHINESE_STOP_WORDS.has(w)) continue;
    out.push(w);
  }
}

/** Lower-cased word tokens: stemmed English words and jieba-segmented Chinese words, in text order. */
export function tokenize(raw: string, options: TokenizeOptions = {}): string[] {
  const text = normalizeText(raw);
  const dropStop = options.dropStopWords ?? true;
  const out: string[] = [];
  let last = 0;
  for (const match of text.matchAll(CJK_RUN)) {
    const start = match.index ?? 0;
    if (start > last) pushEnglish(text.slice(last, start), out, dropStop);
    pushChinese(match[0], out, dropStop);
    last = start + match[0].length;
  }
  if (last < text.length) pushEnglish(text.slice(last), out, dropStop);
  return out;
}

/**
 * Normalises text for character n-grams: NFKC and simplified Chinese (normalize.ts), lower case, runs of
 * non-letters/digits collapsed to one space.
 */
export function normalizeForChars(text: string): string {
  return normalizeText(text).toLowerCase().replace(/['’]/g, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/**
 * Character n-grams of lengths min..max over the normalised text, padded with a space at both ends so
 * word starts/ends are features ("char_wb"-like). Works for Chinese too, where 2-3 character grams
 * approximate words when the segmenter splits differently.
 */
export function charNgrams(text: string, min: number, max: number): string[] {
  const padded = ` ${normalizeForChars(text)} `;
  const out: string[] = [];
  // Fast path: without surrogate pairs, UTF-16 units are characters and plain slicing is correct.
  const units: string | string[] = /[\ud800-\udfff]/.test(padded) ? Array.from(padded) : padded;
  for (let n = min; n <= max; n++) {
    for (let i = 0; i + n <= units.length; i++) {
      const gram = typeof units === 'string' ? units.slice(i, i + n) : units.slice(i, i + n).join('');
      if (gram.trim() === '') continue;
      out.push(gram);
    }
  }
  return out;
}
