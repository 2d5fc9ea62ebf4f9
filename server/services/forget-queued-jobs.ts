// A deleted customer's words in Redis: the interactions and feedback jobs carry message text, rating comments and
// left addresses, and BullMQ keeps finished jobs for an hour and failed ones until someone removes them (and Redis's
// AOF and backups copy them). Deletion takes them out: a job that was only about the customer goes, and one batching
// several customers' events keeps the others' (their history must still be written). A job being processed at that
// moment is left alone; the workers skip a deleted customer's events when they write.
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Sql } from '../db/client.ts';
import type { Queues } from '../queues.ts';
import { reachable } from '../redis-outages.ts';
import { QUEUE_FEEDBACK, QUEUE_INTERACTIONS, type FeedbackJob, type InteractionJob } from '../interaction-events.ts';

const STATES = ['completed', 'failed', 'waiting', 'delayed', 'prioritized'] as const;
/** Every job of the queue in these states, read whole before any is changed (removing while paging skips jobs). */
async function eachJob(queues: Queues, name: string, visit: (job: Job) => Promise<void>): Promise<void> {
  const jobs = await queues.queue(name).getJobs([...STATES], 0, -1);
  for (const job of jobs) if (job) await visit(job);
}

/**
 * Removes or trims every queued and kept job carrying the data of these customer ids (a customer and the records
 * merged into it: jobs queued before a merge still carry the old id); returns how many jobs changed.
 */
export async function forgetQueuedJobs(queues: Queues, customerIds: ReadonlySet<number>): Promise<number> {
  let changed = 0;
  const removed = async (job: Job) => {
    // A job a worker took meanwhile cannot be removed: it finishes (writing nothing of a deleted customer).
    if (await job.remove().then(() => true, () => false)) changed++;
  };
  await eachJob(queues, QUEUE_INTERACTIONS, async (job) => {
    const events = (job.data as InteractionJob).events ?? [];
    const others = events.filter((event) => event.customerId === null || !customerIds.has(event.customerId));
    if (others.length === events.length) return;
    const finished = (await job.getState().catch(() => 'unknown')) === 'completed';
    if (!others.length || finished) return removed(job);
    // Gone or taken meanwhile: then it finishes without their events being written (the worker skips them).
    if (await job.updateData({ events: others } satisfies InteractionJob).then(() => true, () => false)) changed++;
  });
  await eachJob(queues, QUEUE_FEEDBACK, async (job) => {
    if (customerIds.has((job.data as FeedbackJob).customerId)) await removed(job);
  });
  return changed;
}

/** How often a clean-up Redis refused is tried again (once it is back, within this). */
export const FORGET_RETRY_MS = 5_000;
/** How often a server looks for clean-ups another server owed and can no longer do (it stopped, and none restarted). */
export const OWED_FORGETS_SWEEP_MS = 60_000;

export interface QueuedJobsForgetter {
  /** Forgets the customer's jobs now, or (Redis away: refused at once) owes it; never rejects (a failure is retried). */
  forget(customerId: number): Promise<void>;
  stop(): void;
}

/**
 * forgetQueuedJobs for a deletion that must not wait for Redis: refused at once while it is away (`redis`: a
 * connection that says so, redis-outages.ts reachable), and then owed, tried again every FORGET_RETRY_MS until done.
 * Meanwhile the workers write nothing of a deleted customer from the jobs they take (interaction-store.ts drops the
 * events, feedback-store.ts keeps a rating without its words), so Postgres stays erased; what is owed is the words
 * the jobs themselves keep in Redis (a failed job keeps them until it is removed). The debt is kept in Postgres
 * (owed_job_forgets, migration 066) and taken up by every server when it starts and every OWED_FORGETS_SWEEP_MS: one
 * stopped before Redis is back (a deploy, a crash) leaves it to the others. Two servers doing one clean-up at once is
 * harmless: each removes or trims the same.
 */
export function queuedJobsForgetter(
  queues: Queues, redis: Redis, sql: Sql, log: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void },
  // Tests sweep within a second instead of a minute.
  options: { owedSweepMs?: number } = {},
): QueuedJobsForgetter {
  const owed = new Set<number>();
  const running = new Set<number>();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const stopRetrying = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };

  async function attempt(customerId: number): Promise<void> {
    if (running.has(customerId)) return;
    running.add(customerId);
    try {
      await reachable(redis);
      // Merges re-point earlier ones (customer-merge.ts), so one level finds every record merged into theirs.
      const merged = await sql<{ id: string }[]>`select id from customers where merged_into_id = ${customerId}`;
      await forgetQueuedJobs(queues, new Set([customerId, ...merged.map((row) => Number(row.id))]));
      if (owed.delete(customerId)) {
        // Settled: a failure to say so leaves a row the next start does again, which finds nothing left to do. Said
        // once, by whoever deletes the row (a sweep that read it just before may do the same clean-up again, finding
        // nothing).
        const settled = await sql`delete from owed_job_forgets where customer_id = ${customerId} returning customer_id`.catch(() => []);
        if (settled.length) log.info({ customerId }, 'queued jobs of a deleted customer removed, Redis being back');
      }
    } catch (error) {
      if (!owed.has(customerId)) {
        log.warn({ err: error, customerId }, 'queued jobs of a deleted customer not removed yet (tried again until Redis is back)');
        await sql`insert into owed_job_forgets (customer_id) values (${customerId}) on conflict do nothing`.catch((failure: unknown) =>
          log.warn({ err: failure, customerId }, 'the clean-up owed for a deleted customer is not recorded: a restart before Redis is back forgets it (a second deletion of them does it again)'));
      }
      owed.add(customerId);
    } finally {
      running.delete(customerId);
    }
    if (owed.size && !timer && !stopped) {
      timer = setInterval(() => {
        for (const id of owed) void attempt(id);
        if (!owed.size) stopRetrying();
      }, FORGET_RETRY_MS);
      timer.unref();
    }
  }

  // What servers stopped before Redis came back still owe (a row is taken up by every server; see above).
  const takeUpOwed = () => void sql<{ customer_id: string }[]>`select customer_id from owed_job_forgets`.then((rows) => {
    for (const row of rows) if (!stopped && !owed.has(Number(row.customer_id))) {
      owed.add(Number(row.customer_id));
      void attempt(Number(row.customer_id));
    }
  }, (error: unknown) => log.warn({ err: error }, 'clean-ups owed for deleted customers not read (read again within a minute)'));
  takeUpOwed();
  const sweep = setInterval(takeUpOwed, options.owedSweepMs ?? OWED_FORGETS_SWEEP_MS);
  sweep.unref();

  return {
    forget: attempt,
    stop() {
      stopped = true;
      clearInterval(sweep);
      stopRetrying();
    },
  };
}
