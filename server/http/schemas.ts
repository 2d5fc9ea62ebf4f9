// Schemas shared by several routes. Each route still declares its own body,
// params and every response, so the OpenAPI document at /docs is complete.
import { Type, type Static } from 'typebox';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      reason: Type.Optional(Type.String({ description: 'Where code is a family ("conflict"): which refusal this is ("conversation_changed"), for wording it' })),
      params: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'What the sentence names, for wording the reason' })),
      problems: Type.Optional(Type.Array(Type.Object({
        row: Type.Integer({ description: 'The row\'s position in the file\'s list, from 1' }),
        name: Type.Union([Type.String(), Type.Null()], { description: 'Its slug or intent name, when it has one' }),
        field: Type.Union([Type.String(), Type.Null()], { description: 'The field as the file names it ("locale", "examples.en.3"); null for the row itself' }),
        rule: Type.String({ description: 'unknown_field, missing, one_of, format, too_long, empty, too_many, type, duplicate or invalid' }),
        expected: Type.Optional(Type.String({ description: 'What the rule allows: values ("en, zh"), a limit, a format ("slug"), a type, the other row' })),
        problem: Type.String({ description: 'The problem in English ("locale must be en or zh")' }),
      }), { description: 'reason "import_rows": every problem of the first 50 bad rows of an import file (params.rows counts the bad rows, params.more those not listed)' })),
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error: a stable code and a sentence for people.' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** The error replies a route can produce besides its own success schema. */
export const errorReplies = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  429: ErrorResponse,
};

/**
 * The range of a row id a client may send. Ids are bigint in Postgres, but a number past 2^53 does not survive
 * JSON.parse or the query-string coercion exactly (9223372036854775807 becomes a value above bigint's maximum), so
 * ids stop at Number.MAX_SAFE_INTEGER, as the socket payloads' do: a larger one is a 400, never a database error.
 */
export const ID_RANGE = { minimum: 1, maximum: Number.MAX_SAFE_INTEGER };
/** Every id in a route's params, query or body. */
export const Id = Type.Integer(ID_RANGE);
export const IdParams = Type.Object({ id: Id });
export const Ok = Type.Object({ ok: Type.Literal(true) });

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const Timestamp = Type.String({ description: 'ISO 8601 date-time' });
