// SQL of the feedback worker. One feedback row per idempotency key: the server
// keys a CSAT by conversation (csat:<conversationId>), so rating the same chat
// again replaces the rating and comment instead of adding a second row. A
// re-delivered older job never overwrites a newer rating: the stored
// created_at is the time of the rating it holds, and only a rating at least as
// recent replaces it. The same transaction records a `rating` event on the
// customer's timeline (key rating:<feedback key>, replaced the same way).
import type { Sql } from '../server/db/client.ts';
import type { FeedbackJob } from '../server/interaction-events.ts';

export async function writeFeedback(sql: Sql, job: FeedbackJob): Promise<{ feedbackId: number | null }> {
  const csat = job.kind === 'csat';
  const timelinePayload = csat
    ? { kind: 'csat', rating: job.rating, comment: job.comment }
    : { kind: 'article', messageId: job.messageId, articleId: job.articleId, helpful: job.helpful };
  return sql.begin(async (tx) => {
    const [row] = await tx<{ id: number }[]>`
      insert into feedback (idempotency_key, kind, customer_id, conversation_id, message_id, article_id, rating, helpful, comment, created_at)
      values (
        ${job.idempotencyKey}, ${job.kind}, ${job.customerId}, ${job.conversationId},
        ${csat ? null : job.messageId}, ${csat ? null : job.articleId},
        ${csat ? job.rating : null}, ${csat ? null : job.helpful}, ${csat ? job.comment : null}, ${job.occurredAt}
      )
      on conflict (idempotency_key) do update set
        rating = excluded.rating, helpful = excluded.helpful, comment = excluded.comment, created_at = excluded.created_at
      where feedback.kind = excluded.kind and feedback.created_at <= excluded.created_at
      returning id`;
    await tx`
      insert into interaction_events (idempotency_key, customer_id, conversation_id, type, payload, occurred_at)
      values (${`rating:${job.idempotencyKey}`}, ${job.customerId}, ${job.conversationId}, 'rating', ${tx.json(timelinePayload)}::jsonb, ${job.occurredAt})
      on conflict (idempotency_key) do update set payload = excluded.payload, occurred_at = excluded.occurred_at
      where interaction_events.occurred_at <= excluded.occurred_at`;
    // Rating is something the shopper did; greatest() makes a re-delivery harmless.
    await tx`update customers set last_seen_at = greatest(last_seen_at, ${job.occurredAt}::timestamptz) where id = ${job.customerId}`;
    return { feedbackId: row?.id ?? null };
  });
}
