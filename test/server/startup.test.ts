// Start-up failures end the process with one clear line, not a stack trace.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { loadConfig, ConfigError } from '../../server/config.ts';

function start(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stderr: result.stderr.trim(), stdout: result.stdout.trim() };
}

describe('start-up', () => {
  it('names an unreachable Postgres and how to start it', () => {
    const { code, stderr } = start({ DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/shopdesk' });
    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain('Postgres is not reachable at postgres://postgres:***@127.0.0.1:1/shopdesk');
    expect(stderr).toMatch(/Start it .*pg_ctlcluster|docker compose/);
    expect(stderr).not.toContain('secret');
  });

  it('names an unreachable Redis and how to start it', () => {
    // An existing database, so that the Postgres check (which creates a missing one) leaves nothing behind.
    const { code, stderr } = start({ REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain('Redis is not reachable at redis://127.0.0.1:1');
  });

  it("never prints a Redis password, with a user name or without one (redis://:password@host)", () => {
    const { code, stderr } = start({ REDIS_URL: 'redis://:redispw@127.0.0.1:1', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(code).toBe(1);
    expect(stderr).toContain('Redis is not reachable at redis://:***@127.0.0.1:1');
    expect(stderr).not.toContain('redispw');
  });

  it('refuses an invalid configuration, naming the setting', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(loadConfig({}).port).toBe(3000);
    // A mistyped yes/no stops the start instead of quietly meaning "no" (MODEL_OFFLINE=flase would allow downloads).
    expect(() => loadConfig({ MODEL_OFFLINE: 'flase' })).toThrow(/MODEL_OFFLINE: "flase" is neither true nor false/);
    expect(() => loadConfig({ WORKERS_IN_PROCESS: 'maybe' })).toThrow(ConfigError);
    expect(loadConfig({ WORKERS_IN_PROCESS: 'No', MODEL_OFFLINE: 'on' })).toMatchObject({ workersInProcess: false, modelOffline: true });
  });
});
