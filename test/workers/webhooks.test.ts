// Webhooks end to end on real Postgres, Redis and HTTP: a local receiver gets
// signed deliveries of the chat's events; private notes, unsubscribed events
// and inactive webhooks get nothing; a re-delivered interaction creates no
// second delivery; a failing receiver is retried until it answers 2xx; the
// sweeper queues a delivery that lost its job.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { Job } from 'bullmq';
import { writeInteractionBatch } from '../../workers/interaction-store.ts';
import { deliver } from '../../workers/webhook-delivery.ts';
import type { InteractionEvent, InteractionType } from '../../server/interaction-events.ts';
import { createQueues } from '../../server/queues.ts';
import { QUEUE_WEBHOOKS, enqueueWebhookDeliveries, webhookJobId } from '../../server/webhook-events.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: number; event: string; occurredAt: string; customerId: number | null; customerExternalId?: string | null; conversationId: number | null; data: Record<string, any> };
}

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let receiver: Server;
let base: string;
const received: Received[] = [];
/** Delivery ids /flaky has already refused once. */
const refusedOnce = new Set<number>();

const at = (path: string) => received.filter((r) => r.path === path);

const api = (method: string, path: string, body?: unknown) => httpAs(stack.url, method, path, admin, body);

async function createWebhook(path: string, events: string[], active = true): Promise<{ id: number; secret: string }> {
  const created = await api('POST', '/api/admin/webhooks', { url: `${base}${path}`, events, active });
  expect(created.status).toBe(201);
  return created.json.webhook;
}

const deliveryRows = (webhookId: number) =>
  stack.env.sql<{ id: number; event: string; event_key: string; status: string; attempts: number; last_status: number | null }[]>`
    select id, event, event_key, status, attempts, last_status from webhook_deliveries where webhook_id = ${webhookId} order by id`;

/** A pending ping delivery stored directly, as if its job were lost or about to be run by hand. */
async function insertPending(webhookId: number, key: string, age = '0 seconds'): Promise<number> {
  const [row] = await stack.env.sql<{ id: number }[]>`
    insert into webhook_deliveries (webhook_id, event_key, event, payload, created_at)
    values (${webhookId}, ${key}, 'ping', ${stack.env.sql.json({ event: 'ping', occurredAt: new Date().toISOString(), customerId: null, conversationId: null, data: {} })}::jsonb, now() - ${age}::interval)
    returning id`;
  return row.id;
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const body = JSON.parse(raw) as Received['body'];
      received.push({ path: request.url ?? '', headers: request.headers, raw, body });
      if (request.url === '/flaky' && !refusedOnce.has(body.id)) {
        refusedOnce.add(body.id);
        response.writeHead(500).end('try later');
        return;
      }
      if (request.url === '/gone' || request.url === '/down') {
        response.writeHead(request.url === '/gone' ? 410 : 503).end();
        return;
      }
      response.writeHead(request.url === '/redirect' ? 302 : 200, request.url === '/redirect' ? { location: `${base}/a` } : {}).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // Short retry and sweep timings so the test need not wait minutes.
  // The receiver is on this machine: allowed here, as in development (refused by default).
  stack = await startStack({ workers: true, workerSettings: { webhookBackoffMs: 200, webhookSweepMs: 300 }, config: { webhookAllowLocal: true } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});

afterAll(async () => {
  await stack?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('webhooks', () => {
  let chat: { id: { a: number; ratings: number; inactive: number }; secret: string; customerId: number; conversationId: number; messageId: number };
  let shopper: WidgetClient;
  let agentSocket: AgentClient;

  beforeAll(async () => {
    const a = await createWebhook('/a', ['conversation.started', 'message.created']);
    const ratings = await createWebhook('/ratings', ['rating.submitted']);
    const inactive = await createWebhook('/inactive', ['conversation.started', 'message.created', 'rating.submitted'], false);
    const visitor = await widgetSession(stack.url);
    // Signed in to the shop as its user 7 (as identify() records it): deliveries name that user.
    await stack.env.sql`update customers set external_id = 'shop-user-7' where id = ${visitor.customerId}`;
    shopper = await connectWidget(stack.url, visitor.visitorToken);
    const agent = await login(stack.url, stack.agent.email, stack.agent.password);
    agentSocket = await connectAgent(stack.url, agent.token);
    const sent = await callOk<{ id: number; conversationId: number }>(shopper, 'message:send', { clientId: 'w1', text: 'Hello webhooks' });
    chat = { id: { a: a.id, ratings: ratings.id, inactive: inactive.id }, secret: a.secret, customerId: visitor.customerId, conversationId: sent.conversationId, messageId: sent.id };
  });
  afterAll(() => {
    shopper?.close();
    agentSocket?.close();
  });

  it('sends conversation.started and message.created, signed, with the ids of the chat', async () => {
    await eventually(async () => at('/a').some((r) => r.body.event === 'message.created' && r.body.data.messageId === chat.messageId), 20_000, 'the shopper message at /a');
    await eventually(async () => at('/a').some((r) => r.body.event === 'conversation.started'), 20_000, 'conversation.started at /a');
    const started = at('/a').find((r) => r.body.event === 'conversation.started')!;
    const message = at('/a').find((r) => r.body.event === 'message.created' && r.body.data.messageId === chat.messageId)!;

    expect(started.body).toMatchObject({ customerId: chat.customerId, conversationId: chat.conversationId, data: { channel: 'widget' } });
    expect(message.body).toMatchObject({ customerId: chat.customerId, customerExternalId: 'shop-user-7', conversationId: chat.conversationId, data: { author: 'customer', text: 'Hello webhooks', messageId: chat.messageId } });
    expect(Object.keys(message.body).sort()).toEqual(['conversationId', 'customerExternalId', 'customerId', 'data', 'event', 'id', 'occurredAt']);
    for (const r of [started, message]) {
      const timestamp = r.headers['x-shopdesk-timestamp'] as string;
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(120);
      const expected = createHmac('sha256', chat.secret).update(`${timestamp}.${r.raw}`).digest('hex');
      expect(r.headers['x-shopdesk-signature']).toBe(`sha256=${expected}`);
      expect(r.headers['x-shopdesk-event']).toBe(r.body.event);
      expect(r.headers['x-shopdesk-delivery']).toBe(String(r.body.id));
      expect(r.headers['user-agent']).toBe('Shopdesk-Webhooks');
      expect(r.headers['content-type']).toBe('application/json');
    }
    // The worker records the outcome once it has the answer, a moment after the receiver has the request.
    const recorded = await eventually(async () => (await deliveryRows(chat.id.a)).find((d) => d.id === message.body.id && d.status !== 'pending'), 5_000, 'the delivery recorded');
    expect(recorded).toMatchObject({ status: 'delivered', attempts: 1, last_status: 200, event_key: `msg:${chat.messageId}` });
  });

  it("sends an agent's reply but never a private note", async () => {
    await callOk(agentSocket, 'message:send', { conversationId: chat.conversationId, clientId: 'note1', text: 'SECRET NOTE about the shopper', private: true });
    await callOk(agentSocket, 'message:send', { conversationId: chat.conversationId, clientId: 'reply1', text: 'Public reply' });
    const reply = await eventually(async () => at('/a').find((r) => r.body.data.text === 'Public reply'), 20_000, 'the agent reply at /a');
    expect(reply.body.data).toMatchObject({ author: 'agent', text: 'Public reply' });
    expect(typeof reply.body.data.agentId).toBe('number');
    // The note was queued before the reply, in its own job: had it been sent, it would have been created already.
    await eventually(async () => (await stack.env.sql`select 1 from interaction_events where type = 'note.agent'`).length === 1, 10_000, 'the note stored');
    expect(received.some((r) => r.raw.includes('SECRET NOTE'))).toBe(false);
    const [{ leaked }] = await stack.env.sql<{ leaked: number }[]>`select count(*)::int as leaked from webhook_deliveries where payload::text like '%SECRET NOTE%'`;
    expect(leaked).toBe(0);
  });

  it('sends nothing to an inactive webhook nor to one not subscribed to the event', async () => {
    expect(await deliveryRows(chat.id.inactive)).toEqual([]);
    expect(await deliveryRows(chat.id.ratings)).toEqual([]);
    expect(at('/inactive')).toEqual([]);
    expect(at('/ratings')).toEqual([]);
  });

  it('sends a CSAT as rating.submitted to the webhook subscribed to it', async () => {
    await callOk(agentSocket, 'conversation:resolve', { conversationId: chat.conversationId });
    await callOk(shopper, 'feedback:csat', { conversationId: chat.conversationId, rating: 5, comment: 'Great' });
    const rating = await eventually(async () => at('/ratings')[0], 20_000, 'the rating at /ratings');
    expect(rating.body).toMatchObject({ event: 'rating.submitted', customerId: chat.customerId, conversationId: chat.conversationId, data: { rating: 5, comment: 'Great' } });
    expect(Object.keys(rating.body.data).sort()).toEqual(['comment', 'rating']);
    expect(await deliveryRows(chat.id.inactive)).toEqual([]);
  });

  it('re-delivered interaction events create no second delivery', async () => {
    const stored = await stack.env.sql<{ idempotency_key: string; type: InteractionType; customer_id: number; conversation_id: number; payload: Record<string, unknown>; occurred_at: Date }[]>`
      select idempotency_key, type, customer_id, conversation_id, payload, occurred_at from interaction_events where conversation_id = ${chat.conversationId} and type <> 'rating'`;
    const events: InteractionEvent[] = stored.map((e) => ({
      idempotencyKey: e.idempotency_key, type: e.type, customerId: e.customer_id, conversationId: e.conversation_id, payload: e.payload, occurredAt: e.occurred_at.toISOString(),
    }));
    expect(events.length).toBeGreaterThan(3);
    const before = (await deliveryRows(chat.id.a)).length;
    const sentBefore = at('/a').length;
    // Directly, as a retried batch would, and through the queue under a new job id, as a crashed worker's job would.
    expect(await writeInteractionBatch(stack.env.sql, events)).toEqual({ inserted: 0, deliveryIds: [] });
    const queues = createQueues(stack.env.config);
    try {
      const job = await queues.queue('interactions').add('events', { events });
      await eventually(async () => (await job.getState()) === 'completed', 10_000, 'the re-delivered job');
    } finally {
      await queues.close();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect((await deliveryRows(chat.id.a)).length).toBe(before);
    expect(at('/a').length).toBe(sentBefore);
  });

  it('creates deliveries in the batch only for active subscribed webhooks and known events', async () => {
    const handoff = await createWebhook('/handoff', ['conversation.handed_off']);
    const off = await createWebhook('/handoff-off', ['conversation.handed_off'], false);
    const event = (type: InteractionType, key: string, payload: Record<string, unknown>): InteractionEvent => ({
      idempotencyKey: key, type, customerId: chat.customerId, conversationId: chat.conversationId, occurredAt: new Date().toISOString(), payload,
    });
    const result = await writeInteractionBatch(stack.env.sql, [
      event('handoff', 'wh-batch:handoff', { reason: 'customer_request' }),
      event('note.agent', 'wh-batch:note', { messageId: 1, agentId: 1, text: 'internal' }),
      event('bot.decision', 'wh-batch:decision', { question: 'q', confidence: 0.2 }),
      event('transferred', 'wh-batch:transferred', { agentId: 1 }),
    ]);
    expect(result.inserted).toBe(4);
    expect(result.deliveryIds).toHaveLength(1);
    const rows = await stack.env.sql<{ webhook_id: number; event: string }[]>`select webhook_id, event from webhook_deliveries where event_key like 'wh-batch:%'`;
    expect(rows).toEqual([{ webhook_id: handoff.id, event: 'conversation.handed_off' }]);
    // Called directly, the store only creates the rows; the interactions worker queues their jobs after the commit.
    const queues = createQueues(stack.env.config);
    try {
      await enqueueWebhookDeliveries(queues.queue(QUEUE_WEBHOOKS), result.deliveryIds);
    } finally {
      await queues.close();
    }
    const got = await eventually(async () => at('/handoff')[0], 10_000, 'the hand-off');
    expect(got.body.data).toEqual({ reason: 'customer_request' });
    expect(await deliveryRows(off.id)).toEqual([]);
  });

  it('sends transfers and reopenings with who did them', async () => {
    await createWebhook('/moves', ['conversation.transferred', 'conversation.reopened']);
    const event = (type: InteractionType, key: string, payload: Record<string, unknown>): InteractionEvent => ({
      idempotencyKey: key, type, customerId: chat.customerId, conversationId: chat.conversationId, occurredAt: new Date().toISOString(), payload,
    });
    const result = await writeInteractionBatch(stack.env.sql, [
      event('transferred', 'wh-moves:transferred', { agentId: 2, agentName: 'Sam Lee', how: 'transferred', fromAgentId: 1, waitSeconds: null }),
      event('reopened', 'wh-moves:reopened', { agentId: 2 }),
      // Back to a team's queue (nobody holds it): the receiver can tell it from a transfer to an agent.
      event('transferred', 'wh-moves:to-team', { agentId: null, agentName: null, how: 'team', fromAgentId: 2, byAgentId: 1, teamId: 4, teamName: 'Returns' }),
    ]);
    const queues = createQueues(stack.env.config);
    try {
      await enqueueWebhookDeliveries(queues.queue(QUEUE_WEBHOOKS), result.deliveryIds);
    } finally {
      await queues.close();
    }
    await eventually(async () => at('/moves').length === 3, 10_000, 'the three deliveries');
    const data = at('/moves').map((r) => ({ event: r.body.event, ...r.body.data }));
    expect(data).toEqual(expect.arrayContaining([
      { event: 'conversation.transferred', agentId: 2, agentName: 'Sam Lee', fromAgentId: 1, how: 'transferred' },
      { event: 'conversation.reopened', agentId: 2 },
      { event: 'conversation.transferred', agentId: null, agentName: null, fromAgentId: 2, how: 'team', teamId: 4, teamName: 'Returns' },
    ]));
    expect(data).toHaveLength(3);
  });

  it('retries a receiver that answers 500 until it answers 200', async () => {
    const flaky = await createWebhook('/flaky', ['offline_message.created']);
    await callOk(shopper, 'offline:leave', { email: 'later@example.com', text: 'Call me back' });
    const delivered = await eventually(async () => {
      const [row] = await deliveryRows(flaky.id);
      return row?.status === 'delivered' ? row : null;
    }, 15_000, 'the flaky delivery delivered');
    expect(delivered).toMatchObject({ event: 'offline_message.created', attempts: 2, last_status: 200 });
    const posts = at('/flaky');
    expect(posts).toHaveLength(2);
    expect(posts[0].body.id).toBe(posts[1].body.id);
    expect(posts[1].body.data).toMatchObject({ email: 'later@example.com', text: 'Call me back' });
  });

  it('does not follow redirects: a 3xx is a failure that is retried', async () => {
    const redirect = await createWebhook('/redirect', ['message.created']);
    const { deliveryId } = (await api('POST', `/api/admin/webhooks/${redirect.id}/test`)).json;
    await eventually(async () => {
      const [row] = await stack.env.sql<{ attempts: number; last_status: number; last_error: string; status: string }[]>`select * from webhook_deliveries where id = ${deliveryId}`;
      return row.attempts >= 2 && row.last_status === 302 && row.status === 'pending' && /redirect/.test(row.last_error);
    }, 10_000, 'redirect recorded as failure');
    await api('DELETE', `/api/admin/webhooks/${redirect.id}`); // stop the retries
  });

  it('sends a ping, and the sweeper queues a pending delivery that lost its job', async () => {
    const ping = await api('POST', `/api/admin/webhooks/${chat.id.a}/test`);
    expect(ping.status).toBe(202);
    const got = await eventually(async () => at('/a').find((r) => r.body.id === ping.json.deliveryId), 10_000, 'the ping');
    expect(got.body).toMatchObject({ event: 'ping', customerId: null, conversationId: null, data: { webhookId: chat.id.a } });

    // As if the worker died between the batch's commit and queueing the job.
    const orphan = { id: await insertPending(chat.id.a, 'orphan:1', '2 minutes') };
    await eventually(async () => at('/a').some((r) => r.body.id === orphan.id), 10_000, 'the orphaned delivery');
    await eventually(async () => (await deliveryRows(chat.id.a)).find((d) => d.id === orphan.id)?.status === 'delivered', 5_000, 'orphan marked delivered');
    // Sweeps go on every 300 ms; the job id keeps it from being sent again.
    await new Promise((r) => setTimeout(r, 1000));
    expect(at('/a').filter((r) => r.body.id === orphan.id)).toHaveLength(1);
  });

  it('the sweeper gives up a pending delivery whose job ended without recording it, instead of trying it for ever', async () => {
    const stuck = await createWebhook('/down', ['message.created']);
    const row = { id: await insertPending(stuck.id, 'stuck:1') };
    const queues = createQueues(stack.env.config);
    try {
      // One attempt only: the job fails on the 503 and ends in BullMQ's failed list.
      await queues.queue(QUEUE_WEBHOOKS).add('deliver', { deliveryId: row.id }, { jobId: webhookJobId(row.id), attempts: 1 });
      await eventually(async () => (await deliveryRows(stuck.id))[0]?.status === 'failed', 10_000, 'the single attempt failed');
    } finally {
      await queues.close();
    }
    // As if that last update had never reached Postgres: pending, old enough to sweep, its job ended.
    await stack.env.sql`update webhook_deliveries set status = 'pending', created_at = now() - interval '2 minutes' where id = ${row.id}`;
    const posts = at('/down').length;
    await eventually(async () => (await deliveryRows(stuck.id))[0]?.status === 'failed', 10_000, 'the sweeper gave it up');
    expect((await deliveryRows(stuck.id))[0]).toMatchObject({ status: 'failed', attempts: 1, last_status: 503 });
    expect(at('/down')).toHaveLength(posts);
  });

  it('without WEBHOOK_ALLOW_LOCAL, a delivery to this machine is refused before any request', async () => {
    const local = await createWebhook('/local', ['message.created']);
    const row = { id: await insertPending(local.id, 'local:1') };
    const job = { data: { deliveryId: row.id }, attemptsMade: 0, opts: { attempts: 8 } } as unknown as Job;
    await expect(deliver(stack.env.sql, job)).rejects.toThrow(/127\.0\.0\.1 is on this server/);
    expect((await deliveryRows(local.id))[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(at('/local')).toHaveLength(0);
  });

  it('marks a delivery failed on its last attempt, and a 410 Gone deactivates the webhook', async () => {
    const down = await createWebhook('/down', ['message.created']);
    // The job's 8th attempt, as BullMQ would hand it over after 7 failures.
    const lastAttempt = (deliveryId: number) => ({ data: { deliveryId }, attemptsMade: 7, opts: { attempts: 8 } }) as unknown as Job;
    const downId = await insertPending(down.id, 'last:1');
    await expect(deliver(stack.env.sql, lastAttempt(downId), { allowLocal: true })).rejects.toThrow(/HTTP 503/);
    const [failed] = await stack.env.sql`select status, attempts, last_status, last_error from webhook_deliveries where id = ${downId}`;
    expect(failed).toEqual({ status: 'failed', attempts: 1, last_status: 503, last_error: 'HTTP 503' });

    const gone = await createWebhook('/gone', ['message.created']);
    const goneId = await insertPending(gone.id, 'gone:1');
    await expect(deliver(stack.env.sql, { ...lastAttempt(goneId), attemptsMade: 0 } as Job, { allowLocal: true })).rejects.toThrow(/410 Gone/);
    const [hook] = await stack.env.sql`select active, disabled_reason, disabled_at from webhooks where id = ${gone.id}`;
    expect(hook).toMatchObject({ active: false, disabled_reason: 'The endpoint answered 410 Gone' });
    expect(hook.disabled_at).toBeInstanceOf(Date);
    const audit = await stack.env.sql`select actor_user_id, action, details from audit_log where target = ${`webhook:${gone.id}`} order by id`;
    expect(audit.at(-1)).toEqual({ actor_user_id: null, action: 'webhook.auto_disable', details: { reason: 'gone', status: 410 } });
    expect((await deliveryRows(gone.id))[0]).toMatchObject({ status: 'failed', last_status: 410 });
    // Inactive now: a pending delivery is given up without a request.
    const laterId = await insertPending(gone.id, 'gone:2');
    const posts = at('/gone').length;
    expect(await deliver(stack.env.sql, lastAttempt(laterId), { allowLocal: true })).toEqual({ deliveryId: laterId, status: 'failed' });
    expect(at('/gone')).toHaveLength(posts);
  });

  it("deleting a customer's data deletes their deliveries (the bodies hold their words)", async () => {
    const [{ n: before }] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from webhook_deliveries where customer_id = ${chat.customerId}`;
    expect(before).toBeGreaterThan(3);
    const erasures = await createWebhook('/erasures', ['customer.deleted']);
    const closed = new Promise((resolve) => shopper.once('disconnect', resolve));
    expect((await api('DELETE', `/api/admin/customers/${chat.customerId}`)).status).toBe(200);
    // The systems that had their data are told, with the ids only: ours and the shop's own user id (which the record lost).
    const told = await eventually(async () => at('/erasures').find((r) => r.body.event === 'customer.deleted'), 20_000, 'customer.deleted at /erasures');
    expect(told.body).toMatchObject({ customerId: chat.customerId, customerExternalId: 'shop-user-7', conversationId: null, data: {} });
    expect(told.headers['x-shopdesk-event']).toBe('customer.deleted');
    expect(await deliveryRows(erasures.id)).toEqual([expect.objectContaining({ event: 'customer.deleted' })]);
    const [{ n }] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from webhook_deliveries where customer_id = ${chat.customerId} or conversation_id = ${chat.conversationId}`;
    expect(n).toBe(0);
    // Their open tab is closed (it would go on writing into what was erased)…
    await closed;
    // …and an event of theirs still queued when the deletion ran is neither stored nor sent to any webhook.
    const late = await writeInteractionBatch(stack.env.sql, [{
      idempotencyKey: 'wh-late:1', type: 'message.customer', customerId: chat.customerId, conversationId: chat.conversationId,
      occurredAt: new Date().toISOString(), payload: { messageId: chat.messageId, text: 'written just before the deletion' },
    }]);
    expect(late).toEqual({ inserted: 0, deliveryIds: [] });
  });
});
