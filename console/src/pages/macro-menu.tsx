// "Macros" in a conversation's header: the team's macros and the agent's own, each with a short summary of what it
// does; choosing one runs it on the chat (POST /api/conversations/:id/macros/:macroId/run). The server performs each
// action as the single action would, so the chat's own live events update the page; this menu only says how the run
// went (a polite live region): every action done, or where it stopped and why. A disclosure like the Snooze menu (a
// button saying whether it is expanded, a labelled group of ordinary buttons), closed by Escape or a click elsewhere.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, NO_ANSWER, errorText, get, post } from '../api.ts';
import { useSession } from '../context.ts';
import { newClientId } from '../realtime.ts';
import { useLoad, useSocketEvent } from '../hooks.ts';
import { t, type Key } from '../i18n.ts';
import { snoozePresets } from '../snooze.ts';
import { useClosedByEscapeOrClickAway } from './snooze-menu.tsx';
import type { Macro, MacroAction, MacroRun } from '../types.ts';
import { MACRO_RUN_CLAIM_MS } from '../../../server/services/macro-run-claim.ts';

type Teams = { id: number; name: string }[];

/**
 * The run key (clientId) of a run whose answer never came (the connection dropped, a gateway's 502), per chat and macro:
 * the agent's next click on that macro in that chat is the retry and sends it again, so the server runs the macro once
 * and answers with how that run went. "Still going on" (409 macro_running) is no answer either: the run under that key
 * may be one a dead server left half done, and only its key lets the retry after the claim expires skip what it sent.
 * Any other answer ends it: the next click is a new run. So does time: a click long after is a deliberate new run,
 * not a retry, and must not be answered with the old run's outcome.
 */
const unansweredRuns = new Map<string, { clientId: string; lostAt: number }>();
/**
 * How long a lost run's key is kept: longer than the server's claim on it (MACRO_RUN_CLAIM_MS), so a click after "still
 * going on" always retries under the same key until the claim is gone; a new key while the claim holds would run the
 * macro a second time (the shopper would get its reply twice).
 */
export const RETRY_WITHIN_MS = MACRO_RUN_CLAIM_MS + 60_000;
const lostAnswer = (error: unknown) => !(error instanceof ApiError) || error.status === NO_ANSWER || error.status >= 500 || error.code === 'macro_running';

/** One action in a few words: "Reply", "Add labels: refund", "Snooze: Tomorrow 9:00", "Send to team: Billing". */
export function actionSummary(action: MacroAction, teams: Teams): string {
  const label = t(`macros.action.${action.type}` as Key);
  switch (action.type) {
    case 'reply':
    case 'note':
      return `${label}: “${action.text.length > 40 ? `${action.text.slice(0, 40).trimEnd()}…` : action.text}”`;
    case 'addLabels':
    case 'removeLabels':
      return `${label}: ${action.labels.join(', ')}`;
    case 'setPriority':
      return `${label}: ${t(action.priority ? 'macros.priorityOn' : 'macros.priorityOff')}`;
    case 'snooze':
      return `${label}: ${action.preset ? t(`snooze.${action.preset}` as Key) : t('macros.minutes', { minutes: action.minutes ?? 0 })}`;
    case 'transferToTeam':
      return `${label}: ${teams.find((team) => team.id === action.teamId)?.name ?? `#${action.teamId}`}`;
    default:
      return label;
  }
}

/** The instant a preset snooze means for this agent, from the snooze menu's own presets (their local time zone). */
function snoozeUntil(macro: Macro): string | undefined {
  const preset = macro.actions.find((a): a is Extract<MacroAction, { type: 'snooze' }> => a.type === 'snooze' && Boolean(a.preset));
  if (!preset) return undefined;
  return snoozePresets().find((p) => p.label === `snooze.${preset.preset}`)?.until.toISOString();
}

/** How a run went, in a sentence: done, or the step it stopped at and why (worded by code where the console can). */
function runSummary(macro: Macro, run: MacroRun): string {
  const refusedAt = run.actions.findIndex((a) => a.status === 'refused');
  if (refusedAt < 0) return t('macros.ranAll', { name: macro.name, count: run.actions.length });
  const refused = run.actions[refusedAt];
  return t('macros.stopped', {
    name: macro.name, step: refusedAt + 1, action: t(`macros.action.${refused.type}` as Key),
    reason: errorText(new ApiError(0, refused.code ?? 'conflict', refused.message ?? '')),
  });
}

export function MacroMenu({ conversationId }: { conversationId: number }) {
  const { socket } = useSession();
  const macros = useLoad(() => get<{ items: Macro[] }>('/api/macros'), []);
  const teams = useLoad(() => get<{ items: Teams }>('/api/teams'), []);
  useSocketEvent(socket, 'macros:changed', () => macros.reload());
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ text: string; ok: boolean } | null>(null);
  const root = useRef<HTMLSpanElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);

  useClosedByEscapeOrClickAway(open, setOpen, root, toggle);

  // A list that failed to load is asked for again by the agent (Try again); the button goes when it comes in.
  const retried = useRef(false);
  const retryLoad = () => {
    if (macros.loading) return;
    retried.current = true;
    macros.reload();
  };
  // Only for the retry it follows: a retry that failed again, or a menu closed meanwhile, moves nothing later (a
  // `macros:changed` reload would otherwise take the focus from wherever the agent had gone).
  useEffect(() => {
    if (!open || (macros.error && !macros.loading)) retried.current = false;
  }, [open, macros.error, macros.loading]);
  useEffect(() => {
    if (!retried.current || !macros.data) return;
    retried.current = false;
    // The focus was on the button that just went: on to the list it brought (the menu's button when that is empty).
    if (!document.activeElement || document.activeElement === document.body) (root.current?.querySelector<HTMLElement>('.macro-choice') ?? toggle.current)?.focus();
  }, [macros.data]);

  const runMacro = async (macro: Macro) => {
    if (busy) return;
    setBusy(true);
    try {
      const until = snoozeUntil(macro);
      const runOf = `${conversationId}:${macro.id}`;
      const unanswered = unansweredRuns.get(runOf);
      const clientId = unanswered && Date.now() - unanswered.lostAt < RETRY_WITHIN_MS ? unanswered.clientId : newClientId();
      unansweredRuns.delete(runOf);
      try {
        const run = await post<MacroRun>(`/api/conversations/${conversationId}/macros/${macro.id}/run`, { clientId, ...(until ? { snoozeUntil: until } : {}) });
        setOutcome({ text: runSummary(macro, run), ok: run.completed });
        setOpen(false);
        toggle.current?.focus();
      } catch (err) {
        if (lostAnswer(err)) unansweredRuns.set(runOf, { clientId, lostAt: Date.now() });
        throw err;
      }
    } catch (err) {
      setOutcome({ text: errorText(err), ok: false });
    } finally {
      setBusy(false);
    }
  };

  const items = macros.data?.items ?? [];
  const teamList = teams.data?.items ?? [];
  return (
    <span class="macro-menu-box" ref={root}>
      <button ref={toggle} data-testid="macros" aria-expanded={open} aria-controls={open ? 'macro-choices' : undefined}
        onClick={() => setOpen(!open)}>{t('macros.button')} <span aria-hidden="true">▾</span></button>
      {open && (
        <div class="macro-menu" id="macro-choices" role="group" aria-label={t('macros.choices')} data-testid="macro-menu"
          aria-busy={!macros.data && macros.loading ? 'true' : undefined}>
          {/* "No macros yet" only once the list is here: while it loads, or when it failed, the agent may well have some. */}
          {!macros.data && macros.loading && <p class="muted small">{t('loading')}</p>}
          {!macros.data && !macros.loading && macros.error && <p class="error small" role="alert" data-testid="macro-menu-error">{t('macros.loadFailed', { detail: macros.error })}</p>}
          {/* Kept while it loads again, so the focus stays on it until the list takes its place. */}
          {!macros.data && macros.error && <button class="link" data-testid="macro-menu-retry" aria-disabled={macros.loading ? 'true' : undefined} onClick={retryLoad}>{t('macros.loadRetry')}</button>}
          {macros.data && !items.length && <p class="muted small" data-testid="macro-menu-empty">{t('macros.none')}</p>}
          {items.map((macro) => {
            const summary = macro.actions.map((a) => actionSummary(a, teamList)).join(' → ');
            return (
              <button key={macro.id} class="link macro-choice" data-testid="macro-run" data-macro-id={macro.id} aria-disabled={busy ? 'true' : undefined}
                aria-description={summary} onClick={() => void runMacro(macro)}>
                <span><strong>{macro.name}</strong>{macro.personal && <> <span class="badge">{t('canned.personalMark')}</span></>}</span>
                <span class="muted small macro-summary">{summary}</span>
              </button>
            );
          })}
        </div>
      )}
      <span role="status" aria-live="polite" class={`small macro-outcome${outcome && !outcome.ok ? ' error' : ''}`} data-testid="macro-outcome">{outcome?.text ?? ''}</span>
    </span>
  );
}
