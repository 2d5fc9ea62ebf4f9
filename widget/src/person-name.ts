// How a person is greeted by first name, shared by the server's emails (the agent who replied) and the console's canned
// replies ({{customer.first_name}}, {{agent.first_name}}). No side effects: the console and the server import it.

/** Han characters (Chinese, and the kanji of Japanese names). */
const HAN = /\p{Script=Han}/u;
/** A word of middle dots alone, as in "约翰 · 史密斯" (a transliterated name). */
const DOTS = /^[·・‧•]+$/u;

/**
 * The name to greet someone by, or null when there is none. A name written in Chinese characters ("王小明", or
 * "王 小明" as some forms make people type it) has no first name to split off: its first part is the surname, and the
 * whole name (spaces dropped) is how it is written. Other names keep their first word ("Anna Smith" → "Anna"); a
 * romanised Chinese name ("Wang Fang") cannot be told from a Western one by its letters, so it too gives its first word.
 */
export function firstName(name: string | null | undefined): string | null {
  const trimmed = name?.trim();
  if (!trimmed) return null;
  const words = trimmed.split(/\s+/);
  // Every word in Chinese characters; "王小明 Sam" is two names and gives its first word like any other.
  if (HAN.test(words[0]) && words.every((word) => HAN.test(word) || DOTS.test(word))) return words.join('');
  return words[0];
}
