// A deleted customer's words in Redis: the interactions and feedback jobs carry message text, rating comments and
// left addresses, and BullMQ keeps finished jobs for an hour and failed ones until someone removes them (and Redis's
// AOF and backups copy them). Deletion takes them out: a job that was only about the customer goes, and one batching
// several customers' events keeps the others' (their history must still be written). A job being processed at that
// moment is left alone; the workers skip a deleted customer's events when they write.
import type { Job } from 'bullmq';
import type { Queues } from '../queues.ts';
import { QUEUE_FEEDBACK, QUEUE_INTERACTIONS, type FeedbackJob, type InteractionJob } from '../interaction-events.ts';

const STATES = ['completed', 'failed', 'waiting', 'delayed', 'prioritized'] as const;
/** Every job of the queue in these states, read whole before any is changed (removing while paging skips jobs). */
async function eachJob(queues: Queues, name: string, visit: (job: Job) => Promise<void>): Promise<void> {
  const jobs = await queues.queue(name).getJobs([...STATES], 0, -1);
  for (const job of jobs) if (job) await visit(job);
}

/** Removes or trims every queued and kept job carrying this customer's data; returns how many jobs changed. */
export async function forgetQueuedJobs(queues: Queues, customerId: number): Promise<number> {
  let changed = 0;
  const removed = async (job: Job) => {
    // A job a worker took meanwhile cannot be removed: it finishes (writing nothing of a deleted customer).
    if (await job.remove().then(() => true, () => false)) changed++;
  };
  await eachJob(queues, QUEUE_INTERACTIONS, async (job) => {
    const events = (job.data as InteractionJob).events ?? [];
    const others = events.filter((event) => event.customerId !== customerId);
    if (others.length === events.length) return;
    const finished = (await job.getState().catch(() => 'unknown')) === 'completed';
    if (!others.length || finished) return removed(job);
    // Gone or taken meanwhile: then it finishes without their events being written (the worker skips them).
    if (await job.updateData({ events: others } satisfies InteractionJob).then(() => true, () => false)) changed++;
  });
  await eachJob(queues, QUEUE_FEEDBACK, async (job) => {
    if ((job.data as FeedbackJob).customerId === customerId) await removed(job);
  });
  return changed;
}
