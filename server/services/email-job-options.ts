// The BullMQ options of a delayed email job: follow-ups to shoppers (email-followup-queue.ts), rating requests
// (csat-email-queue.ts) and agents' alert digests (agent-email-alerts.ts). One job id per conversation or agent
// makes what happens in one delay window one email; the retries and the cleanup are the same for all three.
import type { JobsOptions } from 'bullmq';
import type { Config } from '../config.ts';

/** Tries before an email is recorded as failed: with the retry delay doubling, about an hour at the default minute. */
export const EMAIL_ATTEMPTS = 6;

export function emailJobOptions(config: Pick<Config, 'emailRetryDelayMs'>, jobId: string, delayMs: number): JobsOptions {
  return {
    jobId,
    delay: delayMs,
    attempts: EMAIL_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.emailRetryDelayMs },
    // Gone once finished, so the next event after it starts a new window under the same id; every outcome is kept
    // in Postgres (email_followups, csat_emails, the alert events' rows), not in Redis.
    removeOnComplete: true,
    removeOnFail: true,
  };
}
