// Messages shoppers left while nobody was available: newest first, with the
// shopper's email to answer from the shop's mailbox, their chat and profile,
// and "Mark answered" so the team sees what is still waiting. New ones and
// answered ones appear live on every agent's console. An agent's reply in the
// chat the message was left in (or resolving it) answers it too: it then says
// "Answered in the chat", and "Mark answered" leaves a note in that chat.
import { useState } from 'preact/hooks';
import { get, post, query } from '../api.ts';
import { useSession } from '../context.ts';
import { formatTime, useAction, useLoad, useSocketEvent } from '../hooks.ts';
import { t } from '../i18n.ts';
import { navigate } from '../router.ts';
import type { OfflineMessage } from '../types.ts';
import { replyMailto } from '../message-wording.ts';

type Filter = 'open' | 'answered';

const internalLink = (href: string) => (e: Event) => { e.preventDefault(); navigate(href); };

export function MessagesPage() {
  const { socket } = useSession();
  const [filter, setFilter] = useState<Filter>('open');
  const { error, setError, run } = useAction();
  const list = useLoad(() => get<{ items: OfflineMessage[]; openCount: number; repliesByEmail: boolean }>(`/api/offline-messages${query({ handled: filter === 'answered' })}`), [filter]);
  useSocketEvent(socket, 'offline:new', () => list.reload());
  useSocketEvent(socket, 'offline:handled', () => list.reload());

  const markAnswered = (id: number) => {
    setError(null);
    void run(async () => {
      await post(`/api/offline-messages/${id}/handled`);
      list.reload();
    });
  };

  const items = list.data?.items ?? [];
  return (
    <div class="messages-page" data-testid="messages-page">
      <div class="tabs" role="tablist">
        {(['open', 'answered'] as const).map((f) => (
          <button key={f} role="tab" aria-selected={filter === f} class={filter === f ? 'active' : ''} data-testid={`messages-${f}`} onClick={() => setFilter(f)}>
            {t(`messages.${f}`)}{f === 'open' && list.data ? <span class="count"> {list.data.openCount}</span> : null}
          </button>
        ))}
      </div>
      {(error ?? list.error) && <p class="error" role="alert">{error ?? list.error}</p>}
      {!list.loading && !items.length && <p class="muted">{t(filter === 'open' ? 'messages.noneOpen' : 'messages.noneAnswered')}</p>}
      {items.map((m) => (
        <article key={m.id} class="card left-message" data-testid="left-message" data-message-id={m.id}>
          <header>
            <strong>{m.name || m.email}</strong> <span class="muted small">{m.name ? `${m.email} · ` : ''}{formatTime(m.createdAt)}</span>
          </header>
          <p class="left-text">{m.text}</p>
          {m.conversationId && list.data?.repliesByEmail && !m.handledAt && <p class="muted small" data-testid="reply-in-chat-hint">{t('messages.replyInChatHint', { email: m.email })}</p>}
          <div class="row-actions">
            {/* With email follow-ups on, a reply in the chat reaches the shopper by email and stays on record (it also
                marks the message answered); the agent's own mail program is the way out only when that cannot happen. */}
            {m.conversationId && list.data?.repliesByEmail && !m.handledAt
              ? <>
                  <a class="button" href={`/console/conversations/${m.conversationId}`} onClick={internalLink(`/console/conversations/${m.conversationId}`)} data-testid="reply-in-chat">{t('messages.replyInChat')}</a>
                  <a href={replyMailto(m)} data-testid="reply-by-email">{t('messages.replyFromMailProgram')}</a>
                </>
              : <>
                  <a class="button" href={replyMailto(m)} data-testid="reply-by-email">{t('messages.replyByEmail')}</a>
                  {m.conversationId && <a href={`/console/conversations/${m.conversationId}`} onClick={internalLink(`/console/conversations/${m.conversationId}`)}>{t('messages.openChat')}</a>}
                </>}
            {m.customerId && <a href={`/console/customers/${m.customerId}`} onClick={internalLink(`/console/customers/${m.customerId}`)}>{t('messages.customer')}</a>}
            {m.handledAt
              ? <span class="muted small" data-testid="answered-by" data-in-chat={String(m.handledInChat)}>
                  {t(m.handledInChat ? 'messages.answeredInChat' : 'messages.answeredBy', { name: m.handledByName ?? '?', time: formatTime(m.handledAt) })}
                </span>
              : <button data-testid="mark-answered" onClick={() => markAnswered(m.id)}>{t('messages.markAnswered')}</button>}
          </div>
        </article>
      ))}
    </div>
  );
}
