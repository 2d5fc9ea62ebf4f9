// The session cookie is httpOnly, so the console cannot tell whether anyone is signed in without asking the server,
// and asking when nobody is answers 401 — a red error in the browser console of every signed-out visitor. Sign-in
// therefore also sets this readable cookie: no secret (its value is "1"), only a hint that a session may exist.
// The console asks `/api/auth/me` only when it is there, and drops it when that answers 401.
// Shared with the console bundle (console/src/session-hint.ts), so it must stay free of server imports.
export const SESSION_HINT_COOKIE = 'sd_signed_in';
