// Collects what is pushed during one event-loop turn and hands it over once,
// after the turn's I/O callbacks (setImmediate): the messages of one group
// commit go out as one Redis publish and one console frame instead of one
// each, and nothing waits longer than the current turn.
export interface PerTurn<T> {
  push(item: T): void;
  /** Hands over what is pending now (on shutdown). */
  flushNow(): void;
}

export function perTurn<T>(handOver: (items: T[]) => void): PerTurn<T> {
  let pending: T[] = [];
  const flushNow = () => {
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    handOver(items);
  };
  return {
    push(item) {
      if (pending.push(item) === 1) setImmediate(flushNow);
    },
    flushNow,
  };
}
