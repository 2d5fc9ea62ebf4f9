// Admins bring the shop's past conversations in from the chat tool it used before, as JSON in a neutral format (dry
// run first; services/conversation-import.ts). Audited.
import { Type, type TSchema } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse } from './schemas.ts';
import { AppError } from '../errors.ts';
import { addJsonFileParser, importLimits } from './customer-import-routes.ts';
import {
  importConversations, MAX_CONVERSATION_IMPORT_BYTES, MAX_IMPORT_BODY, MAX_IMPORT_CONVERSATIONS, MAX_IMPORT_MESSAGES, MAX_IMPORT_MESSAGES_TOTAL,
  tooManyConversations,
} from '../services/conversation-import.ts';
import { labelsChanged } from '../services/conversation-labels.ts';

const MB = Math.round(MAX_CONVERSATION_IMPORT_BYTES / (1024 * 1024));
const tooLarge = () => new AppError(413, 'too_large', `The file is larger than ${MB} MB, the most one import takes: split it into several files (at most ${MAX_IMPORT_CONVERSATIONS} conversations each).`);

/** A shape the OpenAPI page shows, but not one the schema enforces: the service refuses the one conversation instead. */
const orRefusedThere = <T extends TSchema>(shape: T, description?: string) => Type.Union([shape, Type.Unknown()], description ? { description } : {});

// The format, for the OpenAPI page. Each field is checked conversation by conversation in the service: a wrong one
// refuses that conversation with its position and reason, not the file.
const MessageInput = Type.Object({
  author: Type.Optional(Type.Unknown({ description: '"customer", "agent" or "bot"' })),
  authorName: Type.Optional(Type.Unknown({ description: 'The agent\'s (or bot\'s) name there, at most 200 characters: kept with the message, no user is made' })),
  body: Type.Optional(Type.Unknown({ description: `Plain text, 1 to ${MAX_IMPORT_BODY} characters (leave out activity lines and parts with only a file)` })),
  sentAt: Type.Optional(Type.Unknown({ description: 'ISO 8601 time, or Unix seconds' })),
  private: Type.Optional(Type.Unknown({ description: 'true: an agent\'s private note (agents only ever see it)' })),
}, { additionalProperties: true });
const ConversationInput = Type.Object({
  externalId: Type.Optional(Type.Unknown({ description: 'The conversation\'s id in the tool it came from (text or a whole number, at most 200 characters). With the source, it makes a second import of the same conversation a skip' })),
  source: Type.Optional(Type.Unknown({ description: 'The tool, when not the file\'s source: 1-40 lower-case letters, digits, ".", "_", "-"' })),
  customer: Type.Optional(Type.Unknown({ description: 'As a row of the contacts import: {externalId (the shop\'s user id), email, name, locale, attributes}; externalId or email required' })),
  startedAt: Type.Optional(Type.Unknown({ description: 'ISO 8601 time, or Unix seconds' })),
  endedAt: Type.Optional(Type.Unknown({ description: 'When it was closed; the last message\'s time when absent' })),
  channel: Type.Optional(Type.Unknown({ description: 'Where it took place there (web, email, whatsapp …), at most 40 characters: kept in the customer\'s history' })),
  // Documented shapes, checked by the service: anything else (a message that is a string, messages that are not a
  // list) refuses that conversation alone, with its position, instead of the whole file.
  messages: Type.Optional(orRefusedThere(Type.Array(orRefusedThere(MessageInput)), `1 to ${MAX_IMPORT_MESSAGES} messages, stored in the order of their sentAt`)),
  rating: Type.Optional(Type.Unknown({ description: '{score: 1-5, comment?: text up to 2,000 characters, ratedAt?}: kept as the chat\'s rating, left out of the reports' })),
  labels: Type.Optional(Type.Unknown({ description: 'Up to 10 labels, as agents\' labels here (letters and digits, 32 at most; lower-cased)' })),
}, { additionalProperties: true });
const ImportBody = Type.Object({
  source: Type.Optional(Type.Unknown({ description: 'The tool the conversations came from (chatwoot, intercom, tiledesk …), for every conversation that names none' })),
  conversations: Type.Array(orRefusedThere(ConversationInput), { maxItems: MAX_IMPORT_CONVERSATIONS, description: `At most ${MAX_IMPORT_CONVERSATIONS} (413 above)` }),
}, { additionalProperties: false });

const ImportResultSchema = Type.Object({
  dryRun: Type.Boolean(),
  conversations: Type.Integer({ description: 'Conversations in the file' }),
  imported: Type.Integer(),
  skipped: Type.Integer({ description: 'Imported before (same source and externalId): left as they are; listed in skippedRows' }),
  rejected: Type.Integer({ description: 'Not imported: each is listed in rejectedRows' }),
  messages: Type.Integer({ description: 'Messages stored with the imported conversations' }),
  ratings: Type.Integer(),
  labelled: Type.Integer({ description: 'Imported conversations that came with labels' }),
  customers: Type.Object({
    created: Type.Integer({ description: 'New customer records (one per person, however many of their conversations the file has)' }),
    updated: Type.Integer({ description: 'Conversations whose customer record was completed (an empty name, email, locale or shop user id filled)' }),
    unchanged: Type.Integer({ description: 'Conversations whose customer record already had everything' }),
  }),
  rejectedRows: Type.Array(Type.Object({
    line: Type.Integer({ description: 'The conversation\'s position in conversations, from 1' }),
    externalId: Type.Union([Type.String(), Type.Null()]),
    code: Type.Union([Type.Literal('invalid'), Type.Literal('conflict'), Type.Literal('changed_meanwhile')]),
    reason: Type.String(),
    customerIds: Type.Optional(Type.Array(Type.Integer(), { description: 'The customer records a conflict is between' })),
  })),
  skippedRows: Type.Array(Type.Object({ line: Type.Integer(), externalId: Type.String(), conversationId: Type.Integer({ description: 'The conversation here' }) })),
});

export default function conversationImportRoutes(ctx: AppContext) {
  return async (app: App) => {
    addJsonFileParser(app, MAX_CONVERSATION_IMPORT_BYTES);

    app.post('/api/admin/conversations/import', {
      preHandler: app.requireAdmin,
      // Text NUL cannot be stored in refuses its conversation, with its position (readConversation), not the file (text-guard.ts).
      config: { textCheckedPerRow: 'conversations' },
      ...importLimits({ maxBytes: MAX_CONVERSATION_IMPORT_BYTES, tooLarge, listKey: 'conversations', maxItems: MAX_IMPORT_CONVERSATIONS, tooMany: tooManyConversations }),
      schema: {
        tags: ['admin'],
        summary: 'Import past conversations from another chat tool (Chatwoot, Intercom …): stored as resolved chats of their customers (audited)',
        description: `application/json {source, conversations: [{externalId, source?, customer: {externalId?, email?, name?, locale?}, startedAt, endedAt?, channel?, `
          + `messages: [{author: customer|agent|bot, authorName?, body, sentAt, private?}], rating?: {score, comment?}, labels?}]}. At most `
          + `${MAX_IMPORT_CONVERSATIONS} conversations, ${MAX_IMPORT_MESSAGES_TOTAL} messages and ${MB} MB per request (413). Each conversation's customer is `
          + 'matched as the contacts import matches a row (shop user id, else email, else a new record; a conflict refuses the conversation). '
          + 'Conversations are stored resolved, with their own times, read, and marked imported: no bot answer, no routing, no webhooks, no '
          + 'emails; the reports leave them out; the inbox search finds them. A conversation imported before (same source and externalId) '
          + 'is skipped, so sending the same file again imports nothing twice. A bad conversation (a text in it holding the NUL character or a '
          + 'lone surrogate, which cannot be stored, included) is refused with its position and reason; '
          + 'the others are imported, in one transaction. ?dryRun=true answers the same and writes nothing.',
        querystring: Type.Object({
          dryRun: Type.Optional(Type.Boolean({ description: 'true: write nothing, answer with what the import would do' })),
          fileName: Type.Optional(Type.String({ maxLength: 200, description: 'The file the conversations came from, for the audit log' })),
        }),
        body: ImportBody,
        response: {
          200: ImportResultSchema,
          400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse,
        },
      },
    }, async (request) => {
      const query = request.query as { dryRun?: boolean; fileName?: string };
      const body = request.body as { source?: unknown; conversations: unknown[] };
      const result = await importConversations(ctx.sql, {
        source: body.source, conversations: body.conversations, dryRun: query.dryRun ?? false, actorId: request.user!.id, fileName: query.fileName,
      });
      // Stored (committed) with their labels: every server's label suggestions and inbox filter list them at once.
      if (!result.dryRun && result.labelled > 0) await labelsChanged(ctx);
      return result;
    });
  };
}
