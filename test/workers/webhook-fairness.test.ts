// Webhook delivery under bad receivers, on real Postgres, Redis, BullMQ workers
// and local HTTP receivers: an endpoint that hangs holds only its own few
// slots (across worker processes too) while a healthy one gets its events at
// once; a failing endpoint's circuit opens (deliveries wait unattempted, one
// probe per cool-down) and closes again on a probe's 2xx; an endpoint that
// fails every attempt for long enough is turned off, visibly in the API and
// the audit log, and turning it on again clears that; the sweeper still finds
// a lost job behind many deliveries parked by an open circuit.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, type TestStack } from '../support/server.ts';
import { eventually } from '../support/sockets.ts';
import { createQueues, type Queues } from '../../server/queues.ts';
import { QUEUE_WEBHOOKS, enqueueWebhookDeliveries } from '../../server/webhook-events.ts';
import { startWorkers, type WorkersHandle } from '../../workers/start.ts';
import type { WorkerSettings } from '../../workers/settings.ts';
import { sweepPendingDeliveries } from '../../workers/webhook-delivery.ts';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';

interface Hit {
  path: string;
  deliveryId: number;
  arrivedAt: number;
  answeredAt: number | null;
  status: number | null;
}

/** A receiver whose paths behave as the tests say: `/hang/*` never answers, `/switch` answers 503 while down. */
class Receiver {
  server!: Server;
  base = '';
  hits: Hit[] = [];
  switchDown = true;
  /** Requests to /hang/* still open, the most open at once, and those the sender gave up (closed unanswered). */
  hanging = new Set<ServerResponse>();
  maxHanging = 0;
  abandoned = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      const hit: Hit = { path, deliveryId: (JSON.parse(raw) as { id: number }).id, arrivedAt: Date.now(), answeredAt: null, status: null };
      this.hits.push(hit);
      const answer = (status: number) => {
        hit.answeredAt = Date.now();
        hit.status = status;
        response.writeHead(status).end();
      };
      if (path.startsWith('/hang')) {
        this.hanging.add(response);
        this.maxHanging = Math.max(this.maxHanging, this.hanging.size);
        response.on('close', () => {
          if (this.hanging.delete(response)) this.abandoned += 1;
        });
        return;
      }
      if (path === '/switch') return answer(this.switchDown ? 503 : 200);
      if (path === '/dead') return answer(503);
      answer(200);
    });
  }

  at(path: string): Hit[] {
    return this.hits.filter((h) => h.path === path);
  }

  /** Lets the senders' hanging requests end (as a refused connection), so their jobs finish quickly. */
  releaseHanging(): void {
    for (const response of this.hanging) {
      this.hanging.delete(response);
      response.destroy();
    }
  }

  async stop(): Promise<void> {
    this.releaseHanging();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** A stack without in-process workers (each describe starts its own, with its own settings) and an admin session. */
async function setUp(receiver: Receiver) {
  await receiver.start();
  // The receiver is on this machine: allowed here, as in development.
  const stack = await startStack({ config: { webhookAllowLocal: true } });
  const admin = await login(stack.url, stack.admin.email, stack.admin.password);
  const queues = createQueues(stack.env.config);
  return { stack, admin, queues };
}

async function createWebhook(stack: TestStack, admin: { cookie: string }, url: string): Promise<number> {
  const created = await httpAs(stack.url, 'POST', '/api/admin/webhooks', admin, { url, events: ['message.created'] });
  expect(created.status).toBe(201);
  return created.json.webhook.id;
}

/** `count` pending ping deliveries to the webhook, stored and queued as the workers would. */
async function sendPings(stack: TestStack, queues: Queues, webhookId: number, count: number, tag: string): Promise<number[]> {
  const rows = await stack.env.sql<{ id: number }[]>`
    insert into webhook_deliveries (webhook_id, event_key, event, payload)
    select ${webhookId}, ${tag} || ':' || g, 'ping', ${stack.env.sql.json({ event: 'ping', occurredAt: new Date().toISOString(), customerId: null, conversationId: null, data: {} })}::jsonb
    from generate_series(1, ${count}) g
    returning id`;
  const ids = rows.map((r) => r.id).sort((a, b) => a - b);
  await enqueueWebhookDeliveries(queues.queue(QUEUE_WEBHOOKS), ids);
  return ids;
}

const deliveries = (stack: TestStack, webhookId: number) =>
  stack.env.sql<{ id: number; status: string; attempts: number; last_error: string | null }[]>`
    select id, status, attempts, last_error from webhook_deliveries where webhook_id = ${webhookId} order by id`;

const quietLog = { info: () => {}, warn: () => {} };
const workersOf = (stack: TestStack, settings: Partial<WorkerSettings>) =>
  startWorkers(stack.env.config, { queues: [QUEUE_WEBHOOKS], settings, log: quietLog });

/** For a describe block: a receiver, a stack and workers with these settings, all stopped after the block. */
function stackWithWorkers(settings: Partial<WorkerSettings>) {
  const receiver = new Receiver();
  let env: Awaited<ReturnType<typeof setUp>> | undefined;
  let workers: WorkersHandle | undefined;
  beforeAll(async () => {
    env = await setUp(receiver);
    workers = await workersOf(env.stack, settings);
  });
  afterAll(async () => {
    await workers?.close();
    await env?.queues.close();
    await env?.stack.close();
    await receiver.stop();
  });
  return { receiver, env: () => env! };
}

describe('an endpoint that hangs', () => {
  const receiver = new Receiver();
  let env: Awaited<ReturnType<typeof setUp>>;
  const running: WorkersHandle[] = [];
  // A breaker that never opens here: this is about the cap alone.
  const settings: Partial<WorkerSettings> = { webhookConcurrency: 4, webhookMaxInFlight: 2, webhookBreakerFailures: 1000, webhookBackoffMs: 200 };

  beforeAll(async () => {
    env = await setUp(receiver);
  });
  afterEach(async () => {
    // End the hanging requests and stop the workers; the next test starts fresh ones.
    receiver.releaseHanging();
    await Promise.all(running.splice(0).map((w) => w.close()));
  });
  afterAll(async () => {
    await env?.queues.close();
    await env?.stack.close();
    await receiver.stop();
  });

  it('holds only its own slots: a healthy endpoint gets every event while the hanging requests are still open', async () => {
    const { stack, admin, queues } = env;
    running.push(await workersOf(stack, settings));
    const hang = await createWebhook(stack, admin, `${receiver.base}/hang/one`);
    const healthy = await createWebhook(stack, admin, `${receiver.base}/ok`);
    // The hanging endpoint's events are queued first, so without a cap they would fill every slot.
    await sendPings(stack, queues, hang, 12, 'hang1');
    await eventually(async () => receiver.hanging.size >= 2, 10_000, 'the hanging endpoint holding its slots');
    expect(receiver.hanging.size).toBe(2);
    const healthyIds = await sendPings(stack, queues, healthy, 6, 'ok1');

    await eventually(async () => receiver.at('/ok').length === healthyIds.length, 25_000, 'every healthy delivery');
    // They came while the hanging requests were open: no slot had to be freed by the 10 s timeout.
    expect(receiver.abandoned).toBe(0);
    expect(receiver.hanging.size).toBe(2);
    expect(receiver.maxHanging).toBe(2);
    expect(receiver.at('/ok').map((h) => h.deliveryId).sort((a, b) => a - b)).toEqual(healthyIds);
    await eventually(async () => (await deliveries(stack, healthy)).every((d) => d.status === 'delivered'), 5_000, 'healthy deliveries recorded');
    // Waiting for a slot is not an attempt: the hanging endpoint's deliveries have used none yet.
    expect((await deliveries(stack, hang)).map((d) => d.attempts)).toEqual(Array(12).fill(0));
    await httpAs(stack.url, 'DELETE', `/api/admin/webhooks/${hang}`, admin);
  });

  it('the cap holds across two worker processes sharing the queue', async () => {
    const { stack, admin, queues } = env;
    receiver.maxHanging = 0;
    const first = await workersOf(stack, settings);
    const second = await workersOf(stack, settings);
    running.push(first, second);
    // Which worker took which hanging job: both must have been serving it for the test to mean anything.
    const hang = await createWebhook(stack, admin, `${receiver.base}/hang/two`);
    const hangIds = new Set(await sendPings(stack, queues, hang, 12, 'hang2'));
    const seen = [new Set<string>(), new Set<string>()];
    [first, second].forEach((handle, i) => handle.workers[0].worker.on('active', (job) => {
      if (hangIds.has(job.data.deliveryId)) seen[i].add(job.id!);
    }));
    await eventually(async () => seen[0].size > 0 && seen[1].size > 0, 15_000, 'both workers handling the hanging endpoint');
    await eventually(async () => receiver.hanging.size >= 2, 10_000, 'the hanging endpoint holding its slots');
    expect(receiver.hanging.size).toBe(2);
    // 8 slots in all; a healthy endpoint still gets through, and the hanging one never had more than its 2.
    const healthy = await createWebhook(stack, admin, `${receiver.base}/ok`);
    const healthyIds = await sendPings(stack, queues, healthy, 6, 'ok2');
    await eventually(async () => healthyIds.every((id) => receiver.hits.some((h) => h.deliveryId === id)), 25_000, 'every healthy delivery');
    expect(receiver.abandoned).toBe(0);
    expect(receiver.maxHanging).toBe(2);
    await httpAs(stack.url, 'DELETE', `/api/admin/webhooks/${hang}`, admin);
  });
});

describe('the circuit breaker', () => {
  const cooldownMs = 600;
  // One delivery in flight at a time, so the order of attempts is plain; the circuit opens after 2 failures in a row.
  const { receiver, env } = stackWithWorkers({
    webhookConcurrency: 4, webhookMaxInFlight: 1, webhookBreakerFailures: 2, webhookBreakerCooldownMs: cooldownMs, webhookBackoffMs: 100,
  });

  it('opens after repeated failures (deliveries wait, one probe per cool-down) and closes on a probe that succeeds', async () => {
    const { stack, admin, queues } = env();
    const id = await createWebhook(stack, admin, `${receiver.base}/switch`);
    const ids = await sendPings(stack, queues, id, 5, 'cb');
    // 2 failures open the circuit; then let two probes fail.
    await eventually(async () => receiver.at('/switch').length >= 4, 15_000, 'two probes after the circuit opened');
    const healthOf = async () => (await httpAs(stack.url, 'GET', '/api/admin/webhooks', admin)).json.items.find((w: { id: number }) => w.id === id).health;
    const health = await eventually(async () => {
      const h = await healthOf();
      return h.consecutiveFailures >= 4 ? h : null;
    }, 5_000, 'the 4 failures recorded');
    expect(health).toMatchObject({ lastSuccessAt: null });
    // The streak began with the first failure, recorded before the next attempt (one in flight at a time) was let go.
    const [first, second] = receiver.at('/switch');
    expect(Date.parse(health.failingSince)).toBeGreaterThanOrEqual(first.arrivedAt - 5);
    expect(Date.parse(health.failingSince)).toBeLessThanOrEqual(second.arrivedAt);

    receiver.switchDown = false;
    await eventually(async () => (await deliveries(stack, id)).every((d) => d.status === 'delivered'), 20_000, 'all delivered once it answers');
    const hits = receiver.at('/switch');
    const firstOk = hits.findIndex((h) => h.status === 200);
    expect(firstOk).toBeGreaterThanOrEqual(4);
    // From the 2nd failure in a row on, every attempt waited out the pause: at least the cool-down, and at least as long
    // as the endpoint had been failing then (so the pauses grow), until the probe that got a 2xx. Slack: 150 ms
    // between the receiver's clock readings and the worker's recording of the failures.
    const firstFailureAt = hits[0].answeredAt!;
    for (let i = 2; i <= firstOk; i++) {
      const previousEnd = hits[i - 1].answeredAt!;
      expect(hits[i - 1].status).toBe(503);
      expect(hits[i].arrivedAt, `attempt ${i + 1}`).toBeGreaterThanOrEqual(previousEnd + Math.max(cooldownMs, previousEnd - firstFailureAt) - 150);
    }
    // Closed again, and the waits were not attempts: every attempt recorded reached the receiver.
    const after = await healthOf();
    expect(after).toMatchObject({ consecutiveFailures: 0, failingSince: null, circuitOpenUntil: null });
    expect(after.lastSuccessAt).not.toBeNull();
    const rows = await deliveries(stack, id);
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows.reduce((sum, r) => sum + r.attempts, 0)).toBe(hits.length);
  });
});


describe('an endpoint that fails for too long', () => {
  // Turned off once it has failed every attempt for 1.5 s, and at least 4 times.
  const { receiver, env } = stackWithWorkers({
    webhookMaxInFlight: 1, webhookBreakerFailures: 2, webhookBreakerCooldownMs: 200, webhookBackoffMs: 100,
    webhookDisableAfterMs: 1500, webhookDisableMinFailures: 4,
  });

  it('is turned off with the reason shown in the API and the audit log; turning it on again clears it', async () => {
    const { stack, admin, queues } = env();
    const id = await createWebhook(stack, admin, `${receiver.base}/dead`);
    const healthyId = await createWebhook(stack, admin, `${receiver.base}/ok`);
    await sendPings(stack, queues, healthyId, 1, 'fine');
    expect((await httpAs(stack.url, 'POST', `/api/admin/webhooks/${id}/test`, admin)).status).toBe(202);
    await sendPings(stack, queues, id, 2, 'dead');

    const listed = async () => (await httpAs(stack.url, 'GET', '/api/admin/webhooks', admin)).json.items as any[];
    const off = await eventually(async () => (await listed()).find((w) => w.id === id && !w.active), 20_000, 'the webhook turned off');
    expect(off.disabledReason).toMatch(/^Failed every attempt since \d{4}-\d\d-\d\d \d\d:\d\d UTC \(\d+ in a row\); last error: HTTP 503$/);
    expect(off.health.consecutiveFailures).toBeGreaterThanOrEqual(4);
    expect(Date.parse(off.disabledAt) - Date.parse(off.health.failingSince)).toBeGreaterThanOrEqual(1500);
    expect(off.health).toMatchObject({ lastSuccessAt: null });
    // The healthy endpoint next to it is untouched, and shows its last success.
    const fine = await eventually(async () => (await listed()).find((w) => w.id === healthyId && w.health.lastSuccessAt), 10_000, 'the healthy one\'s success');
    expect(fine).toMatchObject({ active: true, disabledReason: null, health: { consecutiveFailures: 0, failingSince: null } });

    const audit = await stack.env.sql`select actor_user_id, action, details from audit_log where target = ${`webhook:${id}`} order by id`;
    expect(audit.map((a) => a.action)).toEqual(['webhook.create', 'webhook.auto_disable']);
    expect(audit[1]).toMatchObject({ actor_user_id: null, details: { reason: 'failing', lastError: 'HTTP 503' } });
    // Its deliveries still waiting are given up unsent, as for any inactive webhook.
    await eventually(async () => (await deliveries(stack, id)).every((d) => d.status === 'failed'), 15_000, 'the remaining deliveries given up');
    const posts = receiver.at('/dead').length;
    expect((await deliveries(stack, id)).reduce((sum, d) => sum + d.attempts, 0)).toBe(posts);

    const on = await httpAs(stack.url, 'PATCH', `/api/admin/webhooks/${id}`, admin, { active: true });
    expect(on.status).toBe(200);
    expect(on.json.webhook).toMatchObject({
      active: true, disabledReason: null, disabledAt: null,
      health: { consecutiveFailures: 0, failingSince: null, circuitOpenUntil: null, lastSuccessAt: null },
    });
    expect(on.json.webhook.health.lastFailureAt).not.toBeNull();
  });
});

describe('the sweeper, with many deliveries waiting on an open circuit', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => env?.cleanup());

  it('pages through the pending deliveries, so a lost job behind a thousand parked ones is still queued again', async () => {
    const [hook] = await env.sql<{ id: number }[]>`insert into webhooks (url, secret, events) values ('https://crm.example.com/in', 's', '{message.created}') returning id`;
    const rows = await env.sql<{ id: number }[]>`
      insert into webhook_deliveries (webhook_id, event_key, event, payload, created_at)
      select ${hook.id}, 'parked:' || g, 'ping', '{}'::jsonb, now() - interval '1 hour' from generate_series(1, 1005) g
      returning id`;
    const ids = rows.map((r) => r.id).sort((a, b) => a - b);
    const lostId = ids.at(-1)!;
    // Every job is still there (parked) but the newest one's, lost in a crash between commit and queueing.
    const queued: number[] = [];
    const jobs = { enqueue: async (batch: number[]) => void queued.push(...batch), jobState: async (id: number) => (id === lostId ? 'missing' as const : 'live' as const) };
    const first = await sweepPendingDeliveries(env.sql, jobs);
    expect(first).toEqual({ queued: 0, givenUp: 0, nextAfterId: ids[999] });
    const second = await sweepPendingDeliveries(env.sql, jobs, first.nextAfterId);
    expect(second).toEqual({ queued: 1, givenUp: 0, nextAfterId: 0 });
    expect(queued).toEqual([lostId]);
  });
});
