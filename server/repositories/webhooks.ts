// The webhooks an admin registered and their deliveries (013_webhooks.sql).
// Deliveries of chat events are created by the workers, in the transaction
// that stores the event; only the test ping is created here.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Sql } from '../db/client.ts';
import { PING_EVENT, type WebhookEnvelope } from '../webhook-events.ts';

export interface WebhookRow {
  id: number;
  url: string;
  secret: string;
  events: string[];
  active: boolean;
  description: string;
  created_at: Date;
  updated_at: Date;
  /** Endpoint health, kept by the delivery worker (018_webhook_health.sql, workers/webhook-health.ts). */
  consecutive_failures: number;
  failing_since: Date | null;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  circuit_open_until: Date | null;
  disabled_reason: string | null;
  disabled_at: Date | null;
}

export interface DeliveryRow {
  id: number;
  webhook_id: number;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** 32 random bytes, hex: the HMAC key both sides hold. */
export const newWebhookSecret = () => randomBytes(32).toString('hex');

export const webhooksRepository = (sql: Sql) => ({
  list(): Promise<WebhookRow[]> {
    return sql<WebhookRow[]>`select * from webhooks order by id`;
  },

  async find(id: number): Promise<WebhookRow | undefined> {
    const [row] = await sql<WebhookRow[]>`select * from webhooks where id = ${id}`;
    return row;
  },

  /** Inserts unless `max` webhooks exist already (then undefined). */
  async create(input: { url: string; events: string[]; description: string; active: boolean }, max: number): Promise<WebhookRow | undefined> {
    const [row] = await sql<WebhookRow[]>`
      insert into webhooks (url, secret, events, description, active)
      select ${input.url}, ${newWebhookSecret()}, ${input.events}::text[], ${input.description}, ${input.active}
      where (select count(*) from webhooks) < ${max}
      returning *`;
    return row;
  },

  async update(id: number, changes: { url?: string; events?: string[]; description?: string; active?: boolean }): Promise<WebhookRow | undefined> {
    // Turned on again or pointed elsewhere: the old failure streak (and open circuit) says nothing about it now, and
    // kept, it would turn the webhook off again at its first failure.
    const freshStart = changes.active === true || changes.url !== undefined;
    // Turned on or off by an admin: the worker's reason for turning it off no longer applies.
    const adminSetActive = changes.active !== undefined;
    const [row] = await sql<WebhookRow[]>`
      update webhooks set
        url = coalesce(${changes.url ?? null}, url),
        events = coalesce(${changes.events ?? null}::text[], events),
        description = coalesce(${changes.description ?? null}, description),
        active = coalesce(${changes.active ?? null}::boolean, active),
        disabled_reason = case when ${adminSetActive} then null else disabled_reason end,
        disabled_at = case when ${adminSetActive} then null else disabled_at end,
        consecutive_failures = case when ${freshStart} then 0 else consecutive_failures end,
        failing_since = case when ${freshStart} then null else failing_since end,
        circuit_open_until = case when ${freshStart} then null else circuit_open_until end,
        updated_at = now()
      where id = ${id} returning *`;
    return row;
  },

  async rotateSecret(id: number): Promise<WebhookRow | undefined> {
    const [row] = await sql<WebhookRow[]>`update webhooks set secret = ${newWebhookSecret()}, updated_at = now() where id = ${id} returning *`;
    return row;
  },

  /** Deletes the webhook and (cascade) its deliveries; jobs still queued for them find nothing and end. */
  async remove(id: number): Promise<boolean> {
    return (await sql`delete from webhooks where id = ${id} returning id`).length > 0;
  },

  /** Latest first. */
  deliveries(webhookId: number, limit: number): Promise<DeliveryRow[]> {
    return sql<DeliveryRow[]>`
      select id, webhook_id, event, status, attempts, last_status, last_error, created_at, delivered_at
      from webhook_deliveries where webhook_id = ${webhookId} order by id desc limit ${limit}`;
  },

  /** The latest `perWebhook` deliveries of every webhook, for the list. */
  recentDeliveries(perWebhook: number): Promise<DeliveryRow[]> {
    return sql<DeliveryRow[]>`
      select d.id, d.webhook_id, d.event, d.status, d.attempts, d.last_status, d.last_error, d.created_at, d.delivered_at
      from webhooks w
      cross join lateral (select * from webhook_deliveries where webhook_id = w.id order by id desc limit ${perWebhook}) d
      order by d.webhook_id, d.id desc`;
  },

  /** A `ping` delivery to this webhook alone; the caller queues its job. */
  async createPing(webhookId: number): Promise<number> {
    const envelope: WebhookEnvelope = { event: PING_EVENT, occurredAt: new Date().toISOString(), customerId: null, conversationId: null, data: { webhookId } };
    const [row] = await sql<{ id: number }[]>`
      insert into webhook_deliveries (webhook_id, event_key, event, payload)
      values (${webhookId}, ${`ping:${randomUUID()}`}, ${PING_EVENT}, ${sql.json(envelope as never)}::jsonb)
      returning id`;
    return row.id;
  },
});
