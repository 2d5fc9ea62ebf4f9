// The knowledge base's background jobs, producer side: "retrain" (debounced,
// so an admin saving ten intents in a row trains once) and "re-index" (on
// publish). The processors live in workers/kb-train.ts and workers/kb-index.ts.
import type { Queues } from '../server/queues.ts';
import type { Sql } from '../server/db/client.ts';
import { modelsRepository } from './repositories/models.ts';

export const QUEUE_KB_TRAIN = 'kb-train';
export const QUEUE_KB_INDEX = 'kb-index';

/** Quiet period after the last intent edit before training starts. */
export const TRAIN_DEBOUNCE_MS = 1500;
const INDEX_DEBOUNCE_MS = 300;

export interface KbJobData {
  reason: string;
  force?: boolean;
  requestedAt: string;
}

export async function requestTraining(queues: Queues, sql: Sql, reason: string, force = false): Promise<void> {
  await modelsRepository(sql).setStatus('train', 'queued');
  await queues.queue(QUEUE_KB_TRAIN).add('train', { reason, force, requestedAt: new Date().toISOString() } satisfies KbJobData, {
    delay: TRAIN_DEBOUNCE_MS,
    // One pending training at a time: a new request pushes the pending one back; one arriving while training runs queues exactly one more.
    // Pushing back keeps the pending job's data, so a forced request ("Retrain now") replaces the pending job instead: a
    // plain retrain waiting would otherwise swallow the force (and skip, its examples unchanged). A plain request after
    // a forced one then keeps the force.
    deduplication: force ? { id: 'kb-train', replace: true, keepLastIfActive: true } : { id: 'kb-train', reschedule: true, keepLastIfActive: true },
    attempts: 3,
  });
}

export async function requestIndexing(queues: Queues, sql: Sql, reason: string): Promise<void> {
  await modelsRepository(sql).setStatus('index', 'queued');
  await queues.queue(QUEUE_KB_INDEX).add('index', { reason, requestedAt: new Date().toISOString() } satisfies KbJobData, {
    delay: INDEX_DEBOUNCE_MS,
    deduplication: { id: 'kb-index', reschedule: true, keepLastIfActive: true },
    attempts: 3,
  });
}
