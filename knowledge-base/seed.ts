// First-start seeding of the demo knowledge base: articles, intents and demo
// orders from knowledge-base/content. Runs once per database (a settings flag
// records it), so an admin who deletes or edits a demo article does not see it
// come back on the next restart. Safe when several servers start together.
import type { Sql, Tx } from '../server/db/client.ts';
import { loadArticles, loadIntents, loadOrders, loadOutOfScope, loadProducts, CONTENT_DIR } from './content-loader.ts';
import { productsRepository } from './repositories/products.ts';
import { intentsRepository } from './repositories/intents.ts';
import { ordersRepository, type OrderSeed } from './repositories/orders.ts';

const SEEDED_KEY = 'kb_demo_seeded';
const LOCK_KEY = 4_207_312; // arbitrary constant: "shopdesk knowledge-base seed"

export interface SeedResult {
  seeded: boolean;
  articles: number;
  intents: number;
  orders: number;
  products?: number;
}

export async function seedKnowledgeBase(sql: Sql, options: { contentDir?: string; force?: boolean } = {}): Promise<SeedResult> {
  const dir = options.contentDir ?? CONTENT_DIR;
  return (await sql.begin(async (t) => {
    const tx = t as unknown as Tx;
    await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
    const [flag] = await tx`select 1 from settings where key = ${SEEDED_KEY}`;
    if (flag && !options.force) return { seeded: false, articles: 0, intents: 0, orders: 0 };

    let articles = 0;
    for (const a of loadArticles(dir)) {
      const [row] = await tx<{ id: number; title: string; body: string; status: string; category: string }[]>`
        insert into articles (slug, locale, title, category, status, body, published_at)
        values (${a.slug}, ${a.locale}, ${a.title}, ${a.category}, ${a.status}, ${a.body}, case when ${a.status}::text = 'published' then now() end)
        on conflict (slug, locale) do nothing returning id, title, body, status, category`;
      if (!row) continue;
      await tx`insert into article_versions (article_id, version, title, body, status, category, note)
               values (${row.id}, 1, ${row.title}, ${row.body}, ${row.status}, ${row.category}, 'demo content')`;
      articles++;
    }

    let intents = 0;
    const repo = intentsRepository(sql);
    const existing = new Set((await tx<{ name: string }[]>`select name from intents`).map((r) => r.name));
    for (const intent of loadIntents(dir)) {
      if (existing.has(intent.name)) continue;
      await repo.upsert({
        name: intent.name,
        description: intent.description ?? '',
        label: intent.label ?? {},
        answer: intent.answer ?? {},
        action: intent.action ?? null,
        articleSlug: intent.articleSlug ?? null,
        askHelpful: intent.askHelpful ?? true,
        examples: intent.examples ?? {},
      }, tx);
      intents++;
    }

    const outOfScope = loadOutOfScope(dir);
    await tx`insert into settings (key, value) values ('nlu_out_of_scope', ${tx.json({ examples: outOfScope })}) on conflict (key) do nothing`;
    await tx`insert into settings (key, value) values (${SEEDED_KEY}, ${tx.json({ at: new Date().toISOString() })})
             on conflict (key) do update set value = excluded.value, updated_at = now()`;
    return { seeded: true, articles, intents, orders: 0 };
  }).then(async (result) => {
    // Orders outside the transaction: each insert is its own small transaction and skips existing numbers.
    const r = result as SeedResult;
    if (!r.seeded) return r;
    const orders = ordersRepository(sql);
    for (const order of freshenDemoDates(loadOrders(dir), new Date())) if (await orders.insert(order)) r.orders++;
    r.products = (await productsRepository(sql).save(loadProducts(dir), 'keep')).inserted;
    return r;
  })) as SeedResult;
}

const DAY_MS = 86_400_000;
const DATE_FIELDS = ['placedAt', 'etaFrom', 'etaTo', 'deliveredAt', 'updatedAt'] as const;

/**
 * Moves the demo orders' dates by whole days so the newest was placed the day before seeding: written once, the
 * demo would otherwise show November's parcels as "on the way" months later. Gaps between dates are kept.
 */
export function freshenDemoDates(orders: OrderSeed[], now: Date): OrderSeed[] {
  const newest = Math.max(...orders.map((o) => Date.parse(o.placedAt)).filter(Number.isFinite));
  if (!Number.isFinite(newest)) return orders;
  const shiftDays = Math.floor(now.getTime() / DAY_MS) - Math.floor(newest / DAY_MS) - 1;   // in UTC calendar days
  if (shiftDays <= 0) return orders;
  const shift = (value: string) => {
    const moved = new Date(Date.parse(value) + shiftDays * DAY_MS).toISOString();
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? moved.slice(0, 10) : moved;   // a calendar day stays a calendar day
  };
  return orders.map((order) => {
    const copy = { ...order };
    for (const field of DATE_FIELDS) if (copy[field]) copy[field] = shift(copy[field]!);
    return copy;
  });
}
