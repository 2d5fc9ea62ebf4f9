// Webhooks: which interaction events reach the shop's other systems, under
// which name and with which fields, and how a delivery job looks. Shared by the
// workers that create deliveries (interactions, feedback), the worker that
// sends them (workers/webhook-delivery.ts) and the admin API (event list, ping).
import type { JobsOptions, Queue } from 'bullmq';
import type { InteractionEvent, InteractionType } from './interaction-events.ts';
import { identityHash } from './services/visitor-tokens.ts';

export const QUEUE_WEBHOOKS = 'webhooks';

/** Event names as sent (the `event` field and the x-shopdesk-event header). */
export const WEBHOOK_EVENTS = [
  'conversation.started',
  'message.created',
  'conversation.handed_off',
  'conversation.assigned',
  'conversation.transferred',
  'conversation.resolved',
  'conversation.reopened',
  'rating.submitted',
  'offline_message.created',
  'customer.merged',
  'customer.deleted',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** Sent only by POST /api/admin/webhooks/:id/test, to the one webhook, whatever it subscribes to. */
export const PING_EVENT = 'ping';

/** The body sent, less its `id` (the delivery id, known once the row exists). */
export interface WebhookEnvelope {
  event: WebhookEvent | typeof PING_EVENT;
  occurredAt: string;
  customerId: number | null;
  /**
   * The shop's own user id for the customer (what its pages pass to identify()), null for an anonymous visitor:
   * added when the delivery is sent, so a receiver can match the event to its own user without our ids.
   */
  customerExternalId?: string | null;
  conversationId: number | null;
  data: Record<string, unknown>;
}

interface Mapping {
  event: WebhookEvent;
  /** Payload fields that may leave; anything else in the interaction payload stays inside. */
  fields: readonly string[];
  /** Fixed fields added to data (message.created merges three interaction types: say whose message it is). */
  extra?: Record<string, unknown>;
  /** Some interaction events of a mapped type are not sent (a `rating` is also article helpfulness). */
  when?: (payload: Record<string, unknown>) => boolean;
}

/**
 * An allowlist on purpose: a field added to an interaction payload later (say, the bot's scores) stays inside
 * until it is listed here. Types not listed — agents' private notes (`note.agent`), the bot's decisions — are
 * never sent.
 */
const MAPPINGS: Partial<Record<InteractionType, Mapping>> = {
  'conversation.started': { event: 'conversation.started', fields: ['channel'] },
  'message.customer': { event: 'message.created', fields: ['messageId', 'text'], extra: { author: 'customer' } },
  'message.bot': { event: 'message.created', fields: ['messageId', 'text'], extra: { author: 'bot' } },
  'message.agent': { event: 'message.created', fields: ['messageId', 'agentId', 'text'], extra: { author: 'agent' } },
  handoff: { event: 'conversation.handed_off', fields: ['reason'] },
  assigned: { event: 'conversation.assigned', fields: ['agentId', 'agentName', 'how', 'waitSeconds'] },
  // `how`: transferred (to an agent), taken_over, requeued (back to the queue: agentId null) or team (to a team's queue).
  transferred: { event: 'conversation.transferred', fields: ['agentId', 'agentName', 'fromAgentId', 'how', 'teamId', 'teamName'] },
  resolved: { event: 'conversation.resolved', fields: ['by', 'agentId'] },
  reopened: { event: 'conversation.reopened', fields: ['agentId'] },
  rating: { event: 'rating.submitted', fields: ['rating', 'comment'], when: (p) => p.kind === 'csat' },
  'offline.message': { event: 'offline_message.created', fields: ['offlineMessageId', 'email', 'text'] },
  // customerId is the record kept; mergedId the one merged into it (no longer used).
  'customer.merged': { event: 'customer.merged', fields: ['mergedId', 'reason'] },
};

/** What a webhook would receive for this interaction event, or null when it is not sent to webhooks at all. */
export function webhookEnvelope(event: Pick<InteractionEvent, 'type' | 'customerId' | 'conversationId' | 'occurredAt' | 'payload'>): WebhookEnvelope | null {
  const mapping = MAPPINGS[event.type];
  if (!mapping || (mapping.when && !mapping.when(event.payload))) return null;
  const data: Record<string, unknown> = { ...mapping.extra };
  for (const field of mapping.fields) if (event.payload[field] !== undefined) data[field] = event.payload[field];
  return { event: mapping.event, occurredAt: event.occurredAt, customerId: event.customerId, conversationId: event.conversationId, data };
}

/** The JSON body of a delivery: its id first, then the stored envelope. */
export function webhookBody(deliveryId: number, envelope: WebhookEnvelope): string {
  return JSON.stringify({ id: deliveryId, ...envelope });
}

/**
 * `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. The timestamp is signed with the body so a receiver
 * can refuse old replays. (identityHash is the project's hex HMAC-SHA256.)
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${identityHash(secret, `${timestamp}.${body}`)}`;
}

/** A BullMQ job per delivery. */
export interface WebhookDeliveryJob {
  deliveryId: number;
}

/** Attempts per delivery; the delay between them is the worker's (WORKER_WEBHOOK_BACKOFF_MS, doubling). */
export const WEBHOOK_ATTEMPTS = 8;
/** A custom backoff type: the webhooks worker computes the delay, so tests and installs can tune it there. */
export const WEBHOOK_BACKOFF_TYPE = 'webhook';

/** The job id follows from the delivery id, so the worker, the sweeper and a test ping never queue one twice. */
export function webhookJobId(deliveryId: number): string {
  return `wh-${deliveryId}`;
}

function webhookJob(deliveryId: number): { name: string; data: WebhookDeliveryJob; opts: JobsOptions } {
  return {
    name: 'deliver',
    data: { deliveryId },
    opts: { jobId: webhookJobId(deliveryId), attempts: WEBHOOK_ATTEMPTS, backoff: { type: WEBHOOK_BACKOFF_TYPE } },
  };
}

/** Queues one job per delivery; ids already queued (or kept as completed / failed) are ignored by BullMQ. */
export async function enqueueWebhookDeliveries(queue: Queue, deliveryIds: readonly number[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await queue.addBulk(deliveryIds.map(webhookJob));
}
