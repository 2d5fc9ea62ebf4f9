// The sweep for owed job clean-ups (forget-queued-jobs.ts, queuedJobsForgetter): a server that deleted a customer while
// Redis was away owes the clean-up of their queued jobs in owed_job_forgets, and when it crashes before Redis is back
// the others must do it. Taking the debts up at start is tested in redis-outage-erasure.test.ts; this is the running
// server's periodic look (every OWED_FORGETS_SWEEP_MS, here a fraction of a second), which finds a debt left while it
// runs without it restarting. Real Postgres and Redis; a real server queues the shoppers' jobs, and no workers run, so
// they wait in Redis.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, eventually } from '../support/sockets.ts';
import { queuedEvents } from '../support/queued-events.ts';
import { createQueues, type Queues } from '../../server/queues.ts';
import { deleteCustomer } from '../../server/services/customer-privacy.ts';
import { queuedJobsForgetter, type QueuedJobsForgetter } from '../../server/services/forget-queued-jobs.ts';

const SWEEP_MS = 200;

let stack: TestStack;
let queues: Queues;
let redis: Redis;
let forgetter: QueuedJobsForgetter | undefined;
const open: { disconnect(): unknown }[] = [];
const settled: unknown[] = [];

beforeAll(async () => {
  stack = await startStack();
  queues = createQueues(stack.env.config);
  // As the server's own: refused at once while Redis is away (redis-outages.ts reachable).
  redis = new Redis(stack.env.config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
}, 60_000);
afterAll(async () => {
  forgetter?.stop();
  open.forEach((socket) => socket.disconnect());
  redis?.disconnect();
  await queues?.close();
  await stack?.close();
});

/** A shopper who wrote `text` in a chat, their job waiting in the queue. */
async function shopperWhoWrote(name: string, text: string) {
  const session = await widgetSession(stack.url, { name });
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: randomUUID(), text });
  await eventually(async () => (await queuedEvents(stack, conversationId)).length > 0 || null, 10_000, `${name}'s job queued`);
  return { customerId: session.customerId, conversationId };
}

/** What a server does when Redis refuses the clean-up of a deletion, before it crashes: erased in Postgres, the rest owed. */
async function deletedAndOwedByACrashedServer(customerId: number): Promise<void> {
  const [admin] = await stack.env.sql<{ id: number }[]>`select id from users where email = ${stack.admin.email}`;
  await deleteCustomer(stack.env.sql, customerId, admin!.id);
  await stack.env.sql`insert into owed_job_forgets (customer_id) values (${customerId})`;
}

const owedIds = async () => (await stack.env.sql<{ customer_id: string }[]>`select customer_id from owed_job_forgets`).map((row) => Number(row.customer_id));

describe('the sweep for owed job clean-ups', () => {
  it('a running server takes up a clean-up another server owed and crashed with, without restarting', async () => {
    const before = await shopperWhoWrote('Bea Before', 'Send it to 4 Larkspur Row');
    const during = await shopperWhoWrote('Dora During', 'My card ends 4242, deliver to 8 Fennel Yard');
    const other = await shopperWhoWrote('Otto Other', 'Do you ship to Norway?');

    // A debt left before this server starts: its start-up takes it up. Once it is settled, the start-up's read of the
    // table is over, so a debt left after it can only be found by the sweep.
    await deletedAndOwedByACrashedServer(before.customerId);
    forgetter = queuedJobsForgetter(queues, redis, stack.env.sql, { warn: () => {}, info: (obj) => settled.push(obj) }, { owedSweepMs: SWEEP_MS });
    await eventually(async () => (await queuedEvents(stack, before.conversationId)).length === 0 || null, 10_000, 'the debt found at start done');
    await eventually(async () => (await owedIds()).length === 0 || null, 10_000, 'the debt found at start settled');

    // Another server deletes a customer while Redis is away for it, owes the clean-up, and crashes. (Their job is
    // still queued: no worker runs, and only this forgetter removes jobs. Checked before the debt is written, as the
    // sweep may take it up at once.)
    expect(await queuedEvents(stack, during.conversationId), 'their job still queued').not.toEqual([]);
    await deletedAndOwedByACrashedServer(during.customerId);

    // Without the sweep, nothing looks at the table again until a server (re)starts: their job kept their words.
    await eventually(async () => (await queuedEvents(stack, during.conversationId)).length === 0 || null, 25 * SWEEP_MS, 'the debt left meanwhile done by the sweep');
    await eventually(async () => (await owedIds()).length === 0 || null, 10 * SWEEP_MS, 'the debt left meanwhile settled');
    expect(settled).toEqual([{ customerId: before.customerId }, { customerId: during.customerId }]);
    expect((await queuedEvents(stack, other.conversationId)).map((event) => event.customerId), "others' jobs kept").toContain(other.customerId);
  }, 60_000);
});
