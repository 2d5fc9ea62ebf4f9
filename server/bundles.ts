// Builds the browser bundles on start when one is missing or older than its
// sources, so `npm start` on a fresh clone serves a working widget and console.
import { stat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BUNDLES, BUILD_DIR, ROOT, buildBundles } from '../scripts/build-bundles.ts';

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(full) : (await stat(full)).mtimeMs);
  }
  return newest;
}

export async function ensureBundles(log: (line: string) => void): Promise<void> {
  const stale: string[] = [];
  for (const bundle of BUNDLES) {
    const source = path.join(ROOT, bundle.entry);
    if (!(await stat(source).catch(() => null))) continue; // app not written yet
    const built = await stat(path.join(BUILD_DIR, bundle.outfile)).catch(() => null);
    const sourcesChanged = await newestMtime(path.dirname(path.dirname(source)));
    if (!built || built.mtimeMs < sourcesChanged) stale.push(bundle.name);
  }
  if (!stale.length) return;
  log(`building browser bundles: ${stale.join(', ')}`);
  await buildBundles(stale);
}
