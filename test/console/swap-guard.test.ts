// Which clicks on a bar of swapped action buttons are the stray second half of a double click (console/src/swap-guard.ts).
import { describe, expect, it } from 'vitest';
import { DOUBLE_CLICK_MS, isStrayClick, swapGuard } from '../../console/src/swap-guard.ts';

const click = (detail: number, x = 100, y = 20) => ({ detail, x, y });

describe('stray clicks after the buttons were swapped', () => {
  it("swallows a double click's second click that lands on the buttons swapped since its first", () => {
    expect(isStrayClick(click(2), 1_200, 1_100, { at: 1_000, x: 100, y: 20 })).toBe(true);
    // A quick one on the same spot the browser did not count as a double click.
    expect(isStrayClick(click(1, 103, 22), 1_200, 1_100, { at: 1_000, x: 100, y: 20 })).toBe(true);
  });

  it('lets through the keyboard, a click long after the swap, one elsewhere, and any click when nothing was swapped', () => {
    expect(isStrayClick(click(0), 1_200, 1_100, { at: 1_000, x: 100, y: 20 })).toBe(false);
    expect(isStrayClick(click(2), 1_100 + DOUBLE_CLICK_MS, 1_100, { at: 1_000, x: 100, y: 20 })).toBe(false);
    expect(isStrayClick(click(1, 300, 20), 1_200, 1_100, { at: 1_000, x: 100, y: 20 })).toBe(false);
    expect(isStrayClick(click(1), 1_200, 1_100, { at: 1_150, x: 100, y: 20 })).toBe(false); // clicked after the swap: meant it
    expect(isStrayClick(click(2), 1_200, null, { at: 1_000, x: 100, y: 20 })).toBe(false);
  });

  it('counts a change of the buttons, not their first appearance, as a swap', () => {
    let now = 0;
    const guard = swapGuard(() => now);
    const event = (detail: number) => {
      let stopped = false;
      guard.onClickCapture({ detail, clientX: 100, clientY: 20, preventDefault() {}, stopPropagation() { stopped = true; } } as MouseEvent);
      return stopped;
    };
    guard.noteLayout(null);
    now = 10;
    guard.noteLayout('bot');
    now = 20;
    expect(event(1)).toBe(false); // the page just opened
    expect(event(2)).toBe(false); // nothing swapped: the busy guard deals with a repeat
    now = 60;
    guard.noteLayout('resolved');
    now = 100;
    expect(event(2)).toBe(true);
    now = 60 + DOUBLE_CLICK_MS + 1;
    guard.noteLayout('resolved');
    expect(event(1)).toBe(false);
  });
});
