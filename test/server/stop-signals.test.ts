// The stop-signal rules of server/shutdown.ts, on a clock and an exit of the test's own: a repeat within a second
// is the same stop, a later one exits at once (1), and a stop that outlasts its deadline exits (1) all the same.
import { describe, expect, it } from 'vitest';
import { REPEAT_SIGNAL_GRACE_MS, stopOnSignals } from '../../server/shutdown.ts';

function harness(stop: () => Promise<void>, deadlineMs = 60_000) {
  let now = 0;
  const exits: number[] = [];
  const lines: string[] = [];
  const onSignal = stopOnSignals({
    stop, deadlineMs, name: 'server', exit: (code) => void exits.push(code), now: () => now,
    log: { info: (line) => void lines.push(line), error: (line) => void lines.push(line) },
  });
  return { onSignal, exits, lines, advance: (ms: number) => void (now += ms) };
}

describe('stop signals', () => {
  it('takes a repeat within a second as the same stop, and a later one as "exit now"', async () => {
    const h = harness(() => new Promise<void>(() => {})); // a stop that never ends (Redis away)
    h.onSignal('SIGTERM');
    h.advance(REPEAT_SIGNAL_GRACE_MS - 1);
    h.onSignal('SIGTERM');
    expect(h.exits).toEqual([]);
    h.advance(2);
    h.onSignal('SIGINT');
    expect(h.exits).toEqual([1]);
    expect(h.lines.at(-1)).toBe('SIGINT received again: server exiting without waiting');
  });

  it('exits 1 when the stop outlasts its deadline, 0 when it ends in time', async () => {
    const stuck = harness(() => new Promise<void>(() => {}), 50);
    stuck.onSignal('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stuck.exits).toEqual([1]);
    expect(stuck.lines.at(-1)).toMatch(/did not stop within .* exiting without waiting/);

    const quick = harness(async () => {}, 50);
    quick.onSignal('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(quick.exits).toEqual([0]); // and the deadline, cleared, exits no second time
  });
});
