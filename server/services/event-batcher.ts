// Coalesces the interaction events of concurrent requests into one enqueue
// (group commit, see micro-batcher.ts): under load, one Redis round trip
// carries the events of many messages instead of one each. Every caller still
// waits until Redis has its events or refused them (while Redis is away the
// queue refuses at once: queues.ts, reachable), and the caller decides what a
// refusal costs (chat-service.ts).
import type { EventSink } from './chat-service.ts';
import type { InteractionEvent } from '../interaction-events.ts';
import { createMicroBatcher } from './micro-batcher.ts';

export function batchingEventSink(target: EventSink, maxCalls = 100): EventSink {
  const enqueue = createMicroBatcher<InteractionEvent[], void>(async (groups) => {
    await target.enqueueInteractions(groups.flat());
    return groups.map(() => undefined);
  }, { maxItems: maxCalls, maxInFlight: 1 });
  return {
    enqueueInteractions: (events) => (events.length ? enqueue(events) : Promise.resolve()),
    enqueueFeedback: (job) => target.enqueueFeedback(job),
  };
}
