// The history events of a stored chat message, built in one place: the live path (chat-service.ts) queues them as the
// message goes out, and the owed-events sweep (owed-events.ts) queues them again, from the stored rows alone, for a
// message whose event never reached the workers (Redis away at the time, the server killed in between). Both must
// build the same event under the same idempotency key, so the worker writes it once whoever queued it first.
import type { InteractionEvent, InteractionType } from '../interaction-events.ts';
import type { MessageRow } from '../repositories/conversations.ts';

export function interactionEvent(type: InteractionType, key: string, customerId: number | null, conversationId: number | null, payload: Record<string, unknown>, at: Date = new Date()): InteractionEvent {
  return { idempotencyKey: key, type, customerId, conversationId, occurredAt: at.toISOString(), payload };
}

// The owed-events sweep looks these keys up in SQL (prefix || id): the prefixes are said once, here.
export const MESSAGE_EVENT_KEY_PREFIX = 'msg:';
export const CONVERSATION_STARTED_KEY_PREFIX = 'conv:';
export const BOT_DECISION_KEY_PREFIX = 'decision:';

/** One key per stored message, whoever wrote it (shopper, agent, bot): the interactions worker stores it once. */
export const messageEventKey = (messageId: number): string => `${MESSAGE_EVENT_KEY_PREFIX}${messageId}`;

/** The key of a chat's start (its first event, in the batch of the message that started it). */
export const conversationStartedKey = (conversationId: number): string => `${CONVERSATION_STARTED_KEY_PREFIX}${conversationId}`;

/** A bot turn's decision is keyed by the question it answered: one decision per question, reply or not. */
export const botDecisionKey = (questionId: number): string => `${BOT_DECISION_KEY_PREFIX}${questionId}`;

export const shopperMessageEvent = (message: MessageRow, customerId: number): InteractionEvent =>
  interactionEvent('message.customer', messageEventKey(message.id), customerId, message.conversation_id, { messageId: message.id, text: message.body }, message.created_at);

/** A shopper's chat began with their message (widget or email); the conversation's own time and channel. */
export const conversationStartedEvent = (conversation: { id: number; created_at: Date }, customerId: number, channel: string): InteractionEvent =>
  interactionEvent('conversation.started', conversationStartedKey(conversation.id), customerId, conversation.id, { channel }, conversation.created_at);

/** An agent's reply, or their private note (which counts in no message figure and reaches no webhook). */
export const agentMessageEvent = (message: MessageRow, customerId: number): InteractionEvent =>
  interactionEvent(message.private ? 'note.agent' : 'message.agent', messageEventKey(message.id), customerId, message.conversation_id, { messageId: message.id, agentId: message.author_id, text: message.body }, message.created_at);

export const botReplyEvent = (reply: MessageRow, customerId: number): InteractionEvent =>
  interactionEvent('message.bot', messageEventKey(reply.id), customerId, reply.conversation_id, { messageId: reply.id, text: reply.body }, reply.created_at);

/**
 * What the bot decided about a shopper's question (the reports' bot figures, the unanswered questions). `decision` is
 * the reply's metadata as stored with the reply, the turn's action (answer, clarify, handoff) included, so the sweep
 * rebuilds the same payload from the stored reply; a turn that stored no reply passes the same fields.
 */
export const botDecisionEvent = (question: Pick<MessageRow, 'id' | 'body'>, customerId: number, conversationId: number, decision: Record<string, unknown>, at?: Date): InteractionEvent =>
  interactionEvent('bot.decision', botDecisionKey(question.id), customerId, conversationId, { inReplyTo: question.id, question: question.body, ...decision }, at);
