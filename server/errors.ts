// Errors a handler throws on purpose. The one error handler (plugins/errors.ts)
// turns them into {error: {code, message}} with their status; socket handlers
// turn them into {ok: false, error}.
export class AppError extends Error {
  /**
   * Set by `worded`: which refusal this is where `code` is a family ("conflict" → "conversation_resolved"), and what
   * its sentence names ({name}), so the console can say it in its own language. Socket acks carry both; HTTP does not.
   */
  reason?: string;
  params?: Record<string, string>;

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
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
export const conflict = (message: string) => new AppError(409, 'conflict', message);
export const tooMany = (message = 'Too many requests; slow down.') => new AppError(429, 'rate_limited', message);
