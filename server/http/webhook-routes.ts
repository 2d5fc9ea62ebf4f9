// Admin API of the webhooks: endpoints of the shop's other systems that receive
// signed JSON POSTs about chats (design in docs/architecture.md, "Webhooks").
// The secret is shown whole only when it is made (create, rotate); every other
// answer masks it.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, IdParams, Nullable, Ok, Timestamp } from './schemas.ts';
import { webhooksRepository, type DeliveryRow, type WebhookRow } from '../repositories/webhooks.ts';
import { QUEUE_WEBHOOKS, WEBHOOK_EVENTS, enqueueWebhookDeliveries, type WebhookEvent } from '../webhook-events.ts';
import { badRequest, conflict, notFound, worded } from '../errors.ts';
import { refusedDestination, refusedUrlHost } from '../services/outbound-address.ts';
import { recordAudit } from '../services/audit-log.ts';
import { reachable } from '../redis-outages.ts';

/** Enough for a CRM, a helpdesk and a few bridges; each one costs a POST per chat event. */
export const MAX_WEBHOOKS = 20;
const MAX_URL_CHARS = 2048;
const RECENT_DELIVERIES = 5;

const Url = Type.String({ minLength: 1, maxLength: MAX_URL_CHARS, description: 'http:// or https://, without user name or password' });
const Events = Type.Array(Type.Enum([...WEBHOOK_EVENTS]), { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true, description: 'The events sent to this endpoint' });
const Description = Type.String({ maxLength: 200 });
const Delivery = Type.Object({
  id: Type.Integer(), event: Type.String(), status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(), lastStatus: Nullable(Type.Integer({ description: 'HTTP status of the last attempt (null: no answer)' })),
  lastError: Nullable(Type.String()), createdAt: Timestamp, deliveredAt: Nullable(Timestamp),
});
const Health = Type.Object({
  lastSuccessAt: Nullable(Timestamp),
  lastFailureAt: Nullable(Timestamp),
  consecutiveFailures: Type.Integer({ minimum: 0, description: 'Failed attempts in a row since the last 2xx' }),
  failingSince: Nullable(Timestamp),
  circuitOpenUntil: Nullable(Type.String({ description: 'ISO 8601 date-time: deliveries wait unattempted until then, when one probe goes (null: sending normally)' })),
}, { description: 'Kept by the delivery worker; last success exact to the minute' });
const Webhook = Type.Object({
  id: Type.Integer(), url: Type.String(), events: Type.Array(Type.String()), active: Type.Boolean(), description: Type.String(),
  secret: Type.String({ description: 'Whole only in the answers of create and rotate-secret; masked (last 4 characters) elsewhere' }),
  createdAt: Timestamp, updatedAt: Timestamp,
  disabledReason: Nullable(Type.String({ description: 'Why the workers turned it off (410 Gone, or failing for days); cleared when an admin turns it on or off' })),
  disabledAt: Nullable(Timestamp),
  health: Health,
  recentDeliveries: Type.Array(Delivery, { description: `The latest ${RECENT_DELIVERIES} deliveries (lists only)` }),
});
const WebhookReply = Type.Object({ webhook: Webhook });

const iso = (date: Date | null) => date?.toISOString() ?? null;
const masked = (secret: string) => `••••••••${secret.slice(-4)}`;
const toDelivery = (d: DeliveryRow) => ({
  id: d.id, event: d.event, status: d.status, attempts: d.attempts, lastStatus: d.last_status, lastError: d.last_error,
  createdAt: d.created_at.toISOString(), deliveredAt: d.delivered_at?.toISOString() ?? null,
});
const toWebhook = (w: WebhookRow, options: { revealSecret?: boolean; deliveries?: DeliveryRow[] } = {}) => ({
  id: w.id, url: w.url, events: w.events, active: w.active, description: w.description,
  secret: options.revealSecret ? w.secret : masked(w.secret),
  createdAt: w.created_at.toISOString(), updatedAt: w.updated_at.toISOString(),
  disabledReason: w.disabled_reason, disabledAt: iso(w.disabled_at),
  health: {
    lastSuccessAt: iso(w.last_success_at), lastFailureAt: iso(w.last_failure_at), consecutiveFailures: w.consecutive_failures,
    failingSince: iso(w.failing_since),
    circuitOpenUntil: w.circuit_open_until && w.circuit_open_until.getTime() > Date.now() ? w.circuit_open_until.toISOString() : null,
  },
  recentDeliveries: (options.deliveries ?? []).map(toDelivery),
});

/** How long saving a webhook waits for DNS; a name that does not answer in time is saved and checked at each delivery. */
const SAVE_LOOKUP_TIMEOUT_MS = 3_000;

/**
 * An absolute http(s) URL without credentials (the signature, not the URL, authenticates us), not on this server or
 * its link unless allowed (see outbound-address.ts); returned normalised. A name that resolves to such an address
 * is refused when saved too, so the admin hears it now rather than from failed deliveries (each delivery checks
 * again: DNS answers change). A name that does not resolve yet is saved: its deliveries fail until it does.
 */
export async function checkWebhookUrl(raw: string, allowLocal: boolean): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw worded(badRequest('The URL is not a valid absolute URL (for example https://crm.example.com/hooks/shopdesk).'), 'webhook_url_invalid');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw worded(badRequest(`Webhook URLs must use https:// or http://, not ${url.protocol}`), 'webhook_url_scheme');
  if (url.username || url.password) throw worded(badRequest('Webhook URLs must not contain a user name or password; check the x-shopdesk-signature header instead.'), 'webhook_url_credentials');
  if (url.href.length > MAX_URL_CHARS) throw worded(badRequest(`The URL is longer than ${MAX_URL_CHARS} characters.`), 'webhook_url_too_long', { n: String(MAX_URL_CHARS) });
  if (allowLocal) return url.href;
  const refused = refusedUrlHost(url) ?? await resolvedRefusal(url);
  // Why (a private address, a name that resolves to one) is said in English only: the wording quotes the sentence.
  if (refused) throw worded(badRequest(`Webhooks cannot post there: ${refused}.`), 'webhook_url_refused');
  return url.href;
}

async function resolvedRefusal(url: URL): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), SAVE_LOOKUP_TIMEOUT_MS); });
  try {
    return await Promise.race([refusedDestination(url).catch(() => null), gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}

export default function webhookRoutes(ctx: AppContext) {
  return async (app: App) => {
    const { sql } = ctx;
    const webhooks = webhooksRepository(sql);
    const audit = (actorId: number, action: string, id: number, details: Record<string, unknown>) =>
      recordAudit(sql, actorId, action, `webhook:${id}`, details);
    const existing = async (id: number) => {
      const row = await webhooks.find(id);
      if (!row) throw notFound('Webhook');
      return row;
    };
    const denied = { 401: ErrorResponse, 403: ErrorResponse };
    // Where the shop's events go, and their secret: changing either is a session's call (see refuseApiToken).
    const config = { sessionOnly: true };

    app.get('/api/admin/webhooks', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'Webhooks with their latest deliveries (secrets masked)', response: { 200: Type.Object({ items: Type.Array(Webhook), events: Type.Array(Type.String()) }), ...denied } },
    }, async () => {
      const [rows, recent] = await Promise.all([webhooks.list(), webhooks.recentDeliveries(RECENT_DELIVERIES)]);
      return {
        items: rows.map((w) => toWebhook(w, { deliveries: recent.filter((d) => d.webhook_id === w.id) })),
        events: [...WEBHOOK_EVENTS],
      };
    });

    app.post('/api/admin/webhooks', {
      preHandler: app.requireAdmin,
      config,
      schema: {
        tags: ['admin'], summary: `Register an endpoint (at most ${MAX_WEBHOOKS}); the answer holds its signing secret, shown this once`,
        body: Type.Object({ url: Url, events: Events, description: Type.Optional(Description), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 201: WebhookReply, 400: ErrorResponse, ...denied, 409: ErrorResponse },
      },
    }, async (request, reply) => {
      const body = request.body;
      const row = await webhooks.create({
        url: await checkWebhookUrl(body.url, ctx.config.webhookAllowLocal), events: body.events as WebhookEvent[], description: body.description?.trim() ?? '', active: body.active ?? true,
      }, MAX_WEBHOOKS);
      if (!row) throw conflict(`There are already ${MAX_WEBHOOKS} webhooks; delete one first.`, 'webhooks_full');
      await audit(request.user!.id, 'webhook.create', row.id, { url: row.url, events: row.events });
      return reply.status(201).send({ webhook: toWebhook(row, { revealSecret: true }) });
    });

    app.patch('/api/admin/webhooks/:id', {
      preHandler: app.requireAdmin,
      config,
      schema: {
        tags: ['admin'], summary: 'Change the URL, events, description or active', params: IdParams,
        body: Type.Object({ url: Type.Optional(Url), events: Type.Optional(Events), description: Type.Optional(Description), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: WebhookReply, 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    }, async (request) => {
      const body = request.body;
      const row = await webhooks.update(request.params.id, {
        ...body, url: body.url === undefined ? undefined : await checkWebhookUrl(body.url, ctx.config.webhookAllowLocal), description: body.description?.trim(),
        events: body.events as WebhookEvent[] | undefined,
      });
      if (!row) throw notFound('Webhook');
      await audit(request.user!.id, 'webhook.update', row.id, { ...body });
      return { webhook: toWebhook(row) };
    });

    app.delete('/api/admin/webhooks/:id', {
      preHandler: app.requireAdmin,
      schema: { tags: ['admin'], summary: 'Delete a webhook and its delivery history', params: IdParams, response: { 200: Ok, ...denied, 404: ErrorResponse } },
    }, async (request) => {
      if (!(await webhooks.remove(request.params.id))) throw notFound('Webhook');
      await audit(request.user!.id, 'webhook.delete', request.params.id, {});
      return { ok: true as const };
    });

    app.post('/api/admin/webhooks/:id/rotate-secret', {
      preHandler: app.requireAdmin,
      config,
      schema: { tags: ['admin'], summary: 'Replace the signing secret; the answer holds the new one, shown this once', params: IdParams, response: { 200: WebhookReply, ...denied, 404: ErrorResponse } },
    }, async (request) => {
      const row = await webhooks.rotateSecret(request.params.id);
      if (!row) throw notFound('Webhook');
      await audit(request.user!.id, 'webhook.rotate_secret', row.id, {});
      return { webhook: toWebhook(row, { revealSecret: true }) };
    });

    app.get('/api/admin/webhooks/:id/deliveries', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: "A webhook's deliveries, latest first", params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) }),
        response: { 200: Type.Object({ items: Type.Array(Delivery) }), 400: ErrorResponse, ...denied, 404: ErrorResponse },
      },
    }, async (request) => {
      await existing(request.params.id);
      return { items: (await webhooks.deliveries(request.params.id, request.query.limit ?? 50)).map(toDelivery) };
    });

    app.post('/api/admin/webhooks/:id/test', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'], summary: 'Send a `ping` event to this endpoint (signed and retried like any delivery)', params: IdParams,
        response: { 202: Type.Object({ deliveryId: Type.Integer() }), ...denied, 404: ErrorResponse, 409: ErrorResponse },
      },
    }, async (request, reply) => {
      const row = await existing(request.params.id);
      if (!row.active) throw conflict('This webhook is inactive; turn it on to send a test.', 'webhook_inactive');
      const deliveryId = await webhooks.createPing(row.id);
      // Should Redis refuse now, the row stays pending and the workers' sweeper queues it within a minute or two. While
      // Redis is away the queue's connection would wait for it: reachable() refuses at once instead.
      await reachable(ctx.requestRedis).then(() => enqueueWebhookDeliveries(ctx.queues.queue(QUEUE_WEBHOOKS), [deliveryId])).catch((error: unknown) =>
        request.log.warn({ err: error, deliveryId }, 'webhook ping not queued now'));
      return reply.status(202).send({ deliveryId });
    });
  };
}
