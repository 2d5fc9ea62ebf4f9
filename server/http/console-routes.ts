// The support console: the single-page app shell at /console (and every path
// under it, so deep links and reloads work), its bundle, and the small
// agent-facing reads the console needs beyond the conversation and customer APIs
// (team list for transfers, a customer's orders and computed segment).
import path from 'node:path';
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, IdParams, Nullable } from './schemas.ts';
import { BUILD_DIR } from '../../scripts/build-bundles.ts';
import { notFound } from '../errors.ts';
import { customerSegment, SegmentSchema } from '../services/customer-segment.ts';
import { articleUrl } from '../../knowledge-base/policy.ts';
import { productsRepository } from '../../knowledge-base/repositories/products.ts';
import { productCard } from '../services/agent-products.ts';
import { FAVICON } from './favicon.ts';
import { compressedBundleLoader, sendBundle } from './compressed-bundle.ts';
import { seatsTaken } from '../repositories/routing.ts';

const BUNDLE = path.join(BUILD_DIR, 'console.js');

// The console never needs inline scripts or other origins; this keeps an XSS bug from running anything.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shopdesk console</title>
<link rel="icon" href="${FAVICON}">
</head>
<body>
<div id="app"><noscript>The Shopdesk console needs JavaScript.</noscript></div>
<script src="/console/console.js" defer></script>
</body>
</html>
`;

const Order = Type.Object({
  id: Type.Integer(), number: Type.String(), status: Type.String(), totalCents: Type.Integer(), currency: Type.String(),
  placedAt: Type.String(), carrier: Nullable(Type.String()), trackingNumber: Nullable(Type.String()),
  items: Type.Array(Type.Object({ name: Type.String(), quantity: Type.Integer() })),
});

export default function consoleRoutes(ctx: AppContext) {
  return async (app: App) => {
    const shell = async (_request: unknown, reply: { header(k: string, v: string): unknown; type(t: string): unknown }) => {
      reply.header('content-security-policy', CSP);
      reply.header('cache-control', 'no-cache');
      reply.type('text/html; charset=utf-8');
      return SHELL;
    };
    const shellSchema = { tags: ['console'], summary: 'The console app shell', response: { 200: Type.String() } };
    app.get('/console', { schema: shellSchema }, shell);
    app.get('/console/*', { schema: { ...shellSchema, hide: true } }, shell);

    // 590 kB of script: brotli takes it to about 165 kB (a tenth of that on a slow line), and a reload that finds its
    // copy current gets a 304 (no-cache: the browser asks every time, so a new release is picked up at once).
    const loadBundle = compressedBundleLoader(BUNDLE, { brotliQuality: 9 });
    app.get('/console/console.js', {
      schema: {
        tags: ['console'], summary: 'The console bundle (brotli or gzip when accepted)',
        response: { 200: Type.String({ description: 'The script, encoded as Content-Encoding says' }), 503: ErrorResponse },
      },
    }, async (request, reply) => {
      const bundle = await loadBundle();
      if (!bundle) return reply.status(503).send({ error: { code: 'not_built', message: 'The console bundle is not built; run `npm run build`.' } });
      reply.header('cache-control', 'no-cache');
      reply.type('application/javascript; charset=utf-8');
      return sendBundle(request, reply, bundle);
    });

    app.get('/api/agents', {
      preHandler: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'Active agents and admins with presence and load (for transfers)',
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), role: Type.String(), presence: Type.String(), capacity: Type.Integer(), openChats: Type.Integer() })) }), 401: ErrorResponse },
      },
    }, async () => {
      const rows = await ctx.sql<{ id: number; name: string; role: string; presence: string; capacity: number; open_chats: number }[]>`
        select u.id, u.name, u.role, u.presence, u.capacity,
               ${seatsTaken(ctx.sql, ctx.sql`u.id`)} as open_chats
        from users u where u.active order by u.name`;
      return { items: rows.map((r) => ({ id: r.id, name: r.name, role: r.role, presence: r.presence, capacity: r.capacity, openChats: r.open_chats })) };
    });

    app.get('/api/customers/:id/orders', {
      preHandler: app.requireAgent,
      schema: { tags: ['agent'], summary: "The customer's recent orders (matched by the shop's user id)", params: IdParams, response: { 200: Type.Object({ items: Type.Array(Order) }), 401: ErrorResponse, 404: ErrorResponse } },
    }, async (request) => {
      const [customer] = await ctx.sql<{ id: number; external_id: string | null }[]>`select id, external_id from customers where id = ${request.params.id}`;
      if (!customer) throw notFound('Customer');
      const [present] = await ctx.sql<{ ok: boolean }[]>`select to_regclass('orders') is not null as ok`;
      if (!present.ok) return { items: [] };
      const rows = await ctx.sql<{ id: number; number: string; status: string; total_cents: number; currency: string; placed_at: Date; carrier: string | null; tracking_number: string | null; items: { name: string; quantity: number }[] | null }[]>`
        select o.id, o.number, o.status, o.total_cents, o.currency, o.placed_at, o.carrier, o.tracking_number,
               (select json_agg(json_build_object('name', i.name, 'quantity', i.quantity) order by i.id) from order_items i where i.order_id = o.id) as items
        from orders o
        where o.customer_id = ${customer.id} or (${customer.external_id}::text is not null and o.customer_external_id = ${customer.external_id})
        order by o.placed_at desc limit 10`;
      return {
        items: rows.map((r) => ({
          id: r.id, number: r.number, status: r.status, totalCents: r.total_cents, currency: r.currency, placedAt: r.placed_at.toISOString(),
          carrier: r.carrier, trackingNumber: r.tracking_number, items: r.items ?? [],
        })),
      };
    });

    app.get('/api/kb/articles', {
      preHandler: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'Published knowledge-base articles by title or text, with their public links (to insert in a reply)',
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), locale: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('zh')])) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), slug: Type.String(), title: Type.String(), locale: Type.String(), category: Type.String(), url: Type.String() })) }), 401: ErrorResponse },
      },
    }, async (request) => {
      const { q, locale } = request.query;
      const like = q ? `%${q.replace(/[%_\\]/g, (c) => `\\${c}`)}%` : null;
      const rows = await ctx.sql<{ id: number; slug: string; title: string; locale: string; category: string }[]>`
        select id, slug, title, locale, category from articles
        where status = 'published' ${locale ? ctx.sql`and locale = ${locale}` : ctx.sql``}
          ${like ? ctx.sql`and (title ilike ${like} or slug ilike ${like} or body ilike ${like})` : ctx.sql``}
        order by title limit 20`;
      return { items: rows.map((r) => ({ ...r, url: articleUrl(ctx.config.publicUrl, r.slug, r.locale) })) };
    });

    app.get('/api/products', {
      preHandler: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "The shop's products by name or SKU, as a reply's product card shows them (to attach to a reply)",
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({
              sku: Type.String(), name: Type.String(), url: Type.Optional(Type.String()), price: Type.Optional(Type.String()), inStock: Type.Optional(Type.Boolean()),
            })),
          }),
          401: ErrorResponse,
        },
      },
    }, async (request) => {
      const items = await productsRepository(ctx.sql).search(request.query.q?.trim() ?? '', 20);
      return { items: items.map((p) => productCard(p, ctx.config.publicUrl)) };
    });

    app.get('/api/customers/:id/segment', {
      preHandler: app.requireAgent,
      schema: { tags: ['agent'], summary: 'The customer segment computed from their history, with the rule that placed them', params: IdParams, response: { 200: SegmentSchema, 401: ErrorResponse, 404: ErrorResponse } },
    }, async (request) => customerSegment(ctx.sql, request.params.id));
  };
}
