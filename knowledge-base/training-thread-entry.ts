// The worker thread started by trainOnThread (training-thread.ts): trains one
// classifier from workerData and posts the result (or the error) back once.
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../server/errors.ts';
import { IntentClassifier } from './classifier/intent-classifier.ts';
import type { Encoder, FeatureVector } from './encoders/types.ts';
import type { ThreadEncodeReply, ThreadMessage, ThreadWorkerData } from './training-thread.ts';

const port = parentPort!;
const pending = new Map<number, { resolve: (vectors: FeatureVector[]) => void; reject: (error: Error) => void }>();
let nextRequest = 1;

port.on('message', (reply: ThreadEncodeReply) => {
  const request = pending.get(reply.id);
  if (!request) return;
  pending.delete(reply.id);
  if ('error' in reply) request.reject(new Error(`sentence encoder: ${reply.error}`));
  else request.resolve(reply.vectors.map((values) => ({ indices: null, values })));
});

/** The caller's sentence encoder, reached by messages (see training-thread.ts for why it is not loaded here). */
function encoderOfCaller(shape: { name: string; dim: number }): Encoder {
  return {
    name: shape.name,
    kind: 'dense',
    dim: shape.dim,
    encode(texts) {
      const id = nextRequest++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        port.postMessage({ type: 'encode', id, texts } satisfies ThreadMessage);
      });
    },
  };
}

async function train(data: ThreadWorkerData): Promise<ThreadMessage> {
  try {
    const denseEncoder = data.sentenceEncoder ? encoderOfCaller(data.sentenceEncoder) : null;
    const classifier = await IntentClassifier.train(data.intents, { denseEncoder, outOfScopeExamples: data.outOfScopeExamples });
    return { type: 'trained', result: { model: classifier.toJSON(), encoderName: classifier.encoderName, threshold: classifier.threshold, stats: classifier.stats } };
  } catch (error) {
    const { message } = error as Error;
    return { type: 'failed', error: error instanceof AppError ? { message, statusCode: error.statusCode, code: error.code } : { message } };
  }
}

port.postMessage(await train(workerData as ThreadWorkerData));
