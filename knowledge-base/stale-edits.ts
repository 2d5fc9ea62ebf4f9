// Optimistic concurrency for the knowledge-base editors (an intent, the out-of-scope list, an article): a save says
// what it was based on (the intent's or the list's `updatedAt`, the article's `baseVersion`), and one based on an
// older copy is refused with 409 conflict instead of overwriting what someone (or the unanswered page's "add as
// example" / "Not for the bot") changed meanwhile. Plain strings only: the console imports this file too.

/** What every stale-save refusal's sentence contains (for a person, and for tests that read the sentence). */
export const STALE_EDIT_MARK = 'has changed since you opened it';
/** The stale-save refusal's reason (a 409 conflict's), which the console words where no editor words it itself. */
export const STALE_EDIT = 'stale_edit';

/** The refusal's sentence: `what` is "This intent", "The out-of-scope list", "This article"… */
export const staleEditMessage = (what: string, detail = ''): string =>
  `${what} ${STALE_EDIT_MARK}${detail ? ` (${detail})` : ''}; your save would undo that. Reload it, then make your change again.`;

/**
 * Whether a refusal (the console's ApiError: HTTP 409, its code the conflict's reason) is the stale-save one rather
 * than another conflict (a taken name). By the reason alone: the console is served by the server it talks to, so no
 * server it meets sends this refusal without one.
 */
export const isStaleEdit = (error: unknown): boolean =>
  !!error && typeof error === 'object' && (error as { status?: unknown }).status === 409 && (error as { code?: unknown }).code === STALE_EDIT;

/**
 * Whether a stored time stamp is the one a client based its edit on. The client has it as JSON (milliseconds) and
 * Postgres keeps microseconds, so both are compared as the milliseconds the client was given.
 */
export const sameStamp = (stored: Date | null, basedOn: string | null): boolean =>
  stored === null || basedOn === null ? stored === null && basedOn === null : stored.getTime() === Date.parse(basedOn);
