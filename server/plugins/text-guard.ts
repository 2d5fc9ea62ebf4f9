// Postgres cannot store the NUL character (U+0000) in text or jsonb: a value
// holding one fails its whole statement, and a statement may carry the rows of
// many clients (the batched shopper messages). So it never gets that far: every
// string a client sends (an HTTP body, query or path parameter; a socket
// payload, see realtime/payload-schemas.ts) is refused with one sentence when
// it contains NUL, object keys included. Raw bodies (a file, an email) are
// bytes, not text, and are not looked at; inbound email drops NUL itself.
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors.ts';

export const NUL_REFUSAL = 'Text cannot contain the NUL character (U+0000).';

/**
 * Whether a parsed value holds NUL in any string or object key. Iterative, so a deeply nested payload cannot overflow
 * the stack; bytes (a Buffer body: a file, an email) are not text and are passed over.
 */
export function containsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  const seen = new Set<object>(); // parsed JSON has no cycles, but whatever a parser hands over must not loop this
  while (stack.length) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return true;
    } else if (item !== null && typeof item === 'object' && !ArrayBuffer.isView(item) && !(item instanceof ArrayBuffer) && !seen.has(item)) {
      seen.add(item);
      // Own enumerable keys: plain objects, arrays, and the prototype-less objects query strings are parsed into.
      for (const [key, element] of Object.entries(item)) {
        if (key.includes('\u0000')) return true;
        stack.push(element);
      }
    }
  }
  return false;
}

/** Refuses, before schema validation and before any handler, a request whose body, query or path parameters hold NUL. */
export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (containsNul(request.params) || containsNul(request.query) || containsNul(request.body)) throw badRequest(NUL_REFUSAL);
  });
}
