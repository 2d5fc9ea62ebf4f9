// Refusals that several console forms share (a macro's, a rule's, a view's, a team's, a token's), each with the
// `reason` the console words it by (errors.ts `worded`): one reason per kind of mistake, whichever form made it.
import { badRequest, worded, type AppError } from '../errors.ts';

/** A name left blank (only spaces pass a form's `required`). The sentence is the form's own, kept for API clients. */
export const blankName = (message = 'The name must not be blank.'): AppError => worded(badRequest(message), 'name_blank');

/** A macro's or rule's action (`index` from 0, as listed) whose text is blank: the console names it by its number. */
export const blankActionText = (where: string, index: number): AppError =>
  worded(badRequest(`${where}: the text must not be blank.`), 'action_text_blank', { n: String(index + 1) });
