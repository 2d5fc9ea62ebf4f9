// The dense path of the retriever and the policy: a transformers.js sentence
// encoder (the tiny BERT-shaped model the test suite generates, loaded offline
// through the NLU module) adds cosine scores that are fused with BM25 by
// reciprocal rank fusion, and the bot metadata names the encoder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../../support/tiny-model.ts';
import { resolveSentenceEncoder } from '../../../knowledge-base/sentence-encoder.ts';
import { createPipeline, type Pipeline } from '../../../knowledge-base/pipeline.ts';
import { loadArticles, loadIntents, loadParaphrases } from '../../../knowledge-base/content-loader.ts';
import type { Encoder } from '../../../knowledge-base/encoders/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'kb-dense-'));
const articles = loadArticles().filter((a) => a.status === 'published').map((a, i) => ({ ...a, id: i + 1 }));
let encoder: Encoder;
let pipeline: Pipeline;

beforeAll(async () => {
  const model = writeTinyModel({ dir, modelId: 'test/kb-tiny', corpus: articles.map((a) => `${a.title} ${a.body}`) });
  const state = await resolveSentenceEncoder({ modelId: model.modelId, modelDir: dir, modelOffline: true });
  expect(state.encoder, state.reason).not.toBeNull();
  encoder = state.encoder!;
  pipeline = await createPipeline({ classifier: null, articles, intents: loadIntents(), encoder });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dense retrieval with a transformers.js encoder', () => {
  it('embeds every section and fuses BM25 with cosine ranks', async () => {
    expect(pipeline.index.encoderName).toBe(`bm25+${encoder.name}`);
    const passages = await pipeline.index.search('How long does a refund take?', 3, { locale: 'en' });
    expect(passages.length).toBe(3);
    // Weighted RRF scores: at most (1 + 0.5)/(60+1) when first in both rankings.
    expect(passages[0].score).toBeLessThanOrEqual(1.5 / 61 + 5e-5); // scores are rounded to 4 decimals
    expect(passages[0].score).toBeGreaterThan(0);
  });

  it('keeps the paraphrase ranking usable (the tiny model is random: this measures fusion robustness, not quality)', async () => {
    const paraphrases = loadParaphrases();
    let hits = 0;
    for (const p of paraphrases) if ((await pipeline.index.search(p.text, 1, { locale: p.locale }))[0]?.slug === p.slug) hits++;
    console.log(`dense+BM25 (tiny random encoder) hit@1: ${hits}/${paraphrases.length} = ${((100 * hits) / paraphrases.length).toFixed(1)} %`);
    expect(hits / paraphrases.length).toBeGreaterThanOrEqual(0.5);
  });

  it('names the encoder in the bot metadata', async () => {
    const decision = await pipeline.run('How long does a refund take?', {});
    expect(decision.metadata.encoder).toBe(encoder.name);
  });
});
