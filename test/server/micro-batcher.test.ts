// The group-commit batcher behind batched message inserts and event enqueues.
import { describe, expect, it } from 'vitest';
import { createMicroBatcher } from '../../server/services/micro-batcher.ts';

/** A batch runner whose calls finish only when the test releases them. */
function gatedRunner() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((release) => gates.push(release));
    if (items.includes(-1)) throw new Error('batch failed');
    return items.map((n) => n * 10);
  };
  return { run, batches, releaseNext: () => gates.shift()?.() };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('micro-batcher', () => {
  it('serves the calls of one turn with one batch, each with its own result', async () => {
    const runner = gatedRunner();
    const call = createMicroBatcher(runner.run, { maxItems: 10, maxInFlight: 1 });
    const results = Promise.all([call(1), call(2), call(3)]);
    await turn();
    expect(runner.batches).toEqual([[1, 2, 3]]);
    runner.releaseNext();
    expect(await results).toEqual([10, 20, 30]);
  });

  it('holds calls that arrive while a batch is in flight and sends them together afterwards', async () => {
    const runner = gatedRunner();
    const call = createMicroBatcher(runner.run, { maxItems: 10, maxInFlight: 1 });
    const first = call(1);
    await turn();
    const later = [call(2), call(3)];
    await turn();
    const more = call(4);
    await turn();
    expect(runner.batches).toEqual([[1]]); // still one in flight
    runner.releaseNext();
    expect(await first).toBe(10);
    await turn();
    expect(runner.batches).toEqual([[1], [2, 3, 4]]);
    runner.releaseNext();
    expect(await Promise.all([...later, more])).toEqual([20, 30, 40]);
  });

  it('splits at maxItems and fails only the calls of a failed batch', async () => {
    const runner = gatedRunner();
    const call = createMicroBatcher(runner.run, { maxItems: 2, maxInFlight: 2 });
    const a = call(1);
    const b = call(-1);
    const c = call(3);
    await turn();
    await turn();
    expect(runner.batches).toEqual([[1, -1], [3]]);
    runner.releaseNext();
    runner.releaseNext();
    await expect(a).rejects.toThrow('batch failed');
    await expect(b).rejects.toThrow('batch failed');
    expect(await c).toBe(30);
  });

  it('with retryAlone, runs a failed batch again item by item, in order, so that only the bad item fails', async () => {
    const runs: number[][] = [];
    const run = async (items: number[]) => {
      runs.push(items);
      if (items.includes(-1)) throw Object.assign(new Error('bad item'), { code: '22P05' });
      return items.map((n) => n * 10);
    };
    const call = createMicroBatcher(run, { maxItems: 10, maxInFlight: 1, retryAlone: (error) => (error as { code?: string }).code === '22P05' });
    const results = await Promise.allSettled([call(1), call(-1), call(3)]);
    expect(runs).toEqual([[1, -1, 3], [1], [-1], [3]]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: expect.objectContaining({ message: 'bad item' }) },
      { status: 'fulfilled', value: 30 },
    ]);
    // A batch of one is not run twice.
    await expect(call(-1)).rejects.toThrow('bad item');
    expect(runs).toHaveLength(5);
  });

  it('fails the whole batch at once, without retrying each item, when retryAlone says the error is not an item\'s', async () => {
    let runs = 0;
    const run = async (items: number[]) => {
      runs++;
      if (items.length) throw Object.assign(new Error('connection lost'), { code: 'CONNECTION_CLOSED' });
      return [];
    };
    const call = createMicroBatcher(run, { maxItems: 10, maxInFlight: 1, retryAlone: (error) => (error as { code?: string }).code === '22P05' });
    const results = await Promise.allSettled([call(1), call(2), call(3)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(runs).toBe(1);
  });

  it('lets the next batch go when one is stuck longer than releaseAfterMs; the stuck callers still wait for theirs', async () => {
    const runner = gatedRunner();
    const call = createMicroBatcher(runner.run, { maxItems: 10, maxInFlight: 1, releaseAfterMs: 50 });
    let stuckSettled = false;
    const stuck = call(1).finally(() => (stuckSettled = true));
    await turn();
    const next = call(2);
    await turn();
    expect(runner.batches).toEqual([[1]]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(runner.batches).toEqual([[1], [2]]);
    expect(stuckSettled).toBe(false); // its callers still wait for it
    runner.releaseNext(); // the first (stuck) batch
    runner.releaseNext(); // the second
    expect(await stuck).toBe(10);
    expect(await next).toBe(20);
  });
});

