import type { Sql, Tx } from '../db/client.ts';
import { newVisitorKey, type VisitorClaim } from '../services/visitor-tokens.ts';

export interface CustomerRow {
  id: number;
  external_id: string | null;
  name: string | null;
  email: string | null;
  locale: string | null;
  attributes: Record<string, unknown>;
  /** The writer that last set or removed each attribute the shop's side wrote: 'api' | 'import' | 'console' (058). */
  attribute_sources: Record<string, string>;
  tags: string[];
  conversations_count: number;
  messages_count: number;
  first_seen_at: Date;
  last_seen_at: Date | null;
  /** Set while the shop has blocked this shopper (services/customer-blocking.ts). */
  blocked_at: Date | null;
  blocked_by: number | null;
  block_reason: string | null;
  /** Set on the empty row left behind when this record was merged into another (services/customer-merge.ts). */
  merged_into_id: number | null;
  merged_at: Date | null;
  /** Set when the shopper unsubscribed from follow-up emails (017_email_followups.sql). */
  email_followups_off_at: Date | null;
  /** Signed into the record's visitor tokens; a new one withdraws them (037_visitor_keys.sql). Null on older rows. */
  visitor_key: string | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * SQL: the customer record `alias` was deleted at the customer's request (services/customer-privacy.ts marks it in
 * its attributes and empties it). The one spelling of that test: every path that must not store, send or show a
 * deleted customer's words asks it this way.
 */
export const deletedCustomer = (sql: Sql | Tx, alias: string) =>
  sql`coalesce((${sql(alias)}.attributes->>'deleted')::boolean, false)`;

/**
 * SQL: the customer record `alias` is live — neither deleted at the customer's request nor merged into another
 * (services/customer-merge.ts). Only a live record's visitor token counts, and only live records are offered.
 */
export const liveCustomer = (sql: Sql, alias: string) =>
  sql`${sql(alias)}.merged_into_id is null and not ${deletedCustomer(sql, alias)}`;

/** SQL: a visitor token's key (null for a v1 token) is record `alias`'s current one (services/visitor-tokens.ts). */
export const visitorKeyMatches = (sql: Sql, alias: string, key: string | null) =>
  sql`${sql(alias)}.visitor_key is not distinct from ${key}`;

export const customersRepository = (sql: Sql) => ({
  async create(fields: { name?: string | null; email?: string | null; locale?: string | null; externalId?: string | null }): Promise<CustomerRow> {
    const [row] = await sql<CustomerRow[]>`
      insert into customers (name, email, locale, external_id, last_seen_at)
      values (${fields.name ?? null}, ${fields.email ?? null}, ${fields.locale ?? null}, ${fields.externalId ?? null}, now())
      returning *`;
    return row;
  },
  async findById(id: number): Promise<CustomerRow | undefined> {
    const [row] = await sql<CustomerRow[]>`select * from customers where id = ${id}`;
    return row;
  },
  /** Neither deleted at the customer's request nor merged into another record, and the token's key is current. */
  async tokenCounts(claim: VisitorClaim): Promise<boolean> {
    const [row] = await sql<{ active: boolean }[]>`
      select ${liveCustomer(sql, 'c')} and ${visitorKeyMatches(sql, 'c', claim.key)} as active from customers c where c.id = ${claim.customerId}`;
    return row?.active ?? false;
  },
  /** The record's visitor key, given one first if it has none (a row from before keys). */
  async visitorKey(id: number): Promise<string> {
    const [row] = await sql<{ visitor_key: string }[]>`
      update customers set visitor_key = coalesce(visitor_key, ${newVisitorKey()}) where id = ${id} returning visitor_key`;
    return row.visitor_key;
  },
  /** A new visitor key: every token of the record stops counting (its sockets must be cut by the caller). */
  async withdrawTokens(id: number): Promise<void> {
    await sql`update customers set visitor_key = ${newVisitorKey()} where id = ${id}`;
  },
  async findByExternalId(externalId: string): Promise<CustomerRow | undefined> {
    const [row] = await sql<CustomerRow[]>`select * from customers where external_id = ${externalId}`;
    return row;
  },
  /** Fills in what the shopper told us; never blanks a known value. */
  async updateProfile(id: number, fields: { name?: string | null; email?: string | null; locale?: string | null; externalId?: string | null }): Promise<CustomerRow> {
    const [row] = await sql<CustomerRow[]>`
      update customers set
        name = coalesce(${fields.name ?? null}, name),
        email = coalesce(${fields.email ?? null}, email),
        locale = coalesce(${fields.locale ?? null}, locale),
        external_id = coalesce(${fields.externalId ?? null}, external_id),
        last_seen_at = now(), updated_at = now()
      where id = ${id} returning *`;
    return row;
  },
  /**
   * The console's whole-replace of tags and/or shop attributes, checked and written in one statement: nothing on a
   * record deleted at the customer's request or merged (undefined; the caller says why), so a deletion committing
   * meanwhile is never undone. The system's own keys (`systemKeys`) stay as stored, whatever `attributes` holds, and
   * every key the edit set, changed or removed is marked as written from the console (customer-attributes.ts).
   */
  async updateTagsAndAttributes(id: number, tags: string[] | undefined, attributes: Record<string, unknown> | undefined, systemKeys: readonly string[]): Promise<CustomerRow | undefined> {
    const given = attributes ? sql.json(Object.fromEntries(Object.entries(attributes).filter(([k]) => !systemKeys.includes(k))) as never) : null;
    const [row] = await sql<CustomerRow[]>`
      update customers c set
        tags = coalesce(${tags ? sql.array(tags) : null}::text[], c.tags),
        attributes = case when ${given}::jsonb is null then c.attributes else ${given}::jsonb || coalesce(
          (select jsonb_object_agg(key, value) from jsonb_each(c.attributes) where key = any(${sql.array([...systemKeys])}::text[])), '{}') end,
        attribute_sources = case when ${given}::jsonb is null then c.attribute_sources else c.attribute_sources || coalesce(
          (select jsonb_object_agg(key, 'console') from (
            select key from jsonb_each(c.attributes) where not key = any(${sql.array([...systemKeys])}::text[]) and not ${given}::jsonb ? key
            union select key from jsonb_each(${given}::jsonb) where (c.attributes -> key) is distinct from value) changed), '{}') end,
        updated_at = now()
      where c.id = ${id} and ${liveCustomer(sql, 'c')}
      returning *`;
    return row;
  },
  /** Notes the shop user id an unsigned identify() claimed (shown to agents, never trusted); not on a deleted record. */
  async noteUnverifiedUserId(id: number, userId: string): Promise<void> {
    await sql`
      update customers cu set attributes = cu.attributes || jsonb_build_object('unverifiedUserId', ${userId}::text), updated_at = now()
      where cu.id = ${id} and not ${deletedCustomer(sql, 'cu')}`;
  },
  /**
   * Customers whose name, email or shop user id contains the query; without one, the most recently seen of those the
   * team has dealt with — who wrote, signed in or gave a name or email — not every browser that loaded the widget.
   */
  async search(query: string | undefined, limit: number): Promise<CustomerRow[]> {
    const like = query ? `%${query.replace(/[%_\\]/g, (c) => `\\${c}`)}%` : null;
    return sql<CustomerRow[]>`
      select * from customers
      where merged_into_id is null
      ${like ? sql`and (name ilike ${like} or email ilike ${like} or external_id ilike ${like})`
        // The condition of the partial index customers_people_seen_idx (031), written the same way so it is used.
        : sql`and (conversations_count > 0 or external_id is not null or email is not null or name is not null)`}
      order by last_seen_at desc nulls last limit ${limit}`;
  },
  /** Other live records with this customer's email: the same person seen on another device or before signing in. */
  async sameEmail(customer: CustomerRow, limit: number): Promise<CustomerRow[]> {
    if (!customer.email) return [];
    return sql<CustomerRow[]>`
      select * from customers c
      where lower(c.email) = lower(${customer.email}) and c.id <> ${customer.id} and ${liveCustomer(sql, 'c')}
      order by last_seen_at desc nulls last limit ${limit}`;
  },
  async timeline(id: number, limit: number, beforeId?: number): Promise<{ id: number; type: string; conversation_id: number | null; payload: Record<string, unknown>; occurred_at: Date }[]> {
    return sql`
      select id, type, conversation_id, payload, occurred_at from interaction_events
      where customer_id = ${id} ${beforeId ? sql`and id < ${beforeId}` : sql``}
      order by occurred_at desc, id desc limit ${limit}`;
  },
  /** The customer's CSAT ratings and article votes, newest first. */
  async feedback(id: number, limit: number): Promise<{ id: number; kind: string; conversation_id: number | null; article_id: number | null; intent: string | null; rating: number | null; helpful: boolean | null; comment: string | null; created_at: Date }[]> {
    return sql`
      select id, kind, conversation_id, article_id, intent, rating, helpful, comment, created_at from feedback
      where customer_id = ${id} order by created_at desc limit ${limit}`;
  },
  // ---------- contacts import and export (services/customer-import.ts) ----------
  /**
   * The records an import's rows could match, locked for the import's transaction: the one holding each shop user id
   * (unique), and the live records holding each email, compared case-insensitively (customers_email_idx).
   */
  async importCandidates(externalIds: string[], emails: string[]): Promise<CustomerRow[]> {
    if (!externalIds.length && !emails.length) return [];
    return sql<CustomerRow[]>`
      select * from customers c
      where c.external_id = any(${sql.array(externalIds)}::text[])
         or (lower(c.email) = any(${sql.array(emails)}::text[]) and ${liveCustomer(sql, 'c')})
      order by c.id for update`;
  },
  /**
   * A contact brought in by an import: never seen (no last_seen_at), so it lists after the people who were. Nothing
   * when a shopper signing in took the shop user id meanwhile (the caller reports the row).
   */
  async insertImported(fields: { externalId: string | null; email: string | null; name: string | null; locale: string | null; attributes: Record<string, unknown> }): Promise<CustomerRow | undefined> {
    const [row] = await sql<CustomerRow[]>`
      insert into customers (external_id, email, name, locale, attributes, attribute_sources, last_seen_at)
      values (${fields.externalId}, ${fields.email}, ${fields.name}, ${fields.locale}, ${sql.json(fields.attributes as never)},
        ${sql.json(Object.fromEntries(Object.keys(fields.attributes).map((k) => [k, 'import'])) as never)}, null)
      on conflict (external_id) do nothing
      returning *`;
    return row;
  },
  /** An import's changes to a record: the caller decided each value (it fills what is empty and sets attributes). */
  async updateImported(id: number, fields: { externalId: string | null; email: string | null; name: string | null; locale: string | null; attributes: Record<string, unknown> }, importedKeys: string[]): Promise<CustomerRow> {
    const [row] = await sql<CustomerRow[]>`
      update customers set external_id = ${fields.externalId}, email = ${fields.email}, name = ${fields.name}, locale = ${fields.locale},
        attributes = ${sql.json(fields.attributes as never)},
        attribute_sources = attribute_sources || ${sql.json(Object.fromEntries(importedKeys.map((k) => [k, 'import'])) as never)}, updated_at = now()
      where id = ${id} returning *`;
    return row;
  },
  /**
   * One page of the contacts export, in id order after `afterId` (keyset paging): the live records the team has dealt
   * with — the Customers page's people (who wrote, signed in or gave a name or email), not every browser that loaded
   * the widget; neither deleted at their request nor merged into another.
   */
  async exportPage(afterId: number, limit: number): Promise<Pick<CustomerRow, 'id' | 'external_id' | 'email' | 'name' | 'locale' | 'attributes' | 'created_at' | 'last_seen_at' | 'conversations_count'>[]> {
    return sql<CustomerRow[]>`
      select c.id, c.external_id, c.email, c.name, c.locale, c.attributes, c.created_at, c.last_seen_at, c.conversations_count from customers c
      where c.id > ${afterId} and ${liveCustomer(sql, 'c')}
        and (c.conversations_count > 0 or c.external_id is not null or c.email is not null or c.name is not null)
      order by c.id limit ${limit}`;
  },
});
export type CustomersRepository = ReturnType<typeof customersRepository>;
