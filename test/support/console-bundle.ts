// The console bundle the browser tests' servers serve (public/build/console.js, read again whenever the file changes):
// built from this source once per test run, by the first test file that needs it, while the others wait.
// Each file used to build it again in its beforeAll, and esbuild rewrites the file in place (truncated, then written):
// another file's browser loading the console at that moment could be served a cut-off script, and that console never
// showed its login page.
import { access, mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILD_DIR, buildBundles } from '../../scripts/build-bundles.ts';
import { templateDb } from './databases.ts';

/** Runs `fn` holding the directory lock that keeps parallel test files from writing public/build at once. */
export async function withBundleLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = path.join(BUILD_DIR, '.widget-test-build.lock');
  await mkdir(BUILD_DIR, { recursive: true });
  for (let i = 0; ; i++) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (i > 600) throw new Error(`bundle lock ${lock} held for a minute; remove it if no test is running`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(lock);
  }
}

/** Says the console bundle was built in this run (the run's template database names it: unique per run). */
const builtMarker = () => path.join(tmpdir(), `${templateDb()}.console-bundle-built`);
const exists = (file: string) => access(file).then(() => true, () => false);

/** Builds public/build/console.js from this source unless this run has built it already. */
export async function consoleBundle(): Promise<void> {
  if (await exists(builtMarker())) return;
  await withBundleLock(async () => {
    if (await exists(builtMarker())) return;
    await buildBundles(['console']);
    await writeFile(builtMarker(), '');
  });
}

/** For the global teardown. */
export const forgetConsoleBundleBuilt = () => rm(builtMarker(), { force: true });
