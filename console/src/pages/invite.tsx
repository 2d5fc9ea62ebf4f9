// The invitation page (public, like the login page): a new team member opens the emailed link
// `/console/invite#token=…`, chooses their password and is signed in. The token is read from the address's hash,
// which the browser never sends to a server, and is posted in a body (services/invitations.ts).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, codeText, post } from '../api.ts';
import { t, type Key } from '../i18n.ts';
import type { SignedInAnswer } from '../limits.ts';

/** The server's refusals, in the console's language. */
const REASONS: Record<string, Key> = {
  invitation_invalid: 'invite.invalid',
  invitation_used: 'invite.used',
  invitation_expired: 'invite.expired',
};

/** The token of `#token=…`, or null. */
export function invitationToken(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') || null;
}

export function InvitePage({ onAccepted, onToLogin }: { onAccepted(answer: SignedInAnswer): void; onToLogin(): void }) {
  const [token] = useState(() => invitationToken(location.hash));
  const [invitee, setInvitee] = useState<{ email: string; name: string } | null>(null);
  // A link that cannot work: the page says why and offers the sign-in page instead of the form.
  const [refusal, setRefusal] = useState<string | null>(token ? null : t('invite.noToken'));
  const [form, setForm] = useState({ next: '', repeat: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (token) post<{ email: string; name: string }>('/api/auth/invitations/inspect', { token }).then(setInvitee, (err) => setRefusal(codeText(err, REASONS)));
  }, [token]);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (form.next !== form.repeat) return setError(t('account.mismatch'));
    setBusy(true);
    setError(null);
    try {
      onAccepted(await post<SignedInAnswer>('/api/auth/invitations/accept', { token, password: form.next }));
    } catch (err) {
      if (err instanceof ApiError && REASONS[err.code]) setRefusal(codeText(err, REASONS));
      else setError(codeText(err, REASONS));
      setBusy(false);
    }
  };
  return (
    <div class="login">
      {refusal || !invitee
        ? (
          <div class="card login-card" data-testid="invite-page" data-state={refusal ? 'refused' : 'checking'}>
            <h1>{t('invite.title')}</h1>
            {refusal ? <p class="error" role="alert" data-testid="invite-error">{refusal}</p> : <p class="muted">{t('invite.checking')}</p>}
            {refusal && <button class="primary" type="button" onClick={onToLogin}>{t('invite.toLogin')}</button>}
          </div>
        )
        : (
          <form class="card login-card" onSubmit={submit} data-testid="invite-form">
            <h1>{t('invite.title')}</h1>
            <p class="muted" data-testid="invite-greeting">{t('invite.greeting', { name: invitee.name, email: invitee.email })}</p>
            {/* The email as a username field: a password manager saves the new password under the right account. */}
            <input type="email" name="email" autoComplete="username" value={invitee.email} readOnly hidden />
            <label>{t('account.new')}
              <input type="password" name="password" required minLength={10} autoComplete="new-password" data-testid="invite-password"
                value={form.next} onInput={(e) => setForm({ ...form, next: e.currentTarget.value })} />
            </label>
            <label>{t('account.repeat')}
              <input type="password" required minLength={10} autoComplete="new-password" data-testid="invite-password-repeat"
                value={form.repeat} onInput={(e) => setForm({ ...form, repeat: e.currentTarget.value })} />
            </label>
            {error && <p class="error" role="alert">{error}</p>}
            <button class="primary" type="submit" disabled={busy}>{t('invite.submit')}</button>
          </form>
        )}
    </div>
  );
}
