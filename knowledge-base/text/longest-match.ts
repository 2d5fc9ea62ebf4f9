// Text rewritten by a table of replacements, the longest source first at each position, left to right — how OpenCC
// segments text for conversion. Shared by the server's Traditional Chinese conversion (server/services/chinese-script.ts)
// and the widget's and console's Traditional strings (their traditional.ts), which differ only in their tables.

export interface ReplacementTable {
  replacements: Map<string, string>;
  /**
   * The longest source (in UTF-16 units) starting with each first unit: no longer slice is looked up, and text no
   * source starts with (markup, English) is passed over at one lookup a character.
   */
  longestFrom: Map<string, number>;
}

export function replacementTable(entries: Iterable<readonly [string, string]>): ReplacementTable {
  const replacements = new Map<string, string>();
  const longestFrom = new Map<string, number>();
  for (const [source, replacement] of entries) {
    if (!source) continue;
    replacements.set(source, replacement); // a later entry wins its source
    longestFrom.set(source[0], Math.max(longestFrom.get(source[0]) ?? 0, source.length));
  }
  return { replacements, longestFrom };
}

export function replaceLongestFirst(text: string, table: ReplacementTable): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    let length = Math.min(table.longestFrom.get(text[i]) ?? 0, text.length - i);
    for (; length >= 1; length--) {
      const replacement = table.replacements.get(text.slice(i, i + length));
      if (replacement !== undefined) {
        out += replacement;
        i += length;
        break;
      }
    }
    if (length === 0) out += text[i++];
  }
  return out;
}

/**
 * A small table as generated code carries it (scripts/traditional-tables.ts): pairs of single characters, source then
 * replacement, one after another, and the phrases that a character pair would convert wrongly.
 */
export interface CompactTable {
  chars: string;
  phrases: [string, string][];
}

export function compactTableConverter(table: CompactTable): (text: string) => string {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < table.chars.length; i += 2) pairs.push([table.chars[i], table.chars[i + 1]]);
  const replacements = replacementTable([...pairs, ...table.phrases]);
  return (text) => replaceLongestFirst(text, replacements);
}

/**
 * Text converted except where `kept` matches: what matches is left as it is and the text between is converted piece
 * by piece (a name, a shopper's own words, a link).
 */
export function convertedAround(text: string, kept: RegExp, convert: (text: string) => string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(kept)) {
    if (!match[0]) continue;
    out += convert(text.slice(last, match.index)) + match[0];
    last = match.index! + match[0].length;
  }
  return out + convert(text.slice(last));
}

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every string of a dictionary converted, and every wording function's result (nested groups too) — but not the text
 * its arguments put into it: "{name} 已加入对话" converts its own words and leaves an agent's name or a shopper's message
 * as written.
 */
export function convertedDictionary<T>(value: T, convert: (text: string) => string): T {
  if (typeof value === 'string') return convert(value) as T;
  if (typeof value === 'function') {
    return ((...args: unknown[]) => {
      const result = value(...args);
      if (typeof result !== 'string') return convertedDictionary(result, convert);
      const given = args.filter((arg): arg is string => typeof arg === 'string' && arg !== '').sort((a, b) => b.length - a.length);
      return given.length ? convertedAround(result, new RegExp(given.map(literally).join('|'), 'g'), convert) : convert(result);
    }) as T;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, convertedDictionary(inner, convert)])) as T;
  }
  return value;
}
