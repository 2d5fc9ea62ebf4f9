// The lock that keeps a customer to one open chat at a time (see lockCustomerChats).
import type { Sql } from '../db/client.ts';

/**
 * Serialises, per customer record, what decides whether they get a new open chat: a shopper's first message, an agent
 * writing to them first, a reopen. Each takes this lock and then looks for an open chat, so two of them at once leave
 * one open chat, not two. A transaction-scoped advisory lock rather than a lock on the customers row: the row is held
 * FOR KEY SHARE by every writer (kept-customers.ts) and FOR UPDATE by a merge, and upgrading a shared hold while a
 * merge waits for it can deadlock; nobody waits for this lock while a merge could be waiting for them. Take it after
 * the customer's record is held (withKeptCustomer), before any conversation row is locked.
 */
export async function lockCustomerChats(tx: Sql, customerId: number): Promise<void> {
  // Two int4 keys: this lock's kind, and the id folded into an int4 (a collision only makes two customers wait in turn).
  await tx`select pg_advisory_xact_lock(hashtext('shopdesk:customer-chats'), (${customerId}::bigint % 2147483647)::int)`;
}
