// The migration runner (server/db/migrate.ts) records each applied file's sha256 and refuses to go on when an applied
// file has changed since; rows applied before checksums existed get theirs on the next run, quietly. Real Postgres:
// an empty database of this file's own and a folder of migration files written here.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createSql, type Sql } from '../../server/db/client.ts';
import { MigrationChangedError, migrate } from '../../server/db/migrate.ts';
import { adminUrl, databaseUrl } from '../support/databases.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const FIRST = 'create table widgets (id int primary key);\n';
const SECOND = 'alter table widgets add column name text;\n';

const pools: Sql[] = [];
const databases: string[] = [];
const folders: string[] = [];

/** An empty database and an empty migrations folder for one test. */
async function freshSetup() {
  const name = `shopdesk_migck_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  databases.push(name);
  const dir = await mkdtemp(path.join(tmpdir(), 'migck-'));
  folders.push(dir);
  const connect = () => {
    const sql = createSql({ databaseUrl: databaseUrl(name) }, { max: 1 });
    pools.push(sql);
    return sql;
  };
  const write = (file: string, text: string) => writeFile(path.join(dir, file), text);
  return { sql: connect(), connect, dir, write };
}

afterAll(async () => {
  for (const sql of pools) await sql.end({ timeout: 2 });
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  for (const name of databases) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

let setup: Awaited<ReturnType<typeof freshSetup>>;
beforeEach(async () => {
  setup = await freshSetup();
});

const recorded = (sql: Sql) => sql<{ name: string; checksum: string | null }[]>`select name, checksum from schema_migrations order by name`;

describe('migration checksums', () => {
  it('records the sha256 of each file it applies', async () => {
    await setup.write('001_widgets.sql', FIRST);
    await setup.write('002_widget_name.sql', SECOND);
    expect(await migrate(setup.sql, () => {}, { dir: setup.dir })).toEqual(['001_widgets.sql', '002_widget_name.sql']);
    expect(await recorded(setup.sql)).toEqual([
      { name: '001_widgets.sql', checksum: sha256(FIRST) },
      { name: '002_widget_name.sql', checksum: sha256(SECOND) },
    ]);
    // Unchanged files: the next run applies nothing and does not complain.
    expect(await migrate(setup.sql, () => {}, { dir: setup.dir })).toEqual([]);
  });

  it('stops, naming the file and when it was applied, when an applied file was edited; nothing newer runs', async () => {
    await setup.write('001_widgets.sql', FIRST);
    await migrate(setup.sql, () => {}, { dir: setup.dir });
    const [{ applied_at: appliedAt }] = await setup.sql<{ applied_at: Date }[]>`select applied_at from schema_migrations`;

    await setup.write('001_widgets.sql', FIRST.replace('int', 'bigint')); // edited after it ran
    await setup.write('002_widget_name.sql', SECOND);
    const outcome = await migrate(setup.sql, () => {}, { dir: setup.dir }).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(MigrationChangedError);
    const message = (outcome as Error).message;
    expect(message).toContain('001_widgets.sql');
    expect(message).toContain(`changed after it was applied on ${appliedAt.toISOString()}`);
    expect(message).toContain('migrations are append-only — add a new one');
    // The newer file did not run: no column, no row.
    expect((await recorded(setup.sql)).map((r) => r.name)).toEqual(['001_widgets.sql']);
    const columns = await setup.sql`select column_name from information_schema.columns where table_name = 'widgets' and column_name = 'name'`;
    expect(columns).toHaveLength(0);

    // Restoring the applied text lets the run go on.
    await setup.write('001_widgets.sql', FIRST);
    expect(await migrate(setup.sql, () => {}, { dir: setup.dir })).toEqual(['002_widget_name.sql']);
  });

  it('fills in the checksums of rows applied before they were kept, without complaint or re-running them', async () => {
    // The table as the runner used to create it, with a migration already applied by it.
    await setup.sql`create table schema_migrations (name text primary key, applied_at timestamptz not null default now())`;
    await setup.sql.unsafe(FIRST);
    await setup.sql`insert into schema_migrations (name) values ('001_widgets.sql')`;
    await setup.write('001_widgets.sql', FIRST);
    await setup.write('002_widget_name.sql', SECOND);

    const lines: string[] = [];
    expect(await migrate(setup.sql, (line) => lines.push(line), { dir: setup.dir })).toEqual(['002_widget_name.sql']);
    expect(await recorded(setup.sql)).toEqual([
      { name: '001_widgets.sql', checksum: sha256(FIRST) },
      { name: '002_widget_name.sql', checksum: sha256(SECOND) },
    ]);
    expect(lines).toEqual(['migration checksums recorded for 1 earlier migration(s)', 'migration applied: 002_widget_name.sql']);

    // From now on that row is checked like the others.
    await setup.write('001_widgets.sql', `${FIRST}-- a comment added later\n`);
    await expect(migrate(setup.sql, () => {}, { dir: setup.dir })).rejects.toThrow(/001_widgets\.sql changed after it was applied on/);
  });

  it('keeps two runs at once safe: each file applied once, the old rows filled once', async () => {
    await setup.sql`create table schema_migrations (name text primary key, applied_at timestamptz not null default now())`;
    await setup.sql.unsafe(FIRST);
    await setup.sql`insert into schema_migrations (name) values ('001_widgets.sql')`;
    await setup.write('001_widgets.sql', FIRST);
    await setup.write('002_widget_name.sql', SECOND);

    // Two connections, as two servers starting together would have; the second waits on the advisory lock.
    const [a, b] = await Promise.all([
      migrate(setup.connect(), () => {}, { dir: setup.dir }),
      migrate(setup.connect(), () => {}, { dir: setup.dir }),
    ]);
    expect([...a, ...b]).toEqual(['002_widget_name.sql']);
    expect(await recorded(setup.sql)).toEqual([
      { name: '001_widgets.sql', checksum: sha256(FIRST) },
      { name: '002_widget_name.sql', checksum: sha256(SECOND) },
    ]);
  });

  it('checks the real migrations folder: a database migrated from it passes again', async () => {
    await migrate(setup.sql); // the product's own files, from scratch
    const rows = await recorded(setup.sql);
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.every((r) => r.checksum !== null && /^[0-9a-f]{64}$/.test(r.checksum))).toBe(true);
    expect(await migrate(setup.sql)).toEqual([]);
  });
});
