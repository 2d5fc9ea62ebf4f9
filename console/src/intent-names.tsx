// Intents as people read them: the console names an intent by its label (the quick-reply text shoppers see, "Where is
// my order?") in the console's language, not by its snake_case name. One list of labels for the whole console
// (GET /api/intents/labels, readable by agents), loaded on first use and reloaded when an admin changes intents
// (`intents:changed`) or the socket comes back (a change may have been missed meanwhile).
import { useEffect, useState } from 'preact/hooks';
import { get } from './api.ts';
import { getChineseScript, getLocale, type Locale } from './i18n.ts';
import type { ChineseScript } from './traditional.ts';
import type { AgentSocket } from './realtime.ts';
import { useSocketEvent } from './hooks.ts';

export interface IntentLabels { en?: string | null; zh?: string | null }

/** "order_status" → "Order status": what an intent without any label is called. */
export function humanisedIntentName(name: string): string {
  const words = name.replace(/_+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : name;
}

/** The label in the console's language, else the other language's, else the humanised name. */
export function intentDisplayName(name: string, labels: IntentLabels | undefined, locale: Locale): string {
  const other: Locale = locale === 'en' ? 'zh' : 'en';
  return labels?.[locale]?.trim() || labels?.[other]?.trim() || humanisedIntentName(name);
}

// The loaded labels, for the script they were converted to (the server converts Chinese labels for a Traditional
// reader: the console's own table only knows its own strings, not what an admin wrote).
let labels = new Map<string, IntentLabels>();
let loadedFor: ChineseScript | null = null;
let loading: Promise<void> | null = null;
const listeners = new Set<() => void>();

function load(): Promise<void> {
  const script = getChineseScript();
  const request = get<{ items: { name: string; label: IntentLabels }[] }>(`/api/intents/labels${script === 'zh-CN' ? '' : `?script=${script}`}`)
    .then((answer) => {
      if (loading !== request) return; // a later reload is on its way: an older answer must not overwrite it
      labels = new Map(answer.items.map((item) => [item.name, item.label]));
      loadedFor = script;
      for (const listener of listeners) listener();
    })
    // Not fatal: the names show humanised until the next reload.
    .catch(() => undefined)
    .finally(() => { if (loading === request) loading = null; });
  loading = request;
  return request;
}

/** Loads the labels when they are not there for the console's current script (nor on their way). */
function ensureLoaded(): void {
  if (loadedFor !== getChineseScript() && !loading) void load();
}

/** Reloads the labels if anything has shown them yet (an unused list is loaded when first needed). */
export function reloadIntentNames(): void {
  if (loadedFor !== null || loading) void load();
}

/** How intents are called in this console now: re-renders the component when the labels arrive or change. */
export function useIntentNames(): (name: string) => string {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const changed = () => setVersion((n) => n + 1);
    listeners.add(changed);
    return () => void listeners.delete(changed);
  }, []);
  // After every render, not once: a change of the console's Chinese script needs the labels in the new script.
  useEffect(ensureLoaded);
  const locale = getLocale();
  return (name: string) => intentDisplayName(name, labels.get(name), locale);
}

/**
 * Whether an intent of this name exists, by the loaded list: null until it has loaded (nothing is called missing on a
 * guess). Where a name is shown as a choice the admin made (an automation rule's intents), a humanised name would
 * make an intent that was deleted, or never was, look like a real one.
 */
export function useIntentExists(): (name: string) => boolean | null {
  useIntentNames();
  return (name: string) => (loadedFor === null ? null : labels.has(name));
}

/** For the signed-in console's root: keeps the labels current while it runs (a reconnect may have missed a change). */
export function useIntentNameUpdates(socket: AgentSocket): void {
  useSocketEvent(socket, 'intents:changed', reloadIntentNames);
  useEffect(() => {
    socket.on('connect', reloadIntentNames);
    return () => void socket.off('connect', reloadIntentNames);
  }, [socket]);
}

/**
 * An intent by its display name, its raw name as the tooltip (and for tests, `data-intent`); `withName` shows the raw
 * name beside it too, where admins work with names (the intents page).
 */
export function IntentName({ name, withName = false }: { name: string; withName?: boolean }) {
  const named = useIntentNames();
  return (
    <span title={name} data-intent={name}>
      {named(name)}
      {withName && <> <code class="muted small" data-testid="intent-raw-name">{name}</code></>}
    </span>
  );
}
