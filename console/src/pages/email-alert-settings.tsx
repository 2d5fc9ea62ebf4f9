// "Email alerts" in the Account panel: which events email this agent while they are away from the console, and
// after how many minutes (GET/PUT /api/auth/me/email-alerts; the server keeps them, unlike the browser's
// notification choices above it). Saving also records this console's language: the emails are written in it.
import { useEffect, useState } from 'preact/hooks';
import { errorText, get, put } from '../api.ts';
import { getEmailLanguage, t, type EmailLanguage, type Key } from '../i18n.ts';
import { useSession } from '../context.ts';

interface EmailAlertPreferences {
  assigned: boolean;
  shopperMessage: boolean;
  mention: boolean;
  leftMessage: boolean;
  delayMinutes: number;
  language: EmailLanguage;
}

interface EmailAlertsView {
  preferences: EmailAlertPreferences;
  emailEnabled: boolean;
}

type EventChoice = 'assigned' | 'shopperMessage' | 'mention' | 'leftMessage';

/** The delay as typed, when the server would take it (a whole number of minutes, 1–60). */
const delayOf = (typed: string): number | null => (/^\d{1,2}$/.test(typed.trim()) && Number(typed) >= 1 && Number(typed) <= 60 ? Number(typed) : null);

export function EmailAlertSettings() {
  const { user } = useSession();
  const [view, setView] = useState<EmailAlertsView | null>(null);
  const [prefs, setPrefs] = useState<EmailAlertPreferences | null>(null);
  const [delay, setDelay] = useState('');
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  const show = (loaded: EmailAlertsView) => {
    setView(loaded);
    setPrefs(loaded.preferences);
    setDelay(String(loaded.preferences.delayMinutes));
  };
  useEffect(() => {
    get<EmailAlertsView>('/api/auth/me/email-alerts').then(show, (err) => setMessage({ error: true, text: errorText(err) }));
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!prefs) return;
    const delayMinutes = delayOf(delay);
    if (delayMinutes === null) {
      setMessage({ error: true, text: t('emailAlerts.badDelay') });
      return;
    }
    setSaving(true);
    try {
      show(await put<EmailAlertsView>('/api/auth/me/email-alerts', { ...prefs, delayMinutes, language: getEmailLanguage() }));
      setMessage({ error: false, text: t('emailAlerts.saved') });
    } catch (err) {
      setMessage({ error: true, text: errorText(err) });
    } finally {
      setSaving(false);
    }
  };

  // Left messages concern the whole team: admins choose them (the server keeps them off for agents).
  const choices: EventChoice[] = user.role === 'admin' ? ['assigned', 'shopperMessage', 'mention', 'leftMessage'] : ['assigned', 'shopperMessage', 'mention'];
  return (
    // noValidate: a bad delay is refused in the console's words (below), not the browser's own bubble.
    <form class="card stack email-alert-settings" data-testid="email-alert-settings" onSubmit={submit} noValidate>
      <h3>{t('emailAlerts.title')}</h3>
      <p class="muted small">{t('emailAlerts.explain')}</p>
      {view && !view.emailEnabled && <p class="small muted" data-testid="email-alerts-no-smtp">{t('emailAlerts.noSmtp')}</p>}
      {prefs && (
        <>
          <fieldset class="stack">
            <legend>{t('emailAlerts.events')}</legend>
            {choices.map((choice) => (
              <label class="check" key={choice}>
                <input type="checkbox" data-testid={`email-alert-${choice}`} checked={prefs[choice]}
                  onChange={(e) => { setPrefs({ ...prefs, [choice]: e.currentTarget.checked }); setMessage(null); }} />
                {t(`emailAlerts.${choice}` as Key)}
              </label>
            ))}
          </fieldset>
          <label>{t('emailAlerts.delay')}
            <input type="number" min={1} max={60} step={1} inputMode="numeric" class="email-alert-delay" data-testid="email-alert-delay"
              value={delay} aria-invalid={delayOf(delay) === null ? 'true' : undefined} onInput={(e) => { setDelay(e.currentTarget.value); setMessage(null); }} />
          </label>
        </>
      )}
      {message && <p class={message.error ? 'error' : 'ok'} role={message.error ? 'alert' : 'status'} data-testid="email-alerts-message">{message.text}</p>}
      {prefs && (
        <div class="inline">
          <button class="primary" type="submit" disabled={saving} data-testid="email-alerts-save">{t('emailAlerts.save')}</button>
        </div>
      )}
    </form>
  );
}
