// The signed-in person's own account: changing their password (it asks for the
// current one; their other sessions are signed out by the server), two-step sign-in, and which events alert them.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, errorText, get, patch, post } from '../api.ts';
import { t, type Key } from '../i18n.ts';
import { useSession } from '../context.ts';
import { useAction } from '../hooks.ts';
import type { User } from '../types.ts';
import { MAX_NAME_CHARS, MAX_SHOWN_NAME_CHARS, nameProblem } from '../../../server/services/agent-name-rules.ts';
import { ALERT_EVENTS, askPermissionOnce, notificationPrefs, notificationsState, saveNotificationPrefs, type NotifyPrefs } from '../notify.ts';
import { PersonalReplies } from './personal-replies.tsx';
import { PersonalMacros } from './personal-macros.tsx';
import { EmailAlertSettings } from './email-alert-settings.tsx';

const NO_PASSWORDS = { current: '', next: '', repeat: '' };

/**
 * Changing one's own password, as both forms that do it share it: the current password and the new one twice, each
 * field's test id `${testIdPrefix}-${field}`. `submit` checks that the two new ones match, then sends them (useAction:
 * `busy` on its way, `error` the reason it was not changed); it is true when the password was changed. `fields` puts
 * the fields in the editors' read-only-while-saving fieldset: a second Enter or click sent the change again, and what
 * was typed stays for a retry.
 */
function useOwnPasswordChange(testIdPrefix: string) {
  const [form, setForm] = useState(NO_PASSWORDS);
  const { busy, error, setError, run } = useAction();
  const field = (key: keyof typeof form, label: string, minLength?: number) => (
    <label>{label}
      <input type="password" required minLength={minLength} autoComplete={key === 'current' ? 'current-password' : 'new-password'}
        value={form[key]} onInput={(e) => setForm({ ...form, [key]: e.currentTarget.value })} data-testid={`${testIdPrefix}-${key}`} />
    </label>
  );
  const fields = (labels: { current: string }) => (
    <fieldset class="stack fields" disabled={busy}>
      {field('current', labels.current)}
      {field('next', t('account.new'), 10)}
      {field('repeat', t('account.repeat'), 10)}
    </fieldset>
  );
  /** `leaving`: a change that takes the page away keeps the form busy (useAction). */
  const submit = async ({ leaving = false } = {}) => {
    if (form.next !== form.repeat) {
      setError(t('account.mismatch'));
      return false;
    }
    return run(() => post('/api/auth/password', { currentPassword: form.current, newPassword: form.next }), { leaving });
  };
  return { fields, submit, busy, error, clear: () => setForm(NO_PASSWORDS) };
}

export function PasswordForm({ onDone }: { onDone(): void }) {
  const [changed, setChanged] = useState(false);
  const { fields, submit: change, busy, error, clear } = useOwnPasswordChange('password');
  const submit = async (event: Event) => {
    event.preventDefault();
    setChanged(false);
    if (!(await change())) return;
    clear();
    setChanged(true);
  };
  const message = error ? { error: true, text: error } : changed ? { error: false, text: t('account.changed') } : null;
  return (
    <form class="card password-form" onSubmit={submit} data-testid="password-form">
      <h3>{t('account.password')}</h3>
      {fields({ current: t('account.current') })}
      {message && <p class={message.error ? 'error' : 'ok'} role={message.error ? 'alert' : 'status'} data-testid="password-message">{message.text}</p>}
      <div class="inline">
        <button class="primary" type="submit" disabled={busy}>{t('save')}</button>
        <button type="button" onClick={onDone}>{t('cancel')}</button>
      </div>
    </form>
  );
}

/** The server's name refusals (server/services/agent-names.ts) in the console's words. */
const NAME_REFUSALS: Record<string, Key> = {
  name_empty: 'name.empty', name_too_long: 'name.tooLong', name_invalid: 'name.invalid',
  display_name_too_long: 'name.shownTooLong', display_name_invalid: 'name.shownInvalid',
};

export interface TypedNames { name: string; displayName: string }

/** What is wrong with the names as typed, in the console's words (the server's own rules), or null. */
/** `storedName`: the full name as it is; left unchanged, it is not checked again (a name from before today's rules). */
export function namesProblem(names: TypedNames, storedName?: string): string | null {
  const code = (names.name.trim() === storedName ? null : nameProblem('full', names.name)) ?? nameProblem('shown', names.displayName);
  return code ? nameRefusalText(code) : null;
}

/** A name refusal's words, with the longest length allowed where they name it. */
const nameRefusalText = (code: string) => t(NAME_REFUSALS[code], { max: code.startsWith('display_name') ? MAX_SHOWN_NAME_CHARS : MAX_NAME_CHARS });

/** A refusal of a rename in the console's words (the limit said, not a bare "{max}"). */
export const renameErrorText = (err: unknown) =>
  (err instanceof ApiError && Object.prototype.hasOwnProperty.call(NAME_REFUSALS, err.code) ? nameRefusalText(err.code) : errorText(err));

/** What a rename sends: trimmed, an empty shown name meaning "use the full name". */
export const namesBody = (names: TypedNames) => ({ name: names.name.trim(), displayName: names.displayName.trim() || null });

/**
 * The two names, as the Account panel and the team page both edit them: the full name and the one shown to
 * customers (empty = the full name). Each input's test id is `${testIdPrefix}-full` / `-shown`.
 */
export function NameFields({ value, onInput, testIdPrefix, invalid, hint = 'name.shownHint' }: { value: TypedNames; onInput(next: TypedNames): void; testIdPrefix: string; invalid?: boolean; hint?: Key }) {
  return (
    <>
      <label>{t('name.full')}
        <input required autoComplete="name" value={value.name} aria-invalid={invalid ? 'true' : undefined}
          onInput={(e) => onInput({ ...value, name: e.currentTarget.value })} data-testid={`${testIdPrefix}-full`} />
      </label>
      <label>{t('name.shown')}
        <input autoComplete="nickname" value={value.displayName} placeholder={value.name} aria-describedby={`${testIdPrefix}-shown-hint`}
          aria-invalid={invalid ? 'true' : undefined}
          onInput={(e) => onInput({ ...value, displayName: e.currentTarget.value })} data-testid={`${testIdPrefix}-shown`} />
      </label>
      <p class="muted small" id={`${testIdPrefix}-shown-hint`}>{t(hint)}</p>
    </>
  );
}

/** "Your name": the signed-in person renames themselves; the header follows at once (and every console, live). */
export function OwnNameForm() {
  const { user, updateUser } = useSession();
  const stored = { name: user.name, displayName: user.displayName ?? '' };
  const [form, setForm] = useState<TypedNames>(stored);
  const [edited, setEdited] = useState(false);
  // Renamed meanwhile (an admin, another tab): the form shows the new names unless the person is editing them, so
  // saving it never puts the old name back.
  useEffect(() => {
    if (!edited) setForm(stored);
  }, [user.name, user.displayName]);
  const [saved, setSaved] = useState(false);
  const { busy, error, setError, run } = useAction(renameErrorText);
  const submit = async (event: Event) => {
    event.preventDefault();
    setSaved(false);
    const problem = namesProblem(form, user.name);
    if (problem) return setError(problem);
    setSaved(await run(async () => {
      const answer = await patch<{ user: User }>('/api/auth/me', namesBody(form));
      updateUser(answer.user);
      setForm({ name: answer.user.name, displayName: answer.user.displayName ?? '' });
      setEdited(false);
    }));
  };
  const message = error ? { error: true, text: error } : saved ? { error: false, text: t('name.saved') } : null;
  return (
    <form class="card stack name-form" onSubmit={submit} data-testid="own-name-form" noValidate>
      <h3>{t('name.title')}</h3>
      {/* Read-only while a save is in flight, as the other editors: its answer replaces the fields (the names as
          stored, trimmed), which would drop anything typed after the click. useAction gives the focus back. */}
      <fieldset class="stack fields" disabled={busy}>
        <NameFields value={form} onInput={(next) => { setForm(next); setEdited(true); setError(null); setSaved(false); }} testIdPrefix="own-name" invalid={!!error} />
      </fieldset>
      {message && <p class={message.error ? 'error' : 'ok'} role={message.error ? 'alert' : 'status'} data-testid="own-name-message">{message.text}</p>}
      <div class="inline"><button class="primary" type="submit" disabled={busy} data-testid="own-name-save">{t('save')}</button></div>
    </form>
  );
}

interface TwoStepStatus { enabled: boolean; pending: boolean; recoveryCodesLeft: number }

/** Recovery codes right after they were made: the only time they are shown. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  return (
    <div class="stack" data-testid="recovery-codes">
      <p class="small">{t('twoStep.recoveryOnce')}</p>
      <ul class="plain recovery-codes">{codes.map((code) => <li key={code}><code>{code}</code></li>)}</ul>
      <div class="inline">
        <button type="button" onClick={() => void navigator.clipboard?.writeText(codes.join('\n')).catch(() => {})}>{t('widget.copy')}</button>
        <button type="button" class="primary" data-testid="recovery-codes-done" onClick={onDone}>{t('twoStep.savedCodes')}</button>
      </div>
    </div>
  );
}

/**
 * Two-step sign-in for oneself: turn on (the server makes a secret, the app is shown it, a first code and the current
 * password confirm it), then the recovery codes once; turn off or get new recovery codes with the current password.
 */
export function TwoStepSettings() {
  const [status, setStatus] = useState<TwoStepStatus | null>(null);
  const [setup, setSetup] = useState<{ secret: string; otpauthUri: string; qrSvg: string } | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const load = () => get<TwoStepStatus>('/api/auth/two-step').then(setStatus, (err) => setMessage({ error: true, text: errorText(err) }));
  useEffect(() => void load(), []);
  const run = async (action: () => Promise<void>) => {
    setMessage(null);
    try {
      await action();
    } catch (err) {
      setMessage({ error: true, text: errorText(err) });
    }
  };
  const begin = () => run(async () => {
    setSetup(await post<{ secret: string; otpauthUri: string; qrSvg: string }>('/api/auth/two-step/setup'));
    setCode('');
    setPassword('');
  });
  const confirm = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      // The password too: a session left open (or taken) must not tie this account to someone else's phone.
      const result = await post<{ recoveryCodes: string[] }>('/api/auth/two-step/confirm', { code: code.replace(/\s/g, ''), password });
      setPassword('');
      setSetup(null);
      setCodes(result.recoveryCodes);
      await load();
    });
  };
  // One password field for both actions: the button that submitted the form says which (the browser checks the field first).
  const manage = (event: SubmitEvent) => {
    event.preventDefault();
    const off = (event.submitter as HTMLElement | null)?.dataset.action === 'off';
    void run(async () => {
      if (off) await post('/api/auth/two-step/disable', { password });
      else setCodes((await post<{ recoveryCodes: string[] }>('/api/auth/two-step/recovery-codes', { password })).recoveryCodes);
      setPassword('');
      await load();
      if (off) setMessage({ error: false, text: t('twoStep.turnedOff') });
    });
  };
  // The key in groups of four, as apps show it, for typing in by hand.
  const grouped = setup?.secret.match(/.{1,4}/g)?.join(' ') ?? '';
  return (
    <section class="card stack two-step" data-testid="two-step">
      <h3>{t('twoStep.title')}</h3>
      {status && !codes && (status.enabled
        ? <p data-testid="two-step-state" data-enabled="true"><span class="badge">{t('twoStep.on')}</span> {t('twoStep.onExplain', { count: status.recoveryCodesLeft })}</p>
        : <p class="muted small" data-testid="two-step-state" data-enabled="false">{t('twoStep.offExplain')}</p>)}
      {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />}
      {status && !status.enabled && !setup && !codes && <div><button class="primary" data-testid="two-step-begin" onClick={() => void begin()}>{t('twoStep.turnOn')}</button></div>}
      {setup && (
        <form class="stack" onSubmit={confirm} data-testid="two-step-setup">
          <p class="small">{t('twoStep.scan')}</p>
          {/* An image, not inline markup: the SVG is the server's, but nothing from a response is put into the page as HTML. */}
          <img class="two-step-qr" data-testid="two-step-qr" width={180} height={180} alt={t('twoStep.qrAlt')}
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrSvg)}`} />
          <code class="two-step-secret" data-testid="two-step-secret">{grouped}</code>
          <a class="small" href={setup.otpauthUri}>{t('twoStep.openInApp')}</a>
          <label>{t('twoStep.confirmCode')}
            <input required autoComplete="one-time-code" inputMode="numeric" pattern="[0-9 ]{6,7}" maxLength={7} value={code}
              onInput={(e) => setCode(e.currentTarget.value)} data-testid="two-step-confirm-code" />
          </label>
          <label>{t('account.current')}
            <input type="password" required autoComplete="current-password" value={password}
              onInput={(e) => setPassword(e.currentTarget.value)} data-testid="two-step-confirm-password" />
          </label>
          <div class="inline">
            <button class="primary" type="submit">{t('twoStep.confirm')}</button>
            <button type="button" onClick={() => { setSetup(null); setPassword(''); }}>{t('cancel')}</button>
          </div>
        </form>
      )}
      {status?.enabled && !codes && (
        <form class="stack" onSubmit={(e) => manage(e as unknown as SubmitEvent)} data-testid="two-step-manage">
          <label>{t('account.current')}
            <input type="password" required autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="two-step-password" />
          </label>
          <div class="inline">
            <button type="submit" data-action="codes" data-testid="two-step-new-codes">{t('twoStep.newCodes')}</button>
            <button type="submit" class="danger" data-action="off" data-testid="two-step-off">{t('twoStep.turnOff')}</button>
          </div>
        </form>
      )}
      {message && <p class={message.error ? 'error' : 'ok'} role={message.error ? 'alert' : 'status'} data-testid="two-step-message">{message.text}</p>}
    </section>
  );
}

/**
 * All the console shows someone who signed in with a password an admin set (the server refuses them everything else
 * until then): the password they were given and one of their own, twice.
 */
export function ChooseOwnPassword({ name, onChanged, onLogout }: { name: string; onChanged(): void; onLogout(): void }) {
  const { fields, submit: change, busy, error } = useOwnPasswordChange('own-password');
  const submit = async (event: Event) => {
    event.preventDefault();
    if (await change({ leaving: true })) onChanged();
  };
  return (
    <div class="login">
      <form class="card login-card" onSubmit={submit} data-testid="choose-own-password">
        <h1>{t('mustChange.title')}</h1>
        <p class="muted">{name} — {t('mustChange.explain')}</p>
        {fields({ current: t('mustChange.current') })}
        {error && <p class="error" role="alert" data-testid="own-password-error">{error}</p>}
        <button class="primary" type="submit" disabled={busy}>{t('mustChange.submit')}</button>
        <button class="link" type="button" onClick={onLogout}>{t('logout')}</button>
      </form>
    </div>
  );
}

/**
 * This agent's alerts: the chime, desktop notifications (asking the browser's permission when turned on), the
 * customer's words in them, and which events alert at all. Kept per agent in this browser and saved on each change;
 * the console reads them at each alert (notify.ts), so they apply at once, in every tab.
 */
export function NotificationSettings() {
  const { user } = useSession();
  const [prefs, setPrefs] = useState<NotifyPrefs>(() => notificationPrefs(user.id));
  const [permission, setPermission] = useState(notificationsState());
  const change = (next: NotifyPrefs) => {
    setPrefs(next);
    saveNotificationPrefs(user.id, next);
  };
  const box = (testId: string, label: string, checked: boolean, onChange: (on: boolean) => void, disabled = false) => (
    <label class="check" key={testId}>
      <input type="checkbox" data-testid={testId} checked={checked} disabled={disabled} onChange={(e) => onChange(e.currentTarget.checked)} />{label}
    </label>
  );
  return (
    <section class="card stack notification-settings" data-testid="notification-settings">
      <h3>{t('notify.prefs.title')}</h3>
      <p class="muted small">{t('notify.prefs.explain')}</p>
      {box('notify-sound', t('notify.prefs.sound'), prefs.sound, (on) => change({ ...prefs, sound: on }))}
      {box('notify-desktop', t('notify.prefs.desktop'), prefs.desktop, (on) => {
        change({ ...prefs, desktop: on });
        // Turned on with the browser not asked yet: ask now (this click is the gesture browsers want).
        if (on && notificationsState() === 'default') void askPermissionOnce().then(() => setPermission(notificationsState()));
      })}
      {prefs.desktop && permission === 'denied' && <p class="small error" data-testid="notify-blocked">{t('notify.prefs.blocked')}</p>}
      {box('notify-show-text', t('notify.prefs.showText'), prefs.showText, (on) => change({ ...prefs, showText: on }), !prefs.desktop)}
      <fieldset class="stack">
        <legend>{t('notify.prefs.events')}</legend>
        {ALERT_EVENTS.map((event) => box(`notify-event-${event}`, t(`notify.prefs.${event}` as Key), prefs.events[event],
          (on) => change({ ...prefs, events: { ...prefs.events, [event]: on } })))}
      </fieldset>
    </section>
  );
}

/** What the account link in the top bar opens: the names, the password, two-step sign-in, notifications and the agent's own replies. */
export function AccountPanel({ onDone }: { onDone(): void }) {
  return (
    <div class="account-panel stack">
      <OwnNameForm />
      <PasswordForm onDone={onDone} />
      <TwoStepSettings />
      <NotificationSettings />
      <EmailAlertSettings />
      <PersonalReplies />
      <PersonalMacros />
    </div>
  );
}
