// The inbox's text search as the search tests read it (GET /api/conversations?q=…, server/repositories/
// conversation-search.ts): the list as an agent sees it, its conversation ids in order, and resolved filler chats
// that push the chats a test made out of the list's newest SEARCH_WINDOW.
import { expect } from 'vitest';
import { httpAs } from './server.ts';
import type { Sql } from '../../server/db/client.ts';
import { SEARCH_WINDOW } from '../../server/repositories/conversation-search.ts';

export interface Listed {
  items: { conversation: { id: number; status: string }; customer: { name: string | null }; labels: string[]; match?: { messageId: number; authorType: string; private: boolean; snippet: string } }[];
  search?: { scope: 'all' | 'recent'; window: number };
}

/** The inbox list for `params` (q, status, limit …), as the signed-in `agent`; anything but 200 fails the test. */
export async function listInbox(baseUrl: string, agent: { cookie: string }, params: Record<string, string | number>): Promise<Listed> {
  const response = await httpAs(baseUrl, 'GET', `/api/conversations?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`, agent);
  expect(response.status, response.text).toBe(200);
  return response.json as Listed;
}

export const ids = (listed: Listed) => listed.items.map((i) => i.conversation.id);

/** SEARCH_WINDOW + 100 resolved chats of one message (one filler shopper's), a second apart from `from` on. */
export async function filler(sql: Sql, from: string, body: string): Promise<void> {
  const [customer] = await sql<{ id: number }[]>`insert into customers (name) values ('Filler shopper') returning id`;
  await sql`
    with made as (
      insert into conversations (customer_id, status, created_at, last_message_at)
      select ${customer.id}, 'resolved', ${from}::timestamptz + g * interval '1 second', ${from}::timestamptz + g * interval '1 second'
      from generate_series(1, ${SEARCH_WINDOW + 100}) g returning id, created_at)
    insert into messages (conversation_id, author_type, body, created_at) select id, 'customer', ${body}, created_at from made`;
}
