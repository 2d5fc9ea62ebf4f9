// Runs one of the product's entry points (server/main.ts, server/db/migrate-cli.ts…) to its end, as `npm start` or
// `npm run migrate` would, and returns its exit code and output: for start-ups that must refuse with one line.
import { spawnSync } from 'node:child_process';

export function runScript(script: string, env: Record<string, string>, timeoutMs = 60_000): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, NODE_ENV: 'test', PORT: '0', LOG_LEVEL: 'warn', WORKERS_IN_PROCESS: 'false', SEED_DEMO: 'false', ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
}
