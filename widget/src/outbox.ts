// Messages the shopper wrote that the server has not acknowledged yet, kept in
// localStorage so a reload, a crash or a closed laptop loses nothing. Each has
// a client id: the server stores a message once per client id, so sending an
// item again after a lost ack cannot double it.
import type { Store } from './storage.ts';
import type { ShopperPage } from '../../server/realtime/event-maps.ts';

export interface OutboxItem {
  clientId: string;
  text: string;
  quickReply?: string;
  /** The page it was written on (the agent sees it; the bot reads "is it waterproof?" on a product page). */
  page?: ShopperPage;
  /** The open chat on screen when it was written: it is sent there or refused, never into a chat started since. */
  conversationId?: number;
  /** When the shopper pressed send (ISO), for display while it waits. */
  createdAt: string;
  /**
   * The server refused it (see chat-client.ts for which refusals are final): it waits here for the shopper's Retry or
   * Remove, and is not sent meanwhile. `after` is the newest message id known when it failed: the chat shows it right
   * after that message, where it was written, not below messages sent later.
   */
  failed?: { code: string; message: string; after: number };
}

const KEY = 'outbox';
const MAX_ITEMS = 50;

export function newClientId(): string {
  const random = typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  return `w-${random}`;
}

export class Outbox {
  constructor(private readonly store: Store) {}

  /** Always read from storage: another tab of the same shop may have sent or added items. */
  items(): OutboxItem[] {
    const items = this.store.get<OutboxItem[]>(KEY);
    return Array.isArray(items)
      ? items.filter((i) => i && typeof i.clientId === 'string' && typeof i.text === 'string')
      : [];
  }

  /** False when it is full (MAX_ITEMS waiting): the item is not stored, and the caller keeps the shopper's text. */
  add(item: OutboxItem): boolean {
    const items = this.items();
    if (items.length >= MAX_ITEMS) return false;
    items.push(item);
    this.store.set(KEY, items);
    return true;
  }

  remove(clientId: string): boolean {
    const items = this.items();
    const kept = items.filter((i) => i.clientId !== clientId);
    if (kept.length === items.length) return false;
    if (kept.length) this.store.set(KEY, kept);
    else this.store.remove(KEY);
    return true;
  }

  /** Items still to send, in order (failed ones wait for the shopper). */
  pending(): OutboxItem[] {
    return this.items().filter((i) => !i.failed);
  }

  /** Replaces an item in place (same client id); false when it is gone (sent or removed by another tab). */
  update(item: OutboxItem): boolean {
    const items = this.items();
    const at = items.findIndex((i) => i.clientId === item.clientId);
    if (at < 0) return false;
    items[at] = item;
    this.store.set(KEY, items);
    return true;
  }

  has(clientId: string): boolean {
    return this.items().some((i) => i.clientId === clientId);
  }
}
