// Runs the real `npm start` (server/main.ts) on a test environment's database and Redis prefix, reads its start
// lines until one matches, then stops it with SIGTERM and waits for the exit (before the database is dropped).
import { spawn } from 'node:child_process';
import type { TestEnv } from './test-env.ts';

export async function startLogUntil(env: TestEnv, settings: Record<string, string>, until: RegExp, timeoutMs = 60_000): Promise<string> {
  const server = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: {
      ...process.env, NODE_ENV: 'test', PORT: '0', WORKERS_IN_PROCESS: 'false', LOG_LEVEL: 'silent',
      DATABASE_URL: env.config.databaseUrl, REDIS_PREFIX: env.config.redisPrefix, SESSION_SECRET: env.config.sessionSecret,
      ...settings,
    },
  });
  let out = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line matching ${until} in ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      if (until.test(out)) { clearTimeout(timer); resolve(out); }
    });
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited (${code}):\n${out}`)); });
  }).finally(async () => {
    const exited = new Promise((resolve) => (server.exitCode !== null ? resolve(null) : server.once('exit', resolve)));
    server.kill('SIGTERM');
    await exited;
  });
}
