// Blocking a shopper who spams or abuses the team. A blocked customer's widget
// is refused at the socket handshake (code 'blocked') and their uploads are
// refused, so nothing more from them reaches the inbox; their open chats are
// closed at once. It holds for the customer record: an identified shopper stays
// blocked on every device, while an anonymous one who clears the browser's
// storage comes back as a new visitor (no addresses are kept to block by).
import type { AppContext } from '../context.ts';
import { customersRepository, type CustomerRow } from '../repositories/customers.ts';
import { recordAudit } from './audit-log.ts';
import { notFound } from '../errors.ts';

export interface BlockState {
  blockedAt: string;
  blockedBy: number | null;
  reason: string | null;
}

export function blockState(row: CustomerRow): BlockState | null {
  return row.blocked_at ? { blockedAt: row.blocked_at.toISOString(), blockedBy: row.blocked_by, reason: row.block_reason } : null;
}

type Deps = Pick<AppContext, 'sql' | 'chat' | 'realtime'>;

/** Blocks the customer (again: keeps the first time, updates the reason), closes their open chats, drops their tabs. */
export async function blockCustomer(deps: Deps, actor: { id: number; role: 'agent' | 'admin' }, customerId: number, reason: string | null): Promise<CustomerRow> {
  const [row] = await deps.sql<CustomerRow[]>`
    update customers set blocked_at = coalesce(blocked_at, now()), blocked_by = ${actor.id}, block_reason = ${reason}, updated_at = now()
    where id = ${customerId} returning *`;
  if (!row) throw notFound('Customer');
  await recordAudit(deps.sql, actor.id, 'customer.block', `customer:${customerId}`, { reason });
  // Closed the way an agent resolves a chat (an admin's right, whoever holds it): the consoles see it go,
  // a held chat's seat is freed, and the history records it.
  const open = await deps.sql<{ id: number }[]>`select id from conversations where customer_id = ${customerId} and status <> 'resolved'`;
  for (const { id } of open) await deps.chat.resolve({ id: actor.id, role: 'admin' }, id).catch(() => undefined); // resolved meanwhile
  deps.realtime.disconnectShopper(customerId);
  return row;
}

export async function unblockCustomer(deps: Pick<Deps, 'sql'>, actorId: number, customerId: number): Promise<CustomerRow> {
  const [row] = await deps.sql<CustomerRow[]>`
    update customers set blocked_at = null, blocked_by = null, block_reason = null, updated_at = now()
    where id = ${customerId} returning *`;
  if (!row) throw notFound('Customer');
  await recordAudit(deps.sql, actorId, 'customer.unblock', `customer:${customerId}`, {});
  return row;
}

export async function isBlocked(sql: AppContext['sql'], customerId: number): Promise<boolean> {
  const [row] = await sql<{ blocked: boolean }[]>`select blocked_at is not null as blocked from customers where id = ${customerId}`;
  return row?.blocked ?? false;
}
