// Customer 360 beside the chat: profile, the team's notes on the person, editable tags and attributes, the
// computed segment with its rule, previous conversations, the history timeline,
// CSAT history and recent orders.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { del, get, patch, post } from '../api.ts';
import { useSession } from '../context.ts';
import { formatMoney, formatTime, useAction, useDebounced, useFocusAfterRender, useLoad, useSocketEvent } from '../hooks.ts';
import { getChineseScript, getLocale, sharedChineseInScript, t, type Key } from '../i18n.ts';
import { formatWake } from '../snooze.ts';
import { navigate } from '../router.ts';
import type { ConversationSummary, Customer, FeedbackItem, Order, Segment, TimelineItem } from '../types.ts';
import { ChipsEditor } from '../chips-editor.tsx';
import { MergeControl } from './customer-merge.tsx';
import { MessageCustomer } from './customer-message.tsx';
import { CustomerNotes } from './customer-notes.tsx';

/**
 * A customer's profile and history; `conversationId` marks the chat open beside it (none on the customers page).
 * `onRecordChanged` hears of a block, an unblock or a merge, which change how a list shows the customer.
 */
export function CustomerPanel({ customerId, conversationId, onRecordChanged }: { customerId: number; conversationId?: number; onRecordChanged?(): void }) {
  const { socket } = useSession();
  const profile = useLoad(() => get<{ customer: Customer; conversations: ConversationSummary[] }>(`/api/customers/${customerId}`), [customerId]);
  const segment = useLoad(() => get<Segment>(`/api/customers/${customerId}/segment`), [customerId]);
  const timeline = useLoad(() => get<{ items: TimelineItem[] }>(`/api/customers/${customerId}/timeline?limit=50`), [customerId]);
  const feedback = useLoad(() => get<{ items: FeedbackItem[] }>(`/api/customers/${customerId}/feedback`), [customerId]);
  const orders = useLoad(() => get<{ items: Order[] }>(`/api/customers/${customerId}/orders`), [customerId]);

  // The timeline is written by the workers a moment after each event: refresh after this customer's chats change.
  const refresh = useDebounced(() => {
    profile.reload();
    timeline.reload();
    feedback.reload();
    segment.reload();
  }, 1500);
  useSocketEvent(socket, 'conversation:updated', (c) => { if (c.customerId === customerId) refresh(); });
  // A rating the workers stored, or tags and attributes another agent changed.
  useSocketEvent(socket, 'customer:updated', (e) => { if (e.customerId === customerId) refresh(); });
  const reloadAll = () => {
    for (const part of [profile, segment, timeline, feedback, orders]) part.reload();
  };

  const customer = profile.data?.customer;
  if (!customer) return <div class="muted">{profile.error ?? t('loading')}</div>;
  const csat = (feedback.data?.items ?? []).filter((f) => f.kind === 'csat');
  return (
    <div class="customer" data-testid="customer-panel">
      <section class="card">
        <h3 data-testid="customer-name">{customer.name || t('customer.visitor')}</h3>
        <dl class="facts">
          <dt>{t('customer.email')}</dt>
          <dd>{customer.email ?? '—'}{customer.email && !customer.externalId && <span class="muted small" data-testid="email-unverified" title={t('customer.emailUnverifiedHint')}> ({t('customer.emailUnverified')})</span>}
            {/* An agent's reply this shopper misses is not emailed: the agent should know before counting on it. */}
            {customer.emailFollowupsOffAt && <div class="muted small" data-testid="email-unsubscribed">{t('customer.unsubscribed', { date: formatTime(customer.emailFollowupsOffAt) })}</div>}</dd>
          <dt>{t('customer.externalId')}</dt><dd>{customer.externalId ?? '—'}</dd>
          <dt>{t('customer.locale')}</dt><dd data-testid="customer-locale">{customer.locale ? `${customer.locale}${languageName(customer.locale)}` : '—'}</dd>
          <dt>{t('customer.firstSeen')}</dt><dd>{formatTime(customer.firstSeenAt)}</dd>
          <dt>{t('customer.lastSeen')}</dt><dd>{formatTime(customer.lastSeenAt)}</dd>
        </dl>
        {segment.data && (
          <div class="segment" data-testid="segment">
            <span class={`badge segment-${segment.data.segment}`}>{t(`segment.${segment.data.segment}` as Key)}</span>
            {/* The server words the rule in Simplified; the console's Traditional table covers its sentences. */}
            <p class="muted small" data-testid="segment-rule">{getLocale() === 'zh' ? sharedChineseInScript(segment.data.rule.zh) : segment.data.rule.en}</p>
          </div>
        )}
        <BlockControl customer={customer} onChanged={() => { profile.reload(); onRecordChanged?.(); }} />
        <MessageCustomer customer={customer} conversations={profile.data?.conversations ?? []} besideConversationId={conversationId} />
        <MergeControl customer={customer} onMerged={(keptId) => {
          onRecordChanged?.();
          if (keptId === customerId) reloadAll();
          // Beside a chat, the chat's own update brings the kept record; on the customers page, go to it.
          else if (conversationId === undefined) navigate(`/console/customers/${keptId}`);
        }} />
      </section>
      <CustomerNotes customerId={customer.id} />
      <TagsEditor customer={customer} besideChat={conversationId !== undefined} onSaved={profile.reload} />
      <AttributesEditor customer={customer} onSaved={profile.reload} />
      <section class="card">
        <h4>{t('customer.conversations')}</h4>
        <ul class="plain">
          {(profile.data?.conversations ?? []).map((c) => (
            <li key={c.id} class={c.id === conversationId ? 'current' : ''}>
              <a href={`/console/conversations/${c.id}`} onClick={(e) => { e.preventDefault(); navigate(`/console/conversations/${c.id}`); }}>#{c.id}</a>
              {' '}<span class={`status status-${c.status}`}>{t(`status.${c.status}` as Key)}</span> <span class="muted small">{formatTime(c.createdAt)}</span>
              {c.importedFrom && <> <span class="badge" data-testid="imported-from">{t('customer.importedFrom', { source: c.importedFrom })}</span></>}
            </li>
          ))}
        </ul>
      </section>
      <section class="card">
        <h4>{t('customer.orders')}</h4>
        {!(orders.data?.items ?? []).length && <p class="muted small">{t('customer.noOrders')}</p>}
        <ul class="plain" data-testid="orders">
          {(orders.data?.items ?? []).map((o) => (
            <li key={o.id}>
              <strong>{o.number}</strong> <span class="badge">{t(`order.${o.status}`)}</span> {formatMoney(o.totalCents, o.currency)}
              <div class="muted small">{formatTime(o.placedAt)} · {o.items.map((i) => `${i.quantity}× ${i.name}`).join(', ')}</div>
            </li>
          ))}
        </ul>
      </section>
      <section class="card">
        <h4>{t('customer.csat')}</h4>
        {!csat.length && <p class="muted small">{t('customer.noCsat')}</p>}
        <ul class="plain" data-testid="csat-history">
          {csat.map((f) => <li key={f.id}>{'★'.repeat(f.rating ?? 0)}{'☆'.repeat(5 - (f.rating ?? 0))} <span class="muted small">#{f.conversationId} · {formatTime(f.createdAt)}</span>{f.comment && <div class="small">{f.comment}</div>}</li>)}
        </ul>
      </section>
      <section class="card">
        <h4>{t('customer.timeline')} <button class="link small" data-testid="timeline-refresh" onClick={timeline.reload}>{t('refresh')}</button></h4>
        {timeline.error && <p class="error small">{timeline.error}</p>}
        <ol class="timeline" data-testid="timeline">
          {(timeline.data?.items ?? []).map((item) => (
            <li key={item.id} data-type={item.type} data-conversation-id={item.conversationId ?? ''}>
              <span class="muted small">{formatTime(item.occurredAt)}</span> <strong>{timelineLabel(item.type)}</strong>
              {item.conversationId && <span class="muted small"> #{item.conversationId}</span>}
              {item.type === 'snoozed' && typeof item.payload.until === 'string' && <span class="muted small"> · {t('snooze.until', { time: formatWake(item.payload.until) })}</span>}
              {typeof item.payload.text === 'string' && <div class="small snippet">{item.payload.text}</div>}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}

/** Block a shopper who spams or abuses the team (with a reason for the others), or lift the block. */
function BlockControl({ customer, onChanged }: { customer: Customer; onChanged(): void }) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const { error, run: act } = useAction();
  // The button, the form and the blocked state replace one another: focus goes with them (to the reason box when the
  // form opens, back to "Block shopper…" when it is cancelled, to the new state after blocking or unblocking) instead
  // of falling to the page (WCAG 2.4.3).
  const reasonBox = useRef<HTMLInputElement>(null);
  const blockButton = useRef<HTMLButtonElement>(null);
  const state = useRef<HTMLDivElement>(null);
  const focusAfterRender = useFocusAfterRender();
  // Blocking and unblocking show their result once the reloaded profile arrives: focus follows then.
  const awaitingResult = useRef(false);
  const blocked = Boolean(customer.blocked);
  useLayoutEffect(() => {
    if (!awaitingResult.current) return;
    awaitingResult.current = false;
    (state.current ?? blockButton.current)?.focus();
  }, [blocked]);
  const run = (action: () => Promise<unknown>) => act(async () => {
    await action();
    setAsking(false);
    setReason('');
    awaitingResult.current = true;
    onChanged();
  });
  const ask = () => {
    setAsking(true);
    focusAfterRender(() => reasonBox.current);
  };
  const cancel = () => {
    setAsking(false);
    focusAfterRender(() => blockButton.current);
  };
  const path = `/api/customers/${customer.id}/block`;
  if (customer.blocked) {
    return (
      <div class="block-state" data-testid="customer-blocked" ref={state} tabIndex={-1}>
        <span class="badge warn">{t('customer.blocked')}</span>{' '}
        <span class="muted small">{t('customer.blockedSince', { when: formatTime(customer.blocked.blockedAt) })}</span>
        {customer.blocked.reason && <p class="small" data-testid="block-reason">{customer.blocked.reason}</p>}
        <button class="link small" data-testid="unblock" onClick={() => void run(() => del(path))}>{t('customer.unblock')}</button>
        {error && <p class="error small" role="alert">{error}</p>}
      </div>
    );
  }
  if (!asking) return <button class="link small danger" data-testid="block" ref={blockButton} onClick={ask}>{t('customer.block')}</button>;
  return (
    <form class="block-form" data-testid="block-form" onSubmit={(e) => { e.preventDefault(); void run(() => post(path, reason.trim() ? { reason: reason.trim() } : {})); }}
      onKeyDown={(e) => { if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); cancel(); } }}>
      <p class="muted small">{t('customer.blockHint')}</p>
      <input ref={reasonBox} maxLength={500} placeholder={t('customer.blockReason')} aria-label={t('customer.blockReason')} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <button type="submit" class="danger" data-testid="block-confirm">{t('customer.blockConfirm')}</button>{' '}
      <button type="button" class="link" data-testid="block-cancel" onClick={cancel}>{t('cancel')}</button>
      {error && <p class="error small" role="alert">{error}</p>}
    </form>
  );
}

/**
 * " · Chinese (Taiwan)" for zh-TW, in the console's language: the bare tag did not tell an agent that a zh-TW or zh-HK
 * shopper reads Traditional characters. Empty when the browser cannot name it.
 */
function languageName(tag: string): string {
  try {
    const name = new Intl.DisplayNames([getLocale() === 'zh' ? getChineseScript() : 'en'], { type: 'language' }).of(tag);
    return name && name !== tag ? ` · ${name}` : '';
  } catch {
    return '';
  }
}

function timelineLabel(type: string): string {
  const key = `event.${type}` as Key;
  const label = t(key);
  return label === key ? type : label;
}

/** Tags describe the person and follow them into every chat; beside a chat, say where that chat's own labels are. */
function TagsEditor({ customer, besideChat, onSaved }: { customer: Customer; besideChat: boolean; onSaved(): void }) {
  // Only the change goes to the server (PATCH …/tags adds and removes under the record's lock): this copy can be up
  // to 1.5 s behind a teammate's change, and a whole set sent from it would drop their tag.
  const save = async (change: { add: string[] } | { remove: string[] }) => {
    await patch(`/api/customers/${customer.id}/tags`, change);
    onSaved();
  };
  return (
    <section class="card">
      <h4>{t('customer.tags')}</h4>
      <p class="muted small" data-testid="tags-hint">{t('customer.tagsHint')}{besideChat && ` ${t('customer.tagsVsLabels')}`}</p>
      <ChipsEditor values={customer.tags} testId="tags" inputTestId="tag-input" placeholder={t('customer.addTag')} title={t('customer.tagsHint')}
        onAdd={(tag) => save({ add: [tag] })} onRemove={(tag) => save({ remove: [tag] })} />
    </section>
  );
}

/**
 * An attribute's value as an agent reads it: true/false in words, a number in the console's language (1200 → 1,200),
 * text as the shop wrote it. The shop's values arrive through identify() and the API (services/customer-attributes.ts).
 */
export function attributeText(value: unknown): string {
  if (typeof value === 'boolean') return t(value ? 'customer.attrTrue' : 'customer.attrFalse');
  if (typeof value === 'number') return value.toLocaleString(getLocale() === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 20 });
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** Kept by the system in the same column (the server's SYSTEM_ATTRIBUTES). */
const SYSTEM_ATTRIBUTE_KEYS = ['deleted', 'unverifiedUserId'];

function AttributesEditor({ customer, onSaved }: { customer: Customer; onSaved(): void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const { busy, error, run } = useAction();
  // Only the key changed goes to the server (PATCH …/attributes: a value sets it, null removes it, the others stay as
  // stored). Sending the whole map from this copy — up to 1.5 s behind a customer:updated — replaced the record with
  // it, dropping a key a teammate or the shop's backend had just set.
  const change = (changes: Record<string, string | null>) => run(async () => {
    await patch(`/api/customers/${customer.id}/attributes`, { attributes: changes });
    onSaved();
  });
  // The boxes empty once the server has the value; a refusal (400 invalid_attributes names the key) keeps the text.
  const add = async () => {
    const name = key.trim();
    if (!name || busy) return;
    if (await change({ [name]: value })) {
      setKey('');
      setValue('');
    }
  };
  // The shop's attributes only: the system's own keys (SYSTEM_ATTRIBUTES in services/customer-attributes.ts) are not
  // shown — the server refuses to set or remove them here.
  const shop = Object.fromEntries(Object.entries(customer.attributes).filter(([k]) => !SYSTEM_ATTRIBUTE_KEYS.includes(k)));
  // By name: jsonb keeps no order of its own (it sorts keys by length), so the list would look shuffled otherwise.
  const entries = Object.entries(shop).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section class="card">
      <h4>{t('customer.attributes')}</h4>
      <dl class="facts" data-testid="attributes">
        {entries.map(([k, v]) => [
          <dt key={`k-${k}`}>{k}</dt>,
          <dd key={`v-${k}`} data-key={k}>{attributeText(v)} <button class="link" aria-label={t('remove')} aria-disabled={busy ? 'true' : undefined} onClick={() => { if (!busy) void change({ [k]: null }); }}>×</button></dd>,
        ])}
      </dl>
      <form class="inline fit" onSubmit={(e) => { e.preventDefault(); void add(); }}>
        {/* The server's caps (services/customer-attributes.ts): names up to 40 characters, text up to 200. */}
        <input maxLength={40} data-testid="attribute-key" placeholder={t('customer.attrKey')} aria-label={t('customer.attrKey')} value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <input maxLength={200} data-testid="attribute-value" placeholder={t('customer.attrValue')} aria-label={t('customer.attrValue')} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit" data-testid="attribute-save" disabled={busy}>{t('save')}</button>
      </form>
      {error && <p class="error small" role="alert" data-testid="attributes-error">{error}</p>}
    </section>
  );
}
