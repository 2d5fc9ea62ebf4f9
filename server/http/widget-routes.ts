// The widget's HTTP side: public settings, visitor sessions (with optional
// identity verification) and the transcript download. Live chat is on the socket.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, errorReplies, IdParams } from './schemas.ts';
import { customersRepository, type CustomerRow } from '../repositories/customers.ts';
import { usersRepository } from '../repositories/users.ts';
import { loadWidgetSettings, nextOpening, withinBusinessHours, WidgetSettingsSchema } from '../services/widget-settings.ts';
import { identityHashMatches, signVisitorToken, verifyResumeToken, verifyVisitorToken } from '../services/visitor-tokens.ts';
import { conversationTranscript } from '../services/transcript.ts';
import { AppError, badRequest, notFound, unauthorized } from '../errors.ts';
import { mergeCustomers } from '../services/customer-merge.ts';
import { cachedReplyExpectation } from '../services/reply-expectation.ts';

const PublicSettings = Type.Object({
  ...Type.Omit(WidgetSettingsSchema, ['identitySecret']).properties,
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
  },
  { additionalProperties: false },
);

export default function widgetRoutes(ctx: AppContext) {
  return async (app: App) => {
    const customers = customersRepository(ctx.sql);
    const users = usersRepository(ctx.sql);
    const replyExpectation = cachedReplyExpectation(ctx.sql);

    app.get('/api/widget/settings', {
      schema: {
        tags: ['widget'],
        summary: "The widget's look, texts and whether anyone can answer now",
        querystring: Type.Object({ site: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: PublicSettings, 400: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const settings = await loadWidgetSettings(ctx.sql);
      if (request.query.site !== settings.siteKey) throw notFound('Site');
      const { identitySecret, ...visible } = settings;
      const open = withinBusinessHours(settings);
      return {
        ...visible,
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
      const settings = await loadWidgetSettings(ctx.sql);
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
          'Send the stored visitorToken to resume the same customer, or the resumeToken of an email\'s "Continue the chat" link to resume its (anonymous) shopper on this device. For a logged-in shopper send userId and hash = hex HMAC-SHA256(userId, identity secret); ' +
          'when the shop has configured a secret, a userId without the right hash is refused. Without a secret, userId is kept only as an unverified attribute.',
        body: SessionBody,
        response: {
          200: Type.Object({
            visitorToken: Type.String(), customerId: Type.Integer(), identified: Type.Boolean(),
            resumed: Type.Optional(Type.Boolean({ description: 'Only with resumeToken: whether the link resumed its shopper (not when expired, or the shopper is identified by the shop)' })),
          }),
          ...errorReplies,
        },
      },
    }, async (request) => {
      const body = request.body;
      const settings = await loadWidgetSettings(ctx.sql);
      if (body.siteKey !== settings.siteKey) throw notFound('Site');
      const secret = ctx.config.identitySecret || settings.identitySecret;
      const profile = { name: body.name ?? null, email: body.email ?? null, locale: body.locale ?? null };
      // A customer deleted at their request, or a record merged into another, is not resumed: the browser starts over
      // as a new visitor (the browser that signed in and caused a merge was given the kept record's token).
      const resumable = async (customerId: number | null) => {
        const found = customerId ? await customers.findById(customerId) : undefined;
        return found && !found.attributes.deleted && !found.merged_into_id ? found : undefined;
      };
      // An email's resume link opens that shopper's chat on this device, in place of whoever this browser was. Only
      // for an anonymous shopper: a customer the shop identified comes back by signing in to the shop, and a
      // forwarded email must not show their orders to someone else.
      const linked = await resumable(verifyResumeToken(ctx.visitorSecret, body.resumeToken));
      const resumed = Boolean(linked && !linked.external_id);
      const current = resumed ? linked : await resumable(verifyVisitorToken(ctx.visitorSecret, body.visitorToken));

      let customer: CustomerRow;
      let identified = false;
      if (body.userId && secret) {
        if (!body.hash || !identityHashMatches(secret, body.userId, body.hash)) throw unauthorized('Identity verification failed: the hash does not match this user id.');
        identified = true;
        const known = await customers.findByExternalId(body.userId);
        // A visitor who chatted anonymously and now signs in as a customer we know: one person, one record. Their
        // chat so far moves to the known record, so it stays on screen and the agent sees who they are.
        if (known && current && !current.external_id && current.id !== known.id) {
          await mergeCustomers(ctx, { sourceId: current.id, targetId: known.id, reason: 'sign_in', actorId: null }).catch((error: unknown) => {
            // Two tabs signing in at once: the other one merged it a moment ago.
            if (!(error instanceof AppError && error.code === 'customer_merged')) throw error;
          });
        }
        if (known) customer = await customers.updateProfile(known.id, profile);
        // An anonymous visitor who logs in keeps their conversation; a token of another identified user does not carry over.
        else if (current && !current.external_id) customer = await customers.updateProfile(current.id, { ...profile, externalId: body.userId });
        else customer = await customers.create({ ...profile, externalId: body.userId });
      } else {
        if (body.hash && !body.userId) throw badRequest('hash was sent without userId.');
        customer = current ? await customers.updateProfile(current.id, profile) : await customers.create(profile);
        identified = Boolean(customer.external_id);
        if (body.userId) await customers.updateTagsAndAttributes(customer.id, undefined, { ...customer.attributes, unverifiedUserId: body.userId });
      }
      return { visitorToken: signVisitorToken(ctx.visitorSecret, customer.id), customerId: customer.id, identified, ...(body.resumeToken ? { resumed } : {}) };
    });

    app.get('/api/widget/conversations/:id/transcript', {
      onRequest: app.requireVisitor,
      schema: {
        tags: ['widget'],
        summary: "Download the shopper's own conversation as text",
        params: IdParams,
        response: { 200: Type.String(), 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request, reply) => {
      const [owner] = await ctx.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${request.params.id}`;
      if (!owner || owner.customer_id !== request.visitor!.customerId) throw notFound('Conversation');
      const text = await conversationTranscript(ctx.sql, request.params.id, { audience: 'shopper' });
      reply.header('content-type', 'text/plain; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="conversation-${request.params.id}.txt"`);
      return text!;
    });
  };
}
