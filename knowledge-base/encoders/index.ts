// Which encoders this process can use, and why, for the start log and for
// the metadata on every bot message. The lexical encoder always works (it is
// fitted per training run); the transformers.js sentence encoder is used when
// its model files are present or may be downloaded.
import type { Config } from '../../server/config.ts';
import { EncoderUnavailableError, TransformersEncoder } from './transformers.ts';
import type { Encoder } from './types.ts';

export interface EncoderStatus {
  name: string;
  active: boolean;
  /** Human-readable reason, e.g. "no model files at ./models/Xenova/…". */
  reason: string;
}

export interface EncoderSet {
  /** The sentence encoder, or null when unavailable (see status). */
  dense: Encoder | null;
  status: EncoderStatus[];
  /** One line for the start log. */
  summary: string;
}

export type EncoderConfig = Pick<Config, 'modelId' | 'modelDir' | 'modelOffline'>;

export async function createEncoders(
  config: EncoderConfig,
  log: (message: string) => void = () => {},
): Promise<EncoderSet> {
  const status: EncoderStatus[] = [
    { name: 'lexical', active: true, reason: 'TF-IDF over stemmed English words, Chinese words and word pairs (natural + jieba) and character 3-5-grams; always available' },
  ];
  let dense: Encoder | null = null;
  try {
    dense = await TransformersEncoder.load({
      modelId: config.modelId, modelDir: config.modelDir, offline: config.modelOffline, log,
    });
    status.push({ name: dense.name, active: true, reason: `sentence encoder loaded (${dense.dim} dimensions) from ${config.modelDir}` });
  } catch (error) {
    const reason = error instanceof EncoderUnavailableError ? error.reason : (error as Error).message;
    status.push({ name: `transformers:${config.modelId}`, active: false, reason });
  }
  const summary = status.map((s) => `${s.name}: ${s.active ? 'active' : 'inactive'} (${s.reason})`).join('; ');
  return { dense, status, summary };
}
