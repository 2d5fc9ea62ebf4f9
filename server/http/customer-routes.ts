// Agents' view of a customer: profile, tags and attributes, conversations,
// the history timeline the interactions worker writes, and feedback.
import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, IdParams, Nullable } from './schemas.ts';
import { ConversationSchema, CustomerSchema } from './chat-schemas.ts';
import { customersRepository, type CustomerRow } from '../repositories/customers.ts';
import { conversationsRepository, toSummary } from '../repositories/conversations.ts';
import { AppError, badRequest, conflict, notFound, worded } from '../errors.ts';
import { mergeCustomers } from '../services/customer-merge.ts';
import { blockCustomer, blockState, unblockCustomer } from '../services/customer-blocking.ts';
import { changeCustomerTags, MAX_CUSTOMER_TAGS } from '../services/customer-tags.ts';
import { ATTRIBUTE_RULES, MAX_RELEASED_KEYS, SYSTEM_ATTRIBUTES, checkAttributeChanges, checkReleasedKeys, updateCustomerAttributes, withNfcKeys } from '../services/customer-attributes.ts';

export function toCustomer(row: CustomerRow) {
  return {
    id: row.id,
    externalId: row.external_id,
    name: row.name,
    email: row.email,
    locale: row.locale,
    attributes: row.attributes,
    tags: row.tags,
    conversationsCount: row.conversations_count,
    messagesCount: row.messages_count,
    firstSeenAt: row.first_seen_at.toISOString(),
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    blocked: blockState(row),
    emailFollowupsOffAt: row.email_followups_off_at?.toISOString() ?? null,
  };
}

const Tag = Type.String({ minLength: 1, maxLength: 40, pattern: '^[^,\\n]+$' });
const AttributeValue = Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean(), Type.Null()]);

export default function customerRoutes(ctx: AppContext) {
  return async (app: App) => {
    const customers = customersRepository(ctx.sql);
    const conversations = conversationsRepository(ctx.sql);
    const load = async (id: number) => {
      const row = await customers.findById(id);
      if (!row) throw notFound('Customer');
      // The empty row a merge left behind: say where the person is now rather than show an empty profile.
      if (row.merged_into_id) throw new AppError(404, 'customer_merged', `Customer #${id} was merged into customer #${row.merged_into_id}.`);
      return row;
    };

    app.get('/api/customers', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'Search customers by name, email or external id (without q: the most recently seen)',
        querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }),
        response: { 200: Type.Object({ items: Type.Array(CustomerSchema) }), 400: ErrorResponse, 401: ErrorResponse },
      },
    }, async (request) => ({ items: (await customers.search(request.query.q?.trim() || undefined, request.query.limit ?? 20)).map(toCustomer) }));

    app.get('/api/customers/:id', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'A customer with their recent conversations',
        params: IdParams,
        response: { 200: Type.Object({ customer: CustomerSchema, conversations: Type.Array(ConversationSchema) }), 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      const row = await load(request.params.id);
      return { customer: toCustomer(row), conversations: (await conversations.listForCustomer(row.id, 50)).map(toSummary) };
    });

    app.patch('/api/customers/:id', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "Replace a customer's tags and/or attributes",
        params: IdParams,
        body: Type.Object({
          tags: Type.Optional(Type.Array(Tag, { maxItems: MAX_CUSTOMER_TAGS, uniqueItems: true })),
          attributes: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 60 }), AttributeValue, { maxProperties: 100 })),
        }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Object({ customer: CustomerSchema }), 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    }, async (request) => {
      // `deleted` marks a record erased at the customer's request (an admin's audited act): an agent's edit must neither
      // set it (a deletion nobody audited) nor drop it (bringing the erased shopper's old browser token back to life).
      if (request.body.attributes && Object.hasOwn(request.body.attributes, 'deleted')) {
        throw worded(badRequest('The attribute "deleted" is kept by the system: delete a customer from Team & settings → Privacy (admins).'), 'attribute_reserved');
      }
      // Checked and written in one statement (a deletion committing between a read and the write would be undone);
      // the system's keys stay as stored whatever the body holds (a panel that shows none sends none).
      const attributes = request.body.attributes && withNfcKeys(request.body.attributes); // one spelling per name, as the other writers store
      const row = await customers.updateTagsAndAttributes(request.params.id, request.body.tags?.map((t) => t.trim()), attributes, [...SYSTEM_ATTRIBUTES]);
      if (!row) {
        const current = await load(request.params.id); // 404, or 404 customer_merged
        throw conflict(`Customer #${current.id} was deleted at their request; the record cannot be edited.`, 'customer_deleted');
      }
      ctx.realtime.toAgents('customer:updated', { customerId: request.params.id }); // a teammate's open panel shows it too
      return { customer: toCustomer(row) };
    });

    // Changes, not a new set (customer-tags.ts): what the console's tag chips send.
    app.patch('/api/customers/:id/tags', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: "Add and remove some of a customer's tags (the others stay); every console is told",
        description: 'Changes, not a new list: two agents tagging the same customer at once both keep their tag. Tags are trimmed and '
          + `compare without regard to case (adding "VIP" beside "vip" changes nothing; removing "vip" removes "VIP"). At most ${MAX_CUSTOMER_TAGS} `
          + 'tags per customer. 409 for a customer deleted at their request.',
        params: IdParams,
        body: Type.Object({
          add: Type.Optional(Type.Array(Tag, { maxItems: MAX_CUSTOMER_TAGS, description: 'Tags to add, e.g. ["vip"]' })),
          remove: Type.Optional(Type.Array(Tag, { maxItems: MAX_CUSTOMER_TAGS, description: 'Tags to remove (applied before `add`)' })),
        }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Object({ customer: CustomerSchema }), 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    }, async (request) => {
      const trimmed = (field: 'add' | 'remove') => (request.body[field] ?? []).map((tag, i) => {
        const value = tag.trim();
        if (!value) throw badRequest(`${field}[${i}]: a tag needs a character other than spaces.`);
        return value;
      });
      const { customer, changed } = await changeCustomerTags(ctx.sql, request.params.id, trimmed('add'), trimmed('remove'));
      if (changed) ctx.realtime.toAgents('customer:updated', { customerId: customer.id }); // a teammate's open panel shows it too
      return { customer: toCustomer(customer) };
    });

    app.patch('/api/customers/:id/attributes', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: "Set or remove some of a customer's custom attributes (the others stay)",
        description: "For the shop's backend (an API token) or an agent: what the shop knows of the person (plan, lifetime "
          + 'value, wholesale…), shown beside their chats. The same rules as identify() in the widget. '
          + `${ATTRIBUTE_RULES} Every key set or removed here becomes the backend's (a null too: identify() cannot bring the `
          + 'key back); `release` hands keys back to identify() — their values stay until the page changes them. To remove a '
          + 'key and let the page set it again, send it as null and in `release`. '
          + '409 for a customer deleted at their request.',
        params: IdParams,
        // Checked by customer-attributes.ts (its errors name the key), hence Unknown here.
        body: Type.Object({
          attributes: Type.Optional(Type.Unknown({ description: 'e.g. {"plan": "VIP", "lifetimeValue": 1200, "wholesale": true, "trial": null}' })),
          release: Type.Optional(Type.Unknown({
            description: `Attribute names (at most ${MAX_RELEASED_KEYS}) the shop's backend gives back to identify(), whichever backend `
              + 'writer (this API, a contacts import, the console) wrote them; applied after `attributes`. A name nobody owns is no error. '
              + 'e.g. ["plan"]',
          })),
        }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Object({ customer: CustomerSchema }), 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    }, async (request) => {
      // A null or a release may name a key an older, looser writer stored (the panel's × removes whatever it shows).
      const changes = request.body.attributes === undefined ? {} : checkAttributeChanges(request.body.attributes, { removeHeldKeys: true });
      const released = checkReleasedKeys(request.body.release);
      await load(request.params.id);
      const { customer, changed } = await updateCustomerAttributes(ctx.sql, request.params.id, changes, request.apiToken ? 'api' : 'console', released);
      if (changed) ctx.realtime.toAgents('customer:updated', { customerId: customer.id });
      return { customer: toCustomer(customer) };
    });

    app.post('/api/customers/:id/block', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'Block a shopper (spam, abuse): their open chats close and their widget can no longer connect (audited)',
        params: IdParams,
        body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ customer: CustomerSchema }), 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      await load(request.params.id);
      const row = await blockCustomer(ctx, request.user!, request.params.id, request.body.reason?.trim() || null);
      return { customer: toCustomer(row) };
    });

    app.delete('/api/customers/:id/block', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'Unblock a shopper (audited)',
        params: IdParams,
        response: { 200: Type.Object({ customer: CustomerSchema }), 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => ({ customer: toCustomer(await unblockCustomer(ctx, request.user!.id, request.params.id)) }));

    app.post('/api/customers/:id/conversations', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: 'Write to a customer first: a new conversation held by you, with your message',
        description: "The shopper's open widget tabs show it at once; one who does not read it is emailed it later like "
          + 'any reply, when they left an address. 409 `open_conversation` while they have an open one (answer there), '
          + '409 `blocked` for a blocked shopper. `clientId` makes a retry safe (one message per id).',
        params: IdParams,
        body: Type.Object({
          text: Type.String({ minLength: 1, maxLength: ctx.config.maxMessageChars }),
          clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        }, { additionalProperties: false }),
        response: {
          201: Type.Object({ conversationId: Type.Integer(), messageId: Type.Integer() }),
          400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse,
        },
      },
    }, async (request, reply) => {
      const sent = await ctx.chat.startConversation(request.user!, request.params.id, {
        text: request.body.text, clientId: request.body.clientId ?? `start-${randomUUID()}`,
      });
      return reply.status(201).send({ conversationId: sent.conversationId, messageId: sent.id });
    });

    app.get('/api/customers/:id/duplicates', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'Other customer records that may be the same person (the same email), to merge',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(CustomerSchema) }), 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => ({ items: (await customers.sameEmail(await load(request.params.id), 10)).map(toCustomer) }));

    app.post('/api/customers/:id/merge', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'],
        summary: 'Merge this customer into another record of the same person (audited, cannot be undone)',
        description: 'Conversations, history, ratings, left messages, files and orders move to `intoId`, which keeps its '
          + 'profile and takes only what it lacks (name, email, shop user id); tags are joined, and a block on either '
          + 'holds. 409 when either record was deleted or merged already, or when both are signed-in shop accounts.',
        params: IdParams,
        body: Type.Object({ intoId: IdParams.properties.id }, { additionalProperties: false }),
        response: {
          200: Type.Object({ customer: CustomerSchema, mergedId: Type.Integer(), conversations: Type.Integer({ description: 'Conversations moved' }) }),
          400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse,
        },
      },
    }, async (request) => {
      const merged = await mergeCustomers(ctx, { sourceId: request.params.id, targetId: request.body.intoId, reason: 'agent', actorId: request.user!.id });
      return { customer: toCustomer(merged.kept), mergedId: merged.mergedId, conversations: merged.conversations };
    });

    app.get('/api/customers/:id/timeline', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'The customer-history timeline, newest first',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })), beforeId: Type.Optional(IdParams.properties.id) }),
        response: {
          200: Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), type: Type.String(), conversationId: Nullable(Type.Integer()), payload: Type.Record(Type.String(), Type.Unknown()), occurredAt: Type.String() })) }),
          401: ErrorResponse, 404: ErrorResponse,
        },
      },
    }, async (request) => {
      await load(request.params.id);
      const rows = await customers.timeline(request.params.id, request.query.limit ?? 100, request.query.beforeId);
      return { items: rows.map((r) => ({ id: r.id, type: r.type, conversationId: r.conversation_id, payload: r.payload, occurredAt: r.occurred_at.toISOString() })) };
    });

    app.get('/api/customers/:id/feedback', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "The customer's CSAT ratings and their votes on the bot's answers (kind article, or answer for an intent's own answer)",
        params: IdParams,
        response: {
          200: Type.Object({ items: Type.Array(Type.Object({
            id: Type.Integer(), kind: Type.String(), conversationId: Nullable(Type.Integer()), articleId: Nullable(Type.Integer()), intent: Nullable(Type.String()),
            rating: Nullable(Type.Integer()), helpful: Nullable(Type.Boolean()), comment: Nullable(Type.String()), createdAt: Type.String(),
          })) }),
          401: ErrorResponse, 404: ErrorResponse,
        },
      },
    }, async (request) => {
      await load(request.params.id);
      const rows = await customers.feedback(request.params.id, 200);
      return { items: rows.map((r) => ({ id: r.id, kind: r.kind, conversationId: r.conversation_id, articleId: r.article_id, intent: r.intent, rating: r.rating, helpful: r.helpful, comment: r.comment, createdAt: r.created_at.toISOString() })) };
    });
  };
}
