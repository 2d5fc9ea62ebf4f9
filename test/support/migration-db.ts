// A database of a test file's own for testing one migration on data held before it: migrated up to (not including)
// that migration, filled by the test, then migrated on with it (its backfill runs on what the test wrote).
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createSql, type Sql } from '../../server/db/client.ts';
import { migrate } from '../../server/db/migrate.ts';
import { adminUrl, databaseUrl } from './databases.ts';

const MIGRATIONS = fileURLToPath(new URL('../../server/db/migrations/', import.meta.url));

export interface DatabaseBefore {
  sql: Sql;
  /** Applies `migration` (and nothing else) and returns the names applied. */
  migrateOn(): Promise<string[]>;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

/** `migration` is its file name, e.g. '065_report_event_days.sql'. */
export async function databaseBefore(migration: string, options: { max?: number } = {}): Promise<DatabaseBefore> {
  const name = `shopdesk_before${migration.slice(0, 3)}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const dir = await mkdtemp(path.join(tmpdir(), `before${migration.slice(0, 3)}-`));
  const earlier = (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql') && f < migration);
  for (const file of earlier) await copyFile(path.join(MIGRATIONS, file), path.join(dir, file));
  const sql = createSql({ databaseUrl: databaseUrl(name) }, { max: options.max ?? 1 });
  await migrate(sql, () => {}, { dir });
  return {
    sql,
    async migrateOn() {
      await copyFile(path.join(MIGRATIONS, migration), path.join(dir, migration));
      return migrate(sql, () => {}, { dir });
    },
    async drop() {
      await sql.end({ timeout: 2 });
      const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
