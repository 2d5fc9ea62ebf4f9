// Unsent composer text, per agent, conversation and kind (a reply to the shopper, a private note), and the products
// attached to the reply. The composer is
// rebuilt whenever the agent opens another chat, so what it holds lives here instead: in memory for this page, and in
// sessionStorage so a reload of the tab keeps it too (a closed tab forgets it). Keyed by the agent's id, so someone
// else signing in on the same tab does not see it. A kept draft is the box's text, never trimmed; an empty one is
// removed.
import { useEffect, useReducer } from 'preact/hooks';

export type DraftKind = 'reply' | 'note';

const PREFIX = 'sd.draft';
const memory = new Map<string, string>();
const listeners = new Map<string, Set<() => void>>();

export function draftKey(userId: number, conversationId: number, kind: DraftKind): string {
  return `${PREFIX}.${userId}.${conversationId}.${kind}`;
}

/** sessionStorage, or null where the browser refuses it (some private modes): then drafts last for the page only. */
function storage(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

/**
 * Drops the drafts of anyone but `userId` kept in this tab: on a shared computer, the next person to sign in here
 * has no business with the previous agent's unsent words (they are still in this tab's storage otherwise).
 */
export function forgetDraftsOfOthers(userId: number): void {
  const own = `${PREFIX}.${userId}.`;
  const isOthers = (key: string) => key.startsWith(`${PREFIX}.`) && !key.startsWith(own);
  for (const key of [...memory.keys()].filter(isOthers)) memory.delete(key);
  const stored = storage();
  if (!stored) return;
  try {
    const keys = Array.from({ length: stored.length }, (_, i) => stored.key(i)).filter((key): key is string => key !== null);
    for (const key of keys.filter(isOthers)) stored.removeItem(key);
  } catch {
    // Storage refused: nothing of it to forget.
  }
}

export function readDraft(key: string): string {
  const known = memory.get(key);
  if (known !== undefined) return known;
  const stored = storage()?.getItem(key);
  const text = typeof stored === 'string' ? stored : '';
  memory.set(key, text);
  return text;
}

export function writeDraft(key: string, text: string): void {
  if (readDraft(key) === text) return;
  memory.set(key, text);
  try {
    if (text) storage()?.setItem(key, text);
    else storage()?.removeItem(key);
  } catch {
    // Storage full or refused: the draft still lives in memory for this page.
  }
  for (const listener of listeners.get(key) ?? []) listener();
}

export function updateDraft(key: string, change: (current: string) => string): void {
  writeDraft(key, change(readDraft(key)));
}

/**
 * Products attached to a reply draft, kept beside its text (same storage, same lifetime) under the draft's key. Display
 * data only, as the picker showed them: the server reads the catalogue again by SKU when the reply is sent.
 */
export interface DraftProduct { sku: string; name: string; price?: string; url?: string; inStock?: boolean }

/** As many as one message takes (MAX_PRODUCTS_PER_MESSAGE): more in storage is not ours to show. */
const MAX_DRAFT_PRODUCTS = 3;

function productsKey(key: string): string {
  return `${key}.products`;
}

/** Only the display fields, so what is kept is small and what is read back (storage is editable) is well formed. */
function asDraftProduct(value: unknown): DraftProduct | null {
  if (!value || typeof value !== 'object') return null;
  const { sku, name, price, url, inStock } = value as Record<string, unknown>;
  if (typeof sku !== 'string' || typeof name !== 'string') return null;
  return {
    sku, name,
    ...(typeof price === 'string' ? { price } : {}),
    ...(typeof url === 'string' ? { url } : {}),
    ...(typeof inStock === 'boolean' ? { inStock } : {}),
  };
}

function parseDraftProducts(stored: string): DraftProduct[] {
  if (!stored) return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    if (!Array.isArray(parsed)) return [];
    return parsed.map(asDraftProduct).filter((p): p is DraftProduct => p !== null).slice(0, MAX_DRAFT_PRODUCTS);
  } catch {
    return [];
  }
}

export function readDraftProducts(key: string): DraftProduct[] {
  return parseDraftProducts(readDraft(productsKey(key)));
}

export function writeDraftProducts(key: string, products: readonly DraftProduct[]): void {
  const kept = products.map(asDraftProduct).filter((p): p is DraftProduct => p !== null).slice(0, MAX_DRAFT_PRODUCTS);
  writeDraft(productsKey(key), kept.length ? JSON.stringify(kept) : '');
}

export function updateDraftProducts(key: string, change: (current: DraftProduct[]) => readonly DraftProduct[]): void {
  writeDraftProducts(key, change(readDraftProducts(key)));
}

/**
 * Text taken out of the box for sending that did not go out, put back without losing what the agent typed since:
 * into an empty box as it was, else above the newer text (a blank line between), where they see both.
 */
export function withUnsentText(current: string, unsent: string): string {
  return current.trim() ? `${unsent}\n\n${current}` : unsent;
}

/**
 * The client id of a send that failed, by draft, text and attached products. A failure does not prove the server
 * stored nothing (the answer can be lost to a timeout or a dropped connection after the write), so sending the same
 * text with the same products again reuses the id: the server recognises the retry and the shopper gets the reply
 * once. Edited text or a changed product set is a new message with a new id (the server would otherwise answer with
 * the stored one and drop the change).
 */
const unsentClientIds = new Map<string, { sent: string; clientId: string }>();

/** What a send is, for telling a retry from a new message: the text and the SKUs, in any order. */
function sendIdentity(text: string, skus: readonly string[]): string {
  return JSON.stringify([text, [...skus].sort()]);
}

export function clientIdForSend(key: string, text: string, fresh: () => string, skus: readonly string[] = []): string {
  const unsent = unsentClientIds.get(key);
  return unsent && unsent.sent === sendIdentity(text, skus) ? unsent.clientId : fresh();
}

export function rememberUnsent(key: string, text: string, clientId: string, skus: readonly string[] = []): void {
  unsentClientIds.set(key, { sent: sendIdentity(text, skus), clientId });
}

/** After a send went through: a later identical text is a new message (agents do say "Thanks!" twice). */
export function forgetUnsent(key: string, clientId: string): void {
  if (unsentClientIds.get(key)?.clientId === clientId) unsentClientIds.delete(key);
}

/**
 * A draft as component state: the text, and a setter taking a value or a change. Every composer showing the same
 * draft follows a change made anywhere (a failed send putting text back after the agent left the chat and returned).
 */
export function useDraft(key: string): [string, (next: string | ((current: string) => string)) => void] {
  const [, rerender] = useReducer((n: number, _change: void) => n + 1, 0);
  useEffect(() => {
    const listener = () => rerender();
    const set = listeners.get(key) ?? new Set();
    set.add(listener);
    listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (!set.size) listeners.delete(key);
    };
  }, [key]);
  const set = (next: string | ((current: string) => string)) => (typeof next === 'function' ? updateDraft(key, next) : writeDraft(key, next));
  return [readDraft(key), set];
}

/** The products of a reply draft as component state, followed like the text (useDraft). */
export function useDraftProducts(key: string): [DraftProduct[], (next: readonly DraftProduct[] | ((current: DraftProduct[]) => readonly DraftProduct[])) => void] {
  const [stored] = useDraft(productsKey(key));
  const set = (next: readonly DraftProduct[] | ((current: DraftProduct[]) => readonly DraftProduct[])) =>
    (typeof next === 'function' ? updateDraftProducts(key, next) : writeDraftProducts(key, next));
  return [parseDraftProducts(stored), set];
}
