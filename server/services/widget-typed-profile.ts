// What a shopper types about themselves in the widget (the pre-chat form's name and email at POST
// /api/widget/sessions, the address on a left message) fills in their record, with one rule: it never replaces what
// the shop said of a customer it identified (external_id, a signed-in shopper). Follow-up emails, the console and the
// shop's own systems go by that address. On such a record it only fills in what the shop left empty (the shop's next
// identify() with an address still wins); on an anonymous record the newest typed value counts. Decided in the one
// UPDATE, against the row as it is then, so both callers follow the same rule and no sign-in can slip in between.
import type { Sql } from '../db/client.ts';
import type { CustomerRow } from '../repositories/customers.ts';

export interface TypedProfile {
  name?: string | null;
  email?: string | null;
  locale?: string | null;
}

/** Saves what the shopper typed (never blanking a known value); on a record the shop identified, only into empty fields. */
export async function saveWidgetTypedProfile(sql: Sql, customerId: number, typed: TypedProfile): Promise<CustomerRow> {
  const [row] = await sql<CustomerRow[]>`
    update customers set
      name = case when external_id is null then coalesce(${typed.name ?? null}, name) else coalesce(name, ${typed.name ?? null}) end,
      email = case when external_id is null then coalesce(${typed.email ?? null}, email) else coalesce(email, ${typed.email ?? null}) end,
      locale = coalesce(${typed.locale ?? null}, locale),
      last_seen_at = now(), updated_at = now()
    where id = ${customerId} returning *`;
  return row;
}
