// The unsubscribe link of follow-up emails. GET only shows a page with a
// button (mail scanners open links, and must not unsubscribe anyone); POST —
// that button, or a mail client's RFC 8058 one-click request with the body
// "List-Unsubscribe=One-Click", URL-encoded or multipart — records the opt-out on the customer and their address.
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { escapeHtml, zhJoin } from '../services/email-followup-content.ts';
import { traditionalConverter, traditionalVariant } from '../services/chinese-script.ts';
import { convertedDictionary } from '../../knowledge-base/text/longest-match.ts';
import { optOutOfFollowups, unsubscribeLocale, verifyUnsubscribeToken } from '../services/email-unsubscribe.ts';
import { loadWidgetSettings, shopIdentity } from '../services/widget-settings.ts';
import { langOf } from '../../knowledge-base/text/language.ts';

const TokenQuery = Type.Object({ token: Type.String({ maxLength: 100 }) });
/** The most a form or one-click body may be: it carries only "List-Unsubscribe=One-Click" (or the page's empty form). */
const FORM_BYTES = 1024;

/** The page's words: in the language of the emails the shopper got (their record's), else of their browser. */
const WORDS = {
  en: {
    htmlLang: 'en',
    invalidTitle: 'Link not valid',
    invalid: '<p>This unsubscribe link is not valid. Use the link from the latest email you received.</p>',
    askTitle: (shop: string) => `Stop emails from ${shop}?`,
    ask: (shop: string) => `You will no longer get emails when ${shop} replies to you in the chat, nor requests to rate a chat. Replies stay in the chat.`,
    button: 'Unsubscribe',
    doneTitle: 'You are unsubscribed',
    done: (shop: string) => `${shop} will not email you about chat replies or ratings any more.`,
  },
  zh: {
    htmlLang: 'zh-CN',
    invalidTitle: '链接无效',
    invalid: '<p>此退订链接无效。请使用您最近收到的邮件中的链接。</p>',
    // zhJoin: a Latin shop name is set off by spaces (不再接收 Shopdesk 的邮件？), a Chinese one is not.
    askTitle: (shop: string) => zhJoin('不再接收', shop, '的邮件？'),
    ask: (shop: string) => zhJoin(shop, '在聊天中回复您时，将不再给您发邮件，也不再请您为聊天评分。回复仍会保留在聊天中。'),
    button: '退订',
    doneTitle: '已退订',
    done: (shop: string) => zhJoin(shop, '不会再就聊天回复或评分给您发邮件。'),
  },
};

type UnsubscribeWords = typeof WORDS.en;

/** The words for a reader with this locale; a Taiwan or Hong Kong reader's in their Traditional (as csatWords does). */
async function unsubscribeWords(locale: string | null | undefined): Promise<UnsubscribeWords> {
  const lang = langOf(locale);
  const variant = lang === 'zh' ? traditionalVariant(locale) : null;
  if (!variant) return WORDS[lang];
  // The shop's name is an argument, so it stays as the shop wrote it.
  return { ...convertedDictionary(WORDS.zh, await traditionalConverter(variant)), htmlLang: variant };
}

function page(reply: FastifyReply, w: UnsubscribeWords, status: number, title: string, body: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(`<!doctype html><html lang="${w.htmlLang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5"><h1 style="font-size:1.3rem">${escapeHtml(title)}</h1>${body}</body></html>`);
}

export default function emailRoutes(ctx: AppContext) {
  /** The name the emails carry: set in the console, else SHOP_NAME. */
  const shopNameNow = async () => shopIdentity(await loadWidgetSettings(ctx.sql), ctx.config).shopName;
  /** The words in the follow-up emails' language (the customer's locale, as email-followup-content chooses it), else the browser's. */
  const emailWords = async (customerId: number | null, acceptLanguage: string | undefined): Promise<UnsubscribeWords> => {
    const locale = customerId ? await unsubscribeLocale(ctx.sql, customerId) : null;
    return unsubscribeWords(locale ?? acceptLanguage?.split(',')[0]);
  };
  return async (app: App) => {
    // The form and one-click requests are URL-encoded; nothing in them is needed (the token is in the address).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BYTES }, (_request, body, done) => done(null, { form: String(body) }));
    // RFC 8058 lets a mail client send the one-click body as multipart/form-data too. It is read (up to the same small
    // cap, a larger one is refused with 413) and dropped unparsed: its one field says nothing the address does not.
    app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: FORM_BYTES }, (_request, _body, done) => done(null, {}));

    app.get('/api/email/unsubscribe', {
      schema: {
        tags: ['email'],
        summary: 'Unsubscribe page of follow-up emails: asks to confirm (changes nothing)',
        querystring: TokenQuery,
        produces: ['text/html'],
        response: { 200: Type.String(), 400: Type.String() },
      },
    }, async (request, reply) => {
      const customerId = verifyUnsubscribeToken(ctx.visitorSecret, request.query.token);
      const w = await emailWords(customerId, request.headers['accept-language']);
      if (!customerId) return page(reply, w, 400, w.invalidTitle, w.invalid);
      const action = `/api/email/unsubscribe?token=${encodeURIComponent(request.query.token)}`;
      const shopName = await shopNameNow();
      return page(reply, w, 200, w.askTitle(shopName),
        `<p>${escapeHtml(w.ask(shopName))}</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">${w.button}</button></form>`);
    });

    app.post('/api/email/unsubscribe', {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['email'],
        summary: 'Stop follow-up emails for the customer of the token (the page\'s button, or RFC 8058 one-click)',
        querystring: TokenQuery,
        produces: ['text/html'],
        response: { 200: Type.String(), 400: Type.String() },
      },
    }, async (request, reply) => {
      const customerId = verifyUnsubscribeToken(ctx.visitorSecret, request.query.token);
      const w = await emailWords(customerId, request.headers['accept-language']);
      if (!customerId || !(await optOutOfFollowups(ctx.sql, customerId))) return page(reply, w, 400, w.invalidTitle, w.invalid);
      return page(reply, w, 200, w.doneTitle, `<p>${escapeHtml(w.done(await shopNameNow()))}</p>`);
    });
  };
}
