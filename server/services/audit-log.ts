// The audit log: who changed what in the shop's settings and data (an admin's
// action, or the system's with no actor), shown on the console's audit page.
import type { Sql } from '../db/client.ts';

export async function recordAudit(sql: Sql, actorId: number | null, action: string, target: string | null, details: Record<string, unknown>): Promise<void> {
  await sql`insert into audit_log (actor_user_id, action, target, details) values (${actorId}, ${action}, ${target}, ${sql.json(details as never)})`;
}
