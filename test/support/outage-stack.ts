// A stack whose server uses a redis-server of the file's own (outageRedis), for the tests of a Redis outage: started
// before the file's tests, closed after them. Redis is started again first if a test left it stopped: the stack's
// cleanup deletes its keys there.
import { afterAll, beforeAll } from 'vitest';
import { startStack, type TestStack } from './server.ts';
import { outageRedis } from './redis-server.ts';

export interface OutageStack {
  /** Set once the file's beforeAll has run: read them inside the tests. */
  redis: Awaited<ReturnType<typeof outageRedis>>;
  stack: TestStack;
  /** Sockets the tests opened, disconnected before the stack closes. */
  open: { disconnect(): unknown }[];
}

/** Call at a test file's top level; `options` as startStack takes them (its redisUrl is the outage Redis's). */
export function outageStack(options: Parameters<typeof startStack>[0] = {}): OutageStack {
  const state = { open: [] } as unknown as OutageStack;
  beforeAll(async () => {
    state.redis = await outageRedis();
    state.stack = await startStack({ ...options, config: { ...options.config, redisUrl: state.redis.url } });
  }, 60_000);
  afterAll(async () => {
    state.open.forEach((socket) => socket.disconnect());
    if (state.redis && !state.redis.running()) await state.redis.start();
    await state.stack?.close();
    state.redis?.close();
  });
  return state;
}
