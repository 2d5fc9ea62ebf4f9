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
//
// Fairness: all deliveries share one queue, so an endpoint that hangs could
// hold every slot for its 10 s timeouts. Each endpoint gets at most
// WORKER_WEBHOOK_MAX_IN_FLIGHT deliveries in flight across all worker
// processes (webhook-slots.ts), and a circuit breaker pauses a failing one
// (webhook-health.ts). A delivery that may not go now is parked: put back
// delayed, which is not an attempt, so the retry count and backoff apply to
// real attempts only. Parking does not keep the order of events (retries
// never did either): receivers order by occurredAt.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { prefixed, type Config } from '../server/config.ts';
import type { Sql } from '../server/db/client.ts';
import { createQueues } from '../server/queues.ts';
import {
  QUEUE_WEBHOOKS, WEBHOOK_BACKOFF_TYPE, enqueueWebhookDeliveries, webhookBody, webhookJobId, webhookSignature,
  type WebhookDeliveryJob, type WebhookEnvelope,
} from '../server/webhook-events.ts';
import type { ProcessorDefinition, WorkerLog } from './processors.ts';
import { checkDestination, pinnedLookup, type ResolvedAddress, type Resolver } from '../server/services/outbound-address.ts';
import { DEFAULT_WORKER_SETTINGS } from './settings.ts';
import { endpointSlots, type EndpointSlots } from './webhook-slots.ts';
import { circuitState, disableGone, recordFailure, recordSuccess, type EndpointHealth, type HealthSettings } from './webhook-health.ts';

/** A receiver that has not answered by then counts as failed (and is retried). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** Pending rows younger than this are left alone: their job is normally being queued right now. */
const SWEEP_MIN_AGE_SECONDS = 30;
const SWEEP_LIMIT = 1000;
/** Delivered and failed deliveries are kept this long for the console, then deleted. */
export const DELIVERY_HISTORY_DAYS = 30;
const USER_AGENT = 'Shopdesk-Webhooks';
/** How long a slot (and a probe claim) is held at most: the attempt's timeout plus recording its outcome. A crashed worker's slots come back after this. */
const SLOT_LEASE_MS = WEBHOOK_TIMEOUT_MS + 20_000;
/** When all of an endpoint's slots are taken, its next delivery looks again after about this long. */
const OVER_CAP_RETRY_MS = 1000;

export type DeliveryJobState = 'missing' | 'live' | 'ended';

/** Queues delivery jobs from a worker; a failure is logged, not thrown: the sweeper queues the rows later. */
export function webhookEnqueuer(config: Config, log: WorkerLog) {
  let queues: ReturnType<typeof createQueues> | null = null;
  return {
    async enqueue(deliveryIds: readonly number[]): Promise<void> {
      if (deliveryIds.length === 0) return;
      queues ??= createQueues(config);
      await enqueueWebhookDeliveries(queues.queue(QUEUE_WEBHOOKS), deliveryIds).catch((error: unknown) =>
        log.warn({ err: error, deliveries: deliveryIds.length }, `webhooks: ${deliveryIds.length} deliveries not queued now (the sweeper will)`));
    },
    /** Whether a delivery's job is gone, still to run (or running), or ran to its end (completed or failed). */
    async jobState(deliveryId: number): Promise<DeliveryJobState> {
      queues ??= createQueues(config);
      const job = await queues.queue(QUEUE_WEBHOOKS).getJob(webhookJobId(deliveryId));
      if (!job) return 'missing';
      return ['completed', 'failed'].includes(await job.getState()) ? 'ended' : 'live';
    },
    async close(): Promise<void> {
      await queues?.close();
    },
  };
}

interface DeliveryRow extends EndpointHealth {
  id: number;
  status: 'pending' | 'delivered' | 'failed';
  event: string;
  payload: WebhookEnvelope;
  /** The customer's shop user id now (a visitor identified after the event is matched too). */
  customer_external_id: string | null;
  webhook_id: number;
  url: string;
  secret: string;
  active: boolean;
}

interface Outcome {
  status: number | null;
  error: string | null;
  /** The destination may not be sent to (this machine, its link): failing again cannot help. */
  refused?: boolean;
}

class AttemptTimeout extends Error {
  override name = 'TimeoutError';
}

/**
 * One POST to exactly the addresses given (checked before), with the URL's host name kept for the Host header, SNI
 * and the certificate check. No connection pooling: each attempt connects to what its own check allowed. Resolves
 * with the status once the answer's headers arrive (its body is discarded); the whole attempt is bounded by
 * WEBHOOK_TIMEOUT_MS. Redirects are not followed (node:http never does).
 */
function postPinned(url: URL, addresses: readonly ResolvedAddress[], headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: false,
      lookup: pinnedLookup(addresses) as never,
    }, (response) => {
      response.resume(); // the answer's body is not needed; drain it so the socket closes
      response.on('error', () => {}); // a body cut off by the timeout is of no interest: the status is what counts
      resolve(response.statusCode ?? 0);
    });
    const timer = setTimeout(() => request.destroy(new AttemptTimeout()), WEBHOOK_TIMEOUT_MS);
    request.on('close', () => clearTimeout(timer));
    request.on('error', reject);
    request.end(body);
  });
}

/** One attempt; never throws: every failure (refused, timed out, non-2xx, a redirect) becomes an error text. */
async function post(row: DeliveryRow, options: DeliveryOptions): Promise<Outcome> {
  const { event, occurredAt, customerId, conversationId, data } = row.payload;
  // Read when sent, from the record; a `customer.deleted` delivery carries it, the record having lost it.
  const customerExternalId = customerId === null ? null : row.payload.customerExternalId !== undefined ? row.payload.customerExternalId : row.customer_external_id;
  const body = webhookBody(row.id, { event, occurredAt, customerId, customerExternalId, conversationId, data });
  const timestamp = Math.floor(Date.now() / 1000);
  const url = new URL(row.url);
  try {
    // Resolved and checked once; the connection goes to the address checked (no second lookup to rebind).
    const destination = await checkDestination(url, { allowLocal: options.allowLocal, resolve: options.resolve });
    if (destination.refused !== undefined) return { status: null, error: `refused: ${destination.refused}`.slice(0, 500), refused: true };
    const status = await postPinned(url, destination.addresses, {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'x-shopdesk-event': row.event,
      'x-shopdesk-delivery': String(row.id),
      'x-shopdesk-timestamp': String(timestamp),
      'x-shopdesk-signature': webhookSignature(row.secret, timestamp, body),
    }, body);
    if (status >= 200 && status < 300) return { status, error: null };
    // A redirect could lead the signed body somewhere the admin never registered.
    return { status, error: status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}` };
  } catch (error) {
    return { status: null, error: describeRequestError(error) };
  }
}

function describeRequestError(error: unknown): string {
  const e = error as { name?: string; message?: string; code?: string };
  if (e.name === 'TimeoutError') return `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`;
  const text = e.message ?? String(error);
  return (e.code && !text.includes(e.code) ? `${text} (${e.code})` : text).slice(0, 500);
}

export interface DeliveryOptions {
  /** WEBHOOK_ALLOW_LOCAL: may post to this machine and link-local addresses. */
  allowLocal?: boolean;
  /** How host names are resolved (default: the system's resolver). */
  resolve?: Resolver;
  /**
   * The per-webhook cap and probe claims (Redis). Without it (a direct call) the delivery is attempted at once,
   * whatever the circuit says: parking a job needs BullMQ's lock.
   */
  slots?: EndpointSlots;
  /** Breaker and auto-deactivation thresholds (default: DEFAULT_WORKER_SETTINGS). */
  health?: HealthSettings;
}

/** A spread of ±50 % so that parked deliveries do not all come back in the same instant. */
const jittered = (ms: number) => Math.round(ms * (0.5 + Math.random()));

/**
 * Puts the job back, delayed until `until`, without it counting as an attempt (BullMQ's DelayedError); the delivery
 * row is untouched.
 */
async function park(job: Job<WebhookDeliveryJob>, until: number): Promise<never> {
  await job.moveToDelayed(Math.max(until, Date.now() + 1), job.token);
  throw new DelayedError();
}

/**
 * Whether this delivery may be attempted now: the circuit of its endpoint is closed (or this job won the probe of a
 * half-open one) and a slot of the endpoint's cap is free. Otherwise the job is parked and this throws DelayedError.
 * Returns what to give back after the attempt.
 */
async function admit(job: Job<WebhookDeliveryJob>, row: DeliveryRow, slots: EndpointSlots, health: HealthSettings): Promise<() => Promise<void>> {
  const holder = job.id ?? webhookJobId(row.id);
  const state = circuitState(row, health);
  if (state === 'open') return park(job, row.circuit_open_until!.getTime() + jittered(Math.min(health.webhookBreakerCooldownMs, 2000)));
  let probe = false;
  if (state === 'half-open') {
    const otherProbeLeft = await slots.claimProbe(row.webhook_id, holder);
    // Another delivery is the probe: look again once it should have an answer (or sooner, at the base cool-down).
    if (otherProbeLeft !== null) return park(job, Date.now() + jittered(Math.min(otherProbeLeft, health.webhookBreakerCooldownMs)));
    probe = true;
  }
  if (!(await slots.acquire(row.webhook_id, holder))) {
    if (probe) await slots.releaseProbe(row.webhook_id, holder);
    // All the endpoint's slots are taken (it is slow, or hangs): try again shortly, as another attempt ends.
    return park(job, Date.now() + jittered(OVER_CAP_RETRY_MS));
  }
  return async () => {
    await slots.release(row.webhook_id, holder);
    if (probe) await slots.releaseProbe(row.webhook_id, holder);
  };
}

/**
 * Sends one delivery and records the outcome (on the delivery and on its endpoint's health); throws when BullMQ
 * should try again. The host is resolved and checked before each attempt (a name saved as harmless can later point
 * anywhere) and the request connects to the address checked.
 */
export async function deliver(sql: Sql, job: Job<WebhookDeliveryJob>, options: DeliveryOptions = {}): Promise<{ deliveryId: number; status: string }> {
  const deliveryId = Number(job.data?.deliveryId);
  if (!Number.isSafeInteger(deliveryId) || deliveryId < 1) throw new UnrecoverableError('Malformed webhooks job: deliveryId must be a positive integer');
  const health = options.health ?? DEFAULT_WORKER_SETTINGS;
  const [row] = await sql<DeliveryRow[]>`
    select d.id, d.status, d.event, d.payload, d.webhook_id, w.url, w.secret, w.active, w.consecutive_failures, w.circuit_open_until,
           (select c.external_id from customers c where c.id = d.customer_id) as customer_external_id
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

  const giveBack = options.slots ? await admit(job, row, options.slots, health) : async () => {};
  let outcome: Outcome;
  try {
    outcome = await post(row, options);
    const gone = outcome.status === 410;
    const final = outcome.error !== null && (gone || outcome.refused || job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
    const status = outcome.error === null ? 'delivered' : final ? 'failed' : 'pending';
    await sql`
      update webhook_deliveries set
        attempts = attempts + 1, last_status = ${outcome.status}, last_error = ${outcome.error}, status = ${status},
        delivered_at = case when ${status === 'delivered'} then now() end
      where id = ${deliveryId}`;
    if (outcome.error === null) await recordSuccess(sql, row.webhook_id);
    else if (gone) await disableGone(sql, row.webhook_id);
    else await recordFailure(sql, row.webhook_id, outcome.error, health);
  } finally {
    await giveBack().catch(() => {}); // an unreturned slot expires with its lease
  }
  if (outcome.refused) throw new UnrecoverableError(`webhook delivery ${deliveryId}: ${outcome.error}`);
  if (outcome.status === 410) throw new UnrecoverableError(`webhook ${row.webhook_id} answered 410 Gone; it was deactivated`);
  if (outcome.error !== null) throw new Error(`webhook delivery ${deliveryId} to ${new URL(row.url).host}: ${outcome.error}`);
  return { deliveryId, status: 'delivered' };
}

/**
 * Pending deliveries old enough to have lost their job (a crash between commit and queueing) are queued again. One
 * whose job ended without recording an outcome (BullMQ failed it after too many stalls, or the last attempt's update
 * did not reach Postgres) is marked failed: queueing it again under the same job id would be ignored, and left
 * pending it would be looked at by every sweep for ever. One whose job is still there (waiting, parked by the
 * breaker or the cap, delayed for a retry, running) is left alone.
 *
 * SWEEP_LIMIT rows per call, after `afterId`: an open circuit can keep thousands of deliveries pending for days, and
 * a sweep that always read the oldest would never reach a lost job behind them. Returns where the next call goes on
 * (0: from the start again).
 */
export async function sweepPendingDeliveries(
  sql: Sql, jobs: { enqueue(ids: number[]): Promise<void>; jobState(id: number): Promise<DeliveryJobState> }, afterId = 0,
): Promise<{ queued: number; givenUp: number; nextAfterId: number }> {
  const rows = await sql<{ id: number }[]>`
    select id from webhook_deliveries
    where status = 'pending' and created_at < now() - make_interval(secs => ${SWEEP_MIN_AGE_SECONDS}) and id > ${afterId}
    order by id limit ${SWEEP_LIMIT}`;
  const ended: number[] = [];
  const lost: number[] = [];
  for (const row of rows) {
    const state = await jobs.jobState(row.id);
    if (state === 'ended') ended.push(row.id);
    else if (state === 'missing') lost.push(row.id);
  }
  if (ended.length) {
    await sql`update webhook_deliveries set status = 'failed', last_error = coalesce(last_error, 'the delivery job ended without an outcome')
              where id = any(${ended}::bigint[]) and status = 'pending'`;
  }
  await jobs.enqueue(lost);
  return { queued: lost.length, givenUp: ended.length, nextAfterId: rows.length === SWEEP_LIMIT ? rows[rows.length - 1].id : 0 };
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
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
    redis.on('error', () => {}); // a failing command fails its delivery's attempt, which is retried
    const slots = endpointSlots(redis, prefixed(config, 'webhooks'), settings.webhookMaxInFlight, SLOT_LEASE_MS);
    let sweeping: Promise<unknown> = Promise.resolve();
    let sweptUpTo = 0;
    const sweep = () => {
      sweeping = sweepPendingDeliveries(sql, { enqueue: (ids) => enqueuer.enqueue(ids), jobState: (id) => enqueuer.jobState(id) }, sweptUpTo)
        .then(({ queued, givenUp, nextAfterId }) => {
          sweptUpTo = nextAfterId;
          if (queued || givenUp) log.info(`webhooks: queued ${queued} pending deliveries that had lost their job, gave up ${givenUp} whose job had ended`);
        })
        .then(() => pruneDeliveries(sql))
        .catch((error: unknown) => log.warn({ err: error }, 'webhooks: sweep failed'));
    };
    sweep();
    const timer = setInterval(sweep, settings.webhookSweepMs);
    timer.unref();
    return {
      process: (job) => deliver(sql, job, { allowLocal: config.webhookAllowLocal, slots, health: settings }),
      drain: () => clearInterval(timer),
      async close() {
        clearInterval(timer);
        await sweeping;
        await enqueuer.close();
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  },
};
