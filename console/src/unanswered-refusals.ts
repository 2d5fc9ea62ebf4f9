// The unanswered page's row refusals, worded for what the row is. A row another admin handled meanwhile is refused
// with 409 and reason `question_handled` (server/http/admin-kb-routes.ts actOnGroup, actOnCandidate); the console's
// ApiError carries the reason as its code. A module of its own so a test can check them without the page.
import type { Key } from './i18n.ts';

/** An unanswered group's actions. */
export const GROUP_REFUSALS: Record<string, Key> = { question_handled: 'unanswered.handledAlready' };
/** A resolved hand-off's actions (an example, an article draft). */
export const CANDIDATE_REFUSALS: Record<string, Key> = { question_handled: 'candidates.usedAlready', example_too_long: 'candidates.tooLong' };
