// A customer merge and a repeated inbound email while Redis is away. Both are saved in Postgres first; what follows
// must not wait on Redis or fail for it: a merge's history events (customer.merged, the resolve of a chat it closed)
// are queued as the chat service queues its own changes' (queueChangeEvents: after an outage the first to get through
// tells the consoles again of a rating stored meanwhile), its clean-up of the merged record's last page uses the
// requests' connection, which refuses at once; an email delivered again has its message's event
// queued as a first delivery's is (queueMessageEvents, the owed-events sweep queuing it later). A real server over a
// redis-server of the test's own, stopped mid-test; the official socket.io-client as the console and the widget.
import { afterEach, describe, expect, it } from 'vitest';
import MailComposer from 'nodemailer/lib/mail-composer';
import { httpAs, login, widgetSession } from '../support/server.ts';
import { outageStack } from '../support/outage-stack.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextEvent, record, type AgentClient } from '../support/sockets.ts';
import { identityHash } from '../../server/services/visitor-tokens.ts';
import { replyToAddress } from '../../server/services/email-reply-address.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';
import { QUEUE_INTERACTIONS } from '../../server/interaction-events.ts';

const IDENTITY_SECRET = 'outage-merge-identity-secret';
const INBOUND_SECRET = 'outage-inbound-secret-0123456789';
const outage = outageStack({
  config: { identitySecret: IDENTITY_SECRET, inboundEmailAddress: 'replies@support.example.com', inboundEmailSecret: INBOUND_SECRET },
});
const { open } = outage;
// Each test stops Redis; one that fails midway leaves it stopped, and the next would start in an outage.
afterEach(async () => {
  if (!outage.redis.running()) await outage.redis.start(outage.stack.url);
});

/** A server waiting on the absent Redis took about half a minute for each of these; Postgres alone answers well within. */
const PROMPTLY_MS = 8_000;

/** Runs `call` and says how long it took. */
async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await call();
  return { result, ms: Date.now() - started };
}

/** A shopper who wrote once (a chat with the bot), their widget left open. */
async function shopperWithChat(extra: Record<string, unknown>, clientId: string) {
  const session = await widgetSession(outage.stack.url, extra);
  const socket = await connectWidget(outage.stack.url, session.visitorToken);
  open.push(socket);
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId, text: 'Do you ship to Lisbon?' });
  return { ...session, conversationId };
}

/** The agent signed in, with their console connected. */
async function agentConsole(): Promise<{ session: Awaited<ReturnType<typeof login>>; agent: AgentClient }> {
  const { stack } = outage;
  const session = await login(stack.url, stack.agent.email, stack.agent.password);
  const agent: AgentClient = await connectAgent(stack.url, session.token);
  open.push(agent);
  return { session, agent };
}

const chatRow = async (id: number) =>
  (await outage.stack.env.sql<{ status: string; customer_id: number }[]>`select status, customer_id from conversations where id = ${id}`)[0];

describe('merges and repeated emails during a Redis outage', () => {
  it('an agent\'s merge and a shopper\'s sign-in merge answer at once, with the merge done and the console told', async () => {
    const { stack, redis } = outage;
    const { session, agent } = await agentConsole();
    // Two records of one person, each with an open chat: the merge closes one (its `resolved` event) and records itself.
    const laptop = await shopperWithChat({ name: 'Mona Merge', email: 'mona@example.com' }, 'laptop-1');
    const phone = await shopperWithChat({ email: 'mona@example.com' }, 'phone-1');
    // A shop account, and an anonymous visitor with a chat who signs in as it.
    const known = await widgetSession(stack.url, { userId: 'outage-shop-user', hash: identityHash(IDENTITY_SECRET, 'outage-shop-user'), name: 'Kim Known' });
    const visitor = await shopperWithChat({}, 'visitor-1');

    await redis.stop(stack.url);

    // Before: 200, but after ~27 s (the merged record's last page deleted on the connection that waits for Redis).
    const moved = nextEvent<ConversationSummary>(agent, 'conversation:updated', (c) => c.id === phone.conversationId && c.customerId === laptop.customerId);
    const merged = await timed(() => httpAs(stack.url, 'POST', `/api/customers/${phone.customerId}/merge`, session, { intoId: laptop.customerId }));
    expect(merged.result.status).toBe(200);
    expect(merged.result.json).toMatchObject({ mergedId: phone.customerId, conversations: 1 });
    expect(merged.ms).toBeLessThan(PROMPTLY_MS);
    await moved;
    // One open chat left to the kept record; the other closed by the system.
    const rows = [await chatRow(laptop.conversationId), await chatRow(phone.conversationId)];
    expect(rows.map((r) => Number(r.customer_id))).toEqual([laptop.customerId, laptop.customerId]);
    expect(rows.filter((r) => r.status === 'resolved')).toHaveLength(1);

    // The same wait held the shopper's sign-in (identify()) as long.
    const signedIn = await timed(() => widgetSession(stack.url, {
      userId: 'outage-shop-user', hash: identityHash(IDENTITY_SECRET, 'outage-shop-user'), visitorToken: visitor.visitorToken,
    }));
    expect(signedIn.result).toMatchObject({ customerId: known.customerId, identified: true });
    expect(signedIn.ms).toBeLessThan(PROMPTLY_MS);
    expect(Number((await chatRow(visitor.conversationId)).customer_id)).toBe(known.customerId);
  }, 90_000);

  it('a merge is the first enqueue after an outage: the consoles are told again of a rating stored meanwhile', async () => {
    const { stack, redis } = outage;
    const { session, agent } = await agentConsole();
    const rater = await widgetSession(stack.url, { name: 'Rae Rating' });
    const widget = await connectWidget(stack.url, rater.visitorToken);
    open.push(widget);
    const { conversationId } = await callOk<{ conversationId: number }>(widget, 'message:send', { clientId: 'rae-1', text: 'Thanks, all sorted.' });
    // A chat a person answered, now closed: the shop's default asks for its rating.
    await stack.env.sql`update conversations set status = 'resolved', resolved_at = now(), first_response_at = now() where id = ${conversationId}`;
    const [kept, other] = [await widgetSession(stack.url, { name: 'Max Merge' }), await widgetSession(stack.url, { name: 'Max M.' })];

    await redis.stop(stack.url);
    const firstTelling = nextEvent<{ customerId: number }>(agent, 'customer:updated', (e) => e.customerId === rater.customerId);
    expect(await call(widget, 'feedback:csat', { conversationId, rating: 5 }, 8_000)).toMatchObject({ ok: true });
    await firstTelling;
    await redis.start(stack.url);

    // The queues' connection of its own comes back at its next retry, up to a few seconds after the server's readiness
    // (a merge before that is refused its enqueue, and tells nothing). A read on it answers once it is back.
    const interactions = stack.servers[0].handle.ctx.queues.queue(QUEUE_INTERACTIONS);
    await eventually(() => interactions.getJobCounts().then(() => true, () => false), 15_000, 'the queues connected again');
    const told = record<{ customerId: number }>(agent, 'customer:updated');
    expect((await httpAs(stack.url, 'POST', `/api/customers/${other.customerId}/merge`, session, { intoId: kept.customerId })).status).toBe(200);
    // Before: the merge queued its event past queueChangeEvents, and the rating was told again only at some later enqueue.
    await eventually(async () => told.some((e) => e.customerId === rater.customerId), 5_000, 'the rating told again');
  }, 60_000);

  it('an email delivered again is answered as a duplicate, not an error', async () => {
    const { stack, redis } = outage;
    const shopper = await shopperWithChat({ name: 'Rene Repeat', email: 'rene@example.com' }, 'rene-1');
    const to = replyToAddress(stack.env.config, stack.servers[0].handle.ctx.visitorSecret, shopper.conversationId)!;
    const raw = await new MailComposer({
      from: 'rene@example.com', to, subject: 'Re: New reply from Northwind Goods', messageId: '<outage-repeat@mail.example.com>',
      text: 'Is it still coming on Friday?',
    }).compile().build();
    const deliver = async () => {
      const response = await fetch(`${stack.url}/api/email/inbound`, {
        method: 'POST', headers: { authorization: `Bearer ${INBOUND_SECRET}`, 'content-type': 'message/rfc822' }, body: new Uint8Array(raw),
        signal: AbortSignal.timeout(PROMPTLY_MS),
      });
      return { status: response.status, json: await response.json() };
    };

    await redis.stop(stack.url);

    const first = await deliver();
    expect(first).toMatchObject({ status: 200, json: { accepted: true, status: 'posted', conversationId: shopper.conversationId } });
    // Before: 500 (the message's event queued straight to the absent Redis), so the provider kept delivering it.
    const again = await deliver();
    expect(again).toMatchObject({ status: 200, json: { accepted: true, status: 'duplicate', conversationId: shopper.conversationId, messageId: first.json.messageId } });
    const stored = await stack.env.sql`select id from messages where conversation_id = ${shopper.conversationId} and body = 'Is it still coming on Friday?'`;
    expect(stored).toHaveLength(1);
  }, 60_000);
});
