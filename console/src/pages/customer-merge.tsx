// Merging two records of one person from the customer panel: records with the
// same email are offered first, any other can be found by search. The record
// that is kept is the signed-in one when only one is (it is the one the shop's
// sign-in finds again); otherwise the one whose panel is open. The confirmation
// names both, because a merge cannot be undone.
import { useState } from 'preact/hooks';
import { get, post, query } from '../api.ts';
import { useAction, useDebounced, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';
import type { Customer } from '../types.ts';

const label = (c: Customer) => `${c.name || c.email || t('customer.visitor')} #${c.id}${c.externalId ? ` (${t('merge.signedIn')})` : ''}`;

/** Which of the two records survives a merge, and which moves into it. */
export function mergeDirection(open: Customer, other: Customer): { kept: Customer; moved: Customer } {
  return other.externalId && !open.externalId ? { kept: other, moved: open } : { kept: open, moved: other };
}

export function MergeControl({ customer, onMerged }: { customer: Customer; onMerged(keptId: number): void }) {
  const duplicates = useLoad(() => get<{ items: Customer[] }>(`/api/customers/${customer.id}/duplicates`), [customer.id, customer.email]);
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<Customer | null>(null);
  const [moved, setMoved] = useState<number | null>(null);
  const suggested = duplicates.data?.items ?? [];

  if (!open) {
    return (
      <div class="merge" data-testid="merge">
        {suggested.slice(0, 3).map((other) => (
          <p key={other.id} class="small" data-testid="merge-suggestion">
            {t('merge.sameEmail', { name: label(other) })}{' '}
            <button class="link small" onClick={() => { setChosen(other); setOpen(true); }}>{t('merge.review')}</button>
          </p>
        ))}
        {moved !== null && <p class="small" data-testid="merge-done">{t('merge.done', { n: moved })}</p>}
        <button class="link small" data-testid="merge-open" onClick={() => { setMoved(null); setOpen(true); }}>{t('merge.open')}</button>
      </div>
    );
  }
  const close = () => { setOpen(false); setChosen(null); };
  return (
    <div class="merge" data-testid="merge">
      <p class="muted small">{t('merge.hint')}</p>
      {chosen
        ? <MergeConfirm customer={customer} other={chosen} onCancel={close} onMerged={(keptId, conversations) => { close(); setMoved(conversations); onMerged(keptId); }} />
        : <MergeSearch customer={customer} suggested={suggested} onChoose={setChosen} onCancel={close} />}
    </div>
  );
}

function MergeSearch({ customer, suggested, onChoose, onCancel }: { customer: Customer; suggested: Customer[]; onChoose(c: Customer): void; onCancel(): void }) {
  const [q, setQ] = useState('');
  const [typed, setTyped] = useState('');
  const settle = useDebounced(() => setQ(typed.trim()), 250);
  const found = useLoad(() => (q ? get<{ items: Customer[] }>(`/api/customers${query({ q, limit: 10 })}`) : Promise.resolve({ items: suggested })), [q, suggested.length]);
  const candidates = (found.data?.items ?? []).filter((c) => c.id !== customer.id);
  return (
    <div>
      <input type="search" maxLength={200} placeholder={t('merge.search')} aria-label={t('merge.search')} value={typed} data-testid="merge-search"
        onInput={(e) => { setTyped(e.currentTarget.value); settle(); }} />
      <ul class="plain" data-testid="merge-candidates">
        {candidates.map((c) => (
          <li key={c.id} data-customer-id={c.id}>
            {label(c)} <span class="muted small">{c.email ?? ''}</span>{' '}
            <button class="link small" onClick={() => onChoose(c)}>{t('merge.choose')}</button>
          </li>
        ))}
        {q && found.data && !candidates.length && <li class="muted small">{t('merge.none')}</li>}
      </ul>
      <button type="button" class="link" onClick={onCancel}>{t('cancel')}</button>
    </div>
  );
}

function MergeConfirm({ customer, other, onCancel, onMerged }: { customer: Customer; other: Customer; onCancel(): void; onMerged(keptId: number, conversations: number): void }) {
  const { busy, error, run } = useAction();
  const { kept, moved } = mergeDirection(customer, other);
  const merge = () => run(async () => {
    const result = await post<{ customer: Customer; conversations: number }>(`/api/customers/${moved.id}/merge`, { intoId: kept.id });
    onMerged(result.customer.id, result.conversations);
  }, { leaving: true });
  return (
    <div data-testid="merge-confirm">
      <p class="small">{t('merge.confirm', { kept: label(kept), moved: label(moved) })}</p>
      {/* Neither proved who they are: whoever uses the kept record's browser will see the other's chats. */}
      {!kept.externalId && !moved.externalId && <p class="small warn-text" data-testid="merge-unverified">{t('merge.unverified', { kept: label(kept) })}</p>}
      <button class="danger" disabled={busy} data-testid="merge-do" onClick={() => void merge()}>{t('merge.do')}</button>{' '}
      <button type="button" class="link" onClick={onCancel}>{t('cancel')}</button>
      {error && <p class="error small">{error}</p>}
    </div>
  );
}
