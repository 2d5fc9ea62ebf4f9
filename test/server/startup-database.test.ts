// Start-up against a database that is not there yet: processes started together each try to create it, and the
// workers leave the schema alone when MIGRATE_ON_START=false (the operator applies it). Real Postgres and processes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { assertPostgresReachable } from '../../server/dependencies.ts';
import { adminUrl, databaseUrl } from '../support/databases.ts';
import { deleteRedisPrefix } from '../support/test-env.ts';
import { loadConfig } from '../../server/config.ts';

const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
const created: string[] = [];
const freshName = () => {
  const name = `shopdesk_t_fresh_${process.pid}_${randomBytes(4).toString('hex')}`;
  created.push(name);
  return name;
};
afterAll(async () => {
  for (const name of created) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

describe('a database that is not there yet', () => {
  it('is created once when several processes start at the same moment (none fails on the race)', async () => {
    // Concurrent CREATE DATABASEs of one name: the losers get 42P04, or 23505 when both were in flight at once.
    for (let round = 0; round < 5; round++) {
      const url = databaseUrl(freshName());
      await Promise.all(Array.from({ length: 6 }, () => assertPostgresReachable({ databaseUrl: url })));
      const probe = postgres(url, { max: 1 });
      expect(await probe`select 1 as one`).toEqual([{ one: 1 }]);
      await probe.end();
    }
  });

  it('stand-alone workers with MIGRATE_ON_START=false apply no migration, and refuse to start on the unmigrated schema', async () => {
    const url = databaseUrl(freshName());
    const redisPrefix = `test_fresh_${randomBytes(4).toString('hex')}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      // At info, so that "worker ready" would be written had they started.
      env: { ...process.env, NODE_ENV: 'test', MIGRATE_ON_START: 'false', DATABASE_URL: url, REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'info' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // Ended with one line naming what is pending (they said "worker ready" and failed every job on the old schema).
      const code = await Promise.race([
        exited,
        new Promise<void>((resolve) => child.stdout.on('data', () => /worker ready/.test(out) && resolve())),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`workers neither ready nor ended in 60 s:\n${out}`)), 60_000)),
      ]);
      expect(code, out).toBe(1);
      expect(out).not.toContain('worker ready');
      expect(out).toMatch(/\d+ migrations pending \(001_core\.sql.*run npm run migrate/);
      const probe = postgres(url, { max: 1 });
      const [{ table }] = await probe`select to_regclass('schema_migrations')::text as table`;
      await probe.end();
      expect(table).toBeNull();
    } finally {
      child.kill('SIGTERM');
      await exited;
      await deleteRedisPrefix(loadConfig({ ...process.env, NODE_ENV: 'test' }, { redisPrefix }));
    }
  }, 90_000);
});
