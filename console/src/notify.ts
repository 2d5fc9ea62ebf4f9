// Desktop notifications and a short sound for new assignments and messages.
// Permission is asked once (remembered), on a user gesture, as browsers require.
const ASKED_KEY = 'sd.notify.asked';

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

export function alertAgent(title: string, body: string, onClick?: () => void): void {
  alertsRaised++;
  document.documentElement.dataset.alerts = String(alertsRaised);
  chime();
  if (notificationsState() !== 'granted') return;
  const notification = new Notification(title, { body: body.slice(0, 140), tag: title });
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
