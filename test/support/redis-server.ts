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
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Kept so that a server that exits at once (the port still held by one not yet gone, say) says why, instead of
  // the wait below running out in silence.
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-2_000); });
  const answers = async () => {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited (${child.exitCode}): ${output.trim().split('\n').slice(-3).join(' | ')}`);
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

/**
 * A redis-server of the test's own that a server under test uses, for tests of an outage: `stop` kills it and waits
 * until the server reports Redis down (readiness), `start` brings it back and, given the server's URL, waits until the
 * server reports it back. `close` (afterAll) leaves it stopped. `appendOnlyDir`: what was written survives a stop
 * (startRedisServer), as it does in production, for tests of what queued jobs hold after an outage.
 */
export async function outageRedis(appendOnlyDir?: string): Promise<{
  url: string;
  running(): boolean;
  stop(serverUrl: string): Promise<void>;
  start(serverUrl?: string): Promise<void>;
  close(): void;
}> {
  const port = await freePort();
  let child = await startRedisServer(port, appendOnlyDir);
  const running = () => child.exitCode === null && child.signalCode === null;
  const ready = async (serverUrl: string) => (await fetch(`${serverUrl}/readyz`, { signal: AbortSignal.timeout(5_000) })).status === 200;
  return {
    url: `redis://127.0.0.1:${port}`,
    running,
    async stop(serverUrl) {
      child.kill('SIGKILL');
      await once(child, 'exit');
      await eventually(async () => !(await ready(serverUrl)), 15_000, 'readiness reports Redis down');
    },
    async start(serverUrl) {
      child = await startRedisServer(port, appendOnlyDir);
      if (serverUrl) await eventually(() => ready(serverUrl), 15_000, 'readiness reports Redis back');
    },
    close() {
      if (running()) child.kill('SIGKILL');
    },
  };
}
