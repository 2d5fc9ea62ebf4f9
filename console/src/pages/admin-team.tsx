// Team and settings: agents and admins, teams (admin-teams.tsx), canned responses, conversation labels
// (rename or remove everywhere), widget settings, webhooks, privacy requests
// (export / delete a customer) and the audit log.
import { ALLOWED_ORIGIN_PATTERN } from '../../../server/services/allowed-origin.ts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { del, get, patch, post, put, query } from '../api.ts';
import { formatTime, useAction, useListChange, useLoad, useSocketEvent } from '../hooks.ts';
import { getEmailLanguage, t, type Key } from '../i18n.ts';
import { useSession } from '../context.ts';
import type { CannedResponse, Customer } from '../types.ts';
import { AwaySetting, FirstReplyTargetSetting } from './away-setting.tsx';
import { TeamsTab } from './admin-teams.tsx';
import { ApiTokensTab } from './api-tokens.tsx';
import { MacrosTab } from './admin-macros.tsx';
import { AutomationTab } from './admin-automation.tsx';
import { ConfirmButton } from '../confirm-button.tsx';
import { usePendingSaves } from '../pending-saves.ts';
import { NameFields, namesBody, namesProblem, renameErrorText, type TypedNames } from './account.tsx';

const TABS = ['team', 'teams', 'canned', 'macros', 'automation', 'labels', 'widget', 'webhooks', 'tokens', 'privacy', 'audit'] as const;
type Tab = (typeof TABS)[number];

export function TeamPage() {
  const [tab, setTab] = useState<Tab>('team');
  // Buttons that say which part is shown (aria-pressed), as the inbox's views do: not an ARIA tablist, which would
  // promise arrow keys between the tabs. The part shown has its own h2 (visually hidden: the pressed button shows it).
  return (
    <div class="admin-team">
      <div class="tabs" role="group" aria-label={t('a11y.settingsParts')}>
        {TABS.map((x) => <button key={x} class={tab === x ? 'active' : ''} aria-pressed={tab === x} data-testid={`tab-${x}`} onClick={() => setTab(x)}>{t(`team.tab.${x}` as Key)}</button>)}
      </div>
      <h2 class="visually-hidden" data-testid="team-part-heading">{t(`team.tab.${tab}` as Key)}</h2>
      {tab === 'team' && <TeamTab />}
      {tab === 'teams' && <TeamsTab />}
      {tab === 'canned' && <CannedTab />}
      {tab === 'macros' && <MacrosTab />}
      {tab === 'automation' && <AutomationTab />}
      {tab === 'labels' && <LabelsTab />}
      {tab === 'widget' && <WidgetTab />}
      {tab === 'webhooks' && <WebhooksTab />}
      {tab === 'tokens' && <ApiTokensTab />}
      {tab === 'privacy' && <PrivacyTab />}
      {tab === 'audit' && <AuditTab />}
    </div>
  );
}

type Language = 'en' | 'zh';
const LANGUAGES: Language[] = ['en', 'zh'];
interface Member { id: number; email: string; name: string; displayName: string | null; role: 'agent' | 'admin'; capacity: number; languages: Language[]; presence: string; active: boolean; openChats: number; lastSeenAt: string | null; autoAway: boolean; twoStep: boolean; invited: boolean; mustChangePassword: boolean; invitationExpired: boolean }

/** The languages an agent answers in: automatic assignment gives them chats in these first (none = any). */
function LanguageChecks({ value, onChange }: { value: Language[]; onChange(next: Language[]): void }) {
  return (
    <span class="inline" data-testid="languages">
      {LANGUAGES.map((language) => (
        <label key={language} class="check small">
          <input type="checkbox" checked={value.includes(language)}
            onChange={(e) => onChange(e.currentTarget.checked ? LANGUAGES.filter((l) => l === language || value.includes(l)) : value.filter((l) => l !== language))} />
          {language}
        </label>
      ))}
    </span>
  );
}

function TeamTab() {
  const { user, socket } = useSession();
  const team = useLoad(() => get<{ items: Member[]; invitationsByEmail: boolean }>('/api/admin/team'), []);
  // Only with outgoing email can a new member be invited to choose their own password; otherwise the admin sets one.
  const canInvite = team.data?.invitationsByEmail === true;
  const [inviting, setInviting] = useState(true);
  const invite = canInvite && inviting;
  // Presence changes as agents come and go: the table follows without a reload.
  useSocketEvent(socket, 'presence:updated', () => team.reload());
  // So do names, whoever changed them (the member in their Account panel, another admin).
  useSocketEvent(socket, 'agent:renamed', () => team.reload());
  const [renaming, setRenaming] = useState<{ id: number; names: TypedNames } | null>(null);
  const [form, setForm] = useState({ email: '', name: '', role: 'agent' as 'agent' | 'admin', password: '', capacity: 5, languages: [] as Language[] });
  const [showPassword, setShowPassword] = useState(false);
  const { error, setError, run } = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const [resetting, setResetting] = useState<{ id: number; password: string } | null>(null);
  // Every change to a member: on success the error goes, the notice says what happened and the table reloads.
  // The notice may depend on the answer; true when it went through.
  const act = <T,>(request: Promise<T>, notice: (answer: T) => string) => run(async () => {
    setNotice(notice(await request));
    team.reload();
  });
  // Role, capacity and languages change as soon as they are picked: say so, as there is no Save button.
  const change = (id: number, body: Record<string, unknown>) => act(patch(`/api/admin/team/${id}`, body), () => t('saved'));
  // A member's role, capacity and languages as picked, until the saved ones come back (see pending-saves.ts): ticking
  // "en" then "zh" quickly sent ["zh"] alone before.
  type Edit = Partial<Pick<Member, 'role' | 'capacity' | 'languages'>>;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const memberSaves = usePendingSaves<Edit>(team.data, (id, fields) => {
    const member = (team.data?.items ?? []).find((m) => m.id === Number(id));
    return !member || Object.entries(fields).every(([field, value]) => same(member[field as keyof Edit], value));
  });
  const shown = (m: Member): Member => ({ ...m, ...memberSaves.pending[m.id] });
  // What is being typed in a capacity box, until it is committed (Enter, Tab, leaving it): the list reloads whenever
  // someone's presence changes, and re-rendered from it the box lost what was being typed.
  const [typedCapacity, setTypedCapacity] = useState<Record<number, string>>({});
  const editMember = (m: Member, fields: Edit) =>
    void memberSaves.save(String(m.id), (current) => ({ ...current, ...fields }), () => change(m.id, fields));
  // Not a setting to flip by accident: they are signed out and their chats move, so ask first and say what happened.
  const deactivate = async (m: Member) => {
    if (!confirm(t('team.confirmDeactivate', { name: m.name, count: m.openChats }))) return;
    await act(patch<{ releasedChats?: number }>(`/api/admin/team/${m.id}`, { active: false }),
      (answer) => t('team.deactivated', { name: m.name, count: answer.releasedChats ?? 0 }));
  };
  const resetPassword = async (event: Event, m: Member) => {
    event.preventDefault();
    if (resetting && (await change(m.id, { password: resetting.password }))) {
      setResetting(null);
      setNotice(t('team.passwordReset', { name: m.name }));
    }
  };
  // Names are checked as the server checks them before anything is sent; the audit log records the rename. Its own
  // action, so its form alone is read-only while it is on its way (a second Save sent it twice), its refusal is said
  // in the form and what was typed stays.
  const renameAction = useAction(renameErrorText);
  const startRename = (m: Member) => {
    renameAction.setError(null);
    setRenaming({ id: m.id, names: { name: m.name, displayName: m.displayName ?? '' } });
  };
  const rename = async (event: Event, m: Member) => {
    event.preventDefault();
    if (!renaming) return;
    const problem = namesProblem(renaming.names, m.name);
    if (problem) {
      renameAction.setError(problem);
      return;
    }
    await renameAction.run(async () => {
      await patch(`/api/admin/team/${m.id}`, namesBody(renaming.names));
      // Closed unless the admin has meanwhile cancelled it and opened another member's.
      setRenaming((current) => (current?.id === m.id ? null : current));
      setError(null);
      setNotice(t('name.saved'));
      team.reload();
    });
  };
  // A lost phone: two-step sign-in goes off and they are signed out everywhere (audited by the server).
  const resetTwoStep = async (m: Member) => {
    if (!confirm(t('team.confirmResetTwoStep', { name: m.name }))) return;
    await act(del(`/api/admin/team/${m.id}/two-step`), () => t('team.twoStepReset', { name: m.name }));
  };
  // A new invitation link (the earlier ones stop working), in this console's language unless theirs is known.
  const resend = (m: Member) => act(post(`/api/admin/team/${m.id}/invitation`, { language: getEmailLanguage() }), () => t('team.invitationSent', { email: m.email }));
  const create = async (event: Event) => {
    event.preventDefault();
    await run(async () => {
      const { password, ...details } = form;
      const answer = await post<{ invitationError?: string }>('/api/admin/team', invite ? { ...details, invite: true, language: getEmailLanguage() } : form);
      if (invite && answer.invitationError) setNotice(t('team.invitationFailed', { name: form.name, error: answer.invitationError }));
      else if (invite) setNotice(t('team.invitationSent', { email: form.email }));
      // The admin passes the sign-in on: say so, once, with what to pass.
      else setNotice(t('team.created', { name: form.name, email: form.email, password }));
      setForm({ email: '', name: '', role: 'agent', password: '', capacity: 5, languages: [] });
      setShowPassword(false);
      team.reload();
    });
  };
  return (
    <section class="card" data-testid="team">
      {error && <p class="error" role="alert">{error}</p>}
      {notice && <p class="ok" role="status" data-testid="team-notice">{notice}</p>}
      <table>
        <thead><tr><th>{t('team.name')}</th><th>{t('team.email')}</th><th>{t('team.role')}</th><th>{t('team.capacity')}</th><th title={t('team.languagesHint')}>{t('team.languages')}</th><th>{t('team.presence')}</th><th>{t('team.open')}</th><th>{t('team.twoStep')}</th><th><span class="visually-hidden">{t('a11y.actions')}</span></th></tr></thead>
        <tbody>
          {(team.data?.items ?? []).map(shown).map((m) => (
            <tr key={m.id} class={m.active ? '' : 'inactive'} data-testid="team-row" data-email={m.email}>
              <td data-testid="member-name">{renaming?.id === m.id
                ? <form class="stack name-form" onSubmit={(e) => void rename(e, m)} data-testid="rename-form" noValidate>
                    <fieldset class="stack fields" disabled={renameAction.busy}>
                      <NameFields value={renaming.names} onInput={(names) => { setRenaming({ id: m.id, names }); renameAction.setError(null); }}
                        testIdPrefix="rename" hint="name.shownHintMember" invalid={!!renameAction.error} />
                    </fieldset>
                    {renameAction.error && <p class="error" role="alert" data-testid="rename-error">{renameAction.error}</p>}
                    <span class="inline">
                      <button class="small primary" type="submit" disabled={renameAction.busy}>{t('save')}</button>
                      <button class="small" type="button" onClick={() => setRenaming(null)}>{t('cancel')}</button>
                    </span>
                  </form>
                : <>{m.name} <button class="small" data-testid="rename" aria-label={`${t('name.rename')}: ${m.name}`}
                    onClick={() => startRename(m)}>{t('name.rename')}</button></>}
                {m.displayName && renaming?.id !== m.id && <div class="muted small" data-testid="member-shown-name">{t('name.shownAs', { name: m.displayName })}</div>}
                {m.invited && <> <span class="badge warn" data-testid="member-invited">{t(m.invitationExpired ? 'team.invitationExpired' : 'team.invited')}</span></>}
                {m.mustChangePassword && !m.invited && <span class="muted small" data-testid="member-must-change" title={t('team.mustChangeHint')}> {t('team.mustChange')}</span>}
              </td><td>{m.email}</td>
              <td>
                <select value={m.role} disabled={m.id === user.id} aria-label={t('a11y.roleOf', { name: m.name })} onChange={(e) => editMember(m, { role: e.currentTarget.value as Member['role'] })}>
                  <option value="agent">{t('role.agent')}</option><option value="admin">{t('role.admin')}</option>
                </select>
              </td>
              <td><input type="number" min={0} max={100} value={typedCapacity[m.id] ?? m.capacity} class="narrow" aria-label={t('a11y.capacityOf', { name: m.name })}
                onInput={(e) => { const typed = e.currentTarget.value; setTypedCapacity((current) => ({ ...current, [m.id]: typed })); }}
                onChange={(e) => {
                  const typed = e.currentTarget.value;
                  setTypedCapacity(({ [m.id]: _done, ...rest }) => rest);
                  if (typed !== '') editMember(m, { capacity: Number(typed) });
                }} /></td>
              <td><LanguageChecks value={m.languages ?? []} onChange={(languages) => editMember(m, { languages })} /></td>
              <td data-testid="member-presence">{t(`presence.${m.presence}` as Key)}{m.autoAway && <span class="muted small" title={t('team.autoAwayHint')}> {t('team.autoAway')}</span>}</td>
              <td>{m.openChats}</td>
              <td data-testid="member-two-step" data-on={String(m.twoStep)}>{m.twoStep ? <span class="badge">{t('team.twoStepOn')}</span> : '—'}</td>
              <td>{m.id !== user.id && (m.active
                ? <button class="danger small" data-testid="deactivate" onClick={() => deactivate(m)}>{t('team.deactivate')}</button>
                : <button class="small" onClick={() => change(m.id, { active: true })}>{t('team.activate')}</button>)}
                {m.id !== user.id && (resetting?.id === m.id
                  ? <form class="inline" onSubmit={(e) => resetPassword(e, m)} data-testid="reset-password-form">
                      <input type="password" required minLength={10} autoComplete="new-password" placeholder={t('team.newPassword')} value={resetting.password}
                        onInput={(e) => setResetting({ id: m.id, password: e.currentTarget.value })} />
                      <button class="small primary" type="submit">{t('save')}</button>
                      <button class="small" type="button" onClick={() => setResetting(null)}>{t('cancel')}</button>
                    </form>
                  : <button class="small" data-testid="reset-password" onClick={() => setResetting({ id: m.id, password: '' })}>{t('team.resetPassword')}</button>)}
                {m.invited && m.active && canInvite && <button class="small" data-testid="resend-invitation" onClick={() => void resend(m)}>{t('team.resend')}</button>}
                {m.id !== user.id && m.twoStep && <button class="small" data-testid="reset-two-step" onClick={() => void resetTwoStep(m)}>{t('team.resetTwoStep')}</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 class="section-title">{t('team.create')}</h3>
      {/* Each field has a visible label (a placeholder alone goes as soon as something is typed). */}
      <form class="inline wrap labelled-row" onSubmit={create} data-testid="team-create">
        <label>{t('team.name')}<input required placeholder={t('team.name')} value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} /></label>
        <label>{t('team.email')}<input required type="email" placeholder={t('team.email')} value={form.email} onInput={(e) => setForm({ ...form, email: e.currentTarget.value })} /></label>
        <label>{t('team.role')}<select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as 'agent' | 'admin' })}>
          <option value="agent">{t('role.agent')}</option><option value="admin">{t('role.admin')}</option>
        </select></label>
        <label>{t('team.capacity')}<input type="number" min={0} max={100} class="narrow" value={form.capacity} onInput={(e) => setForm({ ...form, capacity: Number(e.currentTarget.value) })} /></label>
        {canInvite && (
          <label class="check small"><input type="checkbox" data-testid="team-invite" checked={inviting} onChange={(e) => setInviting(e.currentTarget.checked)} />{t('team.invite')}</label>
        )}
        {!invite && <>
          <label>{t('team.password')}<input required type={(showPassword ? 'text' : 'password') as 'text'} minLength={10} autoComplete="new-password" data-testid="team-password" placeholder={t('team.password')} value={form.password}
            onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} /></label>
          {/* A strong password to pass on, shown so it can be copied: typing one blind into a masked field helped nobody. */}
          <button class="small" type="button" data-testid="team-generate-password" onClick={() => { setForm({ ...form, password: generatedPassword() }); setShowPassword(true); }}>{t('team.generatePassword')}</button>
        </>}
        <LanguageChecks value={form.languages} onChange={(languages) => setForm({ ...form, languages })} />
        <button class="primary" type="submit" data-testid="team-add">{t('add')}</button>
      </form>
      {team.data && !canInvite && <p class="muted small" data-testid="team-invite-needs-smtp">{t('team.inviteNeedsSmtp')}</p>}
      <AwaySetting />
      <FirstReplyTargetSetting />
    </section>
  );
}

function CannedTab() {
  const { socket } = useSession();
  const list = useLoad(() => get<{ items: CannedResponse[] }>('/api/canned-responses'), []);
  // Another admin's edit shows here without a reload (the server sends it to every console).
  useSocketEvent(socket, 'canned:changed', ({ scope }) => { if (scope === 'shared') list.reload(); });
  const shared = (list.data?.items ?? []).filter((c) => !c.personal); // the admin's own are in Account → My replies
  const blank = { shortcut: '', title: '', body: '', locale: 'en' as 'en' | 'zh' };
  const [form, setForm] = useState(blank);
  const [editing, setEditing] = useState<number | null>(null);
  const { error, run } = useListChange(list, {});
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!(await run(() => (editing ? put(`/api/admin/canned-responses/${editing}`, form) : post('/api/admin/canned-responses', form))))) return;
    setForm(blank);
    setEditing(null);
  };
  return (
    <section class="card" data-testid="canned">
      {error && <p class="error">{error}</p>}
      <table>
        <thead><tr><th>{t('canned.shortcut')}</th><th>{t('canned.title')}</th><th>{t('canned.body')}</th><th>{t('kb.locale')}</th><th><span class="visually-hidden">{t('a11y.actions')}</span></th></tr></thead>
        <tbody>
          {shared.map((c) => (
            <tr key={c.id}>
              <td><code>/{c.shortcut}</code></td><td>{c.title}</td><td class="small">{c.body}</td><td>{c.locale}</td>
              <td class="nowrap">
                <button class="small" onClick={() => { setEditing(c.id); setForm({ shortcut: c.shortcut, title: c.title, body: c.body, locale: c.locale as 'en' | 'zh' }); }}>{t('edit')}</button>
                <button class="small danger" onClick={() => void run(() => del(`/api/admin/canned-responses/${c.id}`))}>{t('delete')}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="stack" onSubmit={submit} data-testid="canned-form">
        <div class="inline labelled-row">
          <label>{t('canned.shortcut')}<input required pattern="[a-z0-9][a-z0-9_\-]{0,39}" placeholder={t('canned.shortcut')} value={form.shortcut} onInput={(e) => setForm({ ...form, shortcut: e.currentTarget.value })} /></label>
          <label>{t('canned.title')}<input required placeholder={t('canned.title')} value={form.title} onInput={(e) => setForm({ ...form, title: e.currentTarget.value })} /></label>
          <label>{t('kb.locale')}<select value={form.locale} onChange={(e) => setForm({ ...form, locale: e.currentTarget.value as 'en' | 'zh' })}><option value="en">en</option><option value="zh">zh</option></select></label>
        </div>
        <label>{t('canned.body')}<textarea required rows={3} placeholder={t('canned.bodyHint')} value={form.body} onInput={(e) => setForm({ ...form, body: e.currentTarget.value })} /></label>
        <div class="inline">
          <button class="primary" type="submit">{editing ? t('save') : t('add')}</button>
          {editing && <button type="button" onClick={() => { setEditing(null); setForm(blank); }}>{t('cancel')}</button>}
        </div>
      </form>
    </section>
  );
}

/** The labels agents use, with counts: rename one (into another merges them) or remove it from every conversation. */
function LabelsTab() {
  const { socket } = useSession();
  const labels = useLoad(() => get<{ items: { label: string; conversations: number }[] }>('/api/conversation-labels'), []);
  useSocketEvent(socket, 'conversation:labels', () => labels.reload());
  useSocketEvent(socket, 'labels:changed', () => labels.reload());
  const [renaming, setRenaming] = useState<{ from: string; name: string } | null>(null);
  const { error, run: act } = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const run = async (change: () => Promise<{ conversations: number }>) => {
    const changed = await act(async () => {
      const { conversations } = await change();
      setNotice(t('labels.changed', { count: conversations }));
      setRenaming(null);
      labels.reload();
    });
    if (!changed) setNotice(null);
  };
  const path = (label: string) => `/api/admin/conversation-labels/${encodeURIComponent(label)}`;
  const items = labels.data?.items ?? [];
  return (
    <section class="card" data-testid="labels-admin">
      {error && <p class="error" role="alert">{error}</p>}
      {notice && <p class="ok" role="status" data-testid="labels-notice">{notice}</p>}
      {items.length === 0 && !labels.loading && <p class="muted">{t('labels.none')}</p>}
      <table>
        <thead><tr><th>{t('labels.label')}</th><th>{t('labels.conversations')}</th><th><span class="visually-hidden">{t('a11y.actions')}</span></th></tr></thead>
        <tbody>
          {items.map((l) => (
            <tr key={l.label} data-testid="label-row" data-label={l.label}>
              <td>{renaming?.from === l.label
                ? (
                  <form class="inline" onSubmit={(e) => { e.preventDefault(); void run(() => put(path(l.label), { name: renaming.name })); }}>
                    <input data-testid="label-new-name" required maxLength={32} value={renaming.name} onInput={(e) => setRenaming({ from: l.label, name: e.currentTarget.value })} />
                    <button class="primary small" type="submit">{t('save')}</button>
                    <button class="small" type="button" onClick={() => setRenaming(null)}>{t('cancel')}</button>
                  </form>
                )
                : <span class="tag">{l.label}</span>}</td>
              <td>{l.conversations}</td>
              <td class="nowrap">
                <button class="small" data-testid="label-rename" onClick={() => setRenaming({ from: l.label, name: l.label })}>{t('labels.rename')}</button>
                <ConfirmButton danger testId="label-remove" question={t('labels.confirmRemove', { label: l.label, count: l.conversations })}
                  onConfirm={() => void run(() => del(path(l.label)))}>{t('delete')}</ConfirmButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface WidgetSettingsView {
  siteKey: string; color: string; position: 'right' | 'left'; language: 'auto' | 'en' | 'zh';
  greeting: { en: string; zh: string }; offlineMessage: { en: string; zh: string }; preChatForm: boolean;
  /** Who answers first; absent from an older server (the bot, always). */
  botMode?: BotMode;
  /** When the widget asks for a rating; absent from an older server (after every chat). */
  csatAsk?: CsatAsk;
  businessHours: null | { timezone: string; days: (null | [string, string])[] };
  nudges: Nudge[];
  shopName: string; shopUrl: string; privacyUrl: string;
  /** Absent from an older server. */
  allowedOrigins?: string[];
  identitySecretSet: boolean;
}

/**
 * The allowed-websites box (one per line) as the server takes it: blank lines dropped, and a trailing slash or
 * capitals, which a copied address often has, removed rather than refused.
 */
function originLines(text: string): string[] {
  return text.split('\n').map((line) => line.trim().replace(/\/+$/, '').toLowerCase()).filter(Boolean);
}

/** The first line that is no origin (a path, no scheme), for a message naming it; the server checks the rest. */
const ALLOWED_ORIGIN = new RegExp(ALLOWED_ORIGIN_PATTERN);
const notAnOrigin = (origins: string[]) => origins.find((origin) => !ALLOWED_ORIGIN.test(origin));
interface Nudge { id: string; path: string; delaySeconds: number; message: { en: string; zh: string } }
type BotMode = 'always' | 'when_team_unavailable' | 'never';
const BOT_MODES: BotMode[] = ['always', 'when_team_unavailable', 'never'];
type CsatAsk = 'people' | 'all' | 'never';
const CSAT_ASKS: CsatAsk[] = ['people', 'all', 'never'];

/** Proactive messages: on pages under a path, after a delay, the widget offers a message beside its launcher. */
function NudgesEditor({ nudges, onChange }: { nudges: Nudge[]; onChange(next: Nudge[]): void }) {
  const change = (index: number, patchNudge: Partial<Nudge>) => onChange(nudges.map((n, i) => (i === index ? { ...n, ...patchNudge } : n)));
  const add = () => {
    // Ids only need to differ from the others: a shopper sees each rule once per visit.
    const taken = new Set(nudges.map((n) => n.id));
    let id = 1;
    while (taken.has(`nudge-${id}`)) id++;
    onChange([...nudges, { id: `nudge-${id}`, path: '/', delaySeconds: 30, message: { en: '', zh: '' } }]);
  };
  return (
    <fieldset data-testid="nudges">
      <legend>{t('widget.nudges')}</legend>
      <p class="muted small">{t('widget.nudgesHint')}</p>
      {nudges.map((n, i) => (
        <div class="stack nudge-rule" key={n.id} data-testid="nudge-rule">
          <div class="inline">
            <label>{t('widget.nudgePath')}<input required pattern="/.*" maxLength={200} value={n.path} data-testid="nudge-path" onInput={(e) => change(i, { path: e.currentTarget.value })} /></label>
            <label>{t('widget.nudgeDelay')}<input type="number" min={0} max={600} required value={n.delaySeconds} data-testid="nudge-delay" onInput={(e) => change(i, { delaySeconds: Number(e.currentTarget.value) })} /></label>
            <button type="button" class="small danger" onClick={() => onChange(nudges.filter((_, j) => j !== i))}>{t('delete')}</button>
          </div>
          <div class="grid-2">
            <label>{t('widget.nudgeMessage')} (en)<textarea rows={2} maxLength={300} value={n.message.en} data-testid="nudge-en" onInput={(e) => change(i, { message: { ...n.message, en: e.currentTarget.value } })} /></label>
            <label>{t('widget.nudgeMessage')} (zh)<textarea rows={2} maxLength={300} value={n.message.zh} data-testid="nudge-zh" onInput={(e) => change(i, { message: { ...n.message, zh: e.currentTarget.value } })} /></label>
          </div>
        </div>
      ))}
      {nudges.length < 10 && <button type="button" class="small" data-testid="nudge-add" onClick={add}>{t('widget.nudgeAdd')}</button>}
    </fieldset>
  );
}
/** The admin's own time zone, for opening hours switched on (a shop in Shanghai ticking Mon–Fri 9–17 means its 9–17). */
function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The IANA zone names the browser knows, to pick from while typing (none in a browser without the list). */
function timeZoneNames(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  return supported ? supported('timeZone') : [];
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

function WidgetTab() {
  const loaded = useLoad(() => get<WidgetSettingsView>('/api/admin/widget-settings'), []);
  const [form, setForm] = useState<WidgetSettingsView | null>(null);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();
  // Kept as typed (blank lines and all) until saved; the server gets the list.
  const [originsText, setOriginsText] = useState('');
  useEffect(() => {
    if (!loaded.data) return;
    setForm(loaded.data);
    setOriginsText((loaded.data.allowedOrigins ?? []).join('\n'));
  }, [loaded.data]);
  if (!form) return <p class="muted">{loaded.error ?? t('loading')}</p>;
  const save = async (event: Event) => {
    event.preventDefault();
    const { identitySecretSet: _set, ...rest } = form;
    const settings = { ...rest, allowedOrigins: originLines(originsText) };
    const wrong = notAnOrigin(settings.allowedOrigins);
    if (wrong !== undefined) return setError(t('widget.allowedOriginsBad', { origin: wrong }));
    await run(async () => {
      const saved = await put<WidgetSettingsView>('/api/admin/widget-settings', secret === undefined ? settings : { ...settings, identitySecret: secret });
      setForm(saved);
      setOriginsText((saved.allowedOrigins ?? []).join('\n'));
      setSecret(undefined);
      setMessage(t('saved'));
    });
  };
  const hours = form.businessHours;
  return (
    <>
    <InstallSnippet />
    <form class="card" onSubmit={save} data-testid="widget-settings">
      {/* Read-only while a save is in flight: its answer replaces the form, which would drop what was typed after the click. */}
      <fieldset class="fields stack" disabled={busy}>
        <div class="grid-2">
          <label>{t('widget.shopName')}<input maxLength={100} value={form.shopName} placeholder={t('widget.shopNameHint')} onInput={(e) => setForm({ ...form, shopName: e.currentTarget.value })} data-testid="shop-name" /></label>
          <label>{t('widget.shopUrl')}<input type="url" maxLength={2048} value={form.shopUrl} placeholder="https://shop.example.com" onInput={(e) => setForm({ ...form, shopUrl: e.currentTarget.value.trim() })} data-testid="shop-url" /></label>
          <label>{t('widget.privacyUrl')}<input type="url" maxLength={2048} value={form.privacyUrl ?? ''} placeholder="https://shop.example.com/privacy" onInput={(e) => setForm({ ...form, privacyUrl: e.currentTarget.value.trim() })} data-testid="privacy-url" /></label>
          <label>{t('widget.color')}<input type="color" value={form.color} onInput={(e) => setForm({ ...form, color: e.currentTarget.value })} /></label>
          <label>{t('widget.position')}<select value={form.position} onChange={(e) => setForm({ ...form, position: e.currentTarget.value as 'right' | 'left' })}><option value="right">{t('widget.right')}</option><option value="left">{t('widget.left')}</option></select></label>
          <label>{t('widget.language')}<select value={form.language} onChange={(e) => setForm({ ...form, language: e.currentTarget.value as 'auto' })}><option value="auto">auto</option><option value="en">en</option><option value="zh">zh</option></select></label>
          <label class="check"><input type="checkbox" checked={form.preChatForm} onChange={(e) => setForm({ ...form, preChatForm: e.currentTarget.checked })} /> {t('widget.preChat')}</label>
          <label>{t('widget.botMode')}
            <select value={form.botMode ?? 'always'} data-testid="bot-mode" aria-describedby="bot-mode-hint" onChange={(e) => setForm({ ...form, botMode: e.currentTarget.value as BotMode })}>
              {BOT_MODES.map((mode) => <option key={mode} value={mode}>{t(`widget.botMode.${mode}`)}</option>)}
            </select>
            <span class="muted small" id="bot-mode-hint">{t('widget.botModeHint')}</span>
          </label>
          <label>{t('widget.csatAsk')}
            <select value={form.csatAsk ?? 'people'} data-testid="csat-ask" aria-describedby="csat-ask-hint" onChange={(e) => setForm({ ...form, csatAsk: e.currentTarget.value as CsatAsk })}>
              {CSAT_ASKS.map((ask) => <option key={ask} value={ask}>{t(`widget.csatAsk.${ask}`)}</option>)}
            </select>
            <span class="muted small" id="csat-ask-hint">{t('widget.csatAskHint')}</span>
          </label>
          <label>{t('widget.greeting')} (en)<textarea rows={2} maxLength={500} value={form.greeting.en} onInput={(e) => setForm({ ...form, greeting: { ...form.greeting, en: e.currentTarget.value } })} /></label>
          <label>{t('widget.greeting')} (zh)<textarea rows={2} maxLength={500} value={form.greeting.zh} onInput={(e) => setForm({ ...form, greeting: { ...form.greeting, zh: e.currentTarget.value } })} /></label>
          <label>{t('widget.offline')} (en)<textarea rows={2} maxLength={500} value={form.offlineMessage.en} onInput={(e) => setForm({ ...form, offlineMessage: { ...form.offlineMessage, en: e.currentTarget.value } })} /></label>
          <label>{t('widget.offline')} (zh)<textarea rows={2} maxLength={500} value={form.offlineMessage.zh} onInput={(e) => setForm({ ...form, offlineMessage: { ...form.offlineMessage, zh: e.currentTarget.value } })} /></label>
        </div>
        <fieldset>
          <legend><label class="check"><input type="checkbox" checked={hours !== null}
            onChange={(e) => setForm({ ...form, businessHours: e.currentTarget.checked ? { timezone: browserTimeZone(), days: [null, ['09:00', '17:00'], ['09:00', '17:00'], ['09:00', '17:00'], ['09:00', '17:00'], ['09:00', '17:00'], null] } : null })} /> {t('widget.hours')}</label></legend>
          {hours && (
            <div class="stack">
              <label>{t('widget.timezone')}<input value={hours.timezone} list="time-zones" data-testid="hours-timezone" spellcheck={false} autocomplete="off"
                onInput={(e) => setForm({ ...form, businessHours: { ...hours, timezone: e.currentTarget.value } })} /></label>
              <datalist id="time-zones">{timeZoneNames().map((zone) => <option key={zone} value={zone} />)}</datalist>
              {DAYS.map((d, i) => {
                const day = hours.days[i];
                const setDay = (value: null | [string, string]) => setForm({ ...form, businessHours: { ...hours, days: hours.days.map((x, j) => (j === i ? value : x)) } });
                return (
                  <div class="inline" key={d}>
                    <label class="check narrow-label"><input type="checkbox" checked={day !== null} onChange={(e) => setDay(e.currentTarget.checked ? ['09:00', '17:00'] : null)} /> {t(`day.${d}` as Key)}</label>
                    {day && <><input type="time" value={day[0]} onInput={(e) => setDay([e.currentTarget.value, day[1]])} /> – <input type="time" value={day[1]} onInput={(e) => setDay([day[0], e.currentTarget.value])} /></>}
                  </div>
                );
              })}
            </div>
          )}
        </fieldset>
        <NudgesEditor nudges={form.nudges ?? []} onChange={(nudges) => setForm({ ...form, nudges })} />
        <fieldset>
          <legend id="allowed-origins-legend">{t('widget.allowedOrigins')}</legend>
          <p class="muted small" id="allowed-origins-hint">{t('widget.allowedOriginsHint')}</p>
          <textarea rows={3} value={originsText} placeholder={'https://shop.example.com\nhttps://*.shop.example.com'} aria-labelledby="allowed-origins-legend" aria-describedby="allowed-origins-hint"
            spellcheck={false} autocomplete="off" data-testid="allowed-origins" onInput={(e) => setOriginsText(e.currentTarget.value)} />
        </fieldset>
        <fieldset>
          <legend>{t('widget.identity')}</legend>
          <p class="small" data-testid="identity-secret-state">{form.identitySecretSet ? t('widget.secretSet') : t('widget.secretNotSet')}</p>
          <div class="inline">
            <input type="password" autocomplete="new-password" placeholder={t('widget.newSecret')} value={secret ?? ''} onInput={(e) => setSecret(e.currentTarget.value || undefined)} />
            {form.identitySecretSet && <button type="button" class="small" onClick={() => setSecret('')}>{t('widget.clearSecret')}</button>}
          </div>
        </fieldset>
        <div class="inline">
          <button class="primary" type="submit">{t('save')}</button>
          {message && <span class="ok small">{message}</span>}
          {error && <span class="error small">{error}</span>}
        </div>
      </fieldset>
    </form>
    </>
  );
}

/** The one tag a shop pastes into its pages (this server's PUBLIC_URL and the site key), and how to pass a signed-in shopper. */
function InstallSnippet() {
  const install = useLoad(() => get<{ siteKey: string; scriptUrl: string; snippet: string }>('/api/admin/widget-settings/install'), []);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const snippetBox = useRef<HTMLTextAreaElement>(null);
  if (!install.data) return install.error ? <p class="error">{install.error}</p> : null;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(install.data!.snippet);
      setCopied('yes');
    } catch {
      // The clipboard API needs a secure context (https or localhost): select the text so the admin can copy it.
      snippetBox.current?.select();
      setCopied('failed');
    }
  };
  return (
    <section class="card stack" data-testid="widget-install">
      <h3 class="install-title" id="install-title">{t('widget.install')}</h3>
      <p class="small muted">{t('widget.installHint', { key: install.data.siteKey })}</p>
      <div class="install-row">
        <textarea ref={snippetBox} readOnly rows={2} class="install-snippet" data-testid="install-snippet" aria-labelledby="install-title" value={install.data.snippet} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" class="primary" data-testid="copy-snippet" onClick={copy}>{t('widget.copy')}</button>
      </div>
      {copied && <span class={`small ${copied === 'yes' ? 'ok' : 'error'}`} role="status" data-testid="copy-result">{t(copied === 'yes' ? 'widget.copied' : 'widget.copyFailed')}</span>}
      <p class="small muted" data-testid="install-identity">{t('widget.installIdentity')}</p>
    </section>
  );
}

interface WebhookDelivery { id: number; event: string; status: 'pending' | 'delivered' | 'failed'; attempts: number; lastStatus: number | null; lastError: string | null; createdAt: string }
interface WebhookHealth { lastSuccessAt: string | null; lastFailureAt: string | null; consecutiveFailures: number; failingSince: string | null; circuitOpenUntil: string | null }
interface WebhookView {
  id: number; url: string; events: string[]; active: boolean; description: string; secret: string; recentDeliveries: WebhookDelivery[];
  disabledReason: string | null; disabledAt: string | null; health: WebhookHealth;
}

/** Under the URL: why the workers turned it off, or how the endpoint has been answering lately. */
function WebhookHealthNote({ webhook: w }: { webhook: WebhookView }) {
  if (!w.active && w.disabledReason) {
    return <div class="error small" data-testid="webhook-disabled">{t('webhooks.autoDisabled', { time: formatTime(w.disabledAt), reason: w.disabledReason })}</div>;
  }
  const h = w.health;
  return (
    <div class="muted small" data-testid="webhook-health">
      {h.lastSuccessAt ? t('webhooks.lastSuccess', { time: formatTime(h.lastSuccessAt) }) : t('webhooks.neverSucceeded')}
      {h.consecutiveFailures > 0 && <> · <span class="badge warn">{t('webhooks.failing', { count: h.consecutiveFailures })}</span></>}
      {h.circuitOpenUntil && <div data-testid="webhook-paused">{t('webhooks.paused', { time: formatTime(h.circuitOpenUntil) })}</div>}
    </div>
  );
}

const DELIVERIES_REFRESH_MS = 10_000;

/** Endpoints of the shop's other systems; the signing secret is shown once, right after it is made (create, rotate). */
function WebhooksTab() {
  const list = useLoad(() => get<{ items: WebhookView[]; events: string[] }>('/api/admin/webhooks'), []);
  // Deliveries are sent and retried in the background: the table follows them while it is open.
  useEffect(() => {
    const timer = setInterval(() => list.reload(), DELIVERIES_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const blank = { url: '', description: '', events: [] as string[] };
  const [form, setForm] = useState(blank);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const { error, setError, run: act } = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const run = async (action: () => Promise<void>) => {
    if (!(await act(async () => { await action(); list.reload(); }))) setNotice(null);
  };
  const create = (event: Event) => {
    event.preventDefault();
    if (form.events.length === 0) return setError(t('webhooks.pickEvents'));
    void run(async () => {
      const { webhook } = await post<{ webhook: WebhookView }>('/api/admin/webhooks', { url: form.url, events: form.events, ...(form.description.trim() ? { description: form.description } : {}) });
      setSecret({ url: webhook.url, secret: webhook.secret });
      setForm(blank);
      setNotice(null);
    });
  };
  const toggle = (events: string[], name: string) => (events.includes(name) ? events.filter((e) => e !== name) : [...events, name]);
  const items = list.data?.items ?? [];
  // The box shows what was clicked while the change is on its way (see pending-saves.ts).
  const activeSaves = usePendingSaves<boolean>(list.data, (id, active) => {
    const webhook = items.find((w) => w.id === Number(id));
    return !webhook || webhook.active === active;
  });
  const setActive = (webhook: WebhookView, active: boolean) => void run(async () => {
    await activeSaves.save(String(webhook.id), () => active, () => patch(`/api/admin/webhooks/${webhook.id}`, { active }));
  });
  return (
    <section class="card" data-testid="webhooks">
      <p class="muted small">{t('webhooks.explain')}</p>
      {error && <p class="error" role="alert">{error}</p>}
      {notice && <p class="ok" role="status" data-testid="webhooks-notice">{notice}</p>}
      {secret && (
        <div class="stack" data-testid="webhook-secret">
          <p class="small">{t('webhooks.secretOnce', { url: secret.url })}</p>
          <div class="inline"><code data-testid="webhook-secret-value">{secret.secret}</code><button class="small" onClick={() => setSecret(null)}>{t('webhooks.copied')}</button></div>
        </div>
      )}
      {items.length === 0 && !list.loading && <p class="muted">{t('webhooks.none')}</p>}
      <table>
        <thead><tr><th>{t('webhooks.url')}</th><th>{t('webhooks.events')}</th><th>{t('webhooks.active')}</th><th>{t('webhooks.recent')}</th><th><span class="visually-hidden">{t('a11y.actions')}</span></th></tr></thead>
        <tbody>
          {items.map((w) => (
            <tr key={w.id} class={w.active ? '' : 'inactive'} data-testid="webhook-row" data-url={w.url}>
              <td><code>{w.url}</code>{w.description && <div class="muted small">{w.description}</div>}<div class="muted small">{w.secret}</div><WebhookHealthNote webhook={w} /></td>
              <td>{w.events.map((e) => <span class="tag" key={e}>{e}</span>)}</td>
              <td><input type="checkbox" data-testid="webhook-active" aria-label={`${t('webhooks.active')} – ${w.url}`} checked={activeSaves.pending[w.id] ?? w.active} onChange={(e) => setActive(w, e.currentTarget.checked)} /></td>
              <td class="small" data-testid="webhook-deliveries">
                {w.recentDeliveries.length === 0 ? <span class="muted">{t('webhooks.noDeliveries')}</span> : w.recentDeliveries.map((d) => (
                  <div key={d.id} data-status={d.status} title={d.lastError ?? ''}>
                    <span class={d.status === 'failed' ? 'badge warn' : 'badge'}>{t(`webhooks.status.${d.status}` as Key)}</span>
                    {d.event} · {formatTime(d.createdAt)}{d.lastStatus !== null ? ` · ${d.lastStatus}` : ''}{d.attempts > 1 ? ` · ×${d.attempts}` : ''}
                    {d.status !== 'delivered' && d.lastError && <div class="muted" data-testid="webhook-delivery-error">{d.lastError}</div>}
                  </div>
                ))}
              </td>
              <td class="nowrap">
                <button class="small" data-testid="webhook-test" disabled={!w.active} onClick={() => void run(async () => {
                  const { deliveryId } = await post<{ deliveryId: number }>(`/api/admin/webhooks/${w.id}/test`);
                  setNotice(t('webhooks.testQueued', { id: deliveryId }));
                })}>{t('webhooks.test')}</button>
                <ConfirmButton testId="webhook-rotate" question={t('webhooks.confirmRotate', { url: w.url })} onConfirm={() => void run(async () => {
                  const { webhook } = await post<{ webhook: WebhookView }>(`/api/admin/webhooks/${w.id}/rotate-secret`);
                  setSecret({ url: webhook.url, secret: webhook.secret });
                })}>{t('webhooks.rotate')}</ConfirmButton>
                <ConfirmButton danger testId="webhook-delete" question={t('webhooks.confirmDelete', { url: w.url })}
                  onConfirm={() => void run(async () => { await del(`/api/admin/webhooks/${w.id}`); })}>{t('delete')}</ConfirmButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 class="section-title">{t('webhooks.create')}</h3>
      <form class="stack" onSubmit={create} data-testid="webhook-create">
        <div class="inline">
          <input required type="url" maxLength={2048} placeholder="https://crm.example.com/hooks/shopdesk" aria-label={t('webhooks.url')} data-testid="webhook-url" value={form.url} onInput={(e) => setForm({ ...form, url: e.currentTarget.value })} />
          <input maxLength={200} placeholder={t('webhooks.description')} aria-label={t('webhooks.description')} value={form.description} onInput={(e) => setForm({ ...form, description: e.currentTarget.value })} />
        </div>
        <div class="inline wrap">
          {(list.data?.events ?? []).map((name) => (
            <label class="check" key={name}><input type="checkbox" data-testid={`webhook-event-${name}`} checked={form.events.includes(name)} onChange={() => setForm({ ...form, events: toggle(form.events, name) })} /> <code>{name}</code></label>
          ))}
        </div>
        <div class="inline"><button class="primary" type="submit">{t('add')}</button></div>
      </form>
    </section>
  );
}

function PrivacyTab() {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Customer[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const { error, run } = useAction();
  const search = async (event: Event) => {
    event.preventDefault();
    if (!q.trim()) return;
    await run(async () => setResults((await get<{ items: Customer[] }>(`/api/customers${query({ q: q.trim() })}`)).items));
  };
  const remove = async (customer: Customer) => {
    if (!confirm(t('privacy.confirmDelete', { name: customer.name ?? customer.email ?? `#${customer.id}` }))) return;
    await run(async () => {
      const r = await del<{ messagesAnonymised: number; timelineEventsRemoved: number; ordersDeleted: number }>(`/api/admin/customers/${customer.id}`);
      setMessage(t('privacy.deleted', { messages: r.messagesAnonymised, events: r.timelineEventsRemoved, orders: r.ordersDeleted }));
      setResults(results.filter((c) => c.id !== customer.id));
    });
  };
  return (
    <section class="card" data-testid="privacy">
      <p class="muted small">{t('privacy.explain')}</p>
      <form class="inline" onSubmit={search}>
        <input type="search" placeholder={t('privacy.search')} value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        <button type="submit">{t('search')}</button>
      </form>
      {error && <p class="error">{error}</p>}
      {message && <p class="ok">{message}</p>}
      <ul class="plain">
        {results.map((c) => (
          <li key={c.id}>
            <strong>{c.name ?? '—'}</strong> {c.email ?? ''} <span class="muted small">#{c.id} {c.externalId ?? ''}</span>{' '}
            <a class="button small" href={`/api/admin/customers/${c.id}/export`} download={`customer-${c.id}.json`}>{t('privacy.export')}</a>{' '}
            <button class="danger small" onClick={() => remove(c)}>{t('privacy.delete')}</button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function AuditTab() {
  const log = useLoad(() => get<{ items: { id: number; actor: string | null; action: string; target: string | null; details: Record<string, unknown>; createdAt: string }[] }>('/api/admin/audit-log'), []);
  return (
    <section class="card" data-testid="audit">
      {log.data && log.data.items.length === 0 && <p class="muted">{t('audit.none')}</p>}
      <table>
        <thead><tr><th>{t('kb.when')}</th><th>{t('audit.actor')}</th><th>{t('audit.action')}</th><th>{t('audit.target')}</th><th>{t('audit.details')}</th></tr></thead>
        <tbody>
          {(log.data?.items ?? []).map((e) => (
            <tr key={e.id}><td class="small">{formatTime(e.createdAt)}</td><td>{e.actor ?? '—'}</td><td>{e.action}</td><td>{e.target}</td><td class="small"><code>{JSON.stringify(e.details)}</code></td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** 16 random characters from an alphabet without look-alikes (no 0/O, 1/l/I): read aloud or typed from a note. */
function generatedPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
