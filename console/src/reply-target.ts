// Whether a shopper has waited for the team longer than its reply target (team settings): for the first reply,
// from the hand-off, as the reports measure it (services/console-reports.ts); for an agent's next reply, from the
// shopper's oldest message after the latest agent reply (the list's `waitingSince`), so a chat answered once and
// then forgotten is marked too. A snoozed chat was put aside on purpose, and a closed one waits for nobody.
import type { ConversationSummary } from './types.ts';

/**
 * Whole minutes the shopper has waited when that is beyond the target; null otherwise. `waitingSince` is the list's
 * (null: the agent spoke last); without it (an older server) only a handed-off chat nobody answered yet is measured.
 */
export function minutesWaitingPastTarget(conversation: ConversationSummary, targetMinutes: number, now: number, waitingSince?: string | null): number | null {
  if (targetMinutes <= 0 || conversation.snoozedUntil) return null;
  if (conversation.status === 'resolved' || conversation.status === 'bot') return null;
  const firstReplyWait = conversation.handedOff && !conversation.firstResponseAt ? conversation.queuedAt : null;
  const since = waitingSince === undefined ? firstReplyWait : waitingSince;
  if (!since) return null;
  const waited = Math.floor((now - Date.parse(since)) / 60_000);
  return waited >= targetMinutes ? waited : null;
}
