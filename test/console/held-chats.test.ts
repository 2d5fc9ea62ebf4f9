// The console's held and queued chats (console/src/held-chats.ts): news judged by them waits for both first loads,
// and a chat the live news placed before a load answered is not put back where that older answer had it.
import { describe, expect, it, vi } from 'vitest';
import { createHeldChats, FIRST_LOAD_TIMEOUT_MS, type HeldView } from '../../console/src/held-chats.ts';

/** First loads the test answers (or fails) by hand. */
function manualLoads() {
  const pending = new Map<HeldView, { resolve(ids: number[]): void; reject(error: Error): void }>();
  const load = (view: HeldView) => new Promise<number[]>((resolve, reject) => void pending.set(view, { resolve, reject }));
  return { load, answer: (view: HeldView, ids: number[]) => pending.get(view)!.resolve(ids), fail: (view: HeldView) => pending.get(view)!.reject(new Error('503')) };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('held chats', () => {
  it('holds news until both first loads are in, then handles it in the order it came, judged by what they said', async () => {
    const chats = createHeldChats();
    const loads = manualLoads();
    chats.loadFirst(loads.load);
    const seen: string[] = [];
    chats.afterFirstLoads(() => seen.push(`first: mine has 7 ${chats.mine.has(7)}`));
    chats.afterFirstLoads(() => seen.push(`second: queued has 9 ${chats.queued.has(9)}`));
    loads.answer('mine', [7]);
    await settled();
    expect(seen).toEqual([]); // the queue's load has not answered yet
    loads.answer('queued', [9]);
    await settled();
    expect(seen).toEqual(['first: mine has 7 true', 'second: queued has 9 true']);
    // Afterwards, news is handled at once.
    chats.afterFirstLoads(() => seen.push('live'));
    expect(seen.at(-1)).toBe('live');
  });

  it('lets the news go when a load fails, and one handler that throws does not stop the next', async () => {
    const chats = createHeldChats();
    const loads = manualLoads();
    chats.loadFirst(loads.load);
    const seen: number[] = [];
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onError);
    try {
      chats.afterFirstLoads(() => { throw new Error('boom'); });
      chats.afterFirstLoads(() => seen.push(chats.mine.size));
      loads.fail('mine');
      loads.answer('queued', [3]);
      await settled();
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(seen).toEqual([0]);
    expect(chats.queued.has(3)).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('keeps a chat where the live news put it before a load answered: the load\'s answer is older', async () => {
    const chats = createHeldChats();
    const loads = manualLoads();
    chats.loadFirst(loads.load);
    // Taken by this agent, and another resolved, while the loads were on their way.
    chats.placedLive(5);
    chats.mine.add(5);
    chats.placedLive(6);
    loads.answer('queued', [5, 8]);
    loads.answer('mine', [6, 1]);
    await settled();
    expect([...chats.mine].sort()).toEqual([1, 5]);
    expect([...chats.queued]).toEqual([8]);
  });

  it('drops the news still held once the console has gone', async () => {
    const chats = createHeldChats();
    const loads = manualLoads();
    const stop = chats.loadFirst(loads.load);
    const seen: string[] = [];
    chats.afterFirstLoads(() => seen.push('news'));
    stop();
    loads.answer('mine', []);
    loads.answer('queued', []);
    await settled();
    expect(seen).toEqual([]);
  });
});

describe('held chats: a first load that never answers', () => {
  it('lets the news go after FIRST_LOAD_TIMEOUT_MS as if that load had failed, and ignores its late answer', async () => {
    vi.useFakeTimers();
    try {
      const chats = createHeldChats();
      const loads = manualLoads();
      chats.loadFirst(loads.load);
      const seen: string[] = [];
      chats.afterFirstLoads(() => seen.push(`mine has 7: ${chats.mine.has(7)}, queued has 9: ${chats.queued.has(9)}`));
      loads.answer('queued', [9]); // the queue answers; "mine" hangs
      await vi.advanceTimersByTimeAsync(FIRST_LOAD_TIMEOUT_MS - 100);
      expect(seen).toEqual([]); // still waiting: the timeout has not passed
      await vi.advanceTimersByTimeAsync(200);
      expect(seen).toEqual(['mine has 7: false, queued has 9: true']);
      chats.afterFirstLoads(() => seen.push('live')); // handled at once from now on
      expect(seen.at(-1)).toBe('live');
      loads.answer('mine', [7]); // too late: older than the news handled meanwhile
      await vi.advanceTimersByTimeAsync(0);
      expect(chats.mine.has(7)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
