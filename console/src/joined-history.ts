// A chat's history as the console shows it once its conversation:join is answered. The server reads the history, then
// looks up where the shopper is (up to 1.5 s): a message announced live (messages:new) meanwhile is in the list already
// but not in the answer, and replacing the list with the answer erased it until a reload.
import type { ChatMessage } from './types.ts';

/**
 * The joined history with what arrived live since it was read: the answer's copy wins for a message both have (an
 * edit, an anonymised text), and a message of this chat the list shows is kept only when it is newer than the answer's
 * newest (so one the server no longer has goes). Messages of another chat (the one shown before) go. Sorted by id.
 *
 * The answer is the chat's newest page (`answerHasEarlier`: older messages exist). Earlier pages the agent loaded stay
 * when the list reaches into the answer (a join again after a reconnect): the list held no gap up to its newest, so
 * nothing is missing between them. A list that stopped before the answer starts is replaced: the gap is unknown.
 */
export function withJoinedHistory(shown: readonly ChatMessage[], joined: readonly ChatMessage[], conversationId: number, answerHasEarlier = false): ChatMessage[] {
  const newestJoined = joined.reduce((newest, m) => Math.max(newest, m.id), 0);
  const oldestJoined = joined.reduce((oldest, m) => Math.min(oldest, m.id), newestJoined);
  const joinedIds = new Set(joined.map((m) => m.id));
  const ours = shown.filter((m) => m.conversationId === conversationId);
  const arrivedSince = ours.filter((m) => m.id > newestJoined && !joinedIds.has(m.id));
  const loadedEarlier = answerHasEarlier && ours.some((m) => joinedIds.has(m.id)) ? ours.filter((m) => m.id < oldestJoined) : [];
  return [...loadedEarlier, ...joined, ...arrivedSince].sort((a, b) => a.id - b.id);
}

/**
 * A page of older messages ("Load earlier") put before the list: only this chat's, none shown twice (a message the
 * list has keeps its copy there, which live updates may have changed since). Sorted by id.
 */
export function withEarlierPage(shown: readonly ChatMessage[], earlier: readonly ChatMessage[], conversationId: number): ChatMessage[] {
  const shownIds = new Set(shown.map((m) => m.id));
  const fresh = earlier.filter((m) => m.conversationId === conversationId && !shownIds.has(m.id));
  return fresh.length ? [...fresh, ...shown].sort((a, b) => a.id - b.id) : [...shown];
}
