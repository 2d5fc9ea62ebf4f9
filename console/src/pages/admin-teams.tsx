// The "Teams" tab of Team & settings: who takes which topics. Each team lists its agents and the intents it takes;
// a chat the bot hands off about one of those intents is offered to the team's online agents first, and to anyone
// else when none of them has room (server/services/teams.ts, routing.assignNext). Every change saves at once.
import { useState } from 'preact/hooks';
import { del, get, patch, post } from '../api.ts';
import { useAction, useLoad } from '../hooks.ts';
import { getChineseScript, getLocale, t } from '../i18n.ts';
import { ConfirmButton } from '../confirm-button.tsx';
import { usePendingSaves } from '../pending-saves.ts';
import { useIntentNames } from '../intent-names.tsx';

interface Team { id: number; name: string; memberIds: number[]; intentIds: number[] }
interface Agent { id: number; name: string; active: boolean }
interface Intent { id: number; name: string }

/**
 * Adds the picked item to a team's list; the chips show what is in it, each with a remove button. `title`: what an
 * item is also known as, shown on hover (an intent's raw name beside its display name).
 */
function Picker({ testId, label, items, chosen, onChange }: {
  testId: string; label: string; items: { id: number; name: string; title?: string; note?: string; hidden?: boolean }[]; chosen: number[]; onChange(next: number[]): void;
}) {
  const item = (id: number) => items.find((i) => i.id === id);
  const name = (id: number) => item(id)?.name ?? `#${id}`;
  return (
    <div class="inline wrap" data-testid={testId}>
      {chosen.map((id) => (
        <span class="tag" key={id} data-testid={`${testId}-chip`} title={item(id)?.title}>{name(id)}
          <button type="button" class="link small" aria-label={`${t('remove')} ${name(id)}`} onClick={() => onChange(chosen.filter((c) => c !== id))}>×</button>
        </span>
      ))}
      <select aria-label={label} data-testid={`${testId}-add`} value="" onChange={(e) => { const id = Number(e.currentTarget.value); if (id) onChange([...chosen, id]); }}>
        <option value="">{label}</option>
        {items.filter((i) => !i.hidden && !chosen.includes(i.id)).map((i) => <option key={i.id} value={String(i.id)} title={i.title}>{i.name}{i.note ? ` (${i.note})` : ''}</option>)}
      </select>
    </div>
  );
}

export function TeamsTab() {
  const teams = useLoad(() => get<{ items: Team[] }>('/api/admin/teams'), []);
  const agents = useLoad(() => get<{ items: Agent[] }>('/api/admin/team'), []);
  const intents = useLoad(() => get<{ items: Intent[] }>('/api/admin/intents'), []);
  const named = useIntentNames();
  const [name, setName] = useState('');
  const { error, run: act } = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const run = async (action: () => Promise<unknown>, done: string) => {
    setNotice((await act(action)) ? done : null);
    teams.reload();
  };
  const list = teams.data?.items ?? [];
  // A list as picked, until the saved one comes back (see pending-saves.ts): built from the list as loaded, two quick
  // picks each sent the old list plus one, and the second undid the first.
  const sameSet = (a: number[], b: number[]) => a.length === b.length && a.every((id) => b.includes(id));
  const pickedLists = usePendingSaves<number[]>(teams.data, (key, ids) => {
    const [teamId, field] = key.split(':');
    const team = list.find((x) => x.id === Number(teamId));
    return !team || sameSet(team[field as 'memberIds' | 'intentIds'], ids);
  });
  const chosen = (team: Team, field: 'memberIds' | 'intentIds') => pickedLists.pending[`${team.id}:${field}`] ?? team[field];
  const pick = (team: Team, field: 'memberIds' | 'intentIds', ids: number[]) =>
    void run(() => pickedLists.save(`${team.id}:${field}`, () => ids, () => patch(`/api/admin/teams/${team.id}`, { [field]: ids })), t('saved'));
  // A deactivated agent still in a team keeps their chip (routing skips them) but is not offered.
  const people = (agents.data?.items ?? []).map((a) => ({ id: a.id, name: a.name, hidden: !a.active }));
  // An intent another team takes is offered with that team's name: picking it is refused with a clear message.
  const owner = (intentId: number, except: number) => list.find((x) => x.id !== except && x.intentIds.includes(intentId))?.name;
  // Called as everywhere in the console (its label, else its name in words), the raw name on hover, and beside a
  // display name two intents share (a label may be); in the console language's order (pinyin for Chinese).
  const shown = (intents.data?.items ?? []).map((i) => ({ id: i.id, raw: i.name, display: named(i.name) }));
  const shared = new Set(shown.map((i) => i.display).filter((display, n, all) => all.indexOf(display) !== n));
  const order = new Intl.Collator(getLocale() === 'zh' ? getChineseScript() : 'en');
  const intentsFor = (team: Team) => shown
    .map((i) => ({ id: i.id, name: shared.has(i.display) ? `${i.display} (${i.raw})` : i.display, title: i.raw, note: owner(i.id, team.id) }))
    .sort((a, b) => order.compare(a.name, b.name));
  return (
    <section class="card" data-testid="teams">
      <p class="muted small">{t('teams.explain')}</p>
      {error && <p class="error" role="alert">{error}</p>}
      {notice && <p class="ok" role="status" data-testid="teams-notice">{notice}</p>}
      {list.length === 0 && !teams.loading && <p class="muted">{t('teams.none')}</p>}
      <table>
        <thead><tr><th>{t('teams.name')}</th><th>{t('teams.members')}</th><th>{t('teams.intents')}</th><th /></tr></thead>
        <tbody>
          {list.map((team) => (
            <tr key={team.id} data-testid="team-group-row" data-name={team.name}>
              <td><strong>{team.name}</strong></td>
              <td><Picker testId="team-members" label={t('teams.addMember')} items={people} chosen={chosen(team, 'memberIds')}
                onChange={(ids) => pick(team, 'memberIds', ids)} /></td>
              <td><Picker testId="team-intents" label={t('teams.addIntent')} items={intentsFor(team)} chosen={chosen(team, 'intentIds')}
                onChange={(ids) => pick(team, 'intentIds', ids)} /></td>
              <td class="nowrap">
                <ConfirmButton danger testId="team-group-delete" question={t('teams.confirmDelete', { name: team.name })}
                  onConfirm={() => void run(() => del(`/api/admin/teams/${team.id}`), t('saved'))}>{t('delete')}</ConfirmButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline" data-testid="team-group-create" onSubmit={(e) => {
        e.preventDefault();
        void run(async () => { await post('/api/admin/teams', { name }); setName(''); }, t('saved'));
      }}>
        <input required maxLength={60} placeholder={t('teams.newName')} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button class="primary" type="submit">{t('teams.create')}</button>
      </form>
    </section>
  );
}
