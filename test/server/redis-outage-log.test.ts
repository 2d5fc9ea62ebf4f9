// Background sends failing during a Redis outage (a message's events not queued, its fan-out not published) are the
// outage's one line, not a warning with a stack per message; other errors, and the same errors when no outage is
// going on, are logged as ever. Real connections to a redis-server of the test's own, stopped mid-test.
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { outageWatch, quietDuringOutages, watchConnection } from '../../server/redis-outages.ts';
import { freePort, startRedisServer } from '../support/redis-server.ts';
import { eventually } from '../support/sockets.ts';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

describe('failures an outage explains', () => {
  it('are said once, by the outage line', async () => {
    const port = await freePort();
    const redis = await startRedisServer(port);
    cleanups.push(() => redis.kill('SIGKILL'));
    const lines: string[] = [];
    const appLog = {
      warn: (obj: unknown, msg?: string) => void lines.push(`warn ${typeof obj === 'string' ? obj : msg}`),
      info: (obj: unknown, msg?: string) => void lines.push(`info ${typeof obj === 'string' ? obj : msg}`),
      error: (obj: unknown, msg?: string) => void lines.push(`error ${msg}`),
    };
    const watch = outageWatch('server', appLog);
    const log = quietDuringOutages(appLog, watch);
    // As the server's connections: the watched one, and one that gives up a command after its retries (the queues').
    const connection = watchConnection(new Redis({ port }), watch, 'server', appLog);
    const sender = new Redis({ port, maxRetriesPerRequest: 1 });
    sender.on('error', () => {});
    cleanups.push(() => connection.disconnect(), () => sender.disconnect());
    await Promise.all([connection.ping(), sender.ping()]);

    // Before any outage, a connection refused (Postgres, SMTP) is not explained by one.
    log.warn({ err: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }) }, 'bot turn failed');
    expect(lines).toEqual(['warn bot turn failed']);

    redis.kill('SIGKILL');
    await once(redis, 'exit');
    await eventually(async () => watch.isDown(), 15_000, 'the outage noticed');
    for (let i = 0; i < 2; i++) {
      const error = await sender.publish('messages', 'hello').then(() => null, (err: unknown) => err);
      expect(error).toBeInstanceOf(Error);
      log.warn({ err: error, conversationId: i }, 'message events not queued; the owed-events sweep will queue them');
      log.warn({ err: error }, 'message fan-out not published');
    }
    // A socket error naming Redis's port is the outage too…
    const refused = (atPort: number) => Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${atPort}`), { code: 'ECONNREFUSED', address: '127.0.0.1', port: atPort });
    log.warn({ err: refused(port) }, 'message fan-out not published');
    // …but Postgres (or SMTP, a webhook) refusing a connection meanwhile is not explained by it.
    log.error({ err: refused(5432) }, 'bot turn failed: database');
    // Any other failure still gets its line.
    log.error({ err: new Error('duplicate key value violates unique constraint') }, 'bot turn failed');
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^warn server: Redis unreachable/), 'error bot turn failed: database', 'error bot turn failed']);
  }, 60_000);
});
