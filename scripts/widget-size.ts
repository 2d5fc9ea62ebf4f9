// Prints the size of the widget bundle as shops download it (minified, gzip -9
// and brotli) against the 40 KB gzip budget, and how much of it is the
// Socket.IO client versus the widget's own code. Builds in memory with the same
// options as scripts/build-bundles.ts; writes nothing.
//   npx tsx scripts/widget-size.ts
import { build, type BuildOptions } from 'esbuild';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { ROOT } from './build-bundles.ts';

const BUDGET_GZIP_BYTES = 40 * 1024;

const options: BuildOptions = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  legalComments: 'none',
  write: false,
  metafile: true,
  logLevel: 'warning',
};

async function bundle(entry: { file: string } | { contents: string }) {
  const result = await build({
    ...options,
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'ts' } }),
    outfile: 'out.js',
  });
  const code = result.outputFiles![0].contents;
  return {
    raw: code.byteLength,
    gzip: gzipSync(code, { level: 9 }).byteLength,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).byteLength,
    metafile: result.metafile!,
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const widget = await bundle({ file: path.join(ROOT, 'widget/src/main.ts') });
// The client alone, used the way the widget uses it: what the widget would cost without its own code.
const socketOnly = await bundle({ contents: "import { io } from 'socket.io-client'; (globalThis as any).__io = io;" });

const byPackage = new Map<string, number>();
for (const output of Object.values(widget.metafile.outputs)) {
  for (const [file, info] of Object.entries(output.inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const key = match ? match[1] : file.startsWith('widget/') ? 'widget (own code)' : file.startsWith('server/') ? 'server (shared types)' : file;
    byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
  }
}

console.log('widget.js (minified)');
console.log(`  raw     ${kb(widget.raw)}  (${widget.raw} bytes)`);
console.log(`  gzip -9 ${kb(widget.gzip)}  (${widget.gzip} bytes)  budget ${kb(BUDGET_GZIP_BYTES)}  → ${widget.gzip <= BUDGET_GZIP_BYTES ? 'within budget' : 'OVER BUDGET'} (${((widget.gzip / BUDGET_GZIP_BYTES) * 100).toFixed(0)}% of it)`);
console.log(`  brotli  ${kb(widget.brotli)}  (${widget.brotli} bytes)`);
console.log('');
console.log(`socket.io-client alone: ${kb(socketOnly.raw)} raw, ${kb(socketOnly.gzip)} gzip → the widget's own code adds ~${kb(widget.gzip - socketOnly.gzip)} gzip`);
console.log('');
console.log('minified bytes by source:');
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1])) console.log(`  ${name.padEnd(28)} ${kb(bytes).padStart(9)}`);
if (widget.gzip > BUDGET_GZIP_BYTES) process.exitCode = 1;
