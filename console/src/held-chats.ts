// Which chats this agent holds (`mine`) and which wait in the queue (`queued`), as the console knows them: from its
// first two list loads, then from the live news (app.tsx announces and alerts by them). On a loaded server those
// loads answer a second or more after the socket is up, and news meanwhile found both sets empty: a shopper message
// in the agent's own chat was neither announced nor alerted. So:
// - news judged by the sets (is this message's chat mine?) waits until both loads have answered (or failed) and is
//   then handled as if it came then, in the order it came;
// - a chat the live news placed (assigned, queued, resolved…) before a load answered keeps that place: the news is as
//   new as the load's answer or newer, and any older news not here yet still comes and places it again after;
// - a load that has not answered after FIRST_LOAD_TIMEOUT_MS counts as failed (a request the network left hanging
//   must not hold the news for good), and its late answer, older than the news handled meanwhile, is not used.
import { useEffect, useState } from 'preact/hooks';

export type HeldView = 'mine' | 'queued';

/** How long news waits for a first load that does not answer. */
export const FIRST_LOAD_TIMEOUT_MS = 10_000;

export interface HeldChats {
  readonly mine: Set<number>;
  readonly queued: Set<number>;
  /** The live news put this chat into (or out of) either set: a first load answering later leaves it where it is. */
  placedLive(conversationId: number): void;
  /** Runs `handle` now when both first loads are in (answered or failed), else once they are. */
  afterFirstLoads(handle: () => void): void;
  /**
   * Starts the first loads (`load` gives the ids a view lists); the returned stop drops the news still held (the
   * console went: it must not alert after sign-out).
   */
  loadFirst(load: (view: HeldView) => Promise<number[]>): () => void;
}

export function createHeldChats(): HeldChats {
  const mine = new Set<number>();
  const queued = new Set<number>();
  // The news waiting, and the chats the live news placed: both only until the first loads are in (then `held` is
  // null and news is handled as it comes).
  let held: (() => void)[] | null = [];
  const placed = new Set<number>();
  const fill = (into: Set<number>) => (ids: number[]) => {
    for (const id of ids) if (!placed.has(id)) into.add(id);
  };
  return {
    mine,
    queued,
    placedLive: (conversationId) => {
      if (held) placed.add(conversationId);
    },
    afterFirstLoads: (handle) => {
      if (held) held.push(handle);
      else handle();
    },
    loadFirst: (load) => {
      let stopped = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<void>((resolve) => { timer = setTimeout(resolve, FIRST_LOAD_TIMEOUT_MS); });
      const loads = (['mine', 'queued'] as const).map((view) => load(view).then((ids) => {
        if (held) fill(view === 'mine' ? mine : queued)(ids); // not once the news went on without it
      }));
      void Promise.race([Promise.allSettled(loads), timedOut]).then(() => {
        clearTimeout(timer);
        const waiting = held ?? [];
        held = null;
        placed.clear();
        // Each on its own, as socket news is: one that throws does not keep the others from being handled.
        if (!stopped) for (const handle of waiting) queueMicrotask(handle);
      });
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
  };
}

/** The agent's held and queued chats for a signed-in console; `load` is asked for each view once, as it mounts. */
export function useHeldChats(load: (view: HeldView) => Promise<number[]>): HeldChats {
  const [chats] = useState(createHeldChats);
  useEffect(() => chats.loadFirst(load), [chats]);
  return chats;
}
