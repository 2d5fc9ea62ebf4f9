// Retention: a shop that keeps chats only as long as it needs them sets
// RETENTION_DAYS, and conversations resolved longer ago than that are
// anonymised (customer-privacy.ts: words, files and questions removed; the
// counts, times and ratings behind the reports stay). Messages left through
// the "leave a message" form outside any chat (an email and words, nothing the
// reports count) are deleted after as long. A sweep does a bounded batch at a
// time, so a first run over years of history never holds long locks.
import type { Sql } from '../db/client.ts';
import { anonymiseConversations, RETAINED_TEXT } from './customer-privacy.ts';
import { recordAudit } from './audit-log.ts';

const BATCH = 200;

/**
 * Anonymises up to one batch of conversations resolved more than `days` ago and deletes up to one batch of left
 * messages outside any chat sent longer ago; returns how many conversations and left messages it handled.
 */
export async function applyRetention(sql: Sql, days: number): Promise<number> {
  if (days <= 0) return 0;
  return (await anonymiseOldConversations(sql, days)) + (await deleteOldLeftMessages(sql, days));
}

/** Left messages tied to a conversation go with its anonymisation (customer-privacy.ts); these had none. */
async function deleteOldLeftMessages(sql: Sql, days: number): Promise<number> {
  return (await sql.begin(async (tx) => {
    const gone = await tx<{ id: number }[]>`
      delete from offline_messages where id in (
        select id from offline_messages
        where conversation_id is null and created_at < now() - make_interval(days => ${days})
        order by created_at limit ${BATCH} for update skip locked)
      returning id`;
    if (!gone.length) return 0;
    // What the form sent also went on the customer's history (chat-service.ts leaveOfflineMessage records an
    // `offline.message` event keyed `offline:<id>`) and into the webhook deliveries made from that event: the words
    // and the address go there too. The event stays, without them: the timeline still shows a message was left.
    const keys = gone.map((m) => `offline:${m.id}`);
    await tx`update interaction_events set payload = payload - 'text' - 'email'
             where idempotency_key = any(${tx.array(keys)}::text[]) and type = 'offline.message'`;
    await tx`delete from webhook_deliveries where event = 'offline_message.created' and event_key = any(${tx.array(keys)}::text[])`;
    await recordAudit(tx as unknown as Sql, null, 'retention.delete_left_messages', null, { days, leftMessages: gone.length });
    return gone.length;
  })) as number;
}

async function anonymiseOldConversations(sql: Sql, days: number): Promise<number> {
  return (await sql.begin(async (tx) => {
    // SKIP LOCKED: two servers sweeping at once take different conversations.
    const due = await tx<{ id: number }[]>`
      select id from conversations
      where status = 'resolved' and anonymised_at is null and resolved_at < now() - make_interval(days => ${days})
      order by resolved_at limit ${BATCH} for update skip locked`;
    if (!due.length) return 0;
    const ids = due.map((c) => c.id);
    const { messages } = await anonymiseConversations(tx as unknown as Sql, ids, RETAINED_TEXT);
    await recordAudit(tx as unknown as Sql, null, 'retention.anonymise', null, { days, conversations: ids.length, messages });
    return ids.length;
  })) as number;
}
