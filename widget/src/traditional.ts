// The widget's Chinese strings (written in Simplified, widget/src/i18n.ts) as a shopper in Taiwan or Hong Kong reads
// them, from a small generated table (widget/src/traditional-table.ts, built with the server's converter by
// scripts/widget-traditional-table.ts) rather than a converter with dictionaries on every shop page.
import { replaceLongestFirst, replacementTable } from '../../knowledge-base/text/longest-match.ts';
import { STRINGS, type Lang, type Strings } from './i18n.ts';
import { TRADITIONAL_TABLES } from './traditional-table.ts';

export interface WidgetTraditionalTable {
  /** Pairs of characters, Simplified then Traditional, one after another. */
  chars: string;
  /** Short phrases a character pair would convert wrongly (发送 → 傳送 in Taiwan, where 发 is otherwise 發). */
  phrases: [string, string][];
}

export function widgetConverter(table: WidgetTraditionalTable): (text: string) => string {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < table.chars.length; i += 2) pairs.push([table.chars[i], table.chars[i + 1]]);
  const replacements = replacementTable([...pairs, ...table.phrases]);
  return (text) => replaceLongestFirst(text, replacements);
}

/** Every string of a dictionary converted, and every wording function's result (nested groups too). */
function convertedStrings<T>(value: T, convert: (text: string) => string): T {
  if (typeof value === 'string') return convert(value) as T;
  if (typeof value === 'function') return ((...args: unknown[]) => convertedStrings(value(...args), convert)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, convertedStrings(inner, convert)])) as T;
  }
  return value;
}

const byTag = new Map<string, Strings>();

/** The widget's strings for a language and its tag: Chinese tagged zh-TW or zh-HK in that Traditional. */
export function stringsFor(lang: Lang, tag: string): Strings {
  if (lang !== 'zh' || (tag !== 'zh-TW' && tag !== 'zh-HK')) return STRINGS[lang];
  let strings = byTag.get(tag);
  if (!strings) byTag.set(tag, (strings = convertedStrings(STRINGS.zh, widgetConverter(TRADITIONAL_TABLES[tag]))));
  return strings;
}
