// `docker compose stop` sends SIGTERM to each container's first process: that process must be the server's (or the
// workers') own node, which stops gracefully. With `npx tsx …` npm was that process and died of the signal without
// passing it on, leaving the real process to be killed at the grace period. The commands are read from
// docker-compose.yml and the Dockerfile and run exactly as written (cwd the repository, as WORKDIR /app), on this
// test's database and Redis prefix; the signal goes to the spawned process alone, as docker sends it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface ComposeService { command?: string[]; healthcheck?: { test?: string[] } }
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
/** The Dockerfile's CMD, in its exec (JSON) form: the shell form would put sh in front again. */
const dockerCmd = (() => {
  const line = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').match(/^CMD\s+(.*)$/m)?.[1] ?? '';
  return JSON.parse(line) as string[];
})();

/** Every process under `pid` (children, their children…), from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const walk = (p: number) => (parents.get(p) ?? []).forEach((child) => (found.push(child), walk(child)));
  walk(pid);
  return found;
}

/** Running (a zombie waiting for its parent to read its exit status has ended). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

let env: TestEnv;
const leftovers: number[] = [];
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  // An old-style command leaves its real process running after the test: never past the test file.
  for (const pid of leftovers) if (running(pid)) process.kill(pid, 'SIGKILL');
  await env?.cleanup();
});

/** LOG_LEVEL info: the workers' start and stop lines this test waits for and reads are info records (JSON, start.ts). */
function processEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env, NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', WORKERS_IN_PROCESS: 'false', SEED_DEMO: 'false', LOG_LEVEL: 'info',
    DATABASE_URL: env.config.databaseUrl, REDIS_URL: env.config.redisUrl, REDIS_PREFIX: env.config.redisPrefix, SESSION_SECRET: env.config.sessionSecret,
  };
}

interface Stopped { code: number | null; signal: string | null; output: string; survivors: number[] }

/**
 * Runs `command` until `ready` is in its output, sends SIGTERM to the spawned process only (docker signals PID 1, not
 * a process group), and reports how it ended and which of its processes (seen while it ran) still run a moment later.
 */
async function runThenTerminate(command: string[], ready: RegExp, onReady: () => Promise<void> = async () => {}): Promise<Stopped> {
  const child: ChildProcess = spawn(command[0], command.slice(1), { cwd: ROOT, env: processEnv() });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command.join(' ')} not ready in 90 s:\n${output}`)), 90_000);
    const check = () => ready.test(output) && (clearTimeout(timer), resolve());
    child.stdout!.on('data', check);
    void exited.then(({ code }) => reject(new Error(`${command.join(' ')} exited (${code}) before it was ready:\n${output}`)));
  });
  const tree = descendants(child.pid!);
  leftovers.push(child.pid!, ...tree);
  await onReady();
  child.kill('SIGTERM');
  const ended = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000))]);
  if (!ended) child.kill('SIGKILL');
  // The exit of the first process does not wait for orphans; give any process that is stopping on its own a moment.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const outcome = ended ?? { code: null, signal: 'still running after 20 s' };
  return { ...outcome, output, survivors: tree.filter(running) };
}

describe('stopping the containers (SIGTERM to the first process)', () => {
  it('no container command starts with npm or npx (they die of SIGTERM without passing it on; npm costs seconds of CPU)', () => {
    const commands = [compose.services.server.command, compose.services.workers.command, dockerCmd, compose.services.workers.healthcheck?.test?.slice(1)];
    for (const command of commands) {
      expect(command, JSON.stringify(command)).toBeDefined();
      expect(['npm', 'npx', 'sh']).not.toContain(command![0]);
    }
  });

  it('the workers drain and exit 0, leaving no process behind; their health check passes meanwhile', async () => {
    const health = compose.services.workers.healthcheck!.test!;
    expect(health[0]).toBe('CMD'); // exec form: no shell in front
    let healthRun: ReturnType<typeof spawnSync> | undefined;
    const stopped = await runThenTerminate(compose.services.workers.command!, /Email follow-ups:/, async () => {
      healthRun = spawnSync(health[1], health.slice(2), { cwd: ROOT, env: processEnv(), encoding: 'utf8', timeout: 20_000 });
    });
    expect(healthRun?.status, `${healthRun?.stdout}${healthRun?.stderr}`).toBe(0);
    expect(healthRun?.stdout).toMatch(/workers alive/);
    expect({ code: stopped.code, signal: stopped.signal }, stopped.output).toEqual({ code: 0, signal: null });
    expect(stopped.output).toMatch(/SIGTERM: workers shutting down/);
    expect(stopped.output).toMatch(/workers stopped/);
    expect(stopped.survivors).toEqual([]);
  });

  it('a stop while the server is still starting ends it at once (as PID 1, node would otherwise ignore it)', async () => {
    // Outside a PID namespace an unhandled SIGTERM kills the process (signal, no code); in a container node is PID 1,
    // where the kernel ignores it, and the server went on to start and was killed at the grace period. So the start
    // handles the signal itself: exit 143, said in one line, before the graceful stop is in place.
    const stopped = await runThenTerminate(compose.services.server.command!, /knowledge base:/);
    expect({ code: stopped.code, signal: stopped.signal }, stopped.output).toEqual({ code: 143, signal: null });
    expect(stopped.output).toMatch(/SIGTERM: server stopped while starting/);
    expect(stopped.output).not.toMatch(/Shopdesk is running/);
    expect(stopped.survivors).toEqual([]);
  });

  // The image's default command and compose's (the same today) are each run once.
  for (const command of new Set([JSON.stringify(compose.services.server.command), JSON.stringify(dockerCmd)])) {
    it(`the server (${JSON.parse(command).join(' ')}) closes and exits 0, leaving no process behind`, async () => {
      const stopped = await runThenTerminate(JSON.parse(command) as string[], /Shopdesk is running on/);
      expect({ code: stopped.code, signal: stopped.signal }, stopped.output).toEqual({ code: 0, signal: null });
      expect(stopped.output).toMatch(/SIGTERM: server shutting down/);
      expect(stopped.output).toMatch(/server stopped/);
      expect(stopped.survivors).toEqual([]);
    });
  }
});
