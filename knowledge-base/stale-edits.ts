// Optimistic concurrency for the knowledge-base editors (an intent, the out-of-scope list, an article): a save says
// what it was based on (the intent's or the list's `updatedAt`, the article's `baseVersion`), and one based on an
// older copy is refused with 409 conflict instead of overwriting what someone (or the unanswered page's "add as
// example" / "Not for the bot") changed meanwhile. Plain strings only: the console imports this file too.

/** What every stale-save refusal's sentence contains: the console recognises it to word it and offer a reload. */
export const STALE_EDIT_MARK = 'has changed since you opened it';

/** The refusal's sentence: `what` is "This intent", "The out-of-scope list", "This article"… */
export const staleEditMessage = (what: string, detail = ''): string =>
  `${what} ${STALE_EDIT_MARK}${detail ? ` (${detail})` : ''}; your save would undo that. Reload it, then make your change again.`;

/** Whether a refusal (HTTP 409, code "conflict") is the stale-save one rather than another conflict (a taken name). */
export const isStaleEdit = (error: unknown): boolean =>
  !!error && typeof error === 'object' && (error as { status?: unknown }).status === 409
  && typeof (error as { message?: unknown }).message === 'string' && (error as { message: string }).message.includes(STALE_EDIT_MARK);

/**
 * Whether a stored time stamp is the one a client based its edit on. The client has it as JSON (milliseconds) and
 * Postgres keeps microseconds, so both are compared as the milliseconds the client was given.
 */
export const sameStamp = (stored: Date | null, basedOn: string | null): boolean =>
  stored === null || basedOn === null ? stored === null && basedOn === null : stored.getTime() === Date.parse(basedOn);
