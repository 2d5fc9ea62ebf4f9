// Products an agent attaches to a reply ("do you have this in blue?" → the blue tote's card). The console sends SKUs
// only; what the shopper sees (name, page, price, stock) is copied here from the shop's catalogue, so a reply can
// never carry a name, link or price the catalogue does not have.
import type { Sql } from '../db/client.ts';
import { badRequest, worded } from '../errors.ts';
import { formatMoney } from '../../knowledge-base/money.ts';
import { productUrl } from '../../knowledge-base/products.ts';
import type { ProductRecord } from '../../knowledge-base/repositories/products.ts';
import type { ProductRef } from '../realtime/event-maps.ts';

/** At most this many product cards under one agent message (the console's picker stops there too). */
export const MAX_AGENT_PRODUCTS = 3;

/** A product as an agent's message carries it: the bot's reference plus what a card shows. */
export interface AgentProductRef extends ProductRef {
  /** The catalogue's price in its currency and language ("$48.00", "US$48.00"); absent when the feed gave none. */
  price?: string;
  inStock?: boolean;
}

/** An http(s) address as it is; anything else (javascript:, garbage) is left off the card. */
function httpUrl(raw: string | null): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a card shows of a catalogue product (the agent picker's list shows the same). A page given as a path on the
 * shop's own site ("/demo") is made absolute on `publicUrl`, as the bot's product answers do.
 */
export function productCard(p: Pick<ProductRecord, 'sku' | 'name' | 'url' | 'priceCents' | 'currency' | 'locale' | 'inStock'>, publicUrl: string): AgentProductRef {
  const url = httpUrl(productUrl(p, publicUrl));
  return {
    sku: p.sku, name: p.name,
    ...(url ? { url } : {}),
    ...(p.priceCents !== null ? { price: formatMoney(p.priceCents, p.currency, p.locale) } : {}),
    ...(p.inStock !== null ? { inStock: p.inStock } : {}),
  };
}

/**
 * The catalogue's cards for the SKUs an agent picked, in the order picked (a SKU picked twice counts once). Refused
 * when there are too many or one is not in the catalogue (removed from the feed since the picker listed it).
 */
export async function agentProductCards(sql: Sql, publicUrl: string, skus: readonly string[]): Promise<AgentProductRef[]> {
  const wanted = [...new Set(skus)];
  if (wanted.length > MAX_AGENT_PRODUCTS) {
    throw worded(badRequest(`A message can carry at most ${MAX_AGENT_PRODUCTS} products.`, 'too_many_products'), 'too_many_products', { n: String(MAX_AGENT_PRODUCTS) });
  }
  if (!wanted.length) return [];
  const rows = await sql<{ sku: string; locale: 'en' | 'zh'; name: string; url: string | null; price_cents: number | null; currency: string; in_stock: boolean | null }[]>`
    select sku, locale, name, url, price_cents, currency, in_stock from products where sku in ${sql(wanted)}`;
  const bySku = new Map(rows.map((r) => [r.sku, r]));
  const missing = wanted.find((sku) => !bySku.has(sku));
  if (missing !== undefined) {
    throw worded(badRequest(`No product with SKU "${missing.slice(0, 100)}" in the catalogue.`, 'unknown_product'), 'unknown_product', { name: missing.slice(0, 100) });
  }
  return wanted.map((sku) => {
    const r = bySku.get(sku)!;
    return productCard({ sku: r.sku, locale: r.locale, name: r.name, url: r.url, priceCents: r.price_cents, currency: r.currency, inStock: r.in_stock }, publicUrl);
  });
}
