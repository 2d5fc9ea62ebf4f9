// Postgres cannot store the NUL character (U+0000) in text or jsonb: a value
// holding one fails its whole statement, and a statement may carry the rows of
// many clients (the batched shopper messages). So it never gets that far: every
// string a client sends (an HTTP body, query or path parameter; a socket
// payload, see realtime/payload-schemas.ts) is refused with one sentence when
// it contains NUL, object keys included. Raw bodies (a file, an email) are
// bytes, not text, and are not looked at; inbound email drops NUL itself.
// The same goes for a lone surrogate (half of a UTF-16 pair, e.g. an emoji cut in
// two by a careless truncation): it is not Unicode text, and Postgres refuses it
// in jsonb (\ud800 in a JSON value), so HTTP input holding one is refused too.
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * An import route: the name of its body's list of rows (or, for a text body, the CSV file's rows) whose text its
     * service checks row by row, refusing that row with its line (customer-import.ts unstorableField). Everything else
     * the request carries is guarded as on any route; the rows are stored only once checked.
     */
    textCheckedPerRow?: string;
  }
}

export const NUL_REFUSAL = 'Text cannot contain the NUL character (U+0000).';
export const LONE_SURROGATE_REFUSAL = 'Text must be well-formed Unicode: it holds a lone surrogate (half of a character).';
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Whether a parsed value holds NUL in any string or object key. Iterative, so a deeply nested payload cannot overflow
 * the stack; bytes (a Buffer body: a file, an email) are not text and are passed over.
 */
export function containsNul(value: unknown): boolean {
  return unstorableText(value) === NUL_REFUSAL;
}

/** Why a parsed value's text cannot be stored (NUL, or a lone surrogate when `surrogates`), or null. */
export function unstorableText(value: unknown, surrogates = false): string | null {
  const bad = (text: string) => (text.includes('\u0000') ? NUL_REFUSAL : surrogates && LONE_SURROGATE.test(text) ? LONE_SURROGATE_REFUSAL : null);
  const stack: unknown[] = [value];
  const seen = new Set<object>(); // parsed JSON has no cycles, but whatever a parser hands over must not loop this
  while (stack.length) {
    const item = stack.pop();
    if (typeof item === 'string') {
      const problem = bad(item);
      if (problem) return problem;
    } else if (item !== null && typeof item === 'object' && !ArrayBuffer.isView(item) && !(item instanceof ArrayBuffer) && !seen.has(item)) {
      seen.add(item);
      // Own enumerable keys: plain objects, arrays, and the prototype-less objects query strings are parsed into.
      for (const [key, element] of Object.entries(item)) {
        const problem = bad(key);
        if (problem) return problem;
        stack.push(element);
      }
    }
  }
  return null;
}

/**
 * An import route's body, its rows left out (textCheckedPerRow): a text body is a CSV file, every part of it a row's
 * (csvRows puts the header's names on each row's attributes); in a JSON body, every other field and the list's name are guarded.
 */
function unstorableOutsideRows(body: unknown, rowsKey: string): string | null {
  if (typeof body === 'string') return null;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return unstorableText(body, true);
  for (const [key, value] of Object.entries(body)) {
    const problem = unstorableText(key, true) ?? (key === rowsKey && Array.isArray(value) ? null : unstorableText(value, true));
    if (problem) return problem;
  }
  return null;
}

/** Refuses, before schema validation and before any handler, a request whose body, query or path parameters hold NUL or a lone surrogate. */
export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const rowsKey = request.routeOptions.config?.textCheckedPerRow;
    const problem = unstorableText(request.params, true) ?? unstorableText(request.query, true)
      ?? (rowsKey ? unstorableOutsideRows(request.body, rowsKey) : unstorableText(request.body, true));
    if (problem) throw badRequest(problem);
  });
}
