// The registry of queue processors: one entry per BullMQ queue. startWorkers()
// builds a Worker for every entry, so a new background job type (e.g. the
// knowledge-base training and indexing queues) is added here and nowhere else.
import type { Job, WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { publishCustomerChanged } from '../server/customer-changes.ts';
import type { Config } from '../server/config.ts';
import type { Sql } from '../server/db/client.ts';
import { QUEUE_FEEDBACK, QUEUE_INTERACTIONS, type InteractionEvent } from '../server/interaction-events.ts';
import type { WorkerSettings } from './settings.ts';
import { InteractionBatcher } from './batcher.ts';
import { writeInteractionBatch } from './interaction-store.ts';
import { writeFeedback } from './feedback-store.ts';
import { asJobError } from './errors.ts';
import { parseFeedbackJob, parseInteractionJob } from './job-schemas.ts';
import { kbTrainProcessor } from './kb-train.ts';
import { kbIndexProcessor } from './kb-index.ts';
import { webhookEnqueuer, webhooksProcessor } from './webhook-delivery.ts';
import { emailFollowupsProcessor } from './email-followups.ts';
import { agentEmailAlertsProcessor } from './agent-email-alerts.ts';
import { csatEmailsProcessor } from './csat-email.ts';

/**
 * Shaped as pino's methods, so a pino logger fits as it is (the stand-alone process's own, or a child of the server's
 * app.log for in-process workers): a line is `log.info(text)` or `log.info({ ...fields }, text)`, and an error goes as
 * `{ err }` so pino's serializer writes its message and stack as fields, not into the text. Tests pass their own.
 */
export interface WorkerLog {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
}

/** What a processor may use; the Postgres pool is shared by all processors of one worker process. */
export interface ProcessorContext {
  config: Config;
  sql: Sql;
  settings: WorkerSettings;
  log: WorkerLog;
}

export interface QueueProcessor {
  /** Handles one job. Throw UnrecoverableError when retrying cannot help (bad data); any other error is retried with backoff. */
  process(job: Job): Promise<unknown>;
  /** Shutdown has begun: finish buffered work now rather than on a timer. */
  drain?(): void;
  /** Called after the queue's Worker has closed (no job active any more). */
  close?(): Promise<void>;
}

export interface ProcessorDefinition {
  queueName: string;
  create(context: ProcessorContext): QueueProcessor;
  /** Jobs handled at once by one worker process. */
  concurrency: number | ((settings: WorkerSettings) => number);
  /** Extra BullMQ worker options (the stalled-job timings come from the settings unless set here). */
  options?: Partial<WorkerOptions> | ((settings: WorkerSettings) => Partial<WorkerOptions>);
}

export const interactionsProcessor: ProcessorDefinition = {
  queueName: QUEUE_INTERACTIONS,
  concurrency: (settings) => settings.interactionsConcurrency,
  create({ config, sql, settings, log }) {
    const webhooks = webhookEnqueuer(config, log);
    // Webhook jobs are queued once the batch that created their deliveries has committed (never before: the
    // sender would not find the row); the jobs of the batch complete after that.
    const write = async (events: readonly InteractionEvent[]) => {
      const result = await writeInteractionBatch(sql, events);
      await webhooks.enqueue(result.deliveryIds);
      return result;
    };
    const batcher = new InteractionBatcher(write, {
      maxEvents: settings.batchMaxEvents,
      flushMs: settings.batchFlushMs,
      parallel: settings.batchParallel,
    });
    return {
      async process(job) {
        const { events } = parseInteractionJob(job.data);
        await batcher.add(events);
        return { events: events.length };
      },
      drain: () => batcher.drain(),
      async close() {
        await batcher.close();
        await webhooks.close();
        const { events, batches, inserted, writeMs } = batcher.stats;
        // Rows skipped as already stored are re-deliveries (e.g. after a crash); worth seeing in the log.
        log.info(`interactions: ${events} events in ${batches} batches (${(writeMs / Math.max(batches, 1)).toFixed(1)} ms each), ${inserted} new rows, ${events - inserted} already stored`);
      },
    };
  },
};

export const feedbackProcessor: ProcessorDefinition = {
  queueName: QUEUE_FEEDBACK,
  concurrency: (settings) => settings.feedbackConcurrency,
  create({ config, sql, log }) {
    const webhooks = webhookEnqueuer(config, log);
    let publisher: Redis | null = null;
    return {
      async process(job) {
        const feedback = parseFeedbackJob(job.data);
        const result = await writeFeedback(sql, feedback).catch((error: unknown) => {
          throw asJobError(error);
        });
        await webhooks.enqueue(result.deliveryIds);
        // Open customer panels show the rating now rather than after a reload; a lost publish costs only that.
        if (result.feedbackId !== null) {
          publisher ??= new Redis(config.redisUrl, { maxRetriesPerRequest: 3 }).on('error', () => {});
          await publishCustomerChanged(publisher, config, [result.customerId]).catch((error: unknown) => log.warn({ err: error }, 'feedback: consoles not told of a rating'));
        }
        return { feedbackId: result.feedbackId, webhookDeliveries: result.deliveryIds.length };
      },
      async close() {
        await webhooks.close();
        await publisher?.quit().catch(() => publisher?.disconnect());
      },
    };
  },
};

/** Every queue the worker process serves. Other modules add their entries here. */
export const processors: ProcessorDefinition[] = [interactionsProcessor, feedbackProcessor, kbTrainProcessor, kbIndexProcessor, webhooksProcessor, emailFollowupsProcessor, agentEmailAlertsProcessor, csatEmailsProcessor];
