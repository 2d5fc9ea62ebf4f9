// Small shared hooks: load data from the API, listen to socket events.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { codeText, errorText } from './api.ts';
import { getChineseScript, getLocale, t, type Key, type Locale } from './i18n.ts';
import { formatMoney as formatAmount } from '../../knowledge-base/money.ts';
import type { AgentSocket } from './realtime.ts';
import type { AgentServerToClient } from './types.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** Loads `load()` whenever `deps` change; reload() fetches again. A late answer for old deps is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    load().then(
      (value) => { if (current) { setData(value); setError(null); setLoading(false); } },
      (err) => { if (current) { setError(errorText(err)); setLoading(false); } },
    );
    return () => { current = false; };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** Subscribes to a server event for the component's lifetime; the latest handler is always used. */
export function useSocketEvent<E extends keyof AgentServerToClient>(socket: AgentSocket, event: E, handler: AgentServerToClient[E]): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const listener = ((...args: unknown[]) => (ref.current as (...a: unknown[]) => void)(...args)) as never;
    socket.on(event, listener);
    return () => void socket.off(event, listener);
  }, [socket, event]);
}

/** Calls fn at most once per `ms`, trailing (for "refetch after a burst of live events"). */
/**
 * Moves focus once the next render is on the page (WCAG 2.4.3): `focusAfterRender(() => element)` when an action
 * replaces the control that has focus, which would otherwise fall to <body>; a pick returning null leaves focus be.
 * A layout effect, run right after its own render's commit: a plain effect waits for the next frame, and when another
 * render comes first (a message, a profile refresh) Preact runs it at the start of that one, before the element exists.
 */
export function useFocusAfterRender(): (pick: () => HTMLElement | null) => void {
  const next = useRef<(() => HTMLElement | null) | null>(null);
  useLayoutEffect(() => {
    const pick = next.current;
    next.current = null;
    pick?.()?.focus();
  });
  return useCallback((pick: () => HTMLElement | null) => { next.current = pick; }, []);
}

/**
 * `fn` once `ms` after the first of a run of calls (the calls meanwhile fold into it), and with `minGapMs` at most once
 * per `minGapMs`: a call soon after a run waits for the gap to pass, so a steady stream of events runs `fn` once per
 * gap, and the last call is always followed by a run (what it announced is shown).
 */
export function useDebounced(fn: () => void, ms: number, minGapMs = 0): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastRun = useRef(-Infinity);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      lastRun.current = Date.now();
      latest.current();
    }, Math.max(ms, lastRun.current + minGapMs - Date.now()));
  }, [ms, minGapMs]);
}

/**
 * A time ("19:02" today, else with its date) as the console's language writes it. An English console keeps the
 * browser's way. Chinese reads the 24-hour clock: the browser's 12-hour form with a 2-digit hour gave "下午07:02" (zh-TW),
 * so a Chinese console writes "19:02" / "2026年12月6日 19:02", and so does an English console in a Chinese browser.
 */
export function formatTime(iso: string | null | undefined, lang: Locale = getLocale(), now = new Date()): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const sameDay = d.toDateString() === now.toDateString();
  const { locales, clock } = clockFormat(lang);
  return sameDay ? d.toLocaleTimeString(locales, clock) : d.toLocaleString(locales, { year: 'numeric', month: 'short', day: 'numeric', ...clock });
}

/** The locales and clock options every console time uses (formatTime, snooze times): 24-hour in Chinese. */
export function clockFormat(lang: Locale = getLocale()): { locales: string[]; clock: Intl.DateTimeFormatOptions } {
  // Chinese in the script the agent chose (a Taiwan console writes its dates as Taiwan does).
  const tag = lang === 'zh' ? getChineseScript() : '';
  let format = clockFormats.get(`${lang}/${tag}`);
  if (!format) {
    const locales = tag ? [tag] : [];
    const clock: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
    if (new Intl.DateTimeFormat(locales).resolvedOptions().locale.toLowerCase().startsWith('zh')) clock.hourCycle = 'h23';
    clockFormats.set(`${lang}/${tag}`, (format = { locales, clock }));
  }
  return format;
}
/** Worked out once per language: a list of 100 chats asked for it 100 times a render. */
const clockFormats = new Map<string, { locales: string[]; clock: Intl.DateTimeFormatOptions }>();

/** A duration in the console's language: "1m 5s", "1分5秒". */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return t('duration.s', { s: Math.round(seconds) });
  if (seconds < 3600) return t('duration.ms', { m: Math.floor(seconds / 60), s: Math.round(seconds % 60) });
  return t('duration.hm', { h: Math.floor(seconds / 3600), m: Math.round((seconds % 3600) / 60) });
}

/** An amount in the order's currency, as the console's language writes money ("$76.00", "US$76.00"). */
export const formatMoney = (cents: number, currency: string): string => formatAmount(cents, currency, getLocale());

/** A refusal in the console's words: by the server's code (others keep the server's sentence), or worded by a function. */
export type Refusals = Record<string, Key> | ((err: unknown) => string);

/**
 * Runs an action a page waits on: `busy` while it is on its way (for disabled buttons), `error` the server's refusal in
 * the console's words (`refusals`), cleared once an action goes through. `run` answers whether it went through. An
 * action whose success takes the page away (`{ leaving: true }`: a sign-in, a navigation, a merge) stays busy, so
 * nothing is sent twice while the page changes.
 */
export function useAction(refusals: Refusals = {}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Where the focus was as the action began. Fields disabled while it runs (an editor's `fieldset.fields`, a busy Save
  // button) drop the focus to <body>, where a keyboard or screen-reader user is lost: it goes back when they are enabled
  // again, unless it has moved on meanwhile or the element is gone.
  const focusedAtStart = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const element = focusedAtStart.current;
    // Only a control the busy render disabled: a focus the person moved themselves (a click elsewhere) stays theirs.
    if (busy) {
      if (element && !element.matches(':disabled')) focusedAtStart.current = null;
      return;
    }
    focusedAtStart.current = null;
    const lost = !document.activeElement || document.activeElement === document.body;
    // Not scrolled to: the person may have scrolled elsewhere while it ran.
    if (element?.isConnected && lost) element.focus({ preventScroll: true });
  }, [busy]);
  const run = async (action: () => Promise<unknown>, { leaving = false } = {}): Promise<boolean> => {
    focusedAtStart.current = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    setBusy(true);
    try {
      await action();
      setError(null);
      if (!leaving) setBusy(false);
      return true;
    } catch (err) {
      setError(typeof refusals === 'function' ? refusals(err) : codeText(err, refusals));
      setBusy(false);
      return false;
    }
  };
  return { busy, error, setError, run };
}

/**
 * Runs a change to a list the page shows (useAction), the list reloaded whatever happened (another console may have
 * changed it too). `run` answers whether the change went through, so a form is emptied only then.
 */
export function useListChange(list: { reload(): void }, refusals: Record<string, Key>) {
  const { busy, error, setError, run: act } = useAction(refusals);
  const run = (change: () => Promise<unknown>): Promise<boolean> => act(change).finally(() => list.reload());
  return { busy, error, setError, run };
}
