// The SQL of snoozing (rules in server/services/snooze.ts). Every change is one conditional UPDATE, so two servers,
// two agents or a sweep racing a shopper's message agree on one outcome: whoever's statement changes the row is the
// one who announces it; the others change nothing and say nothing.
import type { Sql } from '../db/client.ts';

export interface Woken {
  id: number;
  customer_id: number;
  assignee_id: number | null;
  assignee_name: string | null;
  woke_at: Date;
}

export const snoozeRepository = (sql: Sql) => ({
  /**
   * Snoozes a chat still held by `holderId` (the holder the caller checked: if someone took it meanwhile, nothing
   * changes). Snoozing again moves the time. Returns the chat's customer, or null when it was not so held.
   */
  async snooze(conversationId: number, holderId: number, until: Date): Promise<{ customer_id: number } | null> {
    const [row] = await sql<{ customer_id: number }[]>`
      update conversations set snoozed_until = ${until}, updated_at = now()
      where id = ${conversationId} and status = 'assigned' and assignee_id = ${holderId}
      returning customer_id`;
    return row ?? null;
  },

  /** Wakes one snoozed chat (unsnoozed by hand, or the shopper wrote); null when it was not snoozed (any more). */
  async wake(conversationId: number): Promise<Woken | null> {
    const [row] = await sql<Woken[]>`
      update conversations c set snoozed_until = null, woke_at = now(), updated_at = now()
      where c.id = ${conversationId} and c.snoozed_until is not null
      returning c.id, c.customer_id, c.assignee_id, (select name from users u where u.id = c.assignee_id) as assignee_name, c.woke_at`;
    return row ?? null;
  },

  /** A chat a shopper's message just woke (the message's own update did it), as a wake reports it. */
  async woken(conversationId: number): Promise<Woken | null> {
    const [row] = await sql<Woken[]>`
      select c.id, c.customer_id, c.assignee_id, u.name as assignee_name, c.woke_at
      from conversations c left join users u on u.id = c.assignee_id where c.id = ${conversationId} and c.woke_at is not null`;
    return row ?? null;
  },

  /**
   * Wakes the chats whose time has come, a batch at a time. SKIP LOCKED: with every server sweeping, each row is
   * taken by one of them (a row another server is waking, or a message is touching, is left for the next sweep).
   */
  async wakeDue(limit = 200): Promise<Woken[]> {
    return sql<Woken[]>`
      with due as (
        select id from conversations where snoozed_until <= now() order by snoozed_until limit ${limit} for update skip locked
      )
      update conversations c set snoozed_until = null, woke_at = now(), updated_at = now()
      from due where c.id = due.id
      returning c.id, c.customer_id, c.assignee_id, (select name from users u where u.id = c.assignee_id) as assignee_name, c.woke_at`;
  },
});
export type SnoozeRepository = ReturnType<typeof snoozeRepository>;
