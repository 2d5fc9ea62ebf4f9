// Whether this browser may have a session, without asking the server: sign-in sets a readable hint cookie beside
// the httpOnly session (server/http/session-hint.ts). Without it the login page shows at once and no 401 is logged.
import { SESSION_HINT_COOKIE } from '../../server/http/session-hint.ts';

export function mayBeSignedIn(cookies: string = document.cookie): boolean {
  return cookies.split(';').some((pair) => pair.trim().startsWith(`${SESSION_HINT_COOKIE}=`));
}

/** The server said the session is gone (401): forget the hint, so the next visit does not ask again. */
export function forgetSessionHint(): void {
  document.cookie = `${SESSION_HINT_COOKIE}=; Max-Age=0; Path=/; SameSite=Lax`;
}
