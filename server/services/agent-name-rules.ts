// The rules for a team member's names, without dependencies: the server enforces them (agent-names.ts) and the
// console checks them as the person types (Account panel, team page), so both refuse the same names.

export const MAX_NAME_CHARS = 80;
export const MAX_SHOWN_NAME_CHARS = 40;

/**
 * Control characters (line breaks, tabs …), the line and paragraph separators, and the bidirectional overrides and
 * isolates: a name is one line, and an override would let "Support" be written backwards in a shopper's chat.
 */
const FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** Counted as people read them (an emoji is one), not in UTF-16 units; Postgres's char_length counts the same. */
const charCount = (text: string) => [...text].length;

/** Why a name cannot be stored, as the server's error code; null when it can. `full` = the full name (required). */
export function nameProblem(kind: 'full' | 'shown', value: string): string | null {
  const text = value.trim();
  const prefix = kind === 'full' ? 'name' : 'display_name';
  if (!text) return kind === 'full' ? 'name_empty' : null;
  // Only invisible characters (zero-width spaces, joiners, a byte-order mark): shoppers would read "joined the chat."
  if (!text.replace(/[\p{Cf}\p{Z}\s]/gu, '')) return kind === 'full' ? 'name_empty' : `${prefix}_invalid`;
  if (charCount(text) > (kind === 'full' ? MAX_NAME_CHARS : MAX_SHOWN_NAME_CHARS)) return `${prefix}_too_long`;
  if (FORBIDDEN.test(text)) return `${prefix}_invalid`;
  return null;
}
