// The unsubscribe link of follow-up emails. GET only shows a page with a
// button (mail scanners open links, and must not unsubscribe anyone); POST —
// that button, or a mail client's RFC 8058 one-click request with the body
// "List-Unsubscribe=One-Click" — records the opt-out on the customer.
import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { escapeHtml } from '../services/email-followup-content.ts';
import { optOutOfFollowups, verifyUnsubscribeToken } from '../services/email-unsubscribe.ts';
import { loadWidgetSettings, shopIdentity } from '../services/widget-settings.ts';

const TokenQuery = Type.Object({ token: Type.String({ maxLength: 100 }) });

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5"><h1 style="font-size:1.3rem">${escapeHtml(title)}</h1>${body}</body></html>`);
}

const INVALID = '<p>This unsubscribe link is not valid. Use the link from the latest email you received.</p>';

export default function emailRoutes(ctx: AppContext) {
  /** The name the emails carry: set in the console, else SHOP_NAME. */
  const shopNameNow = async () => shopIdentity(await loadWidgetSettings(ctx.sql), ctx.config).shopName;
  return async (app: App) => {
    // The form and one-click requests are URL-encoded; nothing in them is needed (the token is in the address).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, body, done) => done(null, { form: String(body) }));

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
      if (!customerId) return page(reply, 400, 'Link not valid', INVALID);
      const action = `/api/email/unsubscribe?token=${encodeURIComponent(request.query.token)}`;
      const shopName = await shopNameNow();
      return page(reply, 200, `Stop emails from ${shopName}?`,
        `<p>You will no longer get emails when ${escapeHtml(shopName)} replies to you in the chat. Replies stay in the chat.</p>
<form method="post" action="${escapeHtml(action)}"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">Unsubscribe</button></form>`);
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
      if (!customerId || !(await optOutOfFollowups(ctx.sql, customerId))) return page(reply, 400, 'Link not valid', INVALID);
      return page(reply, 200, 'You are unsubscribed', `<p>${escapeHtml(await shopNameNow())} will not email you about chat replies any more.</p>`);
    });
  };
}
