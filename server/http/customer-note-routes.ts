// Notes on a customer (the person, not one chat), beside each of their chats and on the customers page. Any signed-in
// agent or admin reads and adds them (a personal API token too: these are agent routes, nothing here makes a way in);
// a note is edited by its author and deleted by its author or an admin. See services/customer-notes.ts.
import { Type } from 'typebox';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse, Id, IdParams, Nullable, Ok, Timestamp } from './schemas.ts';
import { addNote, deleteNote, editNote, listNotes, NOTE_MAX_CHARS, NOTE_SPACE_SLACK, NOTES_LIST_LIMIT } from '../services/customer-notes.ts';

export const CustomerNoteSchema = Type.Object({
  id: Type.Integer(),
  customerId: Type.Integer(),
  text: Type.String(),
  author: Nullable(Type.Object({
    id: Type.Integer(), name: Type.String(), active: Type.Boolean({ description: 'False once the author was deactivated (the note stays)' }),
  }, { description: 'Who wrote it; null only if their account was removed' })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const NoteBody = Type.Object({
  // The cap is on the trimmed text (noteText): a pasted note with blank lines around it is not refused for them.
  text: Type.String({ minLength: 1, maxLength: NOTE_MAX_CHARS + NOTE_SPACE_SLACK, description: `Trimmed; 1 to ${NOTE_MAX_CHARS} characters` }),
}, { additionalProperties: false });
const NoteParams = Type.Object({ id: Id, noteId: Id });

export default function customerNoteRoutes(ctx: AppContext) {
  return async (app: App) => {
    app.get('/api/customers/:id/notes', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "A customer's notes, newest first, with their authors",
        description: `At most the newest ${NOTES_LIST_LIMIT}; \`total\` counts them all. 404 \`customer_merged\` for a record merged into another.`,
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(CustomerNoteSchema), total: Type.Integer() }), 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => listNotes(ctx.sql, request.params.id));

    app.post('/api/customers/:id/notes', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'Add a note about a customer (every agent sees it beside their chats)',
        description: '409 for a customer deleted at their request. Open consoles get `customer:updated`.',
        params: IdParams,
        body: NoteBody,
        response: { 201: Type.Object({ note: CustomerNoteSchema }), 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse },
      },
    }, async (request, reply) => reply.status(201).send({ note: await addNote(ctx, request.user!, request.params.id, request.body.text) }));

    app.patch('/api/customers/:id/notes/:noteId', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: 'Change the text of a note (its author only)',
        params: NoteParams,
        body: NoteBody,
        response: { 200: Type.Object({ note: CustomerNoteSchema }), 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => ({ note: await editNote(ctx, request.user!, request.params.id, request.params.noteId, request.body.text) }));

    app.delete('/api/customers/:id/notes/:noteId', {
      onRequest: app.requireAgent,
      schema: {
        tags: ['agent'], summary: "Delete a note (its author, or an admin: audited when it is someone else's)",
        params: NoteParams,
        response: { 200: Ok, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    }, async (request) => {
      await deleteNote(ctx, request.user!, request.params.id, request.params.noteId);
      return { ok: true as const };
    });
  };
}
