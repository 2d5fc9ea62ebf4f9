// Response schemas mirroring the shared event-map types (ConversationSummary, ChatMessage).
import { Type } from 'typebox';
import { Nullable } from './schemas.ts';

/** Where a conversation started (migration 055; repositories/conversations.ts CONVERSATION_CHANNELS). */
export const ConversationChannelSchema = Type.Union([Type.Literal('widget'), Type.Literal('email'), Type.Literal('agent'), Type.Literal('import')], {
  description: "Where the chat started: widget (the shopper wrote in the widget), email (the shopper's email reply to a resolved chat), agent (an agent wrote first), import (brought in from another tool)",
});

export const ConversationSchema = Type.Object({
  id: Type.Integer(),
  customerId: Type.Integer(),
  status: Type.Union([Type.Literal('bot'), Type.Literal('queued'), Type.Literal('assigned'), Type.Literal('resolved')]),
  assignee: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
  handedOff: Type.Boolean(),
  queuedAt: Nullable(Type.String()),
  assignedAt: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String()),
  lastMessageAt: Nullable(Type.String()),
  createdAt: Type.String(),
  customerLastSeenId: Type.Integer(),
  agentLastSeenId: Type.Integer(),
  snoozedUntil: Type.Optional(Nullable(Type.String({ description: 'While set, the holder snoozed the chat until this time (agents only)' }))),
  team: Type.Optional(Nullable(Type.Object({ id: Type.Integer(), name: Type.String() }, { description: 'The team the chat was handed off to for its topic (agents only)' }))),
  firstResponseAt: Type.Optional(Nullable(Type.String({ description: 'When a person first replied (agents only)' }))),
  importedFrom: Type.Optional(Nullable(Type.String({ description: 'The tool an imported conversation came from, e.g. chatwoot (agents only)' }))),
  priority: Type.Optional(Type.Boolean({ description: 'A teammate marked the chat priority (agents only)' })),
  channel: Type.Optional(ConversationChannelSchema),
  anonymised: Type.Optional(Type.Boolean({ description: 'Anonymised by retention or the customer’s deletion: it cannot be reopened (agents only)' })),
  version: Type.Integer({ description: 'Counts up on every change of the chat: of two updates of the same chat, the higher version is current' }),
});

export const MessageSchema = Type.Object({
  id: Type.Integer(),
  conversationId: Type.Integer(),
  clientId: Nullable(Type.String()),
  author: Type.Object({
    type: Type.Union([Type.Literal('customer'), Type.Literal('bot'), Type.Literal('agent'), Type.Literal('system')]),
    id: Nullable(Type.Integer()),
    name: Nullable(Type.String()),
  }),
  text: Type.String(),
  private: Type.Boolean(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
});

export const CustomerSchema = Type.Object({
  id: Type.Integer(),
  externalId: Nullable(Type.String()),
  name: Nullable(Type.String()),
  email: Nullable(Type.String()),
  locale: Nullable(Type.String()),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  tags: Type.Array(Type.String()),
  conversationsCount: Type.Integer(),
  messagesCount: Type.Integer(),
  firstSeenAt: Type.String(),
  lastSeenAt: Nullable(Type.String()),
  /** Set while the shop has blocked this shopper: when, by which agent, why. */
  blocked: Nullable(Type.Object({ blockedAt: Type.String(), blockedBy: Nullable(Type.Integer()), reason: Nullable(Type.String()) })),
  /** When the shopper unsubscribed from follow-up emails: replies they miss are no longer emailed to them. */
  emailFollowupsOffAt: Nullable(Type.String()),
});
