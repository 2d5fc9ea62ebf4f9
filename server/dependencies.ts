// Start-up checks: a missing Postgres or Redis ends the process with one line
// that names the URL and how to start the service, not a stack trace.
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { urlProblem, type Config } from './config.ts';

export class DependencyError extends Error {}

/**
 * The address without its password, whether it names a user ("postgres://user:pw@…") or not ("redis://:pw@…").
 * Parsed, so that an "@" in the password ("shop:p@ss@host") is not taken for the end of it; an address that does not
 * parse, or leaves an "@" after its host (the configuration refuses those, but this must never print one), keeps only
 * what follows its last "@".
 */
export function redact(address: string): string {
  if (urlProblem(address) !== null) {
    const at = address.lastIndexOf('@');
    return at < 0 ? address : `${address.slice(0, address.indexOf('//') + 2)}***@${address.slice(at + 1)}`;
  }
  const url = new URL(address);
  if (url.password) url.password = '***';
  // ioredis also takes the password from the query (?password=…).
  for (const key of ['password', 'pass', 'auth']) if (url.searchParams.has(key)) url.searchParams.set(key, '***');
  return url.toString();
}

/** Connects once; creates the database when the server is up but the database is not there yet. */
export async function assertPostgresReachable(config: Pick<Config, 'databaseUrl'>): Promise<void> {
  let probe: postgres.Sql | undefined;
  try {
    // Made inside the check: an address the client cannot read throws here, and must come out as one line too.
    probe = postgres(config.databaseUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
    await probe`select 1`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '3D000') {
      await createDatabase(config.databaseUrl);
      return;
    }
    throw new DependencyError(
      `Postgres is not reachable at ${redact(config.databaseUrl)} (${(error as Error).message}). ` +
        `Start it (e.g. "pg_ctlcluster 15 main start" or "docker compose up -d postgres") or set DATABASE_URL.`,
    );
  } finally {
    await probe?.end({ timeout: 1 });
  }
}

async function createDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name.replace(/"/g, '""')}"`);
  } catch (error) {
    // Created meanwhile by another process: 42P04 when its CREATE had committed, 23505 (the unique index on
    // pg_database's names) when both were in flight at once.
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error;
  } finally {
    await admin.end({ timeout: 1 });
  }
}

export async function assertRedisReachable(config: Pick<Config, 'redisUrl'>): Promise<void> {
  const probe = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new DependencyError(
      `Redis is not reachable at ${redact(config.redisUrl)} (${(error as Error).message}). ` +
        `Start it (e.g. "redis-server --daemonize yes" or "docker compose up -d redis") or set REDIS_URL.`,
    );
  } finally {
    probe.disconnect();
  }
}
