// A macro run's client key: the console picks one per click (`clientId`, as a message's send does) and sends it again
// when it retries a run whose answer it lost. A run applies its actions once per key: the first run claims the key in
// Redis (SET NX, shared by every server), keeps its outcome there once done, and a repeat answers with that outcome and
// runs nothing — so a retry does not send the macro's reply twice, snooze again or resolve a chat reopened meanwhile.
// Keys are the agent's own: another agent's key (or a guessed one) never answers with someone else's run.
import { prefixed } from '../config.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import type { ActionOutcome } from './macros.ts';
import { MACRO_RUN_CLAIM_MS } from './macro-run-claim.ts';

/** What a run answers besides the chat as it now is: kept with its key and answered again to a repeat. */
export interface MacroRunOutcome { macroId: number; completed: boolean; actions: ActionOutcome[] }

/** Which run a key stands for: a repeat must name the same macro on the same chat. */
export interface MacroRunTarget { conversationId: number; macroId: number }

type Stored = MacroRunTarget & ({ state: 'running' } | { state: 'done'; outcome: MacroRunOutcome });

/** How long a run holds its key before it is done (shared with the console, which keeps a lost run's key longer). */
const RUNNING_TTL_MS = MACRO_RUN_CLAIM_MS;
/** How long a finished run answers repeats: far past any console's retries after a lost answer. */
const DONE_TTL_MS = 24 * 60 * 60_000;

export function macroRunKeys(ctx: Pick<AppContext, 'redis' | 'config' | 'log'>) {
  const { redis } = ctx;
  const keyOf = (agentId: number, clientId: string) => `${prefixed(ctx.config, 'macro-run')}:${agentId}:${clientId}`;

  return {
    /**
     * Claims `clientId` for this run: null when the run is the key's first and goes ahead, else the outcome the first
     * run answered. A key used for another macro or chat, or whose run is still going, is a 409.
     */
    async claim(agentId: number, clientId: string, target: MacroRunTarget): Promise<MacroRunOutcome | null> {
      const key = keyOf(agentId, clientId);
      // Twice at most: the first run's claim may expire between the refused SET and the GET.
      for (let attempt = 0; attempt < 2; attempt++) {
        const running: Stored = { ...target, state: 'running' };
        if ((await redis.set(key, JSON.stringify(running), 'PX', RUNNING_TTL_MS, 'NX')) === 'OK') return null;
        const raw = await redis.get(key);
        if (raw === null) continue;
        const stored = JSON.parse(raw) as Stored;
        if (stored.conversationId !== target.conversationId || stored.macroId !== target.macroId) {
          throw new AppError(409, 'client_id_reused', 'This clientId ran another macro or on another chat: send a new one for each run.');
        }
        if (stored.state === 'running') {
          throw new AppError(409, 'macro_running', 'This macro run is still going on; what it does shows in the chat.');
        }
        return stored.outcome;
      }
      throw new AppError(409, 'macro_running', 'This macro run is still going on; what it does shows in the chat.');
    },

    /** Keeps the finished run's outcome for repeats. A failure is logged: the run itself has happened and is answered. */
    async done(agentId: number, clientId: string, target: MacroRunTarget, outcome: MacroRunOutcome): Promise<void> {
      const stored: Stored = { ...target, state: 'done', outcome };
      await redis.set(keyOf(agentId, clientId), JSON.stringify(stored), 'PX', DONE_TTL_MS)
        .catch((error: unknown) => ctx.log.warn({ err: error, ...target }, 'macro run outcome not kept for its key; a retry gets "still going on" until the claim expires'));
    },

    /** A run that failed on the server (not a refusal) frees its key, so the console's retry runs it. */
    async release(agentId: number, clientId: string): Promise<void> {
      await redis.del(keyOf(agentId, clientId)).catch((error: unknown) => ctx.log.warn({ err: error }, 'macro run key not freed; it expires on its own'));
    },
  };
}
