// "My replies" in the Account panel: the signed-in agent's own canned replies, which only they see and which the reply
// box's "/" menu offers beside the team's (theirs first, marked, where both have the shortcut). Any agent adds, edits
// and deletes their own here; the team's stay in Team & settings, for admins. Another console of the same agent
// changing them, or an admin changing the team's, reloads the list (`canned:changed`).
import { useState } from 'preact/hooks';
import { del, get, post, put } from '../api.ts';
import { ConfirmButton } from '../confirm-button.tsx';
import { useSession } from '../context.ts';
import { useListChange, useLoad, useSocketEvent } from '../hooks.ts';
import { getLocale, t, type Key } from '../i18n.ts';
import type { CannedResponse } from '../types.ts';

type ReplyLanguage = 'en' | 'zh';
interface ReplyForm { shortcut: string; title: string; body: string; locale: ReplyLanguage }

/** The server's refusals of a personal reply, in the console's language (others keep the server's sentence). */
const REFUSALS: Record<string, Key> = { shortcut_taken: 'myReplies.taken', personal_replies_full: 'myReplies.full' };

export function PersonalReplies() {
  const { socket } = useSession();
  const list = useLoad(() => get<{ items: CannedResponse[] }>('/api/canned-responses'), []);
  useSocketEvent(socket, 'canned:changed', () => list.reload());
  // A new reply starts in the console's language: the language agents most often answer in.
  const blank = (): ReplyForm => ({ shortcut: '', title: '', body: '', locale: getLocale() });
  const [form, setForm] = useState<ReplyForm>(blank);
  const [editing, setEditing] = useState<number | null>(null);

  const items = list.data?.items ?? [];
  const mine = items.filter((c) => c.personal);
  const sharedKeys = new Set(items.filter((c) => !c.personal).map((c) => `${c.locale}/${c.shortcut}`));

  const { error, setError, run } = useListChange(list, REFUSALS);
  const submit = async (event: Event) => {
    event.preventDefault();
    const saved = await run(() => (editing ? put(`/api/canned-responses/personal/${editing}`, form) : post('/api/canned-responses/personal', form)));
    if (!saved) return;
    setEditing(null);
    setForm(blank());
  };
  const edit = (c: CannedResponse) => {
    setEditing(c.id);
    setForm({ shortcut: c.shortcut, title: c.title, body: c.body, locale: c.locale as ReplyLanguage });
    setError(null);
  };

  return (
    <section class="card stack personal-replies" data-testid="personal-replies" aria-labelledby="personal-replies-title">
      <h3 id="personal-replies-title">{t('myReplies.title')}</h3>
      <p class="muted small">{t('myReplies.explain')}</p>
      {list.data && !mine.length && <p class="muted small" data-testid="personal-replies-empty">{t('myReplies.empty')}</p>}
      {mine.length > 0 && (
        <ul class="plain personal-reply-list">
          {mine.map((c) => (
            <li key={c.id} class="personal-reply" data-testid="personal-reply">
              <div><code>/{c.shortcut}</code> <span class="badge">{c.locale}</span><strong>{c.title}</strong></div>
              <div class="small personal-reply-body">{c.body}</div>
              {sharedKeys.has(`${c.locale}/${c.shortcut}`) && <p class="muted small" data-testid="personal-reply-also-shared">{t('myReplies.alsoShared', { shortcut: c.shortcut })}</p>}
              <div class="inline">
                <button type="button" class="small" data-testid="personal-reply-edit" onClick={() => edit(c)}>{t('edit')}</button>
                <ConfirmButton danger testId="personal-reply-delete" question={t('myReplies.deleteConfirm', { shortcut: c.shortcut })}
                  onConfirm={() => void run(() => del(`/api/canned-responses/personal/${c.id}`))}>{t('delete')}</ConfirmButton>
              </div>
            </li>
          ))}
        </ul>
      )}
      {/* The same caps as the server's (and the table's), so the browser says what is wrong before sending. */}
      <form class="stack" onSubmit={submit} data-testid="personal-replies-form">
        <div class="inline labelled-row">
          <label>{t('canned.shortcut')}
            <input required pattern="[a-z0-9][a-z0-9_\-]{0,39}" maxLength={40} autoComplete="off" data-testid="personal-reply-shortcut"
              value={form.shortcut} onInput={(e) => setForm({ ...form, shortcut: e.currentTarget.value })} />
          </label>
          <label>{t('canned.title')}
            <input required maxLength={120} data-testid="personal-reply-title" value={form.title} onInput={(e) => setForm({ ...form, title: e.currentTarget.value })} />
          </label>
          <label>{t('kb.locale')}
            <select data-testid="personal-reply-locale" value={form.locale} onChange={(e) => setForm({ ...form, locale: e.currentTarget.value as ReplyLanguage })}>
              <option value="en">en</option><option value="zh">zh</option>
            </select>
          </label>
        </div>
        <label>{t('canned.body')}
          <textarea required rows={3} maxLength={4000} placeholder={t('canned.bodyHint')} data-testid="personal-reply-body"
            value={form.body} onInput={(e) => setForm({ ...form, body: e.currentTarget.value })} />
        </label>
        {error && <p class="error" role="alert" data-testid="personal-replies-error">{error}</p>}
        <div class="inline">
          <button class="primary" type="submit" data-testid="personal-reply-save">{editing ? t('save') : t('add')}</button>
          {editing && <button type="button" onClick={() => { setEditing(null); setForm(blank()); setError(null); }}>{t('cancel')}</button>}
        </div>
      </form>
    </section>
  );
}
