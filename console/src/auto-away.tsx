// Automatic Away, the console's part: report the agent's input in this tab to the server (which decides when an
// idle agent is set Away, across all their tabs), and the banner that says it happened, with "I'm back".
import { useEffect } from 'preact/hooks';
import { t } from './i18n.ts';
import type { AgentSocket } from './realtime.ts';

/**
 * At most one report per tab this often. The shortest setting is one minute, so an agent at work reports well
 * within it; an input inside the wait is still sent when the wait ends, so the server's idle clock is never more
 * than this behind the agent's last input.
 */
export const ACTIVITY_REPORT_MS = 30_000;

/** Input that only a person at the keyboard makes (a scroll or a pointer move, not only a click, counts: reading). */
const INPUT_EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

/**
 * Reports this tab's activity while `reporting` (the agent is Online and connected): Away needs no reports, since
 * only the agent's own choice ends it, and going Online restarts the server's idle clock anyway.
 */
export function useActivityReport(socket: AgentSocket, reporting: boolean): void {
  useEffect(() => {
    if (!reporting) return;
    let lastSent = 0;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const send = () => {
      pending = undefined;
      lastSent = Date.now();
      if (socket.connected) socket.emit('presence:activity', {});
    };
    const onInput = () => {
      if (pending) return;
      const wait = lastSent + ACTIVITY_REPORT_MS - Date.now();
      if (wait <= 0) send();
      else pending = setTimeout(send, wait);
    };
    // The tab shown again (switched back to, the laptop opened) is the agent looking at it.
    const onVisibility = () => void (document.visibilityState === 'visible' && onInput());
    for (const name of INPUT_EVENTS) window.addEventListener(name, onInput, { capture: true, passive: true });
    // The window's own focus only (not captured): an element the console focuses by itself is not the agent.
    window.addEventListener('focus', onInput);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearTimeout(pending);
      for (const name of INPUT_EVENTS) window.removeEventListener(name, onInput, { capture: true });
      window.removeEventListener('focus', onInput);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [socket, reporting]);
}

/** Shown on every page while the server holds the agent Away for inactivity. */
export function AutoAwayBanner({ minutes, busy, onBack }: { minutes: number; busy: boolean; onBack(): void }) {
  return (
    <div class="away-banner" role="status" data-testid="auto-away-banner">
      <span>{t(minutes === 1 ? 'away.autoOne' : 'away.auto', { minutes })}</span>
      <button class="primary" data-testid="auto-away-back" disabled={busy} onClick={onBack}>{t('away.back')}</button>
    </div>
  );
}
