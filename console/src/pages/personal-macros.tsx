// Macro editors: "My macros" in the Account panel (the agent's own, which only they see and run) and, through the same
// component, the team's in Team & settings (admin-macros.tsx). A macro is a name and up to 10 actions run in order;
// the server checks each action again and says why it refuses. Another console changing them reloads the list
// (`macros:changed`).
import { useState } from 'preact/hooks';
import { del, get, post, put } from '../api.ts';
import { ConfirmButton } from '../confirm-button.tsx';
import { useSession } from '../context.ts';
import { useListChange, useLoad, useSocketEvent } from '../hooks.ts';
import { t, type Key } from '../i18n.ts';
import type { Macro, MacroAction } from '../types.ts';
import { actionSummary } from './macro-menu.tsx';

/** The server's caps (server/services/macros.ts), so the browser says what is wrong before sending. */
const MAX_ACTIONS = 10;
const ACTION_TYPES: MacroAction['type'][] = ['reply', 'note', 'addLabels', 'removeLabels', 'setPriority', 'snooze', 'transferToTeam', 'resolve'];
const SNOOZE_PRESETS = ['oneHour', 'tomorrow', 'nextWeek'] as const;
const REFUSALS: Record<string, Key> = { personal_macros_full: 'macros.fullPersonal', team_macros_full: 'macros.fullTeam' };

/** A new action of a type, with what it needs filled in as blank or the first choice (also automation rules' actions). */
export function blankAction(type: MacroAction['type'], teams: { id: number }[]): MacroAction {
  switch (type) {
    case 'reply': case 'note': return { type, text: '' };
    case 'addLabels': case 'removeLabels': return { type, labels: [] };
    case 'setPriority': return { type, priority: true };
    case 'snooze': return { type, preset: 'tomorrow' };
    case 'transferToTeam': return { type, teamId: teams[0]?.id ?? 0 };
    default: return { type: 'resolve' };
  }
}

/** Labels are typed as one text while editing (a comma typed must stay in the box): split when saved. */
export function splitLabels(action: MacroAction): MacroAction {
  if (action.type !== 'addLabels' && action.type !== 'removeLabels') return action;
  return { ...action, labels: action.labels.flatMap((l) => l.split(',')).map((l) => l.trim()).filter(Boolean) };
}

/** The inputs one action needs, labelled by its step number (automation rules' actions use them too). */
export function ActionFields({ action, step, teams, onChange }: { action: MacroAction; step: number; teams: { id: number; name: string }[]; onChange(next: MacroAction): void }) {
  const named = (what: string) => `${t('macros.step', { step })} ${what}`;
  switch (action.type) {
    case 'reply':
    case 'note':
      return (
        <textarea required rows={2} maxLength={4000} aria-label={named(t(`macros.action.${action.type}` as Key))} placeholder={t('canned.bodyHint')}
          data-testid="macro-action-text" value={action.text} onInput={(e) => onChange({ ...action, text: e.currentTarget.value })} />
      );
    case 'addLabels':
    case 'removeLabels':
      return (
        <input required aria-label={named(t('macros.labelsHint'))} placeholder={t('macros.labelsHint')} maxLength={400} data-testid="macro-action-labels"
          value={action.labels.join(', ')} onInput={(e) => onChange({ ...action, labels: [e.currentTarget.value] })} />
      );
    case 'setPriority':
      return (
        <select aria-label={named(t('macros.action.setPriority'))} value={String(action.priority)} onChange={(e) => onChange({ ...action, priority: e.currentTarget.value === 'true' })}>
          <option value="true">{t('macros.priorityOn')}</option><option value="false">{t('macros.priorityOff')}</option>
        </select>
      );
    case 'snooze':
      return (
        <select aria-label={named(t('macros.action.snooze'))} value={action.preset ?? 'oneHour'} onChange={(e) => onChange({ type: 'snooze', preset: e.currentTarget.value as typeof SNOOZE_PRESETS[number] })}>
          {SNOOZE_PRESETS.map((p) => <option key={p} value={p}>{t(`snooze.${p}` as Key)}</option>)}
        </select>
      );
    case 'transferToTeam':
      return (
        <select required aria-label={named(t('macros.action.transferToTeam'))} value={String(action.teamId)} onChange={(e) => onChange({ ...action, teamId: Number(e.currentTarget.value) })}>
          {teams.map((team) => <option key={team.id} value={String(team.id)}>{team.name}</option>)}
        </select>
      );
    default:
      return null;
  }
}

export function MacrosEditor({ scope }: { scope: 'personal' | 'team' }) {
  const { socket } = useSession();
  const list = useLoad(() => get<{ items: Macro[] }>('/api/macros'), []);
  const teams = useLoad(() => get<{ items: { id: number; name: string }[] }>('/api/teams'), []);
  useSocketEvent(socket, 'macros:changed', () => list.reload());
  const [name, setName] = useState('');
  const [actions, setActions] = useState<MacroAction[]>([]);
  const [editing, setEditing] = useState<number | null>(null);
  const { error, setError, run: write } = useListChange(list, REFUSALS);
  const teamList = teams.data?.items ?? [];
  const shown = (list.data?.items ?? []).filter((m) => m.personal === (scope === 'personal'));
  const base = scope === 'personal' ? '/api/macros/personal' : '/api/admin/macros';
  const prefix = scope === 'personal' ? 'personal' : 'team';

  const reset = () => { setEditing(null); setName(''); setActions([]); setError(null); };
  const submit = async (event: Event) => {
    event.preventDefault();
    const body = { name, actions: actions.map(splitLabels) };
    if (await write(() => (editing ? put(`${base}/${editing}`, body) : post(base, body)))) reset();
  };
  const change = (index: number, next: MacroAction) => setActions(actions.map((a, i) => (i === index ? next : a)));

  return (
    <section class="card stack macros-editor" data-testid={`${prefix}-macros`} aria-labelledby={`${prefix}-macros-title`}>
      <h3 id={`${prefix}-macros-title`}>{t(scope === 'personal' ? 'macros.myTitle' : 'macros.teamTitle')}</h3>
      <p class="muted small">{t(scope === 'personal' ? 'macros.myExplain' : 'macros.teamExplain')}</p>
      {list.data && !shown.length && <p class="muted small">{t('macros.empty')}</p>}
      {shown.length > 0 && (
        <ul class="plain">
          {shown.map((m) => (
            <li key={m.id} class="macro-item" data-testid="macro-item">
              <strong>{m.name}</strong>
              <div class="muted small">{m.actions.map((a) => actionSummary(a, teamList)).join(' → ')}</div>
              <div class="inline">
                <button type="button" class="small" data-testid="macro-edit" onClick={() => { setEditing(m.id); setName(m.name); setActions(m.actions); setError(null); }}>{t('edit')}</button>
                <ConfirmButton danger testId="macro-delete" question={t('macros.deleteConfirm', { name: m.name })}
                  onConfirm={() => void write(() => del(`${base}/${m.id}`))}>{t('delete')}</ConfirmButton>
              </div>
            </li>
          ))}
        </ul>
      )}
      <form class="stack" onSubmit={submit} data-testid={`${prefix}-macro-form`}>
        <label>{t('macros.name')}
          <input required maxLength={80} data-testid="macro-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <ol class="stack macro-actions">
          {actions.map((action, index) => (
            <li key={index} class="inline" data-testid="macro-action">
              <strong>{actionSummary(blankAction(action.type, teamList), teamList).split(':')[0]}</strong>
              <ActionFields action={action} step={index + 1} teams={teamList} onChange={(next) => change(index, next)} />
              <button type="button" class="small" aria-label={t('macros.removeStep', { step: index + 1 })} onClick={() => setActions(actions.filter((_, i) => i !== index))}>✕</button>
            </li>
          ))}
        </ol>
        {actions.length < MAX_ACTIONS && (
          <label>{t('macros.addAction')}
            <select data-testid="macro-add-action" value="" onChange={(e) => {
              const type = e.currentTarget.value as MacroAction['type'];
              if (type) setActions([...actions, blankAction(type, teamList)]);
              e.currentTarget.value = '';
            }}>
              <option value="">—</option>
              {ACTION_TYPES.filter((type) => type !== 'transferToTeam' || teamList.length > 0).map((type) => <option key={type} value={type}>{t(`macros.action.${type}` as Key)}</option>)}
            </select>
          </label>
        )}
        {error && <p class="error" role="alert" data-testid="macros-error">{error}</p>}
        <div class="inline">
          <button class="primary" type="submit" data-testid="macro-save" disabled={!actions.length}>{editing ? t('save') : t('add')}</button>
          {editing && <button type="button" onClick={reset}>{t('cancel')}</button>}
        </div>
      </form>
    </section>
  );
}

/** The Account panel's "My macros". */
export function PersonalMacros() {
  return <MacrosEditor scope="personal" />;
}
