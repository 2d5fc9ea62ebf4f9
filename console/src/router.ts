// History-API routing for the console: paths under /console, no hash.
import { useEffect, useState } from 'preact/hooks';

const NAVIGATE_EVENT = 'sd:navigate';

/** Pages with something to lose (the article editor's unsaved edits) may stop a navigation: false keeps the page. */
const guards = new Set<() => boolean>();
export function guardNavigation(mayLeave: () => boolean): () => void {
  guards.add(mayLeave);
  return () => void guards.delete(mayLeave);
}

const here = () => location.pathname + location.search;
/** Where the console is: the page to go back to when the browser's Back is refused by a guard. */
let current = here();

/** Whether every page with something to lose lets the console move on (asking stops at the first that refuses). */
const mayLeave = () => [...guards].every((guard) => guard());

export function navigate(path: string, replace = false): void {
  if (path === here()) return;
  if (!mayLeave()) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}
window.addEventListener(NAVIGATE_EVENT, () => { current = here(); });

// The browser's Back and Forward cannot be cancelled, only undone: a guard that refuses puts the page's address back
// before any page hears of the move (this listener is added when the router loads, ahead of every page's).
window.addEventListener('popstate', (event) => {
  if (mayLeave()) {
    current = here();
    return;
  }
  history.pushState(null, '', current);
  event.stopImmediatePropagation();
});

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return path;
}

/** Matches "/console/conversations/:id"-style patterns; returns the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const a = path.replace(/\/+$/, '').split('/');
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(a[i]);
    else if (p[i] !== a[i]) return null;
  }
  return params;
}
