// kb-index: rebuilds the stored retrieval sections from the published articles
// (after a publish, edit, restore or delete) and tells every server to reload
// its in-memory index.
import { Redis } from 'ioredis';
import type { ProcessorDefinition } from './processors.ts';
import { QUEUE_KB_INDEX, type KbJobData } from '../knowledge-base/jobs.ts';
import { rebuildChunks } from '../knowledge-base/indexing.ts';
import { publishReload } from '../knowledge-base/reload-channel.ts';
import { startOwedJobSweep } from '../knowledge-base/owed-jobs.ts';

export const kbIndexProcessor: ProcessorDefinition = {
  queueName: QUEUE_KB_INDEX,
  concurrency: 1,
  create({ config, sql, log }) {
    let redis: Redis | null = null;
    // A change stored while the job queue was unreachable owes a job (owed-jobs.ts): queued from here, at start and periodically.
    const owed = startOwedJobSweep('index', { config, sql, log });
    return {
      async process(job) {
        const data = job.data as KbJobData;
        const result = await rebuildChunks(sql, (p) => job.updateProgress(p));
        redis ??= new Redis(config.redisUrl, { maxRetriesPerRequest: 3 }).on('error', () => {}); // a failed publish fails the job, which is retried
        await publishReload(redis, config, { kind: 'index', version: result.builtAt });
        log.info(`kb-index: ${result.articles} articles, ${result.chunks} sections (${data.reason})`);
        return result;
      },
      async close() {
        await owed.stop();
        await redis?.quit().catch(() => redis?.disconnect());
      },
    };
  },
};
