// Gathers concurrent requests and serves them with one call, so that under
// load one round trip to Postgres or Redis carries the work of many sockets
// (group commit). A batch starts at the end of the event-loop turn in which
// its first request arrived; while `maxInFlight` batches are already running,
// new requests wait and join the next one, so batches grow with the load
// instead of the number of round trips. Each caller gets its own result, or
// the batch's error, and nothing is answered before its batch has finished.
// A batch that takes longer than `releaseAfterMs` stops counting as in flight
// (its callers still wait for it), so one stuck call cannot hold every other.
// One caller's bad item must not fail the others: when `retryAlone` says a
// batch's error may be one item's fault (a value the database refuses, a row
// deleted meanwhile), each item is run again on its own, in order, and only
// the guilty ones fail. Errors of the whole (a timeout, a lost connection)
// fail the batch at once: retrying item by item would only multiply the wait.
export function createMicroBatcher<In, Out>(
  run: (items: In[]) => Promise<Out[]>,
  options: { maxItems: number; maxInFlight: number; releaseAfterMs?: number; retryAlone?: (error: unknown) => boolean },
): (item: In) => Promise<Out> {
  let pending: { item: In; resolve(value: Out): void; reject(error: unknown): void }[] = [];
  let scheduled = false;
  let inFlight = 0;

  function schedule(): void {
    if (scheduled || !pending.length || inFlight >= options.maxInFlight) return;
    scheduled = true;
    setImmediate(() => void flush());
  }

  async function flush(): Promise<void> {
    scheduled = false;
    const batch = pending.splice(0, options.maxItems);
    if (!batch.length) return;
    inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight--;
      schedule();
    };
    const stall = setTimeout(release, options.releaseAfterMs ?? 2_000);
    schedule(); // more than one batch's worth waiting
    try {
      const results = await run(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (error) {
      if (batch.length > 1 && options.retryAlone?.(error)) {
        // In the order of arrival, so ids keep it. (Only for a run that fails as a whole, e.g. one statement: a
        // retry must not find half of the batch already done.)
        for (const b of batch) await Promise.resolve().then(() => run([b.item])).then(([result]) => b.resolve(result), b.reject);
      } else {
        for (const b of batch) b.reject(error);
      }
    } finally {
      clearTimeout(stall);
      release();
    }
  }

  return (item) =>
    new Promise<Out>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      schedule();
    });
}
