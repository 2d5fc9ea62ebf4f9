// Agent assist for the console: for the shopper's last question, the best KB
// passages and a suggested reply the agent can insert with one click.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Id, Nullable } from './schemas.ts';
import { notFound } from '../errors.ts';
import { PassageSchema } from '../../knowledge-base/admin-schemas.ts';
import { brainOf } from '../../knowledge-base/registry.ts';
import { articleUrl, DEFAULT_THRESHOLDS } from '../../knowledge-base/policy.ts';
import { asksForPerson, withoutPersonRequest } from '../../knowledge-base/signals.ts';
import { detectLanguage } from '../../knowledge-base/text/tokenize.ts';
import { normalizeText } from '../../knowledge-base/text/normalize.ts';
import { snippet } from '../../knowledge-base/markdown.ts';
import { langOf } from '../../knowledge-base/text/language.ts';

const SuggestResponse = Type.Object({
  conversationId: Type.Integer(),
  message: Nullable(Type.Object({ id: Type.Integer(), text: Type.String(), createdAt: Type.String() }, { description: "The shopper's last message" })),
  language: Type.String(),
  intent: Nullable(Type.Object({ name: Type.String(), confidence: Type.Number(), outOfScope: Type.Boolean() })),
  passages: Type.Array(PassageSchema),
  suggestedReply: Nullable(Type.String()),
  source: Type.String({ description: 'Where the suggestion comes from: intent, kb_passage, product, order_status or none' }),
});

/** At least two words of three letters or more, or two Chinese characters: something to search for. */
/** Order-status outcomes whose reply only makes sense from the bot (policy.ts evidence.orderOutcome). */
const SHOPPER_ONLY_ORDER_OUTCOMES = new Set(['verify', 'not_found']);
const saysSomething = (text: string) => (text.match(/[a-z]{3,}/gi)?.length ?? 0) >= 2 || (text.match(/\p{Script=Han}/gu)?.length ?? 0) >= 2;

export default function assistRoutes(ctx: AppContext) {
  return async (app: App) => {
    app.post('/api/assist/suggest', {
      preHandler: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "KB passages and a suggested reply for the shopper's last message",
        body: Type.Object({ conversationId: Id }, { additionalProperties: false }),
        response: { 200: SuggestResponse, 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse },
      },
    }, async (request) => {
      const host = brainOf(ctx);
      const { conversationId } = request.body;
      const [conversation] = await ctx.sql<{ id: number; external_id: string | null; customer_id: number; locale: string | null }[]>`
        select c.id, c.customer_id, cu.external_id, cu.locale from conversations c join customers cu on cu.id = c.customer_id where c.id = ${conversationId}`;
      if (!conversation) throw notFound('Conversation');
      // The shopper's last question, not "can I talk to a person" (the reason the agent is here) or a quick reply
      // that asked for one: searching those finds articles about "personal data".
      const recent = await ctx.sql<{ id: number; body: string; created_at: Date; metadata: { quickReply?: string } }[]>`
        select id, body, created_at, metadata from messages where conversation_id = ${conversationId} and author_type = 'customer'
        order by id desc limit 20`;
      // Read as the bot reads it (traditional characters and Cantonese as simplified, full-width as ASCII: "我想退貨，點樣做？"),
      // so the person-request patterns below match; the message is shown to the agent as the shopper wrote it.
      const message = recent.find((m) => m.metadata.quickReply !== 'handoff' && !asksForPerson(normalizeText(m.body))) ?? recent[0];
      const language = message ? detectLanguage(message.body) : langOf(conversation.locale);
      if (!message) return { conversationId, message: null, language, intent: null, passages: [], suggestedReply: null, source: 'none' };

      // Only a request for a person was written: what it is about, if it says ("… a person about my refund"); a bare
      // "talk to a human please" has nothing to search for (it used to find the article about personal data).
      const body = normalizeText(message.body);
      const question = asksForPerson(body) ? withoutPersonRequest(body) : body;
      const said = { conversationId, message: { id: message.id, text: message.body, createdAt: message.created_at.toISOString() }, language };
      if (!saysSomething(question)) return { ...said, intent: null, passages: [], suggestedReply: null, source: 'none' };
      const passages = await host.search(question, 3, language);
      // The bot's own decision, run side-effect free and without hand-off rules' verdict mattering: agents want content.
      const decision = await host.responder().decide(
        { locale: language, customer: { id: conversation.customer_id, externalId: conversation.external_id } },
        question,
      );
      let suggestedReply: string | null = null;
      let source = 'none';
      // The bot's "sign in and ask me again" or "that is not one of your orders" is for the shopper, not something an
      // agent (who can look the order up) would send: alone it is no suggestion (an article is, if one fits), and after
      // an answer it is left out, as is the offer of a person to an annoyed shopper.
      const shopperOnlyReply = decision.evidence.reason === 'order_status' && SHOPPER_ONLY_ORDER_OUTCOMES.has(decision.evidence.orderOutcome ?? '');
      if (decision.action === 'answer' && !shopperOnlyReply) {
        suggestedReply = (decision.evidence.forShopperOnly ?? []).reduce((reply, note) => reply.replace(`\n\n${note}`, ''), decision.reply);
        const reason = decision.evidence.reason;
        source = reason === 'order_status' || reason === 'kb_passage' || reason === 'product' ? reason : 'intent';
      } else if (passages[0] && passages[0].confidence >= DEFAULT_THRESHOLDS.passageOption) {
        const p = passages[0];
        suggestedReply = `${snippet(p.text, 500)}\n\n${language === 'zh' ? '详情请见：' : 'More details: '}${articleUrl(ctx.config.publicUrl, p.slug, p.locale)}`;
        source = 'kb_passage';
      }
      const prediction = decision.evidence.prediction;
      return {
        ...said,
        intent: prediction?.intent ? { name: prediction.intent, confidence: prediction.confidence, outOfScope: prediction.outOfScope } : null,
        passages: passages.map((p) => ({ ...p, url: articleUrl(ctx.config.publicUrl, p.slug, p.locale) })),
        suggestedReply,
        source,
      };
    });
  };
}
