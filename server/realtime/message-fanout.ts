// Delivery of chat messages to every server's sockets with ONE Redis publish
// per message. Going through the Socket.IO adapter would cost two (one per
// namespace: shoppers and agents), each also echoed back to the sender and
// decoded there; messages are the hot path (measured in bench:chat), so they
// get this channel of their own. Every other event still uses the adapter.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChatMessage } from './event-maps.ts';

export interface MessageFanout {
  /** Delivers locally at once, then tells the other servers. */
  announce(message: ChatMessage): void;
  close(): Promise<void>;
}

export async function createMessageFanout(options: {
  pub: Redis;
  /** A connection of its own: it goes into subscriber mode. */
  sub: Redis;
  channel: string;
  deliverLocally(message: ChatMessage): void;
  log: { warn(obj: unknown, msg?: string): void };
}): Promise<MessageFanout> {
  const { pub, sub, channel, deliverLocally, log } = options;
  // The sender's id leads the payload, so a server skips its own messages without parsing them.
  const origin = `${randomBytes(8).toString('hex')}|`;
  sub.on('message', (from: string, payload: string) => {
    if (from !== channel || payload.startsWith(origin)) return;
    try {
      deliverLocally(JSON.parse(payload.slice(payload.indexOf('|') + 1)) as ChatMessage);
    } catch (error) {
      log.warn({ err: error }, 'malformed message on the fan-out channel');
    }
  });
  await sub.subscribe(channel);
  return {
    announce(message) {
      deliverLocally(message);
      // Not awaited (like the adapter's broadcasts): a lost publish is caught up by the clients' resync.
      pub.publish(channel, origin + JSON.stringify(message)).catch((error: Error) => log.warn({ err: error }, 'message fan-out not published'));
    },
    async close() {
      sub.disconnect();
    },
  };
}
