// The owed train/index mark (knowledge-base/owed-jobs.ts) on a real Postgres and Redis when the app server's clock and
// a worker's differ: both sides take Postgres's time, so a worker whose clock is behind the app server's still clears
// the debt its job covers (with each machine's own clock the mark stayed, and every sweep queued the job again).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { createQueues, type Queues } from '../../server/queues.ts';
import { queueOwedJob, requestOrOwe } from '../../knowledge-base/owed-jobs.ts';

let env: TestEnv;
let queues: Queues;

beforeAll(async () => {
  env = await createTestEnv();
  queues = createQueues(env.config);
});

afterEach(() => vi.useRealTimers());

afterAll(async () => {
  await queues?.close();
  await env?.cleanup();
});

const owedSince = async () => (await env.sql<{ owed_since: Date | null }[]>`select owed_since from kb_job_status where kind = 'train'`)[0].owed_since;

describe('owed jobs across machines whose clocks differ', () => {
  it("marks the debt with Postgres's time and clears it from a worker whose clock is ten minutes behind", async () => {
    // The app server's clock runs ten minutes ahead; the queue is unreachable.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10 * 60_000);
    await requestOrOwe(env.sql, 'train', async () => { throw new Error('queue unreachable'); });
    vi.useRealTimers();
    const [{ now }] = await env.sql<{ now: Date }[]>`select now() as now`;
    const marked = await owedSince();
    expect(marked).not.toBeNull();
    expect(Math.abs(marked!.getTime() - now.getTime())).toBeLessThan(5_000);

    // A worker on time (ten minutes behind the app server) queues it: the job covers the change, the mark goes.
    expect(await queueOwedJob(() => queues, env.sql, 'train')).toBe(true);
    expect(await owedSince()).toBeNull();
    expect(await queueOwedJob(() => queues, env.sql, 'train')).toBe(false);
  });
});
