// Chooses the sentence encoder for this process: a transformers.js model from
// the configured model folder when one is there, else none (lexical only).
// The reason is logged at start, so an operator knows which path is active.
import type { Config } from '../server/config.ts';
import type { SentenceEncoderState } from './brain.ts';

export async function resolveSentenceEncoder(config: Config): Promise<SentenceEncoderState> {
  // The NLU module owns model loading; until it exposes a loader, the lexical path is the only one.
  void config;
  return { encoder: null, reason: 'no sentence-encoder loader available; lexical TF-IDF + BM25 only' };
}
