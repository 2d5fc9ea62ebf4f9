// The shop's feeds: its backend sends new and changed orders (so the bot can
// answer "where is my order" from real data) and its products (so it can answer
// "is the tote waterproof?"); the demo seeds its own. The caller is an admin
// (session or Bearer token), or the shop's backend signing the body with the
// identity secret it already holds for identify(), through a key derived from it
// (feedSigningKey: its SHA-256, so no identity hash can ever be a feed signature):
// `X-Shopdesk-Signature: sha256=<hex HMAC-SHA256(feed key, "orders:" + timestamp + "." + body)>` with
// `X-Shopdesk-Timestamp: <Unix seconds>` ("products:" for products; the prefix keeps the two feeds' signatures
// apart). The timestamp is signed and must be within 5 minutes of this server's clock, as for the outgoing
// webhooks, so a captured call cannot be sent again later to bring back old prices, stock or order states. The
// older form without it ("orders:" + body) still works for now, answered with `Deprecation: true` and a warning
// in the log (once a process) so integrators move. A replayed order update changes nothing: one older than
// the stored copy is skipped, since feeds also deliver late and out of order; an
// update without updatedAt has no time to compare, so it is applied and never
// blocks a later one that has (knowledge-base/repositories/orders.ts). A batch is
// checked whole (dates real, an ETA that does not end before it starts) before
// anything is written, and written in one transaction. Errors say what is wrong
// in the shop developer's terms: a missing or wrong signature and how it is made,
// a bad field with its path (orders[3].status) and, for a fixed list, its values.
import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Nullable } from './schemas.ts';
import { AppError, badRequest, unauthorized } from '../errors.ts';
import { loadWidgetSettings } from '../services/widget-settings.ts';
import { feedSignatureMatches } from '../services/visitor-tokens.ts';
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
  customerExternalId: Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Integer({ minimum: 0 })], {
    description: 'The userId the shop passes to identify(); a number is taken as its decimal text, as identify() takes it',
  }),
  status: Type.Enum(STATUSES), // an enum, not a union of literals: one error listing the values, not one per value
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
  locale: Type.Optional(Type.Enum(['en', 'zh'])),
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
const TIMESTAMP_HEADER = 'x-shopdesk-timestamp';
/**
 * How far a signed call's timestamp may be from this server's clock, either way (the outgoing webhooks' rule): room
 * for clocks that drift and a slow network, too little to keep a captured call and send it again later.
 */
const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/** How to sign a call, in one sentence for the 401s and the OpenAPI document. */
const howToSign = (purpose: 'orders' | 'products') =>
  `${SIGNATURE_HEADER}: sha256=<lower-case hex HMAC-SHA256 of "${purpose}:" followed by the ${TIMESTAMP_HEADER} value, "." and the raw request body, keyed with the feed key = the lower-case hex SHA-256 of "shopdesk-feed:" followed by the identity secret (Team & settings → Widget, or IDENTITY_SECRET)>, sent with ${TIMESTAMP_HEADER}: <the current Unix time in seconds, within ${MAX_CLOCK_SKEW_SECONDS / 60} minutes of the server's clock>`;
/** Either the shop backend's signature or an admin's session or token opens the feed routes. */
const FEED_SECURITY: { [scheme: string]: string[] }[] = [{ feedSignature: [] }, { session: [] }, { bearer: [] }];
const signatureHeaders = (purpose: 'orders' | 'products') => Type.Object({
  [SIGNATURE_HEADER]: Type.Optional(Type.String({
    description: `The shop's backend signs each call instead of holding an admin session: ${howToSign(purpose)}. Without it the caller must be an admin (session cookie or Bearer token).`,
  })),
  [TIMESTAMP_HEADER]: Type.Optional(Type.String({
    description: `When the call was signed, in Unix seconds; part of what ${SIGNATURE_HEADER} signs. A call signed without it (over "${purpose}:" and the body alone) is deprecated: it is answered with Deprecation: true.`,
  })),
});

/** The signed timestamp of a call: Unix seconds, as the outgoing webhooks send theirs. */
function signedTimestamp(value: string | string[]): number {
  if (typeof value !== 'string') throw unauthorized(`Send one ${TIMESTAMP_HEADER} header, not several.`);
  if (!/^\d{1,12}$/.test(value)) {
    throw unauthorized(`${TIMESTAMP_HEADER} must be the current Unix time in whole seconds (like ${Math.floor(Date.now() / 1000)}; not milliseconds, not a date), not "${value.slice(0, 40)}".`);
  }
  return Number(value);
}

/**
 * Whether this process has logged a call signed the older way, without a timestamp: once shows the operator that an
 * integration must move, and a feed that syncs every minute would otherwise fill the log.
 */
let untimedSignatureLogged = false;

/** Answers a call signed without a timestamp (still taken, for now) with Deprecation: true, and says so in the log once. */
function markUntimedSignature(request: FastifyRequest, reply: FastifyReply, purpose: 'orders' | 'products'): void {
  reply.header('deprecation', 'true');
  if (untimedSignatureLogged) return;
  untimedSignatureLogged = true;
  request.log.warn({ feed: purpose },
    `A ${purpose} feed call was signed without ${TIMESTAMP_HEADER}: it is taken for now, but such a call can be sent again by anyone who captured it. Sign "${purpose}:<timestamp>.<body>" and send the timestamp in ${TIMESTAMP_HEADER} (logged once per process).`);
}

/** "/orders/3/status" → "orders[3].status", the way the feed's own checks name a field. */
const fieldPath = (instancePath: string) =>
  instancePath.split('/').slice(1).reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '') || 'body';

/**
 * Validation errors as one sentence per field: an allowed-values list once (not "must be equal to constant" per
 * value), the alternatives of a nullable field joined with "or", an unknown field by its name.
 */
function feedSchemaErrors(errors: FastifySchemaValidationError[]): Error {
  const byField = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword === 'anyOf') continue; // the summary of the alternatives listed beside it
    const params = e.params as Record<string, unknown>;
    let path = fieldPath(e.instancePath);
    let message = e.message ?? 'is not valid';
    if (e.keyword === 'enum') message = `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    else if (e.keyword === 'additionalProperties') {
      path = fieldPath(`${e.instancePath}/${String(params.additionalProperty)}`);
      message = 'is not a known field';
    } else if (e.keyword === 'required') {
      path = fieldPath(`${e.instancePath}/${String(params.missingProperty)}`);
      message = 'is required';
    }
    const messages = byField.get(path) ?? [];
    if (!messages.includes(message)) messages.push(message);
    byField.set(path, messages);
  }
  const text = [...byField].map(([path, messages]) => `${path} ${messages.join(' or ')}`).join('; ');
  return new Error(`${text || 'The body does not match the schema'}.`);
}

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
    const adminOrSigned = (purpose: 'orders' | 'products') => async (request: FastifyRequest, reply: FastifyReply) => {
      const signature = request.headers[SIGNATURE_HEADER];
      if (signature === undefined) {
        try {
          return await app.requireAdmin(request);
        } catch (error) {
          // No signature and no admin session: the shop's backend most likely forgot to sign, so say how.
          if (error instanceof AppError && error.statusCode === 401) {
            throw unauthorized(`The ${SIGNATURE_HEADER} header is missing. Sign the call with ${howToSign(purpose)}, or call it as a signed-in admin.`);
          }
          throw error;
        }
      }
      if (typeof signature !== 'string') throw unauthorized(`Send one ${SIGNATURE_HEADER} header, not several.`);
      const secret = ctx.config.identitySecret || (await loadWidgetSettings(ctx.sql)).identitySecret;
      if (!secret) throw unauthorized(`${SIGNATURE_HEADER} cannot be checked: no identity secret is set (Team & settings → Widget, or IDENTITY_SECRET).`);
      if (!/^sha256=[0-9a-fA-F]{64}$/.test(signature)) {
        throw unauthorized(`${SIGNATURE_HEADER} is malformed: expected ${howToSign(purpose)}.`);
      }
      const raw = rawBodies.get(request);
      const stamp = request.headers[TIMESTAMP_HEADER];
      const timestamp = stamp === undefined ? undefined : signedTimestamp(stamp);
      if (raw === undefined || !feedSignatureMatches(secret, purpose, raw, signature.slice(7), timestamp)) {
        const signed = timestamp === undefined ? 'this body' : `this body and ${TIMESTAMP_HEADER}`;
        throw unauthorized(`${SIGNATURE_HEADER} does not match ${signed} (a different secret, other bytes than were signed, or the wrong prefix?). Expected ${howToSign(purpose)}.`);
      }
      if (timestamp === undefined) {
        markUntimedSignature(request, reply, purpose);
        return;
      }
      // Checked after the signature, so the time a caller is told about is one the shop's backend really signed.
      const now = Math.floor(Date.now() / 1000);
      if (Math.abs(now - timestamp) > MAX_CLOCK_SKEW_SECONDS) {
        const off = `${Math.abs(now - timestamp)} seconds ${timestamp < now ? 'behind' : 'ahead of'}`;
        throw unauthorized(`${TIMESTAMP_HEADER} ${timestamp} is ${off} this server's clock (${now}); a signed call is taken within ${MAX_CLOCK_SKEW_SECONDS / 60} minutes of its timestamp. Sign each call as it is sent, and check the clock of the server that signs.`);
      }
    };

    app.put('/api/integrations/orders', {
      bodyLimit: MAX_FEED_BYTES,
      preValidation: adminOrSigned('orders'),
      schemaErrorFormatter: feedSchemaErrors,
      schema: {
        security: FEED_SECURITY,
        headers: signatureHeaders('orders'),
        tags: ['admin'],
        summary: "Add or update the shop's orders (up to 500 a call): an admin, or the shop's backend signing the body",
        description: `${howToSign('orders')}. An update older than the stored copy (updatedAt) is skipped; one without updatedAt is applied and does not block later ones. etaTo may not be before etaFrom, nor deliveredAt before placedAt.`,
        body: Type.Object({ orders: Type.Array(OrderInput, { minItems: 1, maxItems: MAX_ORDERS_PER_CALL }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ inserted: Type.Integer(), updated: Type.Integer(), stale: Type.Integer({ description: 'Skipped: the stored copy is newer' }) }),
          400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 413: ErrorResponse,
        },
      },
    }, async (request) => {
      const orders = request.body.orders.map((order) => ({ ...order, customerExternalId: String(order.customerExternalId) }));
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
        // Both are YYYY-MM-DD, so comparing the text compares the days. Otherwise the bot would quote "Dec 20–Dec 10".
        if (order.etaFrom && order.etaTo && order.etaTo < order.etaFrom) {
          throw badRequest(`${where} (order ${order.number}): etaTo "${order.etaTo}" is before etaFrom "${order.etaFrom}"; the delivery window must not end before it starts.`);
        }
        // The bot would tell the shopper it arrived before it was ordered; a shop's clock or field mix-up, so refuse it.
        if (order.deliveredAt && Date.parse(order.deliveredAt) < Date.parse(order.placedAt)) {
          throw badRequest(`${where} (order ${order.number}): deliveredAt "${order.deliveredAt}" is before placedAt "${order.placedAt}"; an order cannot arrive before it was placed.`);
        }
      });
      return saveOrderFeed(ctx.sql, orders);
    });

    app.put('/api/integrations/products', {
      bodyLimit: MAX_FEED_BYTES,
      preValidation: adminOrSigned('products'),
      schemaErrorFormatter: feedSchemaErrors,
      schema: {
        security: FEED_SECURITY,
        headers: signatureHeaders('products'),
        tags: ['admin'],
        summary: "Add, update or remove the shop's products (up to 1000 a call): an admin, or the shop's backend signing the body",
        description: `${howToSign('products')}. Products are matched by SKU, and each product sent replaces the stored one whole: a field left out is cleared, so send every field (a price-only change too). \`remove\` lists SKUs to delete. Every server answers from the new catalogue within a moment.`,
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
