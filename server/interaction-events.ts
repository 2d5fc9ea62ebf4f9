// The events the server hands to the workers. Shared by producer (server) and
// consumers (workers) so both agree on names and shapes.

export const QUEUE_INTERACTIONS = 'interactions';
export const QUEUE_FEEDBACK = 'feedback';

/** Every kind of history event; the workers' job check (workers/job-schemas.ts) accepts exactly these. */
export const INTERACTION_TYPES = [
  'conversation.started', 'message.customer', 'message.bot', 'message.agent', 'note.agent', 'bot.decision',
  'handoff', 'assigned', 'transferred', 'resolved', 'reopened', 'snoozed', 'unsnoozed', 'rating', 'offline.message',
  // Another record of the same person was merged into this one (services/customer-merge.ts).
  'customer.merged',
] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

export interface InteractionEvent {
  /** Unique per real-world event: a re-delivered job never writes a second row. */
  idempotencyKey: string;
  type: InteractionType;
  customerId: number | null;
  conversationId: number | null;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/** One BullMQ job of the interactions queue carries one or more events. */
export interface InteractionJob {
  events: InteractionEvent[];
}

export type FeedbackJob =
  | { kind: 'csat'; idempotencyKey: string; customerId: number; conversationId: number; rating: number; comment: string | null; occurredAt: string }
  | { kind: 'article'; idempotencyKey: string; customerId: number; conversationId: number | null; messageId: number; articleId: number; helpful: boolean; occurredAt: string }
  /** "Was this helpful?" under an intent's own answer, which links no article. */
  | { kind: 'answer'; idempotencyKey: string; customerId: number; conversationId: number | null; messageId: number; intent: string; helpful: boolean; occurredAt: string };
