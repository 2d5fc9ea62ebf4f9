// Groups the events of many concurrently processed jobs into few transactions.
// Each job's promise settles only once the batch holding its events has
// committed (or failed), so BullMQ marks a job completed only after its rows
// are durable. One bad job must not sink its neighbours: when a batch fails on
// a data error, its jobs are retried one by one to find the culprit.
import type { InteractionEvent } from '../server/interaction-events.ts';
import type { BatchResult } from './interaction-store.ts';
import { asJobError, isDataSqlError, isTransientSqlError } from './errors.ts';

export interface BatcherOptions {
  /** Write as soon as this many events are waiting. */
  maxEvents: number;
  /** Write at the latest this long after the first event arrived. */
  flushMs: number;
  /** Batches written at once. */
  parallel: number;
}

export interface BatcherStats {
  batches: number;
  events: number;
  inserted: number;
  /** Time spent in committed batch writes, to tell a slow database from a slow queue. */
  writeMs: number;
}

interface Entry {
  events: InteractionEvent[];
  resolve: () => void;
  reject: (error: Error) => void;
}

const TRANSIENT_RETRIES = 3;

export class InteractionBatcher {
  readonly stats: BatcherStats = { batches: 0, events: 0, inserted: 0, writeMs: 0 };
  private pending: Entry[] = [];
  private pendingEvents = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The timer fired (or a drain was asked) while all parallel slots were busy. */
  private due = false;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly write: (events: readonly InteractionEvent[]) => Promise<BatchResult>,
    private readonly options: BatcherOptions,
  ) {}

  /** Resolves once these events are committed; rejects with the database's error (UnrecoverableError for bad data). */
  add(events: InteractionEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('The interactions batcher is closed.'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ events, resolve, reject });
      this.pendingEvents += events.length;
      if (this.pendingEvents >= this.options.maxEvents) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.onTimer(), this.options.flushMs);
    });
  }

  /** Writes whatever is waiting now (used at shutdown so jobs in flight finish without waiting for the timer). */
  drain(): void {
    this.due = true;
    this.flush();
  }

  /** Refuses new events, writes the waiting ones and waits for every batch in flight. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      this.drain();
      await Promise.race(this.inFlight);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private onTimer(): void {
    this.timer = null;
    this.due = true;
    this.flush();
  }

  private flush(): void {
    while (this.pending.length > 0 && this.inFlight.size < this.options.parallel && (this.due || this.pendingEvents >= this.options.maxEvents)) {
      const batch = this.takeBatch();
      const flight = this.writeBatch(batch).finally(() => {
        this.inFlight.delete(flight);
        this.flush();
      });
      this.inFlight.add(flight);
    }
    if (this.pending.length === 0) {
      this.due = false;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
    } else if (!this.due && !this.timer) {
      this.timer = setTimeout(() => this.onTimer(), this.options.flushMs);
    }
  }

  /** Whole jobs, up to maxEvents events (a single larger job goes alone). */
  private takeBatch(): Entry[] {
    const batch: Entry[] = [];
    let count = 0;
    while (this.pending.length > 0) {
      const next = this.pending[0];
      if (batch.length > 0 && count + next.events.length > this.options.maxEvents) break;
      batch.push(this.pending.shift()!);
      count += next.events.length;
    }
    this.pendingEvents -= count;
    return batch;
  }

  private async writeWithRetry(events: readonly InteractionEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const started = performance.now();
        const result = await this.write(events);
        this.stats.writeMs += performance.now() - started;
        this.stats.batches += 1;
        this.stats.events += events.length;
        this.stats.inserted += result.inserted;
        return;
      } catch (error) {
        if (!isTransientSqlError(error) || attempt >= TRANSIENT_RETRIES) throw error;
      }
    }
  }

  private async writeBatch(batch: Entry[]): Promise<void> {
    try {
      await this.writeWithRetry(batch.flatMap((entry) => entry.events));
      for (const entry of batch) entry.resolve();
      return;
    } catch (error) {
      if (!isDataSqlError(error) || batch.length === 1) {
        for (const entry of batch) entry.reject(asJobError(error));
        return;
      }
    }
    // Isolate the job(s) with bad data; the others still commit now.
    for (const entry of batch) {
      try {
        await this.writeWithRetry(entry.events);
        entry.resolve();
      } catch (error) {
        entry.reject(asJobError(error));
      }
    }
  }
}
