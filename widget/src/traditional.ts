// The widget's Chinese strings (written in Simplified, widget/src/i18n.ts) as a shopper in Taiwan or Hong Kong reads
// them, from a small generated table (widget/src/traditional-table.ts, built with the server's converter by
// scripts/traditional-tables.ts) rather than a converter with dictionaries on every shop page.
import { compactTableConverter } from '../../knowledge-base/text/longest-match.ts';
import { STRINGS, type Lang, type Strings } from './i18n.ts';
import { TRADITIONAL_TABLES } from './traditional-table.ts';

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
  if (!strings) byTag.set(tag, (strings = convertedStrings(STRINGS.zh, compactTableConverter(TRADITIONAL_TABLES[tag]))));
  return strings;
}
