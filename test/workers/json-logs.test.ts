// The workers log like the server: JSON lines at LOG_LEVEL, marked component "workers", a failed job's error under
// `err` (message and stack, pino's serializer) rather than in the text. The stand-alone process (npm run workers) and
// the workers inside the server (WORKERS_IN_PROCESS, through a child of the server's own logger) are real processes
// here, on the test's own database and Redis prefix; a malformed feedback job makes each write a warning.
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { createQueues, type Queues } from '../../server/queues.ts';
import { QUEUE_FEEDBACK } from '../../server/interaction-events.ts';
import { processors } from '../../workers/processors.ts';
import { startWorkers } from '../../workers/start.ts';
import { readHeartbeats } from '../../workers/heartbeat.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

let env: TestEnv;
let queues: Queues;
let redis: Redis;
const children: ChildProcess[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  queues = createQueues(env.config);
  redis = new Redis(env.config.redisUrl);
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await queues?.close();
  redis?.disconnect();
  await env?.cleanup();
});

interface Started {
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Waits until `seen` holds for the output so far (60 s at most, or the process ended). */
  until(seen: (stdout: string) => boolean, what: string): Promise<void>;
  /** SIGTERM, and the exit code once it has stopped. */
  stop(): Promise<number | null>;
}

function start(script: string, extraEnv: Record<string, string>): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', SEED_DEMO: 'false', SMTP_URL: '', DATABASE_URL: env.config.databaseUrl,
      REDIS_URL: env.config.redisUrl, REDIS_PREFIX: env.config.redisPrefix, SESSION_SECRET: env.config.sessionSecret, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    async until(seen, what) {
      const deadline = Date.now() + 60_000;
      while (!seen(out)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          child.kill('SIGKILL'); // not left serving the queues of the tests that follow
          throw new Error(`${script}: no ${what}\nstdout:\n${out}\nstderr:\n${err}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

interface Record_ {
  level: number;
  msg: string;
  component?: string;
  [field: string]: unknown;
}

/** Every stdout line as JSON; a line that is not JSON fails the test, naming it. */
function records(stdout: string): Record_[] {
  return stdout.split('\n').filter((line) => line.trim() !== '').map((line) => {
    try {
      return JSON.parse(line) as Record_;
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
  });
}

const WARN = 40;
const INFO = 30;
const failedForGood = (r: Record_) => r.level === WARN && /^worker feedback: job \S+ failed for good/.test(r.msg);

/** The failed malformed job's record: the error's message and stack as fields, not flattened into the text. */
function expectSerialisedError(record: Record_ | undefined): void {
  expect(record).toMatchObject({ component: 'workers', queue: 'feedback', final: true });
  const err = record!.err as { type?: string; message?: string; stack?: string };
  expect(err.type).toBe('UnrecoverableError');
  expect(err.message).toEqual(expect.any(String));
  expect(err.message!.length).toBeGreaterThan(0);
  expect(err.stack).toContain(err.message);
  expect(record!.msg).not.toContain(err.message);
}

describe('stand-alone workers (npm run workers)', () => {
  it('LOG_LEVEL=info: every stdout line is a JSON record with level, msg and component "workers"; "worker ready" has its figures as fields', { timeout: 90_000 }, async () => {
    const workers = start('workers/main.ts', { LOG_LEVEL: 'info' });
    await workers.until((out) => (out.match(/worker ready/g) ?? []).length === processors.length, 'worker ready lines');
    await queues.queue(QUEUE_FEEDBACK).add('rating', { not: 'a feedback job' });
    await workers.until((out) => out.includes('failed for good'), 'failed job warning');
    expect(await workers.stop(), workers.stderr()).toBe(0);

    const lines = records(workers.stdout());
    for (const line of lines) {
      expect(line, JSON.stringify(line)).toMatchObject({ level: expect.any(Number), msg: expect.any(String), component: 'workers' });
    }
    const ready = lines.filter((r) => r.msg.startsWith('worker ready'));
    expect(ready.map((r) => r.queue).sort()).toEqual(processors.map((p) => p.queueName).sort());
    const feedbackReady = ready.find((r) => r.queue === QUEUE_FEEDBACK)!;
    expect(feedbackReady).toMatchObject({ level: INFO, concurrency: expect.any(Number) });
    expect(feedbackReady.msg).toBe(`worker ready: queue "${QUEUE_FEEDBACK}", concurrency ${feedbackReady.concurrency}`);
    expect(lines.find((r) => r.msg.startsWith('Email follow-ups'))).toMatchObject({ level: INFO, emailFollowups: false });
    expectSerialisedError(lines.find(failedForGood));
    // The stop is logged the same way (handleStopSignals writes through the workers' logger).
    expect(lines.at(-1)).toMatchObject({ level: INFO, msg: 'workers stopped', component: 'workers' });
  });

  it('LOG_LEVEL=warn: no info records ("worker ready" included), warnings still written as JSON', { timeout: 90_000 }, async () => {
    const workers = start('workers/main.ts', { LOG_LEVEL: 'warn' });
    // No ready line to wait for at this level: a job that fails shows the workers are serving.
    await queues.queue(QUEUE_FEEDBACK).add('rating', { not: 'a feedback job either' });
    await workers.until((out) => out.includes('failed for good'), 'failed job warning');
    // Its first heartbeat is written just before the ready lines would be; an exit 0 below (the graceful stop, not the
    // exit while starting) shows it got that far, so their absence is the log level's doing.
    await expect.poll(async () => (await readHeartbeats(redis, env.config)).alive.some((beat) => beat.pid === workers.pid), { timeout: 15_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await workers.stop(), workers.stderr()).toBe(0);

    const lines = records(workers.stdout());
    expect(workers.stdout()).not.toContain('worker ready');
    expect(lines.filter((r) => r.level < WARN)).toEqual([]);
    expectSerialisedError(lines.find(failedForGood));
  });
});

describe('workers inside the server (WORKERS_IN_PROCESS=true)', () => {
  it('write JSON records marked component "workers" among the server\'s own', { timeout: 120_000 }, async () => {
    const server = start('server/main.ts', { LOG_LEVEL: 'info', WORKERS_IN_PROCESS: 'true' });
    await server.until((out) => out.includes('Shopdesk is running on'), 'start banner');
    await queues.queue(QUEUE_FEEDBACK).add('rating', { not: 'a feedback job for the server' });
    await server.until((out) => out.includes('failed for good'), 'failed job warning');
    expect(await server.stop(), server.stderr()).toBe(0);

    // The server's start banner is plain text for people; its log records are JSON lines.
    const json = records(server.stdout().split('\n').filter((line) => line.startsWith('{')).join('\n'));
    expect(json.some((r) => r.component === undefined && r.level === INFO), server.stdout()).toBe(true); // Fastify's own
    expectSerialisedError(json.find(failedForGood));
  });

  it('startWorkers given a pino logger (as server/main.ts gives a child of app.log) writes through it', { timeout: 30_000 }, async () => {
    const written: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => { written.push(chunk.toString()); done(); } });
    const log = pino({ level: 'info' }, sink).child({ component: 'workers' });
    const workers = await startWorkers(env.config, { queues: [QUEUE_FEEDBACK], log });
    try {
      await queues.queue(QUEUE_FEEDBACK).add('rating', { not: 'a feedback job, in process' });
      await expect.poll(() => written.some((line) => line.includes('failed for good')), { timeout: 15_000 }).toBe(true);
    } finally {
      await workers.close();
    }
    expectSerialisedError(records(written.join('')).find(failedForGood));
  });
});
