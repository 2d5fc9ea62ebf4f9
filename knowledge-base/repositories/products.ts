// SQL of the shop's products: written by the demo seed and the shop's feed,
// read by every server's brain to answer product questions.
import type { Sql } from '../../server/db/client.ts';

export interface ProductInput {
  sku: string;
  locale?: 'en' | 'zh';
  name: string;
  url?: string | null;
  priceCents?: number | null;
  currency?: string;
  description?: string;
  /** Facts shoppers ask about: {"Material": "waxed cotton canvas", "Colours": "sand, forest, charcoal"}. */
  attributes?: Record<string, string>;
  inStock?: boolean | null;
}

export interface ProductRecord {
  id: number;
  sku: string;
  locale: 'en' | 'zh';
  name: string;
  url: string | null;
  priceCents: number | null;
  currency: string;
  description: string;
  attributes: Record<string, string>;
  inStock: boolean | null;
}

interface ProductRow {
  id: number;
  sku: string;
  locale: 'en' | 'zh';
  name: string;
  url: string | null;
  price_cents: number | null;
  currency: string;
  description: string;
  attributes: Record<string, string>;
  in_stock: boolean | null;
}

const toRecord = (r: ProductRow): ProductRecord => ({
  id: r.id, sku: r.sku, locale: r.locale, name: r.name, url: r.url, priceCents: r.price_cents, currency: r.currency,
  description: r.description, attributes: r.attributes ?? {}, inStock: r.in_stock,
});

/** Products whose SKU or name contains `query` as typed (`%` and `_` are characters); every product when it is empty. */
function matching(sql: Sql, query: string) {
  const pattern = `%${query.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return query ? sql`where sku ilike ${pattern} or name ilike ${pattern}` : sql``;
}

export const productsRepository = (sql: Sql) => ({
  async all(): Promise<ProductRecord[]> {
    return (await sql<ProductRow[]>`select * from products order by id`).map(toRecord);
  },

  /** Products whose SKU or name contains `query` (all when empty), most recently updated first, and how many match (the admin page). */
  async list(query: string, limit: number): Promise<{ items: ProductRecord[]; total: number }> {
    const rows = await sql<(ProductRow & { total: number })[]>`
      select *, count(*) over ()::int as total from products ${matching(sql, query)} order by updated_at desc, id desc limit ${limit}`;
    return { items: rows.map(toRecord), total: rows[0]?.total ?? 0 };
  },

  /** The first `limit` of list()'s matches without counting them all: the agents' picker, searched as they type. */
  async search(query: string, limit: number): Promise<ProductRecord[]> {
    const rows = await sql<ProductRow[]>`select * from products ${matching(sql, query)} order by updated_at desc, id desc limit ${limit}`;
    return rows.map(toRecord);
  },

  /**
   * Adds or replaces products by SKU and deletes the `remove` SKUs, in one transaction; `keep` leaves existing SKUs
   * alone (the demo seed).
   */
  async save(products: ProductInput[], mode: 'replace' | 'keep' = 'replace', remove: string[] = []): Promise<{ inserted: number; updated: number; removed: number }> {
    return (await sql.begin(async (tx) => {
      const counts = { inserted: 0, updated: 0, removed: 0 };
      if (remove.length) counts.removed = (await tx`delete from products where sku in ${tx(remove)}`).count;
      for (const p of products) {
        // The facts go in as text cast to json: sql.json() would pass through jsonb and sort the keys.
        const row = tx`
          select ${p.sku}::text as sku, ${p.locale ?? 'en'}::text as locale, ${p.name}::text as name, ${p.url ?? null}::text as url,
            ${p.priceCents ?? null}::int as price_cents, ${p.currency ?? 'USD'}::text as currency, ${p.description ?? ''}::text as description,
            ${JSON.stringify(p.attributes ?? {})}::text::json as attributes, ${p.inStock ?? null}::boolean as in_stock`;
        const columns = tx`(sku, locale, name, url, price_cents, currency, description, attributes, in_stock)`;
        const [written] = mode === 'keep'
          ? await tx<{ inserted: boolean }[]>`insert into products ${columns} ${row} on conflict (sku) do nothing returning true as inserted`
          : await tx<{ inserted: boolean }[]>`
              insert into products ${columns} ${row} on conflict (sku) do update set locale = excluded.locale, name = excluded.name, url = excluded.url,
                price_cents = excluded.price_cents, currency = excluded.currency, description = excluded.description,
                attributes = excluded.attributes, in_stock = excluded.in_stock, updated_at = now()
              returning (xmax = 0) as inserted`;
        if (written) counts[written.inserted ? 'inserted' : 'updated']++;
      }
      return counts;
    })) as { inserted: number; updated: number; removed: number };
  },
});
