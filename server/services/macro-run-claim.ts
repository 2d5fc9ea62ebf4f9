// How long a macro run's claim on its key lasts, on its own so the console (console/src/pages/macro-menu.tsx) can
// import it: the console keeps a lost run's key for longer than this, so a retry never outlives the key's claim.

/**
 * How long a run holds its key before it is done. A run takes seconds (each action's lock waits are bounded); a server
 * that died part-way through leaves the claim to expire, after which a retry runs the macro again (its reply and note
 * keep message client ids derived from the key, so those at least are not sent twice).
 */
export const MACRO_RUN_CLAIM_MS = 5 * 60_000;
