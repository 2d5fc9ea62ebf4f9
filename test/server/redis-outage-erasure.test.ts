// Deleting a customer while Redis is away. The erasure is Postgres's and answers at once; what Redis holds of them
// (the jobs still queued for the workers: their messages, a rating's comment) is taken out once Redis is back
// (forget-queued-jobs.ts, queuedJobsForgetter). A real server over a redis-server of the test's own with an
// append-only file, so the jobs queued before the outage are there again after it, as in production; no workers
// run, so those jobs wait in Redis.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { outageRedis } from '../support/redis-server.ts';
import { callOk, connectWidget, eventually } from '../support/sockets.ts';
import { createQueues } from '../../server/queues.ts';
import { QUEUE_FEEDBACK, QUEUE_INTERACTIONS } from '../../server/interaction-events.ts';
import { createServer } from '../../server/app.ts';

/** A server waiting on the absent Redis took about 41 s for this; Postgres alone answers well within. */
const PROMPTLY_MS = 8_000;
const THEIR_WORDS = 'Ship it to 17 Quillfeather Lane please';
const THEIR_COMMENT = 'Call me on 0777 123 456';
const OTHERS_WORDS = 'Do you sell gift cards?';

const dataDir = mkdtempSync(join(tmpdir(), 'shopdesk-erasure-redis-'));
let redis: Awaited<ReturnType<typeof outageRedis>>;
let stack: TestStack;
const open: { disconnect(): unknown }[] = [];

beforeAll(async () => {
  redis = await outageRedis(dataDir);
  stack = await startStack({ config: { redisUrl: redis.url } });
}, 60_000);
afterAll(async () => {
  open.forEach((socket) => socket.disconnect());
  if (redis && !redis.running()) await redis.start();
  await stack?.close();
  redis?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Everything the interactions and feedback jobs hold, in any state, as one text (read on a connection of its own). */
async function queuedText(): Promise<string> {
  const queues = createQueues(stack.env.config);
  try {
    const states = ['waiting', 'delayed', 'prioritized', 'completed', 'failed'] as const;
    const jobs = [...await queues.queue(QUEUE_INTERACTIONS).getJobs([...states]), ...await queues.queue(QUEUE_FEEDBACK).getJobs([...states])];
    return JSON.stringify(jobs.map((job) => job?.data));
  } finally {
    await queues.close();
  }
}

/** A shopper who wrote `text` in a chat, their widget left open. */
async function shopperWhoWrote(name: string, clientId: string, text: string) {
  const session = await widgetSession(stack.url, { name });
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId, text });
  return { ...session, socket, conversationId };
}

describe('deleting a customer during a Redis outage', () => {
  it('answers at once, and once Redis is back their queued jobs no longer hold their words', async () => {
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const shopper = await shopperWhoWrote('Quinn Quillfeather', 'quinn-1', THEIR_WORDS);
    // A chat a person answered, now closed, rated with a comment: a feedback job of theirs too.
    await stack.env.sql`update conversations set status = 'resolved', resolved_at = now(), first_response_at = now() where id = ${shopper.conversationId}`;
    await callOk(shopper.socket, 'feedback:csat', { conversationId: shopper.conversationId, rating: 2, comment: THEIR_COMMENT });
    await shopperWhoWrote('Olga Other', 'olga-1', OTHERS_WORDS);
    await eventually(async () => {
      const text = await queuedText();
      return [THEIR_WORDS, THEIR_COMMENT, OTHERS_WORDS].every((words) => text.includes(words));
    }, 10_000, 'both shoppers\' jobs queued');

    await redis.stop(stack.url);

    const started = Date.now();
    const deleted = await httpAs(stack.url, 'DELETE', `/api/admin/customers/${shopper.customerId}`, admin);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toMatchObject({ customerId: shopper.customerId, conversations: 1 });
    // Before: 200, but after ~41 s (the queued jobs read and the last page deleted on connections that wait for Redis).
    expect(Date.now() - started).toBeLessThan(PROMPTLY_MS);
    const [message] = await stack.env.sql<{ body: string }[]>`select body from messages where conversation_id = ${shopper.conversationId} and author_type = 'customer'`;
    expect(message.body).not.toContain('Quillfeather');

    await redis.start(stack.url);
    const text = await queuedText();
    expect(text, 'the jobs queued before the outage are back with Redis').toContain(OTHERS_WORDS);
    // Before: the clean-up failed for good during the outage, and the jobs kept their words.
    await eventually(async () => {
      const now = await queuedText();
      return !now.includes(THEIR_WORDS) && !now.includes(THEIR_COMMENT);
    }, 20_000, 'the deleted customer\'s words out of the queued jobs');
    expect(await queuedText()).toContain(OTHERS_WORDS);
  }, 90_000);

  it('leaves the clean-up to the next server when the one that owed it stops before Redis is back', async () => {
    const words = 'Deliver to 9 Marrowbone Court, flat 2';
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const shopper = await shopperWhoWrote('Rhea Marrowbone', 'rhea-1', words);
    await eventually(async () => (await queuedText()).includes(words), 10_000, 'their job queued');

    await redis.stop(stack.url);
    const deleted = await httpAs(stack.url, 'DELETE', `/api/admin/customers/${shopper.customerId}`, admin);
    expect(deleted.status).toBe(200);
    const owed = await stack.env.sql<{ customer_id: string }[]>`select customer_id from owed_job_forgets`;
    expect(owed.map((row) => Number(row.customer_id))).toEqual([shopper.customerId]);
    // The server that owed it goes (a deploy) while Redis is still away; another starts once it is back.
    await stack.servers[0].handle.close();
    await redis.start();
    const handle = await createServer(stack.env.config);
    stack.servers[0] = { handle, url: await handle.listen() };

    expect(await queuedText(), 'their job is back with Redis').toContain(words);
    // Before: the debt lived in the stopped server's memory, and their words stayed in the job.
    await eventually(async () => !(await queuedText()).includes(words), 20_000, "the deleted customer's words out of the queued jobs");
    await eventually(async () => (await stack.env.sql`select 1 from owed_job_forgets`).length === 0 || null, 10_000, 'the debt settled');
  }, 90_000);
});
