// Builds the browser bundles the server serves (widget and console) into public/build.
// Run by `npm run build`, and by the server on start when a bundle is missing or older than its sources.
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUILD_DIR = path.join(ROOT, 'public', 'build');

/** One entry per browser app: [source entry, output file name]. */
export const BUNDLES: { name: string; entry: string; outfile: string }[] = [
  { name: 'widget', entry: 'widget/src/main.ts', outfile: 'widget.js' },
  { name: 'console', entry: 'console/src/main.tsx', outfile: 'console.js' },
];

export async function buildBundles(names?: string[]): Promise<void> {
  await mkdir(BUILD_DIR, { recursive: true });
  for (const bundle of BUNDLES) {
    if (names && !names.includes(bundle.name)) continue;
    await build({
      entryPoints: [path.join(ROOT, bundle.entry)],
      outfile: path.join(BUILD_DIR, bundle.outfile),
      bundle: true,
      minify: true,
      format: 'iife',
      target: ['es2020'],
      jsx: 'automatic',
      jsxImportSource: 'preact',
      legalComments: 'none',
      logLevel: 'warning',
    });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const names = process.argv.slice(2);
  await buildBundles(names.length ? names : undefined);
  console.log(`bundles built into ${path.relative(ROOT, BUILD_DIR)}`);
}
