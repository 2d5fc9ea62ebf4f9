// Gathers the requests of one event-loop turn (up to `maxItems`) and serves
// them with one call, so that under load one round trip to Postgres or Redis
// carries the work of many sockets. Each caller gets its own result, or the
// batch's error, and nothing is answered before the batch call has finished.
export function createMicroBatcher<In, Out>(run: (items: In[]) => Promise<Out[]>, maxItems: number): (item: In) => Promise<Out> {
  let pending: { item: In; resolve(value: Out): void; reject(error: unknown): void }[] = [];
  let scheduled = false;

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = pending;
    if (!batch.length) return;
    pending = [];
    try {
      const results = await run(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }

  return (item) =>
    new Promise<Out>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length >= maxItems) void flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
}
