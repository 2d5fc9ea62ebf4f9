// Applies the SQL files in ./migrations in name order, each once, inside one
// advisory lock so that several servers starting together do not race.
// Each applied file's sha256 is recorded: a file edited after it was applied is
// refused (the databases that ran the old text would never run the new one),
// so changes go into a new migration.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Sql } from './client.ts';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 4_207_311; // arbitrary, constant: identifies "shopdesk migrations" among advisory locks

/** An applied migration's file no longer has the text that was applied. */
export class MigrationChangedError extends Error {
  constructor(
    readonly file: string,
    readonly appliedAt: Date,
  ) {
    super(`migration ${file} changed after it was applied on ${appliedAt.toISOString()}; migrations are append-only — add a new one (and restore ${file} to its applied text)`);
    this.name = 'MigrationChangedError';
  }
}

/** A migration's SQL failed: names the file (the cause is Postgres's error). Nothing of the run was applied. */
export class MigrationFailedError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`migration ${file} failed, nothing of this run was applied: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationFailedError';
  }
}

/** MIGRATE_ON_START=false and the database lacks migrations this code needs: the operator applies them first. */
export class PendingMigrationsError extends Error {
  constructor(readonly files: string[]) {
    const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? ', …' : '');
    super(`${files.length} migration${files.length === 1 ? '' : 's'} pending (${shown}): run npm run migrate (or set MIGRATE_ON_START=true)`);
    this.name = 'PendingMigrationsError';
  }
}

export interface MigrateOptions {
  /** The folder of .sql files (tests use their own). */
  dir?: string;
}

export function migrationChecksum(text: Buffer | string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function migrationFiles(options: MigrateOptions): Promise<{ name: string; bytes: Buffer; checksum: string }[]> {
  const dir = options.dir ?? MIGRATIONS_DIR;
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  // Bytes, not text: the checksum is of the file exactly as it is on disk.
  return Promise.all(names.map(async (name) => {
    const bytes = await readFile(path.join(dir, name));
    return { name, bytes, checksum: migrationChecksum(bytes) };
  }));
}

/**
 * The migration files the database has not applied yet, in order (all of them when it has none). Read-only, for a
 * start with MIGRATE_ON_START=false: a schema behind the code would fail requests later with "relation … does not
 * exist" instead of saying so at start.
 */
export async function pendingMigrations(sql: Sql, options: MigrateOptions = {}): Promise<string[]> {
  const files = await migrationFiles(options);
  const [{ table }] = await sql<{ table: string | null }[]>`select to_regclass('schema_migrations')::text as table`;
  const applied = new Set(table === null ? [] : (await sql<{ name: string }[]>`select name from schema_migrations`).map((r) => r.name));
  return files.map((f) => f.name).filter((name) => !applied.has(name));
}

/** Refuses (PendingMigrationsError) when the database lacks a migration of this code. */
export async function assertMigrated(sql: Sql, options: MigrateOptions = {}): Promise<void> {
  const pending = await pendingMigrations(sql, options);
  if (pending.length > 0) throw new PendingMigrationsError(pending);
}

export async function migrate(sql: Sql, log: (line: string) => void = () => {}, options: MigrateOptions = {}): Promise<string[]> {
  const files = await migrationFiles(options);
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`;
    // Added by the runner itself (not a numbered migration): rows applied before it have no checksum yet.
    await tx`alter table schema_migrations add column if not exists checksum text`;
    const rows = await tx<{ name: string; applied_at: Date; checksum: string | null }[]>`select name, applied_at, checksum from schema_migrations`;
    const done = new Map(rows.map((r) => [r.name, r]));

    // Every applied file is checked before anything new runs: a changed one stops the run with nothing applied.
    const backfilled: string[] = [];
    for (const file of files) {
      const row = done.get(file.name);
      if (!row) continue;
      if (row.checksum === null) {
        // Applied before checksums were kept: today's text is taken as the applied one.
        await tx`update schema_migrations set checksum = ${file.checksum} where name = ${file.name}`;
        backfilled.push(file.name);
      } else if (row.checksum !== file.checksum) {
        throw new MigrationChangedError(file.name, row.applied_at);
      }
    }
    if (backfilled.length) log(`migration checksums recorded for ${backfilled.length} earlier migration(s)`);

    for (const file of files) {
      if (done.has(file.name)) continue;
      try {
        await tx.unsafe(file.bytes.toString('utf8'));
      } catch (error) {
        // Postgres's message alone does not say which of the files it came from.
        throw new MigrationFailedError(file.name, error);
      }
      await tx`insert into schema_migrations (name, checksum) values (${file.name}, ${file.checksum})`;
      applied.push(file.name);
      log(`migration applied: ${file.name}`);
    }
  });
  return applied;
}
