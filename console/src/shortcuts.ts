// Alt+letter keyboard shortcuts. They match the physical key (event.code, "KeyJ"), not the character it typed
// (event.key): on macOS Option+A types "å" and Option+N is a dead key, and with Caps Lock on the key is "J", so
// comparing characters missed them. Ctrl or Meta held with Alt is not a shortcut: on Windows AltGr arrives as
// Ctrl+Alt and types characters ("ą", "@") that must reach the text box.
export type ShortcutLetter = 'A' | 'J' | 'K' | 'N' | 'R' | 'S' | 'Z';

/** Whether the event is Alt (Option) + this letter's key. */
export function isAltShortcut(event: KeyboardEvent, letter: ShortcutLetter): boolean {
  return event.altKey && !event.ctrlKey && !event.metaKey && event.code === `Key${letter}`;
}

const onMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** The modifier's name as the agent's keyboard prints it: "⌥" (Option) on a Mac, "Alt" elsewhere. */
export const ALT_LABEL = onMac ? '⌥' : 'Alt';

/** A shortcut as shown in titles and help: "Alt+A", or "⌥+A" on a Mac. */
export const altLabel = (letter: ShortcutLetter): string => `${ALT_LABEL}+${letter}`;
