// localStorage that never throws (private modes, blocked storage, full quota):
// the widget keeps working, it just forgets on reload. Keys are scoped to the
// chat server and site so two widgets on one shop domain never mix.
import { stringify } from './safe-json.ts';

export interface Store {
  get<T>(name: string): T | null;
  set(name: string, value: unknown): void;
  remove(name: string): void;
  /** Forgets every key of this scope (the shop's user signed out). */
  clear(): void;
  /** Calls `onChange` with the new value when another tab of this browser changes `name` (never for this tab's own writes). */
  watch<T>(name: string, onChange: (value: T | null) => void): void;
}

/** `area` 'session' keeps values for this tab's visit only (sessionStorage) instead of across visits. */
export function createStore(scope: string, area: 'local' | 'session' = 'local'): Store {
  const key = (name: string) => `shopdesk:${scope}:${name}`;
  let storage: Storage | null = null;
  try {
    storage = area === 'session' ? window.sessionStorage : window.localStorage;
  } catch {
    storage = null;
  }
  const memory = new Map<string, string>();
  const read = (k: string) => {
    try {
      return storage ? storage.getItem(k) : (memory.get(k) ?? null);
    } catch {
      return memory.get(k) ?? null;
    }
  };
  const write = (k: string, v: string | null) => {
    if (v === null) memory.delete(k);
    else memory.set(k, v);
    try {
      if (v === null) storage?.removeItem(k);
      else storage?.setItem(k, v);
    } catch {
      // quota or privacy mode: the in-memory copy above still serves this page
    }
  };
  return {
    get<T>(name: string): T | null {
      const raw = read(key(name));
      if (raw === null) return null;
      try {
        return JSON.parse(raw) as T;
      } catch {
        return null;
      }
    },
    set: (name, value) => write(key(name), stringify(value)),
    remove: (name) => write(key(name), null),
    clear: () => {
      const prefix = key('');
      for (const k of [...memory.keys()]) if (k.startsWith(prefix)) memory.delete(k);
      try {
        // The keys first, then the removals: a browser may reorder keys after a removal. A plain loop, as MooTools
        // replaces Array.from on its pages.
        const ours: string[] = [];
        for (let i = 0; storage && i < storage.length; i++) {
          const k = storage.key(i);
          if (k?.startsWith(prefix)) ours.push(k);
        }
        for (const k of ours) storage!.removeItem(k);
      } catch {
        // blocked storage: the in-memory copy was all there was
      }
    },
    watch<T>(name: string, onChange: (value: T | null) => void) {
      const watched = key(name);
      window.addEventListener('storage', (event) => {
        // A clear() of the whole storage (key null) drops this key too.
        if (event.storageArea !== storage || (event.key !== watched && event.key !== null)) return;
        memory.delete(watched);
        const value = event.key === null ? null : event.newValue;
        try {
          onChange(value === null ? null : (JSON.parse(value) as T));
        } catch {
          onChange(null);
        }
      });
    },
  };
}
