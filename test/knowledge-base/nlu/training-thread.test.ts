// Training on a worker thread (knowledge-base/training-thread.ts): the model it
// sends back is the same classifier, bad training data still comes back as a
// 400, the thread asks this one for sentence embeddings, and the calling thread's
// event loop keeps turning while the thread trains (what lets a server with
// in-process workers answer chats during a retrain).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../server/errors.ts';
import { trainOnThread } from '../../../knowledge-base/training-thread.ts';
import { loadIntentClassifier } from '../../../knowledge-base/nlu.ts';
import { loadIntents, loadOutOfScope } from '../../../knowledge-base/content-loader.ts';
import { resolveSentenceEncoder } from '../../../knowledge-base/sentence-encoder.ts';
import { writeTinyModel } from '../../support/tiny-model.ts';
import { SHOP_INTENTS } from './fixtures.ts';

// The demo content keeps examples per language; training takes one list per intent.
const demoIntents = loadIntents().map((i) => {
  const examples = i.examples as unknown as { en?: string[]; zh?: string[] };
  return { name: i.name, examples: [...(examples.en ?? []), ...(examples.zh ?? [])] };
});
const modelDir = mkdtempSync(join(tmpdir(), 'shopdesk-thread-model-'));
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

/** Records the longest wait between timer ticks of this thread while `work` runs. */
async function longestTimerGap<T>(work: () => Promise<T>): Promise<{ result: T; gapMs: number; elapsedMs: number }> {
  const started = performance.now();
  let last = started;
  let gapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 10);
  try {
    const result = await work();
    return { result, gapMs: Math.max(gapMs, performance.now() - last), elapsedMs: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

describe('intent training on a worker thread', () => {
  it('trains the demo intents without holding up this thread, and the model it returns classifies', async () => {
    const { result, gapMs, elapsedMs } = await longestTimerGap(() =>
      trainOnThread({ intents: demoIntents, outOfScopeExamples: loadOutOfScope() }),
    );
    expect(result.encoderName).toBe('lexical');
    expect(result.threshold).toBeGreaterThan(0);
    // Training on this thread would hold its timers for nearly the whole run; on the worker thread they keep
    // ticking (a tenth of the run leaves room for a loaded machine: the whole run takes seconds).
    expect(elapsedMs).toBeGreaterThan(500);
    expect(gapMs).toBeLessThan(elapsedMs / 10);
    const classifier = loadIntentClassifier(result.model);
    expect((await classifier.classify('where is my parcel? it has not arrived')).intent).toBe('track_order');
    expect((await classifier.classify('我想退货')).intent).toBe('return_item');
  }, 120_000);

  it('stops a training that takes longer than allowed, so a hung thread cannot hold the training queue', async () => {
    await expect(trainOnThread({ intents: demoIntents, outOfScopeExamples: loadOutOfScope() }, null, 50)).rejects.toThrow(/longer than 0.05 s; the thread was stopped/);
  }, 60_000);

  it('reports unusable training data as the same 400 error as training here would', async () => {
    const error = await trainOnThread({
      intents: [SHOP_INTENTS[0], { ...SHOP_INTENTS[0] }],
      outOfScopeExamples: [],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).statusCode).toBe(400);
    expect((error as AppError).message).toMatch(/appears twice/);
  }, 60_000);

  it("trains with this thread's sentence encoder, which the thread asks for embeddings", async () => {
    const model = writeTinyModel({ dir: modelDir, modelId: 'test/thread-tiny', hidden: 32, corpus: SHOP_INTENTS.flatMap((i) => i.examples) });
    const { encoder, reason } = await resolveSentenceEncoder({ modelId: model.modelId, modelDir, modelOffline: true });
    expect(encoder, reason).not.toBeNull();
    const askedFor: string[] = [];
    const counting = { ...encoder!, name: encoder!.name, kind: encoder!.kind, dim: encoder!.dim, encode: (texts: string[]) => (askedFor.push(...texts), encoder!.encode(texts)) };
    const result = await trainOnThread({ intents: SHOP_INTENTS, outOfScopeExamples: [] }, counting);
    expect(result.encoderName).toBe('lexical+transformers:test/thread-tiny');
    expect(askedFor).toEqual(expect.arrayContaining(SHOP_INTENTS[0].examples));
    // The stored model needs the same encoder to be read back, as a server would load it.
    const classifier = loadIntentClassifier(result.model, { denseEncoder: encoder! });
    expect((await classifier.classify(SHOP_INTENTS[0].examples[0])).intent).toBe(SHOP_INTENTS[0].name);
    expect(() => loadIntentClassifier(result.model)).toThrow();
  }, 120_000);
});
