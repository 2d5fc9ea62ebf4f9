// Multinomial logistic regression on sparse features, trained with plain SGD.
//
// Why this is fast in plain JS: weights are stored feature-major (row f holds
// the C class weights of feature f), so an example with k non-zero features
// touches k contiguous rows; L2 regularisation uses the "scale trick"
// (W = scale * V), so shrinking all weights each step costs O(1) instead of
// O(F*C). One epoch over BANKING77 (10k texts, ~200 features each, 77 classes)
// is ~150 M multiply-adds.
import type { FeatureVector } from '../encoders/types.ts';

export interface SoftmaxOptions extends SgdOptions {
  /** Weight each class by n / (C * n_c) so small intents are not drowned by large ones. */
  balanced: boolean;
}

export const DEFAULT_SOFTMAX_OPTIONS: SoftmaxOptions = {
  epochs: 8, lambda: 1e-5, learningRate: 1, seed: 1, balanced: true,
};

export interface SoftmaxModel {
  numFeatures: number;
  numClasses: number;
  /** Feature-major weights, length numFeatures * numClasses. */
  weights: Float32Array;
  bias: Float32Array;
}

/** Small deterministic PRNG (mulberry32) so training is reproducible for a given seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace<T>(items: T[] | Int32Array, random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}

/** Adds scale * (x · W) to out[c] for every class. */
function accumulateScores(x: FeatureVector, weights: Float32Array, numClasses: number, scale: number, out: Float64Array): void {
  const { indices, values } = x;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const v = values[i] * scale;
    if (v === 0) continue;
    const row = (indices === null ? i : indices[i]) * numClasses;
    for (let c = 0; c < numClasses; c++) out[c] += v * weights[row + c];
  }
}

/** In-place softmax; returns the input for chaining. */
export function softmaxInPlace(scores: Float64Array): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < scores.length; c++) if (scores[c] > max) max = scores[c];
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    scores[c] = Math.exp(scores[c] - max);
    sum += scores[c];
  }
  for (let c = 0; c < scores.length; c++) scores[c] /= sum;
  return scores;
}

export interface SgdOptions {
  epochs: number;
  /** L2 strength per example. */
  lambda: number;
  learningRate: number;
  seed: number;
}

/**
 * Fills `gradient` (all classes) with the loss gradient of one example with respect to its class scores, and
 * lists in `active` the classes worth a weight update; returns how many. `scores` may be overwritten.
 */
export type ScoreGradient = (scores: Float64Array, label: number, gradient: Float64Array, active: Int32Array) => number;

/**
 * The SGD loop shared by the linear models here: shuffled epochs, a learning rate decaying linearly to a tenth
 * (big steps early, fine-tuning late), L2 by the scale trick, and sparse updates of the active classes only.
 * The losses differ only in their ScoreGradient.
 */
export function trainLinearSgd(
  examples: FeatureVector[],
  labels: Int32Array,
  numFeatures: number,
  numClasses: number,
  options: SgdOptions,
  scoreGradient: ScoreGradient,
): SoftmaxModel {
  const C = numClasses;
  const V = new Float32Array(numFeatures * C);
  const bias = new Float32Array(C);
  const random = seededRandom(options.seed);
  const order = Int32Array.from(examples.keys());
  const scores = new Float64Array(C);
  const gradient = new Float64Array(C);
  const active = new Int32Array(C);
  const totalSteps = options.epochs * examples.length;
  let scale = 1;
  let step = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffleInPlace(order, random);
    for (const idx of order) {
      const eta = options.learningRate * (1 - 0.9 * (step / totalSteps));
      step++;
      const x = examples[idx];
      for (let c = 0; c < C; c++) scores[c] = bias[c];
      accumulateScores(x, V, C, scale, scores);
      const activeCount = scoreGradient(scores, labels[idx], gradient, active);
      scale *= 1 - eta * options.lambda;
      const stepOverScale = eta / scale;
      const { indices, values } = x;
      for (let i = 0; i < values.length; i++) {
        const g = values[i] * stepOverScale;
        if (g === 0) continue;
        const row = (indices === null ? i : indices[i]) * C;
        for (let a = 0; a < activeCount; a++) {
          const c = active[a];
          V[row + c] -= g * gradient[c];
        }
      }
      for (let c = 0; c < C; c++) bias[c] -= eta * gradient[c];
      if (scale < 1e-6) {
        for (let i = 0; i < V.length; i++) V[i] *= scale;
        scale = 1;
      }
    }
  }
  for (let i = 0; i < V.length; i++) V[i] *= scale;
  return { numFeatures, numClasses, weights: V, bias };
}

export function trainSoftmax(
  examples: FeatureVector[],
  labels: Int32Array,
  numFeatures: number,
  numClasses: number,
  partial: Partial<SoftmaxOptions> = {},
): SoftmaxModel {
  const options = { ...DEFAULT_SOFTMAX_OPTIONS, ...partial };
  const C = numClasses;
  const counts = new Float64Array(C);
  for (const y of labels) counts[y]++;
  const classWeight = new Float64Array(C).fill(1);
  if (options.balanced) {
    for (let c = 0; c < C; c++) classWeight[c] = counts[c] > 0 ? examples.length / (C * counts[c]) : 0;
  }
  return trainLinearSgd(examples, labels, numFeatures, numClasses, options, (scores, y, gradient, active) => {
    softmaxInPlace(scores);
    const w = classWeight[y];
    // Once the model fits, most classes get a near-zero gradient; updating only the
    // classes that matter makes later epochs much cheaper.
    let activeCount = 0;
    for (let c = 0; c < C; c++) {
      gradient[c] = w * (scores[c] - (c === y ? 1 : 0));
      if (Math.abs(gradient[c]) > 1e-5) active[activeCount++] = c;
    }
    return activeCount;
  });
}

/** Raw class scores (logits) of one example. */
export function logits(model: SoftmaxModel, x: FeatureVector): Float64Array {
  const out = Float64Array.from(model.bias);
  accumulateScores(x, model.weights, model.numClasses, 1, out);
  return out;
}
