// The bot's misses and its answers rated not helpful, grouped by similarity,
// most frequent first, each with "add as example" (to an intent), "create
// article" (a draft to edit) or "not for the bot" (out-of-scope examples).
import { useState } from 'preact/hooks';
import { formatTime, useAction, useLoad } from '../hooks.ts';
import { t, type Key } from '../i18n.ts';
import { navigate } from '../router.ts';
import { kbApi, type LearningCandidate, type UnansweredGroup } from '../kb-api.ts';
import { CANDIDATE_REFUSALS, GROUP_REFUSALS } from '../unanswered-refusals.ts';
import { useIntentNames } from '../intent-names.tsx';

export function UnansweredPage() {
  const groups = useLoad(() => kbApi.unanswered(), []);
  const intentList = useLoad(() => kbApi.listIntents(), []);
  const named = useIntentNames();
  const intents: IntentChoice[] = (intentList.data?.items ?? []).map((i) => ({ id: i.id, name: i.name, shown: named(i.name) }));
  return (
    <div class="card" data-testid="unanswered">
      <h2>{t('nav.unanswered')}</h2>
      <p class="muted small">{t('unanswered.explain')}</p>
      {groups.error && <p class="error">{groups.error}</p>}
      {groups.data && !groups.data.items.length && <p class="muted">{t('unanswered.none')}</p>}
      {!!groups.data?.items.length && <table>
        <thead><tr><th>{t('unanswered.count')}</th><th>{t('unanswered.question')}</th><th>{t('unanswered.lastSeen')}</th><th><span class="visually-hidden">{t('a11y.actions')}</span></th></tr></thead>
        <tbody>
          {groups.data.items.map((g) => <GroupRow key={g.id} group={g} intents={intents} onDone={groups.reload} />)}
        </tbody>
      </table>}
      <Candidates intents={intents} />
    </div>
  );
}

/** `shown`: what the console calls the intent (its label, else its name in words). */
interface IntentChoice { id: number; name: string; shown: string }

/**
 * A row's actions: the row's buttons are disabled while one is on its way (a second click would act twice), its error
 * shows in the row, and the list is reloaded whatever happened: a refusal (409) means another admin handled it.
 */
function useRowAction(onDone: () => void, refusals: Record<string, Key>) {
  const { busy, error, run: act } = useAction(refusals);
  const run = (what: () => Promise<unknown>) => act(what).finally(onDone);
  return { run, error, busy };
}

/** `question`: what the row is about, in the picker's name ("Intent for “where is my parcel”"), as every row has one. */
function IntentPicker({ intents, value, question, onChange }: { intents: IntentChoice[]; value: string; question: string; onChange(value: string): void }) {
  return (
    <select value={value} aria-label={t('a11y.intentFor', { question })} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="">{t('unanswered.pickIntent')}</option>
      {intents.map((i) => <option key={i.id} value={String(i.id)}>{i.shown} ({i.name})</option>)}
    </select>
  );
}

/** Chats the bot handed off that an agent resolved: the question as an intent example, or question and answer as an article draft. */
function Candidates({ intents }: { intents: IntentChoice[] }) {
  const candidates = useLoad(() => kbApi.candidates(), []);
  const items = candidates.data?.items ?? [];
  return (
    <section data-testid="candidates">
      <h3>{t('candidates.title')}</h3>
      <p class="muted small">{t('candidates.explain')}</p>
      {candidates.error && <p class="error">{candidates.error}</p>}
      {candidates.data && !items.length && <p class="muted">{t('candidates.none')}</p>}
      {items.length > 0 && (
        <table>
          <thead><tr><th>{t('candidates.question')}</th><th>{t('candidates.answer')}</th><th><span class="visually-hidden">{t('a11y.actions')}</span></th></tr></thead>
          <tbody>{items.map((c) => <CandidateRow key={c.conversationId} candidate={c} intents={intents} onDone={candidates.reload} />)}</tbody>
        </table>
      )}
    </section>
  );
}

function CandidateRow({ candidate, intents, onDone }: { candidate: LearningCandidate; intents: IntentChoice[]; onDone(): void }) {
  const suggested = intents.find((i) => i.name === candidate.suggestedIntent);
  // Only a suggestion the bot would act on is pre-selected: at a 0.109 lean one click would teach the wrong intent.
  // Derived, not set once: the intents may arrive after the candidates. The admin's own pick (even "none") stays.
  const [picked, setPicked] = useState<string | null>(null);
  const intentId = picked ?? (suggested && candidate.suggestedIntentConfident ? String(suggested.id) : '');
  const { run, error, busy } = useRowAction(onDone, CANDIDATE_REFUSALS);
  const addExample = () => run(() => kbApi.candidateAsExample(candidate.conversationId, Number(intentId)));
  const draftArticle = () => run(async () => {
    const { article } = await kbApi.candidateDraft(candidate.conversationId);
    navigate(`/console/admin/kb?article=${article.id}`);
  });
  return (
    <tr data-testid="candidate-row">
      <td>{candidate.question} <span class="muted small">#{candidate.conversationId} · {candidate.locale}</span>{error && <div class="error small">{error}</div>}</td>
      <td class="small">{candidate.answer} {candidate.agentName && <span class="muted">— {candidate.agentName}</span>}</td>
      <td class="nowrap">
        <IntentPicker intents={intents} value={intentId} question={candidate.question} onChange={setPicked} />
        {suggested && candidate.suggestedIntentConfidence !== null && (
          <span class="muted small" data-testid="candidate-suggestion">{t('candidates.suggested', { intent: suggested.shown, percent: Math.round(candidate.suggestedIntentConfidence * 100) })}</span>
        )}
        <button class="small" disabled={busy || !intentId} onClick={addExample}>{t('unanswered.addExample')}</button>
        <button class="small" disabled={busy} onClick={draftArticle}>{t('candidates.draft')}</button>
        <button class="small link" disabled={busy} onClick={() => run(() => kbApi.dismissCandidate(candidate.conversationId))}>{t('unanswered.dismiss')}</button>
      </td>
    </tr>
  );
}

function GroupRow({ group, intents, onDone }: { group: UnansweredGroup; intents: IntentChoice[]; onDone(): void }) {
  const [intentId, setIntentId] = useState('');
  const [open, setOpen] = useState(false);
  const { run, error, busy } = useRowAction(onDone, GROUP_REFUSALS);
  return (
    <tr data-testid="unanswered-row">
      <td><strong>{group.count}</strong></td>
      <td>
        <button class="link" onClick={() => setOpen(!open)}>{group.text}</button> <span class="muted small">{group.locale}</span>
        <ReasonBadges group={group} />
        {open && (
          <ul class="plain small">
            {group.examples.map((e, i) => (
              <li key={i} data-testid="unanswered-example">
                {e.text} {e.conversationId && <span class="muted">#{e.conversationId}</span>}
                {e.reason && <span class="muted"> · {t(`unanswered.reason.${e.reason}`)}</span>}
                {e.answeredWith && <span class="muted"> · {t('unanswered.answeredWith', { what: e.answeredWith })}</span>}
              </li>
            ))}
          </ul>
        )}
        {error && <div class="error small">{error}</div>}
      </td>
      <td class="small">{formatTime(group.lastSeen)}</td>
      <td class="nowrap">
        <IntentPicker intents={intents} value={intentId} question={group.text} onChange={setIntentId} />
        <button class="small" disabled={busy || !intentId} onClick={() => run(() => kbApi.addAsExample(group.id, Number(intentId)))}>{t('unanswered.addExample')}</button>
        <button class="small" disabled={busy} onClick={() => run(async () => { const { article } = await kbApi.createDraft(group.id); navigate(`/console/admin/kb?article=${article.id}`); })}>{t('unanswered.createArticle')}</button>
        <button class="small" disabled={busy} data-testid="unanswered-out-of-scope" title={t('unanswered.outOfScopeHint')} onClick={() => run(() => kbApi.markOutOfScope(group.id))}>{t('unanswered.outOfScope')}</button>
        <button class="small link" disabled={busy} onClick={() => run(() => kbApi.dismiss(group.id))}>{t('unanswered.dismiss')}</button>
      </td>
    </tr>
  );
}

/** Why the group's kept questions are here, e.g. "not understood ×3 · rated not helpful ×1". */
function ReasonBadges({ group }: { group: UnansweredGroup }) {
  const counts = new Map<string, number>();
  for (const e of group.examples) if (e.reason) counts.set(e.reason, (counts.get(e.reason) ?? 0) + 1);
  if (!counts.size) return null;
  return (
    <div class="small" data-testid="unanswered-reasons">
      {[...counts].map(([reason, n]) => <span key={reason} class={`badge ${reason === 'unhelpful' ? 'warn' : ''}`}>{t(`unanswered.reason.${reason}`)} ×{n}</span>)}
    </div>
  );
}
