// Alt+letter keyboard shortcuts. They match the physical key (event.code, "KeyJ"), not the character it typed
// (event.key): on macOS Option+A types "å" and Option+N is a dead key, and with Caps Lock on the key is "J", so
// comparing characters missed them. Ctrl or Meta held with Alt is not a shortcut: on Windows AltGr arrives as
// Ctrl+Alt and types characters ("ą", "@") that must reach the text box.
// Alt+C ("compose") puts the cursor in the open chat's reply box; Alt+P marks the open chat priority, or not.
export type ShortcutLetter = 'A' | 'C' | 'J' | 'K' | 'N' | 'P' | 'R' | 'S' | 'Z';

/** Whether the event is Alt (Option) + this letter's key. */
export function isAltShortcut(event: KeyboardEvent, letter: ShortcutLetter): boolean {
  return event.altKey && !event.ctrlKey && !event.metaKey && event.code === `Key${letter}`;
}

const onMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** The modifier's name as the agent's keyboard prints it: "⌥" (Option) on a Mac, "Alt" elsewhere. */
export const ALT_LABEL = onMac ? '⌥' : 'Alt';

/** A shortcut as shown in titles and help: "Alt+A", or "⌥+A" on a Mac. */
export const altLabel = (letter: ShortcutLetter): string => `${ALT_LABEL}+${letter}`;

/**
 * Whether the agent is typing somewhere now (a text box or an editable element): keys like "?" are theirs then, and
 * focus is not moved away from under them. A select, a button or a checkbox that keeps the focus after a click is not.
 */
export function isTypingIn(element: Element | null): boolean {
  if (!element || !(element instanceof HTMLElement)) return false;
  if (element.isContentEditable) return true;
  if (element instanceof HTMLTextAreaElement) return true;
  if (element instanceof HTMLInputElement) return !['button', 'checkbox', 'radio', 'submit', 'reset', 'file', 'image', 'range', 'color'].includes(element.type);
  return false;
}

/** The shortcuts the "?" overlay lists, in its order: [keys, i18n key of what they do]. */
export const SHORTCUT_LIST: { keys: (alt: string) => string; what: string }[] = [
  { keys: (alt) => `${alt}+J / ${alt}+K`, what: 'shortcuts.nextPrevious' },
  { keys: (alt) => `${alt}+C`, what: 'shortcuts.compose' },
  { keys: (alt) => `${alt}+A`, what: 'shortcuts.accept' },
  { keys: (alt) => `${alt}+R`, what: 'shortcuts.resolve' },
  { keys: (alt) => `${alt}+Z`, what: 'shortcuts.snooze' },
  { keys: (alt) => `${alt}+P`, what: 'shortcuts.priority' },
  { keys: (alt) => `${alt}+N`, what: 'shortcuts.note' },
  { keys: (alt) => `${alt}+S`, what: 'shortcuts.assist' },
  { keys: () => 'Enter', what: 'shortcuts.send' },
  { keys: () => 'Shift+Enter', what: 'shortcuts.newLine' },
  { keys: () => '/', what: 'shortcuts.canned' },
  { keys: () => '?', what: 'shortcuts.showHelp' },
];
