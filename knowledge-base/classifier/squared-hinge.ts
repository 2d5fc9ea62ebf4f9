// One-vs-rest linear SVM (squared hinge loss, L2) on sparse features, trained
// with SGD in the same feature-major layout as the softmax model.
//
// Why it exists: summing its class scores onto the logistic-regression logits
// (a product of the two experts, see combineLinearModels) was more accurate on
// held-out BANKING77 training data than either model alone, and because both
// are linear the sum is again one weight matrix, so classifying costs nothing
// extra. The hinge loss only updates classes whose margin is violated, so it
// trains in about a third of the softmax time.
import type { FeatureVector } from '../encoders/types.ts';
import { trainLinearSgd, type SgdOptions, type SoftmaxModel } from './softmax.ts';

export type SquaredHingeOptions = SgdOptions;

// Chosen on a stratified 80/20 split of BANKING77 train.csv (never on test.csv).
export const DEFAULT_SQUARED_HINGE_OPTIONS: SquaredHingeOptions = { epochs: 8, lambda: 3e-5, learningRate: 0.2, seed: 1 };

export function trainSquaredHinge(
  examples: FeatureVector[],
  labels: Int32Array,
  numFeatures: number,
  numClasses: number,
  partial: Partial<SquaredHingeOptions> = {},
): SoftmaxModel {
  const options = { ...DEFAULT_SQUARED_HINGE_OPTIONS, ...partial };
  return trainLinearSgd(examples, labels, numFeatures, numClasses, options, (scores, y, gradient, violated) => {
    // d/ds max(0, 1 - t s)^2 = -2 t (1 - t s) while the margin is violated, else 0.
    let count = 0;
    for (let c = 0; c < numClasses; c++) {
      const t = c === y ? 1 : -1;
      const slack = 1 - t * scores[c];
      if (slack > 0) {
        gradient[c] = -2 * t * slack;
        violated[count++] = c;
      } else {
        gradient[c] = 0;
      }
    }
    return count;
  });
}

/** base + weight * extra, as one linear model (logits add, so softmax of the sum is the product of experts). */
export function combineLinearModels(base: SoftmaxModel, extra: SoftmaxModel, weight: number): SoftmaxModel {
  if (base.numFeatures !== extra.numFeatures || base.numClasses !== extra.numClasses) {
    throw new Error('cannot combine linear models of different shapes');
  }
  const weights = new Float32Array(base.weights.length);
  for (let i = 0; i < weights.length; i++) weights[i] = base.weights[i] + weight * extra.weights[i];
  const bias = new Float32Array(base.bias.length);
  for (let c = 0; c < bias.length; c++) bias[c] = base.bias[c] + weight * extra.bias[c];
  return { numFeatures: base.numFeatures, numClasses: base.numClasses, weights, bias };
}
