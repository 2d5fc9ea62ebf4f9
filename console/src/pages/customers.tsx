// Customers: find anyone the shop has talked to (name, email or shop user id;
// the most recently seen first) and open their profile, history, orders and
// ratings without an open conversation.
import { useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import { formatTime, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';
import { navigate } from '../router.ts';
import type { Customer } from '../types.ts';
import { CustomerPanel } from './customer-panel.tsx';

export function CustomersPage({ customerId }: { customerId: number | null }) {
  const [q, setQ] = useState('');
  const list = useLoad(() => get<{ items: Customer[] }>(`/api/customers${query({ q: q.trim(), limit: 50 })}`), [q]);
  return (
    <div class="customers-page" data-testid="customers-page">
      <section class="card customers-list">
        <input type="search" placeholder={t('customers.search')} value={q} onInput={(e) => setQ(e.currentTarget.value)} data-testid="customers-search" />
        <ul class="plain">
          {(list.data?.items ?? []).map((c) => (
            <li key={c.id} class={c.id === customerId ? 'current' : ''} data-testid="customer-row" data-customer-id={c.id}>
              <a href={`/console/customers/${c.id}`} onClick={(e) => { e.preventDefault(); navigate(`/console/customers/${c.id}`); }}>
                {c.name || c.email || `${t('customer.visitor')} #${c.id}`}
              </a>
              {c.blocked && <> <span class="badge warn" data-testid="customer-row-blocked">{t('customer.blocked')}</span></>}
              <div class="muted small">{[c.email, t(c.conversationsCount === 1 ? 'customers.oneConversation' : 'customers.conversations', { n: c.conversationsCount }), formatTime(c.lastSeenAt ?? c.firstSeenAt)].filter(Boolean).join(' · ')}</div>
            </li>
          ))}
          {list.data && !list.data.items.length && <li class="muted small">{t('customers.none')}</li>}
        </ul>
      </section>
      <div class="customers-detail">
        {customerId ? <CustomerPanel customerId={customerId} onRecordChanged={list.reload} /> : <p class="muted">{t('customers.pick')}</p>}
      </div>
    </div>
  );
}
