// Lexical encoder: TF-IDF over stemmed bilingual words and character 3-5-grams.
// Word bigrams are off by default (wordMaxN 1): the character grams already
// span word boundaries, and on a held-out split of BANKING77 train.csv dropping
// the bigrams gained ~1.4 points 10-shot and did not cost full-data accuracy.
// Chinese word pairs stay (see features()). A vocabulary (not feature hashing) because it keeps the weight
// matrix small: unseen n-grams cannot help a linear model anyway, and a
// hashed space would need 2^18+ rows per class to avoid collisions.
// Each block is l2-normalised on its own and weighted, so long sentences do
// not let the many character grams drown the few word grams.
import { charNgrams, tokenize } from '../text/tokenize.ts';
import type { Encoder, FeatureVector } from './types.ts';

export interface LexicalOptions {
  /** Share of the squared norm given to word n-grams (the rest goes to character n-grams). */
  wordWeight: number;
  /** Longest word n-gram (1 = unigrams only; see the note on top). */
  wordMaxN: number;
  charMin: number;
  charMax: number;
  /** Ignore n-grams seen in fewer documents; 0 = automatic (1 for small sets, 2 from 5,000 texts). */
  minDf: number;
}

export const DEFAULT_LEXICAL_OPTIONS: LexicalOptions = { wordWeight: 0.4, wordMaxN: 1, charMin: 3, charMax: 5, minDf: 0 };

export interface LexicalEncoderJSON {
  type: 'lexical';
  options: LexicalOptions;
  terms: string[];
  idf: number[];
}

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;

/** Raw feature strings of one text, word grams prefixed "w", char grams "c" so both share one vocabulary. */
function features(text: string, options: LexicalOptions): { words: string[]; chars: string[] } {
  const tokens = tokenize(text, { dropStopWords: false });
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let gram = tokens[i];
    words.push(`w${gram}`);
    for (let n = 2; n <= options.wordMaxN && i + n <= tokens.length; n++) {
      gram += ` ${tokens[i + n - 1]}`;
      words.push(`w${gram}`);
    }
    // Chinese word pairs are kept even with wordMaxN 1: jieba cuts the same phrase differently from
    // sentence to sentence, and without the pairs a question about something else entirely that shares
    // one common word ("给我讲个笑话" vs "给我查订单") looked confident enough to be accepted.
    if (options.wordMaxN < 2 && i + 1 < tokens.length && CJK.test(tokens[i]) && CJK.test(tokens[i + 1])) {
      words.push(`w${tokens[i]} ${tokens[i + 1]}`);
    }
  }
  const chars = charNgrams(text, options.charMin, options.charMax).map((g) => `c${g}`);
  return { words, chars };
}

export class LexicalEncoder implements Encoder {
  readonly name = 'lexical';
  readonly kind = 'sparse' as const;
  private readonly vocabulary: Map<string, number>;
  private readonly maxIdf: number;

  private constructor(
    readonly options: LexicalOptions,
    private readonly terms: string[],
    private readonly idf: Float32Array,
  ) {
    this.vocabulary = new Map(terms.map((t, i) => [t, i]));
    this.maxIdf = idf.reduce((m, v) => Math.max(m, v), 1);
  }

  get dim(): number {
    return this.terms.length;
  }

  /** Learns the vocabulary and IDF weights from the training texts. */
  static fit(texts: string[], partial: Partial<LexicalOptions> = {}): LexicalEncoder {
    const options = { ...DEFAULT_LEXICAL_OPTIONS, ...partial };
    const minDf = options.minDf > 0 ? options.minDf : texts.length >= 5000 ? 2 : 1;
    const df = new Map<string, number>();
    for (const text of texts) {
      const { words, chars } = features(text, options);
      for (const f of new Set([...words, ...chars])) df.set(f, (df.get(f) ?? 0) + 1);
    }
    const terms: string[] = [];
    const idf: number[] = [];
    for (const [term, count] of df) {
      if (count < minDf) continue;
      terms.push(term);
      idf.push(Math.log((1 + texts.length) / (1 + count)) + 1);
    }
    return new LexicalEncoder(options, terms, Float32Array.from(idf));
  }

  static fromJSON(json: LexicalEncoderJSON): LexicalEncoder {
    if (json?.type !== 'lexical' || !Array.isArray(json.terms) || json.terms.length !== json.idf?.length) {
      throw new Error('invalid lexical encoder data');
    }
    // Models stored before wordMaxN existed were built with word bigrams; keep encoding them that way.
    const options = { ...DEFAULT_LEXICAL_OPTIONS, ...json.options, wordMaxN: json.options?.wordMaxN ?? 2 };
    return new LexicalEncoder(options, json.terms, Float32Array.from(json.idf));
  }

  toJSON(): LexicalEncoderJSON {
    return { type: 'lexical', options: this.options, terms: this.terms, idf: Array.from(this.idf) };
  }

  encodeOne(text: string): FeatureVector {
    const { words, chars } = features(text, this.options);
    const wordPart = this.block(words, Math.sqrt(this.options.wordWeight));
    const charPart = this.block(chars, Math.sqrt(1 - this.options.wordWeight));
    const merged = new Map([...wordPart, ...charPart]);
    const indices = Int32Array.from(merged.keys()).sort();
    const values = new Float32Array(indices.length);
    for (let i = 0; i < indices.length; i++) values[i] = merged.get(indices[i])!;
    return { indices, values };
  }

  async encode(texts: string[]): Promise<FeatureVector[]> {
    return texts.map((t) => this.encodeOne(t));
  }

  /** Sublinear TF-IDF of one feature block, l2-normalised and scaled to `scale`. */
  private block(grams: string[], scale: number): Map<number, number> {
    const tf = new Map<number, number>();
    const unknown = new Map<string, number>();
    for (const g of grams) {
      const id = this.vocabulary.get(g);
      if (id !== undefined) tf.set(id, (tf.get(id) ?? 0) + 1);
      else unknown.set(g, (unknown.get(g) ?? 0) + 1);
    }
    // N-grams never seen in training still count towards the norm (at the highest IDF): a sentence made
    // mostly of unknown words keeps a short vector, so the classifier is less sure about it. Normalising
    // over known grams only would make "what is the capital of mongolia" look as confident as a real question.
    let norm = 0;
    for (const count of unknown.values()) norm += ((1 + Math.log(count)) * this.maxIdf) ** 2;
    for (const [id, count] of tf) {
      const w = (1 + Math.log(count)) * this.idf[id];
      tf.set(id, w);
      norm += w * w;
    }
    if (norm > 0) {
      const k = scale / Math.sqrt(norm);
      for (const [id, w] of tf) tf.set(id, w * k);
    }
    return tf;
  }
}
