// Starts one BullMQ Worker per registered processor and stops them gracefully:
// no new jobs are taken, buffered work is flushed, active jobs finish, and only
// then are the connections closed. Used in-process by the server (npm start)
// and by the stand-alone worker process (workers/main.ts).
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino, type DestinationStream, type Logger } from 'pino';
import { LOG_REDACTION } from '../server/log-redaction.ts';
import type { Config } from '../server/config.ts';
import { createSql, type Sql } from '../server/db/client.ts';
import { bullPrefix } from '../server/queues.ts';
import { loadWorkerSettings, type WorkerSettings } from './settings.ts';
import { processors as registry, type ProcessorDefinition, type QueueProcessor, type WorkerLog } from './processors.ts';
import { heartbeatIntervalFrom, startHeartbeat, type HeartbeatWriter } from './heartbeat.ts';
import { outageWatch } from '../server/redis-outages.ts';
import { closeRedis, withinMs } from '../server/shutdown.ts';

/** How long a closing worker waits for its active jobs (below the process's SHUTDOWN_TIMEOUT_MS, 25 s by default). */
const JOB_FINISH_GRACE_MS = 15_000;
/** Any other step of closing: a few seconds, or it is left behind. */
const CLOSE_STEP_MS = 5_000;

export interface StartWorkersOptions {
  /** Overrides on top of the WORKER_* environment variables (tests use short timings). */
  settings?: Partial<WorkerSettings>;
  /** Defaults to the registry in processors.ts. */
  processors?: readonly ProcessorDefinition[];
  /** Serve only these queues (default: every registered one). */
  queues?: readonly string[];
  /** A Postgres pool to share (not closed here); by default one is opened and closed with the workers. */
  sql?: Sql;
  /** Default: createWorkersLogger(config). The server passes a child of its app.log; tests pass their own. */
  log?: WorkerLog;
  /** Milliseconds between liveness beats in Redis (default WORKER_HEARTBEAT_MS or 5000; see heartbeat.ts). */
  heartbeatIntervalMs?: number;
}

export interface RunningWorker {
  queueName: string;
  concurrency: number;
  worker: Worker;
}

export interface WorkersHandle {
  workers: readonly RunningWorker[];
  settings: WorkerSettings;
  /** This process's liveness key in Redis (removed on close). */
  heartbeat: HeartbeatWriter;
  /** Graceful: stop fetching, flush, wait for active jobs, close connections. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The stand-alone workers' log: JSON lines at LOG_LEVEL like the server's (Fastify's pino), marked
 * `component: "workers"` so a log store can tell the two apart. Workers run inside the server use a child of the
 * server's own logger instead (server/main.ts), so that one process writes one format. Both redact what an error may
 * carry of a command's arguments (log-redaction.ts). `destination`: stdout by default.
 */
export function createWorkersLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = { level: config.logLevel, redact: LOG_REDACTION };
  return (destination ? pino(options, destination) : pino(options)).child({ component: 'workers' });
}

export async function startWorkers(config: Config, options: StartWorkersOptions = {}): Promise<WorkersHandle> {
  const settings = loadWorkerSettings(process.env, options.settings);
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? heartbeatIntervalFrom(process.env);
  const log = options.log ?? createWorkersLogger(config);
  const sql = options.sql ?? createSql(config, { max: 10 });
  const definitions = (options.processors ?? registry).filter((d) => !options.queues || options.queues.includes(d.queueName));

  type Running = RunningWorker & { processor: QueueProcessor; redis: Redis };
  // Every worker loses Redis at once: one line when it goes, one when it is back, for all of them.
  const redisWatch = outageWatch('workers', log);
  const startOne = (definition: ProcessorDefinition): Running => {
    const processor = definition.create({ config, sql, settings, log });
    const concurrency = typeof definition.concurrency === 'function' ? definition.concurrency(settings) : definition.concurrency;
    // BullMQ blocks on this connection while waiting for jobs, so commands must never give up (maxRetriesPerRequest: null).
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
    redis.on('error', () => {}); // the Worker reports connection trouble through its own 'error' event
    redis.on('ready', () => redisWatch.recovered());
    const worker = new Worker(definition.queueName, (job) => processor.process(job), {
      connection: redis,
      prefix: bullPrefix(config),
      concurrency,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      ...(typeof definition.options === 'function' ? definition.options(settings) : definition.options),
    });
    worker.on('error', (error) => {
      if (!redisWatch.failed(error)) log.warn({ err: error, queue: definition.queueName }, `worker ${definition.queueName}: error`);
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      log.warn(
        { err: error, queue: definition.queueName, jobId: job.id, attemptsMade: job.attemptsMade, final },
        `worker ${definition.queueName}: job ${job.id} ${final ? 'failed for good (kept in the failed list)' : `failed, attempt ${job.attemptsMade}, will retry`}`,
      );
    });
    return { queueName: definition.queueName, concurrency, worker, processor, redis };
  };

  const running: Running[] = [];
  try {
    for (const definition of definitions) running.push(startOne(definition));
    await Promise.all(running.map((r) => r.worker.waitUntilReady()));
  } catch (error) {
    // Half-started (e.g. Redis went away): release what was opened, then report.
    await Promise.all(running.map((r) => r.worker.close(true).catch(() => {})));
    for (const r of running) r.redis.disconnect();
    if (!options.sql) await sql.end({ timeout: 1 });
    throw error;
  }

  // Only now, with every queue served: servers and the health check count this process as a working one.
  const heartbeatRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  heartbeatRedis.on('error', () => {}); // a failed beat is reported by the writer, once per outage
  const heartbeat = startHeartbeat(heartbeatRedis, config, {
    queues: running.map((r) => r.queueName),
    intervalMs: heartbeatIntervalMs,
    // Redis being away is the workers' outage line already; any other failure to write is said here.
    onError: (error) => {
      if (!redisWatch.failed(error)) log.warn({ err: error }, 'worker heartbeat not written');
    },
  });
  await heartbeat.beat();

  /**
   * Stops one worker. With Redis away a graceful close would wait for Redis for ever (finishing a job is a Redis
   * command that never gives up), and the jobs in flight cannot be marked done anyway: they are closed at once and
   * re-delivered after their lock expires. A graceful close that outlasts the grace (Redis went away meanwhile)
   * gives up the same way: its connection is dropped, failing what still waits on it.
   */
  async function closeWorker(r: Running): Promise<void> {
    if (r.redis.status !== 'ready') {
      await withinMs(CLOSE_STEP_MS, r.worker.close(true), () => {});
      return;
    }
    await withinMs(JOB_FINISH_GRACE_MS, r.worker.close(), () => {
      log.warn({ queue: r.queueName }, `worker ${r.queueName}: jobs still active after ${JOB_FINISH_GRACE_MS / 1000} s; stopping without them (they run again elsewhere)`);
      r.redis.disconnect();
    });
  }

  let closing: Promise<void> | undefined;
  async function closeAll(): Promise<void> {
    // A draining process takes no new jobs: it stops counting as a live worker first.
    await withinMs(CLOSE_STEP_MS, heartbeat.stop(), () => {});
    await closeRedis(heartbeatRedis);
    // Stop fetching and wait for active jobs; the drain lets jobs parked in a batcher commit now, not on a timer.
    const closes = running.map((r) => closeWorker(r));
    for (const r of running) r.processor.drain?.();
    await Promise.all(closes);
    for (const r of running) {
      await withinMs(CLOSE_STEP_MS, r.processor.close?.() ?? Promise.resolve(), () => log.warn({ queue: r.queueName }, `worker ${r.queueName}: not closed within ${CLOSE_STEP_MS / 1000} s; leaving it`));
    }
    await Promise.all(running.map((r) => closeRedis(r.redis)));
    if (!options.sql) await sql.end({ timeout: 5 });
  }

  return {
    workers: running.map(({ queueName, concurrency, worker }) => ({ queueName, concurrency, worker })),
    settings,
    heartbeat,
    close: () => (closing ??= closeAll()),
  };
}
