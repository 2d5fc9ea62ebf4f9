// The browser tab's title counts the chats this agent holds that have shopper messages nobody read yet:
// "(3) Shopdesk console". Shown whether the tab is in front or not: it is the same number as the unread badges in
// Mine, it tells an agent with the console in a background tab (or another window) that shoppers wait, and a title
// that changed only while hidden would look wrong the moment one glances at it. The number comes from the server
// (the Mine list), fetched again after live events, after this console reports a chat read and after any console
// does (conversation:read), so it is never a local guess that drifts and every tab of the agent agrees.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from './api.ts';
import { useDebounced, useSocketEvent } from './hooks.ts';
import type { AgentSocket } from './realtime.ts';
import type { InboxItem } from './types.ts';

const chatReadListeners = new Set<() => void>();

/** The console told the server that the agent has read a chat (conversation.tsx, after the server acknowledged). */
export function reportChatRead(): void {
  for (const listener of chatReadListeners) listener();
}

/** Subscribes to reportChatRead for the component's lifetime. */
export function useChatRead(listener: () => void): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const call = () => latest.current();
    chatReadListeners.add(call);
    return () => void chatReadListeners.delete(call);
  }, []);
}

/** "(3) Shopdesk console"; the plain title with none. A count already in `title` is replaced, never stacked. */
export function titleWithUnread(title: string, unreadChats: number): string {
  const plain = title.replace(/^\(\d+\+?\) /, '');
  return unreadChats > 0 ? `(${unreadChats > 99 ? '99+' : unreadChats}) ${plain}` : plain;
}

/**
 * At most one count per this gap while events keep coming (the last event is always followed by one): every console
 * hears every chat's messages and changes, and each count reads the agent's Mine list.
 */
export const TITLE_COUNT_GAP_MS = 2_000;

/** The chats this agent holds (Mine: assigned to them, not snoozed), and how many have an unread shopper message. */
async function countUnreadChats(): Promise<{ held: Set<number>; unread: number }> {
  const mine = await get<{ items: InboxItem[] }>('/api/conversations?view=mine&limit=200');
  return { held: new Set(mine.items.map((item) => item.conversation.id)), unread: mine.items.filter((item) => item.unread > 0).length };
}

/** Keeps document.title counting unread chats while mounted; the plain title comes back when unmounted. */
export function useUnreadTabTitle(socket: AgentSocket): number {
  const [unreadChats, setUnreadChats] = useState(0);
  const asked = useRef(0);
  const answered = useRef(0);
  // The chats the last count found held: a shopper message elsewhere cannot change the number. A chat taken since is
  // announced (conversation:assigned / :updated), which counts again.
  const held = useRef<ReadonlySet<number>>(new Set());
  const count = () => {
    const ask = ++asked.current;
    // Only the latest answer counts: an older one arriving late would show a stale number.
    countUnreadChats().then(({ held: holding, unread }) => {
      if (ask !== asked.current) return;
      answered.current = ask;
      held.current = holding;
      setUnreadChats(unread);
    }, () => { if (ask === asked.current) answered.current = ask; });
  };
  const refresh = useDebounced(count, 250, TITLE_COUNT_GAP_MS);
  useEffect(() => {
    count();
    socket.on('connect', refresh);
    return () => void socket.off('connect', refresh);
  }, [socket]);
  // While a count is on its way its list of held chats may be missing one just taken: any shopper message counts then.
  useSocketEvent(socket, 'messages:new', (batch) => {
    const counting = answered.current !== asked.current;
    if (batch.some((m) => m.author.type === 'customer' && (counting || held.current.has(m.conversationId)))) refresh();
  });
  useSocketEvent(socket, 'conversation:updated', refresh);
  useSocketEvent(socket, 'conversation:assigned', refresh);
  // Read in another tab, or by a teammate on a chat nobody holds (debounced: a busy shop reads many chats a second).
  useSocketEvent(socket, 'conversation:read', refresh);
  useChatRead(refresh);
  useEffect(() => {
    document.title = titleWithUnread(document.title, unreadChats);
  }, [unreadChats]);
  useEffect(() => () => { document.title = titleWithUnread(document.title, 0); }, []);
  return unreadChats;
}
