// The shop's feeds: its backend sends new and changed orders (so the bot can
// answer "where is my order" from real data) and its products (so it can answer
// "is the tote waterproof?"); the demo seeds its own. The caller is an admin
// (session or Bearer token), or the shop's backend signing the body with the
// identity secret it already holds for identify():
// `X-Shopdesk-Signature: sha256=<hex HMAC-SHA256("orders:" + body)>` ("products:"
// for products; the prefix keeps these signatures apart from identity hashes
// and from each other). A replayed order update changes nothing: one older than
// the stored copy is skipped, since feeds also deliver late and out of order. A
// batch is checked whole before anything is written, and written in one transaction.
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Nullable } from './schemas.ts';
import { badRequest, unauthorized } from '../errors.ts';
import { loadWidgetSettings } from '../services/widget-settings.ts';
import { signatureMatches } from '../services/visitor-tokens.ts';
import { isRealDay } from '../services/calendar-days.ts';
import { isOrderNumber, orderNumberFormat } from '../../knowledge-base/order-numbers.ts';
import { saveOrderFeed } from '../../knowledge-base/repositories/orders.ts';
import { productsRepository } from '../../knowledge-base/repositories/products.ts';
import { ExportedAtField } from '../../knowledge-base/admin-schemas.ts';
import { publishReload } from '../../knowledge-base/reload-channel.ts';

const DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$';
const DateTime = Type.String({ pattern: DATE_TIME, description: 'ISO 8601 date-time with a time zone' });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const STATUSES = ['pending', 'paid', 'processing', 'shipped', 'in_transit', 'delivered', 'cancelled', 'returned'] as const;

const OrderItemInput = Type.Object({
  sku: Type.String({ minLength: 1, maxLength: 64 }),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
  priceCents: Type.Integer({ minimum: 0, maximum: 2_000_000_000 }),
}, { additionalProperties: false });

const OrderInput = Type.Object({
  number: Type.String({ minLength: 1, maxLength: 64, description: 'As the shop shows it; must fit ORDER_NUMBER_PATTERN' }),
  customerExternalId: Type.String({ minLength: 1, maxLength: 200, description: 'The userId the shop passes to identify()' }),
  status: Type.Union(STATUSES.map((s) => Type.Literal(s))),
  carrier: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  trackingNumber: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  totalCents: Type.Integer({ minimum: 0, maximum: 2_000_000_000 }),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  placedAt: DateTime,
  etaFrom: Type.Optional(Nullable(Day)),
  etaTo: Type.Optional(Nullable(Day)),
  deliveredAt: Type.Optional(Nullable(DateTime)),
  updatedAt: Type.Optional(DateTime),
  items: Type.Array(OrderItemInput, { maxItems: 200 }),
}, { additionalProperties: false });

const ProductInput = Type.Object({
  sku: Type.String({ minLength: 1, maxLength: 64 }),
  locale: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('zh')])),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  url: Type.Optional(Nullable(Type.String({ maxLength: 2000, pattern: '^(https?://|/)', description: 'The product page: absolute, or a path on PUBLIC_URL' }))),
  priceCents: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 2_000_000_000 }))),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
  description: Type.Optional(Type.String({ maxLength: 5000, description: 'Plain text: what the bot quotes' })),
  attributes: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 60 }), Type.String({ maxLength: 300 }), { maxProperties: 30, description: '{"Material": "merino wool", …}' })),
  inStock: Type.Optional(Nullable(Type.Boolean())),
}, { additionalProperties: false });

const MAX_PRODUCTS_PER_CALL = 1000;
const MAX_ORDERS_PER_CALL = 500;
const MAX_FEED_BYTES = 4 * 1024 * 1024;
const SIGNATURE_HEADER = 'x-shopdesk-signature';

/** A date or date-time whose day exists and whose time parses (the schema has checked the shape). */
const isRealDate = (value: string) => isRealDay(value.slice(0, 10)) && !Number.isNaN(Date.parse(value));

export default function shopFeedRoutes(ctx: AppContext) {
  return async (app: App) => {
    const format = orderNumberFormat(ctx.config.orderNumberPattern, ctx.config.orderNumberExample);
    // The signature covers the bytes sent, so this plugin's JSON parser keeps them (scoped to these routes).
    const rawBodies = new WeakMap<object, string>();
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_FEED_BYTES }, (request, body, done) => {
      rawBodies.set(request, body as string);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(badRequest('The body is not valid JSON.'), undefined);
      }
    });

    /** An admin, or the shop's backend signing `<purpose>:` + the body; checked before validation, so nobody unauthorised learns anything from its errors. */
    const adminOrSigned = (purpose: 'orders' | 'products') => async (request: FastifyRequest) => {
      const signature = request.headers[SIGNATURE_HEADER];
      if (typeof signature !== 'string') return app.requireAdmin(request);
      const secret = ctx.config.identitySecret || (await loadWidgetSettings(ctx.sql)).identitySecret;
      const raw = rawBodies.get(request);
      const hex = signature.startsWith('sha256=') ? signature.slice(7) : '';
      if (!secret || raw === undefined || !signatureMatches(secret, `${purpose}:${raw}`, hex)) {
        throw unauthorized(`${SIGNATURE_HEADER} does not match the body (HMAC-SHA256 of "${purpose}:" + body with the identity secret).`);
      }
    };

    app.put('/api/integrations/orders', {
      bodyLimit: MAX_FEED_BYTES,
      preValidation: adminOrSigned('orders'),
      schema: {
        tags: ['admin'],
        summary: "Add or update the shop's orders (up to 500 a call): an admin, or the shop's backend signing the body",
        description: 'X-Shopdesk-Signature: sha256=<hex HMAC-SHA256("orders:" + body) with the identity secret>. An update older than the stored copy (updatedAt) is skipped.',
        body: Type.Object({ orders: Type.Array(OrderInput, { minItems: 1, maxItems: MAX_ORDERS_PER_CALL }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ inserted: Type.Integer(), updated: Type.Integer(), stale: Type.Integer({ description: 'Skipped: the stored copy is newer' }) }),
          400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 413: ErrorResponse,
        },
      },
    }, async (request) => {
      const { orders } = request.body;
      const seen = new Set<string>();
      orders.forEach((order, i) => {
        const where = `orders[${i}]`;
        if (!isOrderNumber(order.number, format)) {
          throw badRequest(`${where}.number "${order.number}" does not fit ORDER_NUMBER_PATTERN (it looks like ${format.example}): the bot could never find it.`);
        }
        if (seen.has(order.number)) throw badRequest(`${where}.number "${order.number}" appears twice in this batch.`);
        seen.add(order.number);
        for (const field of ['placedAt', 'deliveredAt', 'updatedAt', 'etaFrom', 'etaTo'] as const) {
          const value = order[field];
          if (value && !isRealDate(value)) throw badRequest(`${where}.${field} "${value}" is not a real date.`);
        }
      });
      return saveOrderFeed(ctx.sql, orders);
    });

    app.put('/api/integrations/products', {
      bodyLimit: MAX_FEED_BYTES,
      preValidation: adminOrSigned('products'),
      schema: {
        tags: ['admin'],
        summary: "Add, update or remove the shop's products (up to 1000 a call): an admin, or the shop's backend signing the body",
        description: 'X-Shopdesk-Signature: sha256=<hex HMAC-SHA256("products:" + body) with the identity secret>. Products are matched by SKU; `remove` lists SKUs to delete. Every server answers from the new catalogue within a moment.',
        body: Type.Object({
          products: Type.Array(ProductInput, { maxItems: MAX_PRODUCTS_PER_CALL }),
          remove: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: MAX_PRODUCTS_PER_CALL })),
          exportedAt: ExportedAtField, // from GET /api/admin/products/export
        }, { additionalProperties: false }),
        response: {
          200: Type.Object({ inserted: Type.Integer(), updated: Type.Integer(), removed: Type.Integer() }),
          400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 413: ErrorResponse,
        },
      },
    }, async (request) => {
      const { products, remove = [] } = request.body;
      const skus = new Set<string>();
      products.forEach((product, i) => {
        if (skus.has(product.sku)) throw badRequest(`products[${i}].sku "${product.sku}" appears twice in this batch.`);
        skus.add(product.sku);
      });
      const both = remove.find((sku) => skus.has(sku));
      if (both) throw badRequest(`SKU "${both}" is both sent and removed in this batch.`);
      const saved = await productsRepository(ctx.sql).save(products, 'replace', remove);
      // Every server (this one too) reloads its catalogue from Postgres.
      await publishReload(ctx.redis, ctx.config, { kind: 'products' });
      return saved;
    });
  };
}
