// The console in Traditional Chinese for agents in Taiwan or Hong Kong: its Simplified strings (i18n.ts) converted
// through a table generated with the server's converter (console/src/traditional-table.ts, built by
// scripts/traditional-tables.ts), so the browser carries no dictionary.
import { compactTableConverter } from '../../knowledge-base/text/longest-match.ts';
import { TRADITIONAL_TABLES } from './traditional-table.ts';

/** How the console writes Chinese: Simplified, or Taiwan's or Hong Kong's Traditional. */
export type ChineseScript = 'zh-CN' | 'zh-TW' | 'zh-HK';
export const CHINESE_SCRIPTS: readonly ChineseScript[] = ['zh-CN', 'zh-TW', 'zh-HK'];

const converters = new Map<ChineseScript, (text: string) => string>();

/** Simplified text as the script writes it (as it is for Simplified). */
export function inScript(text: string, script: ChineseScript): string {
  if (script === 'zh-CN') return text;
  let convert = converters.get(script);
  if (!convert) converters.set(script, (convert = compactTableConverter(TRADITIONAL_TABLES[script])));
  return convert(text);
}
