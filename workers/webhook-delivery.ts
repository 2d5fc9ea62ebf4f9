// webhooks: sends the deliveries the interactions and feedback workers created
// (in the transaction that stored their events) as signed JSON POSTs. At least
// once: a 2xx marks the row delivered; anything else is recorded on the row and
// thrown, so BullMQ retries with backoff (WORKER_WEBHOOK_BACKOFF_MS, doubling)
// until the last attempt marks it failed. Receivers dedupe on the delivery id.
//
// A crash between a batch's commit and the queueing of its deliveries would
// leave rows with no job: the sweeper queues pending rows older than 30 s again
// at start and then every WORKER_WEBHOOK_SWEEP_MS. The job id follows from the
// delivery id, so a row that still has its job (waiting, delayed for a retry,
// running) is not queued twice; a row whose job ended without recording an
// outcome is marked failed. The same timer prunes deliveries older than
// DELIVERY_HISTORY_DAYS: their bodies hold shoppers' words, and the console
// only shows the latest.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../server/config.ts';
import type { Sql } from '../server/db/client.ts';
import { createQueues } from '../server/queues.ts';
import {
  QUEUE_WEBHOOKS, WEBHOOK_BACKOFF_TYPE, enqueueWebhookDeliveries, webhookBody, webhookJobId, webhookSignature,
  type WebhookDeliveryJob, type WebhookEnvelope,
} from '../server/webhook-events.ts';
import type { ProcessorDefinition, WorkerLog } from './processors.ts';
import { refusedDestination } from '../server/services/outbound-address.ts';

/** A receiver that has not answered by then counts as failed (and is retried). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Pending rows younger than this are left alone: their job is normally being queued right now. */
const SWEEP_MIN_AGE_SECONDS = 30;
const SWEEP_LIMIT = 1000;
/** Delivered and failed deliveries are kept this long for the console, then deleted. */
export const DELIVERY_HISTORY_DAYS = 30;
const USER_AGENT = 'Shopdesk-Webhooks';

/** Queues delivery jobs from a worker; a failure is logged, not thrown: the sweeper queues the rows later. */
export function webhookEnqueuer(config: Config, log: WorkerLog) {
  let queues: ReturnType<typeof createQueues> | null = null;
  return {
    async enqueue(deliveryIds: readonly number[]): Promise<void> {
      if (deliveryIds.length === 0) return;
      queues ??= createQueues(config);
      await enqueueWebhookDeliveries(queues.queue(QUEUE_WEBHOOKS), deliveryIds).catch((error: unknown) =>
        log.warn(`webhooks: ${deliveryIds.length} deliveries not queued now (the sweeper will)`, error));
    },
    /** Whether a delivery's job ran to its end (completed or failed) — so it will not run again. */
    async jobEnded(deliveryId: number): Promise<boolean> {
      queues ??= createQueues(config);
      const job = await queues.queue(QUEUE_WEBHOOKS).getJob(webhookJobId(deliveryId));
      return !!job && ['completed', 'failed'].includes(await job.getState());
    },
    async close(): Promise<void> {
      await queues?.close();
    },
  };
}

interface DeliveryRow {
  id: number;
  status: 'pending' | 'delivered' | 'failed';
  event: string;
  payload: WebhookEnvelope;
  webhook_id: number;
  url: string;
  secret: string;
  active: boolean;
}

interface Outcome {
  status: number | null;
  error: string | null;
}

/** One POST; never throws: every failure (refused, timed out, non-2xx, a redirect) becomes an error text. */
async function post(row: DeliveryRow): Promise<Outcome> {
  const body = webhookBody(row.id, row.payload);
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(row.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'x-shopdesk-event': row.event,
        'x-shopdesk-delivery': String(row.id),
        'x-shopdesk-timestamp': String(timestamp),
        'x-shopdesk-signature': webhookSignature(row.secret, timestamp, body),
      },
      body,
      // A redirect could lead the signed body somewhere the admin never registered.
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel().catch(() => {}); // the answer's body is not needed; free the connection
    const status = response.status;
    if (status >= 200 && status < 300) return { status, error: null };
    return { status, error: status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}` };
  } catch (error) {
    return { status: null, error: describeFetchError(error) };
  }
}

function describeFetchError(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`;
  const cause = e.cause?.code ?? e.cause?.message;
  return (cause ? `${e.message ?? 'fetch failed'} (${cause})` : e.message ?? String(error)).slice(0, 500);
}

/**
 * Sends one delivery and records the outcome; throws when BullMQ should try again. `allowLocal` (WEBHOOK_ALLOW_LOCAL)
 * lets it post to this machine and link-local addresses; otherwise the host is resolved and checked before each
 * attempt, as a name saved as harmless can later point anywhere.
 */
export async function deliver(sql: Sql, job: Job<WebhookDeliveryJob>, allowLocal = false): Promise<{ deliveryId: number; status: string }> {
  const deliveryId = Number(job.data?.deliveryId);
  if (!Number.isSafeInteger(deliveryId) || deliveryId < 1) throw new UnrecoverableError('Malformed webhooks job: deliveryId must be a positive integer');
  const [row] = await sql<DeliveryRow[]>`
    select d.id, d.status, d.event, d.payload, d.webhook_id, w.url, w.secret, w.active
    from webhook_deliveries d join webhooks w on w.id = d.webhook_id
    where d.id = ${deliveryId}`;
  // Deleting a webhook deletes its deliveries; a job that outlived them has nothing to do.
  if (!row) return { deliveryId, status: 'deleted' };
  // Sent already (a duplicate job, e.g. the sweeper's racing a retry), or given up.
  if (row.status !== 'pending') return { deliveryId, status: row.status };
  if (!row.active) {
    await sql`update webhook_deliveries set status = 'failed', last_error = 'webhook inactive' where id = ${deliveryId} and status = 'pending'`;
    return { deliveryId, status: 'failed' };
  }

  const refused = allowLocal ? null : await refusedDestination(new URL(row.url)).catch(() => null);
  if (refused) {
    await sql`update webhook_deliveries set status = 'failed', attempts = attempts + 1, last_error = ${`refused: ${refused}`.slice(0, 500)} where id = ${deliveryId}`;
    throw new UnrecoverableError(`webhook delivery ${deliveryId}: ${refused}`);
  }
  const outcome = await post(row);
  const gone = outcome.status === 410;
  const final = outcome.error !== null && (gone || job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
  const status = outcome.error === null ? 'delivered' : final ? 'failed' : 'pending';
  await sql`
    update webhook_deliveries set
      attempts = attempts + 1, last_status = ${outcome.status}, last_error = ${outcome.error}, status = ${status},
      delivered_at = case when ${status === 'delivered'} then now() end
    where id = ${deliveryId}`;
  if (gone) {
    // 410 Gone: the receiver says the endpoint is no more; stop sending until an admin turns it on again.
    await sql`update webhooks set active = false, updated_at = now() where id = ${row.webhook_id}`;
    throw new UnrecoverableError(`webhook ${row.webhook_id} answered 410 Gone; it was deactivated`);
  }
  if (outcome.error !== null) throw new Error(`webhook delivery ${deliveryId} to ${new URL(row.url).host}: ${outcome.error}`);
  return { deliveryId, status };
}

/**
 * Pending deliveries old enough to have lost their job (a crash between commit and queueing) are queued again. One
 * whose job ended without recording an outcome (BullMQ failed it after too many stalls, or the last attempt's update
 * did not reach Postgres) is marked failed: queueing it again under the same job id would be ignored, and left
 * pending it would be looked at by every sweep for ever.
 */
export async function sweepPendingDeliveries(
  sql: Sql, jobs: { enqueue(ids: number[]): Promise<void>; jobEnded(id: number): Promise<boolean> },
): Promise<{ queued: number; givenUp: number }> {
  const rows = await sql<{ id: number }[]>`
    select id from webhook_deliveries
    where status = 'pending' and created_at < now() - make_interval(secs => ${SWEEP_MIN_AGE_SECONDS})
    order by created_at limit ${SWEEP_LIMIT}`;
  const ended: number[] = [];
  for (const row of rows) if (await jobs.jobEnded(row.id)) ended.push(row.id);
  if (ended.length) {
    await sql`update webhook_deliveries set status = 'failed', last_error = coalesce(last_error, 'the delivery job ended without an outcome')
              where id = any(${ended}::bigint[]) and status = 'pending'`;
  }
  await jobs.enqueue(rows.map((r) => r.id).filter((id) => !ended.includes(id)));
  return { queued: rows.length - ended.length, givenUp: ended.length };
}

/** Deletes deliveries older than DELIVERY_HISTORY_DAYS (none is still being tried by then), a bounded number per call. */
export async function pruneDeliveries(sql: Sql): Promise<number> {
  const rows = await sql`
    delete from webhook_deliveries where id in (
      select id from webhook_deliveries
      where created_at < now() - make_interval(days => ${DELIVERY_HISTORY_DAYS})
      order by created_at limit 5000)
    returning 1`;
  return rows.length;
}

export const webhooksProcessor: ProcessorDefinition = {
  queueName: QUEUE_WEBHOOKS,
  concurrency: (settings) => settings.webhookConcurrency,
  // The delay between attempts is decided here rather than by the producers (workers and the admin API's ping).
  options: (settings) => ({
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string) => {
        if (type !== WEBHOOK_BACKOFF_TYPE) throw new Error(`Unknown backoff type ${type}`);
        return settings.webhookBackoffMs * 2 ** Math.max(attemptsMade - 1, 0);
      },
    },
  }),
  create({ config, sql, settings, log }) {
    const enqueuer = webhookEnqueuer(config, log);
    let sweeping: Promise<unknown> = Promise.resolve();
    const sweep = () => {
      sweeping = sweepPendingDeliveries(sql, { enqueue: (ids) => enqueuer.enqueue(ids), jobEnded: (id) => enqueuer.jobEnded(id) })
        .then(({ queued, givenUp }) => (queued || givenUp) && log.info(`webhooks: queued ${queued} pending deliveries again, gave up ${givenUp} whose job had ended`))
        .then(() => pruneDeliveries(sql))
        .catch((error: unknown) => log.warn('webhooks: sweep failed', error));
    };
    sweep();
    const timer = setInterval(sweep, settings.webhookSweepMs);
    timer.unref();
    return {
      process: (job) => deliver(sql, job, config.webhookAllowLocal),
      drain: () => clearInterval(timer),
      async close() {
        clearInterval(timer);
        await sweeping;
        await enqueuer.close();
      },
    };
  },
};
