// The interaction events a stack queued for the workers, read from the BullMQ queue itself: for tests whose stack runs
// no workers, so the events wait there.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullPrefix } from '../../server/queues.ts';
import { QUEUE_INTERACTIONS, type InteractionEvent, type InteractionJob } from '../../server/interaction-events.ts';
import type { TestStack } from './server.ts';

/** The queued events of one conversation, in queue order. */
export async function queuedEvents(stack: TestStack, conversationId: number): Promise<InteractionEvent[]> {
  const connection = new Redis(stack.env.config.redisUrl);
  const queue = new Queue<InteractionJob>(QUEUE_INTERACTIONS, { connection, prefix: bullPrefix(stack.env.config) });
  try {
    return (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).flatMap((job) => job.data.events).filter((e) => e.conversationId === conversationId);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
