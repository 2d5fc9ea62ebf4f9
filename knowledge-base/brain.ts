// One server's live brain: the stored classifier, the retrieval index and the
// intents' answers, loaded from Postgres, reloaded when the kb jobs announce a
// change, and exposed as the chat loop's responder. Reloads build a new
// snapshot off to the side and swap it in at once, so a chat turn never sees
// half a brain.
import { UNANSWERED_REASONS } from './types.ts';
import type { Sql } from '../server/db/client.ts';
import type { Config } from '../server/config.ts';
import type { Responder, ResponderContext, ResponderDecision } from '../server/services/responder.ts';
import { IntentClassifier, type IntentClassifierJSON } from './nlu.ts';
import type { Encoder } from './encoders/types.ts';
import { KbIndex, type DenseEncoder, type Passage } from './retriever.ts';
import { createPolicy, type Decision, type DecideContext, type Policy, type Thresholds } from './policy.ts';
import { denseRetrievalEncoder, expansionsFrom, isQuestionWord, productCatalogue, retrievalTokenize, toIntentConfig } from './pipeline.ts';
import { intentsRepository, toDefinition } from './repositories/intents.ts';
import { articlesRepository } from './repositories/articles.ts';
import { modelsRepository } from './repositories/models.ts';
import { ordersRepository } from './repositories/orders.ts';
import { productsRepository } from './repositories/products.ts';
import type { ProductCatalogue } from './products.ts';
import { orderNumberFormat } from './order-numbers.ts';
import { unansweredRepository } from './unanswered.ts';
import { rebuildChunks } from './indexing.ts';

export interface BrainLog {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface SentenceEncoderState {
  encoder: Encoder | null;
  /** Why this encoder is (or is not) active, for the start log and the status API. */
  reason: string;
}

export interface BrainSnapshot {
  classifier: IntentClassifier | null;
  modelVersion: number | null;
  modelTrainedAt: Date | null;
  classifierEncoder: string;
  index: KbIndex;
  products: ProductCatalogue;
  productsCount: number;
  intentsCount: number;
  policy: Policy;
  loadedAt: Date;
}

/** What a reload brings in from Postgres. */
export interface ReloadWhat {
  model?: boolean;
  index?: boolean;
  products?: boolean;
}

const EMBEDDING_CACHE_LIMIT = 50_000;

function cachingEncoder(encoder: DenseEncoder | null): DenseEncoder | null {
  if (!encoder) return null;
  const cache = new Map<string, ArrayLike<number>>();
  return {
    name: encoder.name,
    async embed(texts) {
      const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
      if (missing.length) {
        const vectors = await encoder.embed(missing);
        if (cache.size + missing.length > EMBEDDING_CACHE_LIMIT) cache.clear();
        missing.forEach((t, i) => cache.set(t, vectors[i]));
      }
      return texts.map((t) => cache.get(t)!);
    },
  };
}

/** The decisions the bot could not handle become unanswered questions (the learning loop). */
const RECORDED_REASONS = new Set(UNANSWERED_REASONS);

export class BrainResponder implements Responder {
  readonly name = 'brain';

  constructor(
    readonly snapshot: BrainSnapshot,
    private readonly sql: Sql,
    private readonly log: BrainLog,
  ) {}

  async decide(context: DecideContext, text: string): Promise<Decision> {
    return this.snapshot.policy.decide(context, text);
  }

  async respond(context: ResponderContext): Promise<ResponderDecision> {
    const decision = await this.decide({
      locale: context.locale,
      customer: { id: context.customer.id, externalId: context.customer.externalId },
      quickReply: context.quickReply,
      history: context.history,
      page: context.page,
    }, context.text);
    // Recording must never cost the shopper their answer. A question answered in part (even with options) records the
    // part about a service the shop does not offer, not the whole message (policy.ts, Evidence.unansweredPart).
    const unanswered = context.quickReply ? null
      : decision.evidence.unansweredPart ? { text: decision.evidence.unansweredPart, reason: 'no_match' as const }
      : RECORDED_REASONS.has(decision.evidence.reason) ? { text: context.text, reason: decision.evidence.reason }
      : null;
    if (unanswered) {
      unansweredRepository(this.sql).record(unanswered.text, context.conversationId, { reason: unanswered.reason }).catch((err) => this.log.warn({ err }, 'could not record an unanswered question'));
    }
    return { action: decision.action, reply: decision.reply, quickReplies: decision.quickReplies, metadata: decision.metadata, ...(decision.typedAnswer ? { typedAnswer: true } : {}) };
  }
}

export class BrainHost {
  private current: BrainSnapshot | null = null;
  private reloading: Promise<void> = Promise.resolve();
  private expansionsKey = '';
  /** Section embeddings survive re-indexing: only new or edited text is encoded again. */
  private readonly cachedDense: DenseEncoder | null;

  constructor(
    private readonly sql: Sql,
    private readonly config: Config,
    private readonly log: BrainLog,
    readonly sentence: SentenceEncoderState,
    private readonly onSwap: (responder: BrainResponder) => void = () => {},
    private readonly thresholds?: Partial<Thresholds>,
  ) {
    this.cachedDense = cachingEncoder(denseRetrievalEncoder(sentence.encoder));
  }

  get snapshot(): BrainSnapshot {
    if (!this.current) throw new Error('the brain is not loaded yet');
    return this.current;
  }

  get loaded(): boolean {
    return this.current !== null;
  }

  get encoderName(): string {
    const s = this.current;
    return s ? `${s.classifierEncoder}/${s.index.encoderName}` : 'none';
  }

  responder(): BrainResponder {
    return new BrainResponder(this.snapshot, this.sql, this.log);
  }

  async search(query: string, k: number, locale?: string): Promise<Passage[]> {
    return this.snapshot.index.search(query, k, { locale });
  }

  /** Loads (or reloads) what changed; reloads are serialised so the last one wins. */
  reload(what: ReloadWhat = { model: true, index: true, products: true }): Promise<void> {
    const run = this.reloading.then(() => this.load(what));
    this.reloading = run.catch((err) => this.log.error({ err }, 'knowledge-base reload failed'));
    return run;
  }

  private async load(what: ReloadWhat): Promise<void> {
    const previous = this.current;
    const intents = await intentsRepository(this.sql).list();
    const definitions = intents.map(toDefinition);

    let classifier = previous?.classifier ?? null;
    let modelVersion = previous?.modelVersion ?? null;
    let modelTrainedAt = previous?.modelTrainedAt ?? null;
    if (what.model || !previous) {
      const row = await modelsRepository(this.sql).latest();
      if (row) {
        try {
          classifier = IntentClassifier.fromJSON(row.model as IntentClassifierJSON, { denseEncoder: this.sentence.encoder });
          modelVersion = row.version;
          modelTrainedAt = row.trained_at;
        } catch (err) {
          this.log.warn({ err, version: row.version }, 'stored intent model cannot be used on this server; keeping the previous one');
        }
      }
    }

    let index = previous?.index;
    // The expansions come from intent examples, so an intent edit that changed them rebuilds the index too.
    const expansions = expansionsFrom(definitions);
    const expansionsKey = JSON.stringify([...expansions].sort(([a], [b]) => a.localeCompare(b)));
    if (what.index || !index || expansionsKey !== this.expansionsKey) {
      const articles = articlesRepository(this.sql);
      let chunks = await articles.chunks();
      if (!chunks.length && (await articles.published()).length) {
        await rebuildChunks(this.sql); // first start: nothing indexed yet
        chunks = await articles.chunks();
      }
      index = await KbIndex.build(chunks, {
        tokenize: retrievalTokenize,
        encoder: this.cachedDense,
        expansions,
        ignoreForConfidence: isQuestionWord,
      });
      this.expansionsKey = expansionsKey;
    }

    let products = previous?.products;
    let productsCount = previous?.productsCount ?? 0;
    if (what.products || !products) {
      const records = await productsRepository(this.sql).all();
      products = await productCatalogue(records, this.cachedDense);
      productsCount = records.length;
    }

    const classifierEncoder = classifier?.encoderName ?? 'none';
    const policy = createPolicy({
      classifier,
      index,
      intents: new Map(definitions.map((d) => [d.name, toIntentConfig(d)])),
      encoder: `${classifierEncoder}/${index.encoderName}`,
      publicUrl: this.config.publicUrl,
      orders: ordersRepository(this.sql, orderNumberFormat(this.config.orderNumberPattern, this.config.orderNumberExample)),
      products,
      thresholds: this.thresholds,
    });
    this.current = { classifier, modelVersion, modelTrainedAt, classifierEncoder, index, products, productsCount, intentsCount: intents.length, policy, loadedAt: new Date() };
    this.onSwap(this.responder());
  }
}
