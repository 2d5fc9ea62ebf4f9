// The second step of signing in, for someone with two-step sign-in on: the code from their authenticator app, or
// one of their recovery codes. When the challenge is used up (too many wrong codes, five minutes gone) it goes back
// to the password.
import { useState } from 'preact/hooks';
import { ApiError, codeText, post } from '../api.ts';
import { t, type Key } from '../i18n.ts';
import type { SignedInAnswer } from '../limits.ts';

/** The server's reasons, in the console's language. */
const REASONS: Record<string, Key> = {
  wrong_code: 'login.wrongCode',
  code_used: 'login.codeUsed',
  too_many_attempts: 'login.tooManyCodes',
  challenge_expired: 'login.challengeExpired',
  two_step_locked: 'login.locked',
};

export function TwoStepLogin({ challenge, onLogin, onRestart }: { challenge: string; onLogin(answer: SignedInAnswer): void; onRestart(reason: string): void }) {
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await post<SignedInAnswer>('/api/auth/login/verify', { challenge, code: code.trim() }));
    } catch (err) {
      const reason = codeText(err, REASONS);
      // The challenge is dead: only the password can start a new one.
      if (err instanceof ApiError && (err.code === 'too_many_attempts' || err.code === 'challenge_expired')) onRestart(reason);
      else setError(reason);
      setCode('');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card login-card" onSubmit={submit} data-testid="two-step-form">
      <h1>Shopdesk</h1>
      <p class="muted">{t(recovery ? 'login.recoveryPrompt' : 'login.codePrompt')}</p>
      {/* A recovery code has letters: the numeric keyboard and the app's autofill are only for the six digits. */}
      <label>{t(recovery ? 'login.recoveryCode' : 'login.code')}
        {/* Keyed: a fresh input for each kind, so no attribute of the other (pattern, maxLength) stays behind. */}
        <input key={recovery ? 'recovery' : 'app'} name="code" required autoFocus data-testid="two-step-code" value={code} onInput={(e) => setCode(e.currentTarget.value)}
          {...(recovery
            ? { autoComplete: 'off', inputMode: 'text', pattern: '[0-9A-Za-z \\-]{6,24}', maxLength: 24, placeholder: 'xxxxx-xxxxx' }
            : { autoComplete: 'one-time-code', inputMode: 'numeric', pattern: '[0-9 ]{6,7}', maxLength: 7 })} />
      </label>
      {error && <p class="error" role="alert" data-testid="two-step-error">{error}</p>}
      <button class="primary" type="submit" disabled={busy}>{t('login.verify')}</button>
      <button type="button" class="link small" data-testid="two-step-recovery-toggle" onClick={() => { setRecovery(!recovery); setCode(''); setError(null); }}>
        {t(recovery ? 'login.useApp' : 'login.useRecovery')}
      </button>
      <button type="button" class="link small" onClick={() => onRestart('')}>{t('login.back')}</button>
    </form>
  );
}
