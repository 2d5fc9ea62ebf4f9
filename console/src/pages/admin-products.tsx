// Products: what the bot knows about the shop's catalogue. The shop's backend
// keeps it current through PUT /api/integrations/products; this page shows
// what arrived, so an admin can check the facts the bot will quote.
import { useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import { useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';
import { importCount, JsonTransfer } from '../json-transfer.tsx';
import type { ProductRecord } from '../../../knowledge-base/repositories/products.ts';

/** As GET /api/admin/products sends it: the stored product without its row id. */
type Product = Omit<ProductRecord, 'id'>;

const price = (p: Product) =>
  p.priceCents === null ? '—' : new Intl.NumberFormat(undefined, { style: 'currency', currency: p.currency }).format(p.priceCents / 100);

export function ProductsPage() {
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const list = useLoad(() => get<{ items: Product[]; total: number }>(`/api/admin/products${query({ q: applied, limit: 200 })}`), [applied]);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section class="card products-page" data-testid="products-page">
      <h2>{t('nav.products')}</h2>
      <p class="muted small">{t('products.explain')}</p>
      <JsonTransfer exportPath="/api/admin/products/export" importPath="/api/integrations/products" importMethod="PUT" fileName="products"
        summarise={(r) => t('transfer.productsDone', { created: importCount(r, 'inserted'), updated: importCount(r, 'updated') })} onImported={list.reload} />
      <form onSubmit={(e) => { e.preventDefault(); setApplied(search.trim()); }}>
        <input type="search" data-testid="products-search" placeholder={t('products.search')} value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </form>
      {list.error && <p class="error">{list.error}</p>}
      {list.data && <p class="muted small" data-testid="products-total">{t('products.total', { n: list.data.total })}</p>}
      <table>
        <thead><tr><th>SKU</th><th>{t('products.name')}</th><th>{t('kb.locale')}</th><th>{t('products.price')}</th><th>{t('products.stock')}</th></tr></thead>
        <tbody>
          {(list.data?.items ?? []).map((p) => [
            <tr key={p.sku} data-testid="product-row" data-sku={p.sku}>
              <td><code>{p.sku}</code></td>
              <td><button class="link" aria-expanded={open === p.sku} onClick={() => setOpen(open === p.sku ? null : p.sku)}>{p.name}</button></td>
              <td>{p.locale}</td>
              <td>{price(p)}</td>
              <td>{p.inStock === null ? '—' : p.inStock ? t('products.inStock') : t('products.outOfStock')}</td>
            </tr>,
            open === p.sku && (
              <tr key={`${p.sku}:details`} class="details">
                <td colSpan={5}>
                  <p>{p.description}</p>
                  {Object.entries(p.attributes).length > 0 && <ul>{Object.entries(p.attributes).map(([k, v]) => <li key={k}><strong>{k}</strong>: {v}</li>)}</ul>}
                  {p.url && <a href={p.url} target="_blank" rel="noopener noreferrer">{p.url}</a>}
                </td>
              </tr>
            ),
          ])}
        </tbody>
      </table>
    </section>
  );
}
