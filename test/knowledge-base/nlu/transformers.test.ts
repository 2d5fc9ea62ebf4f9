// The transformers.js path, fully offline, on a tiny BERT-shaped ONNX model the
// test generates itself (no pretrained weights can reach this machine).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncoders, loadIntentClassifier, trainIntentClassifier, type EncoderSet } from '../../../knowledge-base/nlu.ts';
import { writeTinyModel, type TinyModel } from '../../support/tiny-model.ts';
import { OUT_OF_SCOPE, PARAPHRASES, SHOP_INTENTS } from './fixtures.ts';

describe('transformers.js sentence encoder (generated tiny model, offline)', () => {
  let dir: string;
  let model: TinyModel;
  let encoders: EncoderSet;
  const logLines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shopdesk-tiny-model-'));
    const corpus = [...SHOP_INTENTS.flatMap((i) => i.examples), ...PARAPHRASES.map(([t]) => t), ...OUT_OF_SCOPE];
    model = writeTinyModel({ dir, modelId: 'test/tiny-bert', hidden: 48, corpus });
    encoders = await createEncoders({ modelId: model.modelId, modelDir: dir, modelOffline: true }, (m) => logLines.push(m));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the generated model from the model folder with remote loading forbidden', async () => {
    expect(encoders.dense, encoders.summary).not.toBeNull();
    expect(encoders.dense!.name).toBe('transformers:test/tiny-bert');
    expect(encoders.dense!.dim).toBe(48);
    expect(encoders.status.every((s) => s.active)).toBe(true);
    expect(encoders.summary).toMatch(/transformers:test\/tiny-bert: active/);
    const { env } = await import('@xenova/transformers');
    expect(env.allowRemoteModels).toBe(false);
    expect(logLines.filter((l) => l.startsWith('downloading'))).toEqual([]);
  });

  it('produces l2-normalised vectors of the model dimension that depend on the text', async () => {
    const [a, b, a2] = await encoders.dense!.encode(['where is my order', '我想退货', 'where is my order']);
    for (const v of [a, b]) {
      expect(v.indices).toBeNull();
      expect(v.values).toHaveLength(48);
      expect(Math.hypot(...v.values)).toBeCloseTo(1, 4);
    }
    expect(Array.from(a2.values)).toEqual(Array.from(a.values));
    expect(Array.from(b.values)).not.toEqual(Array.from(a.values));
  });

  it('trains and runs the intent classifier on lexical + transformer features, and round-trips', async () => {
    const classifier = await trainIntentClassifier(SHOP_INTENTS, { denseEncoder: encoders.dense, seed: 5 });
    expect(classifier.encoderName).toBe('lexical+transformers:test/tiny-bert');
    const results = await classifier.classifyMany(PARAPHRASES.map(([t]) => t));
    const correct = results.filter((r, i) => r.intent === PARAPHRASES[i][1]).length;
    expect(correct).toBeGreaterThanOrEqual(PARAPHRASES.length - 1);
    expect(results[0].encoder).toBe('lexical+transformers:test/tiny-bert');

    const json = JSON.parse(JSON.stringify(classifier.toJSON()));
    expect(() => loadIntentClassifier(json)).toThrow(/needs encoder transformers:test\/tiny-bert/);
    const restored = loadIntentClassifier(json, { denseEncoder: encoders.dense });
    expect(await restored.classify('我的包裹到哪了')).toEqual(await classifier.classify('我的包裹到哪了'));
  });

  it('explains why the dense encoder is inactive when the model files are missing offline', async () => {
    const missing = await createEncoders({ modelId: 'Xenova/not-here', modelDir: dir, modelOffline: true });
    expect(missing.dense).toBeNull();
    expect(missing.status.find((s) => s.name === 'lexical')?.active).toBe(true);
    expect(missing.summary).toContain(`no model files at ${join(dir, 'Xenova/not-here')}`);
  });
});
