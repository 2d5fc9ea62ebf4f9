// Errors a handler throws on purpose. The one error handler (plugins/errors.ts)
// turns them into {error: {code, message}} with their status; socket handlers
// turn them into {ok: false, error}.
import type { ImportProblem } from './http/import-problems.ts';
export class AppError extends Error {
  /**
   * Set by `worded`: which refusal this is where `code` is a family ("conflict" → "conversation_resolved"), and what
   * its sentence names ({name}), so the console can say it in its own language. Socket acks and HTTP error bodies
   * carry both (refusalBody).
   */
  reason?: string;
  params?: Record<string, string>;
  /** Every bad row of a refused import file, each problem worded (http/import-problems.ts); HTTP error bodies carry it. */
  problems?: ImportProblem[];

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error as a socket ack or an HTTP error body says it: its code and sentence, and its `reason` and `params` where set. */
export function refusalBody(error: AppError): { code: string; message: string; reason?: string; params?: Record<string, string>; problems?: ImportProblem[] } {
  const { reason, params, problems } = error;
  return { code: error.code, message: error.message, ...(reason ? { reason } : {}), ...(params ? { params } : {}), ...(problems ? { problems } : {}) };
}

/** The error with the `reason` and `params` the console words it by (see AppError). */
export function worded(error: AppError, reason: string | null, params?: Record<string, string>): AppError {
  if (reason) error.reason = reason;
  if (params) error.params = params;
  return error;
}

export const badRequest = (message: string, code = 'validation') => new AppError(400, code, message);
export const unauthorized = (message = 'Sign in first.') => new AppError(401, 'unauthorized', message);
export const forbidden = (message = 'You are not allowed to do that.') => new AppError(403, 'forbidden', message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found.`);
/** `reason` names which conflict this is (see AppError), so the console can word it: every one a console can meet has one. */
export const conflict = (message: string, reason?: string) => worded(new AppError(409, 'conflict', message), reason ?? null);
export const tooMany = (message = 'Too many requests; slow down.') => new AppError(429, 'rate_limited', message);
