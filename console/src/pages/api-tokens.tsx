// Team & settings → API tokens: personal tokens for integrations (`Authorization: Bearer sd_…` on the console's API,
// acting as the admin who made them with the scope chosen). The secret is shown once, when it is made, as a webhook's.
import { useState } from 'preact/hooks';
import { del, get, post } from '../api.ts';
import { formatTime, useAction, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';
import { ConfirmButton } from '../confirm-button.tsx';

interface ApiTokenView {
  id: number; name: string; hint: string; scope: 'agent' | 'admin'; createdBy: { id: number; name: string | null };
  createdAt: string; lastUsedAt: string | null; expiresAt: string | null; expired: boolean;
}

/** Today's date as an `<input type="date">` value, in local time. */
const today = () => {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
};

export function ApiTokensTab() {
  const list = useLoad(() => get<{ items: ApiTokenView[] }>('/api/admin/api-tokens'), []);
  const blank = { name: '', scope: 'agent' as 'agent' | 'admin', expires: '' };
  const [form, setForm] = useState(blank);
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const { error, run: act } = useAction();
  const run = (action: () => Promise<void>) => act(async () => { await action(); list.reload(); });
  const create = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      // The chosen day is the last one it works: it expires at that day's end, in this browser's time zone.
      const expiresAt = form.expires ? new Date(`${form.expires}T23:59:59`).toISOString() : null;
      const { apiToken, token } = await post<{ apiToken: ApiTokenView; token: string }>('/api/admin/api-tokens', { name: form.name, scope: form.scope, expiresAt });
      setSecret({ name: apiToken.name, token });
      setForm(blank);
    });
  };
  const items = list.data?.items ?? [];
  return (
    <section class="card" data-testid="api-tokens">
      <p class="muted small">{t('apiTokens.explain')}</p>
      {error && <p class="error" role="alert">{error}</p>}
      {secret && (
        <div class="stack" data-testid="api-token-secret">
          <p class="small">{t('apiTokens.secretOnce', { name: secret.name })}</p>
          <div class="inline"><code data-testid="api-token-secret-value">{secret.token}</code><button class="small" data-testid="api-token-secret-done" onClick={() => setSecret(null)}>{t('webhooks.copied')}</button></div>
        </div>
      )}
      {items.length === 0 && !list.loading && <p class="muted">{t('apiTokens.none')}</p>}
      <table>
        <thead>
          <tr>
            <th>{t('apiTokens.name')}</th><th>{t('apiTokens.createdBy')}</th><th>{t('apiTokens.scope')}</th><th>{t('apiTokens.created')}</th>
            <th>{t('apiTokens.lastUsed')}</th><th>{t('apiTokens.expires')}</th><th />
          </tr>
        </thead>
        <tbody>
          {items.map((token) => (
            <tr key={token.id} class={token.expired ? 'inactive' : ''} data-testid="api-token-row" data-name={token.name}>
              <td>{token.name}<div class="muted small"><code>{token.hint}…</code></div></td>
              <td>{token.createdBy.name ?? '—'}</td>
              <td><span class="tag">{t(token.scope === 'admin' ? 'apiTokens.scope.admin' : 'apiTokens.scope.agent')}</span></td>
              <td class="small">{formatTime(token.createdAt)}</td>
              <td class="small" data-testid="api-token-last-used">{token.lastUsedAt ? formatTime(token.lastUsedAt) : <span class="muted">{t('apiTokens.never')}</span>}</td>
              <td class="small">
                {token.expiresAt ? formatTime(token.expiresAt) : <span class="muted">{t('apiTokens.noExpiry')}</span>}
                {token.expired && <span class="badge warn"> {t('apiTokens.expired')}</span>}
              </td>
              <td class="nowrap">
                <ConfirmButton danger testId="api-token-revoke" question={t('apiTokens.confirmRevoke', { name: token.name })}
                  onConfirm={() => void run(async () => { await del(`/api/admin/api-tokens/${token.id}`); })}>{t('apiTokens.revoke')}</ConfirmButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 class="section-title">{t('apiTokens.create')}</h3>
      <form class="stack" onSubmit={create} data-testid="api-token-create">
        <div class="inline wrap">
          <input required maxLength={100} placeholder={t('apiTokens.namePlaceholder')} aria-label={t('apiTokens.name')} data-testid="api-token-name"
            value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
          <label>{t('apiTokens.scope')}{' '}
            <select data-testid="api-token-scope" value={form.scope} onChange={(e) => setForm({ ...form, scope: e.currentTarget.value as 'agent' | 'admin' })}>
              <option value="agent">{t('apiTokens.scope.agent')}</option>
              <option value="admin">{t('apiTokens.scope.admin')}</option>
            </select>
          </label>
          <label>{t('apiTokens.expiresOn')}{' '}
            <input type="date" min={today()} data-testid="api-token-expires" value={form.expires} onInput={(e) => setForm({ ...form, expires: e.currentTarget.value })} />
          </label>
        </div>
        <div class="inline"><button class="primary" type="submit" data-testid="api-token-submit">{t('apiTokens.submit')}</button></div>
      </form>
    </section>
  );
}
