// Coalesces the interaction events of concurrent requests into one enqueue per
// event-loop turn: under load, one Redis round trip carries the events of many
// messages instead of one each. Every caller still waits until Redis has its
// events, so an ack still means "queued for the history".
import type { EventSink } from './chat-service.ts';
import type { InteractionEvent } from '../interaction-events.ts';

export function batchingEventSink(target: EventSink, maxEvents = 200): EventSink & { flush(): Promise<void> } {
  let pending: { events: InteractionEvent[]; resolve(): void; reject(error: unknown): void }[] = [];
  let pendingEvents = 0;
  let scheduled = false;

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = pending;
    if (!batch.length) return;
    pending = [];
    pendingEvents = 0;
    try {
      await target.enqueueInteractions(batch.flatMap((b) => b.events));
      for (const b of batch) b.resolve();
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }

  return {
    flush,
    enqueueInteractions(events) {
      if (!events.length) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        pending.push({ events, resolve, reject });
        pendingEvents += events.length;
        if (pendingEvents >= maxEvents) void flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    },
    enqueueFeedback: (job) => target.enqueueFeedback(job),
  };
}
