// How alike two questions are in what they ask about, for grouping the bot's misses (unanswered.ts). Built from the
// bot's own tokenising (stemmed English words, jieba's Chinese words), minus the way a question is put ("do you",
// "is there", "how do I", "can I", 有没有, 吗, 怎么) and with a shop's words for one thing counted as one
// (shop-synonyms.ts). Two measures are blended:
// - topic words: a weighted Jaccard on those words, where words that differ by a typo ("loyality", "cancle") still
//   count as shared and words every shop topic uses ("order", "instructions") count half;
// - character n-grams of the topic words (3-grams in English, 2-grams across the Chinese): jieba cuts one phrase
//   differently from one sentence to the next ("礼品卡" / "礼品", "卡送"), and compounds are written apart or
//   together ("giftcard" / "gift card").
// A question about one of the services a shop may not offer (signals.ts: stores and pickup, price matching, a
// registry…) also carries that service as a topic term, so "store near me", "physical store in Boston" and "pick up my
// order in store" share more than the word "store" — their other words (a city, "near me", "pick up") are details of
// the one thing an admin settles, "do you have physical stores".
import { isQuestionWord } from './text/question-words.ts';
import { normalizeForChars, tokenize } from './text/tokenize.ts';
import { normalizeText } from './text/normalize.ts';
import { CJK_CHAR } from './text/language.ts';
import { shopVocabulary } from './shop-synonyms.ts';
import { shopServicesNamed } from './signals.ts';

/** A question as compared: its topic terms, each weighted and with the spelling it came from. */
export interface QuestionProfile {
  terms: Map<string, { weight: number; spelling: string }>;
}

/**
 * Words that say how something is asked, not what about (as written, apostrophes dropped). Question words ("how",
 * "there", "can": question-words.ts) are dropped by the check after this one and need no entry here.
 */
const ENGLISH_SCAFFOLDING = new Set([
  'do', 'does', 'did', 'doing', 'you', 'your', 'youre', 'yours', 'is', 'are', 'was', 'be', 'any', 'anyone', 'someone',
  'should', 'may', 'might', 'must', 'i', 'im', 'ive', 'id', 'me', 'my', 'we', 'us', 'our', 'a', 'an', 'the', 'has',
  'had', 'got', 'it', 'its', 'wanna', 'like', 'please', 'pls', 'possible', 'way', 'ok', 'okay', 'yes', 'no', 'not',
  'hasnt', 'havent', 'dont', 'doesnt', 'didnt', 'cant', 'cannot', 'wont', 'isnt', 'arent', 'just', 'still', 'yet',
  'already', 'also', 'for', 'in', 'on', 'at', 'of', 'with', 'to', 'from', 'by', 'and', 'or', 'some', 'this', 'that',
  'these', 'those', 'hi', 'hello', 'hey', 'thanks', 'thank', 'really', 'seriously', 'buy', 'offer', 'accept', 'use',
  'put', 'go', 'available', 'here', 'then', 'so', 'if', 'them', 'they', 'one', 'u', 'ur', 'r', 'up',
]);
/**
 * Chinese question scaffolding beyond the tokenizer's stop words (tokenize.ts drops 吗, 你们, 请问 …) and the shared
 * question words (question-words.ts: 怎么, 有没有, 可以 …), which are dropped elsewhere and need no entry here.
 */
const CHINESE_SCAFFOLDING = new Set([
  '您们', '在哪', '在哪里', '没有', '到', '用', '支持', '买', '购买', '是不是',
]);

const stemOf = (word: string) => tokenize(word, { dropStopWords: false })[0] ?? word;
const vocabulary = shopVocabulary(stemOf);

/** Weights: a topic the shop's vocabulary names counts double, a word every topic uses half, any other word once. */
const TOPIC_WEIGHT = 2;
const GENERIC_WEIGHT = 0.5;
/**
 * A service a question names counts as much as a topic the vocabulary names. It is only evidence from signals.ts's
 * words, so a question without them ("store credit", "does your shop accept apple pay") shares less with one about the
 * service. The loyalty scheme is left out: the vocabulary names it in more ways than signals.ts does ("do you have
 * rewards" names no service there).
 */
const SERVICE_WEIGHT = 2;
const SERVICES_NOT_GROUPED_BY = new Set(['loyalty']);
/** Two Latin words this alike in their character 3-grams (Dice) are one word misspelt ("loyality" / "loyalty"). */
const TYPO_LIKENESS = 0.5;

const CJK_RUN = new RegExp(`${CJK_CHAR.source}+`, 'gu');

export function questionProfile(raw: string): QuestionProfile {
  // Read as every other part of the bot reads it: "鞋子尺碼怎麼選" and "鞋子尺码怎么选" are one question.
  const text = normalizeText(raw);
  const terms: QuestionProfile['terms'] = new Map();
  const add = (term: string, spelling: string, weight: number) => {
    const known = terms.get(term);
    if (!known || known.weight < weight) terms.set(term, { weight, spelling });
  };
  const weightOf = (word: string) => (vocabulary.isGeneric(word) ? GENERIC_WEIGHT : 1);
  for (const word of normalizeForChars(text.replace(CJK_RUN, ' ')).split(' ')) {
    if (!word || ENGLISH_SCAFFOLDING.has(word)) continue;
    const stem = stemOf(word);
    if (isQuestionWord(stem)) continue;
    const topic = vocabulary.topicOf(stem);
    if (topic) add(`=${topic}`, word, TOPIC_WEIGHT);
    else add(stem, word, weightOf(stem));
  }
  for (const [run] of text.matchAll(CJK_RUN)) {
    for (const word of tokenize(run)) {
      if (CHINESE_SCAFFOLDING.has(word) || isQuestionWord(word)) continue;
      const topics = vocabulary.topicOf(word) ? [vocabulary.topicOf(word)!] : vocabulary.topicsInside(word);
      for (const topic of topics) add(`=${topic}`, word, TOPIC_WEIGHT);
      if (!topics.length) add(word, word, weightOf(word));
    }
  }
  // Only when the question names no second shop topic: in "does your shop accept apple pay" or "does your store ship to
  // France" the shop is the business, and the question is about paying or shipping.
  const shopTopics = [...terms.keys()].filter((term) => term.startsWith('='));
  if (shopTopics.length <= 1) {
    for (const service of shopServicesNamed(text)) {
      // No spelling: a service is shared by name only, never as a typo of a word ("@wholesale" / "wholesale").
      if (!SERVICES_NOT_GROUPED_BY.has(service)) add(`@${service}`, '', SERVICE_WEIGHT);
    }
  }
  return { terms };
}

const trigramCache = new Map<string, Set<string>>();
function trigrams(word: string): Set<string> {
  let out = trigramCache.get(word);
  if (!out) {
    const padded = ` ${word} `;
    out = new Set<string>();
    for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
    if (trigramCache.size >= 20_000) trigramCache.clear();
    trigramCache.set(word, out);
  }
  return out;
}

function dice(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return a.size + b.size ? (2 * shared) / (a.size + b.size) : 0;
}

/** Longest run of characters two words share. */
function commonRun(a: string, b: string): number {
  let best = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      let n = 0;
      while (i + n < a.length && j + n < b.length && a[i + n] === b[j + n]) n++;
      best = Math.max(best, n);
    }
  }
  return best;
}

/**
 * How far two different topic words are one word written differently (0..1), from their character n-grams:
 * Latin words with most 3-grams in common are a typo of each other (1); Chinese words sharing a run of characters
 * are the same word cut differently by jieba ("卡" / "卡送", "礼品" / "礼品包装") for the share of the longer one
 * they have in common — one character counts only when it is a whole word, since "收货" and "发货" share "货".
 */
function spellingLikeness(a: string, b: string): number {
  if (CJK_CHAR.test(a) !== CJK_CHAR.test(b)) return 0;
  if (!CJK_CHAR.test(a)) {
    // Lengths close too: "card" and "cardigan" share half their 3-grams.
    const close = a.length >= 4 && b.length >= 4 && Math.abs(a.length - b.length) <= 2;
    return close && dice(trigrams(a), trigrams(b)) >= TYPO_LIKENESS ? 1 : 0;
  }
  const run = commonRun(a, b);
  return run >= 2 || (run === 1 && Math.min(a.length, b.length) === 1) ? run / Math.max(a.length, b.length) : 0;
}

/**
 * 0..1: how alike two questions are in what they ask about — a weighted Jaccard on their topic terms, where a term
 * of one question spelt differently in the other counts as shared by how alike the spellings are.
 */
export function questionSimilarity(a: QuestionProfile, b: QuestionProfile): number {
  let shared = 0;
  let total = 0;
  const unmatched = new Map(b.terms);
  const leftOver: { weight: number; spelling: string }[] = [];
  for (const [term, info] of a.terms) {
    total += info.weight;
    const same = unmatched.get(term);
    if (!same) {
      leftOver.push(info);
      continue;
    }
    shared += Math.min(info.weight, same.weight);
    unmatched.delete(term);
  }
  for (const info of leftOver) {
    let best: { term: string; credit: number } | null = null;
    for (const [term, other] of unmatched) {
      const credit = spellingLikeness(info.spelling, other.spelling) * Math.min(info.weight, other.weight);
      if (credit > 0 && (!best || credit > best.credit)) best = { term, credit };
    }
    if (best) {
      shared += best.credit;
      unmatched.delete(best.term);
    }
  }
  for (const info of b.terms.values()) total += info.weight;
  const union = total - shared;
  return union > 0 ? shared / union : 0;
}

const profiles = new Map<string, QuestionProfile>();
/** `questionProfile`, remembered: a new miss is compared with up to a few thousand groups' questions, mostly the same. */
export function cachedProfile(text: string): QuestionProfile {
  let profile = profiles.get(text);
  if (!profile) {
    profile = questionProfile(text);
    if (profiles.size >= 10_000) profiles.clear();
    profiles.set(text, profile);
  }
  return profile;
}

/** The topic terms of a question, sorted: what two questions must share word for word to be one group at once. */
export function topicTerms(text: string): string[] {
  return [...cachedProfile(text).terms.keys()].sort();
}
