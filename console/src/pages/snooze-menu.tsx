// Snooze controls in a conversation's header: "Snooze" opens the presets (1 hour, tomorrow 9:00, next Monday 9:00)
// and a date-time of the agent's choosing; a snoozed chat shows "Snoozed until …" with Unsnooze instead. The times
// are the agent's local ones, sent as instants (console/src/snooze.ts); the server checks them and answers why not.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n.ts';
import { altLabel } from '../shortcuts.ts';
import { formatWake, fromLocalInput, MAX_SNOOZE_DAYS, snoozePresets, toLocalInput } from '../snooze.ts';

export function SnoozedBanner({ until, canUnsnooze, onUnsnooze }: { until: string; canUnsnooze: boolean; onUnsnooze(): void }) {
  return (
    <div class="small snoozed-banner" data-testid="snoozed-until" data-until={until}>
      {t('snooze.until', { time: formatWake(until) })}
      {canUnsnooze && <> <button class="small" data-testid="unsnooze" onClick={onUnsnooze}>{t('action.unsnooze')}</button></>}
    </div>
  );
}

/** The Snooze button and its menu; `openSignal` changing (Alt+Z) toggles it. */
export function SnoozeMenu({ onSnooze, openSignal }: { onSnooze(until: Date): Promise<boolean>; openSignal: number }) {
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState('');
  const [busy, setBusy] = useState(false);
  const root = useRef<HTMLSpanElement>(null);
  // Only a change after mounting toggles it: the menu mounting again (after an unsnooze) must not reopen it.
  const seenSignal = useRef(openSignal);
  useEffect(() => {
    if (openSignal === seenSignal.current) return;
    seenSignal.current = openSignal;
    setOpen((o) => !o);
  }, [openSignal]);
  // Closed by Escape or a click elsewhere, as menus are. A layout effect: attached as the menu appears, not a frame
  // later, so an Escape pressed as soon as it shows (a busy page) is not lost.
  useLayoutEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => { if (event.key === 'Escape') setOpen(false); };
    const onClick = (event: MouseEvent) => { if (!root.current?.contains(event.target as Node)) setOpen(false); };
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousedown', onClick);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const choose = async (until: Date) => {
    setBusy(true);
    const done = await onSnooze(until);
    setBusy(false);
    if (done) {
      setOpen(false);
      setCustom('');
    }
  };
  const now = new Date();
  const customAt = fromLocalInput(custom);
  return (
    <span class="snooze" ref={root}>
      <button data-testid="snooze" aria-expanded={open} aria-haspopup="menu" title={`${t('snooze.hint')} (${altLabel('Z')})`} onClick={() => setOpen(!open)}>{t('action.snooze')} ▾</button>
      {open && (
        <div class="snooze-menu" role="menu" data-testid="snooze-menu">
          {snoozePresets(now).map((preset) => (
            <button key={preset.label} role="menuitem" class="link" disabled={busy} data-testid={`snooze-${preset.label.slice('snooze.'.length)}`}
              onClick={() => void choose(preset.until)}>
              {t(preset.label)} <span class="muted small">{formatWake(preset.until.toISOString())}</span>
            </button>
          ))}
          <form class="snooze-custom" onSubmit={(e) => { e.preventDefault(); if (customAt) void choose(customAt); }}>
            <input type="datetime-local" data-testid="snooze-custom-input" aria-label={t('snooze.custom')} value={custom}
              min={toLocalInput(now)} max={toLocalInput(new Date(now.getTime() + MAX_SNOOZE_DAYS * 86_400_000))}
              onInput={(e) => setCustom(e.currentTarget.value)} />
            <button type="submit" class="small" data-testid="snooze-custom" disabled={busy || !customAt}>{t('snooze.set')}</button>
          </form>
          <p class="muted small">{t('snooze.hint')}</p>
        </div>
      )}
    </span>
  );
}
