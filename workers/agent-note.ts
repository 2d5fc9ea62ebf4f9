// A line the workers add to a chat for its agents only (the follow-up "Emailed the reply to …", the rating email's
// "Asked the shopper by email to rate the chat"): a private system message, which the widget and the shopper's
// transcript never show, announced to the consoles through the servers' message fan-out. It records what the worker
// did, not activity in the chat: it leaves the chat's status and last_message_at alone (no reopening, no restarted
// idle-close clock, no move in the inbox order), and, being neither a shopper's message nor one of the events the
// reports and alerts read, counts in no figure and alerts nobody.
import { Redis } from 'ioredis';
import type { Config } from '../server/config.ts';
import type { Sql } from '../server/db/client.ts';
import { conversationsRepository, toChatMessage } from '../server/repositories/conversations.ts';
import { fanoutChannel, publishToFanout } from '../server/realtime/message-fanout.ts';
import type { ChatMessage } from '../server/realtime/event-maps.ts';

export type AnnounceMessages = (messages: ChatMessage[]) => Promise<void>;

export async function addAgentNote(sql: Sql, announce: AnnounceMessages, note: {
  conversationId: number;
  /** Unique in the chat: a retried job stores the line once. */
  clientId: string;
  /** The English words, for whatever does not word the event itself (console/src/system-lines.ts does). */
  body: string;
  metadata: Record<string, unknown> & { event: string };
}): Promise<void> {
  const { message } = await conversationsRepository(sql).insertMessage({
    conversationId: note.conversationId,
    authorType: 'system',
    clientId: note.clientId,
    body: note.body,
    private: true,
    metadata: note.metadata,
    touchesConversation: false,
  });
  await announce([toChatMessage(message)]).catch(() => {}); // consoles that miss it see it on their next load
}

/** A worker's Redis connection, opened on first use (the fan-out publish, a cache read) and closed with the worker. */
export function workerRedis(config: Pick<Config, 'redisUrl'>) {
  let redis: Redis | null = null;
  const connection = () => {
    if (!redis) {
      redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
      redis.on('error', () => {}); // a failed read or publish is handled where it happens
    }
    return redis;
  };
  return {
    connection,
    announcer: (channelConfig: Pick<Config, 'redisPrefix'>): AnnounceMessages => (messages) => publishToFanout(connection(), fanoutChannel(channelConfig), messages),
    close: async () => { await (redis as Redis | null)?.quit().catch(() => {}); },
  };
}
