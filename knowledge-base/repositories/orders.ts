// SQL for the demo shop's orders (read by the order-status action).
import type { Sql } from '../../server/db/client.ts';
import type { OrderLookup, OrderRecord } from '../types.ts';

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
  status: string;
  carrier?: string | null;
  trackingNumber?: string | null;
  totalCents: number;
  currency?: string;
  placedAt: string;
  etaFrom?: string | null;
  etaTo?: string | null;
  deliveredAt?: string | null;
  items: { sku: string; name: string; quantity: number; priceCents: number }[];
}

export const ordersRepository = (sql: Sql) => {
  const select = (where: ReturnType<Sql>, limit: number) => sql<OrderRow[]>`
    select o.number, o.customer_external_id, o.status, o.carrier, o.tracking_number, o.total_cents, o.currency, o.placed_at,
      o.eta_from, o.eta_to, o.delivered_at,
      (select json_agg(json_build_object('name', i.name, 'quantity', i.quantity) order by i.id) from order_items i where i.order_id = o.id) as items
    from orders o ${where} order by o.placed_at desc limit ${limit}`;
  const lookup: OrderLookup & {
    forCustomer(externalId: string, limit: number): Promise<OrderRecord[]>;
    insert(order: OrderSeed): Promise<boolean>;
  } = {
    async byNumber(number) {
      const [row] = await select(sql`where o.number = ${number.toUpperCase()}`, 1);
      return row ? toRecord(row) : null;
    },
    async recentFor(externalId, limit) {
      return (await select(sql`where o.customer_external_id = ${externalId}`, limit)).map(toRecord);
    },
    async forCustomer(externalId, limit) {
      return (await select(sql`where o.customer_external_id = ${externalId}`, limit)).map(toRecord);
    },
    /** Inserts one order with its items unless its number exists; true when inserted. */
    async insert(order) {
      return (await sql.begin(async (tx) => {
        const [row] = await tx<{ id: number }[]>`
          insert into orders (number, customer_external_id, customer_id, status, carrier, tracking_number, total_cents, currency, placed_at, eta_from, eta_to, delivered_at)
          values (${order.number}, ${order.customerExternalId}, (select id from customers where external_id = ${order.customerExternalId}),
            ${order.status}, ${order.carrier ?? null}, ${order.trackingNumber ?? null}, ${order.totalCents}, ${order.currency ?? 'USD'},
            ${order.placedAt}, ${order.etaFrom ?? null}, ${order.etaTo ?? null}, ${order.deliveredAt ?? null})
          on conflict (number) do nothing returning id`;
        if (!row) return false;
        const items = order.items.map((i) => ({ order_id: row.id, sku: i.sku, name: i.name, quantity: i.quantity, price_cents: i.priceCents }));
        if (items.length) await tx`insert into order_items ${tx(items)}`;
        return true;
      })) as boolean;
    },
  };
  return lookup;
};
