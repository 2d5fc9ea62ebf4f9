// Files in a chat: a shopper (visitor token) or an agent (session) uploads one
// file as the raw request body, and it is sent at once as a message carrying it
// (the caption, or the file name, is the message text: transcripts, history and
// the bot's context stay text; `fileOnly` tells chat views the text is only the
// file's name, so they show the file alone). The file is served back under a URL with a
// random key; only images and PDFs whose bytes say so are accepted.
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Id, IdParams } from './schemas.ts';
import { attachmentsRepository, type AttachmentRef } from '../repositories/attachments.ts';
import { ATTACHMENT_TYPES, checkedChatFile, MAX_IMAGE_MEGAPIXELS, shownInline } from '../services/attachment-files.ts';
import { conversationsRepository } from '../repositories/conversations.ts';
import { AppError, badRequest, notFound, worded } from '../errors.ts';
import type { SendResult } from '../services/chat-service.ts';
import { ClientId } from '../realtime/payload-schemas.ts';
import { isBlocked } from '../services/customer-blocking.ts';
import { sendCarryingFiles } from '../services/chat-files.ts';

const UploadQuery = {
  clientId: ClientId,
  name: Type.Optional(Type.String({ maxLength: 255 })),
  caption: Type.Optional(Type.String({ maxLength: 2000 })),
};
const AttachmentSchema = Type.Object({ id: Type.Integer(), name: Type.String(), contentType: Type.String(), size: Type.Integer(), url: Type.String() });
const UploadReply = Type.Object({
  id: Type.Integer(), conversationId: Type.Integer(), createdAt: Type.String(), duplicate: Type.Boolean(), attachment: AttachmentSchema,
});
const uploadResponses = { 200: UploadReply, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 429: ErrorResponse };

export default function attachmentRoutes(ctx: AppContext) {
  return async (app: App) => {
    const attachments = attachmentsRepository(ctx.sql);
    const conversations = conversationsRepository(ctx.sql);
    // The raw body is the file. Only these routes take these types (the parser is scoped to this plugin).
    app.addContentTypeParser([...ATTACHMENT_TYPES, 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: ctx.config.maxAttachmentBytes }, (_request, body, done) => done(null, body));

    /** The checked file of an upload request: its bytes must be one of the accepted kinds; photos are cleaned. */
    async function fileOf(request: FastifyRequest<{ Querystring: { name?: string } }>) {
      const sent = request.body;
      if (!Buffer.isBuffer(sent) || sent.length === 0) throw worded(badRequest(`Send the file as the request body (${ATTACHMENT_TYPES.join(', ')}).`), 'file_empty');
      const file = await checkedChatFile(sent, request.query.name);
      if (file === 'kind') throw new AppError(415, 'unsupported_file', `Only images (JPEG, PNG, GIF, WebP) and PDF files can be sent.`);
      if (file === 'unreadable') throw new AppError(415, 'unsupported_file', `The image could not be read: it may be damaged, or larger than ${MAX_IMAGE_MEGAPIXELS} megapixels.`);
      return file;
    }

    /**
     * Sends the file as a message carrying it (chat-files.ts stores it, then ties it to the message or drops it). A
     * repeated client id (a retried upload) keeps the first file and drops this copy.
     */
    async function sendWithFile(
      customerId: number, conversationId: number | null, uploadedBy: 'customer' | 'agent', file: Awaited<ReturnType<typeof fileOf>>, caption: string | undefined,
      send: (text: string, attachment: AttachmentRef, fileOnly: boolean) => Promise<SendResult>,
    ) {
      const captioned = Boolean(caption?.trim());
      let offered!: AttachmentRef;
      const { result: sent, stored } = await sendCarryingFiles(ctx.sql, { customerId, conversationId, uploadedBy }, [file], ([attachment]) => {
        offered = attachment;
        return send(captioned ? caption!.trim() : `📎 ${file.fileName}`, attachment, !captioned);
      }, (s) => ({ duplicate: s.duplicate, conversationId: s.conversationId, messageId: s.id }));
      if (stored.length) return { ...sent, attachment: stored[0] };
      return { ...sent, attachment: (await attachments.ofMessage(sent.id)) ?? offered };
    }

    app.post('/api/widget/attachments', {
      onRequest: app.requireVisitor,
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['widget'],
        summary: 'Send a file (image or PDF, the raw request body) as a shopper message',
        description: 'A file sent while the bot has the chat hands it to a person.',
        querystring: Type.Object({ ...UploadQuery, conversationId: Type.Optional(Id) }, { additionalProperties: false }),
        response: uploadResponses,
      },
    }, async (request) => {
      const customerId = request.visitor!.customerId;
      // Checked before the body is read: a blocked shopper's file is never stored.
      if (await isBlocked(ctx.sql, customerId)) throw new AppError(403, 'blocked', 'This chat is not available.');
      const file = await fileOf(request);
      const { clientId, conversationId, caption } = request.query;
      return sendWithFile(customerId, null, 'customer', file, caption, (text, attachment, fileOnly) =>
        ctx.chat.customerMessage(customerId, { clientId, text, conversationId, attachments: [attachment], fileOnly }));
    });

    app.post('/api/conversations/:id/attachments', {
      onRequest: app.requireAgent,
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: ['agent'],
        summary: 'Send a file (image or PDF, the raw request body) to the shopper as an agent message',
        params: IdParams,
        querystring: Type.Object(UploadQuery, { additionalProperties: false }),
        response: uploadResponses,
      },
    }, async (request) => {
      const conversation = await conversations.findById(request.params.id);
      if (!conversation) throw notFound('Conversation');
      const file = await fileOf(request); // after the lookup: no image is decoded for a chat that does not exist
      const agent = { id: request.user!.id, name: request.user!.name };
      const { clientId, caption } = request.query;
      return sendWithFile(conversation.customer_id, conversation.id, 'agent', file, caption, (text, attachment, fileOnly) =>
        ctx.chat.agentMessage(agent, { conversationId: conversation.id, clientId, text, attachments: [attachment], fileOnly }));
    });

    app.get('/api/attachments/:id/:key/:name', {
      schema: {
        tags: ['widget'],
        summary: 'A file sent in a chat (the URL carried by its message)',
        params: Type.Object({ id: Id, key: Type.String({ minLength: 10, maxLength: 64 }), name: Type.String({ maxLength: 400 }) }),
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The file, sent as its own content type' }), 404: ErrorResponse },
      },
    }, async (request, reply) => {
      const file = await attachments.find(request.params.id, request.params.key);
      if (!file) throw notFound('File');
      // Served as exactly what it is, sandboxed: a file can never run as a page of this origin.
      reply.header('content-type', file.contentType);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('content-security-policy', "default-src 'none'; sandbox");
      reply.header('cross-origin-resource-policy', 'cross-origin');
      reply.header('cache-control', 'private, max-age=86400, immutable');
      reply.header('content-disposition', `${shownInline(file.contentType) ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
      return reply.send(file.data);
    });
  };
}
