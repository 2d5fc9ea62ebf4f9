// Tuning of the BullMQ workers, read from the environment with safe defaults.
// Kept apart from server/config.ts because only the worker process needs it;
// the crash test shortens the stalled-job timings through these variables.
import { ConfigError } from '../server/config.ts';

export interface WorkerSettings {
  /** How long a job's lock lives without renewal; a crashed worker's jobs are re-delivered after this (WORKER_LOCK_DURATION_MS, default 30000). */
  lockDurationMs: number;
  /** How often each worker looks for jobs whose lock expired (WORKER_STALLED_INTERVAL_MS, default 30000). */
  stalledIntervalMs: number;
  /** A job re-delivered after more crashes than this fails instead (WORKER_MAX_STALLED_COUNT, default 3). */
  maxStalledCount: number;
  /** Jobs of the interactions queue handled at once; they wait together on the batcher (WORKER_INTERACTIONS_CONCURRENCY, default 256). */
  interactionsConcurrency: number;
  /** A batch is written when it holds this many events... (WORKER_BATCH_MAX_EVENTS, default 1000) */
  batchMaxEvents: number;
  /** ...or when its first event has waited this long (WORKER_BATCH_FLUSH_MS, default 5). */
  batchFlushMs: number;
  /** Batches written at the same time (WORKER_BATCH_PARALLEL, default 2): one commits while the next fills. */
  batchParallel: number;
  /** Jobs of the feedback queue handled at once (WORKER_FEEDBACK_CONCURRENCY, default 8). */
  feedbackConcurrency: number;
  /** Webhook deliveries sent at once (WORKER_WEBHOOK_CONCURRENCY, default 16); each mostly waits on the network. */
  webhookConcurrency: number;
  /** Delay before a failed delivery's first retry, doubling after each (WORKER_WEBHOOK_BACKOFF_MS, default 5000). */
  webhookBackoffMs: number;
  /** How often pending deliveries that may have lost their job are queued again (WORKER_WEBHOOK_SWEEP_MS, default 60000). */
  webhookSweepMs: number;
  /**
   * Deliveries to one webhook in flight at once, across every worker process (WORKER_WEBHOOK_MAX_IN_FLIGHT, default 4):
   * an endpoint that hangs holds at most this many of the slots; its other deliveries wait, unattempted.
   */
  webhookMaxInFlight: number;
  /** Failed attempts in a row that open an endpoint's circuit: its deliveries wait, unattempted (WORKER_WEBHOOK_BREAKER_FAILURES, default 5). */
  webhookBreakerFailures: number;
  /** How long an open circuit waits before one probe goes through, doubling after each failed probe up to 10 min (WORKER_WEBHOOK_BREAKER_COOLDOWN_MS, default 30000). */
  webhookBreakerCooldownMs: number;
  /** An endpoint that has failed every attempt for this long is turned off (WORKER_WEBHOOK_DISABLE_AFTER_MS, default 3 days)... */
  webhookDisableAfterMs: number;
  /** ...provided that is at least this many failed attempts in a row (WORKER_WEBHOOK_DISABLE_MIN_FAILURES, default 20). */
  webhookDisableMinFailures: number;
}

export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 3,
  interactionsConcurrency: 256,
  batchMaxEvents: 1000,
  batchFlushMs: 5,
  batchParallel: 2,
  feedbackConcurrency: 8,
  webhookConcurrency: 16,
  webhookBackoffMs: 5000,
  webhookSweepMs: 60_000,
  webhookMaxInFlight: 4,
  webhookBreakerFailures: 5,
  webhookBreakerCooldownMs: 30_000,
  webhookDisableAfterMs: 3 * 24 * 3600_000,
  webhookDisableMinFailures: 20,
};

const ENV_NAMES: Record<keyof WorkerSettings, string> = {
  lockDurationMs: 'WORKER_LOCK_DURATION_MS',
  stalledIntervalMs: 'WORKER_STALLED_INTERVAL_MS',
  maxStalledCount: 'WORKER_MAX_STALLED_COUNT',
  interactionsConcurrency: 'WORKER_INTERACTIONS_CONCURRENCY',
  batchMaxEvents: 'WORKER_BATCH_MAX_EVENTS',
  batchFlushMs: 'WORKER_BATCH_FLUSH_MS',
  batchParallel: 'WORKER_BATCH_PARALLEL',
  feedbackConcurrency: 'WORKER_FEEDBACK_CONCURRENCY',
  webhookConcurrency: 'WORKER_WEBHOOK_CONCURRENCY',
  webhookBackoffMs: 'WORKER_WEBHOOK_BACKOFF_MS',
  webhookSweepMs: 'WORKER_WEBHOOK_SWEEP_MS',
  webhookMaxInFlight: 'WORKER_WEBHOOK_MAX_IN_FLIGHT',
  webhookBreakerFailures: 'WORKER_WEBHOOK_BREAKER_FAILURES',
  webhookBreakerCooldownMs: 'WORKER_WEBHOOK_BREAKER_COOLDOWN_MS',
  webhookDisableAfterMs: 'WORKER_WEBHOOK_DISABLE_AFTER_MS',
  webhookDisableMinFailures: 'WORKER_WEBHOOK_DISABLE_MIN_FAILURES',
};

/** Defaults, then environment variables, then explicit overrides (tests); every value must be a positive integer. */
export function loadWorkerSettings(env: Record<string, string | undefined> = process.env, overrides: Partial<WorkerSettings> = {}): WorkerSettings {
  const settings = { ...DEFAULT_WORKER_SETTINGS };
  const problems: string[] = [];
  for (const key of Object.keys(ENV_NAMES) as (keyof WorkerSettings)[]) {
    const raw = env[ENV_NAMES[key]];
    if (raw !== undefined && raw !== '') settings[key] = Number(raw);
  }
  Object.assign(settings, overrides);
  for (const key of Object.keys(ENV_NAMES) as (keyof WorkerSettings)[]) {
    if (!Number.isInteger(settings[key]) || settings[key] < 1) problems.push(`  ${ENV_NAMES[key]}: must be a positive integer (got ${String(settings[key])})`);
  }
  if (problems.length > 0) throw new ConfigError(`Invalid worker settings:\n${problems.join('\n')}`);
  return settings;
}
