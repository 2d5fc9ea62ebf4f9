// A chat's history as the console shows it once its conversation:join is answered. The server reads the history, then
// looks up where the shopper is (up to 1.5 s): a message announced live (messages:new) meanwhile is in the list already
// but not in the answer, and replacing the list with the answer erased it until a reload.
import type { ChatMessage } from './types.ts';

/**
 * The joined history with what arrived live since it was read: the answer's copy wins for a message both have (an
 * edit, an anonymised text), and a message of this chat the list shows is kept only when it is newer than the answer's
 * newest (so one the server no longer has goes). Messages of another chat (the one shown before) go. Sorted by id.
 */
export function withJoinedHistory(shown: readonly ChatMessage[], joined: readonly ChatMessage[], conversationId: number): ChatMessage[] {
  const newestJoined = joined.reduce((newest, m) => Math.max(newest, m.id), 0);
  const joinedIds = new Set(joined.map((m) => m.id));
  const arrivedSince = shown.filter((m) => m.conversationId === conversationId && m.id > newestJoined && !joinedIds.has(m.id));
  return [...joined, ...arrivedSince].sort((a, b) => a.id - b.id);
}
