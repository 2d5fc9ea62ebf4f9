// Refusals several chat actions share (the header's, the bulk actions', snoozing): one sentence and one reason each,
// so the console words them alike wherever they come from.
import { badRequest, conflict, forbidden, worded, type AppError } from '../errors.ts';

/** The chat changed between the action's read and its write (taken, closed or moved by someone else). */
export const changedMeanwhile = (): AppError => conflict('This conversation changed meanwhile; reload it.', 'conversation_changed');

/** An action that needs an open chat, on a resolved one. */
export const resolvedReopenFirst = (): AppError => conflict('The conversation is resolved; reopen it first.', 'resolved_reopen_first');

/** A chat given (transferred, assigned) to an agent who was deleted or deactivated since the console listed them. */
export const agentUnavailable = (): AppError => worded(badRequest('That agent does not exist or is deactivated.'), 'agent_unavailable');

/** A chat taken (accepted, taken over) by an account that may not take chats (deactivated meanwhile). */
export const cannotTakeChats = (): AppError => worded(forbidden('Your account cannot take chats.'), 'cannot_take_chats');
