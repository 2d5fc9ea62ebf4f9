// Limits per shopper rather than per socket. A visitor token opens any number of
// sockets, so a limit counted per socket let one shopper send as fast as they
// opened sockets (ten sockets: 200 messages in a third of a second, each a
// database write, a bot turn and a broadcast to every console). The buckets live
// in this server's memory, kept while the shopper has a socket here: a shopper
// whose sockets land on several servers gets the limit once per server, which
// bounds the flood without a Redis round trip on every message.

/** Token bucket: `limit` events per `windowMs`, refilled continuously. */
export function tokenBucket(limit: number, windowMs: number): () => boolean {
  let tokens = limit;
  let last = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(limit, tokens + ((now - last) / windowMs) * limit);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** Most widget sockets one shopper keeps on one server: many tabs, not a flood of connections. */
export const MAX_SOCKETS_PER_SHOPPER = 20;

export interface ShopperLimits {
  /** Registers a socket of this shopper; false when they already have MAX_SOCKETS_PER_SHOPPER here. */
  open(customerId: number): boolean;
  close(customerId: number): void;
  /** The shopper's shared message bucket (take one token: false when they are sending too fast). */
  message(customerId: number): boolean;
}

export function shopperLimits(messagesPerWindow: number, windowMs: number): ShopperLimits {
  const shoppers = new Map<number, { sockets: number; message: () => boolean }>();
  return {
    open(customerId) {
      const entry = shoppers.get(customerId);
      if (entry && entry.sockets >= MAX_SOCKETS_PER_SHOPPER) return false;
      if (entry) entry.sockets += 1;
      else shoppers.set(customerId, { sockets: 1, message: tokenBucket(messagesPerWindow, windowMs) });
      return true;
    },
    close(customerId) {
      const entry = shoppers.get(customerId);
      if (!entry) return;
      entry.sockets -= 1;
      if (entry.sockets > 0) return;
      // Forgotten a window after their last socket (the bucket is full again by then): closing and reopening a socket
      // must not hand out a fresh bucket.
      setTimeout(() => {
        if (shoppers.get(customerId) === entry && entry.sockets <= 0) shoppers.delete(customerId);
      }, windowMs).unref();
    },
    message(customerId) {
      return shoppers.get(customerId)?.message() ?? false;
    },
  };
}
