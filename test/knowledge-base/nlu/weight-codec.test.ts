// Stored classifier weights: int8 rows with a scale each, legacy float32 still readable.
import { describe, expect, it } from 'vitest';
import { asStored, decodeWeights, encodeWeights } from '../../../knowledge-base/classifier/weight-codec.ts';
import { seededRandom } from '../../../knowledge-base/classifier/softmax.ts';

function randomModel(numFeatures: number, numClasses: number) {
  const random = seededRandom(5);
  const weights = Float32Array.from({ length: numFeatures * numClasses }, () => (random() - 0.5) * 4 * random() ** 3);
  weights.fill(0, 0, numClasses); // an all-zero row (a feature no class uses)
  weights[numClasses] = 1e-6; // a tiny positive weight in a row with large ones
  weights[numClasses + 1] = 3;
  return { numFeatures, numClasses, weights, bias: new Float32Array(numClasses) };
}

describe('weight codec', () => {
  it('stores a quarter of float32 size, within one step of each row scale, with every sign kept', () => {
    const C = 40;
    const model = randomModel(300, C);
    const stored = encodeWeights(model);
    const legacySize = Buffer.from(model.weights.buffer).toString('base64').length;
    expect(stored.weights.length + stored.rowScales!.length).toBeLessThan(legacySize * 0.3);
    const decoded = decodeWeights(stored, 300, C)!;
    for (let f = 0; f < 300; f++) {
      const row = Array.from(model.weights.subarray(f * C, f * C + C));
      const step = Math.max(...row.map(Math.abs)) / 127;
      for (let c = 0; c < C; c++) {
        expect(Math.abs(decoded[f * C + c] - row[c])).toBeLessThanOrEqual(step + 1e-7);
        expect(Math.sign(decoded[f * C + c])).toBe(Math.sign(row[c]));
      }
    }
    expect(decoded[C]).toBeGreaterThan(0); // the tiny weight is still positive
    expect(Array.from(decoded.subarray(0, C)).every((w) => w === 0)).toBe(true);
    // What a freshly trained model keeps equals what a server loads.
    expect(Array.from(asStored(model).weights)).toEqual(Array.from(decoded));
  });

  it('reads models stored as float32 and refuses data of the wrong shape', () => {
    const model = randomModel(20, 3);
    const legacy = { weights: Buffer.from(model.weights.buffer).toString('base64') };
    expect(Array.from(decodeWeights(legacy, 20, 3)!)).toEqual(Array.from(model.weights));
    expect(decodeWeights(legacy, 21, 3)).toBeNull();
    expect(decodeWeights({ ...encodeWeights(model), rowScales: '' }, 20, 3)).toBeNull();
    expect(decodeWeights({ weightEncoding: 'bf16' as never, weights: '' }, 20, 3)).toBeNull();
  });
});
