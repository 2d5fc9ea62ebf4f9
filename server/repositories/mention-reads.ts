// Which mentions of an agent that agent has seen (migration 040): a note naming them ("@Sam", the note's
// metadata.mentions, found through the GIN index of migration 014) is unseen until they open its chat in a console.
// One row per agent and chat holds the newest such note they had seen; a later note naming them is unseen again.
// Open and resolved chats alike: a mention made while the agent was away is still news after the chat was resolved.
import type { Sql } from '../db/client.ts';

export const mentionReadsRepository = (sql: Sql) => {
  /** Notes naming `agentId` (an SQL condition on messages `n`). */
  const namesAgent = (agentId: number) => sql`n.private and n.metadata -> 'mentions' @> ${sql.json([{ id: agentId }])}`;
  /** …that the agent has not seen (no read of that chat reaching the note). */
  const unseenBy = (agentId: number) => sql`${namesAgent(agentId)} and not exists (
    select 1 from mention_reads r where r.user_id = ${agentId} and r.conversation_id = n.conversation_id and r.seen_message_id >= n.id)`;

  /** Chats naming the agent in a note (what the Mentions view lists, open or not), and those with a mention they have not seen. */
  async function counts(agentId: number): Promise<{ total: number; unseen: number }> {
    const [row] = await sql<{ total: number; unseen: number }[]>`
      select count(distinct n.conversation_id)::int as total,
             count(distinct n.conversation_id) filter (where not exists (
               select 1 from mention_reads r where r.user_id = ${agentId} and r.conversation_id = n.conversation_id and r.seen_message_id >= n.id))::int as unseen
      from messages n where ${namesAgent(agentId)}`;
    return row;
  }

  return {
    counts,

    /**
     * The agent has now seen every note naming them in this chat (they opened it). Returns how many chats with an
     * unseen mention of them are left, for the console's count.
     */
    async markSeen(agentId: number, conversationId: number): Promise<number> {
      await sql`
        insert into mention_reads (user_id, conversation_id, seen_message_id)
        select ${agentId}, ${conversationId}, max(n.id) from messages n
        where n.conversation_id = ${conversationId} and ${namesAgent(agentId)}
        having max(n.id) is not null
        on conflict (user_id, conversation_id) do update
          set seen_message_id = greatest(mention_reads.seen_message_id, excluded.seen_message_id), seen_at = now()`;
      return (await counts(agentId)).unseen;
    },

    /** Of these chats, those with a mention of the agent they have not seen (the Mentions view highlights them). */
    async unseenAmong(agentId: number, conversationIds: number[]): Promise<Set<number>> {
      if (!conversationIds.length) return new Set();
      const rows = await sql<{ conversation_id: number }[]>`
        select distinct n.conversation_id from messages n
        where n.conversation_id = any(${conversationIds}::bigint[]) and ${unseenBy(agentId)}`;
      return new Set(rows.map((r) => Number(r.conversation_id)));
    },
  };
};
