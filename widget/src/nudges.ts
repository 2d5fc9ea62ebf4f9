// Proactive messages ("nudges", set in the console's widget settings): on a
// page whose path starts with a rule's path, once the shopper has stayed there
// for the rule's delay, the view offers its message beside the launcher. Each
// rule at most once per visit (sessionStorage), never while the chat is open or
// a conversation is going on. The page is checked every second, so a
// single-page shop's navigation restarts the count without patching history.
import type { WidgetSettings } from './api.ts';
import type { Store } from './storage.ts';

export type NudgeRule = NonNullable<WidgetSettings['nudges']>[number];

const CHECK_MS = 1_000;

/** The first rule whose path the page's path starts with. */
export function nudgeFor(rules: readonly NudgeRule[], pathname: string): NudgeRule | null {
  return rules.find((rule) => pathname.startsWith(rule.path)) ?? null;
}

/** Rules shown in this visit, kept in a session store (see storage.ts: in memory when sessionStorage is blocked). */
function seenInThisVisit(visit: Store) {
  const shown = () => visit.get<string[]>('nudges-seen') ?? [];
  return {
    has: (id: string) => shown().includes(id),
    add: (id: string) => visit.set('nudges-seen', [...new Set([...shown(), id])]),
  };
}

export interface NudgeHost {
  /** True while a nudge would interrupt: the chat is open, or a conversation is going on. */
  busy(): boolean;
  show(rule: NudgeRule): void;
}

/** Starts watching the page; returns a function that stops it. */
export function watchForNudges(rules: readonly NudgeRule[], host: NudgeHost, visit: Store): () => void {
  if (!rules.length) return () => {};
  const seen = seenInThisVisit(visit);
  let current: NudgeRule | null = null;
  let since = Date.now();
  const check = () => {
    const rule = nudgeFor(rules, location.pathname);
    if (rule?.id !== current?.id) {
      current = rule;
      since = Date.now();
    }
    if (!rule || seen.has(rule.id) || Date.now() - since < rule.delaySeconds * 1000 || host.busy()) return;
    seen.add(rule.id);
    host.show(rule);
  };
  const timer = setInterval(check, CHECK_MS);
  check();
  return () => clearInterval(timer);
}
