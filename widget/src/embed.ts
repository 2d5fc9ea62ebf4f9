// Reads the one-line embed: which site, language and side, and where the chat
// server is. The server is the origin (and path) the script itself came from,
// so the widget never talks to a host the shop did not put in its page.
export interface EmbedConfig {
  site: string;
  lang: string | null;
  position: 'left' | 'right' | null;
  /** `data-launcher="hidden"`: the shop opens the chat from its own button (Shopdesk.open(), shopdesk:unread). */
  hideLauncher: boolean;
  /** Base URL of the chat server, ending in "/" (e.g. https://chat.example.com/ or https://shop.com/support/). */
  base: string;
  origin: string;
  socketPath: string;
}

function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.src) return current;
  // Fallback when currentScript is unavailable: the embed tag by its attribute.
  return document.querySelector<HTMLScriptElement>('script[data-site][src*="widget.js"]');
}

export function readEmbed(): EmbedConfig | null {
  const script = ownScript();
  const site = script?.dataset.site?.trim();
  if (!script || !site) {
    console.warn('[shopdesk] widget.js needs data-site="YOUR_SITE_KEY" on its script tag');
    return null;
  }
  const src = new URL(script.src, document.baseURI);
  const base = new URL('./', src);
  const position = script.dataset.position === 'left' || script.dataset.position === 'right' ? script.dataset.position : null;
  return {
    site,
    lang: script.dataset.lang ?? null,
    position,
    hideLauncher: script.dataset.launcher === 'hidden',
    base: base.toString(),
    origin: base.origin,
    socketPath: `${base.pathname}socket.io`,
  };
}
