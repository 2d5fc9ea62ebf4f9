// Whether the workers are up, seen from outside them: each worker process writes a heartbeat to Redis
// (workers/heartbeat.ts); /readyz reports live workers and queue backlogs without failing on them, /metrics has
// gauges for both and for pending webhook deliveries, and `npm run workers:health` (the workers container's health
// check) exits 0 only while a worker on this host beats. Real server, Postgres, Redis and a real worker process
// killed with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../support/server.ts';
import { startWorkers } from '../../workers/start.ts';
import { QUEUE_FEEDBACK } from '../../server/interaction-events.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let stack: TestStack;
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stack?.close();
});

interface Readiness {
  status: string;
  workers: { alive: number; lastSeenSecondsAgo: number | null; processes: string[] } | null;
  queues: Record<string, { waiting: number; active: number; delayed: number; failed: number }> | null;
}
async function readyz(): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${stack.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness };
}
async function metrics(): Promise<string> {
  return (await fetch(`${stack.url}/metrics`)).text();
}
/** The value of one sample line of the Prometheus text, e.g. sample(text, 'workers_alive'). */
function sample(text: string, series: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line?.slice(series.length + 1);
}

const childEnv = () => ({
  ...process.env,
  NODE_ENV: 'test',
  DATABASE_URL: stack.env.config.databaseUrl,
  REDIS_URL: stack.env.config.redisUrl,
  REDIS_PREFIX: stack.env.config.redisPrefix,
  SMTP_URL: '',
});
/** Runs the health check script; not spawnSync, which would stall this process's own in-process heartbeats. */
function healthCheck(...args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/health-check.ts', ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('worker health', () => {
  it('with no worker ever started: ready all the same, no live worker, +Inf since the last beat, backlogs visible', async () => {
    // Two pending deliveries and one delivered: only the pending are counted.
    const [webhook] = await stack.env.sql<{ id: number }[]>`
      insert into webhooks (url, secret, events) values ('https://crm.example/hook', 'secret', '{message.created}') returning id`;
    await stack.env.sql`
      insert into webhook_deliveries (webhook_id, event_key, event, payload, status)
      values (${webhook.id}, 'a', 'message.created', '{}', 'pending'), (${webhook.id}, 'b', 'message.created', '{}', 'pending'),
             (${webhook.id}, 'c', 'message.created', '{}', 'delivered')`;
    // A job nobody takes: it waits in Redis.
    await stack.servers[0].handle.ctx.queues.queue(QUEUE_FEEDBACK).add('rating', { not: 'a feedback job' });

    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.workers).toEqual({ alive: 0, lastSeenSecondsAgo: null, processes: [] });
    expect(ready.body.queues?.feedback).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0 });
    expect(ready.body.queues?.interactions).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    expect(Object.keys(ready.body.queues ?? {})).toEqual(expect.arrayContaining(['interactions', 'feedback', 'webhooks']));

    const text = await metrics();
    expect(sample(text, 'workers_alive')).toBe('0');
    expect(sample(text, 'workers_last_heartbeat_age_seconds')).toBe('+Inf');
    expect(sample(text, 'queue_jobs{queue="feedback",state="waiting"}')).toBe('1');
    expect(sample(text, 'queue_jobs{queue="webhooks",state="failed"}')).toBe('0');
    expect(sample(text, 'webhook_deliveries_pending')).toBe('2');

    const check = await healthCheck();
    expect(check.code).toBe(1);
    expect(check.output).toContain('no heartbeat ever recorded');

    // Not for the worker started next to send.
    await stack.env.sql`delete from webhooks where id = ${webhook.id}`;
  });

  it('counts a worker process while it beats, and stops counting it within seconds of a SIGKILL', { timeout: 90_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: ROOT,
      env: { ...childEnv(), WORKER_HEARTBEAT_MS: '500' }, // its key then lives 2 s
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

    try {
      await expect.poll(async () => (await readyz()).body.workers?.alive, { timeout: 45_000, interval: 500 }).toBe(1);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nworker process output:\n${output}`);
    }
    const seen = (await readyz()).body;
    expect(seen.workers?.processes[0]).toMatch(new RegExp(`^${hostname()}:${child.pid}:`));
    expect(seen.workers?.lastSeenSecondsAgo).toBeLessThanOrEqual(4);
    // The job that waited was taken: malformed, so it failed for good (kept in the failed list).
    await expect.poll(async () => (await readyz()).body.queues?.feedback).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });
    await expect.poll(async () => sample(await metrics(), 'workers_alive')).toBe('1');
    const healthy = await healthCheck();
    expect(healthy.code, healthy.output).toBe(0);
    expect(healthy.output).toContain(`${hostname()}:${child.pid}:`);

    child.kill('SIGKILL');
    await exited;
    // Its key expires (2 s), the servers' cache turns over (3 s): no live worker, and the silence is measured.
    await expect.poll(async () => (await readyz()).body.workers?.alive, { timeout: 15_000, interval: 500 }).toBe(0);
    const after = await readyz();
    expect(after.status).toBe(200); // chats go on without workers: readiness is not theirs to fail
    expect(after.body.workers?.lastSeenSecondsAgo).toBeGreaterThanOrEqual(1);
    const text = await metrics();
    expect(sample(text, 'workers_alive')).toBe('0');
    expect(Number(sample(text, 'workers_last_heartbeat_age_seconds'))).toBeGreaterThanOrEqual(1);
    const unhealthy = await healthCheck();
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.output).toMatch(/no live worker on .*last heartbeat of any worker \d+s ago/);
  });

  it('counts in-process workers too, and drops them at once when they stop cleanly', async () => {
    const workers = await startWorkers(stack.env.config, { heartbeatIntervalMs: 200, log: { info: () => {}, warn: () => {} } });
    try {
      await expect.poll(async () => (await readyz()).body.workers?.processes).toEqual([workers.heartbeat.id]);
      const anywhere = await healthCheck('--any');
      expect(anywhere.code, anywhere.output).toBe(0);
    } finally {
      await workers.close();
    }
    // No waiting for the TTL: the key went with the clean stop; the last beat is still remembered.
    await expect.poll(async () => (await readyz()).body.workers?.alive, { timeout: 5_000 }).toBe(0);
    expect((await readyz()).body.workers?.lastSeenSecondsAgo).not.toBeNull();
  });
});
