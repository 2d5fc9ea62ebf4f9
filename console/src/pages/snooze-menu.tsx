// Snooze controls in a conversation's header: "Snooze" opens the presets (1 hour, tomorrow 9:00, next Monday 9:00)
// and a date-time of the agent's choosing; a snoozed chat shows "Snoozed until …" with Unsnooze instead. The times
// are the agent's local ones, sent as instants (console/src/snooze.ts); the server checks them and answers why not.
import type { RefObject } from 'preact';
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

/**
 * A disclosure's choices close on Escape (focus back on its `toggle` when it was inside, or lost) or on a click outside
 * `root` (focus left where it went); shared by the Snooze and Macros menus. A layout effect: attached as the choices
 * appear, not a frame later, so an Escape pressed as soon as they show (a busy page) is not lost.
 */
export function useClosedByEscapeOrClickAway(open: boolean, setOpen: (open: boolean) => void, root: RefObject<HTMLElement | null>, toggle: RefObject<HTMLElement | null>) {
  useLayoutEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      const active = document.activeElement;
      const focusWasHere = !active || active === document.body || Boolean(root.current?.contains(active));
      setOpen(false);
      if (focusWasHere) toggle.current?.focus();
    };
    const onClick = (event: MouseEvent) => { if (!root.current?.contains(event.target as Node)) setOpen(false); };
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousedown', onClick);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousedown', onClick);
    };
  }, [open]);
}

/**
 * The Snooze button and the choices it shows: a disclosure (the button says whether it is expanded; the choices are a
 * labelled group of ordinary buttons and a form), not an ARIA menu, which would promise arrow keys and allow no form.
 * `openSignal` changing (Alt+Z) toggles it. Escape closes it and focus goes back to the Snooze button when it was
 * inside (or lost); a click elsewhere closes it and leaves focus where it went.
 */
export function SnoozeMenu({ onSnooze, openSignal }: { onSnooze(until: Date): Promise<boolean>; openSignal: number }) {
  const [open, setOpen] = useState(false);
  const [custom, setCustom] = useState('');
  const [busy, setBusy] = useState(false);
  const root = useRef<HTMLSpanElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  // Only a change after mounting toggles it: the menu mounting again (after an unsnooze) must not reopen it.
  const seenSignal = useRef(openSignal);
  useEffect(() => {
    if (openSignal === seenSignal.current) return;
    seenSignal.current = openSignal;
    setOpen((o) => !o);
  }, [openSignal]);
  useClosedByEscapeOrClickAway(open, setOpen, root, toggle);

  // While a choice is on its way the buttons say so (aria-disabled) but stay focusable: a disabled button loses focus to
  // <body>, and on a refusal the agent would have to find the menu again. A second press meanwhile does nothing.
  const sending = useRef(false);
  const choose = async (until: Date) => {
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    const done = await onSnooze(until);
    sending.current = false;
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
      <button ref={toggle} data-testid="snooze" aria-expanded={open} aria-controls={open ? 'snooze-choices' : undefined}
        title={`${t('snooze.hint')} (${altLabel('Z')})`} onClick={() => setOpen(!open)}>{t('action.snooze')} <span aria-hidden="true">▾</span></button>
      {open && (
        <div class="snooze-menu" id="snooze-choices" role="group" aria-label={t('a11y.snoozeChoices')} data-testid="snooze-menu">
          {snoozePresets(now).map((preset) => (
            <button key={preset.label} class="link" aria-disabled={busy ? 'true' : undefined} data-testid={`snooze-${preset.label.slice('snooze.'.length)}`}
              onClick={() => void choose(preset.until)}>
              {t(preset.label)} <span class="muted small">{formatWake(preset.until.toISOString())}</span>
            </button>
          ))}
          <form class="snooze-custom" onSubmit={(e) => { e.preventDefault(); if (customAt) void choose(customAt); }}>
            <input type="datetime-local" data-testid="snooze-custom-input" aria-label={t('snooze.custom')} value={custom}
              min={toLocalInput(now)} max={toLocalInput(new Date(now.getTime() + MAX_SNOOZE_DAYS * 86_400_000))}
              onInput={(e) => setCustom(e.currentTarget.value)} />
            <button type="submit" class="small" data-testid="snooze-custom" disabled={!customAt} aria-disabled={busy ? 'true' : undefined}>{t('snooze.set')}</button>
          </form>
          <p class="muted small">{t('snooze.hint')}</p>
        </div>
      )}
    </span>
  );
}
