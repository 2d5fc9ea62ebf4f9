// Saves that say what they were based on (an intent's or the out-of-scope list's updatedAt, an article's version):
// the server refuses one based on an old copy with 409 conflict (knowledge-base/stale-edits.ts) rather than undo a
// change made meanwhile. The editors word that refusal themselves and offer to reload.
import { errorText } from './api.ts';
import { t, type Key } from './i18n.ts';
import { isStaleEdit } from '../../knowledge-base/stale-edits.ts';

/** useAction's refusals for such a save: the stale-save refusal as `key` says it, any other as usual. */
export const staleSaveRefusal = (key: Key) => (err: unknown): string => (isStaleEdit(err) ? t(key) : errorText(err));
