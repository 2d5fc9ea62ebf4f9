// Admins bring the shop's existing contacts in (CSV or JSON, dry run first) and take them all out as CSV
// (services/customer-import.ts). Both are audited.
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from './types.ts';
import type { AppContext } from '../context.ts';
import { ErrorResponse } from './schemas.ts';
import { AppError, badRequest } from '../errors.ts';
import { recordAudit } from '../services/audit-log.ts';
import {
  contactsCsvChunks, csvRows, importContacts, MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, tooManyRows, type SourceRow,
} from '../services/customer-import.ts';
import { withByteOrderMark } from '../services/console-reports.ts';
import { MAX_ATTRIBUTE_KEY_CHARS, MAX_ATTRIBUTE_TEXT_CHARS, MAX_ATTRIBUTES_BYTES, MAX_SHOP_ATTRIBUTES } from '../services/customer-attributes.ts';

const MB = Math.round(MAX_IMPORT_BYTES / (1024 * 1024));
const tooLarge = () => new AppError(413, 'too_large', `The file is larger than ${MB} MB, the most one import takes: split it into several files (at most ${MAX_IMPORT_ROWS.toLocaleString('en')} contacts each).`);

/** A contact in a JSON import. Each field is checked row by row: a wrong one refuses that row, not the file. */
const ContactInput = Type.Object({
  externalId: Type.Optional(Type.Unknown({ description: "The shop's own user id (text, or a whole number), at most 200 characters: the same id identify() sends for a signed-in shopper" })),
  email: Type.Optional(Type.Unknown({ description: 'An email address, at most 254 characters. A contact needs an externalId or an email' })),
  name: Type.Optional(Type.Unknown({ description: 'At most 200 characters' })),
  locale: Type.Optional(Type.Unknown({ description: 'A language code such as en, zh or pt-BR' })),
  attributes: Type.Optional(Type.Unknown({ description: `The rules of PATCH /api/customers/{id}/attributes: names of 1-${MAX_ATTRIBUTE_KEY_CHARS} letters, digits, "_", "-", "." and inner spaces; `
    + `values text up to ${MAX_ATTRIBUTE_TEXT_CHARS} characters (no control characters), a number below 1e15 in magnitude, true/false or null (stored as null); `
    + `at most ${MAX_SHOP_ATTRIBUTES} per customer and ${MAX_ATTRIBUTES_BYTES / 1024} KB in all, counting those the record has. "deleted" and "unverifiedUserId" are kept by the system` })),
}, { additionalProperties: true });
const JsonBody = Type.Object({
  customers: Type.Array(ContactInput, { maxItems: MAX_IMPORT_ROWS, description: `At most ${MAX_IMPORT_ROWS} (413 above)` }),
}, { additionalProperties: false });
const ImportResultSchema = Type.Object({
  dryRun: Type.Boolean(),
  format: Type.Union([Type.Literal('json'), Type.Literal('csv')]),
  rows: Type.Integer({ description: 'Contacts in the file' }),
  created: Type.Integer(), updated: Type.Integer(),
  unchanged: Type.Integer({ description: 'Matched a record that already had everything the row gives' }),
  rejected: Type.Integer({ description: 'Rows not imported (conflicts included): each is listed in rejectedRows' }),
  conflicts: Type.Integer({ description: "Rejected because the row's email is one record and its externalId another (or another shop account's)" }),
  keptExisting: Type.Integer({ description: 'Rows whose name, email or locale differed from what the record already had: the record kept its own' }),
  rejectedRows: Type.Array(Type.Object({
    line: Type.Integer({ description: 'CSV: the line the row starts on (the header is line 1); JSON: its position in customers, from 1' }),
    code: Type.Union([Type.Literal('invalid'), Type.Literal('conflict'), Type.Literal('changed_meanwhile')]),
    reason: Type.String(),
    customerIds: Type.Optional(Type.Array(Type.Integer(), { description: 'The records a conflict is between' })),
  })),
  columns: Type.Optional(Type.Object({
    attributes: Type.Array(Type.String(), { description: 'CSV columns read as attributes' }),
    ignored: Type.Array(Type.String(), { description: "The export's own columns, passed over (id, created_at, last_seen_at, conversations_count)" }),
  })),
});

/**
 * An import route's limits, each refused in words before any work: the file's size from its Content-Length (the
 * generic body-limit answer does not say what the limit is), then the count of `listKey`'s items as a 413 that says
 * how many the file had (rather than the schema's maxItems sentence). Shared with the conversations import.
 */
export function importLimits(limits: { maxBytes: number; tooLarge(): Error; listKey: string; maxItems: number; tooMany(count: number): Error }) {
  return {
    bodyLimit: limits.maxBytes,
    preParsing: async (request: FastifyRequest) => {
      if (Number(request.headers['content-length'] ?? 0) > limits.maxBytes) throw limits.tooLarge();
    },
    preValidation: async (request: FastifyRequest) => {
      const list = (request.body as Record<string, unknown> | undefined)?.[limits.listKey];
      if (Array.isArray(list) && list.length > limits.maxItems) throw limits.tooMany(list.length);
    },
  };
}

/**
 * JSON for an import route's plugin (scoped to it): a file saved with a byte-order mark (Windows editors write one) is
 * JSON all the same (a CSV's goes in parseCsv), and a broken file is named as such. Also used by the conversations import.
 */
export function addJsonFileParser(app: App, bodyLimit: number): void {
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    try {
      done(null, JSON.parse((body as string).replace(/^\uFEFF/, '')));
    } catch (error) {
      done(badRequest(`The file is not valid JSON (${(error as Error).message}): nothing was imported.`, 'not_parseable'), undefined);
    }
  });
}

export default function customerImportRoutes(ctx: AppContext) {
  return async (app: App) => {
    const { sql } = ctx;
    // Scoped to this plugin's routes: the CSV arrives as text, and a broken JSON file is named as such.
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_IMPORT_BYTES }, (_request, body, done) => done(null, body));
    addJsonFileParser(app, MAX_IMPORT_BYTES);

    app.post('/api/admin/customers/import', {
      preHandler: app.requireAdmin,
      // A cell NUL cannot be stored in refuses its row, with its line (readContact), not the whole file (text-guard.ts).
      config: { textCheckedPerRow: 'customers' },
      ...importLimits({ maxBytes: MAX_IMPORT_BYTES, tooLarge, listKey: 'customers', maxItems: MAX_IMPORT_ROWS, tooMany: tooManyRows }),
      schema: {
        tags: ['admin'],
        summary: 'Import contacts from CSV or JSON: new ones are created, known ones completed (audited)',
        description: `Content-Type text/csv or text/plain (a header row: externalId or external_id or user_id, email, name, locale; every other column is an attribute; `
          + "the export's id, created_at, last_seen_at and conversations_count are passed over and its attributes column is read as JSON) "
          + `or application/json {customers: [...]}. At most ${MAX_IMPORT_ROWS} contacts and ${MB} MB per request (413). A row is matched by `
          + 'externalId, else by email (case-insensitive), else created. An import fills empty name, email, locale and externalId and sets the '
          + 'attributes it gives; it never blanks or replaces a known value, and an empty cell changes nothing. A row whose email is one '
          + 'record and externalId another is refused as a conflict (never merged). Attributes follow the rules of PATCH '
          + `/api/customers/{id}/attributes (names, values, at most ${MAX_SHOP_ATTRIBUTES} per customer and ${MAX_ATTRIBUTES_BYTES / 1024} KB, counting those the record `
          + 'already has). A bad row — one of these broken, or a cell holding the NUL character or a lone surrogate, which cannot be stored — is '
          + 'refused with its line and reason; the others are imported, in one transaction. Sending the same file again changes nothing. ?dryRun=true answers the same and writes nothing.',
        querystring: Type.Object({
          dryRun: Type.Optional(Type.Boolean({ description: 'true: write nothing, answer with what the import would do' })),
          fileName: Type.Optional(Type.String({ maxLength: 200, description: 'The file the contacts came from, for the audit log' })),
        }),
        body: {
          content: {
            'text/csv': { schema: Type.String({ description: 'The CSV file (UTF-8; comma, semicolon or tab separated)' }) },
            'text/plain': { schema: Type.String({ description: 'The same CSV, for clients that send text/plain' }) },
            'application/json': { schema: JsonBody },
          },
        } as never,
        response: {
          200: ImportResultSchema,
          400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse,
        },
      },
    }, async (request) => {
      const query = request.query as { dryRun?: boolean; fileName?: string };
      const body = request.body as unknown;
      let rows: SourceRow[];
      let columns;
      let format: 'json' | 'csv';
      if (typeof body === 'string') {
        format = 'csv';
        ({ rows, columns } = csvRows(body));
      } else {
        format = 'json';
        rows = (body as { customers: Record<string, unknown>[] }).customers.map((fields, index) => ({ line: index + 1, kind: 'json' as const, fields }));
      }
      return importContacts(sql, { rows, format, columns, dryRun: query.dryRun ?? false, actorId: request.user!.id, fileName: query.fileName });
    });

    app.get('/api/admin/customers/export.csv', {
      preHandler: app.requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'Every customer the team has dealt with as CSV, in the import format (audited)',
        description: 'id, external_id, email, name, locale, created_at, last_seen_at, conversations_count, and attributes as JSON. Leaves out '
          + 'visitors who never wrote nor gave a name, email or shop user id, and records deleted or merged. Streamed a page at a time.',
        response: { 200: Type.String(), 401: ErrorResponse, 403: ErrorResponse },
      },
    }, async (request, reply) => {
      // Every customer's details leave with it: recorded like the conversations export.
      await recordAudit(sql, request.user!.id, 'customers.export', null, { format: 'csv' });
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="customers-${new Date().toISOString().slice(0, 10)}.csv"`);
      // The byte-order mark first, like the reports' CSVs: Excel reads the names as UTF-8 (the import strips it).
      return reply.send(Readable.from(withByteOrderMark(contactsCsvChunks(sql))) as never);
    });
  };
}
