// The knowledge base's reload channel (knowledge-base/reload-channel.ts) on a real Redis whose connection drops again
// and again: each drop may have lost an announcement, so a reconnection reloads everything, but drops during a reload
// cause one more reload after it, not one each (five drops had queued five full reloads of model, index and products).
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { subscribeReload } from '../../knowledge-base/reload-channel.ts';

const name = `reload-coalesce-${randomBytes(4).toString('hex')}`;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const base = new Redis(redisUrl, { connectionName: name });
const admin = new Redis(redisUrl);

afterAll(() => {
  base.disconnect();
  admin.disconnect();
});

/** The ids of this test's connections (the subscriber is a duplicate of `base`, so it has its name). */
async function subscriberIds(): Promise<string[]> {
  const list = String(await admin.client('LIST'));
  return list.split('\n').filter((line) => line.includes(` name=${name} `) && /sub=1/.test(line)).map((line) => /\bid=(\d+)/.exec(line)![1]);
}

const until = async (check: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('reloads after reconnections', () => {
  it('runs one reload more for five drops during a reload, never two at once', async () => {
    let started = 0;
    let running = 0;
    let most = 0;
    let finishFirst!: () => void;
    const first = new Promise<void>((resolve) => { finishFirst = resolve; });
    const close = await subscribeReload(base, { redisPrefix: name }, () => {}, async () => {
      started++;
      running++;
      most = Math.max(most, running);
      if (started === 1) await first; // the first reload is slow: every later drop happens during it
      running--;
    });
    try {
      await until(async () => (await subscriberIds()).length === 1);
      for (let drop = 1; drop <= 5; drop++) {
        const [id] = await subscriberIds();
        await admin.client('KILL', 'ID', id);
        // Back (resubscribed) before the next drop.
        await until(async () => { const ids = await subscriberIds(); return ids.length === 1 && ids[0] !== id; });
        await until(async () => started >= 1);
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(started).toBe(1);
      finishFirst();
      await until(async () => started === 2 && running === 0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(started).toBe(2);
      expect(most).toBe(1);
    } finally {
      finishFirst();
      await close();
    }
  });
});
