// Customers: find anyone the shop has talked to (name, email or shop user id;
// the most recently seen first) and open their profile, history, orders and
// ratings without an open conversation. Admins bring the shop's existing contacts in from a CSV or JSON file (a dry
// run first shows what it would do) and take them all out as CSV (server/services/customer-import.ts), and bring
// their past conversations in from the chat tool they used before (server/services/conversation-import.ts).
import { useRef, useState } from 'preact/hooks';
import { ApiError, codeText, get, query, upload } from '../api.ts';
import { useSession } from '../context.ts';
import { formatTime, useAction, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';
import { navigate } from '../router.ts';
import type { ConversationImportResult, Customer } from '../types.ts';
import { CustomerPanel } from './customer-panel.tsx';

/** What the import route answers (a dry run the same, with dryRun true). */
interface ImportResult {
  dryRun: boolean; rows: number; created: number; updated: number; unchanged: number; rejected: number; conflicts: number; keptExisting: number;
  rejectedRows: { line: number; code: string; reason: string }[];
  columns?: { attributes: string[]; ignored: string[] };
}
// The server's caps (customer-import.ts), checked here too so a too-large file is not uploaded to be refused.
const MAX_IMPORT_ROWS = 5_000;
const MAX_IMPORT_MB = 5;
/** Refused rows listed under the counts; the rest are counted. */
const SHOWN_REJECTIONS = 10;

/**
 * A file import with a dry run first (the contacts and the conversations imports): the picked file goes to `path` as a
 * dry run, whose result the caller shows with Import / Cancel; `confirm` sends the same file again for real.
 */
function useDryRunImport<R>({ path, maxMb, type, refusal, onImported }: {
  path: string;
  /** The server's byte cap, checked here too so a too-large file is not uploaded to be refused. */
  maxMb: number;
  /** The type the file is sent as. */
  type(file: File): string;
  /** A refusal in the admin's words (the caps by their codes, `too_large` included). */
  refusal(err: unknown): string;
  onImported(): void;
}) {
  const picker = useRef<HTMLInputElement>(null);
  const { busy, error, setError, run } = useAction(refusal);
  const [pending, setPending] = useState<{ file: File; result: R } | null>(null);
  const [done, setDone] = useState<R | null>(null);

  // Read once, so that Import sends exactly the bytes the dry run judged (the file may change on disk meanwhile).
  const asSent = async (file: File) => new File([await file.arrayBuffer()], file.name, { type: type(file) });
  const send = (file: File, dryRun: boolean) => upload<R>(`${path}${query({ dryRun: dryRun || undefined, fileName: file.name.slice(0, 200) })}`, file);

  const pick = async (file: File | undefined) => {
    if (picker.current) picker.current.value = '';
    if (!file) return;
    setPending(null);
    setDone(null);
    setError(null);
    if (file.size > maxMb * 1024 * 1024) {
      setError(refusal(new ApiError(413, 'too_large', ''))); // worded as the server's refusal would be
      return;
    }
    await run(async () => {
      const sent = await asSent(file);
      setPending({ file: sent, result: await send(sent, true) });
    });
  };
  const confirm = async () => {
    if (!pending) return;
    await run(async () => {
      setDone(await send(pending.file, false));
      setPending(null);
      onImported();
    });
  };
  return { picker, busy, error, pending, done, pick, confirm, cancel: () => setPending(null), dismiss: () => setDone(null) };
}

/**
 * "Import contacts" and "Export CSV" (admins): the picked file goes to the server as a dry run, whose counts and first
 * refused rows are shown with Import / Cancel; Import sends the same file again for real.
 */
function ContactsImport({ onImported }: { onImported(): void }) {
  const { picker, busy, error, pending, done, pick, confirm, cancel, dismiss } = useDryRunImport<ImportResult>({
    path: '/api/admin/customers/import', maxMb: MAX_IMPORT_MB, onImported,
    // The type by the file's name: a CSV saved by Excel on Windows comes as application/vnd.ms-excel.
    type: (file) => (/\.json$/i.test(file.name) || file.type === 'application/json' ? 'application/json' : 'text/csv'),
    refusal: (err) => codeText(err, { too_many_rows: 'customers.importTooMany', too_large: 'customers.importTooLarge' })
      .replace('{max}', MAX_IMPORT_ROWS.toLocaleString()).replace('{mb}', String(MAX_IMPORT_MB)),
  });

  const shown = pending?.result ?? done;
  const nothing = pending && pending.result.created + pending.result.updated === 0;
  return (
    <div class="contacts-import" data-testid="contacts-import">
      <div class="actions">
        <button type="button" class="small" disabled={busy} title={t('customers.importHint')} onClick={() => picker.current?.click()} data-testid="contacts-import-button">{t('customers.import')}</button>
        <a class="button small" href="/api/admin/customers/export.csv" download data-testid="contacts-export">{t('customers.export')}</a>
        <input ref={picker} type="file" accept=".csv,.json,text/csv,application/json" hidden data-testid="contacts-import-file" onChange={(e) => void pick(e.currentTarget.files?.[0])} />
      </div>
      {busy && <p class="muted small" role="status">{t('loading')}</p>}
      {error && <p class="error small" role="alert" data-testid="contacts-import-error">{error}</p>}
      {shown && (
        <div class={pending ? 'card import-preview' : ''} role={pending ? 'alertdialog' : 'status'} aria-label={pending ? t('customers.importPreview', { file: pending.file.name }) : undefined} data-testid={pending ? 'contacts-import-preview' : 'contacts-import-done'}>
          {pending && <strong>{t('customers.importPreview', { file: pending.file.name })}</strong>}
          <p class={pending ? 'small' : 'ok small'} data-testid="contacts-import-summary">
            {t(pending ? (nothing ? 'customers.importNothing' : 'customers.importSummary') : 'customers.importDone', {
              rows: shown.rows, created: shown.created, updated: shown.updated, unchanged: shown.unchanged, rejected: shown.rejected,
            })}
          </p>
          {pending && !nothing && <p class="muted small">{t('customers.importRule')}</p>}
          {shown.columns && shown.columns.attributes.length > 0 && <p class="muted small">{t('customers.importAttributes', { names: shown.columns.attributes.join(', ') })}</p>}
          {shown.keptExisting > 0 && <p class="muted small">{t('customers.importKept', { n: shown.keptExisting })}</p>}
          {shown.conflicts > 0 && <p class="error small">{t('customers.importConflicts', { n: shown.conflicts })}</p>}
          {shown.rejectedRows.length > 0 && (
            <ul class="plain small" data-testid="contacts-import-rejected">
              {shown.rejectedRows.slice(0, SHOWN_REJECTIONS).map((r) => <li key={r.line}>{t('customers.importLine', { line: r.line, reason: r.reason })}</li>)}
              {shown.rejectedRows.length > SHOWN_REJECTIONS && <li class="muted">{t('transfer.andMore', { count: shown.rejectedRows.length - SHOWN_REJECTIONS })}</li>}
            </ul>
          )}
          {!pending && (
            <div class="actions">
              <button type="button" class="small" onClick={dismiss} data-testid="contacts-import-dismiss">{t('customers.importClose')}</button>
            </div>
          )}
          {pending && (
            <div class="actions">
              {!nothing && <button type="button" class="primary" disabled={busy} onClick={() => void confirm()} data-testid="contacts-import-confirm">{t('transfer.confirmImport')}</button>}
              <button type="button" disabled={busy} onClick={cancel} data-testid="contacts-import-cancel">{nothing ? t('customers.importClose') : t('cancel')}</button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

// The conversations import's caps (conversation-import.ts), checked here for the file's size as above.
const MAX_CONVERSATIONS = 500;
const MAX_CONVERSATIONS_MB = 10;

/**
 * "Import conversations" (admins): past chats from the tool the shop used before, as JSON in the neutral format the
 * README shows. The dry run's counts and first refused conversations are shown with Import / Cancel, as for contacts.
 */
function ConversationsImport({ onImported }: { onImported(): void }) {
  const { picker, busy, error, pending, done, pick, confirm, cancel, dismiss } = useDryRunImport<ConversationImportResult>({
    path: '/api/admin/conversations/import', maxMb: MAX_CONVERSATIONS_MB, onImported, type: () => 'application/json',
    refusal: (err) => codeText(err, {
      too_many_rows: 'customers.convImportTooMany', too_many_messages: 'customers.convImportTooManyMessages', too_large: 'customers.convImportTooLarge',
    }).replace('{max}', MAX_CONVERSATIONS.toLocaleString()).replace('{mb}', String(MAX_CONVERSATIONS_MB)),
  });
  const shown = pending?.result ?? done;
  const nothing = pending && pending.result.imported === 0;
  const counts = shown && {
    conversations: shown.conversations, imported: shown.imported, messages: shown.messages, skipped: shown.skipped, rejected: shown.rejected,
  };
  return (
    <div class="contacts-import" data-testid="conversations-import">
      <div class="actions">
        <button type="button" class="small" disabled={busy} title={t('customers.convImportHint')} onClick={() => picker.current?.click()} data-testid="conversations-import-button">{t('customers.convImport')}</button>
        <input ref={picker} type="file" accept=".json,application/json" hidden data-testid="conversations-import-file" onChange={(e) => void pick(e.currentTarget.files?.[0])} />
      </div>
      {busy && <p class="muted small" role="status">{t('loading')}</p>}
      {error && <p class="error small" role="alert" data-testid="conversations-import-error">{error}</p>}
      {shown && counts && (
        <div class={pending ? 'card import-preview' : ''} role={pending ? 'alertdialog' : 'status'} aria-label={pending ? t('customers.importPreview', { file: pending.file.name }) : undefined} data-testid={pending ? 'conversations-import-preview' : 'conversations-import-done'}>
          {pending && <strong>{t('customers.importPreview', { file: pending.file.name })}</strong>}
          <p class={pending ? 'small' : 'ok small'} data-testid="conversations-import-summary">
            {t(pending ? (nothing ? 'customers.convImportNothing' : 'customers.convImportSummary') : 'customers.convImportDone', counts)}
          </p>
          {shown.customers.created > 0 && <p class="muted small">{t('customers.convImportNewCustomers', { n: shown.customers.created })}</p>}
          {pending && !nothing && <p class="muted small">{t('customers.convImportRule')}</p>}
          {shown.rejectedRows.length > 0 && (
            <ul class="plain small" data-testid="conversations-import-rejected">
              {shown.rejectedRows.slice(0, SHOWN_REJECTIONS).map((r) => (
                <li key={r.line}>{t('customers.convImportLine', { line: r.line, id: r.externalId ? ` (${r.externalId})` : '', reason: r.reason })}</li>
              ))}
              {shown.rejectedRows.length > SHOWN_REJECTIONS && <li class="muted">{t('transfer.andMore', { count: shown.rejectedRows.length - SHOWN_REJECTIONS })}</li>}
            </ul>
          )}
          <div class="actions">
            {pending && !nothing && <button type="button" class="primary" disabled={busy} onClick={() => void confirm()} data-testid="conversations-import-confirm">{t('transfer.confirmImport')}</button>}
            {pending
              ? <button type="button" disabled={busy} onClick={cancel} data-testid="conversations-import-cancel">{nothing ? t('customers.importClose') : t('cancel')}</button>
              : <button type="button" class="small" onClick={dismiss} data-testid="conversations-import-dismiss">{t('customers.importClose')}</button>}
          </div>
        </div>
      )}
    </div>
  );
}

export function CustomersPage({ customerId }: { customerId: number | null }) {
  const { user } = useSession();
  const [q, setQ] = useState('');
  const list = useLoad(() => get<{ items: Customer[] }>(`/api/customers${query({ q: q.trim(), limit: 50 })}`), [q]);
  return (
    <div class="customers-page" data-testid="customers-page">
      <section class="card customers-list">
        {user.role === 'admin' && <ContactsImport onImported={list.reload} />}
        {user.role === 'admin' && <ConversationsImport onImported={list.reload} />}
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
        {customerId ? <CustomerPanel key={customerId} customerId={customerId} onRecordChanged={list.reload} /> : <p class="muted">{t('customers.pick')}</p>}
      </div>
    </div>
  );
}
