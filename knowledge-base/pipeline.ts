// The brain without a database: classifier + in-memory articles + policy.
// The server's BrainResponder builds the same thing from Postgres; the NLU
// benchmark (bench/nlu.ts) uses this directly to time classify + retrieve +
// decide. Keep the signature stable: createPipeline(options) → Promise<Pipeline>.
import type { Encoder } from './encoders/types.ts';
import { l2Normalize } from './encoders/types.ts';
import { tokenize } from './text/tokenize.ts';
import { KbIndex, withCjkBigrams, type ArticleInput, type DenseEncoder, type Tokenize } from './retriever.ts';
import { createPolicy, type Decision, type DecideContext, type Policy, type Thresholds } from './policy.ts';
import type { IntentClassifierLike, IntentConfig, Locale, OrderLookup } from './types.ts';
import { productChunks, productsByPage, productSlug, type ProductCatalogue } from './products.ts';
import { isQuestionWord } from './text/question-words.ts';
import type { ProductRecord } from './repositories/products.ts';

/** An intent as written in content/intents.json or exported by the admin API. */
export interface IntentDefinition {
  name: string;
  description?: string;
  /** What a clarifying question shows the shopper for this intent, per language (default: its first example). */
  label?: Partial<Record<Locale, string>> | null;
  answer?: Partial<Record<Locale, string>> | null;
  action?: string | null;
  articleSlug?: string | null;
  /** Whether the typed answer asks "Was this helpful?" (default yes; no for a greeting or a goodbye). */
  askHelpful?: boolean;
  examples?: Partial<Record<Locale, string[]>>;
}

export interface PipelineOptions {
  classifier: IntentClassifierLike | null;
  /** Published articles to retrieve from (Markdown bodies). */
  articles: ArticleInput[];
  /** What each intent answers or does; without them only the KB and hand-off rules apply. */
  intents?: IntentDefinition[];
  /** A dense sentence encoder (transformers.js) adds cosine scores to BM25; lexical encoders are ignored here. */
  encoder?: Encoder | null;
  /** Name shown in bot metadata; defaults to the encoder's name, or "lexical". */
  encoderName?: string;
  publicUrl?: string;
  orders?: OrderLookup | null;
  /** The shop's products, searched for product questions. */
  products?: ProductRecord[];
  thresholds?: Partial<Thresholds>;
}

export interface Pipeline {
  run(text: string, context?: DecideContext): Promise<Decision>;
  readonly index: KbIndex;
  readonly policy: Policy;
}

/** A quick-reply label from a shopper's own words: "where is my refund" → "Where is my refund". */
function labelFromExample(example: string | undefined): string | undefined {
  const text = example?.trim();
  if (!text) return undefined;
  if (/[\u4e00-\u9fff]/.test(text)) return text;
  return text[0].toUpperCase() + text.slice(1);
}

/**
 * Turns intent definitions into the policy's view. Clarify labels are the admin's label, or else the first
 * example of each language; never the description, which is written for admins ("The shopper asks…").
 */
export function toIntentConfig(def: IntentDefinition): IntentConfig {
  return {
    name: def.name,
    answer: { en: def.answer?.en ?? '', zh: def.answer?.zh ?? '' },
    action: def.action ?? null,
    articleSlug: def.articleSlug ?? null,
    askHelpful: def.askHelpful ?? true,
    label: {
      en: def.label?.en?.trim() || labelFromExample(def.examples?.en?.[0]),
      zh: def.label?.zh?.trim() || labelFromExample(def.examples?.zh?.[0]),
    },
  };
}

/** Adapts a dense NLU encoder to the retriever (normalised vectors); null for sparse encoders. */
export function denseRetrievalEncoder(encoder: Encoder | null | undefined): DenseEncoder | null {
  if (!encoder || encoder.kind !== 'dense') return null;
  return {
    name: encoder.name,
    async embed(texts) {
      return (await encoder.encode(texts)).map((v) => l2Normalize(Float32Array.from(v.values)));
    },
  };
}

/** The tokenizer the retriever uses: shared bilingual words (stop words dropped) plus Chinese bigrams. */
export const retrievalTokenize: Tokenize = withCjkBigrams((text) => tokenize(text));

/** Re-exported: the retriever's callers configure their indexes with it. */
export { isQuestionWord };

/** Intent examples grouped by the article their intent links to: the retriever's document expansion. */
export function expansionsFrom(intents: readonly IntentDefinition[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const intent of intents) {
    if (!intent.articleSlug) continue;
    const list = out.get(intent.articleSlug) ?? [];
    list.push(...(intent.examples?.en ?? []), ...(intent.examples?.zh ?? []));
    out.set(intent.articleSlug, list);
  }
  return out;
}

/** In a large catalogue, words on more than this share of the products are not searched for (bench:products). */
const PRODUCT_TERM_SHARE = 0.05;

/** The products' own index, searched with the articles' tokenizer (no intent expansions: those describe articles). */
export async function productCatalogue(products: ProductRecord[], encoder: DenseEncoder | null = null): Promise<ProductCatalogue> {
  const index = await KbIndex.build(productChunks(products), {
    tokenize: retrievalTokenize, encoder, ignoreForConfidence: isQuestionWord, sectionsOnly: true, maxTermShare: PRODUCT_TERM_SHARE,
  });
  return {
    search: (query, k, locale, sku) => index.search(query, k, { locale, ...(sku ? { slug: productSlug(sku) } : {}) }),
    byId: new Map(products.map((p) => [p.id, p])),
    bySku: new Map(products.map((p) => [p.sku, p])),
    onPage: productsByPage(products),
  };
}

export async function createPipeline(options: PipelineOptions): Promise<Pipeline> {
  const dense = denseRetrievalEncoder(options.encoder);
  const definitions = options.intents ?? [];
  const index = await KbIndex.fromArticles(options.articles, { tokenize: retrievalTokenize, encoder: dense, expansions: expansionsFrom(definitions), ignoreForConfidence: isQuestionWord });
  const intents = new Map(definitions.map((i) => [i.name, toIntentConfig(i)]));
  const policy = createPolicy({
    classifier: options.classifier,
    index,
    intents,
    encoder: options.encoderName ?? options.encoder?.name ?? 'lexical',
    publicUrl: options.publicUrl ?? 'http://localhost:3000',
    orders: options.orders ?? null,
    products: options.products ? await productCatalogue(options.products, dense) : null,
    thresholds: options.thresholds,
  });
  return {
    index,
    policy,
    run: (text, context = {}) => policy.decide(context, text),
  };
}
