// How a classifier's weight matrix is stored. Weights are feature-major rows of
// one value per class; each row is kept as signed bytes with its own scale
// (largest magnitude / 127). That is about a quarter of float32's size (a
// BANKING77 model went from 12.6 MB of JSON to 3.9 MB), and every server loads
// the model from Postgres after each retraining. The rounding error is at most one
// step of the row's scale; on held-out splits of BANKING77 train.csv accuracy
// and out-of-scope rejection stayed the same (see docs/benchmarks.md).
import type { SoftmaxModel } from './softmax.ts';

export interface StoredWeights {
  /** Absent in models stored before quantisation: `weights` is then float32 little-endian. */
  weightEncoding?: 'int8-rows';
  /** base64: float32 (legacy) or int8 values, numFeatures × numClasses, feature-major. */
  weights: string;
  /** base64 float32, one per feature row (int8-rows only). */
  rowScales?: string;
}

export function encodeWeights(model: SoftmaxModel): StoredWeights {
  const { weights, numFeatures, numClasses } = model;
  const quantised = new Int8Array(weights.length);
  const scales = new Float32Array(numFeatures);
  for (let f = 0; f < numFeatures; f++) {
    const row = f * numClasses;
    let largest = 0;
    for (let c = 0; c < numClasses; c++) largest = Math.max(largest, Math.abs(weights[row + c]));
    const scale = largest / 127;
    scales[f] = scale;
    if (scale === 0) continue;
    for (let c = 0; c < numClasses; c++) {
      const w = weights[row + c];
      // Signs are kept exactly (a small weight becomes ±1 step, not 0): the out-of-scope score counts the
      // features whose weight backs an intent, and rounding them to zero would change it.
      quantised[row + c] = w > 0 ? Math.max(1, Math.round(w / scale)) : w < 0 ? Math.min(-1, Math.round(w / scale)) : 0;
    }
  }
  return {
    weightEncoding: 'int8-rows',
    weights: Buffer.from(quantised.buffer, quantised.byteOffset, quantised.byteLength).toString('base64'),
    rowScales: Buffer.from(scales.buffer, scales.byteOffset, scales.byteLength).toString('base64'),
  };
}

/** The float32 weight matrix, or null when the stored data does not have the expected shape. */
export function decodeWeights(stored: StoredWeights, numFeatures: number, numClasses: number): Float32Array | null {
  const bytes = Buffer.from(stored.weights ?? '', 'base64');
  if (stored.weightEncoding === undefined) {
    if (bytes.byteLength !== numFeatures * numClasses * 4) return null;
    const weights = new Float32Array(numFeatures * numClasses);
    new Uint8Array(weights.buffer).set(bytes);
    return weights;
  }
  if (stored.weightEncoding !== 'int8-rows') return null;
  const scaleBytes = Buffer.from(stored.rowScales ?? '', 'base64');
  if (bytes.byteLength !== numFeatures * numClasses || scaleBytes.byteLength !== numFeatures * 4) return null;
  const scales = new Float32Array(numFeatures);
  new Uint8Array(scales.buffer).set(scaleBytes);
  const quantised = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const weights = new Float32Array(numFeatures * numClasses);
  for (let f = 0; f < numFeatures; f++) {
    const row = f * numClasses;
    for (let c = 0; c < numClasses; c++) weights[row + c] = quantised[row + c] * scales[f];
  }
  return weights;
}

/** The model exactly as it will come back from storage, so a freshly trained model and a loaded one agree. */
export function asStored(model: SoftmaxModel): SoftmaxModel {
  const weights = decodeWeights(encodeWeights(model), model.numFeatures, model.numClasses)!;
  return { ...model, weights };
}
