// Shapes of the server's replies as the console uses them. The realtime ones come
// from the shared event maps; the HTTP ones mirror the routes' response schemas.
export type {
  ChatMessage, ConversationSummary, BotMetadata, ArticleRef, AttachmentRef, FileMetadata, Presence, Ack, ShopperPage, ShopperActivity, NoteMetadata,
  AgentClientToServer, AgentServerToClient,
} from '../../server/realtime/event-maps.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';

export interface User {
  id: number;
  email: string;
  /** The full name colleagues see. */
  name: string;
  /** The name shown to customers; null = the full name. */
  displayName: string | null;
  role: 'agent' | 'admin';
  capacity: number;
  presence: 'online' | 'away' | 'offline';
  active: boolean;
}

/** A message a shopper left while nobody was available. */
export interface OfflineMessage {
  id: number;
  customerId: number | null;
  conversationId: number | null;
  name: string | null;
  email: string;
  text: string;
  createdAt: string;
  handledAt: string | null;
  handledBy: number | null;
  handledByName: string | null;
  /** Answered by an agent's reply (or the resolve) in its chat rather than with "Mark answered". */
  handledInChat: boolean;
}

export interface InboxItem {
  conversation: ConversationSummary;
  customer: { id: number; name: string | null; email: string | null };
  lastMessage: { text: string; authorType: string; createdAt: string } | null;
  unread: number;
  /**
   * Since when the shopper has waited for the team: the hand-off while nobody replied since, else their oldest message
   * after the latest agent reply; null when the agent spoke last (absent from an older server).
   */
  waitingSince?: string | null;
  /** Agents' labels, lower-case. */
  labels: string[];
}

export interface Customer {
  id: number;
  externalId: string | null;
  name: string | null;
  email: string | null;
  locale: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  conversationsCount: number;
  messagesCount: number;
  firstSeenAt: string;
  lastSeenAt: string | null;
  blocked: { blockedAt: string; blockedBy: number | null; reason: string | null } | null;
  /** The shopper unsubscribed from follow-up emails (absent from an older server). */
  emailFollowupsOffAt?: string | null;
}

/** A note the team wrote about a customer (the person, not one chat): GET /api/customers/:id/notes. */
export type { CustomerNote } from '../../server/services/customer-notes.ts';
/** What the conversations import answers (a dry run the same): POST /api/admin/conversations/import. */
export type { ConversationImportResult } from '../../server/services/conversation-import.ts';

export interface TimelineItem { id: number; type: string; conversationId: number | null; payload: Record<string, unknown>; occurredAt: string }
export interface FeedbackItem { id: number; kind: string; conversationId: number | null; articleId: number | null; rating: number | null; helpful: boolean | null; comment: string | null; createdAt: string }
export interface Order { id: number; number: string; status: string; totalCents: number; currency: string; placedAt: string; carrier: string | null; trackingNumber: string | null; items: { name: string; quantity: number }[] }
export interface Segment { segment: 'new' | 'loyal' | 'at_risk' | 'regular'; rule: { en: string; zh: string }; facts: Record<string, number | null> }
/** `personal`: the signed-in agent's own saved reply (only they see it), else the team's shared one. */
export interface CannedResponse { id: number; shortcut: string; title: string; body: string; locale: string; personal: boolean; updatedAt: string }
/** A macro's steps (server/services/macros.ts), run in order. */
export type MacroAction =
  | { type: 'reply' | 'note'; text: string }
  | { type: 'addLabels' | 'removeLabels'; labels: string[] }
  | { type: 'setPriority'; priority: boolean }
  | { type: 'snooze'; minutes?: number; preset?: 'oneHour' | 'tomorrow' | 'nextWeek' }
  | { type: 'transferToTeam'; teamId: number }
  | { type: 'resolve' };
export interface Macro { id: number; name: string; personal: boolean; actions: MacroAction[]; updatedAt: string }
export interface MacroRun { macroId: number; completed: boolean; actions: { type: MacroAction['type']; status: 'done' | 'refused' | 'skipped'; code?: string; message?: string; params?: Record<string, string> }[] }
export interface AgentInfo { id: number; name: string; role: string; presence: string; capacity: number; openChats: number }
export interface KbArticleLink { id: number; slug: string; title: string; locale: string; category: string; url: string }
