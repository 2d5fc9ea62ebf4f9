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
import { asksAboutHours, asksForExchange, asksForPerson, asksOutsideShop, askingClause, faultShowed, namesOnlyFault, saysDeliveredNotReceived, sentWrongItem, partsNamingServices, SHOP_SERVICE_TOPICS, shopServiceTopicsNamed, isBareGreeting, questionAtEnd, readAsChinese, separateQuestions, asksSomething, sentimentOf, withoutGreeting, type Sentiment } from './signals.ts';
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
/**
 * Probability of the one intent a clarification would offer, with no other reading, from which its article answers instead:
 * a lean this clear, with every other intent under the option line, leaves nothing else to pick.
 */
const LONE_READING_LEAN = 0.4;
/** How sure of an intent the classifier must be for its article to win a tie between two passages that both answer. */
const TIE_LEAN = 0.5;
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
  /**
   * The services of SHOP_SERVICE_TOPICS the message asks about that nothing of the shop names, when that is why it went
   * unanswered: the admin's test box says so instead of "too unsure". Evidence only; no decision reads it.
   */
  unnamedServices?: string[];
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
  /** The reply is the words the admin typed for the deciding intent, not the bot's own sentence. */
  typedAnswer?: boolean;
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
/** Decisions that answered nothing: their metadata names no intent (see make in decide). */
const MISS_REASONS: ReadonlySet<DecisionReason> = new Set<DecisionReason>(['no_match', 'repeated_miss']);
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

/** Whether the bot's last turn offered options to pick from instead of answering. */
const lastTurnClarified = (history: DecideContext['history']) => lastBotTurn(history)?.metadata?.reason === 'ambiguous';

/** The bot's last turn when it answered: a clarification answered nothing (its intent is a lean, its articles options). */
function lastAnswer(history: DecideContext['history']) {
  return lastTurnClarified(history) ? undefined : lastBotTurn(history);
}

/**
 * The option of the bot's last clarification the shopper typed instead of tapping ("冲泡指南", "return policy"): the one
 * option whose label has every word of the message (question words aside). Undefined when the message is no option's.
 */
function optionTyped(history: DecideContext['history'], text: string): string | undefined {
  if (!lastTurnClarified(history)) return undefined;
  const words = tokenize(text).filter((w) => !isQuestionWord(w));
  if (!words.length) return undefined;
  const options = ((lastBotTurn(history)!.metadata.quickReplies ?? []) as QuickReply[])
    .filter((option) => option.value !== 'handoff' && words.every((w) => new Set(tokenize(option.label)).has(w)));
  return options.length === 1 ? options[0].value : undefined;
}

/**
 * The shopper's last typed message (not a tapped option), as the policy reads a question: the one a clarification
 * offered its options for. Undefined when there is none.
 */
function questionClarified(history: DecideContext['history'], lang: Locale): string | undefined {
  const typed = [...(history ?? [])].reverse().find((m) => m.author === 'customer' && !m.metadata?.quickReply)?.text;
  if (!typed) return undefined;
  const text = withoutGreeting(normalizeText(typed.trim()));
  return lang === 'zh' ? readAsChinese(text) : text;
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
/** A passage's first line in a reply: its article's title and the section's heading. */
const headingLine = (p: Pick<Passage, 'title' | 'heading'>) => (p.heading && p.heading !== p.title ? `${p.title} — ${p.heading}` : p.title);
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

  /**
   * The intents as the policy reads them: one whose article is not in the index (deleted, unpublished or never published,
   * in every language) is an intent without an article. Read as linked, its search in its own article found nothing, so
   * any other passage won at a fraction of the passage threshold ("I want to cancel my order" answered with a tea shop's
   * shipping costs), and a clarification offered it as an option that led to the same clarification again.
   */
  const intents = new Map([...deps.intents].map(([name, config]): [string, IntentConfig] =>
    [name, config.articleSlug && !deps.index?.hasArticle(config.articleSlug) ? { ...config, articleSlug: null } : config]));

  /** The intents each article answers for: an article is another intent's answer as well as a text. */
  const intentsOfArticle = new Map<string, string[]>();
  for (const config of intents.values()) {
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
  for (const [name, config] of intents) {
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
    return `${headingLine(p)}\n${body}\n\n${T.readMore[lang]}${articleUrl(deps.publicUrl, p.slug, p.locale)}`;
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
    // After a clarification (the shopper typed instead of picking), a few words with a topic of their own are a new
    // question: they do not narrow the one nothing answered yet ("绿茶怎么泡" after the options for "乌龙茶泡几次" was
    // answered from the oolong section). An option typed in its words is read as picked (see decide).
    const bare = isBareQuestion(question) && !lastTurnClarified(context.history);
    const continues = FOLLOW_UP.test(question) || (!productInFocus && (PRONOUN.test(question) || topicless || bare));
    if (context.quickReply || !continues || !isShort(question)) return { question };
    const previous = [...(context.history ?? [])].reverse().find((m) => m.author === 'customer' && !m.metadata?.quickReply)?.text.trim();
    if (!previous) return { question };
    // The follow-up's own classification is kept: when it stands alone, it is the prediction decide() needs.
    const own = await classify(question);
    const alone = { question, prediction: own };
    // A question without a topic is no question of its own, however sure the classifier is of it. Nor is one the
    // classifier files under the topic just answered ("how long does it take?" after "can you ship to Japan?"): it
    // narrows that question, and what made the last answer specific (Japan) still holds.
    const previousIntent = lastAnswer(context.history)?.metadata?.intent;
    const sameTopic = !!own?.intent && own.intent === previousIntent;
    const together = { question: `${withoutGreeting(previous)} ${question}`, readWith: previous };
    if (!topicless && !sameTopic && own && !own.outOfScope && own.confidence >= thresholds.intent) {
      // …unless it says in so many words that it continues ("what about returns then" after "is shipping free if i spend
      // over 50": returns are a topic of their own, but the question is whether returns are free too), and the article
      // just answered from has a section with the follow-up's own words that answers the two together. Not a question
      // the shop acts on ("and where is my order?") or one for a person.
      const ownConfig = own.intent ? intents.get(own.intent) : undefined;
      const lastArticle = (lastAnswer(context.history)?.metadata?.articles as ArticleRef[] | undefined)?.[0]?.slug;
      if (!FOLLOW_UP.test(question) || !lastArticle || !ownConfig || ownConfig.action || HANDOFF_INTENTS.has(ownConfig.name)) return alone;
      const [section] = await search(together.question, lang, 1, lastArticle);
      const articleWords = deps.index?.articleTerms(lastArticle);
      const continues = !!section && section.confidence >= thresholds.passage
        && tokenize(question).some((w) => !isQuestionWord(w) && !!articleWords?.has(w));
      return continues ? together : alone;
    }
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
   * damaged-item article offers a replacement or refund, the warranty a repair claim. So is the wrong item sent ("收到的外套
   * 颜色跟我订的不一样"). A confident other intent stands ("it arrived today but the promo code doesn't work").
   */
  function arrivedFaulty(prediction: IntentPrediction | null): IntentPrediction | null {
    if (!intents.get(DAMAGED_INTENT)?.articleSlug) return prediction;
    if (sureOfAnother(prediction, [WARRANTY_INTENT])) return prediction;
    return readAs(DAMAGED_INTENT, prediction);
  }

  /** Whether the classifier is sure of an intent other than `readings`, the ones a signal in the words may correct. */
  function sureOfAnother(prediction: IntentPrediction | null, readings: string[]): boolean {
    return !!prediction && !prediction.outOfScope && prediction.confidence >= thresholds.intent && !readings.includes(prediction.intent ?? '');
  }

  /** The prediction read as `name`, at least as sure as the intent threshold: a signal in the words said which it is. */
  function readAs(name: string, prediction: IntentPrediction | null): IntentPrediction {
    const confidence = Math.max(thresholds.intent, prediction?.intent === name ? prediction.confidence : 0);
    return { intent: name, confidence, outOfScope: false, alternatives: prediction?.alternatives ?? [] };
  }

  /** The intent that runs the order-status action with an article of its own ("Where is my order?"), when the shop has one. */
  const trackingIntent = [...intents.values()].find((config) => config.action === 'order_status' && config.articleSlug)?.name;

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
    // The rest asking the price of what the other part names ("can you engrave my watch? how much does that cost",
    // "我想在手表上刻字，要多少钱") is about that service, not a question of its own: the shipping fees answered it.
    const restPointsBack = PRONOUN.test(parts.rest) || namesNoTopic(parts.rest) || isBareQuestion(parts.rest);
    if (PRICE_OR_STOCK.test(parts.rest) && restPointsBack) return null;
    const covered = await decide(context, parts.rest, storyOf);
    if (covered.action === 'handoff') return covered;
    if (covered.action !== 'answer' && covered.evidence.reason !== 'ambiguous') return null;
    return withPartUnanswered(covered, parts.naming);
  }

  /**
   * A decision that answers (or offers options for) part of the message: one sentence says the rest is not answered here,
   * a person is one tap away, and the rest is what reaches the unanswered list (`unansweredPart`; the turn is a miss).
   */
  function withPartUnanswered(covered: Decision, rest: string): Decision {
    const options = covered.evidence.reason === 'ambiguous';
    const lang = covered.evidence.language;
    const note = T.otherPartUnanswered[lang];
    const quickReplies = covered.quickReplies.some((q) => q.value === 'handoff') ? covered.quickReplies : [...covered.quickReplies, personOption(lang)];
    // Options to pick from end in their question, above the buttons: the note goes before it.
    const reply = options ? `${note}\n\n${covered.reply}` : `${covered.reply}\n\n${note}`;
    return {
      ...covered, reply, quickReplies, miss: true,
      metadata: { ...covered.metadata, quickReplies, miss: true },
      evidence: { ...covered.evidence, unansweredPart: rest, forShopperOnly: [...(covered.evidence.forShopperOnly ?? []), note] },
    };
  }

  /**
   * Whether the source an answer quotes answers one question of the message on its own: it has a passage that covers
   * enough of it, or its words find the very section quoted ("周末打得通吗" beside "你们客服电话是多少？": the phone section
   * says it is closed at weekends, though "打得通" is in no article).
   */
  async function answersToo(context: DecideContext, answered: Decision, question: string): Promise<boolean> {
    const lang = answered.evidence.language;
    const article = answered.metadata.articles?.[0]?.slug;
    const product = answered.metadata.products?.[0]?.sku;
    const [p] = article ? await search(question, lang, 1, article)
      : product && deps.products ? await deps.products.search(question, 1, lang, product) : [];
    if (p && p.confidence >= thresholds.passage) return true;
    // The words of it the article lacks are a way of saying it ("打得通"), not a topic of their own, when they are no more
    // than half of its words: "also how long does a refund take?" found the password article's section on changing an
    // email for its "also", and the article has no refund anywhere.
    const words = tokenize(question).filter((w) => !isQuestionWord(w));
    const known = article && deps.index ? words.filter((w) => deps.index!.articleTerms(article).has(w)).length : 0;
    if (p && p.heading === answered.evidence.passages[0]?.heading && p.confidence >= RANKED_FIRST_MIN_CONFIDENCE && known * 2 >= words.length) return true;
    // Asked alone (read as any message is, story steps and all), the question is answered from the same source, or leans
    // to the intent it is the article of, or offers either among its options: the reply is about it too ("我上周买的毛衣洗了
    // 一次就起球了，这个算质量问题吗？" beside "能保修吗": the warranty's question, in few words of its own).
    const alone = await decide(context, question);
    const lean = alone.evidence.prediction;
    const leaning = lean?.intent && !lean.outOfScope && lean.confidence >= thresholds.intentOption ? intents.get(lean.intent)?.articleSlug : undefined;
    const offered = alone.evidence.reason === 'ambiguous' && alone.quickReplies.some((q) => q.value === `article:${article}`
      || (q.value.startsWith('intent:') && intents.get(q.value.slice(7))?.articleSlug === article));
    return (!!article && (alone.metadata.articles?.[0]?.slug === article || leaning === article || offered))
      || (!!product && alone.metadata.products?.[0]?.sku === product);
  }

  /**
   * A message of two or more questions answered from a source that answers some of them ("你们支持支付宝吗？可以寄到澳洲吗？":
   * the payment methods): the others are said not to be answered here and reach the unanswered list, which never showed
   * them before. Only questions that ask (a question mark or a question word) and name a topic ("是吗？" does not); and only
   * when the source answers one of them, else it is no telling which one the reply is for.
   */
  async function withOtherQuestionsUnanswered(context: DecideContext, rawText: string, decision: Decision): Promise<Decision> {
    if (context.quickReply || decision.action !== 'answer' || decision.evidence.unansweredPart) return decision;
    if (!decision.metadata.articles?.length && !decision.metadata.products?.length) return decision;
    const questions = separateQuestions(withoutGreeting(normalizeText(rawText.trim())))?.filter(asksSomething) ?? [];
    if (questions.length < 2) return decision;
    const topical = questions.filter((q) => tokenize(q).some((w) => !isQuestionWord(w)));
    const answered = await Promise.all(topical.map((q) => answersToo(context, decision, q)));
    const left = topical.filter((_, i) => !answered[i]);
    return left.length && left.length < topical.length ? withPartUnanswered(decision, left.join(' ')) : decision;
  }

  /** `storyOf`: the whole message, when this is the question at its end, read on its own (see questionAtEnd). */
  async function decide(shopperContext: DecideContext, rawText: string, storyOf?: string): Promise<Decision> {
    // Read as every other part of the bot reads it (text/normalize.ts: full-width forms as ASCII, traditional
    // characters, Taiwan and Hong Kong wording and Cantonese as the simplified Mandarin the content is written in:
    // "退貨要運費嗎", "我想退貨，點樣做？"). The tokenizers and the classifier normalise on their own; this is kept for
    // the signals' and the policy's own patterns ("转人工", "谢谢", order numbers), which are written in simplified
    // Chinese and ASCII. The reply language is read from it too: still Chinese for a Chinese question.
    const text = normalizeText(rawText.trim());
    // An option of the clarification typed in its words is the option picked, as if tapped.
    const typedOption = shopperContext.quickReply ? undefined : optionTyped(shopperContext.history, text);
    const context = typedOption ? { ...shopperContext, quickReply: typedOption } : shopperContext;
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
          // An explicit null (an article the shopper picked, a product page) names no intent. Nor does a passage that
          // answered while the classifier was unsure: its confidence is the passage's, and the unsure intent beside it
          // read as the reason ("Intent: complaint, Confidence: 1.00" on an invoice answer).
          // Nor does a miss: nothing was answered for any intent, and reports, routing and the unanswered list read the
          // metadata's intent as what the question was about ("I ordered a medium sweater and got a large", no answer,
          // named track_order). The classifier's reading stays in the evidence.
          intent: extra.intent !== undefined ? extra.intent
            : (reason === 'kb_passage' && !intentSure) || MISS_REASONS.has(reason) ? null : inScopeIntent(evidence.prediction),
          confidence: extra.confidence ?? (MISS_REASONS.has(reason) ? null : evidence.prediction?.confidence ?? null),
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

    /** The classifier is sure of the intent (set once classified). */
    let intentSure = false;
    /** When a fault the message names showed, as the shopper tells it (set once classified; see faultShowed). */
    let fault: ReturnType<typeof faultShowed> = null;
    /** The item arrived faulty or is not what was ordered (set once classified): the product named is no question's topic. */
    let arrivedWrong = false;
    /** The tracking says delivered and the parcel is not there (set once classified; see saysDeliveredNotReceived). */
    let missingParcel = false;
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
    const askWhenBroken = (p: Passage | null): Decision | null => {
      const damaged = intents.get(DAMAGED_INTENT);
      const warranty = intents.get(WARRANTY_INTENT);
      if (fault !== 'unsaid' || !damaged?.articleSlug || !warranty) return null;
      // The article of an intent the classifier is sure of is about the fault named ("promo code not working").
      if (p && p.slug !== warranty.articleSlug && (p.slug === damaged.articleSlug || p.slug === confidentArticle)) return null;
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
    // A question cut from the end of a message that only points back at its story ("can you wrap my present? how much
    // is that") asks about the service the story names: "how much is that" alone was the shipping fees.
    const pointsBack = storyOf !== undefined && (PRONOUN.test(text) || namesNoTopic(text));
    const services = context.quickReply ? [] : shopServiceTopicsNamed(pointsBack ? storyOf! : text);
    const namesServices = (said: string) => services.every((t) => t.words.test(said));
    const intentNamesServices = (name: string | null | undefined) =>
      services.every((t) => !!name && !!servicesOfIntent.get(name)?.has(t.name));
    const notOffered = services.filter((t) => !servicesOfShop.has(t.name));
    if (notOffered.length) {
      const covered = await coveredPartAnswered(context, text, notOffered, storyOf);
      if (covered) return covered;
      evidence.unnamedServices = notOffered.map((t) => t.name);
      return noAnswer();
    }
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
    // A tapped option is searched with the question it was offered for: the widget sends the option's label as the
    // text ("退货政策", "Where is my order?"), and the label's words found the article's general section (the 30-day
    // window) instead of the one for what was asked ("吊牌已经剪掉了，还可以退吗": the condition items must be in).
    const picked = /^(?:intent|article):/.test(context.quickReply ?? '') ? questionClarified(context.history, lang) : undefined;
    const searched = picked ?? question;
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
    // Right after a product's answer, a short question of nothing but one of a product's facts ("有黑色的吗", "does it come in
    // olive?") is about that product even when its page does not say: an article found by the fact's word is no answer
    // ("有黑色的吗" after "充电宝多少钱" was answered from the contact article's 黑色星期五). Unanswered, it reaches the list.
    const onlyFactWords = (words: string[]) => words.length > 0 && words.every((w) => isQuestionWord(w) || asksFactTopic(w));
    if (answered && !context.quickReply && isShort(text) && asksFactTopic(text) && onlyFactWords(tokenize(withoutGreeting(text)))) {
      const named = await productMatch();
      if (!named || named.record.id === answered.id) return noAnswer();
    }

    // 2. A quick reply from an earlier clarify names its choice exactly.
    // A bare greeting ("hello there", "你好，在吗") is the greeting intent's, whatever else its few words resemble:
    // the classifier spreads a two-word message over every intent with "there" or "you" in an example.
    const chosenIntent = context.quickReply?.startsWith('intent:') ? intents.get(context.quickReply.slice(7))
      : isBareGreeting(text) ? intents.get(GREETING_INTENT) : undefined;
    const chosenArticle = context.quickReply?.startsWith('article:') ? context.quickReply.slice(8) : undefined;
    if (chosenArticle) {
      const [p] = [...await search(searched, lang, 1, chosenArticle), ...await search(question, lang, 1, chosenArticle)];
      if (p) return make('answer', 'answer', 'kb_passage', passageReply(p, lang), { intent: null, confidence: p.confidence, articles: [articleRef(p)], askHelpful: true });
    }

    // 3. Classify; an order number always means the order-status action.
    const classifiedNow = chosenIntent
      ? { intent: chosenIntent.name, confidence: 1, outOfScope: false, alternatives: [] }
      : classified !== undefined ? classified : await classify(question);
    fault = chosenIntent ? null : faultShowed(text);
    if (fault) evidence.fault = fault;
    // The wrong item, size or colour sent is the damaged-or-wrong-item intent's too, like a fault on arrival: "ordered the
    // sweater in navy and you sent me a charcoal one" is no question about the sweater (its page covered most of the words).
    arrivedWrong = fault === 'arrival' || (!chosenIntent && sentWrongItem(text));
    // Tracking that says delivered, and no parcel ("the tracking says my box was delivered yesterday … nothing at the door
    // and the front desk has nothing either. what do i do now"): the order intent's, however the story spreads the
    // classifier (it read a missing item, 0.36, as much as tracking, 0.34).
    // A confident other intent stands, as for a fault on arrival ("My return shows as delivered to you but I still haven't
    // got a penny back" is the refund's), unless tracking is its next reading: "parcel says delivered but i never got it!!"
    // read as a failed payment (0.66, tracking next) is a guess.
    const trackingNext = classifiedNow?.alternatives[0]?.intent === trackingIntent;
    missingParcel = !chosenIntent && !arrivedWrong && !!trackingIntent && saysDeliveredNotReceived(text)
      && (trackingNext || !sureOfAnother(classifiedNow, [trackingIntent!]));
    const read = arrivedWrong ? arrivedFaulty(classifiedNow) : missingParcel ? readAs(trackingIntent!, classifiedNow) : classifiedNow;
    // The classifier is not trusted with a service its intent never names: "showroom address" is no address change.
    const prediction = services.length && read && !chosenIntent && !intentNamesServices(read.intent)
      ? { ...read, outOfScope: true, alternatives: read.alternatives.filter((a) => intentNamesServices(a.intent)) }
      : read;
    evidence.prediction = prediction;
    const intent = prediction && !prediction.outOfScope && prediction.intent ? intents.get(prediction.intent) : undefined;
    const confident = !!intent && prediction!.confidence >= thresholds.intent;
    if (confident) confidentArticle = intent!.articleSlug ?? undefined;
    intentSure = confident;
    // A message that says only that something is faulty ("it's not working", "not working") names no topic: when the
    // classifier makes another topic of its words (the password intent, 0.59–0.76), it is asked about as "it doesn't
    // work" is. A fault reading stays as it was ("broken" and "东西坏了" are answered from the damaged-item article).
    const faultReading = prediction?.intent === DAMAGED_INTENT || prediction?.intent === WARRANTY_INTENT;
    if (!chosenIntent && !faultReading && namesOnlyFault(text)) {
      const whenBroken = askWhenBroken(null);
      if (whenBroken) return whenBroken;
    }

    /**
     * The readings to offer as quick replies (the intents the classifier leans to, then the passages found), as a
     * clarification, or null when there are none; `note` goes before the question. A second clarification in a row (the
     * shopper typed instead of picking) is marked a miss.
     */
    const readingsOf = (passages: Passage[], note?: string): Decision | null => {
      const options: QuickReply[] = [];
      const seen = new Set<string>();
      for (const alt of [...(prediction && prediction.intent && !prediction.outOfScope ? [{ intent: prediction.intent, confidence: prediction.confidence }] : []), ...(prediction?.alternatives ?? [])]) {
        const config = intents.get(alt.intent);
        if (!config || seen.has(alt.intent) || alt.confidence < thresholds.intentOption) continue;
        if (!config.answer[lang] && !config.action && !config.articleSlug) continue;
        seen.add(alt.intent);
        options.push({ label: config.label[lang] ?? config.label.en ?? alt.intent, value: `intent:${alt.intent}` });
        if (!config.articleSlug) continue;
        // Picking the intent already leads to its article: offering both would be one answer under two labels. Not so
        // for an intent that runs an action: picking "Where is my order?" shows the shopper's orders or asks them to sign
        // in, and the article's passage the search found ("Marked as delivered but not received") would be lost. That
        // article is offered beside it, when the search found it at all.
        const ownPassage = config.action ? passages.find((p) => p.slug === config.articleSlug && p.confidence >= RANKED_FIRST_MIN_CONFIDENCE) : undefined;
        if (ownPassage && !seen.has(`article:${ownPassage.slug}`)) options.push({ label: ownPassage.title, value: `article:${ownPassage.slug}` });
        seen.add(`article:${config.articleSlug}`);
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

    /**
     * The answer for a clarification that offers a single reading, the intent the classifier leans to (see step 5): its
     * article's section for the question, or null when the options are more than one, or the lean too weak, or the intent
     * acts, hands off or has an answer of its own, or the search ranks another article first, or no section of its
     * article covers enough of the question.
     */
    const loneReading = async (readings: Decision | null, passages: Passage[]): Promise<Decision | null> => {
      const picks = readings?.quickReplies.filter((q) => q.value !== 'handoff') ?? [];
      if (!intent?.articleSlug || picks.length !== 1 || picks[0].value !== `intent:${intent.name}`) return null;
      // The search agrees: the intent's article is the first it found (a question about paying more for a faster delivery
      // leans to payment methods for its "pay", while the search finds the delivery times first).
      if (passages[0]?.slug !== intent.articleSlug) return null;
      if (prediction!.confidence < LONE_READING_LEAN || intent.action || intent.answer[lang] || HANDOFF_INTENTS.has(intent.name)) return null;
      const [own] = await search(searched, lang, 1, intent.articleSlug);
      if (!own || own.confidence < RANKED_FIRST_MIN_CONFIDENCE) return null;
      const whenBroken = askWhenBroken(own);
      if (whenBroken) return whenBroken;
      const p = await quoted(own);
      evidence.passages = [passageEvidence(p), ...evidence.passages.filter((other) => other.slug !== p.slug)];
      return make('answer', 'answer', 'intent', passageReply(p, lang), { articles: [articleRef(p)], askHelpful: true });
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
          // A shopper who picked "Where is my order?" for their question gets the article's section for it, if it says
          // anything to it ("my package says delivered but its not here …": the section on parcels marked delivered).
          const own = confident && intent!.articleSlug ? (await search(searched, lang, 1, intent!.articleSlug))[0] : undefined;
          // So does one who says the tracking shows delivered and nothing came: the section for that is the answer, however
          // little of a long story it covers.
          const ownAnswers = !!own && own.confidence >= (picked || missingParcel ? RANKED_FIRST_MIN_CONFIDENCE : thresholds.passage);
          const p = own && ownAnswers ? own : (await search(question, lang, 1))[0];
          // Another article answers only when it is about what is asked, a word of the question in its title or the
          // section's heading: "where is my order", once a shop had replaced the demo articles, was answered from its
          // shipping costs ("Orders over $40 ship free"), "order" the one word of the question any passage could count.
          if (p && (p === own ? ownAnswers : p.confidence >= thresholds.passage && headedBy(p, question))) {
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
          && intents.get(alt.intent)?.action === 'order_status');
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
      const typed = intent!.answer[lang];
      return { ...make('handoff', 'handoff', 'intent_action', typed || (upset ? T.handoffUpset : T.handoffPerson)[lang]), ...(typed ? { typedAnswer: true } : {}) };
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
      const [own] = [...await search(searched, lang, 1, intent!.articleSlug), ...await search(question, lang, 1, intent!.articleSlug)];
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
        && headingShare(other, question) > Math.max(...(deps.index?.sectionHeadings(own.articleId) ?? []).map((heading) => headingShare({ title: heading, heading: '' }, question)))
        // As for coverage, a heading does not decide when the own article has a word of the question the other has nowhere:
        // "退货显示已签收了，怎么还没收到退款？" tells the tracking heading's story (显示已签收…没收到) of a return (退货), and asks
        // the refund question the classifier is sure of.
        && !hasWordOtherLacks(question, intent!.articleSlug, other.slug);
      // The own article may cover a word only because its intent's examples say it (a size_help example names shoes, so
      // the clothing guide covered "which shoe size should I order if I'm between sizes" better than the shoe guide):
      // another article that the search ranks first, that could answer by itself and that says that word is the answer.
      const namedOnlyInExamples = !!other && !!own && ranked[0]?.slug === other.slug && other.confidence >= thresholds.passage
        && saysWordOwnOnlyExemplifies(question, other.slug, intent!.articleSlug);
      // The shopper who picked the intent from options has said which article it is. So has one who says the item arrived
      // faulty or wrong: the rest of the words describe the item ("instead of the black hoodie i ordered there's a white
      // t-shirt inside" is all washing words to the care article).
      const betterElsewhere = !picked && !arrivedWrong && (coversMore || rankedFirst || headedMore || namedOnlyInExamples);
      const chosen = betterElsewhere ? other : own;
      const whenBroken = chosen && askWhenBroken(chosen);
      if (whenBroken) return whenBroken;
      const p = chosen && (await quoted(chosen));
      // A product the question names ("does the tote fit a 15-inch laptop" reads as a size question) is answered
      // from its page when that page covers clearly more of the question than the article would.
      const product = await productMatch();
      // So is a question of nothing but a product's name and one of its facts ("power bank 多重" is a warranty question
      // to the classifier, which reads little in an English name among Chinese words).
      // Not the page of an item that arrived faulty or wrong: the shopper reports it, and asks nothing of its facts.
      if (product && !arrivedWrong && (product.passage.confidence >= (p?.confidence ?? 0) + PRODUCT_MARGIN || product.onlyFact)) return productAnswer(product);
      if (p) {
        evidence.passages = [passageEvidence(p)];
        return make('answer', 'answer', 'intent', passageReply(p, lang), { articles: [articleRef(p)], askHelpful: true });
      }
    }
    if (confident && intent!.answer[lang]) {
      let articles: ArticleRef[] = [];
      let reply = intent!.answer[lang]!;
      if (intent!.articleSlug) {
        const [p] = await search(searched, lang, 1, intent!.articleSlug);
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
    // So does a tie between the two, when the lean is more than half the classifier's belief ("is the return label free?":
    // the label section and the return costs section both say it, and the classifier gives the return rules 0.51). A
    // weaker lean is no reason to pick ("退货面单是免费的吗？" leans 0.42 to starting a return): the shopper picks.
    // Not for a question cut from a story: the lean is the question's alone, and the story may change the answer ("我在加拿大，
    // 退货面单免费吗？": the label is free only in the US).
    const leaningTies = !!leaning && tie && leaning === runnerUp && leaning.confidence >= top.confidence
      && prediction!.confidence > TIE_LEAN && storyOf === undefined;
    if (leaning && leaning !== top && top.confidence >= thresholds.passage && (leaning.confidence > top.confidence || leaningTies)) {
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
    // "Which of these do you mean?" with one reading to pick is no question: the classifier leans to one intent and to
    // nothing else, and no other article is found ("刷卡一直被拒绝，可是额度明明还够", "退款大概几天会到账": the shopper could
    // only tap the one option or ask for a person). Its article answers, when a section of it says something to the question.
    const lone = await loneReading(readings, passages);
    if (lone) return lone;
    // A story offered only articles to pick from, one of which the question at its end answers by itself ("We're moving
    // to Canada next month … Would you deliver there, and would I pay import fees?": the customs section): that answer,
    // rather than the shopper picking what the bot already found.
    const onlyArticles = !!readings && readings.quickReplies.every((q) => q.value === 'handoff' || q.value.startsWith('article:'));
    const storyEnd = onlyArticles && storyOf === undefined && !context.quickReply ? questionAtEnd(withoutGreeting(text)) : null;
    if (readings && storyEnd) {
      const fromEnd = await decide(context, storyEnd, text);
      const offered = (slug: string) => readings.quickReplies.some((q) => q.value === `article:${slug}`);
      if (fromEnd.action === 'answer' && fromEnd.metadata.articles?.some((a) => offered(a.slug))) return fromEnd;
    }
    // So for a shorter message that tells something before it asks ("衣服寄回去好几天了，退款什么时候能到": the parcel sent
    // back leans the classifier to shipping, and the refunds were offered beside it): the asking clause alone, when it is
    // answered from an article the options offer, itself or as an offered intent's. Only one of the readings offered: the
    // clause alone can be surer than it should ("但是拉链坏了，怎么办"), and the options hold the reading it must agree with.
    // A clause that tells what the shopper wants ("…and I want my money back") is no question to choose by.
    const askedLast = readings && !storyEnd && storyOf === undefined && !context.quickReply ? askingClause(withoutGreeting(text)) : null;
    if (readings && askedLast && asksSomething(askedLast)) {
      const fromClause = await decide(context, askedLast, text);
      const offered = (slug: string) => readings.quickReplies.some((q) => q.value === `article:${slug}`
        || (q.value.startsWith('intent:') && intents.get(q.value.slice(7))?.articleSlug === slug));
      const chosen = fromClause.action === 'answer' ? fromClause.metadata.articles?.find((a) => offered(a.slug)) : undefined;
      // The clause chose the article; the whole message chooses its section ("我想退貨，但是吊牌已經剪掉了，還可以退嗎": the
      // condition clothing must be in, where "还可以退吗" alone found the note on opened gadgets).
      const [section] = chosen ? await search(searched, lang, 1, chosen.slug) : [];
      if (section && section.confidence >= RANKED_FIRST_MIN_CONFIDENCE) {
        const p = await quoted(section);
        evidence.passages = [passageEvidence(p), ...evidence.passages.filter((other) => other.slug !== p.slug)];
        return make('answer', 'answer', 'kb_passage', passageReply(p, lang), { articles: [articleRef(p)], askHelpful: true, confidence: p.confidence });
      }
      if (chosen) return fromClause;
    }
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

    // 6b. Two questions in one message ("你们客服电话是多少？周末打得通吗") that found nothing together: the first of them that
    // is answered on its own, its words no longer thinned out by the other's.
    const questions = storyOf === undefined && !context.quickReply ? separateQuestions(withoutGreeting(text)) : null;
    for (const one of questions ?? []) {
      const fromOne = await decide(context, one, text);
      if (fromOne.action === 'answer' && (fromOne.metadata.articles?.length || fromOne.metadata.products?.length)) return fromOne;
    }

    // 7. Nothing: say so and offer a person; the second miss in a row hands off.
    return noAnswer();
  }

  return {
    decide: async (context: DecideContext, text: string) => withOtherQuestionsUnanswered(context, text, await decide(context, text)),
    thresholds,
  };
}

export type Policy = ReturnType<typeof createPolicy>;
