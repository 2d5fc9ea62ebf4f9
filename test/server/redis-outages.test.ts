// A Redis outage in the logs: said once when it begins and once when it ends, however many reconnect attempts
// ioredis makes meanwhile (it emits an error at each, about every two seconds). Against a real redis-server of the
// test's own, stopped and started again on the same port. And a subscriber's commands that nobody awaits, failing during
// an outage, which must not become unhandled rejections (a server stopped while Redis is away).
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { outageWatch, reachable, resubscribingQuietly, watchConnection } from '../../server/redis-outages.ts';
import { eventually } from '../support/sockets.ts';
import { freePort, startRedisServer } from '../support/redis-server.ts';

const startRedis = (port: number) => startRedisServer(port);

const lines: string[] = [];
const log = { warn: (line: string) => void lines.push(`warn ${line}`), info: (line: string) => void lines.push(`info ${line}`) };
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

describe('Redis outages in the log', () => {
  it('says when Redis went away once for all connections, and when it is back', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    cleanups.push(() => redis.kill('SIGKILL'));
    const watch = outageWatch('server', log);
    const connections = [new Redis({ port }), new Redis({ port })];
    for (const connection of connections) {
      watchConnection(connection, watch, 'server', log);
      cleanups.push(() => connection.disconnect());
    }
    await Promise.all(connections.map((c) => c.ping()));
    let attempts = 0;
    connections[0].on('error', () => attempts++);

    redis.kill('SIGKILL');
    await once(redis, 'exit');
    // Several failed reconnects on each connection.
    await eventually(async () => attempts >= 4, 15_000, 'reconnect attempts');
    expect(lines).toEqual([expect.stringMatching(/^warn server: Redis unreachable \(.*ECONNREFUSED.*\); retrying until it is back$/)]);

    redis = await startRedis(port);
    await Promise.all(connections.map((c) => c.ping()));
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^info server: Redis reachable again after \d+ s$/)]);

    // A command's own error is no outage: it is logged as it comes, and the next outage is said again.
    connections[0].emit('error', new Error('WRONGTYPE Operation against a key holding the wrong kind of value'));
    expect(lines.slice(2)).toEqual(['warn server: Redis error: WRONGTYPE Operation against a key holding the wrong kind of value']);
    redis.kill('SIGKILL');
    await eventually(async () => lines.length === 4, 15_000, 'the second outage said');
    expect(lines[3]).toMatch(/^warn server: Redis unreachable/);
  }, 60_000);

  it('reachable(): waits for a connection being made, and refuses at once while Redis is away', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    cleanups.push(() => redis.kill('SIGKILL'));
    const connection = new Redis({ port });
    connection.on('error', () => {});
    cleanups.push(() => connection.disconnect());
    // A new connection (a fresh process's first enqueue) is waited for, not refused.
    expect(connection.status).toBe('connecting');
    await reachable(connection);
    expect(connection.status).toBe('ready');

    redis.kill('SIGKILL');
    await once(redis, 'exit');
    await eventually(async () => connection.status === 'reconnecting', 5_000, 'the connection lost');
    const started = Date.now();
    const refused = await reachable(connection).then(() => null, (error: Error) => error);
    expect(refused?.message).toMatch(/^Redis is not reachable/);
    expect(Date.now() - started).toBeLessThan(1_500); // not the offline queue's wait for Redis to come back
    // Said as an outage (redis-outages' one line), not as an error of its own.
    expect(outageWatch('test', { warn: () => {}, info: () => {} }).failed(refused)).toBe(true);

    redis = await startRedis(port);
    await eventually(async () => (await reachable(connection).then(() => true, () => false)) || undefined, 10_000, 'reachable again');
  }, 30_000);

  it('a subscriber\'s unsubscribes that nobody awaits fail quietly while Redis is away (Socket.IO\'s adapter closing)', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    cleanups.push(() => redis.kill('SIGKILL'));
    // Gives up on queued commands at the first failed reconnect, as the server's connections do at the third.
    const subscriber = resubscribingQuietly(new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => 50 }));
    subscriber.on('error', () => {});
    cleanups.push(() => subscriber.disconnect());
    await subscriber.subscribe('test-outage-channel');
    await subscriber.psubscribe('test-outage-pattern*');
    const unhandled: unknown[] = [];
    const collect = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', collect);
    cleanups.push(() => process.off('unhandledRejection', collect));

    redis.kill('SIGKILL');
    await once(redis, 'exit');
    await eventually(async () => subscriber.status === 'reconnecting', 5_000, 'the connection lost');
    // As the adapter's close() sends them: not awaited, nothing attached.
    void subscriber.unsubscribe('test-outage-channel');
    void subscriber.punsubscribe('test-outage-pattern*');
    // A caller that does await still hears of the failure.
    const awaited = await subscriber.unsubscribe('test-outage-channel').then(() => null, (error: Error) => error);
    expect(awaited?.name).toBe('MaxRetriesPerRequestError');
    await new Promise((resolve) => setTimeout(resolve, 200)); // unhandled rejections are reported after a turn or two

    expect(unhandled.map((reason) => (reason instanceof Error ? reason.message : String(reason)))).toEqual([]);
  }, 30_000);
});
