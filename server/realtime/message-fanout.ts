// Delivery of chat messages to every server's sockets. Messages are the hot
// path (measured in bench:chat), so they get a Redis channel of their own
// instead of the Socket.IO adapter, which would cost two publishes per message
// (one per namespace), each echoed back to the sender and decoded there. Here
// the messages of one event-loop turn travel in ONE publish, and a server
// skips its own publishes without parsing them. Agent consoles get them the
// same way: one `messages:new` frame per turn carrying the turn's messages,
// instead of one frame per message per console (a busy shop's consoles would
// otherwise parse hundreds of frames a second). Shopper tabs see only their own
// conversation, so they get each message as it comes. Every other event still
// uses the adapter.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChatMessage } from './event-maps.ts';
import { perTurn } from './per-turn.ts';
import { prefixed, type Config } from '../config.ts';

/** The Redis channel every server of an install listens on for messages. */
export const fanoutChannel = (config: Pick<Config, 'redisPrefix'>) => prefixed(config, 'messages');

export interface MessageFanout {
  /**
   * Delivers to this server's shopper tabs at once (except `exceptSocketId`, the sender, who has its ack),
   * to its consoles at the end of the turn, and tells the other servers, which do the same.
   */
  announce(message: ChatMessage, exceptSocketId?: string): void;
  close(): Promise<void>;
}

export interface LocalDelivery {
  /** One message to the shopper's tabs on this server (never called for private notes). */
  toWidgets(message: ChatMessage, exceptSocketId?: string): void;
  /** The messages of one turn to every console on this server. */
  toAgents(messages: ChatMessage[]): void;
}

/**
 * Announces messages stored by a process without sockets (a worker): every server delivers them as if another
 * server had (private ones to consoles only). Best effort, like every publish here: clients resync.
 */
export async function publishToFanout(pub: Redis, channel: string, messages: ChatMessage[]): Promise<void> {
  if (messages.length) await pub.publish(channel, `worker|${JSON.stringify(messages)}`);
}

export async function createMessageFanout(options: {
  pub: Redis;
  /** A connection of its own: it goes into subscriber mode. */
  sub: Redis;
  channel: string;
  deliver: LocalDelivery;
  log: { warn(obj: unknown, msg?: string): void };
}): Promise<MessageFanout> {
  const { pub, sub, channel, deliver, log } = options;
  const toConsoles = perTurn<ChatMessage>(deliver.toAgents);
  const deliverLocally = (message: ChatMessage, exceptSocketId?: string) => {
    // Private notes never reach the /widget namespace.
    if (!message.private) deliver.toWidgets(message, exceptSocketId);
    toConsoles.push(message);
  };

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

  const toOtherServers = perTurn<ChatMessage>((batch) => {
    // Not awaited (like the adapter's broadcasts): a lost publish is caught up by the clients' resync.
    pub.publish(channel, origin + JSON.stringify(batch)).catch((error: Error) => log.warn({ err: error }, 'message fan-out not published'));
  });
  return {
    announce(message, exceptSocketId) {
      deliverLocally(message, exceptSocketId);
      toOtherServers.push(message);
    },
    async close() {
      toConsoles.flushNow();
      toOtherServers.flushNow();
      sub.disconnect();
    },
  };
}
