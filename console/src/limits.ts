// Limits the server enforces that the console's inputs mirror, read with the signed-in user (/api/auth/me), so a
// text box allows exactly what the server takes (MAX_MESSAGE_CHARS may be set above or below the default).
export interface Limits {
  maxMessageChars: number;
}

let current: Limits = { maxMessageChars: 4000 }; // the server's default, until /api/auth/me says otherwise

export const limits = (): Limits => current;
export function setLimits(next: Partial<Limits> | undefined): void {
  if (next?.maxMessageChars && next.maxMessageChars > 0) current = { ...current, maxMessageChars: next.maxMessageChars };
}
