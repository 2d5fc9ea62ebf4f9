// Whether a handed-off chat has waited for its first reply longer than the team's target (team settings). The
// wait runs from the hand-off, as the reports measure it (services/console-reports.ts); a snoozed chat was put
// aside on purpose, and a closed one waits for nobody.
import type { ConversationSummary } from './types.ts';

/** Whole minutes the shopper has waited past the hand-off when that is beyond the target; null otherwise. */
export function minutesWaitingPastTarget(conversation: ConversationSummary, targetMinutes: number, now: number): number | null {
  if (targetMinutes <= 0 || !conversation.handedOff || !conversation.queuedAt) return null;
  if (conversation.status === 'resolved' || conversation.status === 'bot' || conversation.firstResponseAt || conversation.snoozedUntil) return null;
  const waited = Math.floor((now - Date.parse(conversation.queuedAt)) / 60_000);
  return waited >= targetMinutes ? waited : null;
}
