// SQL of the shop's orders: read by the order-status action, written by the
// demo seed and by the shop's own feed (PUT /api/integrations/orders).
import type { Sql } from '../../server/db/client.ts';
import type { OrderLookup, OrderRecord } from '../types.ts';
import { DEFAULT_ORDER_NUMBER_FORMAT, type OrderNumberFormat } from '../order-numbers.ts';

interface OrderRow {
  number: string;
  customer_external_id: string;
  status: string;
  carrier: string | null;
  tracking_number: string | null;
  total_cents: number;
  currency: string;
  placed_at: Date;
  eta_from: Date | null;
  eta_to: Date | null;
  delivered_at: Date | null;
  items: { name: string; quantity: number }[] | null;
}

const toRecord = (r: OrderRow): OrderRecord => ({
  number: r.number, customerExternalId: r.customer_external_id, status: r.status, carrier: r.carrier, trackingNumber: r.tracking_number,
  totalCents: r.total_cents, currency: r.currency, placedAt: r.placed_at, etaFrom: r.eta_from, etaTo: r.eta_to, deliveredAt: r.delivered_at,
  items: r.items ?? [],
});

export interface OrderSeed {
  number: string;
  customerExternalId: string;
  /** In the demo content only (the demo page names its shoppers from it); orders do not store it. */
  customerEmail?: string | null;
  status: string;
  carrier?: string | null;
  trackingNumber?: string | null;
  totalCents: number;
  currency?: string;
  placedAt: string;
  etaFrom?: string | null;
  etaTo?: string | null;
  deliveredAt?: string | null;
  /**
   * When the shop last changed it (the feed); an older update than the stored one is skipped. Without it the order
   * has no known time: it is written whatever is stored, and never makes a later update that carries one look stale.
   */
  updatedAt?: string;
  items: { sku: string; name: string; quantity: number; priceCents: number }[];
}

export type SaveOutcome = 'inserted' | 'updated' | 'stale';

/**
 * The stored updated_at of an order whose source time is unknown. orders.updated_at holds the shop's own time of the
 * last change, compared with the next update's; '-infinity' sorts before every real time, so it never wins a comparison.
 * (A literal: the driver would turn a parameter into a Date, which cannot hold it.)
 */
const unknownTime = (tx: Sql) => tx`'-infinity'::timestamptz`;

/**
 * Writes one order and its items. `keep` leaves an existing number alone (the seed); `replace` overwrites it and
 * its items unless the stored copy is newer (`updatedAt`): a shop's feed may deliver an older update late.
 *
 * Times are compared only when both sides carry one. An update without updatedAt is applied (it is the newest word
 * we have, as before) but keeps the stored time, and a new order without one stores unknownTime(). Stamping it with
 * the arrival time instead would compare our clock with the shop's: a real later change whose updatedAt is earlier
 * than that arrival (the shop stamps when it changed the order, we when the call came in) would be skipped as stale.
 * The stored time only ever moves forward, so a late replay older than the last timed update is still skipped.
 */
async function saveOrder(tx: Sql, order: OrderSeed, mode: 'keep' | 'replace'): Promise<SaveOutcome> {
  const updatedAt = order.updatedAt ? tx`${order.updatedAt}::timestamptz` : unknownTime(tx);
  const onConflict = mode === 'keep'
    ? tx`on conflict (number) do nothing`
    : tx`on conflict (number) do update set
        customer_external_id = excluded.customer_external_id, customer_id = excluded.customer_id, status = excluded.status,
        carrier = excluded.carrier, tracking_number = excluded.tracking_number, total_cents = excluded.total_cents,
        currency = excluded.currency, placed_at = excluded.placed_at, eta_from = excluded.eta_from, eta_to = excluded.eta_to,
        delivered_at = excluded.delivered_at, updated_at = greatest(orders.updated_at, excluded.updated_at)
      where orders.updated_at <= excluded.updated_at or excluded.updated_at = '-infinity'::timestamptz`;
  const [row] = await tx<{ id: number; inserted: boolean }[]>`
    insert into orders (number, customer_external_id, customer_id, status, carrier, tracking_number, total_cents, currency, placed_at, eta_from, eta_to, delivered_at, updated_at)
    values (${order.number}, ${order.customerExternalId}, (select id from customers where external_id = ${order.customerExternalId}),
      ${order.status}, ${order.carrier ?? null}, ${order.trackingNumber ?? null}, ${order.totalCents}, ${order.currency ?? 'USD'},
      ${order.placedAt}, ${order.etaFrom ?? null}, ${order.etaTo ?? null}, ${order.deliveredAt ?? null}, ${updatedAt})
    ${onConflict}
    returning id, (xmax = 0) as inserted`;
  if (!row) return 'stale';
  if (!row.inserted) await tx`delete from order_items where order_id = ${row.id}`;
  const items = order.items.map((i) => ({ order_id: row.id, sku: i.sku, name: i.name, quantity: i.quantity, price_cents: i.priceCents }));
  if (items.length) await tx`insert into order_items ${tx(items)}`;
  return row.inserted ? 'inserted' : 'updated';
}

/** Writes a batch from the shop's feed in one transaction: all of it or, on an error, none. */
export async function saveOrderFeed(sql: Sql, orders: (OrderSeed)[]): Promise<Record<SaveOutcome, number>> {
  return (await sql.begin(async (tx) => {
    const counts: Record<SaveOutcome, number> = { inserted: 0, updated: 0, stale: 0 };
    for (const order of orders) counts[await saveOrder(tx as unknown as Sql, order, 'replace')]++;
    return counts;
  })) as Record<SaveOutcome, number>;
}

export const ordersRepository = (sql: Sql, numberFormat: OrderNumberFormat = DEFAULT_ORDER_NUMBER_FORMAT) => {
  // orderNumberKey() in SQL; 009_order_feed.sql indexes the same expression.
  const key = () => sql`upper(regexp_replace(o.number, '[[:space:]#-]+', '', 'g'))`;
  const select = (where: ReturnType<Sql>, limit: number) => sql<OrderRow[]>`
    select o.number, o.customer_external_id, o.status, o.carrier, o.tracking_number, o.total_cents, o.currency, o.placed_at,
      o.eta_from, o.eta_to, o.delivered_at,
      (select json_agg(json_build_object('name', i.name, 'quantity', i.quantity) order by i.id) from order_items i where i.order_id = o.id) as items
    from orders o ${where} order by o.placed_at desc limit ${limit}`;
  const lookup: OrderLookup & {
    forCustomer(externalId: string, limit: number): Promise<OrderRecord[]>;
    insert(order: OrderSeed): Promise<boolean>;
  } = {
    numberFormat,
    async byKey(numberKey) {
      const [row] = await select(sql`where ${key()} = ${numberKey}`, 1);
      return row ? toRecord(row) : null;
    },
    async ownEndingWith(externalId, digits) {
      const rows = await select(sql`where o.customer_external_id = ${externalId} and ${key()} like ${`%${digits.replace(/[%_\\]/g, '')}`}`, 2);
      return rows.length === 1 ? toRecord(rows[0]) : null;
    },
    async recentFor(externalId, limit) {
      return (await select(sql`where o.customer_external_id = ${externalId}`, limit)).map(toRecord);
    },
    async forCustomer(externalId, limit) {
      return (await select(sql`where o.customer_external_id = ${externalId}`, limit)).map(toRecord);
    },
    /** Inserts one order with its items unless its number exists (the demo seed); true when inserted. */
    async insert(order) {
      return (await sql.begin((tx) => saveOrder(tx as unknown as Sql, order, 'keep'))) === 'inserted';
    },
  };
  return lookup;
};
