// Chooses the sentence encoder for this process through the NLU module's
// createEncoders: a transformers.js model from the configured model folder
// when it loads, else none (lexical TF-IDF + BM25 only). The reason goes to
// the start log and the status API. Loaded once per process and model: the
// server and in-process workers share it.
import type { Config } from '../server/config.ts';
import { createEncoders } from './nlu.ts';
import type { SentenceEncoderState } from './brain.ts';

const loaded = new Map<string, Promise<SentenceEncoderState>>();

export function resolveSentenceEncoder(config: Pick<Config, 'modelId' | 'modelDir' | 'modelOffline'>, log: (line: string) => void = () => {}): Promise<SentenceEncoderState> {
  const key = `${config.modelDir}\u0000${config.modelId}\u0000${config.modelOffline}`;
  let state = loaded.get(key);
  if (!state) {
    state = createEncoders(config, log).then((set) => ({ encoder: set.dense, reason: set.summary }));
    loaded.set(key, state);
  }
  return state;
}
