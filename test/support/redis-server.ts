// A redis-server of a test's own, on a port nobody else uses: for tests that stop and restart Redis (outages,
// restarts with the append-only file), which the shared instance every other test uses must never see.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { eventually } from './sockets.ts';

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/**
 * Starts redis-server on `port` and waits until it answers PING. `appendOnlyDir`: keep an append-only file there,
 * synced on every write, so a stop and start keeps every write (as a production Redis with AOF does); without it,
 * nothing is kept.
 */
export async function startRedisServer(port: number, appendOnlyDir?: string): Promise<ChildProcess> {
  const persistence = appendOnlyDir ? ['--dir', appendOnlyDir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: 'ignore' });
  const answers = async () => {
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  };
  await eventually(answers, 10_000, 'redis-server started');
  return child;
}
