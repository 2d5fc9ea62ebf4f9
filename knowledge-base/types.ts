// Shapes shared by the policy, the pipeline and the server side of the brain.
// The classifier is described structurally so the policy works with any
// implementation of "classify(text) → prediction" (sync or async).
import type { OrderNumberFormat } from './order-numbers.ts';

export type Locale = 'en' | 'zh';

/** Decision reasons (policy.ts) where the bot said it did not know: a fallback, or the second miss handing off. */
export const NOT_KNOWN_REASONS: readonly string[] = ['no_match', 'repeated_miss'];
/** …and where it had to ask which was meant: the questions the learning loop collects and the reports list. */
export const UNANSWERED_REASONS: readonly string[] = [...NOT_KNOWN_REASONS, 'ambiguous'];

export interface IntentPrediction {
  /** Best in-scope intent, or null when nothing fits. */
  intent: string | null;
  confidence: number;
  outOfScope: boolean;
  alternatives: { intent: string; confidence: number }[];
}

export interface IntentClassifierLike {
  classify(text: string): IntentPrediction | Promise<IntentPrediction>;
}

/** An intent as the policy needs it: what to say or do when it is recognised. */
export interface IntentConfig {
  name: string;
  /** Canned answer per language; empty strings mean "no canned answer". */
  answer: Partial<Record<Locale, string>>;
  /** e.g. "order_status" or "handoff"; null = answer only. */
  action: string | null;
  articleSlug: string | null;
  /** Whether the typed answer ends with "Was this helpful?": a greeting's does not. */
  askHelpful: boolean;
  /** Short labels for clarify quick replies (the first example of each language by default). */
  label: Partial<Record<Locale, string>>;
}

/** A customer as the order-status action sees them. */
export interface ShopperIdentity {
  id: number | null;
  /** The shop's own user id, set only by verified identification. */
  externalId: string | null;
}

export interface OrderRecord {
  number: string;
  customerExternalId: string;
  status: string;
  carrier: string | null;
  trackingNumber: string | null;
  totalCents: number;
  currency: string;
  placedAt: Date;
  etaFrom: Date | null;
  etaTo: Date | null;
  deliveredAt: Date | null;
  items: { name: string; quantity: number }[];
}

export interface OrderLookup {
  /** How this shop's order numbers look (default: the demo's NW-123456). */
  numberFormat?: OrderNumberFormat;
  /** The order with this number key (see orderNumberKey). */
  byKey(key: string): Promise<OrderRecord | null>;
  /** The shopper's one order whose number key ends with these digits (none when two do). */
  ownEndingWith(externalId: string, digits: string): Promise<OrderRecord | null>;
  recentFor(externalId: string, limit: number): Promise<OrderRecord[]>;
}
