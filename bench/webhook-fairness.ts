// Benchmark of webhook fairness: one shop's endpoint hangs (accepts the
// connection, never answers), another's answers at once; both get the same
// steady stream of events. Prints how late the healthy endpoint's deliveries
// arrive (enqueue → received). Before per-endpoint fairness every worker slot
// ended up waiting on the hanging endpoint's 10 s timeout.
// Runs on a throwaway database (bench_wh_*) and Redis prefix, removed afterwards.
//   npx tsx bench/webhook-fairness.ts [seconds] [eventsPerSecondEach]
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { loadConfig, type Config } from '../server/config.ts';
import { createSql } from '../server/db/client.ts';
import { migrate } from '../server/db/migrate.ts';
import { createQueues } from '../server/queues.ts';
import { QUEUE_WEBHOOKS, enqueueWebhookDeliveries } from '../server/webhook-events.ts';
import { startWorkers } from '../workers/start.ts';
import { deleteRedisPrefix } from '../test/support/test-env.ts';

const seconds = Number(process.argv[2] ?? 20);
const perSecond = Number(process.argv[3] ?? 4);

async function throwawayConfig(): Promise<{ config: Config; dbName: string }> {
  const base = loadConfig();
  const id = randomBytes(4).toString('hex');
  const dbName = `bench_wh_${id}`;
  const url = new URL(base.databaseUrl);
  url.pathname = `/${dbName}`;
  // The receivers are on this machine: allowed here as in development.
  const config = loadConfig(process.env, { databaseUrl: url.toString(), redisPrefix: `bench_wh_${id}`, logLevel: 'silent', webhookAllowLocal: true });
  return { config, dbName };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const { config, dbName } = await throwawayConfig();
  const adminUrl = new URL(config.databaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${dbName}"`);
  const sql = createSql(config, { max: 4 });
  const enqueuedAt = new Map<number, number>();
  const healthyLatencies: number[] = [];
  const hanging = new Set<ServerResponse>();
  const receiver = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      if (request.url === '/hang') {
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        return;
      }
      const id = (JSON.parse(raw) as { id: number }).id;
      const started = enqueuedAt.get(id);
      if (started !== undefined) healthyLatencies.push(Date.now() - started);
      enqueuedAt.delete(id);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  let workers: Awaited<ReturnType<typeof startWorkers>> | null = null;
  const queues = createQueues(config);
  try {
    await migrate(sql);
    const [hang] = await sql<{ id: number }[]>`insert into webhooks (url, secret, events) values (${`${base}/hang`}, 'x', '{message.created}') returning id`;
    const [ok] = await sql<{ id: number }[]>`insert into webhooks (url, secret, events) values (${`${base}/ok`}, 'x', '{message.created}') returning id`;
    workers = await startWorkers(config, { queues: [QUEUE_WEBHOOKS], sql, log: { info: () => {}, warn: () => {} } });
    const payload = sql.json({ event: 'ping', occurredAt: new Date().toISOString(), customerId: null, conversationId: null, data: {} });
    let n = 0;
    const send = async (webhookId: number, healthy: boolean) => {
      n += 1;
      const [row] = await sql<{ id: number }[]>`
        insert into webhook_deliveries (webhook_id, event_key, event, payload) values (${webhookId}, ${`bench:${n}`}, 'ping', ${payload}::jsonb) returning id`;
      if (healthy) enqueuedAt.set(row.id, Date.now());
      await enqueueWebhookDeliveries(queues.queue(QUEUE_WEBHOOKS), [row.id]);
    };
    let sentHealthy = 0;
    const end = Date.now() + seconds * 1000;
    console.log(`webhook fairness: ${seconds} s, ${perSecond} events/s to a hanging endpoint and ${perSecond}/s to a healthy one`);
    while (Date.now() < end) {
      await send(hang.id, false);
      await send(ok.id, true);
      sentHealthy += 1;
      await new Promise((r) => setTimeout(r, 1000 / perSecond));
    }
    // Wait for the healthy backlog to drain (bounded).
    const drainEnd = Date.now() + 60_000;
    while (enqueuedAt.size > 0 && Date.now() < drainEnd) await new Promise((r) => setTimeout(r, 100));
    const sorted = [...healthyLatencies].sort((a, b) => a - b);
    console.log(`healthy endpoint: ${sorted.length}/${sentHealthy} delivered; latency p50 ${percentile(sorted, 50)} ms, p95 ${percentile(sorted, 95)} ms, max ${sorted.at(-1)} ms; ${enqueuedAt.size} still waiting after the 60 s drain`);
    const [{ attempts }] = await sql<{ attempts: number }[]>`select coalesce(sum(attempts), 0)::int as attempts from webhook_deliveries where webhook_id = ${hang.id}`;
    console.log(`hanging endpoint: ${attempts} attempts recorded, ${hanging.size} connections held at the end`);
  } finally {
    for (const response of hanging) response.destroy();
    receiver.closeAllConnections();
    await workers?.close();
    await queues.close();
    await new Promise((resolve) => receiver.close(resolve));
    await sql.end({ timeout: 2 });
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    await admin.end();
    await deleteRedisPrefix(config);
  }
}

await main();
