// "Continue the chat" links in follow-up emails end in #shopdesk-chat, or
// #shopdesk-chat=<resume token> for an anonymous shopper (it resumes their chat
// on any device): the widget opens its panel on such a page, then drops the
// marker from the address so a reload or a copied link does not open it again.
export const OPEN_CHAT_HASH = '#shopdesk-chat';

export const openChatHash = (resumeToken: string | null): string =>
  resumeToken ? `${OPEN_CHAT_HASH}=${encodeURIComponent(resumeToken)}` : OPEN_CHAT_HASH;

export interface OpenChatRequest {
  /** The resume token of the link, when it carried one. */
  resumeToken?: string;
}

/** The page's open-chat request, read once (it is dropped from the address), or null when there is none. */
export function takeOpenChatRequest(): OpenChatRequest | null {
  const hash = location.hash;
  if (hash !== OPEN_CHAT_HASH && !hash.startsWith(`${OPEN_CHAT_HASH}=`)) return null;
  history.replaceState(history.state, '', location.pathname + location.search);
  const token = hash.slice(OPEN_CHAT_HASH.length + 1);
  if (!token) return {};
  try {
    return { resumeToken: decodeURIComponent(token).slice(0, 200) };
  } catch {
    return {}; // a mangled link still opens the chat
  }
}
