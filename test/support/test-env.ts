// Per-test-file isolation on the real services: a database cloned from the
// migrated template and a Redis key prefix of its own.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../server/config.ts';
import { createSql, type Sql } from '../../server/db/client.ts';
import { templateDb, adminUrl, databaseUrl } from './databases.ts';

export interface TestEnv {
  config: Config;
  sql: Sql;
  /** Drops the database and deletes every Redis key under the prefix. */
  cleanup(): Promise<void>;
}

export async function createTestEnv(overrides: Partial<Config> = {}): Promise<TestEnv> {
  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const dbName = `shopdesk_t_${id}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName} template ${templateDb()}`);
  await admin.end();
  const config = loadConfig(
    { ...process.env, NODE_ENV: 'test' },
    {
      databaseUrl: databaseUrl(dbName),
      redisPrefix: `test_${id}`,
      port: 0,
      logLevel: (process.env.TEST_LOG_LEVEL as Config['logLevel'] | undefined) ?? 'silent',
      workersInProcess: false,
      seedDemo: false,
      sessionSecret: randomBytes(32).toString('hex'),
      demoAdminPassword: 'admin-password-123',
      demoAgentPassword: 'agent-password-123',
      ...overrides,
    },
  );
  const sql = createSql(config, { max: 4 });
  return {
    config,
    sql,
    async cleanup() {
      await sql.end({ timeout: 2 });
      const dropper = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists ${dbName} with (force)`);
      await dropper.end();
      await deleteRedisPrefix(config);
    },
  };
}

export async function deleteRedisPrefix(config: Pick<Config, 'redisUrl' | 'redisPrefix'>): Promise<void> {
  const redis = new Redis(config.redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redisPrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
