// A migration that fails says which file it was, with nothing of the run applied; `npm run migrate` says a start-up
// problem in one line like the server; and a server started with MIGRATE_ON_START=false on a database behind its
// migrations refuses at once, naming them, instead of failing requests later. Real Postgres, databases of its own.
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createSql, type Sql } from '../../server/db/client.ts';
import { MigrationFailedError, migrate, pendingMigrations } from '../../server/db/migrate.ts';
import { adminUrl, databaseUrl } from '../support/databases.ts';
import { runScript } from '../support/run-script.ts';

/** What to undo after the file's tests, newest first: connections end before their database is dropped. */
const undo: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of undo.reverse()) await step();
});

async function emptyDatabase(): Promise<{ url: string; sql: Sql }> {
  const name = `shopdesk_migfail_${process.pid}_${randomBytes(4).toString('hex')}`;
  const onAdmin = async (statement: string) => {
    const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(statement);
    await admin.end();
  };
  await onAdmin(`create database ${name}`);
  undo.push(() => onAdmin(`drop database if exists ${name} with (force)`));
  const sql = createSql({ databaseUrl: databaseUrl(name) }, { max: 1 });
  undo.push(() => sql.end({ timeout: 2 }));
  return { url: databaseUrl(name), sql };
}

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'migfail-'));
  undo.push(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

const tableExists = async (sql: Sql, table: string) => (await sql`select to_regclass(${table})::text as t`)[0].t !== null;

describe('a failing migration', () => {
  it('names its file and keeps Postgres\'s error as the cause; nothing of the run is applied', async () => {
    const { sql } = await emptyDatabase();
    const dir = await folder({
      '001_widgets.sql': 'create table widgets (id int primary key);\n',
      '002_broken.sql': 'alter table widgets add column name text;\nalter table widgets add colum price int;\n',
      '003_later.sql': 'create table gadgets (id int primary key);\n',
    });
    const error = await migrate(sql, () => {}, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect((error as Error).message).toMatch(/^migration 002_broken\.sql failed, nothing of this run was applied: syntax error at or near "int"/);
    expect(((error as Error).cause as { code?: string }).code).toBe('42601');
    expect(await tableExists(sql, 'widgets')).toBe(false);
    expect(await tableExists(sql, 'gadgets')).toBe(false);
  });
});

describe('npm run migrate', () => {
  it('says an unreachable Postgres in one line, without its password', () => {
    const { code, stderr } = runScript('server/db/migrate-cli.ts', { DATABASE_URL: 'postgres://postgres:Zq7secret@127.0.0.1:1/shopdesk' });
    expect(code).toBe(1);
    expect(stderr.split('\n')).toEqual([expect.stringMatching(/^Postgres is not reachable at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/shopdesk /)]);
    expect(stderr).not.toContain('Zq7secret');
  });

  it('says a bad setting without a stack trace', () => {
    const { code, stderr } = runScript('server/db/migrate-cli.ts', { DATABASE_URL: 'mysql://db.example.com/shop' });
    expect(code).toBe(1);
    expect(stderr).toBe('Invalid configuration:\n  DATABASE_URL: must match pattern "^postgres(ql)?://"');
  });
});

describe('MIGRATE_ON_START=false', () => {
  it('lists the migrations a database lacks: all of them on an empty one, then the ones added since', async () => {
    const { sql } = await emptyDatabase();
    const dir = await folder({ '001_widgets.sql': 'create table widgets (id int primary key);\n' });
    expect(await pendingMigrations(sql, { dir })).toEqual(['001_widgets.sql']);
    await migrate(sql, () => {}, { dir });
    expect(await pendingMigrations(sql, { dir })).toEqual([]);
    await writeFile(path.join(dir, '002_gadgets.sql'), 'create table gadgets (id int primary key);\n');
    expect(await pendingMigrations(sql, { dir })).toEqual(['002_gadgets.sql']);
  });

  it('the server refuses to start on a database without the schema, in one line saying what to run', async () => {
    const { url, sql } = await emptyDatabase();
    const { code, stdout, stderr } = runScript('server/main.ts', { DATABASE_URL: url, MIGRATE_ON_START: 'false', REDIS_PREFIX: `test_migfail_${randomBytes(4).toString('hex')}` });
    expect(code, `${stdout}\n${stderr}`).toBe(1);
    expect(stderr).toMatch(/^\d+ migrations pending \(001_core\.sql, 002_\S+\.sql, 003_\S+\.sql, …\): run npm run migrate \(or set MIGRATE_ON_START=true\)$/);
    expect(stdout).not.toContain('Shopdesk is running');
    expect(await tableExists(sql, 'schema_migrations')).toBe(false); // it only looked
  });
});
