// Benchmark of the interactions worker: how many events per second reach
// interaction_events when the queue is full of jobs shaped like the server's
// (1–3 events per job). Printed side by side with a baseline that writes the
// same events straight into Postgres with the same batched SQL and no queue.
// Runs on a throwaway database (bench_*) and Redis prefix, removed afterwards.
//   npx tsx bench/interactions-worker.ts [events]
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { cpus, loadavg } from 'node:os';
import postgres from 'postgres';
import { loadConfig, type Config } from '../server/config.ts';
import { assertPostgresReachable, assertRedisReachable } from '../server/dependencies.ts';
import { createSql, type Sql } from '../server/db/client.ts';
import { migrate } from '../server/db/migrate.ts';
import { createQueues, jobIdFor } from '../server/queues.ts';
import { QUEUE_INTERACTIONS, type InteractionEvent } from '../server/interaction-events.ts';
import { startWorkers } from '../workers/start.ts';
import { loadWorkerSettings, type WorkerSettings } from '../workers/settings.ts';
import { writeInteractionBatch } from '../workers/interaction-store.ts';
import { deleteRedisPrefix } from '../test/support/test-env.ts';
import { actualCounters, chatJobs, countEvents, createShoppers, expectedCounters, waitUntil } from '../test/workers/fixtures.ts';

export interface BenchOptions {
  /** Events to persist (default 50,000). */
  events?: number;
  /** Distinct shoppers the events belong to (default 500). */
  customers?: number;
  /** Worker tuning on top of the WORKER_* environment variables. */
  settings?: Partial<WorkerSettings>;
  /** Also time the no-queue baseline (default true). */
  baseline?: boolean;
  log?: (line: string) => void;
}

export interface BenchResult {
  events: number;
  jobs: number;
  seconds: number;
  eventsPerSecond: number;
  baseline: { seconds: number; eventsPerSecond: number } | null;
  /** Worker throughput as a fraction of the baseline's. */
  ratio: number | null;
}

async function throwawayConfig(): Promise<{ config: Config; dbName: string }> {
  const base = loadConfig();
  const id = randomBytes(4).toString('hex');
  const dbName = `bench_iw_${id}`;
  const url = new URL(base.databaseUrl);
  url.pathname = `/${dbName}`;
  const config = loadConfig(process.env, { databaseUrl: url.toString(), redisPrefix: `bench_iw_${id}`, logLevel: 'silent' });
  return { config, dbName };
}

async function dropDatabase(config: Config, dbName: string): Promise<void> {
  const url = new URL(config.databaseUrl);
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
  await admin.end();
}

async function resetTimeline(sql: Sql): Promise<void> {
  await sql`truncate interaction_events`;
  await sql`update customers set conversations_count = 0, messages_count = 0, last_seen_at = null`;
}

/** Fails loudly if the figures were produced by a run that lost or doubled anything. */
async function verify(sql: Sql, events: InteractionEvent[], customerIds: number[]): Promise<void> {
  const stored = await countEvents(sql);
  if (stored !== events.length) throw new Error(`expected ${events.length} rows, found ${stored}`);
  const expected = expectedCounters(events);
  const actual = await actualCounters(sql, customerIds);
  for (const [id, counters] of expected) {
    if (JSON.stringify(actual.get(id)) !== JSON.stringify(counters)) throw new Error(`counters of customer ${id} are wrong`);
  }
}

export async function benchInteractionsWorker(options: BenchOptions = {}): Promise<BenchResult> {
  const total = options.events ?? 50_000;
  const log = options.log ?? (() => {});
  const { config, dbName } = await throwawayConfig();
  await assertRedisReachable(config);
  await assertPostgresReachable(config); // creates the throwaway database
  const sql = createSql(config, { max: 4 });
  const queues = createQueues(config);
  try {
    await migrate(sql);
    const shoppers = await createShoppers(sql, options.customers ?? 500);
    const jobs = chatJobs(shoppers, total, 'bench');
    const events = jobs.flat();
    const customerIds = shoppers.map((s) => s.customerId);

    // Pre-fill the queue exactly as the server's producer would (same job ids and options).
    const interactions = queues.queue(QUEUE_INTERACTIONS);
    for (let i = 0; i < jobs.length; i += 1000) {
      await interactions.addBulk(jobs.slice(i, i + 1000).map((chunk) => ({
        name: 'events', data: { events: chunk }, opts: { jobId: jobIdFor('ix', chunk.map((e) => e.idempotencyKey)) },
      })));
    }
    log(`load average before the run: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (${cpus().length} cores; other processes share them)`);
    log(`queued ${total} events in ${jobs.length} jobs (${(total / jobs.length).toFixed(2)} events per job)`);

    const settings = loadWorkerSettings(process.env, options.settings);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const workers = await startWorkers(config, { queues: [QUEUE_INTERACTIONS], settings, log: { info: log, warn: log } });
    // A job completes only after its batch committed, so an empty queue means every event is in Postgres.
    // Polling Redis (cheap) rather than count(*) keeps the measurement from loading the database it measures.
    await waitUntil('queue drained', async () => {
      const c = await interactions.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return c.waiting + c.active + c.delayed + c.prioritized === 0;
    }, 600_000, 10);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await workers.close();
    await verify(sql, events, customerIds);
    const eventsPerSecond = total / seconds;
    log(`worker:   ${total} events in ${seconds.toFixed(2)} s = ${Math.round(eventsPerSecond)} events/s (concurrency ${settings.interactionsConcurrency}, batches ≤ ${settings.batchMaxEvents} events, flush ${settings.batchFlushMs} ms)`);
    log(`          worker process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s = ${((cpu.user + cpu.system) / 1e4 / seconds).toFixed(0)} % of one core`);

    let baseline: BenchResult['baseline'] = null;
    if (options.baseline ?? true) {
      await resetTimeline(sql);
      const t0 = performance.now();
      for (let i = 0; i < events.length; i += settings.batchMaxEvents) await writeInteractionBatch(sql, events.slice(i, i + settings.batchMaxEvents));
      const baseSeconds = (performance.now() - t0) / 1000;
      await verify(sql, events, customerIds);
      baseline = { seconds: baseSeconds, eventsPerSecond: total / baseSeconds };
      log(`baseline: ${total} events in ${baseSeconds.toFixed(2)} s = ${Math.round(baseline.eventsPerSecond)} events/s (direct batched inserts of ${settings.batchMaxEvents}, no queue)`);
      log(`ratio worker / baseline: ${(eventsPerSecond / baseline.eventsPerSecond).toFixed(2)}`);
    }
    return { events: total, jobs: jobs.length, seconds, eventsPerSecond, baseline, ratio: baseline ? eventsPerSecond / baseline.eventsPerSecond : null };
  } finally {
    await queues.close();
    await sql.end({ timeout: 5 });
    await dropDatabase(config, dbName);
    await deleteRedisPrefix(config);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const events = process.argv[2] ? Number(process.argv[2]) : undefined;
  benchInteractionsWorker({ events, log: (line) => console.log(line) })
    .then((result) => {
      console.log(`target ≥ 5000 events/s: ${result.eventsPerSecond >= 5000 ? 'met' : 'NOT met'}`);
      process.exit(0);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
