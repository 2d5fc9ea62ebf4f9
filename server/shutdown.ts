// SIGTERM/SIGINT handling shared by the server (main.ts) and the stand-alone workers (workers/main.ts).
// A graceful stop waits for work in flight, but a dependency that is away (a Redis outage) can make that wait
// endless: a process a supervisor asked to stop must exit all the same, so the whole stop has a deadline.
// A second signal means "now", except one right after the first: stopping a process group (tsx relays the signal
// to the node process, which got it as well) delivers the same request twice within milliseconds.

/** A repeat signal within this long of the first is the same request, not an impatient operator. */
export const REPEAT_SIGNAL_GRACE_MS = 1_000;

export interface StopSignalOptions {
  /** The graceful stop; the process exits 0 when it resolves, 1 when it rejects. */
  stop: () => Promise<void>;
  /** Exits 1 when the stop takes longer than this. */
  deadlineMs: number;
  /** What is being stopped, for the log lines ("server", "workers"). */
  name: string;
  log?: { info(line: string): void; error(line: string): void };
  exit?: (code: number) => void;
  now?: () => number;
}

const consoleLog = { info: (line: string) => console.log(line), error: (line: string) => console.error(line) };

/** The handler for a stop signal: call it with the signal's name each time one arrives. */
export function stopOnSignals(options: StopSignalOptions): (signal: string) => void {
  const { stop, deadlineMs, name, log = consoleLog, exit = (code) => process.exit(code), now = Date.now } = options;
  let firstAt: number | null = null;
  return (signal) => {
    if (firstAt !== null) {
      if (now() - firstAt < REPEAT_SIGNAL_GRACE_MS) return; // the same stop, delivered to the process group twice
      log.error(`${signal} received again: ${name} exiting without waiting`);
      exit(1);
      return;
    }
    firstAt = now();
    log.info(`${signal}: ${name} shutting down (finishing work in flight; at most ${Math.round(deadlineMs / 1000)} s)…`);
    const deadline = setTimeout(() => {
      log.error(`${name} did not stop within ${Math.round(deadlineMs / 1000)} s (SHUTDOWN_TIMEOUT_MS): exiting without waiting`);
      exit(1);
    }, deadlineMs);
    stop().then(
      () => {
        clearTimeout(deadline);
        log.info(`${name} stopped`);
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        log.error(`${name} did not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  };
}

/** The handler `exitWhileStarting` installed, until the graceful one replaces it. */
let whileStarting: ((signal: NodeJS.Signals) => void) | null = null;

/**
 * Exits at once on SIGTERM or SIGINT while the process is still starting (migrations, the first training, the bundles):
 * nothing runs that needs draining yet. As a container's first process (PID 1) node gets no default action for a
 * signal it does not handle, so without this a stop during the start was ignored and the container killed later.
 * A migration cut off this way is rolled back: it runs in one transaction.
 */
export function exitWhileStarting(name: string): void {
  whileStarting = (signal) => {
    console.log(`${signal}: ${name} stopped while starting`);
    process.exit(143);
  };
  process.once('SIGTERM', whileStarting);
  process.once('SIGINT', whileStarting);
}

/** Stops on SIGTERM and SIGINT (replacing `exitWhileStarting`'s exit). */
export function handleStopSignals(options: StopSignalOptions): void {
  if (whileStarting) {
    process.removeListener('SIGTERM', whileStarting);
    process.removeListener('SIGINT', whileStarting);
    whileStarting = null;
  }
  const onSignal = stopOnSignals(options);
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/** Waits for `work`, but no longer than `ms`; `onLate` says so when it gives up (the work goes on unawaited). */
export async function withinMs(ms: number, work: Promise<unknown>, onLate: () => void): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const outcome = await Promise.race([work.then(() => 'done' as const, () => 'done' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') onLate();
}

/**
 * Closes a Redis connection politely when it is up (QUIT: commands sent before it are answered first), at once when
 * it is not: a QUIT queued on a connection waiting for an absent Redis (BullMQ's never give up) never resolves.
 */
export async function closeRedis(redis: { status: string; quit(): Promise<unknown>; disconnect(): void }, ms = 2_000): Promise<void> {
  if (redis.status !== 'ready') return redis.disconnect();
  await withinMs(ms, redis.quit().catch(() => redis.disconnect()), () => redis.disconnect());
}
