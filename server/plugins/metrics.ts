// Prometheus metrics. Each server instance has its own registry so that two
// instances in one process (tests) do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { sameSecret } from '../services/secrets.ts';
import type { WorkerHealthReader } from '../../workers/health.ts';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    socketsConnected: new Gauge({ name: 'sockets_connected', help: 'Connected sockets by namespace', labelNames: ['namespace'], registers: [registry] }),
    messagesStored: new Counter({ name: 'chat_messages_stored_total', help: 'Messages stored by author type', labelNames: ['author'], registers: [registry] }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Gauges of the background work, read at scrape time (cached for a few seconds in the reader): jobs per queue and
 * state, live worker processes, seconds since any worker beat (+Inf when none ever did), webhook deliveries pending.
 * A figure this scrape could not read (Redis or Postgres did not answer) is NaN, or left out for the per-queue
 * series, rather than an old or zero value that would look healthy.
 */
export function registerWorkerGauges(registry: Registry, health: WorkerHealthReader): void {
  type State = Awaited<ReturnType<WorkerHealthReader['workersAndQueues']>>;
  const readOrNull = <T>(read: () => Promise<T>): Promise<T | null> => read().catch(() => null);
  const queueJobs: Gauge = new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in each BullMQ queue by state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const state: State | null = await readOrNull(health.workersAndQueues);
      queueJobs.reset();
      for (const [queue, counts] of Object.entries(state?.queues ?? {})) {
        for (const [jobState, count] of Object.entries(counts)) queueJobs.set({ queue, state: jobState }, count);
      }
    },
  });
  const workersAlive: Gauge = new Gauge({
    name: 'workers_alive',
    help: 'Worker processes whose heartbeat has not expired',
    registers: [registry],
    async collect() {
      const state = await readOrNull(health.workersAndQueues);
      workersAlive.set(state ? state.workers.alive : NaN);
    },
  });
  const lastHeartbeat: Gauge = new Gauge({
    name: 'workers_last_heartbeat_age_seconds',
    help: 'Seconds since any worker process last wrote its heartbeat (+Inf when none ever did)',
    registers: [registry],
    async collect() {
      const state = await readOrNull(health.workersAndQueues);
      lastHeartbeat.set(state ? (state.workers.lastSeenSecondsAgo ?? Infinity) : NaN);
    },
  });
  const webhooksPending: Gauge = new Gauge({
    name: 'webhook_deliveries_pending',
    help: 'Webhook deliveries neither delivered nor given up',
    registers: [registry],
    async collect() {
      webhooksPending.set((await readOrNull(health.webhookDeliveriesPending)) ?? NaN);
    },
  });
}

/**
 * `token`: when set (METRICS_TOKEN), /metrics answers only `Authorization: Bearer <token>`, for a server whose port
 * the internet reaches; the figures (routes, rates, queue sizes) are nobody else's business. Empty: open, for a
 * scraper on a private network.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics, token = ''): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (token && !sameSecret(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1], token)) {
      return reply.status(401).header('www-authenticate', 'Bearer').send({ error: { code: 'unauthorized', message: 'Send the METRICS_TOKEN as Authorization: Bearer <token>.' } });
    }
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
