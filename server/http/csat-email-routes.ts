// The page the rating links of "How did we do?" emails open (workers/csat-email.ts). GET only shows it — mail
// scanners and link previews open every link, and must not rate anyone's chat — with the link's score chosen and a
// box for a comment; POST (its button) stores the rating through the chat service's own `csat`, as the widget's
// rating does: the workers store it (a newer rating replaces an older), the customer's history and the reports count
// it, and `rating.submitted` webhooks hear of it. A forged link answers 400, an expired one 410; a shopper blocked
// since the email was sent 403 (the link outlives the block, which must stop their ratings as it stops their chats);
// a chat reopened since, or a shop that stopped asking, 409.
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { deletedCustomer } from '../repositories/customers.ts';
import { checkCsatToken } from '../services/csat-email-link.ts';
import { csatWords, type CsatWords } from '../services/csat-email-content.ts';
import { escapeHtml } from '../services/email-followup-content.ts';
import { csatAskOf, loadWidgetSettings, shopIdentity } from '../services/widget-settings.ts';

/** The widget's cap on a rating's comment (payload-schemas.ts `csat`). */
const MAX_COMMENT_CHARS = 2000;

const RateQuery = Type.Object({
  token: Type.String({ maxLength: 120 }),
  // Lenient on purpose: a damaged score in a link still opens the page, with nothing chosen.
  score: Type.Optional(Type.String({ maxLength: 8 })),
});

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const PAGE_STYLE = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1f2328}
h1{font-size:1.3rem}.scale{display:flex;gap:.4rem;flex-wrap:wrap;border:0;padding:0;margin:1rem 0}
.scale label{display:flex;flex-direction:column;align-items:center;min-width:4.5rem;padding:.5rem;border:1px solid #8c959f;border-radius:8px;cursor:pointer;font-size:.85rem}
.scale input{margin:0 0 .25rem}.scale label:has(input:checked){border:2px solid #1f2328}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit;padding:.5rem}
button{font-size:1rem;padding:.5rem 1rem;margin-top:.75rem}.error{color:#b42318}`;

function page(reply: FastifyReply, w: CsatWords, status: number, title: string, body: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex')
    .send(`<!doctype html><html lang="${w.htmlLang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
}

const paragraph = (text: string) => `<p>${escapeHtml(text)}</p>`;

/** A score from a link or the form: 1 to 5, else none. */
function scoreOf(value: unknown): number | null {
  return typeof value === 'string' && /^[1-5]$/.test(value.trim()) ? Number(value.trim()) : null;
}

interface RatedChat {
  conversationId: number;
  customerId: number;
  locale: string | null;
  status: string;
  gone: boolean;
  blocked: boolean;
  rating: number | null;
}

export default function csatEmailRoutes(ctx: AppContext) {
  const shopNameNow = async () => shopIdentity(await loadWidgetSettings(ctx.sql), ctx.config).shopName;

  async function chatOf(conversationId: number): Promise<RatedChat | null> {
    const [row] = await ctx.sql<{ customer_id: number; locale: string | null; status: string; gone: boolean; blocked: boolean; rating: number | null }[]>`
      select c.customer_id, cu.locale, c.status, c.anonymised_at is not null or ${deletedCustomer(ctx.sql, 'cu')} as gone,
             cu.blocked_at is not null as blocked,
             (select f.rating from feedback f where f.idempotency_key = 'csat:' || c.id::text) as rating
      from conversations c join customers cu on cu.id = c.customer_id where c.id = ${conversationId}`;
    return row ? { conversationId, customerId: Number(row.customer_id), locale: row.locale, status: row.status, gone: row.gone, blocked: row.blocked, rating: row.rating } : null;
  }

  /**
   * The link's chat when it can be rated now, else why not (a status and what the page says). The words are the
   * shopper's (their record's locale), else, for a link that names no chat, their browser's.
   */
  async function rateableChat(token: string, acceptLanguage: string | undefined): Promise<{ w: CsatWords; chat?: RatedChat; refused?: { status: number; title: string; text: string } }> {
    const checked = checkCsatToken(ctx.visitorSecret, token);
    const chat = checked.status === 'invalid' ? null : await chatOf(checked.conversationId);
    const w = await csatWords(chat?.locale ?? acceptLanguage?.split(',')[0]?.split(';')[0]);
    const refused = (status: number, title: string, text: string) => ({ w, refused: { status, title, text } });
    if (checked.status === 'invalid') return refused(400, w.invalidTitle, w.invalid);
    if (checked.status === 'expired') return refused(410, w.expiredTitle, w.expired);
    if (!chat || chat.gone) return refused(410, w.goneTitle, w.gone);
    // Blocked after the email went: no rating from them reaches the reports (the page does not say why, as the
    // widget's refusal does not).
    if (chat.blocked) return refused(403, w.blockedTitle, w.blocked);
    if (chat.status !== 'resolved') return refused(409, w.reopenedTitle, w.reopened);
    if (csatAskOf(await loadWidgetSettings(ctx.sql)) === 'never') return refused(409, w.notAskedTitle, w.notAsked);
    return { w, chat };
  }

  /** The form: the five scores (one chosen), the comment box, the button; what the shopper gave before, if anything. */
  async function ratingForm(reply: FastifyReply, token: string, w: CsatWords, chat: RatedChat, form: { score: number | null; comment?: string; error?: string }, status = 200) {
    const action = `/api/email/rate?token=${encodeURIComponent(token)}`;
    const scores = [1, 2, 3, 4, 5].map((n) => `<label><input type="radio" name="score" value="${n}" required${form.score === n ? ' checked' : ''} aria-label="${escapeHtml(w.ratingMeaning(n, w.csatMeaning[n - 1]))}"><strong>${n}</strong><span>${escapeHtml(w.csatMeaning[n - 1])}</span></label>`).join('');
    return page(reply, w, status, w.pageTitle(await shopNameNow()), `
${chat.rating ? paragraph(w.alreadyRated(chat.rating)) : paragraph(w.csatTitle)}
${form.error ? `<p class="error" role="alert">${escapeHtml(form.error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<fieldset class="scale"><legend>${escapeHtml(w.yourRating)}</legend>${scores}</fieldset>
<label for="comment">${escapeHtml(w.csatComment)}</label>
<textarea id="comment" name="comment" maxlength="${MAX_COMMENT_CHARS}">${escapeHtml(form.comment ?? '')}</textarea>
<button type="submit">${escapeHtml(w.csatSubmit)}</button>
</form>`);
  }

  return async (app: App) => {
    // The form is URL-encoded: its score and comment (the token is in the address). A comment of 2000 Chinese
    // characters is 18 000 bytes encoded.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 32 * 1024 }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))));

    app.get('/api/email/rate', {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['email'],
        summary: 'Rating page of a "How did we do?" email: the link\'s score chosen, a comment box (stores nothing)',
        querystring: RateQuery,
        produces: ['text/html'],
        response: { 200: Type.String(), 400: Type.String(), 403: Type.String(), 409: Type.String(), 410: Type.String() },
      },
    }, async (request, reply) => {
      const { w, chat, refused } = await rateableChat(request.query.token, request.headers['accept-language']);
      if (!chat) return page(reply, w, refused!.status, refused!.title, paragraph(refused!.text));
      return ratingForm(reply, request.query.token, w, chat, { score: scoreOf(request.query.score) ?? chat.rating });
    });

    app.post('/api/email/rate', {
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['email'],
        summary: 'Rate the chat of a "How did we do?" email (the page\'s form: score 1-5, optional comment)',
        querystring: Type.Object({ token: Type.String({ maxLength: 120 }) }),
        produces: ['text/html'],
        response: { 200: Type.String(), 400: Type.String(), 403: Type.String(), 409: Type.String(), 410: Type.String() },
      },
    }, async (request, reply) => {
      const { w, chat, refused } = await rateableChat(request.query.token, request.headers['accept-language']);
      if (!chat) return page(reply, w, refused!.status, refused!.title, paragraph(refused!.text));
      const body = (request.body ?? {}) as Record<string, unknown>;
      const score = scoreOf(body.score);
      const comment = typeof body.comment === 'string' ? body.comment.trim() : '';
      if (!score) return ratingForm(reply, request.query.token, w, chat, { score: null, comment, error: w.csatChooseRating }, 400);
      if (comment.length > MAX_COMMENT_CHARS) return ratingForm(reply, request.query.token, w, chat, { score, comment: comment.slice(0, MAX_COMMENT_CHARS), error: w.commentTooLong }, 400);
      try {
        await ctx.chat.csat(chat.customerId, chat.conversationId, score, comment || null);
      } catch (error) {
        // Reopened, or the shop's setting changed, between the checks above and now.
        if (error instanceof AppError && error.statusCode === 409) return page(reply, w, 409, w.reopenedTitle, paragraph(w.reopened));
        throw error;
      }
      return page(reply, w, 200, w.csatThanks, paragraph(w.thanksRated(score)));
    });
  };
}
