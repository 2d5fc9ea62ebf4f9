// Limits the server enforces that the console's inputs mirror, sent with the signed-in user (the sign-in answer and
// /api/auth/me), so a text box allows exactly what the server takes (MAX_MESSAGE_CHARS may be set above or below the
// default).
import type { User } from './types.ts';

export interface Limits {
  maxMessageChars: number;
}

/** What a sign-in (password, or its second step) answers: the person and the limits. */
export interface SignedInAnswer {
  user: User;
  limits?: Partial<Limits>;
}

let current: Limits = { maxMessageChars: 4000 }; // the server's default, until /api/auth/me says otherwise

export const limits = (): Limits => current;
export function setLimits(next: Partial<Limits> | undefined): void {
  if (next?.maxMessageChars && next.maxMessageChars > 0) current = { ...current, maxMessageChars: next.maxMessageChars };
}
