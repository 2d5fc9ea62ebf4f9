// SQL of the feedback worker. One feedback row per idempotency key: the server
// keys a CSAT by conversation (csat:<conversationId>), so rating the same chat
// again replaces the rating and comment instead of adding a second row. A
// re-delivered older job never overwrites a newer rating: the stored
// created_at is the time of the rating it holds, and only a rating at least as
// recent replaces it. The same transaction records a `rating` event on the
// customer's timeline (key rating:<feedback key>, replaced the same way).
// An answer rated not helpful (an article's, or an intent's own typed answer) also sends the question it answered to the
// learning loop's unanswered questions, once per answer (marked on the row, so a
// re-delivered job or a no → yes → no change of mind is not a second miss):
// that is how a wrong answer given with confidence (which no miss counter sees)
// reaches an admin.
// A CSAT also creates its `rating.submitted` webhook deliveries in the same
// transaction, keyed by the rating's time: a re-delivered job adds none, a new
// rating of the same chat is a new event.
import type { Sql, Tx } from '../server/db/client.ts';
import type { FeedbackJob } from '../server/interaction-events.ts';
import { webhookEnvelope } from '../server/webhook-events.ts';
import { unansweredRepository } from '../knowledge-base/unanswered.ts';
import { BOT_REPLY_PREFIX } from '../server/repositories/conversations.ts';
import { holdKeptCustomers } from '../server/repositories/kept-customers.ts';
import { deletedCustomer } from '../server/repositories/customers.ts';

export async function writeFeedback(sql: Sql, job: FeedbackJob): Promise<{ feedbackId: number | null; customerId: number; deliveryIds: number[] }> {
  const csat = job.kind === 'csat';
  const timelinePayload = job.kind === 'csat'
    ? { kind: 'csat', rating: job.rating, comment: job.comment }
    : job.kind === 'article'
      ? { kind: 'article', messageId: job.messageId, articleId: job.articleId, helpful: job.helpful }
      : { kind: 'answer', messageId: job.messageId, intent: job.intent, helpful: job.helpful };
  const articleId = job.kind === 'article' ? job.articleId : null;
  return sql.begin(async (tx) => {
    // A rating queued for a record that was merged since (or is being merged now) belongs to the record it was
    // merged into, held until this transaction ends so that no merge empties it under the rating.
    const customerId = (await holdKeptCustomers(tx, [job.customerId])).get(job.customerId) ?? job.customerId;
    const [kept] = await tx<{ deleted: boolean; blocked: boolean }[]>`
      select ${deletedCustomer(tx, 'cu')} as deleted, cu.blocked_at is not null as blocked from customers cu where cu.id = ${customerId}`;
    // A blocked shopper cannot rate (the widget's and the rating email's routes refuse them); checked again here, where
    // the rating is stored, because a block can land between a route's check and its queueing the rating.
    if (csat && kept?.blocked) return { feedbackId: null, customerId, deliveryIds: [] };
    // A rating queued before its customer's data was deleted counts as deletion leaves ratings: without the words or
    // the link to the person, and nothing on the (emptied) timeline.
    if (kept?.deleted) {
      const [row] = await tx<{ id: number }[]>`
        insert into feedback (idempotency_key, kind, customer_id, conversation_id, message_id, article_id, intent, rating, helpful, comment, created_at)
        values (${job.idempotencyKey}, ${job.kind}, null, ${job.conversationId}, ${csat ? null : job.messageId}, ${articleId},
                ${job.kind === 'answer' ? job.intent : null}, ${csat ? job.rating : null}, ${csat ? null : job.helpful}, null, ${job.occurredAt})
        on conflict (idempotency_key) do nothing returning id`;
      return { feedbackId: row?.id ?? null, customerId, deliveryIds: [] };
    }
    const [row] = await tx<{ id: number }[]>`
      insert into feedback (idempotency_key, kind, customer_id, conversation_id, message_id, article_id, intent, rating, helpful, comment, created_at)
      values (
        ${job.idempotencyKey}, ${job.kind}, ${customerId}, ${job.conversationId},
        ${csat ? null : job.messageId}, ${articleId}, ${job.kind === 'answer' ? job.intent : null},
        ${csat ? job.rating : null}, ${csat ? null : job.helpful}, ${csat ? job.comment : null}, ${job.occurredAt}
      )
      on conflict (idempotency_key) do update set
        rating = excluded.rating, helpful = excluded.helpful, comment = excluded.comment, created_at = excluded.created_at
      where feedback.kind = excluded.kind and feedback.created_at <= excluded.created_at
      returning id`;
    if (!csat && !job.helpful && row) {
      const [first] = await tx`
        update feedback set sent_to_learning_at = now() where id = ${row.id} and sent_to_learning_at is null returning id`;
      if (first) await recordUnhelpfulAnswer(tx, job.messageId, articleId, job.conversationId);
    }
    await tx`
      insert into interaction_events (idempotency_key, customer_id, conversation_id, type, payload, occurred_at)
      values (${`rating:${job.idempotencyKey}`}, ${customerId}, ${job.conversationId}, 'rating', ${tx.json(timelinePayload)}::jsonb, ${job.occurredAt})
      on conflict (idempotency_key) do update set payload = excluded.payload, occurred_at = excluded.occurred_at
      where interaction_events.occurred_at <= excluded.occurred_at`;
    // Rating is something the shopper did; greatest() makes a re-delivery harmless.
    await tx`update customers set last_seen_at = greatest(last_seen_at, ${job.occurredAt}::timestamptz) where id = ${customerId}`;
    // No row: an older rating re-delivered after a newer one; nothing happened that a webhook should hear of.
    const envelope = row ? webhookEnvelope({ type: 'rating', customerId, conversationId: job.conversationId, occurredAt: job.occurredAt, payload: timelinePayload }) : null;
    const deliveries = envelope ? await tx<{ id: number }[]>`
      insert into webhook_deliveries (webhook_id, event_key, event, payload, customer_id, conversation_id)
      select id, ${`rating:${job.idempotencyKey}:${job.occurredAt}`}, ${envelope.event}, ${tx.json(envelope as never)}::jsonb, ${customerId}, ${job.conversationId}
      from webhooks where active and ${envelope.event} = any(events)
        and not exists (select 1 from customers gone where gone.id = ${customerId} and ${deletedCustomer(tx, 'gone')})
        and not exists (select 1 from conversations erased where erased.id = ${job.conversationId} and erased.anonymised_at is not null)
      order by id
      on conflict (webhook_id, event_key) do nothing
      returning id` : [];
    return { feedbackId: row?.id ?? null, customerId, deliveryIds: deliveries.map((d) => d.id) };
  });
}

/**
 * The shopper's question behind a bot answer (the reply's client id is `bot-reply:<question id>`). A tapped
 * quick reply ("Shipping costs") is no question to learn from, as with the bot's own misses.
 */
async function recordUnhelpfulAnswer(tx: Tx, botMessageId: number, articleId: number | null, conversationId: number | null): Promise<void> {
  const [answer] = await tx<{ question: string; answered_with: string | null }[]>`
    select q.body as question,
           coalesce((select a->>'title' from jsonb_array_elements(b.metadata->'articles') a where (a->>'id') = ${String(articleId ?? '')} limit 1),
                    b.metadata->>'intent') as answered_with
    from messages b
    join messages q on q.conversation_id = b.conversation_id and b.client_id = ${BOT_REPLY_PREFIX} || q.id::text
    where b.id = ${botMessageId} and b.author_type = 'bot' and q.metadata->>'quickReply' is null`;
  if (!answer) return;
  await unansweredRepository(tx as unknown as Sql).record(answer.question, conversationId, {
    reason: 'unhelpful', ...(answer.answered_with ? { answeredWith: answer.answered_with } : {}),
  });
}
