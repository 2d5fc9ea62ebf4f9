// The audit log: who changed what in the shop's settings and data (an admin's
// action, or the system's with no actor), shown on the console's audit page.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from '../db/client.ts';

/**
 * What an HTTP request acts through, for the entries it records: plugins/auth.ts opens a scope for every request and
 * names the personal API token that authenticated it there, so each entry of a token's request says so (the actor
 * stays the token's creator) without every caller of recordAudit passing it along.
 */
export const auditScope = new AsyncLocalStorage<{ apiToken?: { id: number; name: string } }>();

export async function recordAudit(sql: Sql, actorId: number | null, action: string, target: string | null, details: Record<string, unknown>): Promise<void> {
  const apiToken = auditScope.getStore()?.apiToken;
  const recorded = apiToken ? { ...details, apiToken } : details;
  await sql`insert into audit_log (actor_user_id, action, target, details) values (${actorId}, ${action}, ${target}, ${sql.json(recorded as never)})`;
}
