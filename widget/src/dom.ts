// Tiny DOM helpers. Text is only ever set through textContent, and links only
// through safeHref, so nothing a shopper, agent or bot writes can become HTML.
import { chineseVariant } from '../../knowledge-base/text/language.ts';

type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'href' || name.startsWith('on')) throw new Error(`set ${name} through its helper`); // no string-built links or handlers
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** An http(s) URL resolved against `base`, or null for anything else (javascript:, data:, garbage). */
export function safeHref(raw: unknown, base: string): string | null {
  if (typeof raw !== 'string' || !raw.trim()) return null;
  try {
    const url = new URL(raw.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

/** A link that opens in a new tab and gives the target page no handle on this one. */
export function safeLink(text: string, raw: unknown, base: string, className?: string): HTMLElement {
  const href = safeHref(raw, base);
  if (!href) return h('span', { class: className }, text);
  const a = h('a', { class: className, target: '_blank', rel: 'noopener noreferrer' }, text);
  a.href = href;
  return a;
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'）)]+[^\s<>"'）).,;:!?。，]/g;

/** Text with its http(s) URLs turned into safe links; everything else stays text nodes. */
export function linkified(text: string, base: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const start = match.index ?? 0;
    if (start > last) fragment.appendChild(document.createTextNode(text.slice(last, start)));
    fragment.appendChild(safeLink(match[0], match[0], base));
    last = start + match[0].length;
  }
  if (last < text.length) fragment.appendChild(document.createTextNode(text.slice(last)));
  return fragment;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** A decorative icon from a fixed path (our own constants, never user data). */
export function icon(path: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const p = document.createElementNS(SVG_NS, 'path');
  p.setAttribute('d', path);
  svg.appendChild(p);
  return svg;
}

export const ICONS = {
  chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z',
  close: 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z',
  send: 'M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z',
  download: 'M11 4h2v9l3.5-3.5 1.4 1.4L12 16.8 6.1 10.9l1.4-1.4L11 13zM5 18h14v2H5z',
  attach: 'M16 6v10.5a4 4 0 0 1-8 0V5.5a2.5 2.5 0 0 1 5 0V15a1 1 0 0 1-2 0V6.5H9.5V15a2.5 2.5 0 0 0 5 0V5.5a4 4 0 0 0-8 0v11a5.5 5.5 0 0 0 11 0V6z',
};

/**
 * Runs `run` with `button` marked busy (aria-disabled, not disabled: a disabled button loses focus, and a keyboard user
 * would land on the page behind); a button already busy runs nothing.
 */
export async function whileBusy(button: HTMLButtonElement, run: () => Promise<void>): Promise<void> {
  if (isBusy(button)) return;
  button.setAttribute('aria-disabled', 'true');
  try {
    await run();
  } finally {
    button.removeAttribute('aria-disabled');
  }
}

export const isBusy = (button: HTMLButtonElement) => button.getAttribute('aria-disabled') === 'true';

/**
 * Sets an element's text, changing its text node's data when it has just one: inside the role=log region a changed
 * status ("Sending…" → "Sent" → "Seen") is then a text change, which the log (aria-relevant="additions") does not
 * announce again, rather than a new node.
 */
export function setText(el: Element, text: string): void {
  const only = el.firstChild;
  if (only && only === el.lastChild && only.nodeType === Node.TEXT_NODE) {
    if ((only as Text).data !== text) (only as Text).data = text;
  } else {
    el.textContent = text;
  }
}

/** The language a message's own words are in, as far as the widget can tell: Han characters are Chinese, Latin letters English. */
export function textLanguage(text: string): 'en' | 'zh' | null {
  if (/\p{Script=Han}/u.test(text)) return 'zh';
  if (/\p{Script=Latin}/u.test(text)) return 'en';
  return null;
}

/**
 * The BCP 47 tag for the widget's languages. Chinese is tagged with the shopper's variant, which decides the glyphs
 * (and, through :lang() in styles.ts, the fonts): zh-TW or zh-HK for a shopper whose browser (or, failing that, the
 * page) asks for Traditional Chinese there, else zh-CN.
 */
export const langTag = (lang: 'en' | 'zh') => (lang === 'zh' ? chineseTag() : 'en');

/** zh-TW, zh-HK or zh-CN, from the first Chinese tag among the browser's languages, else the page's `lang`. */
export function chineseTag(): 'zh-TW' | 'zh-HK' | 'zh-CN' {
  const nav = typeof navigator === 'undefined' ? undefined : navigator;
  const tags = [...(nav?.languages?.length ? nav.languages : [nav?.language ?? '']), typeof document === 'undefined' ? '' : document.documentElement.lang];
  return tags.map(chineseVariant).find((variant) => variant !== null) ?? 'zh-CN';
}
