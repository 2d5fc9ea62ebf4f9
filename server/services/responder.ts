// The bot seat of a conversation. The chat loop asks the responder what to do
// with each shopper message while a conversation is with the bot; the
// knowledge-base brain is one implementation, the greeter below the fallback.
import type { BotMetadata, QuickReply, ShopperPage } from '../realtime/event-maps.ts';
import { langOf } from '../../knowledge-base/text/language.ts';

export interface ResponderContext {
  conversationId: number;
  customer: { id: number; externalId: string | null; name: string | null; email: string | null; locale: string | null };
  /** The shopper's message (text) and the quick reply it came from, if any. */
  text: string;
  quickReply: string | null;
  /** The shop page the message was sent from, if the widget said. */
  page?: ShopperPage | null;
  /** Earlier messages of this conversation, oldest first (bot metadata included). */
  history: { author: 'customer' | 'bot' | 'agent' | 'system'; text: string; metadata: Record<string, unknown> }[];
  /** Preferred language of replies, from the widget ('en' | 'zh' …). */
  locale: string;
}

export interface ResponderDecision {
  action: 'answer' | 'clarify' | 'handoff';
  /** What the bot says to the shopper (may be empty for a silent hand-off). */
  reply: string;
  quickReplies?: QuickReply[];
  metadata: BotMetadata;
  /**
   * The reply is the shop's own answer to the intent (typed by an admin), not the bot's stock sentence: a hand-off that
   * finds nobody to connect keeps it and adds why.
   */
  typedAnswer?: boolean;
}

export interface Responder {
  readonly name: string;
  respond(context: ResponderContext): Promise<ResponderDecision>;
}

const PERSON_REQUEST = /\b(human|person|agent|someone|representative|operator|real people)\b|人工|真人|客服|转人工/i;

/** Minimal responder used when no brain is configured: greets and offers a person. */
export class GreeterResponder implements Responder {
  readonly name = 'greeter';

  async respond(context: ResponderContext): Promise<ResponderDecision> {
    const zh = langOf(context.locale) === 'zh';
    if (context.quickReply === 'handoff' || PERSON_REQUEST.test(context.text)) {
      return {
        action: 'handoff',
        reply: zh ? '好的，正在为您转接人工客服。' : "Sure — I'm connecting you with a person.",
        metadata: { decision: 'handoff', intent: 'human_request', confidence: 1, articles: [], encoder: 'none' },
      };
    }
    const quickReplies = [{ label: zh ? '转人工' : 'Talk to a person', value: 'handoff' }];
    return {
      action: 'clarify',
      reply: zh ? '您好！我是自动助手。需要人工客服吗？' : "Hi! I'm the shop's assistant. Would you like to talk to a person?",
      quickReplies,
      metadata: { decision: 'greet', intent: null, confidence: null, articles: [], encoder: 'none', quickReplies },
    };
  }
}
