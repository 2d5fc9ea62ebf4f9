// Marks agents put on a chat — its labels and its priority — changed the same way by the routes
// (http/conversation-routes.ts) and by macros (services/macros.ts): checked, stored, and told to every console.
import type { AppContext } from '../context.ts';
import type { Sql } from '../db/client.ts';
import { badRequest, notFound, worded } from '../errors.ts';
import { conversationsRepository, toSummary } from '../repositories/conversations.ts';
import { labelsChanged, lockLabelsForOneConversation, MAX_LABELS } from './conversation-labels.ts';
import { limitLockWait, withLockTimeout } from '../db/lock-timeout.ts';

/** `lockTimeoutMs`: wait no longer than this for a lock (an automation rule's action, automation-rules.ts); the pool's wait otherwise. */
export interface MarkOptions { lockTimeoutMs?: number }

/**
 * Adds and removes labels of one conversation (normalised already); every console is told, and every server's
 * labels-in-use count counts again (a label a macro adds is suggested at once). Shared by the labels route, the bulk
 * action and macros (services/macros.ts).
 */
export async function changeConversationLabels(ctx: AppContext, conversationId: number, add: string[], remove: string[], options: MarkOptions = {}): Promise<string[]> {
  const labels = await ctx.sql.begin(async (tx) => {
    if (options.lockTimeoutMs) await limitLockWait(tx, options.lockTimeoutMs);
    await lockLabelsForOneConversation(tx as unknown as Sql);
    const [row] = await tx<{ labels: string[] }[]>`select labels from conversations where id = ${conversationId} for update`;
    if (!row) throw notFound('Conversation');
    const kept = row.labels.filter((l) => !remove.includes(l));
    const next = [...kept, ...add.filter((l) => !kept.includes(l))];
    if (next.length > MAX_LABELS) throw worded(badRequest(`At most ${MAX_LABELS} labels per conversation.`), 'too_many_labels', { n: String(MAX_LABELS) });
    await tx`update conversations set labels = ${next}::text[], updated_at = now() where id = ${conversationId}`;
    return next;
  });
  // Before the consoles hear of it: a console reloading its suggestions on the event gets the new count.
  await labelsChanged(ctx);
  ctx.realtime.toAgents('conversation:labels', { conversationId, labels });
  return labels;
}

/** Marks a chat priority or takes the mark off (PUT /priority, and macros); a change is told to every console. */
export async function setConversationPriority(ctx: AppContext, id: number, priority: boolean, options: MarkOptions = {}) {
  const mark = (sql: Sql) => sql`update conversations set priority = ${priority}, updated_at = now() where id = ${id} and priority <> ${priority} returning id`;
  const changed = options.lockTimeoutMs ? await withLockTimeout(ctx.sql, options.lockTimeoutMs, (tx) => mark(tx as unknown as Sql)) : await mark(ctx.sql);
  const row = await conversationsRepository(ctx.sql).findById(id);
  if (!row) throw notFound('Conversation');
  const conversation = toSummary(row);
  if (changed.length) {
    ctx.realtime.toAgents('conversation:updated', conversation);
    // The queue offers priority chats first (routing.ts): a queued chat's mark moves its shoppers' places.
    if (row.status === 'queued') await ctx.chat.pushQueuePositions();
  }
  return conversation;
}
