// The refusal of an agent acting on a chat another agent holds (resolving, transferring, returning it to the queue,
// snoozing it): only its holder or an admin may. It names the holder, so the console can say who to ask.
import { forbidden, worded, type AppError } from '../errors.ts';

/** The reason the console words this refusal by (console/src/api.ts), with the holder's `name` where known. */
export const HELD_BY_OTHER = 'held_by_other';

/** `action`: what was refused, as the sentence ends ("resolve it", "return it to the queue"). */
export const heldByOther = (holderName: string | null, action: string): AppError =>
  worded(forbidden(`Only the agent holding this chat (or an admin) can ${action}.`), HELD_BY_OTHER, holderName ? { name: holderName } : undefined);
