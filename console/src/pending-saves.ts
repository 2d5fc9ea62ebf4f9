// Settings that save as soon as they are picked (no Save button): what was picked is shown until the saved value
// comes back. Rendered from the list as loaded, a control flipped back on any re-render before the reload (a click
// looked lost), and a second quick pick built on the old list and undid the first. One key's sends go one after
// another, so the last pick is the one kept.
import { useEffect, useRef, useState } from 'preact/hooks';

export interface PendingSaves<V> {
  /** What was picked for a key and is not yet seen saved, if anything. */
  pending: Readonly<Record<string, V>>;
  /**
   * Shows the new value at once (`next` gets the key's pending value, to build on it) and sends it after the key's
   * earlier sends. A send that fails (or resolves `false`, when it reported its own error) drops the pending value.
   */
  save(key: string, next: (current: V | undefined) => V, send: (value: V) => Promise<unknown>): Promise<unknown>;
}

/**
 * `loaded` is the list as last loaded; `isSaved(key, value)` says whether it now holds the picked value (or no longer
 * has the item): those pending values are dropped at each load.
 */
export function usePendingSaves<V>(loaded: unknown, isSaved: (key: string, value: V) => boolean): PendingSaves<V> {
  const [pending, setPending] = useState<Record<string, V>>({});
  // The same map, current between renders: a second pick before the re-render builds on the first.
  const latest = useRef<Record<string, V>>({});
  const update = (change: (current: Record<string, V>) => Record<string, V>) => {
    const next = change(latest.current);
    if (next !== latest.current) setPending((latest.current = next));
  };
  const sending = useRef(new Map<string, Promise<unknown>>());
  useEffect(() => {
    update((current) => {
      const waiting = Object.entries(current).filter(([key, value]) => !isSaved(key, value));
      return waiting.length === Object.keys(current).length ? current : Object.fromEntries(waiting);
    });
  }, [loaded]);
  // A refused send drops its own value only: a later pick of the same key stays shown until its own answer.
  const drop = (key: string, value: V) => update((current) => {
    if (current[key] !== value) return current;
    const { [key]: _refused, ...rest } = current;
    return rest;
  });
  const save = (key: string, next: (current: V | undefined) => V, send: (value: V) => Promise<unknown>) => {
    const value = next(latest.current[key]);
    update((current) => ({ ...current, [key]: value }));
    const sent = (sending.current.get(key) ?? Promise.resolve()).then(() => send(value));
    sending.current.set(key, sent.catch(() => undefined));
    return sent.then(
      (result) => { if (result === false) drop(key, value); return result; },
      (err: unknown) => { drop(key, value); throw err; },
    );
  };
  return { pending, save };
}
