// What the benchmarks share: BANKING77 read from its CSV files, training rows as
// intents, 1,000 synthetic articles made of its sentences, and latency taken one
// message at a time as in a chat.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../knowledge-base/classifier/softmax.ts';
import type { IntentDefinition } from '../knowledge-base/classifier/intent-classifier.ts';
import type { ArticleInput } from '../knowledge-base/retriever.ts';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
const datasetDir = resolve(process.env.BANKING77_DIR ?? join(repoRoot, '../shared/datasets/banking77'));

/** train.csv and test.csv, or null (having said why `script` skips) when the dataset is not on this machine. */
export function readBanking77(script: string): { train: Row[]; test: Row[] } | null {
  const trainPath = join(datasetDir, 'train.csv');
  const testPath = join(datasetDir, 'test.csv');
  if (!existsSync(trainPath) || !existsSync(testPath)) {
    console.log(`${script} skipped: BANKING77 not found (need ${trainPath} and ${testPath}; set BANKING77_DIR).`);
    return null;
  }
  return { train: readCsv(trainPath), test: readCsv(testPath) };
}

export interface Row {
  text: string;
  label: string;
}

/** RFC 4180 CSV (quoted fields may hold commas, quotes and newlines). */
export function readCsv(path: string): Row[] {
  const source = readFileSync(path, 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  const [header, ...body] = rows;
  const textCol = header.indexOf('text');
  const labelCol = header.indexOf('category');
  return body.filter((r) => r.length > Math.max(textCol, labelCol)).map((r) => ({ text: r[textCol], label: r[labelCol] }));
}

export function toIntents(rows: Row[]): IntentDefinition[] {
  const byLabel = new Map<string, string[]>();
  for (const r of rows) {
    const list = byLabel.get(r.label);
    if (list) list.push(r.text);
    else byLabel.set(r.label, [r.text]);
  }
  return [...byLabel].map(([name, examples]) => ({ name, examples }));
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function syntheticArticles(rows: Row[]): ArticleInput[] {
  const random = seededRandom(99);
  const pick = () => rows[Math.floor(random() * rows.length)].text;
  return Array.from({ length: 1000 }, (_, i) => ({
    id: i + 1,
    slug: `article-${i + 1}`,
    locale: 'en',
    title: pick(),
    category: rows[i % rows.length].label,
    body: [1, 2, 3].map((s) => `## ${pick()}\n\n${pick()} ${pick()} ${pick()}\n`).join('\n'),
  }));
}

export interface Latency {
  p50: number;
  p99: number;
  /** p99 of per-call CPU time: excludes time the process waited for a core on a loaded machine. */
  cpuP99: number;
}

/** Wall and CPU time of `call` on each text, one at a time as in a chat, after 50 warm-up calls. */
export async function latencyOf(texts: string[], call: (text: string) => Promise<unknown>): Promise<Latency> {
  for (const t of texts.slice(0, 50)) await call(t);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (const t of texts) {
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    await call(t);
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
  }
  return { p50: percentile(wall, 50), p99: percentile(wall, 99), cpuP99: percentile(cpu, 99) };
}

