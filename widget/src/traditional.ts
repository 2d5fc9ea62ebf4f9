// The widget's Chinese strings (written in Simplified, widget/src/i18n.ts) as a shopper in Taiwan or Hong Kong reads
// them, through a small table generated with the server's converter (widget/src/traditional-table.ts, built by
// scripts/traditional-tables.ts). The server sends the table for the shopper's variant with the widget's settings
// (GET /api/widget/settings?script=zh-TW), so the bundle every shop page loads carries neither it nor a dictionary.
import { compactTableConverter, convertedDictionary, type CompactTable } from '../../knowledge-base/text/longest-match.ts';
import { STRINGS, type Lang, type Strings } from './i18n.ts';

type TraditionalTag = 'zh-TW' | 'zh-HK';
const tables = new Map<string, CompactTable>();
const byTag = new Map<string, Strings>();

/** The table the server sent for a variant: from then on its Chinese strings are shown in that Traditional. */
export function useTraditionalTable(tag: TraditionalTag, table: CompactTable): void {
  tables.set(tag, table);
  byTag.delete(tag);
}

/** The widget's strings for a language and its tag: Chinese tagged zh-TW or zh-HK in that Traditional, once known. */
export function stringsFor(lang: Lang, tag: string): Strings {
  const table = lang === 'zh' ? tables.get(tag) : undefined;
  if (!table) return STRINGS[lang];
  let strings = byTag.get(tag);
  if (!strings) byTag.set(tag, (strings = convertedDictionary(STRINGS.zh, compactTableConverter(table))));
  return strings;
}
