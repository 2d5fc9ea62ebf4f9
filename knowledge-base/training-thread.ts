// Trains the intent classifier on a worker thread. Training is tens of seconds
// of synchronous arithmetic (SGD over every example, several times for the
// out-of-scope calibration); on the calling thread it would stop a server that
// runs its workers in-process from answering any chat or socket until done.
//
// The thread is a fresh V8 isolate: it loads this project's TypeScript through
// tsx's loader (registered by the bootstrap below, since a worker does not
// inherit tsx from the command line under every runner), trains, and sends back
// the model as plain JSON for the caller to store.
//
// A sentence encoder stays on the calling thread: onnxruntime's native addon
// can be loaded once per process, and the caller has it loaded already. The
// thread asks for the embeddings it needs (ThreadEncodeRequest) and this side
// answers them; onnxruntime computes them off the event loop either way.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError } from '../server/errors.ts';
import type { Encoder, FeatureVector } from './encoders/types.ts';
import type { IntentClassifierJSON, IntentDefinition, TrainingStats } from './classifier/intent-classifier.ts';

export interface ThreadTrainingInput {
  intents: IntentDefinition[];
  outOfScopeExamples: string[];
}

/** What the thread is given: the training data and, when there is one, the sentence encoder's shape. */
export interface ThreadWorkerData extends ThreadTrainingInput {
  sentenceEncoder: { name: string; dim: number } | null;
}

export interface ThreadTrainingResult {
  model: IntentClassifierJSON;
  encoderName: string;
  threshold: number;
  stats: TrainingStats;
}

/** Thread → caller. */
export type ThreadMessage =
  | { type: 'encode'; id: number; texts: string[] }
  | { type: 'trained'; result: ThreadTrainingResult }
  | { type: 'failed'; error: { message: string; statusCode?: number; code?: string } };

/** Caller → thread: the answer to one encode request. */
export type ThreadEncodeReply = { id: number; vectors: Float32Array[] } | { id: number; error: string };

const ENTRY = new URL('./training-thread-entry.ts', import.meta.url).href;

/**
 * tsx's ESM entry, resolved from this file so the thread finds it whatever the working directory. Its
 * CommonJS twin (what require.resolve returns) cannot be used here: it loads the ESM one by a path that
 * only works inside the package's own layout.
 */
function tsxEsmApi(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
}

function bootstrapSource(): string {
  return `import(${JSON.stringify(tsxEsmApi())}).then(({ register }) => { register(); return import(${JSON.stringify(ENTRY)}); })`;
}

/**
 * Longest a training may take before the thread is stopped and the job fails (to be retried): BANKING77's 10,000
 * examples train in under a minute here, so this only ends a thread that hangs, which would hold the kb-train
 * queue (one job at a time) for ever.
 */
export const TRAINING_TIMEOUT_MS = 15 * 60_000;

export function trainOnThread(input: ThreadTrainingInput, denseEncoder: Encoder | null = null, timeoutMs = TRAINING_TIMEOUT_MS): Promise<ThreadTrainingResult> {
  const workerData: ThreadWorkerData = { ...input, sentenceEncoder: denseEncoder ? { name: denseEncoder.name, dim: denseEncoder.dim } : null };
  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrapSource(), { eval: true, workerData });
    let settled = false;
    const timer = setTimeout(() => finish(() => reject(new Error(`training took longer than ${timeoutMs / 1000} s; the thread was stopped`))), timeoutMs);
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      // The thread stays alive listening for replies; nothing more is wanted from it.
      void worker.terminate();
    };
    worker.on('message', (message: ThreadMessage) => {
      if (message.type === 'encode') {
        if (!denseEncoder) return worker.postMessage({ id: message.id, error: 'no sentence encoder here' } satisfies ThreadEncodeReply);
        denseEncoder.encode(message.texts).then(
          (vectors: FeatureVector[]) => worker.postMessage({ id: message.id, vectors: vectors.map((v) => v.values) } satisfies ThreadEncodeReply),
          (error: unknown) => worker.postMessage({ id: message.id, error: (error as Error).message } satisfies ThreadEncodeReply),
        );
        return;
      }
      finish(() => {
        if (message.type === 'trained') resolve(message.result);
        else {
          const { message: text, statusCode, code } = message.error;
          reject(statusCode ? new AppError(statusCode, code ?? 'error', text) : new Error(`training failed: ${text}`));
        }
      });
    });
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`training thread exited with code ${code} before sending a model`))));
  });
}
