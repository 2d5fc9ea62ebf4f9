// A Redis that refuses the workers' password (rotated under a running deployment): ioredis puts the failed command on
// its errors (`err.command.args`, the password among them) and pino's error serializer copied it into every warning.
// A redis-server of the test's own with a password, rotated; the workers' own logger (createWorkersLogger) written to
// a buffer. The server's logger takes the same redaction (server/log-redaction.ts; in-process workers log through it).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { freePort } from '../support/redis-server.ts';
import { eventually } from '../support/sockets.ts';
import { createWorkersLogger, startWorkers, type WorkersHandle } from '../../workers/start.ts';

const OLD_PASSWORD = 'oldS3cretPW-rotated';
let env: TestEnv;
let port: number;
let redis: ChildProcess;
let handle: WorkersHandle | undefined;

beforeAll(async () => {
  port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', OLD_PASSWORD], { stdio: 'ignore' });
  await eventually(async () => {
    try {
      return execFileSync('redis-cli', ['-p', String(port), '-a', OLD_PASSWORD, '--no-auth-warning', 'PING']).toString().trim() === 'PONG';
    } catch {
      return false;
    }
  }, 10_000, 'redis-server with a password started');
  env = await createTestEnv();
}, 60_000);
afterAll(async () => {
  redis?.kill('SIGKILL');
  await Promise.race([handle?.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5_000))]);
  await env?.cleanup();
});

describe("the workers' log", () => {
  it('says that Redis refused the password without writing the password', async () => {
    let written = '';
    const log = createWorkersLogger({ logLevel: 'info' }, new Writable({ write(chunk, _encoding, done) { written += chunk.toString(); done(); } }));
    handle = await startWorkers({ ...env.config, redisUrl: `redis://:${OLD_PASSWORD}@127.0.0.1:${port}` }, { log, sql: env.sql });
    const cli = (...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args]).toString();
    cli('-a', OLD_PASSWORD, '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', 'the-new-one');
    cli('-a', 'the-new-one', '--no-auth-warning', 'CLIENT', 'KILL', 'TYPE', 'normal');

    await eventually(async () => /WRONGPASS|invalid password|NOAUTH/i.test(written) || null, 10_000, 'a warning about the refused password');
    const lines = written.split('\n').filter(Boolean);
    expect(lines.filter((line) => line.includes(OLD_PASSWORD))).toEqual([]);
    // What is left says which command failed, for whoever reads the log.
    expect(lines.some((line) => line.includes('"command"') && line.includes('[redacted]'))).toBe(true);
  }, 60_000);
});
