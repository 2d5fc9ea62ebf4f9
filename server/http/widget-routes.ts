// The widget's HTTP side: public settings, visitor sessions (with optional
// identity verification) and the transcript download. Live chat is on the socket.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, errorReplies, IdParams } from './schemas.ts';
import { customersRepository, type CustomerRow } from '../repositories/customers.ts';
import { usersRepository } from '../repositories/users.ts';
import { csatAskOf, isKnownTimeZone, nextOpening, withinBusinessHours, WidgetSettingsSchema } from '../services/widget-settings.ts';
import { identityHashMatches, signVisitorToken, verifyResumeToken, verifyVisitorToken } from '../services/visitor-tokens.ts';
import { conversationTranscript } from '../services/transcript.ts';
import { shoppersConversation } from '../services/shopper-conversation.ts';
import { saveWidgetTypedProfile } from '../services/widget-typed-profile.ts';
import { AppError, badRequest, notFound, unauthorized } from '../errors.ts';
import { mergeCustomers, type MergeReason } from '../services/customer-merge.ts';
import { noteIdentitySecret } from '../services/identity-secret.ts';
import { ATTRIBUTE_RULES, checkAttributeChanges, updateCustomerAttributes, type RefusedAttribute } from '../services/customer-attributes.ts';
import { cachedReplyExpectation } from '../services/reply-expectation.ts';
import { widgetSettingsFor } from './widget-origin.ts';
import { localisedInScript } from '../services/chinese-script.ts';
import { TRADITIONAL_TABLES as WIDGET_TRADITIONAL_TABLES } from '../../widget/src/traditional-table.ts';

const PublicSettings = Type.Object({
  traditionalStrings: Type.Optional(Type.Object({
    chars: Type.String({ description: 'Pairs of characters, Simplified then Traditional' }),
    phrases: Type.Array(Type.Tuple([Type.String(), Type.String()])),
  }, { description: "With script: how the widget shows its own Chinese strings in that Traditional (widget/src/traditional-table.ts)" })),
  ...Type.Omit(WidgetSettingsSchema, ['identitySecret', 'allowedOrigins']).properties,
  identityVerification: Type.Boolean(),
  status: Type.Object({
    agentsOnline: Type.Integer(),
    withinBusinessHours: Type.Boolean(),
    /** How long a person has usually taken to reply to a hand-off lately (median, seconds); null with too little to go on. */
    typicalFirstReplySeconds: Type.Union([Type.Integer(), Type.Null()]),
    /** Outside business hours: when the shop next opens (ISO instant, within a week), else null. */
    nextOpenAt: Type.Union([Type.String(), Type.Null()]),
  }),
  /** Largest file the widget may send: it refuses bigger ones before uploading them. */
  maxAttachmentBytes: Type.Integer(),
  /** Longest message the server takes (MAX_MESSAGE_CHARS): the widget's text box allows as much and no more. */
  maxMessageChars: Type.Integer(),
});

const SessionBody = Type.Object(
  {
    siteKey: Type.String({ minLength: 1, maxLength: 64 }),
    visitorToken: Type.Optional(Type.String({ maxLength: 200 })),
    resumeToken: Type.Optional(Type.String({ maxLength: 200, description: 'From a "Continue the chat" link in a follow-up email: resumes that shopper on this device' })),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    hash: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.Optional(Type.String({ maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    locale: Type.Optional(Type.String({ maxLength: 16, pattern: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$' })),
    // Checked by customer-attributes.ts (its errors name the key), hence Unknown here.
    attributes: Type.Optional(Type.Unknown({ description: `Custom attributes of a signed-in shopper (plan, lifetime value…), stored only for a verified identity (userId with the right hash, a secret configured). ${ATTRIBUTE_RULES}` })),
  },
  { additionalProperties: false },
);

export default function widgetRoutes(ctx: AppContext) {
  return async (app: App) => {
    const customers = customersRepository(ctx.sql);
    const users = usersRepository(ctx.sql);
    const replyExpectation = cachedReplyExpectation(ctx.sql);
    // With allowed websites set, browsers on other origins are refused before any of these runs (the widget API's
    // CORS hook in widget-assets-routes.ts runs widget-origin.ts's check for every /api/widget/ route, uploads too).

    app.get('/api/widget/settings', {
      schema: {
        tags: ['widget'],
        summary: "The widget's look, texts and whether anyone can answer now",
        querystring: Type.Object({
          site: Type.String({ minLength: 1, maxLength: 64 }),
          script: Type.Optional(Type.Union([Type.Literal('zh-TW'), Type.Literal('zh-HK')], {
            description: "A shopper reading Traditional Chinese (Taiwan's or Hong Kong's): the shop's Chinese texts come converted",
          })),
        }),
        response: { 200: PublicSettings, 400: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const settings = await widgetSettingsFor(request, ctx.sql);
      if (request.query.site !== settings.siteKey) throw notFound('Site');
      const { identitySecret, allowedOrigins, ...visible } = settings;
      const open = withinBusinessHours(settings);
      const { script } = request.query;
      const texts = script ? await localisedInScript(visible, script) : visible;
      return {
        ...texts,
        // The widget's own strings for that Traditional: the table travels with the settings, not in every bundle.
        ...(script ? { traditionalStrings: WIDGET_TRADITIONAL_TABLES[script] } : {}),
        csatAsk: csatAskOf(settings),
        identityVerification: Boolean(ctx.config.identitySecret || identitySecret),
        status: {
          agentsOnline: await users.countOnlineAgents(),
          withinBusinessHours: open,
          typicalFirstReplySeconds: await replyExpectation(),
          nextOpenAt: open ? null : nextOpening(settings)?.toISOString() ?? null,
        },
        maxAttachmentBytes: ctx.config.maxAttachmentBytes,
        maxMessageChars: ctx.config.maxMessageChars,
      };
    });

    app.post('/api/widget/nudge-events', {
      // A widget reports at most a couple per page view; this bounds what one address can add to the counters.
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['widget'],
        summary: 'Count a proactive message shown, or the chat opened from it (per day and rule, no visitor data)',
        body: Type.Object({
          siteKey: Type.String({ minLength: 1, maxLength: 64 }),
          nudgeId: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }),
          event: Type.Union([Type.Literal('shown'), Type.Literal('opened')]),
        }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorReplies },
      },
    }, async (request, reply) => {
      const { siteKey, nudgeId, event } = request.body;
      const settings = await widgetSettingsFor(request, ctx.sql);
      if (siteKey !== settings.siteKey) throw notFound('Site');
      // Only the shop's current rules count: nobody can fill the report with made-up ids.
      if (!settings.nudges.some((n) => n.id === nudgeId)) throw notFound('Proactive message');
      await ctx.sql`
        insert into nudge_stats (day, nudge_id, shown, opened)
        values (current_date, ${nudgeId}, ${event === 'shown' ? 1 : 0}, ${event === 'opened' ? 1 : 0})
        on conflict (day, nudge_id) do update set shown = nudge_stats.shown + excluded.shown, opened = nudge_stats.opened + excluded.opened`;
      return reply.status(204).send(null);
    });

    app.post('/api/widget/sessions', {
      config: { rateLimit: { max: ctx.config.rateLimitSessionsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['widget'],
        summary: 'Start or resume a shopper session; returns the visitor token for the socket',
        description:
          'Send the stored visitorToken to resume the same customer, or the resumeToken of an email\'s "Continue the chat" link to bring its (anonymous) shopper\'s chat to this device (merged into this browser\'s record; a link works once). For a logged-in shopper send userId and hash = hex HMAC-SHA256(userId, identity secret); ' +
          'when the shop has configured a secret, a userId without the right hash is refused. Without a secret, userId is kept only as an unverified attribute.',
        body: SessionBody,
        response: {
          200: Type.Object({
            visitorToken: Type.String(), customerId: Type.Integer(), identified: Type.Boolean(),
            resumed: Type.Optional(Type.Boolean({ description: 'Only with resumeToken: whether the link brought its chat to this browser (not when expired, already used, or the shopper is identified by the shop). The linked record is merged into this browser\'s own, so the link works once and no one else holding its token keeps it.' })),
            conversationId: Type.Optional(Type.Integer({ description: 'When resumed: the chat the link was about, to show first (conversation:current with this id)' })),
            attributesRefused: Type.Optional(Type.Array(Type.Object({
              key: Type.String(),
              reason: Type.Union([Type.Literal('backend_owned'), Type.Literal('too_many'), Type.Literal('too_large')]),
            }), { description: "Attributes the sign-in did not write: set by the shop's backend (the API, an import, the console), whose value stays; or past the count or size cap. The sign-in itself succeeded." })),
          }),
          ...errorReplies,
        },
      },
    }, async (request) => {
      const body = request.body;
      const settings = await widgetSettingsFor(request, ctx.sql);
      if (body.siteKey !== settings.siteKey) throw notFound('Site');
      const secret = ctx.config.identitySecret || settings.identitySecret;
      const profile = { name: body.name ?? null, email: body.email ?? null, locale: body.locale ?? null };
      // Checked before anything is written: a refused attribute refuses the whole call, so the shop's developer sees it.
      const attributes = body.attributes === undefined ? undefined : checkAttributeChanges(body.attributes);
      // A customer deleted at their request, or a record merged into another, is not resumed: the browser starts over
      // as a new visitor (the browser that signed in and caused a merge was given the kept record's token).
      const resumable = async (customerId: number | null) => {
        const found = customerId ? await customers.findById(customerId) : undefined;
        return found && !found.attributes.deleted && !found.merged_into_id ? found : undefined;
      };
      /** Merges `sourceId` into `targetId`; a merge another tab made a moment ago (two tabs at once) is no error. */
      const mergeInto = (sourceId: number, targetId: number, reason: MergeReason) =>
        mergeCustomers(ctx, { sourceId, targetId, reason, actorId: null }).then(() => true, (error: unknown) => {
          if (error instanceof AppError && error.code === 'customer_merged') return false;
          throw error;
        });
      // A new identity secret withdraws the tokens of every customer the old one signed in (identity.ts).
      if (secret) await noteIdentitySecret(ctx, secret);
      // The stored token counts only with its record's current visitor key (a restore from a backup, a sign-out).
      const claim = verifyVisitorToken(ctx.visitorSecret, body.visitorToken);
      const claimed = claim ? await resumable(claim.customerId) : undefined;
      let current = claimed && (claimed.visitor_key ?? null) === claim!.key ? claimed : undefined;
      // An email's resume link brings that shopper's chat to this device: its record is merged into this browser's
      // own (or a new one), never handed over. So whoever else holds the linked record's token is cut off — the
      // browser the chat began in, or someone who typed this shopper's address into a chat of their own so that the
      // shop would email them the link — and can neither read what is written next nor become this person when they
      // sign in. A link therefore works once. Only for an anonymous shopper: a customer the shop identified comes
      // back by signing in to the shop, and a forwarded email must not show their orders to someone else.
      const linked = await resumable(verifyResumeToken(ctx.visitorSecret, body.resumeToken));
      let resumed = false;
      let linkedChat: number | undefined;
      if (linked && !linked.external_id) {
        // The chat the email was about: the widget shows it, not this browser's own newest chat (nor one imported from
        // another tool onto the record: not a chat the shopper had here, shopper-conversation.ts).
        [{ id: linkedChat } = { id: undefined }] = await ctx.sql<{ id: number }[]>`
          select id from conversations where customer_id = ${linked.id} and imported_from is null
          order by status <> 'resolved' desc, id desc limit 1`;
        if (current?.id === linked.id) resumed = true;
        else {
          const target = current ?? await customers.create({ locale: profile.locale });
          resumed = await mergeInto(linked.id, target.id, 'resume_link');
          current = await resumable(target.id);
        }
      }

      let customer: CustomerRow;
      let identified = false;
      let attributesRefused: RefusedAttribute[] | undefined;
      if (body.userId && secret) {
        if (!body.hash || !identityHashMatches(secret, body.userId, body.hash)) throw unauthorized('Identity verification failed: the hash does not match this user id.');
        identified = true;
        const alreadyKnown = await customers.findByExternalId(body.userId);
        // A shopper the shop signs in for the first time gets a record of their own, and the anonymous one they
        // chatted in is merged into it (the same as for a customer we know: one person, one record, their chat kept
        // on screen). The anonymous record is never upgraded in place: a token handed out for it before the sign-in
        // (kept by another tab, copied on a shared computer) must not become this signed-in customer, orders included.
        const known = alreadyKnown
          ?? await customers.create({ ...profile, externalId: body.userId }).catch(async (error: unknown) => {
            // Two tabs signing in as a new customer at once: the other one created the record a moment ago.
            const raced = (error as { code?: string }).code === '23505' ? await customers.findByExternalId(body.userId!) : undefined;
            if (!raced) throw error;
            return raced;
          });
        if (current && !current.external_id && current.id !== known.id) await mergeInto(current.id, known.id, 'sign_in');
        customer = await customers.updateProfile(known.id, profile);
        // Attributes, like name and email, are taken only from a verified identity: the hash proves the shop signed
        // this user in (the values themselves are as the shop's page sent them). Merged into the stored ones; the keys
        // the shop's backend wrote stay its own, and what passes a cap is left out — the sign-in has merged records by
        // now and must not fail over attributes: what was not written is in the answer (and the log) instead.
        if (attributes) {
          const updated = await updateCustomerAttributes(ctx.sql, customer.id, attributes, 'shopper');
          customer = updated.customer;
          if (updated.changed) ctx.realtime.toAgents('customer:updated', { customerId: customer.id }); // an open panel shows them
          if (updated.refused.length) {
            attributesRefused = updated.refused;
            request.log.info({ customerId: customer.id, attributesRefused }, 'identify(): attributes not written');
          }
        }
      } else {
        if (body.hash && !body.userId) throw badRequest('hash was sent without userId.');
        // A name or email typed in the widget (the pre-chat form) never replaces what the shop said of a customer it
        // identified, only fills in what it left empty: follow-up emails go to that address (widget-typed-profile.ts,
        // as for a left message's address).
        customer = current ? await saveWidgetTypedProfile(ctx.sql, current.id, profile) : await customers.create(profile);
        identified = Boolean(customer.external_id);
        // One statement adding the key (never a read record written back: a deletion meanwhile would be undone).
        if (body.userId) await customers.noteUnverifiedUserId(customer.id, body.userId);
      }
      return {
        visitorToken: signVisitorToken(ctx.visitorSecret, customer.id, customer.visitor_key ?? await customers.visitorKey(customer.id)), customerId: customer.id, identified,
        ...(body.resumeToken ? { resumed } : {}), ...(resumed && linkedChat ? { conversationId: Number(linkedChat) } : {}),
        ...(attributesRefused ? { attributesRefused } : {}),
      };
    });

    app.post('/api/widget/sessions/end', {
      onRequest: app.requireVisitor,
      schema: {
        tags: ['widget'],
        summary: "Withdraw every visitor token of this shopper (the widget's reset(), when the shop signs the shopper out)",
        description: 'Every browser and tab holding a token of this customer starts over as a new visitor; a signed-in customer comes back through identify() with a valid hash.',
        response: { 200: Type.Object({ ended: Type.Boolean() }), 401: ErrorResponse },
      },
    }, async (request) => {
      const customerId = request.visitor!.customerId;
      await customers.withdrawTokens(customerId);
      ctx.realtime.disconnectShopper(customerId);
      return { ended: true };
    });

    app.get('/api/widget/conversations/:id/transcript', {
      onRequest: app.requireVisitor,
      schema: {
        tags: ['widget'],
        summary: "Download the shopper's own conversation as text (times in `tz`, the browser's IANA zone, else UTC)",
        params: IdParams,
        querystring: Type.Object({ tz: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.String(), 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request, reply) => {
      // Their own chat, never another's nor one imported from another tool (shopper-conversation.ts).
      const [owner] = await ctx.sql<{ customer_id: number; imported_from: string | null }[]>`select customer_id, imported_from from conversations where id = ${request.params.id}`;
      shoppersConversation(owner, request.visitor!.customerId);
      const tz = request.query.tz && isKnownTimeZone(request.query.tz) ? request.query.tz : undefined;
      const text = await conversationTranscript(ctx.sql, request.params.id, { audience: 'shopper', timeZone: tz });
      reply.header('content-type', 'text/plain; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="conversation-${request.params.id}.txt"`);
      return text!;
    });
  };
}
