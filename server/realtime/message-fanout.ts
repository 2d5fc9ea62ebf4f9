// Delivery of chat messages to every server's sockets. Messages are the hot
// path (measured in bench:chat), so they get a Redis channel of their own
// instead of the Socket.IO adapter, which would cost two publishes per message
// (one per namespace), each echoed back to the sender and decoded there. Here
// the messages of one event-loop turn travel in ONE publish, and a server
// skips its own publishes without parsing them. Every other event still uses
// the adapter.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChatMessage } from './event-maps.ts';

export interface MessageFanout {
  /**
   * Delivers locally at once (except to `exceptSocketId`, the sender, who has its ack), then tells the
   * other servers, where every socket that may see the message gets it.
   */
  announce(message: ChatMessage, exceptSocketId?: string): void;
  close(): Promise<void>;
}

export async function createMessageFanout(options: {
  pub: Redis;
  /** A connection of its own: it goes into subscriber mode. */
  sub: Redis;
  channel: string;
  deliverLocally(message: ChatMessage, exceptSocketId?: string): void;
  log: { warn(obj: unknown, msg?: string): void };
}): Promise<MessageFanout> {
  const { pub, sub, channel, deliverLocally, log } = options;
  // The sender's id leads the payload, so a server skips its own publishes without parsing them.
  const origin = `${randomBytes(8).toString('hex')}|`;
  sub.on('message', (from: string, payload: string) => {
    if (from !== channel || payload.startsWith(origin)) return;
    try {
      for (const message of JSON.parse(payload.slice(payload.indexOf('|') + 1)) as ChatMessage[]) deliverLocally(message);
    } catch (error) {
      log.warn({ err: error }, 'malformed message on the fan-out channel');
    }
  });
  await sub.subscribe(channel);

  let outgoing: ChatMessage[] = [];
  const publishOutgoing = () => {
    const batch = outgoing;
    outgoing = [];
    // Not awaited (like the adapter's broadcasts): a lost publish is caught up by the clients' resync.
    pub.publish(channel, origin + JSON.stringify(batch)).catch((error: Error) => log.warn({ err: error }, 'message fan-out not published'));
  };
  return {
    announce(message, exceptSocketId) {
      deliverLocally(message, exceptSocketId);
      if (outgoing.push(message) === 1) setImmediate(publishOutgoing);
    },
    async close() {
      if (outgoing.length) publishOutgoing();
      sub.disconnect();
    },
  };
}
