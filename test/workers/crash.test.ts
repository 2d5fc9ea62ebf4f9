// A worker process killed (SIGKILL) in the middle of its batches and started
// again: BullMQ re-delivers the jobs the dead process held, and every event
// ends up in interaction_events exactly once with exact counters.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { createQueues, type Queues } from '../../server/queues.ts';
import { QUEUE_INTERACTIONS } from '../../server/interaction-events.ts';
import { actualCounters, chatJobs, countEvents, createShoppers, expectedCounters, waitUntil } from './fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOTAL_EVENTS = 5000;

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function spawnWorker(env: TestEnv, extraEnv: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      // Its start and stop lines are info records (JSON lines; warn is the default under NODE_ENV=test).
      LOG_LEVEL: 'info',
      DATABASE_URL: env.config.databaseUrl,
      REDIS_URL: env.config.redisUrl,
      REDIS_PREFIX: env.config.redisPrefix,
      // Short locks so the jobs of a killed process are re-delivered within seconds, not the default 30 s.
      WORKER_LOCK_DURATION_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('interactions worker process crash', () => {
  let env: TestEnv;
  let queues: Queues;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    env = await createTestEnv();
    queues = createQueues(env.config);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await queues?.close();
    await env?.cleanup();
  });

  it('SIGKILL mid-processing, restart: every event exactly once, counters exact', { timeout: 120_000 }, async () => {
    const shoppers = await createShoppers(env.sql, 50);
    const jobs = chatJobs(shoppers, TOTAL_EVENTS, 'crash');
    expect(jobs.flat()).toHaveLength(TOTAL_EVENTS);
    for (let i = 0; i < jobs.length; i += 100) await Promise.all(jobs.slice(i, i + 100).map((events) => queues.enqueueInteractions(events)));
    const interactions = queues.queue(QUEUE_INTERACTIONS);
    expect(await interactions.getWaitingCount()).toBe(jobs.length);

    // First run, throttled (few jobs at a time, slow flushes) so the kill lands mid-way.
    const first = spawnWorker(env, { WORKER_INTERACTIONS_CONCURRENCY: '8', WORKER_BATCH_FLUSH_MS: '20' });
    children.push(first.child);
    await waitUntil('first worker has stored some events', async () => (await countEvents(env.sql)) >= 1000, 60_000, 10).catch((error: Error) => {
      throw new Error(`${error.message}\nworker output:\n${first.output()}`);
    });
    first.child.kill("SIGKILL");
    await first.exited;
    const storedAtKill = await countEvents(env.sql);
    const activeAtKill = await interactions.getActiveCount();
    expect(storedAtKill).toBeGreaterThan(0);
    expect(storedAtKill).toBeLessThan(TOTAL_EVENTS);
    expect(activeAtKill).toBeGreaterThan(0); // jobs the dead process held: locked, never completed

    const second = spawnWorker(env, {});
    children.push(second.child);
    await waitUntil(
      'restarted worker has stored everything and the queue is empty',
      async () => {
        const c = await interactions.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return (await countEvents(env.sql)) === TOTAL_EVENTS && c.waiting + c.active + c.delayed + c.prioritized === 0;
      },
      60_000,
      50,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nworker output:\n${second.output()}`);
    });

    const [{ distinct }] = await env.sql<{ distinct: number }[]>`select count(distinct idempotency_key)::int as distinct from interaction_events`;
    expect(distinct).toBe(TOTAL_EVENTS);
    expect(await actualCounters(env.sql, shoppers.map((s) => s.customerId))).toEqual(expectedCounters(jobs.flat()));
    const counts = await interactions.getJobCounts('completed', 'failed');
    expect(counts).toEqual({ completed: jobs.length, failed: 0 });

    // A polite stop drains and exits 0.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const said = second.output().split('\n').filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(said).toEqual(expect.arrayContaining([expect.stringMatching(/^worker ready: queue "interactions", concurrency \d+$/), 'workers stopped']));
  });
});
