// Trainings and indexings owed to a change that was stored but whose job could not be queued. The admin API writes a
// change to Postgres, then queues the job that makes the bot use it (jobs.ts); with Redis unreachable the queueing
// failed after the write had committed, the admin got a 500 for a change that was in fact saved, a retry found
// nothing to change (409 or "unchanged"), and the bot never learnt it while the status said "queued" for good.
// Now the failure marks the job owed (kb_job_status.owed_since, migration 059) and the change answers success with a
// warning; the kb-train and kb-index workers queue an owed job at start and on every sweep until it goes through.
// A job that is queued later clears what was owed before it: jobs read everything from Postgres, so it covers it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from '../server/db/client.ts';
import type { Config } from '../server/config.ts';
import { createQueues, type Queues } from '../server/queues.ts';
import { requestIndexing, requestTraining } from './jobs.ts';

export type KbJobKind = 'train' | 'index';

/** How often a worker looks for an owed job (besides at its start). */
export const OWED_SWEEP_MS = 30_000;

/**
 * Warnings for the request being answered (admin-kb-routes.ts runs each request's handler in a store of its own and
 * adds them to the answer as `warning`). Outside a request nobody is told but the log.
 */
export const jobWarnings = new AsyncLocalStorage<string[]>();

const WARNING: Record<KbJobKind, string> = {
  train: 'Saved, but the retraining could not be queued (the job queue is unreachable): the bot keeps its current model until the queue is back, when the training runs by itself.',
  index: 'Saved, but the re-indexing could not be queued (the job queue is unreachable): the bot keeps answering from the articles as they were until the queue is back, when the indexing runs by itself.',
};

/**
 * Postgres's clock, for both sides of the owed mark: it is written by the app server and cleared by a worker, and
 * their clocks may differ (a worker a few seconds behind would otherwise clear a debt its job did not cover).
 */
async function databaseNow(sql: Sql): Promise<Date> {
  const [row] = await sql<{ now: Date }[]>`select clock_timestamp() as now`;
  return row.now;
}

/** Clears the owed mark a job queued at `queuedFrom` covers (the change it was owed for was stored before it). */
async function clearOwed(sql: Sql, kind: KbJobKind, queuedFrom: Date): Promise<void> {
  await sql`update kb_job_status set owed_since = null where kind = ${kind} and owed_since is not null and owed_since <= ${queuedFrom}`;
}

/**
 * Queues the job with `request`; when that fails the job is owed instead (and the request's warning says so). Only a
 * failure to record the debt too (Postgres away as well) is thrown.
 */
export async function requestOrOwe(sql: Sql, kind: KbJobKind, request: () => Promise<void>, log?: { warn(obj: unknown, msg?: string): void }): Promise<void> {
  const queuedFrom = await databaseNow(sql);
  try {
    await request();
  } catch (error) {
    await sql`update kb_job_status set owed_since = coalesce(owed_since, ${queuedFrom}), state = 'queued', updated_at = now() where kind = ${kind}`;
    log?.warn({ err: error, kind }, `knowledge-base ${kind} job not queued; owed until a worker queues it`);
    jobWarnings.getStore()?.push(WARNING[kind]);
    return;
  }
  await clearOwed(sql, kind, queuedFrom).catch(() => undefined); // a worker's sweep queues it again at worst
}

/** Queues the job of `kind` if one is owed. Answers whether one was. */
export async function queueOwedJob(queuesOf: () => Queues, sql: Sql, kind: KbJobKind): Promise<boolean> {
  const [row] = await sql<{ owed_since: Date | null }[]>`select owed_since from kb_job_status where kind = ${kind}`;
  if (!row?.owed_since) return false;
  const queues = queuesOf();
  const queuedFrom = await databaseNow(sql);
  // Forced: the owed request may itself have been a forced retraining (and an unneeded one costs one training).
  if (kind === 'train') await requestTraining(queues, sql, 'owed since the job queue was unreachable', true);
  else await requestIndexing(queues, sql, 'owed since the job queue was unreachable');
  await clearOwed(sql, kind, queuedFrom);
  return true;
}

/** A worker's sweep for owed jobs of `kind`: now and every OWED_SWEEP_MS, until `stop`. */
export function startOwedJobSweep(kind: KbJobKind, deps: { config: Config; sql: Sql; log: { info(message: string): void; warn(message: string, error?: unknown): void } }, everyMs = OWED_SWEEP_MS): { stop(): Promise<void> } {
  let queues: Queues | null = null;
  let running: Promise<void> | null = null;
  const sweep = () => {
    running ??= (async () => {
      // Its own connection, opened only when a job is owed.
      if (await queueOwedJob(() => (queues ??= createQueues(deps.config)), deps.sql, kind)) deps.log.info(`kb-${kind}: queued the job owed since the queue was unreachable`);
    })().catch((error: unknown) => deps.log.warn(`kb-${kind}: owed job not queued yet (next sweep tries again)`, error)).finally(() => { running = null; });
  };
  const first = setTimeout(sweep, 0);
  const timer = setInterval(sweep, everyMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
      await queues?.close();
    },
  };
}
