// The shop page a shopper wrote from, as stored with their message: the agent
// sees where the question was asked, the bot reads "is it waterproof?" on a
// product page as a question about that product.
import type { ShopperPage } from '../realtime/event-maps.ts';

export const MAX_PAGE_URL = 2048;
export const MAX_PAGE_TITLE = 300;

/**
 * The page as kept: an http(s) address without its query and fragment (they can carry tokens, coupon codes or an
 * email address) and a trimmed title; null for anything else. The widget sends what this gives for its own page
 * (it has no server code beyond this), and the server applies it again to what arrives.
 */
export function shopperPage(page: { url: string; title?: string } | undefined): ShopperPage | null {
  if (!page) return null;
  let url: URL;
  try {
    url = new URL(page.url);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.search = '';
  url.hash = '';
  url.username = '';
  url.password = '';
  if (url.toString().length > MAX_PAGE_URL) return null;
  const title = page.title?.replace(/\s+/g, ' ').trim().slice(0, MAX_PAGE_TITLE);
  return { url: url.toString(), ...(title ? { title } : {}) };
}
