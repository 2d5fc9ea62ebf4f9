// The one way a list of actions runs, for a macro (macros.ts) and an automation rule (automation-rules.ts): in order,
// stopping at the first refusal. What ran before it stays done (as it would have one by one), the refusal says why,
// and the actions after it are reported skipped — so an agent or admin reads one outcome per action either way.
import type { ActionOutcome } from './macros.ts';
import type { AppError } from '../errors.ts';

export interface Refusal {
  code: string;
  message: string;
  /** What the sentence names (a teammate's name…), for a console wording the code in its own language. */
  params?: Record<string, string>;
}

/**
 * A refused action's error as its outcome records it: the specific reason where the error gives one
 * ("conversation_resolved" rather than "conflict", "note_empty" rather than "validation"), as a socket ack does, and
 * what its sentence names, so the console can say which refusal it was in its own language.
 */
export const refusalOfError = (error: AppError): Refusal =>
  ({ code: error.reason ?? error.code, message: error.message, ...(error.params ? { params: error.params } : {}) });

/**
 * Performs `actions` one after another through `perform`. An error `perform` throws goes to `refusalOf`, which says
 * it as that action's refusal (and the run stops there), or throws it on when it is not one the run should report.
 */
export async function runActionsInOrder<Action extends { type: string }>(
  actions: readonly Action[],
  perform: (action: Action) => Promise<void>,
  refusalOf: (error: unknown) => Refusal,
): Promise<{ outcomes: ActionOutcome[]; completed: boolean }> {
  const outcomes: ActionOutcome[] = [];
  let refused = false;
  for (const action of actions) {
    if (refused) {
      outcomes.push({ type: action.type, status: 'skipped' });
      continue;
    }
    try {
      await perform(action);
      outcomes.push({ type: action.type, status: 'done' });
    } catch (error) {
      const refusal = refusalOf(error);
      refused = true;
      outcomes.push({ type: action.type, status: 'refused', ...refusal });
    }
  }
  return { outcomes, completed: !refused };
}
