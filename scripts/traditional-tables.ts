// Builds the Traditional Chinese tables of the widget (widget/src/traditional-table.ts) and the console
// (console/src/traditional-table.ts): what each needs to show its Simplified Chinese strings in Traditional Chinese,
// Taiwan's or Hong Kong's, without carrying a converter and its dictionaries (a few MB) into the browser.
// Each Chinese run of the strings' source is converted as the server converts the bot's replies
// (server/services/chinese-script.ts). A character that always becomes the same one, and the one it becomes on its own,
// is kept as a character pair; around any other change, the shortest window of the run that converts the same way
// wherever it appears is kept as a phrase (回复 → 回覆, and in Taiwan 发送 → 傳送 where 发 is otherwise 發). The table
// is checked to convert every run as the server does. test/e2e/traditional-tables.test.ts fails when a committed table
// is not what this builds from the current strings.
//
//   npx tsx scripts/traditional-tables.ts      (rewrites both tables after the strings change)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { traditionalConverter, type TraditionalVariant } from '../server/services/chinese-script.ts';
import { compactTableConverter, type CompactTable } from '../knowledge-base/text/longest-match.ts';

const fromRoot = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const VARIANTS: TraditionalVariant[] = ['zh-TW', 'zh-HK'];

/**
 * Where each front-end's Simplified strings are, and where its table goes. `alsoFrom`: files whose every Chinese run
 * the front-end shows too, though they are not its own strings — the console's names of the demo's article categories
 * (shared with the help centre) and the sentences of a customer's segment (worded by the server).
 */
export const FRONT_ENDS: Record<'widget' | 'console', { strings: string; from: string; to: string; alsoFrom?: readonly string[]; table: string }> = {
  widget: { strings: 'widget/src/i18n.ts', from: 'const zh: Strings', to: 'export const STRINGS', table: 'widget/src/traditional-table.ts' },
  console: {
    strings: 'console/src/i18n.ts', from: 'const zh: Record<Key, string>', to: 'export type Locale',
    alsoFrom: ['knowledge-base/categories.ts', 'server/services/customer-segment.ts'], table: 'console/src/traditional-table.ts',
  },
};
export type FrontEnd = keyof typeof FRONT_ENDS;
export const tableFile = (frontEnd: FrontEnd) => fromRoot(FRONT_ENDS[frontEnd].table);

/** The runs of Chinese characters in a front-end's Simplified strings, read from their source (templates included). */
export function simplifiedRuns(frontEnd: FrontEnd): string[] {
  const { strings, from, to, alsoFrom = [] } = FRONT_ENDS[frontEnd];
  const source = readFileSync(fromRoot(strings), 'utf8');
  const start = source.indexOf(from);
  const end = source.indexOf(to, start);
  if (start < 0 || end < 0) throw new Error(`${strings}: the Simplified strings were not found between "${from}" and "${to}"`);
  const texts = [source.slice(start, end), ...alsoFrom.map((file) => readFileSync(fromRoot(file), 'utf8'))];
  return [...new Set(texts.flatMap((text) => text.match(/[\u3400-\u9fff]+/gu) ?? []))].sort();
}

export async function buildTable(runs: string[], variant: TraditionalVariant): Promise<CompactTable> {
  const convert = await traditionalConverter(variant);
  const converted = runs.map((run) => [run, convert(run)] as const);
  // Every character a run's character became, itself included.
  const becomes = new Map<string, Set<string>>();
  for (const [run, into] of converted) {
    if (into.length !== run.length) continue;
    for (let i = 0; i < run.length; i++) (becomes.get(run[i]) ?? becomes.set(run[i], new Set()).get(run[i])!).add(into[i]);
  }
  // A pair when that is always one character and the one it becomes on its own: 打 in 打开 → 開啟 is part of a
  // Taiwanese phrase, not a character to rewrite in an agent's name.
  const pairOf = (char: string) => {
    const targets = becomes.get(char);
    const target = targets?.size === 1 ? [...targets][0] : null;
    return target !== null && target === convert(char) ? target : null;
  };
  const pairs = [...becomes.keys()].sort().filter((char) => pairOf(char) !== null && pairOf(char) !== char);
  // Quotation marks, which no run holds: every string is Chinese, so they are as the server writes them in Chinese
  // (Taiwan's 「」 for “”).
  const quotes = [...'“”'].filter((mark) => convert(`字${mark}字`)[1] !== mark).map((mark) => mark + convert(`字${mark}字`)[1]);
  const convertsAlike = (window: string, into: string) => converted.every(([run, whole]) => {
    for (let at = run.indexOf(window); at >= 0; at = run.indexOf(window, at + 1)) {
      if (whole.length !== run.length || whole.slice(at, at + window.length) !== into) return false;
    }
    return true;
  });
  const phrases = new Map<string, string>();
  for (const [run, into] of converted) {
    if (into.length !== run.length) {
      phrases.set(run, into);
      continue;
    }
    for (let i = 0; i < run.length; i++) {
      if (run[i] === into[i] || pairOf(run[i]) === into[i]) continue;
      window: for (let size = 2; size <= run.length; size++) {
        for (let start = Math.max(0, i - size + 1); start <= i && start + size <= run.length; start++) {
          const [key, value] = [run.slice(start, start + size), into.slice(start, start + size)];
          if (convertsAlike(key, value)) {
            phrases.set(key, value);
            break window;
          }
        }
      }
    }
  }
  const table: CompactTable = { chars: [...pairs.map((char) => char + pairOf(char)), ...quotes].join(''), phrases: [...phrases].sort() };
  // Windows can overlap at run time: a run the table does not convert as the server would is kept whole. A run kept
  // whole can take the start of another run's window in turn, so this goes on until every run converts (it ends: a
  // run kept whole always converts, being the longest source at its own start).
  for (;;) {
    const check = compactTableConverter(table);
    const wrong = converted.filter(([run, into]) => check(run) !== into && !table.phrases.some(([source]) => source === run));
    if (!wrong.length) break;
    table.phrases.push(...wrong.map(([run, into]) => [run, into] as [string, string]));
  }
  return table;
}

/** A front-end's table file, as text. */
export async function tableSource(frontEnd: FrontEnd): Promise<string> {
  const runs = simplifiedRuns(frontEnd);
  const tables = await Promise.all(VARIANTS.map(async (variant) => [variant, await buildTable(runs, variant)] as const));
  const body = tables.map(([variant, table]) => `  '${variant}': {\n    chars: ${JSON.stringify(table.chars)},\n    phrases: ${JSON.stringify(table.phrases)},\n  },`).join('\n');
  const { strings, alsoFrom = [] } = FRONT_ENDS[frontEnd];
  return `// Generated by scripts/traditional-tables.ts from the Simplified strings in ${[strings, ...alsoFrom].join(', ')} and OpenCC's
// dictionaries (through opencc-js); test/e2e/traditional-tables.test.ts fails when it is out of date. Not edited by hand.
import type { CompactTable } from '../../knowledge-base/text/longest-match.ts';

export const TRADITIONAL_TABLES: Record<'zh-TW' | 'zh-HK', CompactTable> = {
${body}
};
`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const frontEnd of Object.keys(FRONT_ENDS) as FrontEnd[]) {
    writeFileSync(tableFile(frontEnd), await tableSource(frontEnd));
    console.log(`wrote ${FRONT_ENDS[frontEnd].table}`);
  }
}
