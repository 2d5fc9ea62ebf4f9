// Writing to a customer first, from their panel ("Your replacement has shipped"): a new conversation held by the
// agent, shown in the shopper's widget at once and emailed later if unread (POST /api/customers/:id/conversations).
// While the customer has an open conversation, the panel links to it instead: the answer belongs there.
import { useState } from 'preact/hooks';
import { post } from '../api.ts';
import { useAction } from '../hooks.ts';
import { t } from '../i18n.ts';
import { navigate } from '../router.ts';
import type { ConversationSummary, Customer } from '../types.ts';

/** `besideConversationId`: the chat the panel sits beside, if any (the agent is already in it: nothing to link). */
export function MessageCustomer({ customer, conversations, besideConversationId }: { customer: Customer; conversations: ConversationSummary[]; besideConversationId?: number }) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const { busy, error, run } = useAction();
  const ongoing = conversations.find((c) => c.status !== 'resolved');
  if (customer.blocked) return null;
  if (ongoing) {
    if (ongoing.id === besideConversationId) return null;
    return (
      <p class="small" data-testid="message-customer-open">
        <a href={`/console/conversations/${ongoing.id}`} onClick={(e) => { e.preventDefault(); navigate(`/console/conversations/${ongoing.id}`); }}>
          {t('message.openChat', { id: ongoing.id })}
        </a>
      </p>
    );
  }
  if (!open) return <button class="link small" data-testid="message-customer" onClick={() => setOpen(true)}>{t('message.write')}</button>;
  const send = async (event: Event) => {
    event.preventDefault();
    if (!text.trim()) return;
    await run(async () => {
      const started = await post<{ conversationId: number }>(`/api/customers/${customer.id}/conversations`, { text: text.trim() });
      navigate(`/console/conversations/${started.conversationId}`);
    }, { leaving: true });
  };
  return (
    <form class="message-customer" data-testid="message-customer-form" onSubmit={send}>
      <p class="muted small">{t(customer.email ? 'message.hintEmail' : 'message.hint')}</p>
      <textarea rows={3} maxLength={4000} aria-label={t('message.write')} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      <button type="submit" class="primary" disabled={busy || !text.trim()} data-testid="message-customer-send">{t('message.send')}</button>{' '}
      <button type="button" class="link" onClick={() => setOpen(false)}>{t('cancel')}</button>
      {error && <p class="error small">{error}</p>}
    </form>
  );
}
