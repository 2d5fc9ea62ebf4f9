// The widget's Chinese strings (written in Simplified, widget/src/i18n.ts) as a shopper in Taiwan or Hong Kong reads
// them, from a small generated table (widget/src/traditional-table.ts, built with the server's converter by
// scripts/traditional-tables.ts) rather than a converter with dictionaries on every shop page.
import { compactTableConverter, convertedDictionary } from '../../knowledge-base/text/longest-match.ts';
import { STRINGS, type Lang, type Strings } from './i18n.ts';
import { TRADITIONAL_TABLES } from './traditional-table.ts';

const byTag = new Map<string, Strings>();

/** The widget's strings for a language and its tag: Chinese tagged zh-TW or zh-HK in that Traditional. */
export function stringsFor(lang: Lang, tag: string): Strings {
  if (lang !== 'zh' || (tag !== 'zh-TW' && tag !== 'zh-HK')) return STRINGS[lang];
  let strings = byTag.get(tag);
  if (!strings) byTag.set(tag, (strings = convertedDictionary(STRINGS.zh, compactTableConverter(TRADITIONAL_TABLES[tag]))));
  return strings;
}
