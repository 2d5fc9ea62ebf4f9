// The signed-in person's own account: changing their password (it asks for the
// current one; their other sessions are signed out by the server).
import { useState } from 'preact/hooks';
import { errorText, post } from '../api.ts';
import { t } from '../i18n.ts';

export function PasswordForm({ onDone }: { onDone(): void }) {
  const [form, setForm] = useState({ current: '', next: '', repeat: '' });
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (form.next !== form.repeat) return setMessage({ error: true, text: t('account.mismatch') });
    try {
      await post('/api/auth/password', { currentPassword: form.current, newPassword: form.next });
      setForm({ current: '', next: '', repeat: '' });
      setMessage({ error: false, text: t('account.changed') });
    } catch (err) {
      setMessage({ error: true, text: errorText(err) });
    }
  };
  const field = (key: keyof typeof form, label: string, minLength?: number) => (
    <label>{label}
      <input type="password" required minLength={minLength} autoComplete={key === 'current' ? 'current-password' : 'new-password'}
        value={form[key]} onInput={(e) => setForm({ ...form, [key]: e.currentTarget.value })} data-testid={`password-${key}`} />
    </label>
  );
  return (
    <form class="card password-form" onSubmit={submit} data-testid="password-form">
      <h3>{t('account.password')}</h3>
      {field('current', t('account.current'))}
      {field('next', t('account.new'), 10)}
      {field('repeat', t('account.repeat'), 10)}
      {message && <p class={message.error ? 'error' : 'ok'} role={message.error ? 'alert' : 'status'} data-testid="password-message">{message.text}</p>}
      <div class="inline">
        <button class="primary" type="submit">{t('save')}</button>
        <button type="button" onClick={onDone}>{t('cancel')}</button>
      </div>
    </form>
  );
}
