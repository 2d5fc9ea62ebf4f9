// docker-compose.yml's Postgres health check, run as written against the state that fooled it. On a first start the
// postgres image initialises the database on a server that listens on its Unix socket only, then restarts it with
// TCP: a check over the socket reported that server ready, the app started and met a refused connection. Here a
// throw-away cluster of the test's own plays that init server (socket only), then the real thing (TCP as well); the
// check must say "not ready" to the first and "ready" to the second.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/redis-server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: { postgres: { healthcheck: { test: string[] } } } };

/** This machine's Postgres programs (initdb, pg_ctl, pg_isready), newest version first. */
const binDir = (() => {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : null;
})();
const asRoot = process.getuid?.() === 0;

let dir: string;
let port: number;
/** Runs a Postgres program as the cluster's owner (initdb refuses to run as root). */
function pgRun(program: string, args: string[]) {
  const command = path.join(binDir!, program);
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
    : spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${program} failed: ${result.stderr || result.stdout}`);
}
function startCluster(listen: string) {
  pgRun('pg_ctl', ['-D', path.join(dir, 'data'), '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses='${listen}'`, 'start']);
}
const stopCluster = () => pgRun('pg_ctl', ['-D', path.join(dir, 'data'), '-w', '-m', 'fast', 'stop']);

/** The compose health check as written, in the container's place: its default socket directory and port are the cluster's. */
function healthCheck(): number | null {
  const [kind, script] = compose.services.postgres.healthcheck.test;
  expect(kind).toBe('CMD-SHELL');
  const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, PGHOST: dir, PGPORT: String(port), PGCONNECT_TIMEOUT: '3' };
  return spawnSync('sh', ['-c', script], { env, encoding: 'utf8' }).status;
}

beforeAll(() => {
  if (!binDir) return;
  dir = mkdtempSync(path.join(tmpdir(), 'shopdesk-pg-health-'));
  chmodSync(dir, 0o777); // the cluster's owner writes its data, socket and log here
  pgRun('initdb', ['-D', path.join(dir, 'data'), '-U', 'shopdesk', '--auth=trust']);
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("docker compose's Postgres health check", () => {
  it.skipIf(!binDir)(`is not fooled by the image's socket-only init server, and passes once Postgres takes TCP connections${binDir ? '' : ' (skipped: no Postgres programs under /usr/lib/postgresql)'}`, async () => {
    port = await freePort();
    startCluster('');
    try {
      expect(healthCheck(), 'the init server (socket only) is not ready for the app').not.toBe(0);
    } finally {
      stopCluster();
    }
    startCluster('127.0.0.1');
    try {
      expect(healthCheck(), 'the server that listens on TCP is ready').toBe(0);
    } finally {
      stopCluster();
    }
  }, 60_000);
});
