// Request validation. Bodies are checked strictly (no type coercion, unknown
// properties refused) so a wrong type gets a clear 400 instead of being
// silently converted; query strings and params are text on the wire, so they
// are coerced to the declared number/boolean types.
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';

export function registerValidation(app: FastifyInstance): void {
  const common = { allErrors: false, useDefaults: true, removeAdditional: false as const, strict: false };
  const strict = new Ajv({ ...common, coerceTypes: false });
  const lenient = new Ajv({ ...common, coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : lenient).compile(schema));
}
