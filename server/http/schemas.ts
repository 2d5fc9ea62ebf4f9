// Schemas shared by several routes. Each route still declares its own body,
// params and every response, so the OpenAPI document at /docs is complete.
import { Type, type Static } from 'typebox';

export const ErrorResponse = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
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
