// "Continue the chat" links in follow-up emails end in #shopdesk-chat: the
// widget opens its panel on such a page, then drops the marker from the
// address so a reload or a copied link does not open it again.
export const OPEN_CHAT_HASH = '#shopdesk-chat';

export function openChatRequested(): boolean {
  if (location.hash !== OPEN_CHAT_HASH) return false;
  history.replaceState(history.state, '', location.pathname + location.search);
  return true;
}
