// Stopping during a Redis outage: the server (with its in-process workers) and the stand-alone workers exit on
// SIGTERM instead of waiting for Redis for ever; a repeat of the signal right after the first (a process group
// stopped at once) is the same request, not "exit now". Real processes over a redis-server of the test's own.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { freePort, startRedisServer } from '../support/redis-server.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

let port: number;
let redis: ChildProcess;
let env: TestEnv;

beforeAll(async () => {
  port = await freePort();
  redis = await startRedisServer(port);
  env = await createTestEnv({ redisUrl: `redis://127.0.0.1:${port}` });
});
afterAll(async () => {
  // The cleanup deletes the file's keys there: started again only if down (killing a running one and starting
  // another on its port at once lost the race for the port).
  if (redis.exitCode !== null || redis.signalCode !== null) redis = await startRedisServer(port);
  await env?.cleanup();
  redis.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `script` against the test's database and Redis and waits for `ready` in its output. */
async function start(script: string, ready: RegExp, extraEnv: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', SEED_DEMO: 'false', LOG_LEVEL: 'warn', DATABASE_URL: env.config.databaseUrl,
      REDIS_URL: env.config.redisUrl, REDIS_PREFIX: env.config.redisPrefix, SESSION_SECRET: env.config.sessionSecret, ...extraEnv },
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready in 60 s:\n${out}`)), 60_000);
    const check = () => {
      if (ready.test(out)) { clearTimeout(timer); resolve(); }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`${script} exited (${code}):\n${out}`)));
  });
  return { child, output: () => out, exited };
}

/** Stops the test's Redis and waits until `started` has said so (its outage line). */
async function redisOutage(started: Started): Promise<void> {
  redis.kill('SIGKILL');
  await once(redis, 'exit');
  const deadline = Date.now() + 15_000;
  while (!/Redis unreachable/.test(started.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(started.output()).toMatch(/Redis unreachable/);
}

/** The process's exit code, or 'still running' after `ms`. */
const exitWithin = (started: Started, ms: number) =>
  Promise.race([started.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms))]);

describe('SIGTERM during a Redis outage', () => {
  it('the server with in-process workers exits, a repeated signal right after the first being the same request', async () => {
    const server = await start('server/main.ts', /Shopdesk is running on/, { WORKERS_IN_PROCESS: 'true' });
    try {
      await redisOutage(server);
      server.child.kill('SIGTERM');
      server.child.kill('SIGTERM'); // as a process group's stop delivers it (tsx and node both got it)
      const code = await exitWithin(server, 40_000);
      expect(code, server.output()).toBe(0);
      expect(server.output()).not.toContain('exiting without waiting');
    } finally {
      server.child.kill('SIGKILL');
      redis = await startRedisServer(port);
    }
  }, 120_000);

  it('the stand-alone workers exit', async () => {
    // "worker ready" is an info record: under LOG_LEVEL=warn it is not written.
    const workers = await start('workers/main.ts', /worker ready/, { LOG_LEVEL: 'info' });
    try {
      await redisOutage(workers);
      workers.child.kill('SIGTERM');
      workers.child.kill('SIGTERM'); // the same stop, delivered twice: still a graceful one
      const code = await exitWithin(workers, 40_000);
      expect(code, workers.output()).toBe(0);
      expect(workers.output()).toContain('workers stopped');
      expect(workers.output()).not.toContain('exiting without waiting');
    } finally {
      workers.child.kill('SIGKILL');
      redis = await startRedisServer(port);
    }
  }, 120_000);
});
