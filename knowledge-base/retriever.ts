// The knowledge-base retriever: published articles chunked by heading, ranked
// by BM25 over bilingual tokens and, when a real sentence encoder is loaded,
// by cosine similarity too; the two rankings are fused with reciprocal rank
// fusion (RRF), which needs no score calibration between the two.
import { chunkArticle, markdownToText, snippet } from './markdown.ts';

export type Tokenize = (text: string) => string[];

/** A sentence encoder giving normalised vectors (the transformers.js path). */
export interface DenseEncoder {
  readonly name: string;
  embed(texts: string[]): Promise<ArrayLike<number>[]>;
}

export interface ArticleInput {
  id: number;
  slug: string;
  locale: string;
  title: string;
  category?: string;
  /** Markdown body. */
  body: string;
  version?: number;
}

export interface ChunkInput {
  articleId: number;
  slug: string;
  locale: string;
  title: string;
  category: string;
  heading: string;
  position: number;
  /** Section Markdown. */
  text: string;
}

export interface Passage {
  articleId: number;
  slug: string;
  title: string;
  heading: string;
  locale: string;
  category: string;
  snippet: string;
  /** Plain text of the whole section (what the bot quotes). */
  text: string;
  /** Ranking score: BM25 when lexical only, RRF of both rankings when dense is on. */
  score: number;
  /** How well the passage matches, 0..1: share of the query's IDF mass found (and cosine when dense). Used for thresholds. */
  confidence: number;
}

export interface SearchOptions {
  locale?: string;
  /** Only sections of this article (its best section for the query). */
  slug?: string;
}

const K1 = 1.2;
const B = 0.75;
const RRF_K = 60;
const TITLE_WEIGHT = 2; // title and heading words count double: they say what a section is about

interface IndexedChunk extends ChunkInput {
  plain: string;
  termFreq: Map<string, number>;
  length: number;
  vector?: Float32Array;
}

/** Splits articles into the chunks the index holds (also what the kb-index job stores). */
export function chunksOf(article: ArticleInput): ChunkInput[] {
  return chunkArticle(article.title, article.body).map((c) => ({
    articleId: article.id,
    slug: article.slug,
    locale: article.locale,
    title: article.title,
    category: article.category ?? 'general',
    heading: c.heading,
    position: c.position,
    text: c.text,
  }));
}

export class KbIndex {
  private readonly docFreq = new Map<string, number>();
  private readonly avgLength: number;

  private constructor(
    private readonly chunks: IndexedChunk[],
    private readonly tokenize: Tokenize,
    private readonly encoder: DenseEncoder | null,
    readonly builtAt: Date,
  ) {
    for (const chunk of chunks) for (const term of chunk.termFreq.keys()) this.docFreq.set(term, (this.docFreq.get(term) ?? 0) + 1);
    this.avgLength = chunks.reduce((sum, c) => sum + c.length, 0) / Math.max(1, chunks.length);
  }

  static async build(chunks: ChunkInput[], options: { tokenize: Tokenize; encoder?: DenseEncoder | null }): Promise<KbIndex> {
    const indexed: IndexedChunk[] = chunks.map((chunk) => {
      const plain = markdownToText(chunk.text);
      const termFreq = new Map<string, number>();
      const add = (terms: string[], weight: number) => terms.forEach((t) => termFreq.set(t, (termFreq.get(t) ?? 0) + weight));
      add(options.tokenize(chunk.title), TITLE_WEIGHT);
      if (chunk.heading !== chunk.title) add(options.tokenize(chunk.heading), TITLE_WEIGHT);
      add(options.tokenize(plain), 1);
      let length = 0;
      for (const n of termFreq.values()) length += n;
      return { ...chunk, plain, termFreq, length };
    });
    const encoder = options.encoder ?? null;
    if (encoder && indexed.length) {
      const batch = 32;
      for (let i = 0; i < indexed.length; i += batch) {
        const slice = indexed.slice(i, i + batch);
        const vectors = await encoder.embed(slice.map((c) => `${c.title}. ${c.heading}. ${c.plain}`.slice(0, 2000)));
        slice.forEach((c, j) => (c.vector = Float32Array.from(vectors[j])));
      }
    }
    return new KbIndex(indexed, options.tokenize, encoder, new Date());
  }

  static async fromArticles(articles: ArticleInput[], options: { tokenize: Tokenize; encoder?: DenseEncoder | null }): Promise<KbIndex> {
    return KbIndex.build(articles.flatMap(chunksOf), options);
  }

  get size(): number {
    return this.chunks.length;
  }

  get articleCount(): number {
    return new Set(this.chunks.map((c) => c.articleId)).size;
  }

  get encoderName(): string {
    return this.encoder ? `bm25+${this.encoder.name}` : 'bm25';
  }

  private idf(term: string): number {
    const n = this.docFreq.get(term) ?? 0;
    return Math.log(1 + (this.chunks.length - n + 0.5) / (n + 0.5));
  }

  /** Ranked passages, best first, at most one per article (its best section). */
  async search(query: string, k = 5, options: SearchOptions = {}): Promise<Passage[]> {
    const terms = [...new Set(this.tokenize(query))];
    const candidates = this.chunks.filter((c) => (!options.locale || c.locale === options.locale) && (!options.slug || c.slug === options.slug));
    if (!candidates.length || (!terms.length && !options.slug)) return [];

    const idfs = new Map(terms.map((t) => [t, this.idf(t)]));
    const idfMass = [...idfs.values()].reduce((a, b) => a + b, 0) || 1;
    const lexical = new Map<IndexedChunk, { bm25: number; coverage: number }>();
    for (const chunk of candidates) {
      let bm25 = 0;
      let found = 0;
      for (const term of terms) {
        const tf = chunk.termFreq.get(term);
        if (!tf) continue;
        const idf = idfs.get(term)!;
        found += idf;
        bm25 += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * chunk.length) / this.avgLength));
      }
      if (bm25 > 0) lexical.set(chunk, { bm25, coverage: found / idfMass });
    }

    let cosines: Map<IndexedChunk, number> | null = null;
    if (this.encoder) {
      const [queryVector] = await this.encoder.embed([query]);
      cosines = new Map();
      for (const chunk of candidates) if (chunk.vector) cosines.set(chunk, dot(queryVector, chunk.vector));
    }

    const scored = new Map<IndexedChunk, { score: number; confidence: number }>();
    if (!cosines) {
      for (const [chunk, s] of lexical) scored.set(chunk, { score: s.bm25, confidence: s.coverage });
    } else {
      const lexicalRank = rankOf([...lexical].map(([c, s]) => [c, s.bm25]));
      const denseRank = rankOf([...cosines].filter(([, cos]) => cos > 0).map(([c, cos]) => [c, cos]));
      for (const chunk of new Set([...lexicalRank.keys(), ...denseRank.keys()])) {
        const lr = lexicalRank.get(chunk);
        const dr = denseRank.get(chunk);
        const score = (lr ? 1 / (RRF_K + lr) : 0) + (dr ? 1 / (RRF_K + dr) : 0);
        const coverage = lexical.get(chunk)?.coverage ?? 0;
        const cosine = Math.max(0, cosines.get(chunk) ?? 0);
        scored.set(chunk, { score, confidence: (coverage + cosine) / 2 });
      }
    }

    if (options.slug && scored.size === 0) {
      // Asked for one article's best section but no word matched: its opening section still answers "show me that article".
      const first = candidates.reduce<IndexedChunk | undefined>((a, c) => (!a || c.position < a.position ? c : a), undefined);
      if (first) scored.set(first, { score: 0, confidence: 0 });
    }

    const bestPerArticle = new Map<number, { chunk: IndexedChunk; score: number; confidence: number }>();
    for (const [chunk, s] of scored) {
      const best = bestPerArticle.get(chunk.articleId);
      if (!best || s.score > best.score) bestPerArticle.set(chunk.articleId, { chunk, ...s });
    }
    return [...bestPerArticle.values()]
      .sort((a, b) => b.score - a.score || b.confidence - a.confidence)
      .slice(0, k)
      .map(({ chunk, score, confidence }) => ({
        articleId: chunk.articleId,
        slug: chunk.slug,
        title: chunk.title,
        heading: chunk.heading,
        locale: chunk.locale,
        category: chunk.category,
        snippet: snippet(chunk.plain),
        text: chunk.plain,
        score: round(score),
        confidence: round(Math.min(1, confidence)),
      }));
  }
}

function rankOf(entries: [IndexedChunk, number][]): Map<IndexedChunk, number> {
  entries.sort((a, b) => b[1] - a[1]);
  return new Map(entries.map(([chunk], i) => [chunk, i + 1]));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += a[i] * b[i];
  return sum;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
