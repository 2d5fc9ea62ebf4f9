// Anonymised chats and the order chats are locked in. Real server, Postgres, Redis and socket.io clients; each race
// is made to happen (a separate transaction holds the rows, the actions are seen waiting for them, then it lets go).
//   - a chat retention anonymised cannot be reopened (409 conversation_anonymised), the console is told it is
//     anonymised (the shopper is not), and the shopper's next message starts a new chat beside it;
//   - an open chat left anonymised is not the customer's open chat (email replies, writing first);
//   - the bot's answer still goes out when the shopper asked for a person while it was thinking and nobody is online;
//   - two message batches naming the same chats in opposite orders do not deadlock;
//   - bot-turn recovery does not pick up a deleted customer's (anonymised) chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { holdLocks, lockWaiters as waitingOnLocks } from '../support/held-locks.ts';
import { call, callOk, connectAgent, connectWidget, eventually, type AgentClient } from '../support/sockets.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';
import { GatedResponder } from '../support/gated-responder.ts';
import { applyRetention } from '../../server/services/retention.ts';
import { conversationsRepository, latestShopperMessagesWithBot } from '../../server/repositories/conversations.ts';
import { createSql, type Sql } from '../../server/db/client.ts';

const responder = new GatedResponder();
let stack: TestStack;
let sam: { id: number; token: string; socket: AgentClient };
let seq = 0;
/** Connections of their own for the batches: the stack's pool (4) is taken by the two holders and the batches. */
let batchSql: Sql;
const open: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack({ config: { dbLockTimeoutMs: 60_000 }, server: { responder } });
  const session = await login(stack.url, stack.agent.email, stack.agent.password);
  const socket = await connectAgent(stack.url, session.token);
  open.push(socket);
  // Away: nobody is online to take a chat, and the automatic pass gives Sam none.
  await callOk(socket, 'presence:set', { presence: 'away' });
  // The admin is away too (seeded accounts may be online by default): nobody can answer.
  const admin = await login(stack.url, stack.admin.email, stack.admin.password);
  const adminSocket = await connectAgent(stack.url, admin.token);
  open.push(adminSocket);
  await callOk(adminSocket, 'presence:set', { presence: 'away' });
  sam = { id: session.user.id, token: session.token, socket };
  batchSql = createSql(stack.env.config, { max: 4 });
});
afterAll(async () => {
  responder.release();
  open.forEach((s) => s.close());
  await batchSql?.end();
  await stack?.close();
});

async function shopper() {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  return { session, socket };
}

const rowOf = async (conversationId: number) =>
  (await stack.env.sql<{ status: string; assignee_id: number | null; anonymised: boolean }[]>`
    select status, assignee_id, anonymised_at is not null as anonymised from conversations where id = ${conversationId}`)[0];

const lockWaiters = () => waitingOnLocks(stack.env.sql);
const hold = (lock: (tx: typeof stack.env.sql) => Promise<unknown>) => holdLocks(stack.env.sql, lock);

/** A shopper's chat with the bot that has answered its first question. */
async function botChat() {
  const s = await shopper();
  const sent = await callOk<{ conversationId: number }>(s.socket, 'message:send', { clientId: `first-${++seq}`, text: 'Do you ship abroad?' });
  await eventually(async () => (await stack.env.sql`select 1 from messages where conversation_id = ${sent.conversationId} and author_type = 'bot'`).length > 0, 10_000, 'the bot answer');
  return { ...s, conversationId: sent.conversationId };
}

describe('a chat retention anonymised', () => {
  it('cannot be reopened; the console is told why, and the shopper writing again starts a new chat', async () => {
    const { session, socket, conversationId } = await botChat();
    await callOk(sam.socket, 'conversation:accept', { conversationId });
    await callOk(sam.socket, 'conversation:resolve', { conversationId });
    await stack.env.sql`update conversations set resolved_at = now() - interval '40 days' where id = ${conversationId}`;
    expect(await applyRetention(stack.env.sql, 30)).toBeGreaterThanOrEqual(1);
    expect(await rowOf(conversationId)).toMatchObject({ status: 'resolved', anonymised: true });

    expect(await call(sam.socket, 'conversation:reopen', { conversationId })).toMatchObject({ ok: false, error: { code: 'conversation_anonymised' } });
    expect(await rowOf(conversationId)).toMatchObject({ status: 'resolved' });

    // The console hides Reopen by the summary's mark; the shopper's widget never gets it.
    const view = await fetch(`${stack.url}/api/conversations/${conversationId}`, { headers: { authorization: `Bearer ${sam.token}` } });
    expect(((await view.json()) as { conversation: ConversationSummary }).conversation).toMatchObject({ id: conversationId, anonymised: true });
    const current = await callOk<{ conversation: ConversationSummary | null }>(socket, 'conversation:current', {});
    expect(current.conversation && 'anonymised' in current.conversation).toBe(false);

    const again = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `again-${++seq}`, text: 'Hello again' });
    expect(again.conversationId).not.toBe(conversationId);
    expect(await stack.env.sql`select id from conversations where customer_id = ${session.customerId} and status <> 'resolved'`).toHaveLength(1);
  });

  it('is not the open chat an email reply or an agent writing first is sent to, when left open anonymised', async () => {
    // As a reopen before the fix left one: open, anonymised, taking no shopper message.
    const { session, conversationId } = await botChat();
    await stack.env.sql`update conversations set anonymised_at = now() where id = ${conversationId}`;
    expect(await conversationsRepository(stack.env.sql).findOpenForCustomer(session.customerId)).toBeUndefined();
    const wrote = await fetch(`${stack.url}/api/customers/${session.customerId}/conversations`, {
      method: 'POST', headers: { authorization: `Bearer ${sam.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Your parcel left today.' }),
    });
    expect(wrote.status).toBe(201);
    expect(((await wrote.json()) as { conversationId: number }).conversationId).not.toBe(conversationId);
  });
});

describe('the bot, when the shopper asks for a person while it thinks and nobody is online', () => {
  it('still sends its answer (nobody has joined the chat)', async () => {
    const { socket, conversationId } = await botChat();
    await callOk(socket, 'message:send', { clientId: `slow-${++seq}`, text: 'Tell me slowly about returns', conversationId });
    await eventually(async () => responder.thinking > 0, 10_000, 'the bot to be thinking');
    await callOk(socket, 'handoff:request', { conversationId });
    expect(await rowOf(conversationId)).toMatchObject({ status: 'queued', assignee_id: null });
    const turnDone = stack.servers[0].handle.ctx.chat.inChatOrder(conversationId, async () => undefined);
    responder.release();
    await turnDone;
    expect(await stack.env.sql`select 1 from messages where conversation_id = ${conversationId} and body = 'Bot answer to: Tell me slowly about returns'`).toHaveLength(1);
  });
});

describe('message batches', () => {
  it('do not deadlock when two name the same chats in opposite orders', async () => {
    const a = await botChat();
    const b = await botChat();
    const repo = conversationsRepository(batchSql);
    const item = (chat: typeof a, tag: string) => ({ customerId: chat.session.customerId, conversationId: chat.conversationId, clientId: `batch-${tag}-${++seq}`, body: `batch ${tag}`, metadata: {} });
    // Each chat held by a transaction of its own, let go one after the other. Locking in arrival order, the first
    // batch would take chat A once it is free and wait for B; the second, queued first for B, would take it then
    // and wait for A: a deadlock. Locked in id order, both wait for A first, and one simply goes after the other.
    const releaseA = await hold((tx) => tx`select 1 from conversations where id = ${a.conversationId} for update`);
    const releaseB = await hold((tx) => tx`select 1 from conversations where id = ${b.conversationId} for update`);
    let batches: Promise<unknown[]>[] = [];
    try {
      const before = await lockWaiters();
      batches = [repo.insertCustomerMessagesFast([item(a, 'a1'), item(b, 'b1')]), repo.insertCustomerMessagesFast([item(b, 'b2'), item(a, 'a2')])];
      batches.forEach((batch) => batch.catch(() => undefined));
      await eventually(async () => (await lockWaiters()) >= before + 2, 10_000, 'both batches to wait');
      await releaseA();
      // The batch that got A moves on to wait for B (a lock request, microseconds); give it ample time to.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await releaseA();
      await releaseB();
    }
    const results = await Promise.allSettled(batches);
    expect(results.map((r) => r.status === 'rejected' ? String((r.reason as { code?: string }).code ?? r.reason) : 'fulfilled')).toEqual(['fulfilled', 'fulfilled']);
    for (const r of results) expect((r as PromiseFulfilledResult<unknown[]>).value.every(Boolean)).toBe(true);
    expect(await stack.env.sql`select 1 from messages where body like 'batch %' and conversation_id in (${a.conversationId}, ${b.conversationId})`).toHaveLength(4);
  });

  it('leave a chat resolved while they waited to the general path, and store the rest', async () => {
    const a = await botChat();
    const b = await botChat();
    const repo = conversationsRepository(stack.env.sql);
    let batch!: Promise<unknown[]>;
    const release = await hold(async (tx) => {
      await tx`select 1 from conversations where id in (${a.conversationId}, ${b.conversationId}) for update`;
      await tx`update conversations set status = 'resolved', resolved_at = now() where id = ${a.conversationId}`;
    });
    try {
      const before = await lockWaiters();
      batch = repo.insertCustomerMessagesFast([
        { customerId: b.session.customerId, conversationId: b.conversationId, clientId: `keep-${++seq}`, body: 'kept', metadata: {} },
        { customerId: a.session.customerId, conversationId: a.conversationId, clientId: `late-${++seq}`, body: 'late', metadata: {} },
      ]);
      batch.catch(() => undefined);
      await eventually(async () => (await lockWaiters()) > before, 10_000, 'the batch to wait');
    } finally {
      await release();
    }
    const [kept, late] = await batch;
    expect(kept).toMatchObject({ message: { conversation_id: b.conversationId, body: 'kept' } });
    expect(late).toBeUndefined();
  });
});

describe('bot-turn recovery', () => {
  it("does not pick up a deleted customer's anonymised chat", async () => {
    const kept = await botChat();
    const gone = await botChat();
    for (const chat of [kept, gone]) {
      await stack.env.sql`insert into messages (conversation_id, author_type, client_id, body) values (${chat.conversationId}, 'customer', ${`unanswered-${++seq}`}, 'Anyone there?')`;
    }
    await stack.env.sql`update conversations set anonymised_at = now() where id = ${gone.conversationId}`;
    const found = (await latestShopperMessagesWithBot(stack.env.sql, { graceSeconds: 0, maxAgeSeconds: 600, limit: 1000 })).map((m) => m.conversationId);
    expect(found).toContain(kept.conversationId);
    expect(found).not.toContain(gone.conversationId);
  });
});
