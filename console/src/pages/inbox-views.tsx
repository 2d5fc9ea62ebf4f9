// Saved inbox views (server/services/inbox-views.ts) and the inbox's extra filters (assigned to, priority, language,
// waiting longer than). A view is the inbox's filters and order under a name: clicking it sets the inbox's controls
// to them, and it shows as chosen while the controls still equal it (any change is a list of its own). The team's
// views (admins write them) come first, then the agent's own; each with how many chats it holds, asked again a little
// after chats change (the server keeps counts COUNT_TTL_MS: asking sooner would read the same numbers).
import { useEffect, useRef, useState } from 'preact/hooks';
import { del, errorText, get, post, put } from '../api.ts';
import { useSession } from '../context.ts';
import { useDebounced, useLoad, useSocketEvent } from '../hooks.ts';
import { t } from '../i18n.ts';
import { ConfirmButton } from '../confirm-button.tsx';

/** The server's count cache (inbox-views.ts COUNT_TTL_MS), and a little more: a count asked then is fresh. */
const COUNTS_AFTER_CHANGE_MS = 3200;
export const MAX_VIEW_NAME = 60;
/** The server's cap on "waiting longer than" (inbox-filters.ts): a week. */
const MAX_WAITING_MINUTES = 7 * 24 * 60;

/** The list's filters as a view stores them (server/services/inbox-filters.ts InboxFilters). */
export interface InboxFilterSet {
  view?: string;
  status?: string[];
  assignee?: 'me' | 'nobody' | number;
  teamId?: number;
  labels?: string[];
  priority?: boolean;
  language?: 'en' | 'zh';
  /** Where the chats started, any of (migration 055). */
  channel?: ConversationChannel[];
  waitingMinutes?: number;
}
export type ConversationChannel = 'widget' | 'email' | 'agent' | 'import';
const CHANNELS: ConversationChannel[] = ['widget', 'email', 'agent', 'import'];
export type ViewSort = 'newest' | 'oldest' | 'waiting' | 'priority' | null;
export interface SavedView { id: number; name: string; personal: boolean; filters: InboxFilterSet; sort: ViewSort }
/** What the inbox shows now, as a view would store it. */
export interface CurrentFilters { filters: InboxFilterSet; sort: ViewSort }

/** The filters the inbox keeps beside its tab, label and team: set by the controls below, or by a view. */
export type ExtraFilters = Pick<InboxFilterSet, 'assignee' | 'priority' | 'language' | 'channel' | 'waitingMinutes'> & {
  /** A view's statuses that "All open"'s status menu cannot show (or any, on another list): kept until a tab is picked. */
  status?: string[];
};

/** The extra filters as the list's query string. */
export const extraQuery = (extra: ExtraFilters) => ({
  assignee: extra.assignee === undefined ? undefined : String(extra.assignee),
  priority: extra.priority,
  language: extra.language,
  channel: extra.channel?.join(','),
  waitingMinutes: extra.waitingMinutes,
});

/**
 * One spelling for a view's filters and order, so two that list the same chats compare equal: no empty fields, lists
 * sorted, every list named (`all` when none), and the list's own order as null (newest activity, but for the queue
 * and the snoozed list, which have their own).
 */
function canonical({ filters, sort }: CurrentFilters): string {
  const view = filters.view ?? 'all';
  const ownOrder = view === 'queued' || view === 'snoozed' ? null : 'newest';
  const entries = Object.entries({ ...filters, view })
    .filter(([, value]) => value !== undefined && value !== '' && !(Array.isArray(value) && !value.length))
    .map(([key, value]) => [key, Array.isArray(value) ? [...value].sort() : value] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([entries, sort === ownOrder ? null : sort]);
}
export const sameFilters = (a: CurrentFilters, b: CurrentFilters) => canonical(a) === canonical(b);

/** Assigned to, priority, language, where the chat started and "waiting longer than": beside the label and team menus. */
export function MoreFilters({ extra, onChange }: { extra: ExtraFilters; onChange(extra: ExtraFilters): void }) {
  const { user } = useSession();
  const set = (patch: Partial<ExtraFilters>) => onChange({ ...extra, ...patch });
  // An agent other than me, from a view: shown as such (the menu offers me and nobody only).
  const otherAgent = typeof extra.assignee === 'number' && extra.assignee !== user.id;
  return (
    <div class="list-filters small" data-testid="more-filters">
      <select data-testid="assignee-filter" aria-label={t('filters.assignee')} value={extra.assignee === undefined ? '' : String(extra.assignee)}
        onChange={(e) => { const v = e.currentTarget.value; set({ assignee: v === '' ? undefined : v === 'me' || v === 'nobody' ? v : Number(v) }); }}>
        <option value="">{t('filters.anyone')}</option>
        <option value="me">{t('filters.me')}</option>
        <option value="nobody">{t('filters.nobody')}</option>
        {otherAgent && <option value={String(extra.assignee)}>{t('filters.agent', { id: String(extra.assignee) })}</option>}
      </select>
      <select data-testid="priority-filter" aria-label={t('filters.priority')} value={extra.priority === undefined ? '' : String(extra.priority)}
        onChange={(e) => { const v = e.currentTarget.value; set({ priority: v === '' ? undefined : v === 'true' }); }}>
        <option value="">{t('filters.anyPriority')}</option>
        <option value="true">{t('filters.priorityOnly')}</option>
        <option value="false">{t('filters.notPriority')}</option>
      </select>
      <select data-testid="language-filter" aria-label={t('filters.language')} value={extra.language ?? ''}
        onChange={(e) => { const v = e.currentTarget.value; set({ language: v === 'en' || v === 'zh' ? v : undefined }); }}>
        <option value="">{t('filters.anyLanguage')}</option>
        <option value="en">English</option>
        <option value="zh">中文</option>
      </select>
      {/* One channel from the menu; a view may keep several (any of them), shown as one choice. */}
      <select data-testid="channel-filter" aria-label={t('filters.channel')} value={extra.channel?.join(',') ?? ''}
        onChange={(e) => { const v = e.currentTarget.value; set({ channel: v ? (v.split(',') as ConversationChannel[]) : undefined }); }}>
        <option value="">{t('filters.anyChannel')}</option>
        {CHANNELS.map((c) => <option key={c} value={c}>{t(`channel.${c}`)}</option>)}
        {(extra.channel?.length ?? 0) > 1 && <option value={extra.channel!.join(',')}>{extra.channel!.map((c) => t(`channel.${c}`)).join(t('filters.or'))}</option>}
      </select>
      <label>
        {t('filters.waitingOver')}{' '}
        <WaitingInput minutes={extra.waitingMinutes} onChange={(waitingMinutes) => set({ waitingMinutes })} />
        {' '}{t('filters.minutes')}
      </label>
    </div>
  );
}

/**
 * "Waiting over N min", applied when the agent leaves the box or presses Enter. What they type is kept here until
 * then: the inbox re-renders on every chat change, and a controlled value would put the applied one back mid-typing.
 */
function WaitingInput({ minutes, onChange }: { minutes: number | undefined; onChange(minutes: number | undefined): void }) {
  const [draft, setDraft] = useState(minutes === undefined ? '' : String(minutes));
  useEffect(() => setDraft(minutes === undefined ? '' : String(minutes)), [minutes]);
  const apply = () => {
    const text = draft.trim();
    const n = Number(text);
    if (!text) {
      if (minutes !== undefined) onChange(undefined); // emptied: no such filter
    } else if (Number.isInteger(n) && n >= 1 && n <= MAX_WAITING_MINUTES) {
      if (n !== minutes) onChange(n);
    } else setDraft(minutes === undefined ? '' : String(minutes)); // not a number of minutes: the applied one back
  };
  return (
    <input type="number" min={1} max={MAX_WAITING_MINUTES} step={1} data-testid="waiting-filter" value={draft}
      onInput={(e) => setDraft(e.currentTarget.value)} onChange={apply}
      onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); apply(); } }} />
  );
}

/** The saved views under the inbox's lists: click applies, Edit renames, changes or deletes, "Save view" keeps the current filters. */
export function SavedViews({ current, onApply }: { current: CurrentFilters; onApply(view: SavedView): void }) {
  const { user, socket } = useSession();
  const views = useLoad(() => get<{ items: SavedView[] }>('/api/inbox-views'), []);
  const counts = useLoad(() => get<{ counts: Record<string, number> }>('/api/inbox-views/counts'), []);
  const recount = useDebounced(() => counts.reload(), COUNTS_AFTER_CHANGE_MS);
  useSocketEvent(socket, 'conversation:updated', recount);
  useSocketEvent(socket, 'messages:new', recount);
  useSocketEvent(socket, 'conversation:labels', recount);
  useSocketEvent(socket, 'views:changed', () => {
    views.reload();
    counts.reload();
  });
  // Which form is open: a new view from the current filters, or one view's edit.
  const [editing, setEditing] = useState<'new' | SavedView | null>(null);
  const mayEdit = (view: SavedView) => view.personal || user.role === 'admin';
  const saved = () => {
    setEditing(null);
    views.reload();
    counts.reload();
  };
  const items = views.data?.items ?? [];
  return (
    <div class="saved-views" role="group" aria-label={t('views.saved')} data-testid="saved-views">
      {items.map((view) => {
        const chosen = sameFilters(current, view);
        return (
          <div class="saved-view" key={view.id}>
            <button aria-pressed={chosen} class={chosen ? 'active' : ''} data-testid="saved-view" data-view-id={view.id} onClick={() => onApply(view)}
              title={view.personal ? t('views.personalHint') : t('views.teamHint')}>
              {view.name}{!view.personal && <span class="visually-hidden"> ({t('views.team')})</span>}{' '}
              <span class="count" data-testid="saved-view-count">{counts.data?.counts[view.id] ?? '…'}</span>
            </button>
            {mayEdit(view) && (
              <button class="link small" data-testid="saved-view-edit" aria-label={t('views.editNamed', { name: view.name })} onClick={() => setEditing(view)}>
                {t('edit')}
              </button>
            )}
          </div>
        );
      })}
      {views.error && <p class="error small">{views.error}</p>}
      {editing === null
        ? <button class="link small" data-testid="save-view" onClick={() => setEditing('new')}>{t('views.save')}</button>
        : <ViewForm key={editing === 'new' ? 'new' : editing.id} editing={editing} current={current} isAdmin={user.role === 'admin'}
            onDone={saved} onCancel={() => setEditing(null)} />}
    </div>
  );
}

/** Name a new view (the team's, for an admin who ticks it), or rename / re-filter / delete one. Escape cancels. */
function ViewForm({ editing, current, isAdmin, onDone, onCancel }: {
  editing: 'new' | SavedView; current: CurrentFilters; isAdmin: boolean; onDone(): void; onCancel(): void;
}) {
  const existing = editing === 'new' ? null : editing;
  const [name, setName] = useState(existing?.name ?? '');
  const [forTeam, setForTeam] = useState(false);
  // Editing keeps the view's filters unless asked to take the ones on screen.
  const [takeCurrent, setTakeCurrent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);
  useEffect(() => nameInput.current?.focus(), []);
  const base = existing ? (existing.personal ? '/api/inbox-views/personal' : '/api/admin/inbox-views') : forTeam ? '/api/admin/inbox-views' : '/api/inbox-views/personal';
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!name.trim()) return setError(t('views.nameEmpty'));
    const chosen = !existing || takeCurrent ? current : existing;
    const body = { name: name.trim(), filters: chosen.filters, sort: chosen.sort };
    setBusy(true);
    try {
      if (existing) await put(`${base}/${existing.id}`, body);
      else await post(base, body);
      onDone();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  const remove = async () => {
    try {
      await del(`${base}/${existing!.id}`);
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="saved-view-form" data-testid="view-form" onSubmit={submit} onKeyDown={(e) => { if (e.key === 'Escape') { e.preventDefault(); onCancel(); } }}>
      <label>
        {t('views.name')}
        <input ref={nameInput} data-testid="view-name" maxLength={MAX_VIEW_NAME} required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      {!existing && isAdmin && (
        <label class="small check"><input type="checkbox" data-testid="view-for-team" checked={forTeam} onChange={(e) => setForTeam(e.currentTarget.checked)} /> {t('views.forTeam')}</label>
      )}
      {existing && (
        <label class="small check"><input type="checkbox" data-testid="view-take-current" checked={takeCurrent} onChange={(e) => setTakeCurrent(e.currentTarget.checked)} /> {t('views.takeCurrent')}</label>
      )}
      {error && <p class="error small" role="alert" data-testid="view-error">{error}</p>}
      <div class="row">
        <button type="submit" class="small" data-testid="view-save" disabled={busy}>{t('save')}</button>
        <button type="button" class="small" data-testid="view-cancel" onClick={onCancel}>{t('cancel')}</button>
        {existing && <ConfirmButton question={t('views.confirmDelete', { name: existing.name })} onConfirm={remove} danger testId="view-delete">{t('delete')}</ConfirmButton>}
      </div>
    </form>
  );
}
