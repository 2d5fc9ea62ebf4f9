// Messages shoppers left while nobody was available (`offline_messages`): marking them answered. One left message
// can be answered two ways — by email from the Messages left page, or in its chat once an agent is back — and each
// way must show in the other, so the team never answers it twice.
import type { Sql } from '../db/client.ts';

export interface AnsweredLeftMessage {
  id: number;
  conversationId: number | null;
  handledBy: number;
  /** False when someone had marked it answered before: the first answer's name and time stay. */
  newlyAnswered: boolean;
}

/** Marks one left message answered by this agent (the page's "Mark answered"); null when there is no such message. */
export async function markLeftMessageAnswered(sql: Sql, id: number, agentId: number): Promise<AnsweredLeftMessage | null> {
  // The `before` row, read in the same statement, tells whether this call answered it or someone was first.
  const [row] = await sql<{ id: number; conversation_id: number | null; handled_by: number; was_waiting: boolean }[]>`
    with before as (select id, handled_at is null as was_waiting from offline_messages where id = ${id} for update)
    update offline_messages o set handled_at = coalesce(o.handled_at, now()), handled_by = coalesce(o.handled_by, ${agentId})
    from before where o.id = before.id
    returning o.id, o.conversation_id, o.handled_by, before.was_waiting`;
  if (!row) return null;
  return { id: row.id, conversationId: row.conversation_id, handledBy: row.handled_by, newlyAnswered: row.was_waiting };
}

/**
 * An agent answered (or resolved) the chat a left message belongs to: the messages still waiting there are answered,
 * by that agent, in the chat. Uses the partial index on waiting messages, so a reply in a chat without one costs an
 * index probe.
 */
export async function markLeftMessagesAnsweredInChat(sql: Sql, conversationId: number, agentId: number): Promise<AnsweredLeftMessage[]> {
  const rows = await sql<{ id: number; handled_by: number }[]>`
    update offline_messages set handled_at = now(), handled_by = ${agentId}, handled_in_chat = true
    where conversation_id = ${conversationId} and handled_at is null returning id, handled_by`;
  return rows.map((r) => ({ id: r.id, conversationId, handledBy: r.handled_by, newlyAnswered: true }));
}
