// What the email workers (email-followups, csat-email, agent-email-alerts) share about sending: each records what it
// is about to email before the SMTP conversation, under the BullMQ job's id, and sends with no transaction open; a
// refused send is recorded and either retried by BullMQ (the retry takes its own claim again) or given up.
import { UnrecoverableError, type Job } from 'bullmq';
import { isPermanentSmtpFailure, smtpErrorText } from '../server/services/mailer.ts';

/**
 * A claim another job touched this recently is that job's: it may be talking to the mail server now, so this job
 * waits (is retried) rather than send the same things. Older, the job died mid-send and the claim can be taken over.
 */
export const CLAIM_SECONDS = 120;

/**
 * After a refused send: `record` notes it (final: no retry will come — refused for good, or the job's last attempt),
 * then the job fails: for good on a permanent 5xx, else with the error, so BullMQ retries it with backoff.
 */
export async function sendRefused(job: Job, error: unknown, what: string, record: (failure: { final: boolean; text: string }) => Promise<unknown>): Promise<never> {
  const permanent = isPermanentSmtpFailure(error);
  const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  await record({ final, text: smtpErrorText(error) });
  if (permanent) throw new UnrecoverableError(`${what} refused for good: ${smtpErrorText(error)}`);
  throw error;
}
