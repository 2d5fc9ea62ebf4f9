// The knowledge-base retriever: published articles chunked by heading, ranked
// by BM25 over bilingual tokens and, when a real sentence encoder is loaded,
// by cosine similarity too; the two rankings are fused with reciprocal rank
// fusion (RRF), which needs no score calibration between the two.
import { chunkArticle, markdownToText, snippet } from './markdown.ts';
import { normalizeText } from './text/normalize.ts';

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
// Weight of the dense ranking in the fusion. Below 1 because BM25 with intent-example expansion is
// measured here (~90 % hit@1 on the paraphrase set) while no real sentence model can be measured on
// these machines; with the test suite's random tiny model, equal weights halve hit@1.
const DENSE_WEIGHT = 0.5;
const TITLE_WEIGHT = 2;
const CANDIDATE_SECTIONS = 300;
/** A query carrying this many "single-document words" of IDF counts as fully informative. */
const INFORMATIVE_QUERY = 1.2;
const CANDIDATE_ARTICLES = 50; // title and heading words count double: they say what a section is about

interface TermDoc {
  termFreq: Map<string, number>;
  length: number;
}

interface ArticleDoc extends TermDoc {
  articleId: number;
  slug: string;
}

interface IndexedChunk extends ChunkInput, TermDoc {
  plain: string;
  vector?: Float32Array;
}

export interface IndexOptions {
  tokenize: Tokenize;
  encoder?: DenseEncoder | null;
  /** Extra texts per article slug (intent examples linked to the article), matched at article level. */
  expansions?: ReadonlyMap<string, readonly string[]>;
  /** Terms that rank but do not count towards a passage's confidence ("what", "how", "可以"). */
  ignoreForConfidence?: (term: string) => boolean;
  /** Every document is one section (a product): no article-level scoring on top of the section's. */
  sectionsOnly?: boolean;
  /**
   * In a corpus of 200 documents or more, a term found in more than this share of them neither ranks nor counts
   * ("cotton" in a clothing catalogue): it tells the documents apart hardly at all and costs the most to score.
   */
  maxTermShare?: number;
}

const MIN_DOCS_FOR_COMMON_TERMS = 200;

function addTerms(doc: TermDoc, terms: string[], weight: number): void {
  for (const t of terms) doc.termFreq.set(t, (doc.termFreq.get(t) ?? 0) + weight);
  doc.length += terms.length * weight;
}

const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff]{2,}/g;
const CJK_WORD = /^[\u3400-\u4dbf\u4e00-\u9fff]{2,}$/u;

/**
 * Retrieval tokens: the shared bilingual word tokens plus Chinese character
 * bigrams, which recover matches the word segmenter splits differently
 * ("寄回" inside "寄回去", "退货" vs "退回"). The bigrams are taken from the normalised text (normalize.ts), as
 * the words are, so a traditional query ("退貨") matches the simplified articles' bigrams.
 */
export function withCjkBigrams(tokenize: Tokenize): Tokenize {
  return (raw) => {
    const text = normalizeText(raw);
    const tokens = tokenize(text);
    for (const run of text.match(CJK_RUN) ?? []) {
      const chars = Array.from(run);
      for (let i = 0; i + 1 < chars.length; i++) tokens.push(`#${chars[i]}${chars[i + 1]}`);
    }
    return tokens;
  };
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
  private readonly chunkStats: CorpusStats<IndexedChunk>;
  private readonly articleStats: CorpusStats<ArticleDoc>;
  private readonly chunksByArticle = new Map<number, IndexedChunk[]>();
  private readonly termsBySlug = new Map<string, Set<string>>();
  private readonly titleTerms = new Map<number, Set<string>>();
  private readonly exampleTermsBySlug = new Map<string, Set<string>>();
  /** "slug\nlocale" → that language version's article id (an article's versions share its slug). */
  private readonly versionOf = new Map<string, number>();
  private readonly slugs = new Set<string>();

  private constructor(
    private readonly chunks: IndexedChunk[],
    articleDocs: Map<number, ArticleDoc>,
    private readonly tokenize: Tokenize,
    private readonly encoder: DenseEncoder | null,
    readonly builtAt: Date,
    private readonly ignoreForConfidence: (term: string) => boolean,
    private readonly sectionsOnly: boolean,
    private readonly maxTermShare: number,
  ) {
    this.chunkStats = corpusStats(chunks);
    this.articleStats = corpusStats([...articleDocs.values()]);
    for (const chunk of chunks) {
      const list = this.chunksByArticle.get(chunk.articleId) ?? [];
      list.push(chunk);
      this.chunksByArticle.set(chunk.articleId, list);
      this.versionOf.set(`${chunk.slug}\n${chunk.locale}`, chunk.articleId);
      this.slugs.add(chunk.slug);
    }
  }

  static async build(chunks: ChunkInput[], options: IndexOptions): Promise<KbIndex> {
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
    // Article-level documents: the whole article plus the intent examples that point at it (document
    // expansion). They let a question in shoppers' words find the right article, even across languages.
    const articleDocs = new Map<number, ArticleDoc>();
    // A sections-only index (products) scores no article level: nothing to build.
    for (const chunk of options.sectionsOnly ? [] : indexed) {
      let doc = articleDocs.get(chunk.articleId);
      if (!doc) {
        doc = { articleId: chunk.articleId, slug: chunk.slug, termFreq: new Map(), length: 0 };
        addTerms(doc, options.tokenize(chunk.title), TITLE_WEIGHT);
        for (const text of options.expansions?.get(chunk.slug) ?? []) addTerms(doc, options.tokenize(text), 1);
        articleDocs.set(chunk.articleId, doc);
      }
      addTerms(doc, options.tokenize(chunk.heading), 1);
      addTerms(doc, options.tokenize(chunk.plain), 1);
    }
    return new KbIndex(
      indexed, articleDocs, options.tokenize, encoder, new Date(), options.ignoreForConfidence ?? (() => false),
      options.sectionsOnly ?? false, options.maxTermShare ?? 1,
    );
  }

  static async fromArticles(articles: ArticleInput[], options: IndexOptions): Promise<KbIndex> {
    return KbIndex.build(articles.flatMap(chunksOf), options);
  }

  /** Whether the index has the article, in any language. */
  hasArticle(slug: string): boolean {
    return this.slugs.has(slug);
  }

  /** Every term of an article's sections (title, headings, text; not the intent examples it is expanded with). */
  articleTerms(slug: string): ReadonlySet<string> {
    let terms = this.termsBySlug.get(slug);
    if (!terms) {
      terms = new Set(this.chunks.filter((c) => c.slug === slug).flatMap((c) => [...c.termFreq.keys()]));
      this.termsBySlug.set(slug, terms);
    }
    return terms;
  }

  /** Terms an article is found by only through the intent examples it is expanded with: none of its sections has them. */
  exampleOnlyTerms(slug: string): ReadonlySet<string> {
    let terms = this.exampleTermsBySlug.get(slug);
    if (!terms) {
      const own = this.articleTerms(slug);
      terms = new Set(this.articleStats.docs.filter((d) => d.slug === slug).flatMap((d) => [...d.termFreq.keys()]).filter((t) => !own.has(t)));
      this.exampleTermsBySlug.set(slug, terms);
    }
    return terms;
  }

  /** The slugs of the articles whose title has one of these terms (as the index tokenizes titles). */
  slugsTitledWith(terms: ReadonlySet<string>): string[] {
    const slugs = new Set<string>();
    for (const [articleId, chunks] of this.chunksByArticle) {
      const title = this.titleTermsOf(articleId, chunks[0].title);
      if ([...title].some((t) => terms.has(t))) slugs.add(chunks[0].slug);
    }
    return [...slugs];
  }

  /** The title and heading of each section of one article (one language's version): "Shipping times and carriers How long …". */
  sectionHeadings(articleId: number): string[] {
    return (this.chunksByArticle.get(articleId) ?? []).map((c) => `${c.title} ${c.heading}`);
  }

  /** Whether some section (title, heading or text) of the index, or of one article when a slug is given, matches the pattern. */
  someSectionMatches(pattern: RegExp, slug?: string): boolean {
    return this.chunks.some((c) => (slug === undefined || c.slug === slug) && pattern.test(`${c.title}\n${c.heading}\n${c.plain}`));
  }

  /**
   * The article's opening section instead of the section found, when the question matched that section only on words
   * of the article's title: every section shares those, so the shortest one won on length alone ("do you have a loyalty
   * program?" got "Points for returned items" of an article titled "Loyalty program", not the opening that introduces it).
   */
  private openingWhenOnlyTitled(chunk: IndexedChunk, terms: string[]): IndexedChunk {
    const matched = terms.filter((t) => chunk.termFreq.has(t) && !this.ignoreForConfidence(t));
    if (!matched.length) return chunk;
    const title = this.titleTermsOf(chunk.articleId, chunk.title);
    if (!matched.every((t) => title.has(t))) return chunk;
    // Words of only part of the title that a section's own heading has are that section's subject ("运费多少钱": the
    // section "运费多少" of "配送时间与运费", not its opening on when parcels leave). The whole title is the article's.
    // (Chinese title terms made of matched characters, the bigram "#生优" of 学生 and 优惠, are matched too.)
    const matchedChars = new Set(Array.from(matched.join('')));
    const coveredChinese = (t: string) => Array.from(t.replace(/^#/, '')).every((c) => /[\u4e00-\u9fff]/.test(c) && matchedChars.has(c));
    const partOfTitle = [...title].some((t) => !matched.includes(t) && !coveredChinese(t) && !this.ignoreForConfidence(t));
    if (partOfTitle && chunk.heading && this.tokenize(chunk.heading).some((t) => matched.includes(t))) return chunk;
    return firstSection(this.chunksByArticle.get(chunk.articleId) ?? [], chunk) ?? chunk;
  }

  /**
   * The asked language's version of an article found only through another version's words: "size guide在哪里" matched
   * the English guide on "size guide", though the shop has the guide in Chinese, and a Chinese shopper got English.
   * Its opening section stands in (none of its sections matched, or one would have been preferred); one map lookup.
   */
  private inAskedLocale(chunk: IndexedChunk, locale: string | undefined): IndexedChunk {
    if (!locale || chunk.locale === locale) return chunk;
    const id = this.versionOf.get(`${chunk.slug}\n${locale}`);
    return (id !== undefined && firstSection(this.chunksByArticle.get(id) ?? [])) || chunk;
  }

  /** An article's title terms (as the index tokenizes titles), tokenized on first use. */
  private titleTermsOf(articleId: number, title: string): Set<string> {
    let terms = this.titleTerms.get(articleId);
    if (!terms) {
      terms = new Set(this.tokenize(title));
      this.titleTerms.set(articleId, terms);
    }
    return terms;
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

  /** Ranked passages, best first, at most one per article slug (its best section, in the asked locale when it exists). */
  async search(query: string, k = 5, options: SearchOptions = {}): Promise<Passage[]> {
    const terms = [...new Set(this.tokenize(query))];
    const inScope = options.slug ? this.chunks.filter((c) => c.slug === options.slug) : this.chunks;
    if (!inScope.length || (!terms.length && !options.slug)) return [];

    // Chunk-level and article-level BM25, each scaled to the best hit of this query, then added.
    const n = this.chunkStats.docs.length;
    const tooCommon = (term: string) =>
      this.maxTermShare < 1 && n >= MIN_DOCS_FOR_COMMON_TERMS && (this.chunkStats.postings.get(term)?.length ?? 0) > this.maxTermShare * n;
    const chunkScores = bm25All(terms.filter((t) => !tooCommon(t)), this.chunkStats, this.ignoreForConfidence, (c) => !options.slug || c.slug === options.slug);
    const articleScores = new Map<number, { bm25: number; coverage: number }>();
    if (!this.sectionsOnly) {
      for (const [doc, score] of bm25All(terms, this.articleStats, this.ignoreForConfidence, (d) => !options.slug || d.slug === options.slug)) {
        articleScores.set(doc.articleId, score);
      }
    }
    const maxChunk = Math.max(1e-9, ...[...chunkScores.values()].map((s) => s.bm25));
    const maxArticle = Math.max(1e-9, ...[...articleScores.values()].map((s) => s.bm25));
    const lexical = new Map<IndexedChunk, { bm25: number; coverage: number }>();
    // Candidates: the best sections and every section of the best articles (bounded, whatever the corpus size).
    const touched = new Set<IndexedChunk>(topKeys(chunkScores, CANDIDATE_SECTIONS));
    for (const articleId of topKeys(articleScores, CANDIDATE_ARTICLES)) for (const chunk of this.chunksByArticle.get(articleId) ?? []) touched.add(chunk);
    for (const chunk of touched) {
      const c = chunkScores.get(chunk);
      const a = articleScores.get(chunk.articleId);
      if (!c && !a) continue;
      lexical.set(chunk, {
        bm25: (c ? c.bm25 / maxChunk : 0) + (a ? a.bm25 / maxArticle : 0),
        // A section that says it all is a better quote than an article that says it somewhere.
        coverage: Math.max(c?.coverage ?? 0, (a?.coverage ?? 0) * 0.9),
      });
    }
    const candidates = inScope;

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
        const score = (lr ? 1 / (RRF_K + lr) : 0) + (dr ? DENSE_WEIGHT / (RRF_K + dr) : 0);
        const coverage = lexical.get(chunk)?.coverage ?? 0;
        const cosine = Math.max(0, cosines.get(chunk) ?? 0);
        scored.set(chunk, { score, confidence: (coverage + cosine) / 2 });
      }
    }

    if (options.slug && scored.size === 0) {
      // Asked for one article's best section but no word matched: its opening section still answers "show me that article".
      const first = firstSection(candidates);
      if (first) scored.set(first, { score: 0, confidence: 0 });
    }

    // One passage per article slug; the asked locale's version wins when it has a matching section.
    const bestPerSlug = new Map<string, { chunk: IndexedChunk; score: number; confidence: number }>();
    const preferred = (c: IndexedChunk) => (options.locale && c.locale === options.locale ? 1 : 0);
    // Only the head of the ranking can make the top k; grouping all of a large corpus is wasted work.
    const pool = [...scored].sort((a, b) => b[1].score - a[1].score).slice(0, Math.max(100, k * 20));
    for (const [chunk, s] of pool) {
      const best = bestPerSlug.get(chunk.slug);
      const better = !best || preferred(chunk) > preferred(best.chunk) || (preferred(chunk) === preferred(best.chunk) && s.score > best.score);
      if (better) bestPerSlug.set(chunk.slug, { chunk, score: Math.max(s.score, best?.score ?? 0), confidence: Math.max(s.confidence, best?.confidence ?? 0) });
      else {
        best.score = Math.max(best.score, s.score);
        best.confidence = Math.max(best.confidence, s.confidence);
      }
    }
    return [...bestPerSlug.values()]
      .sort((a, b) => b.score - a.score || b.confidence - a.confidence)
      .slice(0, k)
      .map((best) => ({ ...best, chunk: this.inAskedLocale(best.chunk, options.locale) }))
      .map((best) => ({ ...best, chunk: this.openingWhenOnlyTitled(best.chunk, terms) }))
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

/** An inverted index over one kind of document (sections or whole articles). */
interface CorpusStats<D extends TermDoc> {
  docs: D[];
  avgLength: number;
  /** term → the documents containing it, with their term frequency. */
  postings: Map<string, { doc: D; tf: number }[]>;
}

function corpusStats<D extends TermDoc>(docs: D[]): CorpusStats<D> {
  const postings = new Map<string, { doc: D; tf: number }[]>();
  for (const doc of docs) {
    for (const [term, tf] of doc.termFreq) {
      let list = postings.get(term);
      if (!list) postings.set(term, (list = []));
      list.push({ doc, tf });
    }
  }
  return { docs, avgLength: docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, docs.length), postings };
}

/**
 * BM25 of every document that contains a query term (walking postings only, so cost follows the
 * matches, not the corpus size), with the share of the query's IDF mass each contains (0..1).
 */
function bm25All<D extends TermDoc>(terms: string[], stats: CorpusStats<D>, ignore: (term: string) => boolean, accept: (doc: D) => boolean): Map<D, { bm25: number; coverage: number }> {
  const out = new Map<D, { bm25: number; coverage: number }>();
  let mass = 0;
  const n = stats.docs.length;
  // A Chinese word no document contains is usually the segmenter cutting a phrase differently from the
  // articles ("能寄到" in the question, "寄到" in the text): its character pairs count in its place.
  const replaced = new Set<string>();
  const standIns = new Set<string>();
  for (const term of terms) {
    if (ignore(term) || stats.postings.has(term) || !CJK_WORD.test(term)) continue;
    replaced.add(term);
    const chars = Array.from(term);
    for (let i = 0; i + 1 < chars.length; i++) standIns.add(`#${chars[i]}${chars[i + 1]}`);
  }
  for (const term of terms) {
    const list = stats.postings.get(term);
    const df = list?.length ?? 0;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    const counts = standIns.has(term) || (!ignore(term) && !replaced.has(term));
    if (counts) mass += idf;
    if (!list) continue;
    for (const { doc, tf } of list) {
      if (!accept(doc)) continue;
      let s = out.get(doc);
      if (!s) out.set(doc, (s = { bm25: 0, coverage: 0 }));
      s.bm25 += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / stats.avgLength));
      if (counts) s.coverage += idf;
    }
  }
  // A query of one common word ("problem", "问题") matches fully but says little: scale confidence by how much
  // the query says, measured against the IDF of a word found in a single document.
  const maxIdf = Math.log(1 + (n - 0.5) / 1.5);
  const informative = maxIdf > 0 ? Math.min(1, mass / (INFORMATIVE_QUERY * maxIdf)) : 0;
  for (const s of out.values()) s.coverage = mass > 0 ? (s.coverage / mass) * informative : 0;
  return out;
}

/** The section with the lowest position (of equal ones, `from` and then the earliest in the list). */
function firstSection(chunks: IndexedChunk[], from?: IndexedChunk): IndexedChunk | undefined {
  return chunks.reduce<IndexedChunk | undefined>((a, c) => (!a || c.position < a.position ? c : a), from);
}

function topKeys<K>(scores: Map<K, { bm25: number }>, n: number): K[] {
  const entries = [...scores];
  if (entries.length > n) entries.sort((a, b) => b[1].bm25 - a[1].bm25).length = n;
  return entries.map(([key]) => key);
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
