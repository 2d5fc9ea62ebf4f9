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

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const Ok = Type.Object({ ok: Type.Literal(true) });

export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const Timestamp = Type.String({ description: 'ISO 8601 date-time' });
