// Reads the team-written demo content in knowledge-base/content: Markdown
// articles with front matter, intents.json, orders.json. Used to seed a fresh
// database and by tests and benchmarks that need the real content.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFrontMatter } from './markdown.ts';
import type { IntentDefinition } from './pipeline.ts';
import type { OrderSeed } from './repositories/orders.ts';
import type { ProductInput } from './repositories/products.ts';

export const CONTENT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'content');

export interface ContentArticle {
  slug: string;
  locale: 'en' | 'zh';
  title: string;
  category: string;
  status: 'draft' | 'published';
  body: string;
}

export function loadArticles(dir = CONTENT_DIR): ContentArticle[] {
  const root = path.join(dir, 'articles');
  if (!existsSync(root)) return [];
  const out: ContentArticle[] = [];
  for (const locale of readdirSync(root).sort()) {
    if (locale !== 'en' && locale !== 'zh') continue;
    for (const file of readdirSync(path.join(root, locale)).filter((f) => f.endsWith('.md')).sort()) {
      const { fields, body } = parseFrontMatter(readFileSync(path.join(root, locale, file), 'utf8'));
      out.push({
        slug: fields.slug || file.replace(/\.md$/, ''),
        locale: (fields.locale === 'zh' || fields.locale === 'en' ? fields.locale : locale) as 'en' | 'zh',
        title: fields.title || file,
        category: fields.category || 'general',
        status: fields.status === 'draft' ? 'draft' : 'published',
        body: body.trim(),
      });
    }
  }
  return out;
}

function readJson<T>(file: string, fallback: T): T {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : fallback;
}

/** intents.json: an array, or {intents: [...]}. */
export function loadIntents(dir = CONTENT_DIR): IntentDefinition[] {
  const raw = readJson<unknown>(path.join(dir, 'intents.json'), []);
  const list = (Array.isArray(raw) ? raw : ((raw as { intents?: unknown[] }).intents ?? [])) as IntentDefinition[];
  return list.filter((i) => typeof i?.name === 'string');
}

/** out-of-scope.json: {en: [...], zh: [...]} or an array of strings / {text}. */
export function loadOutOfScope(dir = CONTENT_DIR): string[] {
  const raw = readJson<unknown>(path.join(dir, 'out-of-scope.json'), []);
  const texts: string[] = [];
  const take = (v: unknown) => {
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) v.forEach(take);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') texts.push(o.text);
      else Object.values(o).forEach(take);
    }
  };
  take(raw);
  return texts;
}

/** products.json: an array of products (the shape of the products feed, ProductInput). */
export function loadProducts(dir = CONTENT_DIR): ProductInput[] {
  return readJson<ProductInput[]>(path.join(dir, 'products.json'), []).filter((p) => typeof p?.sku === 'string' && typeof p?.name === 'string');
}

/** orders.json: an array of orders, or {orders: [...]} (field names in camelCase). */
export function loadOrders(dir = CONTENT_DIR): OrderSeed[] {
  const raw = readJson<unknown>(path.join(dir, 'orders.json'), []);
  const list = (Array.isArray(raw) ? raw : ((raw as { orders?: unknown[] }).orders ?? [])) as Record<string, unknown>[];
  return list.map((o) => normaliseOrder(o)).filter((o): o is OrderSeed => o !== null);
}

function normaliseOrder(o: Record<string, unknown>): OrderSeed | null {
  const pick = (...keys: string[]) => keys.map((k) => o[k]).find((v) => v !== undefined && v !== null);
  const number = pick('number', 'orderNumber', 'id');
  const customer = pick('customerExternalId', 'customer_external_id', 'externalId', 'customerId', 'customer');
  if (typeof number !== 'string' || customer === undefined) return null;
  const items = (pick('items') as Record<string, unknown>[] | undefined) ?? [];
  const eta = pick('eta') as { from?: string; to?: string } | string | undefined;
  return {
    number: number.toUpperCase(),
    customerExternalId: String(customer),
    customerEmail: (pick('customerEmail', 'customer_email', 'email') as string | undefined) ?? null,
    status: String(pick('status') ?? 'processing'),
    carrier: (pick('carrier') as string | undefined) ?? null,
    trackingNumber: (pick('trackingNumber', 'tracking_number', 'tracking') as string | undefined) ?? null,
    totalCents: Number(pick('totalCents', 'total_cents') ?? Math.round(Number(pick('total') ?? 0) * 100)),
    currency: (pick('currency') as string | undefined) ?? 'USD',
    placedAt: String(pick('placedAt', 'placed_at', 'createdAt') ?? new Date().toISOString()),
    etaFrom: (pick('etaFrom', 'eta_from') as string | undefined) ?? (typeof eta === 'string' ? eta : eta?.from) ?? null,
    etaTo: (pick('etaTo', 'eta_to') as string | undefined) ?? (typeof eta === 'string' ? eta : eta?.to) ?? null,
    deliveredAt: (pick('deliveredAt', 'delivered_at') as string | undefined) ?? null,
    items: items.map((i, n) => ({
      sku: String(i.sku ?? `SKU-${n + 1}`),
      name: String(i.name ?? i.title ?? 'Item'),
      quantity: Number(i.quantity ?? i.qty ?? 1),
      priceCents: Number(i.priceCents ?? i.price_cents ?? Math.round(Number(i.price ?? 0) * 100)),
    })),
  };
}

export interface Paraphrase {
  text: string;
  locale: 'en' | 'zh';
  slug: string;
}

/** paraphrases.json: questions with the article that answers them (for retrieval tests). */
export function loadParaphrases(dir = CONTENT_DIR): Paraphrase[] {
  const raw = readJson<unknown>(path.join(dir, 'paraphrases.json'), []);
  const out: Paraphrase[] = [];
  const obj = raw as Record<string, unknown>;
  // Either a flat list, or {en: [{question, slug}], zh: [...]}.
  const list = Array.isArray(raw)
    ? raw
    : (['en', 'zh'] as const).flatMap((locale) => ((obj[locale] as Record<string, unknown>[] | undefined) ?? []).map((e) => ({ ...e, locale })));
  for (const entry of list as Record<string, unknown>[]) {
    const slug = (entry.slug ?? entry.articleSlug ?? entry.article) as string | undefined;
    if (!slug) continue;
    if (typeof entry.text === 'string' || typeof entry.question === 'string') {
      const text = (entry.text ?? entry.question) as string;
      out.push({ text, slug, locale: (entry.locale === 'zh' ? 'zh' : /[\u4e00-\u9fff]/.test(text) ? 'zh' : 'en') });
    }
  }
  return out;
}
