// The answer policy: given what the shopper wrote and the conversation so far,
// answer (canned intent answer, action or KB passage), clarify (top options as
// quick replies) or hand off to a person. Every decision carries its evidence,
// so agents and admins can see why the bot said what it said.
import type { SpecialIntentName } from './special-intents.ts';
import type { BotMetadata, QuickReply, ArticleRef, ProductRef, ShopperPage } from '../server/realtime/event-maps.ts';
import { answeringSentences, asksFactTopic, asksOnlyProductFact, asksProductFact, namesProduct, pageCoversQuestion, productsNamedIn, sameProduct, withCatalogueSpelling, withoutProductNames, PRICE_OR_STOCK, productReply, productText, productUrl, type ProductCatalogue } from './products.ts';
import type { ProductRecord } from './repositories/products.ts';
import { detectLanguage, tokenize } from './text/tokenize.ts';
import { normalizeText } from './text/normalize.ts';
import { isQuestionWord } from './text/question-words.ts';
import type { KbIndex, Passage } from './retriever.ts';
import { snippet } from './markdown.ts';
import { asksAboutHours, asksForExchange, asksForPerson, asksOutsideShop, askingClause, faultShowed, partsNamingServices, SHOP_SERVICE_TOPICS, shopServiceTopicsNamed, isBareGreeting, questionAtEnd, readAsChinese, sentimentOf, withoutGreeting, type Sentiment } from './signals.ts';
import { orderStatus, type OrderStatusOutcome } from './order-status.ts';
import { findOrderNumber, withoutOrderNumbers } from './order-numbers.ts';
import type { IntentClassifierLike, IntentConfig, IntentPrediction, Locale, OrderLookup, ShopperIdentity } from './types.ts';
import { langOf } from './text/language.ts';

export interface Thresholds {
  /** Intent confidence needed to answer with the intent. */
  intent: number;
  /** Intent confidence for an intent to be offered as a clarify option. */
  intentOption: number;
  /** Passage confidence (share of the query's IDF mass matched) needed to answer from the KB. */
  passage: number;
  /** Passage confidence for a passage to be offered as a clarify option. */
  passageOption: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { intent: 0.6, intentOption: 0.2, passage: 0.55, passageOption: 0.4 };
/**
 * How much more of the question another article's passage must cover before it answers instead of the
 * confident intent's own article. Small, because the own article usually covers the shared topic words
 * ("shipping", "take") and the other one wins only with the informative word it alone has ("Canada").
 */
const OTHER_ARTICLE_MARGIN = 0.02;
/** How much less of the question the search's first article may cover and still win over the intent's own. */
const RANKED_FIRST_SLACK = 0.05;
/** A first-ranked passage that covers less than this of the question is no answer, whatever the intent's covers. */
const RANKED_FIRST_MIN_CONFIDENCE = 0.2;
/** How much more of the question a named product's page must cover than the intent's article, to answer instead. */
const PRODUCT_MARGIN = 0.2;
/** Below this probability of every intent an article answers for, that article does not overrule a confident intent's own. */
const RULED_OUT_INTENT_CHANCE = 0.05;
/** Coverage enough for a product page when the question names the product and asks one of its facts. */
const PRODUCT_FACT_MIN_CONFIDENCE = 0.2;
/** Probability of the complaint intent from which an unsure prediction still hands off. */
const COMPLAINT_LEAN = 0.4;

export interface PolicyDeps {
  classifier: IntentClassifierLike | null;
  index: KbIndex | null;
  intents: ReadonlyMap<string, IntentConfig>;
  /** Which text representation is active, for the metadata ("tfidf", "tfidf+minilm" …). */
  encoder: string;
  /** Base URL for article links (`${publicUrl}/help/<slug>`). */
  publicUrl: string;
  orders?: OrderLookup | null;
  /** The shop's products: a question about one is answered from its page. */
  products?: ProductCatalogue | null;
  thresholds?: Partial<Thresholds>;
}

export interface DecideContext {
  /** The widget's language; the reply follows the language the shopper writes in. */
  locale?: string;
  customer?: ShopperIdentity;
  quickReply?: string | null;
  history?: { author: 'customer' | 'bot' | 'agent' | 'system'; text: string; metadata: Record<string, unknown> }[];
  /** The page of the shop the question was asked on (from the widget). */
  page?: ShopperPage | null;
}

export type DecisionReason =
  | 'person_request' | 'negative_sentiment' | 'repeated_miss' | 'intent' | 'intent_action' | 'order_status'
  | 'kb_passage' | 'product' | 'ambiguous' | 'no_match' | 'empty';

export interface Evidence {
  language: Locale;
  reason: DecisionReason;
  prediction: IntentPrediction | null;
  passages: Pick<Passage, 'articleId' | 'slug' | 'title' | 'heading' | 'score' | 'confidence'>[];
  sentiment: Sentiment;
  orderOutcome?: string;
  /**
   * Paragraphs added to the answer for the shopper alone: what the bot could say about an order ("sign in first") and
   * the offer of a person to an annoyed shopper. Agent assist leaves them out of its suggestion (the agent is the person,
   * and can look the order up).
   */
  forShopperOnly?: string[];
  /** The shopper's earlier question a short follow-up was read with. */
  readWith?: string;
  /** The whole message, when this decision read only the question at its end (a story: see questionAtEnd). */
  storyOf?: string;
  /** When the fault the message names showed, when it names one (see faultShowed): 'arrival' reads it as damaged on arrival. */
  fault?: 'arrival' | 'later' | 'unsaid';
  /**
   * The part of the message about a service the shop does not offer, when the rest was answered (see
   * coveredPartAnswered): recorded as the unanswered question.
   */
  unansweredPart?: string;
}

export interface Decision {
  action: 'answer' | 'clarify' | 'handoff';
  reply: string;
  quickReplies: QuickReply[];
  metadata: BotMetadata & { reason: DecisionReason; miss: boolean };
  evidence: Evidence;
  /**
   * True when the bot could not help (fallback or an unresolved clarify), or could with only part of the question (see
   * Evidence.unansweredPart): recorded as an unanswered question.
   */
  miss: boolean;
}

const T = {
  handoffPerson: { en: "Sure — I'm connecting you with a person from our team.", zh: '好的，正在为您转接人工客服。' },
  handoffUpset: {
    en: "I'm sorry this has been frustrating. I'm bringing in a person from our team to help you right away.",
    zh: '非常抱歉给您带来不好的体验，我马上为您转接人工客服。',
  },
  handoffMisses: {
    en: "I'm sorry I couldn't help with that. Let me connect you with a person from our team.",
    zh: '抱歉没能帮到您，我为您转接人工客服。',
  },
  clarify: { en: 'I want to get this right — which of these do you mean?', zh: '为了更准确地帮您，请问您指的是以下哪一项？' },
  fallback: {
    en: "Sorry, I don't know the answer to that yet. Would you like to talk to a person?",
    zh: '抱歉，这个问题我暂时还不会回答。需要为您转接人工客服吗？',
  },
  person: { en: 'Talk to a person', zh: '转人工客服' },
  offerPerson: { en: "If that doesn't sort it out, a person from our team can take over.", zh: '如果还没解决，可以为您转接人工客服。' },
  otherPartUnanswered: {
    en: "The other part of your question I can't answer here — a person from our team can help with it.",
    zh: '您问题的另一部分我这里暂时无法回答，可以为您转接人工客服。',
  },
  // Chinese text takes the full-width colon (查看全文：URL).
  readMore: { en: 'Read more: ', zh: '查看全文：' },
  empty: { en: 'How can I help you today?', zh: '请问有什么可以帮您？' },
};

// The intents known by name (special-intents.ts), when the shop has them.
/** Intents that mean "get me a person" even when the content gives them no action. */
const PERSON_INTENT: SpecialIntentName = 'human_agent';
const HANDOFF_INTENTS = new Set<string>([PERSON_INTENT, 'complaint' satisfies SpecialIntentName]);
/** The intent a message that only greets is answered with. */
const GREETING_INTENT: SpecialIntentName = 'greeting';
/** A fault that showed on arrival is the damaged-item intent's; one that showed later the warranty's. */
const DAMAGED_INTENT: SpecialIntentName = 'damaged_item';
const WARRANTY_INTENT: SpecialIntentName = 'warranty_claim';
/** How sure the classifier must be of another topic for a question with an order number it cannot show to offer its readings. */
const ORDER_LEAN = 0.3;
/** Order-status outcomes that say the order asked about cannot be shown (not signed in; not this shopper's). */
const ORDER_NOT_SHOWN = new Set<OrderStatusOutcome>(['verify', 'not_found']);
/** Order-status outcomes that show nothing about a particular order. */
const GENERIC_ORDER_OUTCOMES = new Set<OrderStatusOutcome>(['verify', 'unavailable', 'ask_number']);

export function articleUrl(publicUrl: string, slug: string, locale: string): string {
  return `${publicUrl.replace(/\/$/, '')}/help/${slug}?locale=${locale}`;
}

function replyLanguage(text: string, fallback: string | undefined): Locale {
  if (/\p{L}/u.test(text)) return detectLanguage(text);
  return langOf(fallback);
}

function lastBotTurn(history: DecideContext['history']) {
  const last = [...(history ?? [])].reverse().find((m) => m.author === 'bot' || m.author === 'agent');
  return last?.author === 'bot' ? last : undefined;
}

/** The bot's previous message was a miss: together with this one, that makes two in a row. */
function previousTurnMissed(history: DecideContext['history']): boolean {
  return lastBotTurn(history)?.metadata?.miss === true;
}

/** How a message that continues the previous question starts or ends ("and …", "what about …", "那…呢"). */
const FOLLOW_UP = /^(and|or|also|plus|what about|how about|same for)\b|^(那|那么|还有|另外|如果)|呢[？?]?$/iu;
/** Words that point back at something already named ("it", "this one", "它"). */
const PRONOUN = /\b(it|its|this|that|they|them|these|those|one)\b|它|这个|这款|那个|那款|这件|那件/iu;
/**
 * A question made of question words only ("要多久？", "how much?") names no topic of its own: it can only be
 * about the one asked before, whatever the classifier guesses from the way it asks ("多久" is in many
 * shipping-time examples, so "要多久？" alone read as domestic shipping times after "能寄到日本吗？").
 */
const namesNoTopic = (text: string) => {
  const words = tokenize(text);
  return words.length > 0 && words.every(isQuestionWord);
};
/**
 * A question of a word or two besides how it asks ("多久能到？", "几天到？") has too little of its own to be a new
 * one. It must ask something: "ok", "yes" or "嗯" are no follow-up questions and do not repeat the last answer.
 */
const isBareQuestion = (text: string) =>
  (/[\u4e00-\u9fff]/.test(text) ? Array.from(text.replace(/[\p{P}\s]/gu, '')).length <= 5 : text.split(/\s+/).length <= 3)
  && tokenize(text).some(isQuestionWord);
/** A follow-up is a few words: anything longer is a question of its own. */
const isShort = (text: string) => (/[\u4e00-\u9fff]/.test(text) ? Array.from(text).length <= 14 : text.split(/\s+/).length <= 7);

/** Up to this many products, every product name is read for the ones a question names; beyond, the search's finds. */
const NAME_SCAN_MAX_PRODUCTS = 300;

/** What only product pages tell: price, stock, a fact by topic, or which of several is better at something. */
const COMPARES = /\b(which|compare|comparison|difference|better|longer|lighter|heavier|cheaper|vs|versus)\b|哪个|哪款|区别|比较|对比|更/iu;
const asksAboutProducts = (text: string) => PRICE_OR_STOCK.test(text) || asksFactTopic(text) || COMPARES.test(text);

/** "Do you sell …?", "do you carry …?", "你们卖…吗": a question about what the shop sells. */
const SOLD = /^\s*(?:do|does)\s+(?:you|u|your shop|the shop)(?:\s+guys)?\s+(?:sell|carry|stock)\b|你们(?:有)?卖|有没有卖|卖不卖/i;
const asksWhetherSold = (text: string) => SOLD.test(withoutGreeting(text));
/** Whether a word of the question (question words aside) is in the passage's article title or section heading. */
const headedBy = (p: Passage, question: string) => {
  const heading = new Set(tokenize(`${p.title} ${p.heading ?? ''}`));
  return tokenize(question).some((w) => !isQuestionWord(w) && heading.has(w));
};

/** How many words of the question (question words aside) the passage's article title and section heading have. */
const headingShare = (p: Pick<Passage, 'title' | 'heading'>, question: string) => {
  const heading = new Set(tokenize(`${p.title} ${p.heading ?? ''}`));
  return new Set(tokenize(question).filter((w) => !isQuestionWord(w) && heading.has(w))).size;
};

/** Words of an article title about exchanging (the exchanges article's "Exchanging an item …", "换尺码或换颜色"). */
const EXCHANGE_TITLE_WORDS: ReadonlySet<string> = new Set(tokenize('exchange exchanging 换货 换'));

/** What the evidence keeps of a passage (not its text). */
const passageEvidence = ({ articleId, slug, title, heading, score, confidence }: Passage) => ({ articleId, slug, title, heading, score, confidence });

/** The intent a bot message names as evidence: none when the classifier called the text out of scope. */
function inScopeIntent(prediction: IntentPrediction | null): string | null {
  return prediction && !prediction.outOfScope ? prediction.intent ?? null : null;
}

export function createPolicy(deps: PolicyDeps) {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...deps.thresholds };

  const articleRef = (p: Passage): ArticleRef => ({ id: p.articleId, slug: p.slug, title: p.title, url: articleUrl(deps.publicUrl, p.slug, p.locale) });
  const personOption = (lang: Locale): QuickReply => ({ label: T.person[lang], value: 'handoff' });

  /** The intents each article answers for: an article is another intent's answer as well as a text. */
  const intentsOfArticle = new Map<string, string[]>();
  for (const config of deps.intents.values()) {
    if (config.articleSlug) intentsOfArticle.set(config.articleSlug, [...(intentsOfArticle.get(config.articleSlug) ?? []), config.name]);
  }
  // The services of SHOP_SERVICE_TOPICS each intent names, and those anything of the shop names (see step 1's service
  // check in decide): the sources are fixed for the policy's life, so they are read once here, not for every message.
  // An intent names a service in its name ("store_locations"), its answer, its label (its first example unless the
  // admin gave one) or its article.
  const intentNames = (config: IntentConfig, t: (typeof SHOP_SERVICE_TOPICS)[number]) =>
    [config.name.replace(/[_-]+/g, ' '), ...Object.values(config.answer), ...Object.values(config.label)].some((said) => !!said && t.words.test(said))
    || (!!config.articleSlug && !!deps.index?.someSectionMatches(t.words, config.articleSlug));
  const servicesOfIntent = new Map<string, Set<string>>();
  for (const [name, config] of deps.intents) {
    servicesOfIntent.set(name, new Set(SHOP_SERVICE_TOPICS.filter((t) => intentNames(config, t)).map((t) => t.name)));
  }
  const productWords = (p: ProductRecord) => `${p.name}\n${p.description}\n${Object.values(p.attributes ?? {}).join('\n')}`;
  const servicesOfShop = new Set(SHOP_SERVICE_TOPICS.filter((t) => !!deps.index?.someSectionMatches(t.words)
    || [...servicesOfIntent.values()].some((named) => named.has(t.name))
    || [...(deps.products?.byId.values() ?? [])].some((p) => t.words.test(productWords(p)))).map((t) => t.name));

  /**
   * Whether the classifier rules out an article: it answers for other intents only, each given next to no chance.
   * Its words may still match ("refund not received yet" and the tracking article's "delivered but not received").
   */
  const ruledOut = (slug: string, prediction: IntentPrediction) => {
    const owners = intentsOfArticle.get(slug);
    if (!owners) return false;
    const chance = (name: string) => (prediction.intent === name ? prediction.confidence : prediction.alternatives.find((a) => a.intent === name)?.confidence ?? 0);
    return owners.every((name) => chance(name) < RULED_OUT_INTENT_CHANCE);
  };

  /** Whether an article's text has a word of the question (question words aside) that another article's has nowhere. */
  function hasWordOtherLacks(text: string, slug: string, otherSlug: string): boolean {
    if (!deps.index) return true;
    const [terms, otherTerms] = [deps.index.articleTerms(slug), deps.index.articleTerms(otherSlug)];
    // A number is no topic: "30" in "how much is shipping on a $30 order" is in the privacy article's "30-day grace period".
    return tokenize(text).some((w) => !isQuestionWord(w) && !/^\d+$/.test(w) && terms.has(w) && !otherTerms.has(w));
  }

  /** Whether an article's text has a word of the question that another article is found by only through its intent examples. */
  function saysWordOwnOnlyExemplifies(text: string, slug: string, ownSlug: string): boolean {
    if (!deps.index) return false;
    const [terms, exemplified] = [deps.index.articleTerms(slug), deps.index.exampleOnlyTerms(ownSlug)];
    // Two Latin letters are what is left of a contraction ("I've" → "iv"), no topic.
    return tokenize(text).some((w) => !isQuestionWord(w) && (w.length > 2 || /[\u4e00-\u9fff]/.test(w)) && terms.has(w) && exemplified.has(w));
  }

  async function search(text: string, lang: Locale, k: number, articleSlug?: string): Promise<Passage[]> {
    if (!deps.index) return [];
    const passages = await deps.index.search(text, k, { locale: lang, slug: articleSlug });
    // A Chinese question about an article that exists only in English (or the reverse) still deserves an answer.
    return passages.length ? passages : deps.index.search(text, k, { slug: articleSlug });
  }

  function passageReply(p: Passage, lang: Locale): string {
    const body = snippet(p.text, 700);
    const heading = p.heading && p.heading !== p.title ? `${p.title} — ${p.heading}` : p.title;
    return `${heading}\n${body}\n\n${T.readMore[lang]}${articleUrl(deps.publicUrl, p.slug, p.locale)}`;
  }

  async function classify(text: string): Promise<IntentPrediction | null> {
    return deps.classifier ? deps.classifier.classify(text) : null;
  }

  /**
   * A short follow-up ("and on weekends?", "what about express?", "那加急呢？") continues the shopper's
   * previous question: both are read together when an article answers them together ("weekends" alone would
   * find the shipping article's note on business days, not the opening hours asked about). A follow-up that is
   * a question of its own (a confident intent: "and where is my order?") stands alone.
   * So does one that points back at "it" or names no topic when a product is in focus: "it" is that product.
   */
  async function withContext(
    question: string, context: DecideContext, lang: Locale, productInFocus: boolean,
  ): Promise<{ question: string; readWith?: string; prediction?: IntentPrediction | null }> {
    // It continues the previous question when it starts or ends like a follow-up, points back at what was asked
    // ("does that include sale items?") or names no topic at all ("要多久？").
    const topicless = namesNoTopic(question);
    const continues = FOLLOW_UP.test(question) || (!productInFocus && (PRONOUN.test(question) || topicless || isBareQuestion(question)));
    if (context.quickReply || !continues || !isShort(question)) return { question };
    const previous = [...(context.history ?? [])].reverse().find((m) => m.author === 'customer' && !m.metadata?.quickReply)?.text.trim();
    if (!previous) return { question };
    // The follow-up's own classification is kept: when it stands alone, it is the prediction decide() needs.
    const own = await classify(question);
    const alone = { question, prediction: own };
    // A question without a topic is no question of its own, however sure the classifier is of it. Nor is one the
    // classifier files under the topic just answered ("how long does it take?" after "can you ship to Japan?"): it
    // narrows that question, and what made the last answer specific (Japan) still holds.
    const previousIntent = lastBotTurn(context.history)?.metadata?.intent;
    const sameTopic = !!own?.intent && own.intent === previousIntent;
    if (!topicless && !sameTopic && own && !own.outOfScope && own.confidence >= thresholds.intent) return alone;
    const together = { question: `${withoutGreeting(previous)} ${question}`, readWith: previous };
    // Any of the first few passages may be the one that answers both (the first-ranked can be the one that
    // matches the follow-up's wording best and the previous question's subject least).
    const togetherFound = await search(together.question, lang, 3);
    const bothAnswered = Math.max(0, ...togetherFound.map((p) => p.confidence));
    if (bothAnswered >= thresholds.passage) return together;
    const [aloneAnswered] = await search(question, lang, 1);
    if (!aloneAnswered || aloneAnswered.confidence < thresholds.passage) return together;
    // Both readings find the same article: the two together are about what the follow-up alone is about, only more
    // narrowly. Words of the previous question that no article has (a typo, a place: "shipping usualy take to get to
    // texas") lowered how much of the two together any passage covers, not what they ask ("and for canada?" is still
    // about how long shipping takes).
    const sameArticle = togetherFound.some((p) => p.slug === aloneAnswered.slug && p.confidence >= thresholds.passageOption);
    return sameArticle ? together : alone;
  }

  /**
   * A fault the shopper says showed on arrival ("the power bank i got yesterday won't charge at all", "今天到的充电宝充不进
   * 电") is a damaged-item question, though the classifier reads "won't charge" as the warranty's or reads nothing: the
   * damaged-item article offers a replacement or refund, the warranty a repair claim. A confident other intent stands
   * ("it arrived today but the promo code doesn't work").
   */
  function arrivedFaulty(prediction: IntentPrediction | null): IntentPrediction | null {
    if (!deps.intents.get(DAMAGED_INTENT)?.articleSlug) return prediction;
    const sure = !!prediction && !prediction.outOfScope && prediction.confidence >= thresholds.intent;
    if (sure && prediction!.intent !== WARRANTY_INTENT) return prediction;
    return { intent: DAMAGED_INTENT, confidence: Math.max(thresholds.intent, prediction?.intent === DAMAGED_INTENT ? prediction.confidence : 0), outOfScope: false, alternatives: prediction?.alternatives ?? [] };
  }

  /**
   * A message that asks about something the shop covers as well as about a service it does not offer ("how do i use a
   * promo code? also do you do student discount", "退货运费谁出？另外你们有会员积分吗"): the covered part is answered as if
   * asked alone, and one sentence says the other part is not answered here, with a person one tap away. The decision is
   * a miss, and `unansweredPart` is what reaches the unanswered list. Null when no other part is left, or nothing answers
   * it or offers options for it: the whole message is unanswered, as before.
   */
  async function coveredPartAnswered(
    context: DecideContext, text: string, notOffered: typeof SHOP_SERVICE_TOPICS, storyOf: string | undefined,
  ): Promise<Decision | null> {
    const parts = partsNamingServices(withoutGreeting(text), notOffered);
    if (!parts || !tokenize(parts.rest).some((w) => !isQuestionWord(w))) return null;
    const covered = await decide(context, parts.rest, storyOf);
    if (covered.action === 'handoff') return covered;
    const options = covered.evidence.reason === 'ambiguous';
    if (covered.action !== 'answer' && !options) return null;
    const lang = covered.evidence.language;
    const note = T.otherPartUnanswered[lang];
    const quickReplies = covered.quickReplies.some((q) => q.value === 'handoff') ? covered.quickReplies : [...covered.quickReplies, personOption(lang)];
    // Options to pick from end in their question, above the buttons: the note goes before it.
    const reply = options ? `${note}\n\n${covered.reply}` : `${covered.reply}\n\n${note}`;
    return {
      ...covered, reply, quickReplies, miss: true,
      metadata: { ...covered.metadata, quickReplies, miss: true },
      evidence: { ...covered.evidence, unansweredPart: parts.naming, forShopperOnly: [...(covered.evidence.forShopperOnly ?? []), note] },
    };
  }

  /** `storyOf`: the whole message, when this is the question at its end, read on its own (see questionAtEnd). */
  async function decide(context: DecideContext, rawText: string, storyOf?: string): Promise<Decision> {
    // Read as every other part of the bot reads it (text/normalize.ts: full-width forms as ASCII, traditional
    // characters, Taiwan and Hong Kong wording and Cantonese as the simplified Mandarin the content is written in:
    // "退貨要運費嗎", "我想退貨，點樣做？"). The tokenizers and the classifier normalise on their own; this is kept for
    // the signals' and the policy's own patterns ("转人工", "谢谢", order numbers), which are written in simplified
    // Chinese and ASCII. The reply language is read from it too: still Chinese for a Chinese question.
    const text = normalizeText(rawText.trim());
    // The shop's product names are names, not the language written in: "power bank 多重" is a Chinese question.
    const namesRead = /[\u4e00-\u9fff]/.test(text) && !!deps.products && deps.products.byId.size <= NAME_SCAN_MAX_PRODUCTS;
    const lang = replyLanguage(namesRead ? withoutProductNames(text, [...deps.products!.byId.values()]) : text, context.locale);
    const sentiment = sentimentOf(text);
    const evidence: Evidence = { language: lang, reason: 'no_match', prediction: null, passages: [], sentiment, ...(storyOf ? { storyOf } : {}) };
    const make = (
      action: Decision['action'], decision: BotMetadata['decision'], reason: DecisionReason, reply: string,
      extra: { intent?: string | null; confidence?: number | null; articles?: ArticleRef[]; products?: ProductRef[]; quickReplies?: QuickReply[]; askHelpful?: boolean; miss?: boolean } = {},
    ): Decision => {
      evidence.reason = reason;
      // An order number in a question about something else: the answer, then what there is to say about that order.
      if (orderNote && action === 'answer' && reason !== 'order_status') {
        reply = `${reply}\n\n${orderNote}`;
        evidence.forShopperOnly = [...(evidence.forShopperOnly ?? []), orderNote];
      }
      let quickReplies = extra.quickReplies ?? [];
      // An annoyed shopper ("my card keeps getting declined wtf") gets the answer, and a person one tap away.
      if (sentiment.annoyed && action === 'answer' && !quickReplies.some((q) => q.value === 'handoff')) {
        reply = `${reply}\n\n${T.offerPerson[lang]}`;
        evidence.forShopperOnly = [...(evidence.forShopperOnly ?? []), T.offerPerson[lang]];
        quickReplies = [...quickReplies, personOption(lang)];
      }
      const miss = extra.miss ?? false;
      return {
        action, reply, quickReplies, evidence, miss,
        metadata: {
          decision, reason, miss,
          // An explicit null (an article the shopper picked, a product page) names no intent.
          intent: extra.intent !== undefined ? extra.intent : inScopeIntent(evidence.prediction),
          confidence: extra.confidence ?? evidence.prediction?.confidence ?? null,
          articles: extra.articles ?? [],
          ...(extra.products?.length ? { products: extra.products } : {}),
          encoder: deps.encoder,
          quickReplies,
          language: lang,
          ...(extra.askHelpful ? { askHelpful: true } : {}),
          ...(evidence.readWith ? { readWith: evidence.readWith } : {}),
        },
      };
    };

    /** When a fault the message names showed, as the shopper tells it (set once classified; see faultShowed). */
    let fault: ReturnType<typeof faultShowed> = null;
    /** A clarification now would be the second in a row (the shopper typed instead of picking): a miss. */
    const clarifyMiss = !context.quickReply && lastBotTurn(context.history)?.metadata?.reason === 'ambiguous';
    /** The article of the intent the classifier is sure of, once classified. */
    let confidentArticle: string | undefined;
    /** What the order-status action said about an order named in a question about something else. */
    let orderNote: string | undefined;
    /** The order-status decision to fall back on when nothing else answers that question. */
    let orderFallback: (() => Decision) | undefined;

    /** The question with product names spelled as the catalogue does ("powerbank", "smart watch"), in a small catalogue. */
    let spelled: string | undefined;
    const productQuestion = () => (spelled ??= deps.products && deps.products.byId.size <= NAME_SCAN_MAX_PRODUCTS
      ? withCatalogueSpelling(question, deps.products.byId.values()) : question);
    /** The shop's product that best fits the question, when its page covers enough of it (searched once). */
    let productSearch: Promise<{ record: ProductRecord; passage: Passage; asksFact: boolean; onlyFact: boolean } | null> | undefined;
    const productMatch = () => (productSearch ??= (async () => {
      if (!deps.products) return null;
      // Only a product the question names: a word its page merely shares is no question about it.
      const catalogue = deps.products;
      const asked = productQuestion();
      let [passage]: (Passage | undefined)[] = await catalogue.search(asked, 1, lang);
      const first = passage && catalogue.byId.get(passage.articleId);
      if (!first || !namesProduct(first, asked)) passage = undefined;
      // In a small catalogue, a product the question names though its page is not the first found ("power bank
      // 可以带上飞机吗" finds the Chinese power bank's page for its Chinese words, but names the English page's "power bank";
      // in "smart watch battery life" the earbuds' page speaks of batteries as much).
      if (!passage && catalogue.byId.size <= NAME_SCAN_MAX_PRODUCTS) {
        const [named] = productsNamedIn(catalogue.byId.values(), asked).sort((a, b) => Number(b.locale === lang) - Number(a.locale === lang));
        if (named) [passage] = await catalogue.search(asked, 1, named.locale, named.sku);
      }
      let record = passage ? catalogue.byId.get(passage.articleId) : undefined;
      if (!record || !passage) return null;
      // Whether it asks one of the page's facts is read off the page it names (the name is in the question's words).
      const asksFact = passage.confidence >= PRODUCT_FACT_MIN_CONFIDENCE && asksProductFact(record, asked);
      const onlyFact = asksFact && asksOnlyProductFact(record, asked);
      // The same product's page in the shopper's language, when the shop has one ("tote包多少钱" names the English
      // page's "tote", "power bank 多重" its "power bank": the Chinese page is the one to quote).
      if (record.locale !== lang) {
        const named = record;
        const own = [...catalogue.byId.values()].find((p) => p.locale === lang && sameProduct(p, named));
        const [ownPassage] = own ? await catalogue.search(`${own.name} ${asked}`, 1, lang, own.sku) : [];
        if (own && ownPassage) [record, passage] = [own, { ...ownPassage, confidence: Math.max(ownPassage.confidence, passage.confidence) }];
      }
      return passage.confidence >= thresholds.passage || asksFact ? { record, passage, asksFact, onlyFact } : null;
    })());
    /**
     * The products the question names, in the shopper's language, at most three. In a small catalogue every name is
     * read ("the watch" names the "Fit 2 Smartwatch", though no page holds the word "watch"); in a large one, those of
     * the products the search finds.
     */
    const namedProducts = async (): Promise<{ record: ProductRecord; passage: Passage }[]> => {
      const catalogue = deps.products;
      if (!catalogue) return [];
      const candidates = catalogue.byId.size <= NAME_SCAN_MAX_PRODUCTS
        ? [...catalogue.byId.values()]
        : (await catalogue.search(question, 12, lang)).map((p) => catalogue.byId.get(p.articleId)).filter((r): r is ProductRecord => !!r);
      const asked = productQuestion();
      const named = productsNamedIn(new Set(candidates.filter((r) => r.locale === lang)), asked).slice(0, 3);
      const withPassages = await Promise.all(named.map(async (record) => {
        const [passage] = await catalogue.search(`${record.name} ${asked}`, 1, lang, record.sku);
        return passage ? { record, passage } : null;
      }));
      return withPassages.filter((n): n is { record: ProductRecord; passage: Passage } => !!n);
    };
    const productAnswer = ({ record, passage }: { record: ProductRecord; passage: Passage }): Decision => {
      const url = productUrl(record, deps.publicUrl);
      evidence.passages = [passageEvidence(passage), ...evidence.passages];
      return make('answer', 'answer', 'product', productReply(record, passage, question, lang, url), {
        intent: null, products: [{ sku: record.sku, name: record.name, ...(url ? { url } : {}) }], confidence: passage.confidence,
      });
    };

    /**
     * "坏了" says nothing of when it broke: the warranty's repair claim is the wrong answer for an item that arrived broken
     * (a replacement or refund within 7 days), so before answering from the warranty's article the shopper picks. So
     * before any other article's passage: "my watch is broken" is no question about the returns article's "hygiene
     * seal has been broken" (a second shop's review). Only the article for items that arrived damaged answers as it is.
     */
    const askWhenBroken = (p: Passage): Decision | null => {
      const damaged = deps.intents.get(DAMAGED_INTENT);
      const warranty = deps.intents.get(WARRANTY_INTENT);
      if (fault !== 'unsaid' || !damaged?.articleSlug || !warranty) return null;
      // The article of an intent the classifier is sure of is about the fault named ("promo code not working").
      if (p.slug !== warranty.articleSlug && (p.slug === damaged.articleSlug || p.slug === confidentArticle)) return null;
      const options = [damaged, warranty].map((config) => ({ label: config.label[lang] ?? config.label.en ?? config.name, value: `intent:${config.name}` }));
      return make('clarify', 'clarify', 'ambiguous', T.clarify[lang], { quickReplies: [...options, personOption(lang)], miss: clarifyMiss });
    };

    // 1. People first: an explicit request or an upset shopper goes to a person without further questions.
    // A greeting again right after the bot's greeting ("Hello? Is anyone still there?", "有人吗？") is a shopper looking
    // for someone, not for the bot's welcome a second time (a sale-day review: returning shoppers got it 3–6 times and
    // gave up).
    const greetsAgain = !context.quickReply && isBareGreeting(text) && lastBotTurn(context.history)?.metadata?.intent === GREETING_INTENT;
    if (context.quickReply === 'handoff' || asksForPerson(text) || greetsAgain) {
      return make('handoff', 'handoff', 'person_request', T.handoffPerson[lang], { intent: 'human_request', confidence: 1 });
    }
    if (sentiment.strongNegative) {
      return make('handoff', 'handoff', 'negative_sentiment', T.handoffUpset[lang], { intent: 'negative_sentiment', confidence: Math.min(1, Math.abs(sentiment.score)) });
    }
    if (!text) return make('clarify', 'clarify', 'empty', T.empty[lang]);
    /** Nothing to answer with: say so and offer a person; the second miss in a row hands off. */
    const noAnswer = () => previousTurnMissed(context.history)
      ? make('handoff', 'handoff', 'repeated_miss', T.handoffMisses[lang], { miss: true })
      : make('clarify', 'fallback', 'no_match', T.fallback[lang], { quickReplies: [personOption(lang)], miss: true });
    // Something the shop does not do, in words of its own topics ("do you do tax returns?", "how do I return a rental
    // car"): no article answers it, however much of it the returns or import-tax sections cover.
    if (!context.quickReply && asksOutsideShop(text)) return noAnswer();
    // A service the shop may not offer (a store or pickup, price matching, a student discount, wholesale, jobs …; see
    // SHOP_SERVICE_TOPICS): only a source that names the service answers it. When nothing the shop has names it, the
    // question is unanswered (and so reaches the admin's list), however well its other words match.
    const services = context.quickReply ? [] : shopServiceTopicsNamed(text);
    const namesServices = (said: string) => services.every((t) => t.words.test(said));
    const intentNamesServices = (name: string | null | undefined) =>
      services.every((t) => !!name && !!servicesOfIntent.get(name)?.has(t.name));
    const notOffered = services.filter((t) => !servicesOfShop.has(t.name));
    if (notOffered.length) return (await coveredPartAnswered(context, text, notOffered, storyOf)) ?? noAnswer();
    // The product in focus: the one the bot just answered from, else the one whose page the shopper is on.
    const lastProduct = lastBotTurn(context.history)?.metadata?.products as ProductRef[] | undefined;
    const answered = deps.products && lastProduct?.length ? deps.products.bySku.get(lastProduct[0].sku) : undefined;
    const inFocus = context.quickReply || !deps.products ? undefined
      : answered ?? (context.page ? deps.products.onPage(context.page.url, lang) : undefined);
    // What is classified and searched: the question without a greeting in front of it, read together with the
    // shopper's previous question when it only continues that one ("what about express?").
    // An order number names the order, not the question: it is left out of classification and search (no article has
    // it, and as a rare word it would lower how much of the question any passage covers).
    const orderNumber = findOrderNumber(text, deps.orders?.numberFormat);
    const withoutNumber = orderNumber ? withoutOrderNumbers(withoutGreeting(text), deps.orders?.numberFormat) : '';
    const unread = orderNumber && /\p{L}{2}/u.test(withoutNumber) ? withoutNumber : withoutGreeting(text);
    // A Chinese question is classified and searched in the words the Chinese content uses ("我的order什么时候到" as
    // 我的订单…, "退或" as 退货; signals.ts `readAsChinese`, one pass over the message). `unread` is what is compared with
    // the message below to tell whether an order number was taken out, so the rewording does not count as one.
    const asked = lang === 'zh' ? readAsChinese(unread) : unread;
    const { question, readWith, prediction: classified } = await withContext(asked, context, lang, !!inFocus);
    evidence.readWith = readWith;
    /**
     * Read with the previous question, a follow-up takes its article from both; its section must say something to
     * the follow-up's own words. When the section both questions found does not ("and if I paid with PayPal?" found
     * the refund article's general section), the article's section for the follow-up alone is quoted, if it has them
     * ("要多久？" after "能寄到日本吗？": the delivery times abroad, not the list of countries).
     */
    const quoted = async (p: Passage): Promise<Passage> => {
      if (!readWith) return p;
      const own = withoutGreeting(text);
      // A follow-up without a topic ("要多久？") is its question words, and a section must have all of them.
      const all = tokenize(own);
      const topicless = namesNoTopic(own);
      const words = topicless ? all : all.filter((w) => !isQuestionWord(w));
      const saysIt = (section: Passage) => {
        const inSection = new Set(tokenize(section.text));
        return topicless ? words.every((w) => inSection.has(w)) : words.some((w) => inSection.has(w));
      };
      if (!words.length || saysIt(p)) return p;
      const [section] = await search(own, lang, 1, p.slug);
      return section && section.locale === p.locale && saysIt(section) ? { ...section, confidence: p.confidence } : p;
    };

    /** The product's page answers a short question about "it" when the page says something to it (not "can I return it?"). */
    const aboutProduct = async (record: ProductRecord | undefined): Promise<Decision | null> => {
      const [passage] = record ? await deps.products!.search(`${record.name} ${question}`, 1, lang, record.sku) : [];
      if (!record || !passage || !(PRICE_OR_STOCK.test(text) || answeringSentences(productText(record), question, 2, record.name))) return null;
      evidence.readWith = record.name;
      return productAnswer({ record, passage });
    };
    // A short question about "it", its price, stock or one of its facts ("how much is it?", "多少钱", "what colours?",
    // "is it waterproof?") is the product in focus's, unless it names another product or is about something its page
    // does not cover ("how much is express shipping?", "can I return it?").
    // Right after its answer, "it" alone points back to it ("what colours does it come in?").
    // So does a short question the page just quoted says everything of, with "it" left out as Chinese leaves it out
    // ("能带上飞机吗" after "充电宝多少钱").
    const aboutFocus = !!inFocus && isShort(text) && ((!!answered && (PRONOUN.test(text) || pageCoversQuestion(inFocus, question)))
      || ((PRONOUN.test(text) || PRICE_OR_STOCK.test(text) || asksFactTopic(text)) && pageCoversQuestion(inFocus, question)));
    // A short follow-up that names another product ("and the watch?" after "do the earbuds work with iphone") asks the
    // question before about that one, when its page answers it: of the pages the two questions together find, the
    // one the follow-up names (in the shopper's language when there is one).
    if (readWith && deps.products && isShort(text)) {
      const own = withoutGreeting(text);
      const named = (await deps.products.search(question, 8, lang)).map((p) => deps.products!.byId.get(p.articleId))
        .filter((p): p is ProductRecord => !!p && p.id !== inFocus?.id && namesProduct(p, own))
        .sort((a, b) => Number(b.locale === lang) - Number(a.locale === lang));
      if (named.length && !(inFocus && namesProduct(inFocus, own))) {
        const answer = await aboutProduct(named[0]);
        if (answer) return answer;
      }
    }
    // A question that names two or more of the shop's products and asks what their pages tell ("which lasts longer on
    // a charge, the earbuds or the watch?", "托特包和雨衣多少钱"): each page answers for its own product, one after the
    // other, rather than the first-named product's page alone.
    if (asksAboutProducts(text)) {
      const compared = await namedProducts();
      if (compared.length >= 2) {
        evidence.passages = compared.map((c) => passageEvidence(c.passage));
        // Each page answers the question without the other products' names in it ("rain" of "rain jacket" must not pick
        // the tote's sentence about rain).
        const replies = compared.map(({ record, passage }) => productReply(
          record, passage, withoutProductNames(question, compared.filter((other) => other.record.id !== record.id).map((other) => other.record)),
          lang, productUrl(record, deps.publicUrl)));
        return make('answer', 'answer', 'product', replies.join('\n\n'), {
          intent: null, confidence: Math.min(...compared.map((c) => c.passage.confidence)),
          products: compared.map(({ record }) => ({ sku: record.sku, name: record.name, ...(productUrl(record, deps.publicUrl) ? { url: productUrl(record, deps.publicUrl)! } : {}) })),
        });
      }
    }
    if (inFocus && aboutFocus) {
      const named = await productMatch();
      if (!named || named.record.id === inFocus.id) {
        const answer = await aboutProduct(inFocus);
        if (answer) return answer;
      }
    }

    // 2. A quick reply from an earlier clarify names its choice exactly.
    // A bare greeting ("hello there", "你好，在吗") is the greeting intent's, whatever else its few words resemble:
    // the classifier spreads a two-word message over every intent with "there" or "you" in an example.
    const chosenIntent = context.quickReply?.startsWith('intent:') ? deps.intents.get(context.quickReply.slice(7))
      : isBareGreeting(text) ? deps.intents.get(GREETING_INTENT) : undefined;
    const chosenArticle = context.quickReply?.startsWith('article:') ? context.quickReply.slice(8) : undefined;
    if (chosenArticle) {
      const [p] = await search(question, lang, 1, chosenArticle);
      if (p) return make('answer', 'answer', 'kb_passage', passageReply(p, lang), { intent: null, confidence: p.confidence, articles: [articleRef(p)], askHelpful: true });
    }

    // 3. Classify; an order number always means the order-status action.
    const classifiedNow = chosenIntent
      ? { intent: chosenIntent.name, confidence: 1, outOfScope: false, alternatives: [] }
      : classified !== undefined ? classified : await classify(question);
    fault = chosenIntent ? null : faultShowed(text);
    if (fault) evidence.fault = fault;
    const read = fault === 'arrival' ? arrivedFaulty(classifiedNow) : classifiedNow;
    // The classifier is not trusted with a service its intent never names: "showroom address" is no address change.
    const prediction = services.length && read && !chosenIntent && !intentNamesServices(read.intent)
      ? { ...read, outOfScope: true, alternatives: read.alternatives.filter((a) => intentNamesServices(a.intent)) }
      : read;
    evidence.prediction = prediction;
    const intent = prediction && !prediction.outOfScope && prediction.intent ? deps.intents.get(prediction.intent) : undefined;
    const confident = !!intent && prediction!.confidence >= thresholds.intent;
    if (confident) confidentArticle = intent!.articleSlug ?? undefined;

    /**
     * The readings to offer as quick replies (the intents the classifier leans to, then the passages found), as a
     * clarification, or null when there are none; `note` goes before the question. A second clarification in a row (the
     * shopper typed instead of picking) is marked a miss.
     */
    const readingsOf = (passages: Passage[], note?: string): Decision | null => {
      const options: QuickReply[] = [];
      const seen = new Set<string>();
      for (const alt of [...(prediction && prediction.intent && !prediction.outOfScope ? [{ intent: prediction.intent, confidence: prediction.confidence }] : []), ...(prediction?.alternatives ?? [])]) {
        const config = deps.intents.get(alt.intent);
        if (!config || seen.has(alt.intent) || alt.confidence < thresholds.intentOption) continue;
        if (!config.answer[lang] && !config.action && !config.articleSlug) continue;
        seen.add(alt.intent);
        // Picking the intent already leads to its article: offering both would be one answer under two labels.
        if (config.articleSlug) seen.add(`article:${config.articleSlug}`);
        options.push({ label: config.label[lang] ?? config.label.en ?? alt.intent, value: `intent:${alt.intent}` });
      }
      // When the classifier calls the question out of scope, only a strong passage may suggest otherwise.
      const passageFloor = prediction?.outOfScope ? Math.max(thresholds.passageOption, thresholds.passage * 0.9) : thresholds.passageOption;
      for (const p of passages) {
        if (p.confidence < passageFloor || seen.has(`article:${p.slug}`)) continue;
        seen.add(`article:${p.slug}`);
        options.push({ label: p.title, value: `article:${p.slug}` });
      }
      if (!options.length) return null;
      return make('clarify', 'clarify', 'ambiguous', note ? `${note}\n\n${T.clarify[lang]}` : T.clarify[lang], {
        quickReplies: [...options.slice(0, 3), personOption(lang)],
        articles: passages.filter((p) => seen.has(`article:${p.slug}`)).slice(0, 3).map(articleRef),
        miss: clarifyMiss,
      });
    };

    // An order number in a question the classifier is sure is about something else ("can I still change the address on
    // NW-100234?", "when will I get my refund for NW-100240"): that question is answered as if the number were not
    // there, and what the order-status action says about the order follows the answer. When nothing answers it,
    // the order's status is the reply, as for any message with an order number.
    // An exchange asked for in so many words is no status question either, however unsure the classifier is
    // ("NW-100236 的鞋能换大一码吗", "want to swap the trail runners from NW-100236 for a half size up").
    const exchange = asksForExchange(text) && !chosenIntent;
    const asksOtherThanStatus = !!orderNumber && unread !== withoutGreeting(text) && ((confident && !intent!.action) || exchange);
    if (orderNumber || (confident && intent!.action === 'order_status')) {
      const result = await orderStatus(deps.orders ?? null, context.customer ?? { id: null, externalId: null }, text, lang);
      evidence.orderOutcome = result.outcome;
      const statusDecision = () => {
        const quickReplies = ['unavailable', 'not_found', 'late'].includes(result.outcome) ? [personOption(lang)] : [];
        return make(result.outcome === 'unavailable' ? 'clarify' : 'answer', 'answer', 'order_status', result.reply, {
          intent: intent?.name ?? 'order_status', confidence: prediction?.confidence ?? 1, quickReplies,
        });
      };
      if (asksOtherThanStatus) {
        orderNote = result.reply;
        orderFallback = statusDecision;
      } else {
        // Nothing specific to show ("sign in first", no orders at hand) for a question an article answers
        // ("where do I find my tracking number", "it says delivered but nothing is at my door"): the article's
        // answer comes first and the order note after it.
        if (!orderNumber && GENERIC_ORDER_OUTCOMES.has(result.outcome)) {
          // The intent's own article when it has one ("我的快递到哪了" is a tracking question, though "快递" and "到"
          // match the shipping-times article as well), else the best of all.
          const own = confident && intent!.articleSlug ? (await search(question, lang, 1, intent!.articleSlug))[0] : undefined;
          const p = own && own.confidence >= thresholds.passage ? own : (await search(question, lang, 1))[0];
          if (p && p.confidence >= thresholds.passage) {
            evidence.passages = [passageEvidence(p)];
            return make('answer', 'answer', 'kb_passage', `${passageReply(p, lang)}\n\n${result.reply}`, { articles: [articleRef(p)], askHelpful: true });
          }
        }
        // An order number in a question the classifier only leans to another topic for ("订单号 nw 100242 想退货": returns,
        // 0.56): that intent's own article answers when it covers the question well, the order note after it. Only its
        // own article: any article that happens to match ("any news on #1042?" and the exchanges article) is no answer.
        const leanedOwn = orderNumber && unread !== withoutGreeting(text) && intent?.articleSlug && !intent.action && !intent.answer[lang]
          && !HANDOFF_INTENTS.has(intent.name) && prediction!.confidence >= thresholds.intentOption
          ? (await search(question, lang, 1, intent.articleSlug))[0] : undefined;
        if (leanedOwn && leanedOwn.confidence >= thresholds.passage) {
          orderNote = result.reply;
          evidence.passages = [passageEvidence(leanedOwn)];
          return make('answer', 'answer', 'intent', passageReply(leanedOwn, lang), { articles: [articleRef(leanedOwn)], askHelpful: true });
        }
        // An order the bot cannot show (the shopper is not signed in, or it is not theirs) with a question the classifier
        // leans to another topic for ("我刚下单想改一下地址 NW-330512": the address change, 0.32): the order note alone is
        // a dead end, so the readings of the question follow it to choose from (a second shop's review). Readings only:
        // an article that happens to match is no answer ("any news on #1042?").
        // The lean must be clear of chance and of the status reading ("any news on NW-100236?" leans to the promo code at
        // 0.26; "NW-100236 到哪了" to refunds at 0.34 with tracking at 0.31).
        const statusReading = (prediction?.alternatives ?? []).some((alt) => alt.confidence >= thresholds.intentOption
          && deps.intents.get(alt.intent)?.action === 'order_status');
        const leansElsewhere = orderNumber && unread !== withoutGreeting(text) && ORDER_NOT_SHOWN.has(result.outcome) && !!intent
          && !intent.action && !HANDOFF_INTENTS.has(intent.name) && prediction!.confidence >= ORDER_LEAN && !statusReading;
        const readings = leansElsewhere ? readingsOf(await search(question, lang, 3), result.reply) : null;
        return readings ?? statusDecision();
      }
    }

    // A complaint the classifier leans to without being sure ("my parcel never arrived and this is
    // ridiculous", where AFINN's negation handling even scores the words positive), or only suspects in
    // words that are negative at all, is still an upset shopper: a person, not a guess or "I don't know".
    const complaintLean = prediction?.intent === 'complaint' ? prediction.confidence : 0;
    const unsureComplaint = !confident && (complaintLean >= COMPLAINT_LEAN || (complaintLean >= thresholds.intentOption && sentiment.total < 0));
    // …unless nothing negative is said and the question asks a named product's fact: "I'm going hiking next week, is
    // the packable rain jacket really waterproof?" doubts the jacket, not the shop.
    if (unsureComplaint && !(sentiment.total >= 0 && (await productMatch())?.asksFact)) {
      return make('handoff', 'handoff', sentiment.total < 0 ? 'negative_sentiment' : 'intent_action', T.handoffUpset[lang], { intent: 'complaint' });
    }
    // The person intent in a question about when people work ("can I speak to someone tomorrow morning?") is a
    // question about contact hours: the knowledge base answers it below.
    const hoursQuestion = intent?.name === PERSON_INTENT && asksAboutHours(text);
    if (confident && (intent!.action === 'handoff' || HANDOFF_INTENTS.has(intent!.name)) && !hoursQuestion) {
      const upset = intent!.name === 'complaint';
      return make('handoff', 'handoff', 'intent_action', intent!.answer[lang] || (upset ? T.handoffUpset : T.handoffPerson)[lang]);
    }
    // An exchange request is the article's titled for exchanges, when it says something to the question: the size guides
    // and the product pages cover "shoes", "size" or the product's name as well, often more ("can I exchange the shoes
    // from NW-100236 for a size 10?" got the shoe guide, "can I swap the sweater from NW-100242 for a medium" its page).
    if (exchange && deps.index) {
      const titled = await Promise.all(deps.index.slugsTitledWith(EXCHANGE_TITLE_WORDS).map(async (slug) => (await search(question, lang, 1, slug))[0]));
      const found = titled.filter((p): p is Passage => !!p && p.confidence >= RANKED_FIRST_MIN_CONFIDENCE)
        .sort((a, b) => b.confidence - a.confidence)[0];
      if (found) {
        const p = await quoted(found);
        evidence.passages = [passageEvidence(p)];
        return make('answer', 'answer', 'kb_passage', passageReply(p, lang), { articles: [articleRef(p)], askHelpful: true, confidence: p.confidence });
      }
    }
    if (confident && !intent!.answer[lang] && intent!.articleSlug) {
      // The intent's answer is its article: quote the section that best fits the question, unless another
      // article covers more of the question ("how long does shipping take to Canada" is a shipping-time
      // question, but only the international article names the country).
      const [own] = await search(question, lang, 1, intent!.articleSlug);
      const ranked = await search(question, lang, 3);
      const other = ranked
        .filter((p) => p.slug !== intent!.articleSlug && !ruledOut(p.slug, prediction!))
        .reduce<Passage | undefined>((best, p) => (!best || p.confidence > best.confidence ? p : best), undefined);
      // Another article wins when it covers more of the question and could answer on its own, or when the
      // search ranks it first and it covers about as much ("can I swap these jeans for the next size up" is a
      // size question to the classifier, but the exchanges article is the answer).
      const ownConfidence = own?.confidence ?? 0;
      // It must cover more with a word of the question that the own article has nowhere: the own article's sections
      // may each cover less only because they share its words out ("how long does standard shipping take, and
      // express?" has one shipping-times section for standard and one for express; the international article's
      // section on delivery abroad names both, but nothing the shipping-times article lacks).
      // Both ways: when the own article has a word of the question the other has nowhere, each covers a part of it,
      // and the classifier's sure reading says which part the question is about ("充电宝保修多久" is about the warranty
      // the international article never mentions, though its note on power banks abroad covers more of the words).
      const coversMore = !!other && other.confidence >= thresholds.passage && other.confidence >= ownConfidence + OTHER_ARTICLE_MARGIN
        && hasWordOtherLacks(question, other.slug, intent!.articleSlug) && !hasWordOtherLacks(question, intent!.articleSlug, other.slug);
      // …but never a passage that covers next to nothing ("how much is it?" leaves no word to match), and the
      // rank alone does not overrule an own article that could answer by itself: a tie in coverage goes to the
      // intent ("how many days until my refund arrives" matches the returns article's "until your refund").
      const rankedFirst = !!other && ranked[0]?.slug === other.slug && ownConfidence < thresholds.passage
        && other.confidence >= RANKED_FIRST_MIN_CONFIDENCE && other.confidence >= ownConfidence - RANKED_FIRST_SLACK;
      // A tie in coverage goes to the passage whose heading says more of what is asked: "support email address" is all
      // in the address-change section ("contact support … from the email address on the order"), but the contact
      // article's "Email support" is about it, while the section is headed "Changing the shipping address".
      // Any of the own article's headings counts, not only the best section's: "how long does delivery take" found the
      // shipping-times section on standard shipping, while its section on express "delivery" says as much as the
      // international article's "How long international delivery takes".
      const headedMore = !!other && !!own && other.confidence >= ownConfidence && ownConfidence >= thresholds.passage
        && headingShare(other, question) > headingShare(own, question)
        && headingShare(other, question) > Math.max(...(deps.index?.sectionHeadings(own.articleId) ?? []).map((heading) => headingShare({ title: heading, heading: '' }, question)));
      // The own article may cover a word only because its intent's examples say it (a size_help example names shoes, so
      // the clothing guide covered "which shoe size should I order if I'm between sizes" better than the shoe guide):
      // another article that the search ranks first, that could answer by itself and that says that word is the answer.
      const namedOnlyInExamples = !!other && !!own && ranked[0]?.slug === other.slug && other.confidence >= thresholds.passage
        && saysWordOwnOnlyExemplifies(question, other.slug, intent!.articleSlug);
      const betterElsewhere = coversMore || rankedFirst || headedMore || namedOnlyInExamples;
      const chosen = betterElsewhere ? other : own;
      const whenBroken = chosen && askWhenBroken(chosen);
      if (whenBroken) return whenBroken;
      const p = chosen && (await quoted(chosen));
      // A product the question names ("does the tote fit a 15-inch laptop" reads as a size question) is answered
      // from its page when that page covers clearly more of the question than the article would.
      const product = await productMatch();
      // So is a question of nothing but a product's name and one of its facts ("power bank 多重" is a warranty question
      // to the classifier, which reads little in an English name among Chinese words).
      if (product && (product.passage.confidence >= (p?.confidence ?? 0) + PRODUCT_MARGIN || product.onlyFact)) return productAnswer(product);
      if (p) {
        evidence.passages = [passageEvidence(p)];
        return make('answer', 'answer', 'intent', passageReply(p, lang), { articles: [articleRef(p)], askHelpful: true });
      }
    }
    if (confident && intent!.answer[lang]) {
      let articles: ArticleRef[] = [];
      let reply = intent!.answer[lang]!;
      if (intent!.articleSlug) {
        const [p] = await search(question, lang, 1, intent!.articleSlug);
        if (p) {
          articles = [articleRef(p)];
          reply = `${reply}\n\n${T.readMore[lang]}${articleUrl(deps.publicUrl, p.slug, p.locale)}`;
        }
      }
      // Asked under a typed answer too (unless the intent is a greeting or a goodbye, which the admin marks): its
      // ratings reach the reports, and a "No" the unanswered list, like an article's.
      return make('answer', 'answer', 'intent', reply, { articles, askHelpful: articles.length > 0 || intent!.askHelpful });
    }

    // 4. The knowledge base: a passage that matches well enough is the answer.
    // A passage that does not name the service asked about is no answer to it ("can I pick up in store" and the return
    // label's "UPS store").
    const found = (await search(question, lang, 3)).filter((p) => namesServices(`${p.title}\n${p.heading}\n${p.text}`));
    evidence.passages = found.map(passageEvidence);
    // "Do you sell …?" asks about the shop's range: an article answers it only when it is about the thing asked for
    // (a word of the question in its title or the section's heading: "do you sell gift cards"), not when it merely
    // mentions it ("do you sell cars" and the care article's note on leaving gadgets in hot cars).
    const passages = asksWhetherSold(text) && found[0] && !headedBy(found[0], question) ? [] : found;
    const top = passages[0];
    const runnerUp = passages[1];
    // Two articles that fit equally well: asking beats guessing.
    const tie = !!runnerUp && runnerUp.confidence >= top.confidence - 0.05 && runnerUp.score >= top.score * 0.9;
    // A price, stock or fact question that names a product ("how much are the earbuds", "what colours does the rain
    // jacket come in") is the product page's, even when an article mentions the product as well as the page does:
    // no article knows its price or its colours.
    if (PRICE_OR_STOCK.test(text) || asksFactTopic(text)) {
      const product = await productMatch();
      // A price or stock question that names the product is its page's as well when no article answers it ("earbuds
      // 有现货吗": the English page lacks the Chinese "现货", the care article mentions earbuds as much).
      const onlyPage = PRICE_OR_STOCK.test(text) && (!top || top.confidence < thresholds.passage);
      if (product && (!top || onlyPage || product.passage.confidence >= top.confidence)) return productAnswer(product);
    }
    // Any other question that names a product is its page's too when the page covers clearly more of it than the
    // article that ranks first ("can I take the power bank on a plane": the international article's note on power
    // banks that cannot be shipped abroad matches "power bank", only the power bank's page says it may fly).
    {
      const product = await productMatch();
      if (product && top && top.confidence >= thresholds.passage && product.passage.confidence >= top.confidence + PRODUCT_MARGIN) return productAnswer(product);
    }
    // Two passages that could each answer: the first-ranked one can win on one rare word ("receipt" in the warranty
    // article's proof-of-purchase section) while the article of the intent the classifier leans to, ranked lower,
    // covers more of the question ("do I need the receipt to return": the returns article asks for the order number
    // and mentions the drop-off receipt). Unsure as the classifier is, its lean decides between the two.
    const leaning = intent?.articleSlug && prediction!.confidence >= thresholds.intentOption ? passages.find((p) => p.slug === intent.articleSlug) : undefined;
    if (leaning && leaning !== top && top.confidence >= thresholds.passage && leaning.confidence > top.confidence) {
      const whenBroken = askWhenBroken(leaning);
      if (whenBroken) return whenBroken;
      const p = await quoted(leaning);
      evidence.passages = [passageEvidence(p), ...evidence.passages.filter((other) => other.slug !== p.slug)];
      return make('answer', 'answer', 'kb_passage', passageReply(p, lang), { articles: [articleRef(p)], askHelpful: true, confidence: p.confidence });
    }
    // The clause that asks may name what the question is about while the clauses before it tell the story: "衣服洗了一次
    // 就缩水了，能退吗" is all washing and shrinking to the care article, which has no 退 (return) anywhere. An article that
    // has none of the asking clause's words answers the story, not the question, when the article of the intent the
    // classifier leans to has one: the shopper picks between the readings.
    const asking = askingClause(withoutGreeting(text));
    const askedWords = asking ? tokenize(asking).filter((w) => !isQuestionWord(w)) : [];
    const hasAsked = (slug: string) => !!deps.index && askedWords.some((w) => deps.index!.articleTerms(slug).has(w));
    const answersStoryOnly = !!top && askedWords.length > 0 && !!intent?.articleSlug && prediction!.confidence >= thresholds.intentOption
      && top.slug !== intent.articleSlug && !hasAsked(top.slug) && hasAsked(intent.articleSlug);
    if (top && top.confidence >= thresholds.passage && !tie && !answersStoryOnly) {
      const whenBroken = askWhenBroken(top);
      if (whenBroken) return whenBroken;
      const p = await quoted(top);
      return make('answer', 'answer', 'kb_passage', passageReply(p, lang), { articles: [articleRef(p)], askHelpful: true, confidence: prediction && confident ? prediction.confidence : p.confidence });
    }

    // 4b. A question about one of the shop's products ("is the tote waterproof?"): its page answers, when it fits
    // the question better than any article did.
    // A question naming the product and one of its facts is the page's even then ("托特包有黑色的吗": no article
    // covers it better, though "黑色" appears in more of them than on the tote's page, which lists its colours).
    const product = await productMatch();
    // Not when an article covers clearly more of it than the page's name and fact do ("is my smartwatch okay to wear in
    // the shower": the care article's water section says so; the watch's page only that it is swim-proof).
    if (product && (!top || product.passage.confidence > top.confidence
      || (product.asksFact && top.confidence < product.passage.confidence + PRODUCT_MARGIN))) return productAnswer(product);

    // 5. Some plausible readings: ask which one.
    // A question about an order that nothing above answered: the order's status, as before.
    if (orderFallback) return orderFallback();
    const repeatedMiss = previousTurnMissed(context.history);
    const readings = readingsOf(passages);
    if (readings && !(readings.miss && repeatedMiss)) return readings;

    // 6. A story that ends in a question ("We had a power cut while I was paying … now I see two charges on my bank
    // app. what should I do"): when the whole message found nothing, not even options to offer, the question at its
    // end is read on its own, its words no longer thinned out by the story's. (Not instead of a clarification: the
    // end alone, "但是拉链坏了，怎么办", can be surer than it should, and the options had the right one.)
    const tail = storyOf === undefined && !context.quickReply ? questionAtEnd(withoutGreeting(text)) : null;
    if (tail) {
      const fromTail = await decide(context, tail, text);
      if (fromTail.action === 'answer' && (fromTail.metadata.articles?.length || fromTail.metadata.products?.length)) return fromTail;
      // Options to pick from are more help than "I don't know" ("… the strap is already starting to fray. Is that
      // covered?": damaged on arrival or the warranty).
      if (fromTail.evidence.reason === 'ambiguous') return fromTail;
    }

    // 7. Nothing: say so and offer a person; the second miss in a row hands off.
    return noAnswer();
  }

  return { decide, thresholds };
}

export type Policy = ReturnType<typeof createPolicy>;
