// kb-train: retrains the intent classifier from Postgres when intents change
// (jobs are debounced by the producer), stores the model as the next version
// and tells every server to hot-reload it.
import { Redis } from 'ioredis';
import { UnrecoverableError } from 'bullmq';
import { AppError } from '../server/errors.ts';
import type { ProcessorDefinition } from './processors.ts';
import { QUEUE_KB_TRAIN, type KbJobData } from '../knowledge-base/jobs.ts';
import { trainFromDatabase } from '../knowledge-base/training.ts';
import { publishReload } from '../knowledge-base/reload-channel.ts';
import { startOwedJobSweep } from '../knowledge-base/owed-jobs.ts';
import { resolveSentenceEncoder } from '../knowledge-base/sentence-encoder.ts';
import type { SentenceEncoderState } from '../knowledge-base/brain.ts';

export const kbTrainProcessor: ProcessorDefinition = {
  queueName: QUEUE_KB_TRAIN,
  // Training is CPU-bound and one model at a time is all that is ever wanted.
  concurrency: 1,
  // Training runs on a thread of its own (training-thread.ts), so the lock is renewed meanwhile; a long one still
  // spares a slow machine a stalled-job retry.
  options: { lockDuration: 5 * 60_000 },
  create({ config, sql, log }) {
    let redis: Redis | null = null;
    // A change stored while the job queue was unreachable owes a job (owed-jobs.ts): queued from here, at start and periodically.
    const owed = startOwedJobSweep('train', { config, sql, log });
    let sentence: Promise<SentenceEncoderState> | null = null;
    return {
      async process(job) {
        const data = job.data as KbJobData;
        sentence ??= resolveSentenceEncoder(config);
        const { encoder } = await sentence;
        const result = await trainFromDatabase(sql, { denseEncoder: encoder, force: data.force, onProgress: (p) => job.updateProgress(p) }).catch((error: unknown) => {
          // Unusable training data (e.g. an intent without examples) fails the same way on every retry.
          if (error instanceof AppError && error.statusCode === 400) throw new UnrecoverableError(`training data rejected: ${error.message}`);
          throw error;
        });
        redis ??= new Redis(config.redisUrl, { maxRetriesPerRequest: 3 }).on('error', () => {}); // a failed publish fails the job, which is retried
        // Published even when skipped: answers or actions may have changed without the examples changing.
        await publishReload(redis, config, { kind: 'model', version: result.version ?? undefined });
        log.info(`kb-train: ${result.skipped ? 'model already current' : 'trained'} v${result.version ?? '-'} (${result.encoder}; ${data.reason})`);
        return result;
      },
      async close() {
        await owed.stop();
        await redis?.quit().catch(() => redis?.disconnect());
      },
    };
  },
};
