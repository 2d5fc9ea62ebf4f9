// A bar of action buttons that changes with each answer (a chat's header: Resolve becomes Reopen, Accept becomes
// Requeue) turns a double click into two different actions when the first answer arrives before the second click:
// the second click lands on the button that took the first one's place, and the chat the agent just resolved is
// reopened. The busy guard cannot help there (the first action is already over). So a pointer click that is the
// second half of a double click, landing on buttons that changed since its first half, does nothing: it was aimed at
// the button that is gone. Keyboard activation (Enter, Space: a click with detail 0) and shortcuts always act — a key
// press is aimed at what has focus now.

/** The two clicks of a double click are at most this far apart (the longest usual system setting). */
export const DOUBLE_CLICK_MS = 500;
/** …and this close together, in CSS pixels (a hand's tremble; systems allow a few pixels). */
const DOUBLE_CLICK_DISTANCE = 8;

export interface ClickMark { at: number; x: number; y: number }

/**
 * Whether `click` (at `now`) is a stray second click: the buttons changed (`changedAt`) less than a double click ago,
 * after the click before it (`previous`), and this click is the browser's second of a double click (detail ≥ 2), or
 * a quick one on the same spot the browser did not count as such.
 */
export function isStrayClick(click: { detail: number; x: number; y: number }, now: number, changedAt: number | null, previous: ClickMark | null): boolean {
  if (click.detail === 0 || changedAt === null || now - changedAt >= DOUBLE_CLICK_MS) return false;
  if (click.detail > 1) return true;
  return previous !== null && previous.at <= changedAt && now - previous.at < DOUBLE_CLICK_MS
    && Math.hypot(click.x - previous.x, click.y - previous.y) <= DOUBLE_CLICK_DISTANCE;
}

/**
 * Keeps the clock for one bar of actions. `layout` names which buttons the bar shows (it changes exactly when
 * buttons are swapped; null while there is no bar): `noteLayout` is called on every render, `onClickCapture` goes on
 * the bar's container and swallows a stray click before any button in it sees it.
 */
export function swapGuard(now: () => number = () => performance.now()) {
  let layout: string | null = null;
  let changedAt: number | null = null;
  let previous: ClickMark | null = null;
  return {
    noteLayout(next: string | null): void {
      // The bar's first appearance is not a swap: the page just opened and nothing was clicked on it yet.
      if (layout !== null && next !== null && next !== layout) changedAt = now();
      if (next !== null) layout = next;
    },
    onClickCapture(event: MouseEvent): void {
      const at = now();
      const stray = isStrayClick({ detail: event.detail, x: event.clientX, y: event.clientY }, at, changedAt, previous);
      if (event.detail > 0) previous = { at, x: event.clientX, y: event.clientY };
      if (!stray) return;
      event.preventDefault();
      event.stopPropagation();
    },
  };
}
