// Sentence encoder on @xenova/transformers (feature-extraction, mean pooled,
// l2-normalised). The library is imported lazily: it pulls in onnxruntime and
// sharp, which a lexical-only install should not pay for at start-up.
//
// Files live in the transformers.js layout <modelDir>/<modelId>/{config.json,
// tokenizer.json, onnx/model_quantized.onnx}. Offline: only that folder is read.
// Online: missing files are downloaded from the hub into the same folder
// (cacheDir = modelDir), with progress lines in the log.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Encoder, FeatureVector } from './types.ts';

export interface TransformersEncoderOptions {
  modelId: string;
  modelDir: string;
  /** Forbid downloads; the model must already be in modelDir. */
  offline: boolean;
  log?: (message: string) => void;
}

/** Thrown when the dense encoder cannot be used; `reason` is meant for the start log. */
export class EncoderUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`dense encoder unavailable: ${reason}`);
  }
}

/** Which ONNX file is present locally: the quantised one is the library default, plain model.onnx also works. */
function localModelFile(folder: string): { quantized: boolean } | null {
  if (existsSync(join(folder, 'onnx', 'model_quantized.onnx'))) return { quantized: true };
  if (existsSync(join(folder, 'onnx', 'model.onnx'))) return { quantized: false };
  return null;
}

type FeatureExtractor = (
  texts: string[],
  options: { pooling: 'mean'; normalize: boolean },
) => Promise<{ data: Float32Array; dims: number[] }>;

export class TransformersEncoder implements Encoder {
  readonly kind = 'dense' as const;
  readonly name: string;

  private constructor(
    readonly modelId: string,
    readonly dim: number,
    private readonly extractor: FeatureExtractor,
  ) {
    this.name = `transformers:${modelId}`;
  }

  static async load(options: TransformersEncoderOptions): Promise<TransformersEncoder> {
    const modelDir = resolve(options.modelDir);
    const folder = join(modelDir, options.modelId);
    const local = localModelFile(folder);
    const haveLocal = local !== null && existsSync(join(folder, 'config.json')) && existsSync(join(folder, 'tokenizer.json'));
    if (options.offline && !haveLocal) {
      throw new EncoderUnavailableError(
        `no model files at ${folder} (need config.json, tokenizer.json, onnx/model_quantized.onnx) and MODEL_OFFLINE forbids downloading`,
      );
    }
    let transformers: typeof import('@xenova/transformers');
    try {
      transformers = await import('@xenova/transformers');
    } catch (error) {
      throw new EncoderUnavailableError(`@xenova/transformers failed to load: ${(error as Error).message}`);
    }
    const { env, pipeline } = transformers;
    env.allowLocalModels = true;
    env.localModelPath = modelDir;
    env.allowRemoteModels = !options.offline;
    env.cacheDir = modelDir;
    env.useFSCache = true;
    const log = options.log ?? (() => {});
    const lastReported = new Map<string, number>();
    // The library reports progress for local reads too; only real downloads deserve a log line.
    const wasLocal = new Map<string, boolean>();
    const isDownload = (file: string) => {
      if (!wasLocal.has(file)) wasLocal.set(file, existsSync(join(folder, file)));
      return !wasLocal.get(file);
    };
    const progress = (event: { status?: string; file?: string; progress?: number }) => {
      if (!event.file || !isDownload(event.file)) return;
      if (event.status === 'progress' && typeof event.progress === 'number') {
        const step = Math.floor(event.progress / 25);
        if ((lastReported.get(event.file) ?? -1) < step) {
          lastReported.set(event.file, step);
          log(`downloading ${options.modelId}/${event.file}: ${Math.round(event.progress)} %`);
        }
      } else if (event.status === 'done' && lastReported.has(event.file)) {
        log(`downloaded ${options.modelId}/${event.file} into ${modelDir}`);
      }
    };
    let extractor: FeatureExtractor;
    try {
      extractor = (await pipeline('feature-extraction', options.modelId, {
        quantized: local?.quantized ?? true,
        progress_callback: progress,
      })) as unknown as FeatureExtractor;
    } catch (error) {
      throw new EncoderUnavailableError(`could not load ${options.modelId} from ${folder}: ${(error as Error).message}`);
    }
    // One real inference: proves the model runs and tells us its output size.
    const probe = await extractor(['hello'], { pooling: 'mean', normalize: true });
    const dim = probe.dims[probe.dims.length - 1];
    return new TransformersEncoder(options.modelId, dim, extractor);
  }

  async encode(texts: string[]): Promise<FeatureVector[]> {
    if (texts.length === 0) return [];
    const out: FeatureVector[] = [];
    // Batches keep padding waste and peak memory bounded when training on thousands of examples.
    for (let start = 0; start < texts.length; start += 32) {
      const batch = texts.slice(start, start + 32);
      const result = await this.extractor(batch, { pooling: 'mean', normalize: true });
      for (let i = 0; i < batch.length; i++) {
        out.push({ indices: null, values: result.data.slice(i * this.dim, (i + 1) * this.dim) });
      }
    }
    return out;
  }
}
