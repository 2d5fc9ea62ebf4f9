// The one shape every text encoder produces, so the classifier and the
// retriever can mix lexical (sparse) and sentence-embedding (dense) features.

/** A feature vector. `indices === null` means dense (values[i] is feature i). Sparse indices are ascending. */
export interface FeatureVector {
  indices: Int32Array | null;
  values: Float32Array;
}

export interface Encoder {
  /** Stable name that appears in logs and bot-message metadata, e.g. "lexical" or "transformers:Xenova/…". */
  readonly name: string;
  readonly kind: 'sparse' | 'dense';
  /** Number of features (vocabulary size for sparse, hidden size for dense). */
  readonly dim: number;
  encode(texts: string[]): Promise<FeatureVector[]>;
}

export function dotSparseDense(vector: FeatureVector, dense: Float32Array, offset = 0): number {
  let sum = 0;
  const { indices, values } = vector;
  if (indices === null) {
    for (let i = 0; i < values.length; i++) sum += values[i] * dense[offset + i];
  } else {
    for (let i = 0; i < indices.length; i++) sum += values[i] * dense[offset + indices[i]];
  }
  return sum;
}

export function l2Normalize(values: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < values.length; i++) norm += values[i] * values[i];
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < values.length; i++) values[i] *= inv;
  }
  return values;
}
