// Builds one migrated template database per test run; every test file then
// clones it (fast) so files never share rows. Fails fast with the start
// command when Postgres or Redis is down.
import postgres from 'postgres';
import { loadConfig } from '../../server/config.ts';
import { assertPostgresReachable, assertRedisReachable } from '../../server/dependencies.ts';
import { createSql } from '../../server/db/client.ts';
import { migrate } from '../../server/db/migrate.ts';
import { randomBytes } from 'node:crypto';
import { adminUrl, databaseUrl } from './databases.ts';
import { forgetConsoleBundleBuilt } from './console-bundle.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const base = loadConfig({ ...process.env, NODE_ENV: 'test' });
  await assertRedisReachable(base);
  await assertPostgresReachable({ databaseUrl: adminUrl() });
  const TEMPLATE_DB = `shopdesk_template_${process.pid}_${randomBytes(3).toString('hex')}`;
  process.env.SHOPDESK_TEST_TEMPLATE = TEMPLATE_DB;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
  await admin.unsafe(`create database ${TEMPLATE_DB}`);
  const sql = createSql({ databaseUrl: databaseUrl(TEMPLATE_DB) }, { max: 1 });
  await migrate(sql);
  await sql.end();
  await admin.end();
  return async () => {
    const cleanup = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await cleanup.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`);
    await cleanup.end();
    await forgetConsoleBundleBuilt();
  };
}
