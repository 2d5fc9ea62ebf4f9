// Notes on the customer in their panel (beside each of their chats and on the customers page): what the team should
// know about the person ("prefers email", "refund promised on 12 Dec by Sam"). Everyone reads and adds; a note is
// edited by its author and deleted by its author or an admin. A teammate's change arrives as `customer:updated`.
import { useRef, useState } from 'preact/hooks';
import { del, get, patch, post } from '../api.ts';
import { ConfirmButton } from '../confirm-button.tsx';
import { useSession } from '../context.ts';
import { formatTime, useAction, useFocusAfterRender, useLoad, useSocketEvent } from '../hooks.ts';
import { t } from '../i18n.ts';
import type { CustomerNote } from '../types.ts';

/** The server's limit (services/customer-notes.ts). */
const NOTE_MAX_CHARS = 2000;

/** Ctrl+Enter, or ⌘+Enter on a Mac, in a note's text box. */
const isSubmitKey = (event: KeyboardEvent) => event.key === 'Enter' && (event.ctrlKey || event.metaKey);

export function CustomerNotes({ customerId }: { customerId: number }) {
  const { socket, user } = useSession();
  const notes = useLoad(() => get<{ items: CustomerNote[]; total: number }>(`/api/customers/${customerId}/notes`), [customerId]);
  useSocketEvent(socket, 'customer:updated', (e) => { if (e.customerId === customerId) notes.reload(); });
  const [draft, setDraft] = useState('');
  const { busy, error, run: act } = useAction();
  const [editing, setEditing] = useState<{ id: number; text: string } | null>(null);
  // The edit box, a note's buttons and a deleted note replace the control that had focus: focus goes with them
  // (into the edit box, back to the note's Edit button, to the new-note box) instead of falling to the page.
  const section = useRef<HTMLElement>(null);
  const focusAfterRender = useFocusAfterRender();
  const inNote = (id: number, testId: string) => () =>
    section.current?.querySelector<HTMLElement>(`[data-note-id="${id}"] [data-testid="${testId}"]`) ?? null;
  const startEditing = (note: CustomerNote) => {
    setEditing({ id: note.id, text: note.text });
    focusAfterRender(inNote(note.id, 'customer-note-edit-input'));
  };
  const stopEditing = (id: number) => {
    setEditing(null);
    focusAfterRender(inNote(id, 'customer-note-edit'));
  };

  const run = (action: () => Promise<unknown>) => act(async () => { await action(); notes.reload(); });
  const add = async () => {
    const text = draft.trim();
    if (!text || busy) return;
    if (await run(() => post(`/api/customers/${customerId}/notes`, { text }))) setDraft('');
  };
  const saveEdit = async () => {
    if (!editing || !editing.text.trim() || busy) return;
    const { id, text } = editing;
    if (await run(() => patch(`/api/customers/${customerId}/notes/${id}`, { text: text.trim() }))) stopEditing(id);
  };
  const remove = (id: number) => void run(() => del(`/api/customers/${customerId}/notes/${id}`)).then(() => {
    focusAfterRender(() => section.current?.querySelector<HTMLElement>('[data-testid="customer-note-input"]') ?? null);
  });

  const items = notes.data?.items ?? [];
  const inputId = `customer-note-new-${customerId}`;
  return (
    <section class="card" ref={section} data-testid="customer-notes" aria-labelledby={`customer-notes-title-${customerId}`}>
      <h4 id={`customer-notes-title-${customerId}`}>{t('notes.title')}</h4>
      <p class="muted small">{t('notes.hint')}</p>
      {notes.data && !items.length && <p class="muted small" data-testid="customer-notes-empty">{t('notes.none')}</p>}
      <ul class="plain" data-testid="customer-note-list">
        {items.map((note) => {
          const mine = note.author?.id === user.id;
          const author = note.author
            ? `${note.author.name}${note.author.active ? '' : ` ${t('notes.deactivated')}`}`
            : t('notes.formerTeammate');
          const edited = note.updatedAt !== note.createdAt;
          return (
            <li key={note.id} data-testid="customer-note" data-note-id={note.id}>
              <div class="muted small" data-testid="customer-note-meta">
                {t('notes.by', { name: author, time: formatTime(note.createdAt) })}
                {edited && <span title={note.updatedAt}> · {t('notes.edited', { time: formatTime(note.updatedAt) })}</span>}
              </div>
              {editing?.id === note.id ? (
                <form onSubmit={(e) => { e.preventDefault(); void saveEdit(); }}>
                  <textarea rows={3} maxLength={NOTE_MAX_CHARS} aria-label={t('notes.editLabel')} data-testid="customer-note-edit-input"
                    value={editing.text} onInput={(e) => setEditing({ id: note.id, text: e.currentTarget.value })}
                    onKeyDown={(e) => {
                      if (isSubmitKey(e)) { e.preventDefault(); void saveEdit(); }
                      else if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); stopEditing(note.id); }
                    }} />
                  <button type="submit" class="primary small" disabled={busy || !editing.text.trim()} data-testid="customer-note-save">{t('notes.save')}</button>{' '}
                  <button type="button" class="link small" onClick={() => stopEditing(note.id)}>{t('notes.cancel')}</button>
                </form>
              ) : (
                <div class="msg-text" data-testid="customer-note-text">{note.text}</div>
              )}
              {editing?.id !== note.id && (mine || user.role === 'admin') && (
                <div class="small">
                  {mine && <button type="button" class="link small" data-testid="customer-note-edit"
                    onClick={() => startEditing(note)}>{t('notes.edit')}</button>}{' '}
                  <ConfirmButton question={t('notes.confirmDelete')} danger testId="customer-note-delete" onConfirm={() => remove(note.id)}>
                    {t('notes.delete')}
                  </ConfirmButton>
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {notes.data && notes.data.total > items.length && <p class="muted small">{t('notes.more', { shown: items.length, total: notes.data.total })}</p>}
      <form onSubmit={(e) => { e.preventDefault(); void add(); }}>
        <label for={inputId} class="small">{t('notes.new')}</label>
        <textarea id={inputId} rows={2} maxLength={NOTE_MAX_CHARS} data-testid="customer-note-input" value={draft}
          placeholder={t('notes.placeholder')} aria-describedby={`${inputId}-shortcut`}
          onInput={(e) => setDraft(e.currentTarget.value)}
          onKeyDown={(e) => { if (isSubmitKey(e)) { e.preventDefault(); void add(); } }} />
        <button type="submit" class="primary small" disabled={busy || !draft.trim()} data-testid="customer-note-add">{t('notes.add')}</button>
        {' '}<span id={`${inputId}-shortcut`} class="muted small">{t('notes.shortcut')}</span>
      </form>
      {(error || notes.error) && <p class="error small" role="alert" data-testid="customer-notes-error">{error ?? notes.error}</p>}
    </section>
  );
}
