// Desktop notifications and a short sound for new assignments and messages.
// Permission is asked once (remembered), on a user gesture, as browsers require.
// Each agent chooses (Account → Notifications) whether alerts chime, whether they show as desktop notifications, whether
// those show the customer's words, and which events alert at all; kept per agent in this browser (notificationPrefs).
const ASKED_KEY = 'sd.notify.asked';

/** What can alert an agent: each can be turned off on its own. */
export const ALERT_EVENTS = ['assigned', 'message', 'queued', 'mention', 'leftMessage'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export interface NotifyPrefs {
  /** The chime. */
  sound: boolean;
  /** Desktop (OS) notifications, when the browser allows them. */
  desktop: boolean;
  /** The customer's (or a note's) words in a desktop notification; off, it says only who and where (lock screens). */
  showText: boolean;
  events: Record<AlertEvent, boolean>;
}

/** As the console behaved before there were choices, plus a chat waiting in the queue. */
export const DEFAULT_PREFS: NotifyPrefs = {
  sound: true, desktop: true, showText: true,
  events: { assigned: true, message: true, queued: true, mention: true, leftMessage: true },
};

const prefsKey = (userId: number) => `sd.notify.prefs.${userId}`;

/** Stored preferences read leniently: anything missing or malformed is the default (a newer event defaults on). */
export function parsePrefs(raw: string | null): NotifyPrefs {
  let stored: Partial<Record<keyof NotifyPrefs, unknown>> = {};
  try {
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) stored = parsed as typeof stored;
  } catch {
    // a damaged value: the defaults
  }
  const flag = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);
  const events = (stored.events && typeof stored.events === 'object' ? stored.events : {}) as Record<string, unknown>;
  return {
    sound: flag(stored.sound, DEFAULT_PREFS.sound),
    desktop: flag(stored.desktop, DEFAULT_PREFS.desktop),
    showText: flag(stored.showText, DEFAULT_PREFS.showText),
    events: Object.fromEntries(ALERT_EVENTS.map((e) => [e, flag(events[e], DEFAULT_PREFS.events[e])])) as NotifyPrefs['events'],
  };
}

/** This agent's choices in this browser (another agent signing in here has their own). */
export function notificationPrefs(userId: number): NotifyPrefs {
  try {
    return parsePrefs(localStorage.getItem(prefsKey(userId)));
  } catch {
    return DEFAULT_PREFS; // storage blocked
  }
}

export function saveNotificationPrefs(userId: number, prefs: NotifyPrefs): void {
  try {
    localStorage.setItem(prefsKey(userId), JSON.stringify(prefs));
  } catch {
    // storage blocked or full: the choice lasts until the page closes at least
  }
}

/** What one alert does under these preferences: chime or not, a desktop notification or not (only with permission). */
export function alertPlan(prefs: NotifyPrefs, event: AlertEvent, permission: 'unsupported' | NotificationPermission): { chime: boolean; desktop: boolean } {
  const on = prefs.events[event];
  return { chime: on && prefs.sound, desktop: on && prefs.desktop && permission === 'granted' };
}

/**
 * The first line of a message with something in it, spaces collapsed, at most `max` characters ("…" where cut, never
 * half a surrogate pair): what an alert quotes. Empty for a message of only spaces.
 */
export function firstLine(text: string, max = 80): string {
  const line = text.split(/\r?\n/).map((l) => l.replace(/\s+/g, ' ').trim()).find((l) => l.length > 0) ?? '';
  const chars = Array.from(line);
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** A desktop notification's body: the quoted words when the agent shows them and there are some, else the plain line. */
export function notificationBody(prefs: Pick<NotifyPrefs, 'showText'>, content: { text?: string | null; withoutText: string }): string {
  const quoted = content.text ? firstLine(content.text, 140) : '';
  return prefs.showText && quoted ? quoted : content.withoutText;
}

export function notificationsState(): 'unsupported' | NotificationPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

export function shouldAskPermission(): boolean {
  return notificationsState() === 'default' && localStorage.getItem(ASKED_KEY) !== '1';
}

export async function askPermissionOnce(): Promise<void> {
  if (!shouldAskPermission()) return;
  localStorage.setItem(ASKED_KEY, '1');
  await Notification.requestPermission().catch(() => 'denied');
}

let audio: AudioContext | null = null;

/** A two-tone chime made with Web Audio: no sound file to serve. */
function chime(): void {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.3);
    }
  } catch {
    // no audio device: the notification alone has to do
  }
}

/** Counts alerts so the page (and its tests) can tell one was raised even without OS notifications. */
export let alertsRaised = 0;

/**
 * An alert of `event` for the agent whose preferences are `prefs`: the chime and a desktop notification, each if
 * chosen. The notification's body is `text` (a customer's or a note's words) only while the agent shows message
 * text, else `withoutText` (who and where, no words). Nothing at all for an event the agent turned off.
 */
export function alertAgent(prefs: NotifyPrefs, event: AlertEvent, title: string, content: { text?: string | null; withoutText: string; tag?: string }, onClick?: () => void): void {
  const plan = alertPlan(prefs, event, notificationsState());
  if (!plan.chime && !plan.desktop) return;
  alertsRaised++;
  document.documentElement.dataset.alerts = String(alertsRaised);
  if (plan.chime) chime();
  if (!plan.desktop) return;
  const notification = new Notification(title, { body: notificationBody(prefs, content), tag: content.tag ?? title });
  notification.onclick = () => {
    window.focus();
    onClick?.();
    notification.close();
  };
}

/**
 * Words for screen readers: the app shell's polite status region (`LiveAnnouncer` in app.tsx) says them, so an agent
 * who does not see the screen hears of a new chat or message elsewhere, or of an action's outcome, without moving.
 */
type AnnounceListener = (text: string) => void;
const announceListeners = new Set<AnnounceListener>();

export function announce(text: string): void {
  for (const listener of announceListeners) listener(text);
}

export function onAnnounce(listener: AnnounceListener): () => void {
  announceListeners.add(listener);
  return () => void announceListeners.delete(listener);
}
