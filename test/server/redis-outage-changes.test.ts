// An agent's changes to a chat and a shopper's rating while Redis is away. The change is saved in Postgres before its
// history event is queued: the agent is answered with success (not `internal` for something that happened), and the
// rating, which no sweep could rebuild, is stored by the server itself, once, even when its queued job runs later.
// A real server over a redis-server of the test's own, stopped mid-test; the official socket.io-client on both sides.
import { beforeAll, describe, expect, it } from 'vitest';
import { login, widgetSession, type TestStack } from '../support/server.ts';
import { outageStack, type OutageStack } from '../support/outage-stack.ts';
import { call, callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { createQueues } from '../../server/queues.ts';
import { startWorkers } from '../../workers/start.ts';
import { QUEUE_FEEDBACK, type FeedbackJob } from '../../server/interaction-events.ts';

const outage = outageStack();
const { open } = outage;
let redis: OutageStack['redis'];
let stack: TestStack;
beforeAll(() => {
  ({ redis, stack } = outage);
});

const chatRow = async (id: number) =>
  (await stack.env.sql<{ status: string; assignee_id: number | null; snoozed_until: Date | null }[]>`
    select status, assignee_id, snoozed_until from conversations where id = ${id}`)[0];

describe('changes and ratings during a Redis outage', () => {
  it('snooze, wake, requeue, resolve and reopen answer ok with the change saved; the rating is acked and stored once', async () => {
    // Before the outage: a shopper's chat handed to the (only, online) agent.
    const session = await login(stack.url, stack.agent.email, stack.agent.password);
    const agent: AgentClient = await connectAgent(stack.url, session.token);
    open.push(agent);
    await callOk(agent, 'presence:set', { presence: 'online' });
    const widget = await widgetSession(stack.url, { name: 'Rita Rating' });
    const shopper: WidgetClient = await connectWidget(stack.url, widget.visitorToken);
    open.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'q-1', text: 'Where is my parcel?' });
    await callOk(shopper, 'handoff:request', { conversationId });
    await eventually(async () => (await chatRow(conversationId))?.assignee_id === session.user.id, 10_000, 'assigned to the agent');
    await callOk(agent, 'message:send', { conversationId, clientId: 'a-1', text: 'It left the warehouse today.' });

    await redis.stop(stack.url);

    // Before: each of these answered `internal` (the event's enqueue threw after the change was committed).
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect(await call(agent, 'conversation:snooze', { conversationId, until })).toMatchObject({ ok: true });
    expect((await chatRow(conversationId)).snoozed_until).not.toBeNull();
    expect(await call(agent, 'conversation:unsnooze', { conversationId })).toMatchObject({ ok: true });
    expect((await chatRow(conversationId)).snoozed_until).toBeNull();
    expect(await call(agent, 'conversation:requeue', { conversationId })).toMatchObject({ ok: true });
    const [requeued] = await stack.env.sql`select 1 from messages where conversation_id = ${conversationId} and metadata->>'event' = 'agent_requeued'`;
    expect(requeued).toBeDefined();
    // The assignment pass after the requeue may give it back to the only agent online; resolving works either way.
    await eventually(async () => (await chatRow(conversationId)).assignee_id === session.user.id || undefined, 10_000, 'assigned again');
    expect(await call(agent, 'conversation:resolve', { conversationId })).toMatchObject({ ok: true });
    expect((await chatRow(conversationId)).status).toBe('resolved');

    // Before: `internal` (the feedback queue was the rating's only way in), and the rating was lost.
    expect(await call(shopper, 'feedback:csat', { conversationId, rating: 5, comment: 'Quick help' }, 8_000)).toMatchObject({ ok: true });
    const rated = await stack.env.sql<{ idempotency_key: string; rating: number; comment: string; created_at: Date; customer_id: number }[]>`
      select idempotency_key, rating, comment, created_at, customer_id from feedback where conversation_id = ${conversationId} and kind = 'csat'`;
    expect(rated).toEqual([expect.objectContaining({ idempotency_key: `csat:${conversationId}`, rating: 5, comment: 'Quick help' })]);

    expect(await call(agent, 'conversation:reopen', { conversationId })).toMatchObject({ ok: true });
    expect((await chatRow(conversationId)).status).not.toBe('resolved');

    // Redis back: the same rating's job, had it reached Redis before the enqueue failed, is run by the worker: still
    // one rating, one timeline entry.
    await redis.start(stack.url);
    const job: FeedbackJob = {
      kind: 'csat', idempotencyKey: `csat:${conversationId}`, customerId: rated[0].customer_id, conversationId, rating: 5, comment: 'Quick help',
      occurredAt: rated[0].created_at.toISOString(),
    };
    const queues = createQueues(stack.env.config);
    const workers = await startWorkers(stack.env.config, { queues: [QUEUE_FEEDBACK] });
    try {
      await queues.enqueueFeedback(job);
      await eventually(async () => {
        const jobs = await queues.queue(QUEUE_FEEDBACK).getJobs(['completed']);
        return jobs.length > 0 ? jobs : undefined;
      }, 15_000, 'the queued rating run by the worker');
      const [{ n }] = await stack.env.sql<{ n: number }[]>`select count(*)::int as n from feedback where conversation_id = ${conversationId}`;
      expect(n).toBe(1);
      const [{ events }] = await stack.env.sql<{ events: number }[]>`
        select count(*)::int as events from interaction_events where conversation_id = ${conversationId} and type = 'rating'`;
      expect(events).toBe(1);
    } finally {
      await workers.close();
      await queues.close();
    }
  }, 120_000);
});
