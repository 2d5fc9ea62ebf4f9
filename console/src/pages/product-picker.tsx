// Products an agent attaches to a reply: a search of the shop's catalogue beside the article picker, the picked
// products shown above the reply box until it is sent, and the cards an agent's message carries in the chat. The
// console sends SKUs only; the server copies name, page and price from the catalogue (services/agent-products.ts).
import { useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import { useDebounced, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';

/** A catalogue product as the picker lists it and a sent message carries it (GET /api/products). */
export interface ProductCard { sku: string; name: string; url?: string; price?: string; inStock?: boolean }

/** As many as the server takes on one message (MAX_AGENT_PRODUCTS). */
export const MAX_PRODUCTS_PER_MESSAGE = 3;

/** The search waits this long after a keystroke: one request per pause in typing, not one per letter. */
const SEARCH_AFTER_TYPING_MS = 200;

/** What the agent chooses by besides the name: " · NW-TOTE-01 · $48.00 · In stock". */
function details(p: ProductCard): string {
  const stock = p.inStock === undefined ? '' : t(p.inStock ? 'products.inStock' : 'products.outOfStock');
  return [p.sku, p.price, stock].filter(Boolean).map((part) => ` · ${part}`).join('');
}

export function ProductPicker({ picked, onPick }: { picked: readonly ProductCard[]; onPick(product: ProductCard): void }) {
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const settle = useDebounced(() => setQ(typed), SEARCH_AFTER_TYPING_MS);
  const products = useLoad(() => get<{ items: ProductCard[] }>(`/api/products${query({ q: q.trim() })}`), [q]);
  const full = picked.length >= MAX_PRODUCTS_PER_MESSAGE;
  return (
    <div class="article-picker" data-testid="product-picker">
      <input type="search" placeholder={t('composer.searchProducts')} aria-label={t('composer.searchProducts')} value={typed} maxLength={200}
        onInput={(e) => { setTyped(e.currentTarget.value); settle(); }} data-testid="product-search" />
      {full && <div class="muted small" data-testid="products-full">{t('composer.productsFull', { n: MAX_PRODUCTS_PER_MESSAGE })}</div>}
      <ul>
        {(products.data?.items ?? []).map((p) => (
          <li key={p.sku}>
            <button class="link" data-testid="pick-product" data-sku={p.sku} disabled={full || picked.some((x) => x.sku === p.sku)} onClick={() => onPick(p)}>{p.name}</button>
            <span class="muted small">{details(p)}</span>
          </li>
        ))}
        {products.error && <li class="error small">{products.error}</li>}
        {products.data && !products.data.items.length && <li class="muted small">{t('composer.noProducts')}</li>}
      </ul>
    </div>
  );
}

/** The products going with the reply being written, each removable. */
export function AttachedProducts({ products, onRemove }: { products: readonly ProductCard[]; onRemove(sku: string): void }) {
  if (!products.length) return null;
  return (
    <ul class="attached-products" data-testid="attached-products" aria-label={t('composer.attachedProducts')}>
      {products.map((p) => (
        <li key={p.sku} data-sku={p.sku}>
          <span>{p.name}</span><span class="muted small">{details(p)}</span>
          <button class="link" aria-label={t('composer.removeProduct', { name: p.name })} onClick={() => onRemove(p.sku)}>×</button>
        </li>
      ))}
    </ul>
  );
}

/** The cards an agent's message carried, as the shopper's widget shows them (name linking to the shop's page). */
export function SentProducts({ products }: { products: unknown }) {
  const valid = Array.isArray(products) ? (products as ProductCard[]).filter((p) => p && typeof p.name === 'string') : [];
  if (!valid.length) return null;
  return (
    <ul class="attached-products" data-testid="sent-products">
      {valid.map((p) => (
        <li key={p.sku}>
          {p.url && /^https?:\/\//.test(p.url) ? <a href={p.url} target="_blank" rel="noopener noreferrer">{p.name}</a> : <span>{p.name}</span>}
          {p.price && <span class="muted small"> · {p.price}</span>}
        </li>
      ))}
    </ul>
  );
}
