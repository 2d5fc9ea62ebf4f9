// One person, one record: an anonymous visitor who signs in to the shop as a customer we know keeps their chat
// (it moves to the known record, with its history, counts and ratings), the old visitor token is not resumed, work
// still queued for the old id lands on the kept record, consoles see the chat's new customer, and agents can merge
// two records by hand (audited), with the refusals that keep two shop accounts apart.
import { beforeAll, describe, expect, it } from 'vitest';
import { httpAs, widgetSession, type TestStack } from '../support/server.ts';
import { agentStack } from '../support/agent-stack.ts';
import { callOk, connectWidget, eventually, nextEvent, type AgentClient } from '../support/sockets.ts';
import { identityHash } from '../../server/services/visitor-tokens.ts';
import { CUSTOMER_OWNED_TABLES } from '../../server/services/customer-merge.ts';
import { writeInteractionBatch } from '../../workers/interaction-store.ts';
import { writeFeedback } from '../../workers/feedback-store.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';
import { createSql, type Sql } from '../../server/db/client.ts';
import { holdTableLock } from '../support/databases.ts';
import { solidPng } from '../support/png.ts';

const IDENTITY_SECRET = 'merge-test-identity-secret';
// Many widget sessions from one address in a minute: more than a shop's visitors would open.
const bed = agentStack({ workers: true, config: { identitySecret: IDENTITY_SECRET, rateLimitSessionsPerMinute: 300 } });
const { open } = bed;
let stack: TestStack;
let agent: AgentClient;
let agentAuth: typeof bed.agentAuth;

beforeAll(async () => {
  ({ stack, agent, agentAuth } = bed);
  // A webhook for merges (its deliveries are only looked at: the address is never reached in these tests).
  await stack.env.sql`insert into webhooks (url, secret, events) values ('https://crm.example.com/hooks', 'merge-test-secret', ${['customer.merged']}::text[])`;
});

const signIn = (userId: string, extra: Record<string, unknown> = {}) =>
  widgetSession(stack.url, { userId, hash: identityHash(IDENTITY_SECRET, userId), ...extra });

const chat = async (token: string, clientId: string, text: string) => (await bed.shopperChat(token, clientId, text)).conversationId;

async function handshakeOutcome(token: string): Promise<string> {
  try {
    open.push(await connectWidget(stack.url, token));
    return 'connected';
  } catch (error) {
    return (error as { data?: { code?: string } }).data?.code ?? String(error);
  }
}

const timelineTypes = async (customerId: number) =>
  (await stack.env.sql<{ type: string; conversation_id: number | null }[]>`select type, conversation_id from interaction_events where customer_id = ${customerId} order by id`);

/**
 * Runs `merge` and pauses it inside its transaction — both records locked and the history already moved, waiting to
 * move the last table it moves (notes, held by a lock of the test's) — then starts each writer on a connection of
 * its own, waits until every writer waits for a lock too (none may have settled on the old record meanwhile), and
 * lets the merge finish. That is the moment, under load, a worker wrote the bot's answer. Returns what merge gave.
 * `throughServer`: the writers ignore their connections and ask the server (a shopper's or an agent's request); they
 * are then counted among all the sessions of this database waiting for a lock, so nothing else may wait meanwhile
 * (no history of these customers still on its way to the workers).
 */
async function whileMergePaused<T>(merge: () => Promise<T>, writes: ((sql: Sql) => Promise<unknown>)[], options: { throughServer?: boolean } = {}): Promise<T> {
  const writers = writes.map(() => createSql(stack.env.config, { max: 1 }));
  try {
    const pids = await Promise.all(writers.map(async (w) => Number((await w<{ pid: number }[]>`select pg_backend_pid() as pid`)[0].pid)));
    const waiting = async () => (await stack.env.sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
        and (${options.throughServer === true} or pid = any(${pids}::int[]) or query ilike '%customer_notes%')`)[0].n;
    const releaseNotes = await holdTableLock(stack.env.sql, 'customer_notes');
    let merged: Promise<T> | undefined;
    let written: Promise<unknown> | undefined;
    try {
      merged = merge();
      await eventually(async () => (await waiting()) === 1, 10_000, 'the merge paused mid-way');
      written = Promise.all(writes.map((write, i) => write(writers[i])));
      await eventually(async () => (await waiting()) === 1 + writes.length, 10_000, 'the writers waiting for the merge');
    } finally {
      await releaseNotes();
    }
    const [result] = await Promise.all([merged, written]);
    return result;
  } finally {
    await Promise.all(writers.map((w) => w.end()));
  }
}

/** [idempotency key, customer id] of these timeline events and feedback rows, by key. */
const owners = async (eventKeys: string[], feedbackKeys: string[]) => (await stack.env.sql<{ key: string; customer_id: number }[]>`
  select idempotency_key as key, customer_id from interaction_events where idempotency_key = any(${eventKeys}::text[])
  union all select idempotency_key, customer_id from feedback where idempotency_key = any(${feedbackKeys}::text[]) order by key`)
  .map((o) => [o.key, Number(o.customer_id)]);

describe('merging customer records', () => {
  it('covers every table that refers to a customer', async () => {
    const rows = await stack.env.sql<{ table: string }[]>`
      select c.conrelid::regclass::text as table from pg_constraint c
      where c.confrelid = 'customers'::regclass and c.contype = 'f' and c.conrelid <> 'customers'::regclass`;
    expect(rows.map((r) => r.table).sort()).toEqual([...CUSTOMER_OWNED_TABLES].sort());
  });

  it('moves an anonymous chat to the known customer who signs in, and the old token is not resumed', async () => {
    // A returning customer with an earlier chat, signed in on another day.
    const known = await signIn('shop-user-merge-1', { name: 'Mia Known', email: 'mia@example.com' });
    const earlier = await chat(known.visitorToken, 'known-1', 'Do you ship to Norway?');

    // Today, not signed in yet: they ask about their order, and the bot asks them to sign in.
    const anonymous = await widgetSession(stack.url, { email: 'mia.other@example.com' });
    const todays = await chat(anonymous.visitorToken, 'anon-1', 'where is my order NW-100236?');
    // Its history written, the bot's answer included: events still on their way to the workers during the merge, or
    // written while it runs, are other tests' cases ("lands history … still queued", "… while the merge runs").
    await eventually(async () => {
      const written = (await timelineTypes(anonymous.customerId)).map((e) => e.type);
      return ['message.customer', 'message.bot', 'bot.decision'].every((type) => written.includes(type));
    }, 15_000, 'anonymous history written');
    const moved = nextEvent<ConversationSummary>(agent, 'conversation:updated', (c) => c.id === todays && c.customerId === known.customerId);

    // They sign in on the shop; the page calls identify() with the widget's stored token.
    const signedIn = await signIn('shop-user-merge-1', { visitorToken: anonymous.visitorToken });
    expect(signedIn).toMatchObject({ customerId: known.customerId, identified: true });
    await moved; // consoles learn the chat's new customer

    // Their chat so far is on the known record, and the widget resumes it with the new token.
    const owners = await stack.env.sql<{ id: number; customer_id: number }[]>`select id, customer_id from conversations where id in (${earlier}, ${todays}) order by id`;
    expect(owners.map((o) => Number(o.customer_id))).toEqual([known.customerId, known.customerId]);
    const widget = await connectWidget(stack.url, signedIn.visitorToken);
    open.push(widget);
    const current = await callOk<{ conversation: ConversationSummary; messages: { text: string }[] }>(widget, 'conversation:current', {});
    expect(current.conversation.id).toBe(todays);
    expect(current.messages.map((m) => m.text)).toContain('where is my order NW-100236?');

    // The kept record keeps its own profile; the history of both is one timeline, with the merge on it.
    const [kept] = await stack.env.sql`select name, email, external_id, conversations_count from customers where id = ${known.customerId}`;
    expect(kept).toMatchObject({ name: 'Mia Known', email: 'mia@example.com', external_id: 'shop-user-merge-1', conversations_count: 2 });
    const types = await eventually(async () => {
      const found = await timelineTypes(known.customerId);
      return found.some((e) => e.type === 'customer.merged') && found;
    }, 15_000, 'the merge on the timeline');
    expect(types.filter((e) => e.conversation_id === todays).map((e) => e.type)).toContain('message.customer');
    expect(await timelineTypes(anonymous.customerId)).toEqual([]);
    // The shop's webhooks hear of it: the kept id, and the old one to follow.
    const [delivery] = await stack.env.sql`select payload from webhook_deliveries where event = 'customer.merged' and customer_id = ${known.customerId}`;
    expect(delivery.payload).toMatchObject({ event: 'customer.merged', customerId: known.customerId, data: { mergedId: anonymous.customerId, reason: 'sign_in' } });

    // The record left behind is empty and points at the kept one; nobody lists it or opens it as a profile.
    const [left] = await stack.env.sql`select merged_into_id, name, email, conversations_count from customers where id = ${anonymous.customerId}`;
    expect(left).toMatchObject({ merged_into_id: known.customerId, name: null, email: null, conversations_count: 0 });
    const profile = await httpAs(stack.url, 'GET', `/api/customers/${anonymous.customerId}`, { cookie: agentAuth.cookie });
    expect(profile.status).toBe(404);
    expect(profile.json.error.code).toBe('customer_merged');
    const listed = await httpAs(stack.url, 'GET', `/api/customers?q=${encodeURIComponent('mia')}`, { cookie: agentAuth.cookie });
    expect(listed.json.items.map((c: { id: number }) => c.id)).toEqual([known.customerId]);

    // Whoever still holds the anonymous token starts over: it is not resumed, not by the socket nor by HTTP.
    expect(await handshakeOutcome(anonymous.visitorToken)).toBe('unauthorized');
    const fresh = await widgetSession(stack.url, { visitorToken: anonymous.visitorToken });
    expect(fresh.customerId).not.toBe(anonymous.customerId);
    expect(fresh.customerId).not.toBe(known.customerId);
    const transcript = await fetch(`${stack.url}/api/widget/conversations/${todays}/transcript`, { headers: { authorization: `Bearer ${anonymous.visitorToken}` } });
    expect(transcript.status).toBe(401);
  });

  it('lands history and ratings still queued for the old record on the kept one', async () => {
    const known = await signIn('shop-user-merge-2', { name: 'Noor' });
    const anonymous = await widgetSession(stack.url);
    const conversationId = await chat(anonymous.visitorToken, 'late-1', 'hello, is anyone there?');
    await signIn('shop-user-merge-2', { visitorToken: anonymous.visitorToken });

    // Jobs queued before the merge (as the gateway queues them) are processed after it.
    const at = new Date().toISOString();
    await writeInteractionBatch(stack.env.sql, [{
      idempotencyKey: `late-msg-${conversationId}`, type: 'message.customer', customerId: anonymous.customerId, conversationId, occurredAt: at, payload: { text: 'late' },
    }]);
    await writeFeedback(stack.env.sql, {
      kind: 'csat', idempotencyKey: `late-csat-${conversationId}`, customerId: anonymous.customerId, conversationId, rating: 5, comment: null, occurredAt: at,
    });
    const [event] = await stack.env.sql`select customer_id from interaction_events where idempotency_key = ${`late-msg-${conversationId}`}`;
    expect(Number(event.customer_id)).toBe(known.customerId);
    const [rating] = await stack.env.sql`select customer_id from feedback where idempotency_key = ${`late-csat-${conversationId}`}`;
    expect(Number(rating.customer_id)).toBe(known.customerId);
    // The first message and the late one; the first's own event goes through the workers, which may still have it.
    await expect.poll(async () => (await stack.env.sql`select messages_count from customers where id = ${known.customerId}`)[0].messages_count, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
  });

  it('lands history and a rating written while the merge runs on the kept record, not on the emptied one', async () => {
    const known = await signIn('shop-user-merge-race', { name: 'Ria' });
    const anonymous = await widgetSession(stack.url);
    const conversationId = await chat(anonymous.visitorToken, 'race-1', 'is my parcel on its way?');
    const at = new Date().toISOString();
    const merged = await whileMergePaused(() => signIn('shop-user-merge-race', { visitorToken: anonymous.visitorToken }), [
      (sql) => writeInteractionBatch(sql, [{
        idempotencyKey: `race-bot-${conversationId}`, type: 'message.bot', customerId: anonymous.customerId, conversationId, occurredAt: at, payload: { text: 'It left today.' },
      }]),
      (sql) => writeFeedback(sql, {
        kind: 'csat', idempotencyKey: `race-csat-${conversationId}`, customerId: anonymous.customerId, conversationId, rating: 4, comment: null, occurredAt: at,
      }),
    ]);
    expect(merged).toMatchObject({ customerId: known.customerId });
    expect(await owners([`race-bot-${conversationId}`, `rating:race-csat-${conversationId}`], [`race-csat-${conversationId}`])).toEqual([
      [`race-bot-${conversationId}`, known.customerId], [`race-csat-${conversationId}`, known.customerId], [`rating:race-csat-${conversationId}`, known.customerId],
    ]);
    // The bot's answer counts for the person, not for the emptied record.
    const [left] = await stack.env.sql`select messages_count from customers where id = ${anonymous.customerId}`;
    expect(left.messages_count).toBe(0);
  });

  it('follows a record merged earlier into one that is being merged now to the record kept last', async () => {
    // Two anonymous records an agent merged (phone into laptop); then the laptop signs in as a known customer.
    const known = await signIn('shop-user-merge-race-2');
    const laptop = await widgetSession(stack.url);
    const phone = await widgetSession(stack.url);
    const conversationId = await chat(phone.visitorToken, 'race-2', 'do you sell gift cards?');
    expect((await httpAs(stack.url, 'POST', `/api/customers/${phone.customerId}/merge`, { cookie: agentAuth.cookie }, { intoId: laptop.customerId })).status).toBe(200);
    // An event still queued for the phone's record is written while the laptop's record is being merged.
    await whileMergePaused(() => signIn('shop-user-merge-race-2', { visitorToken: laptop.visitorToken }), [
      (sql) => writeInteractionBatch(sql, [{
        idempotencyKey: `race-late-${conversationId}`, type: 'message.customer', customerId: phone.customerId, conversationId, occurredAt: new Date().toISOString(), payload: { text: 'late' },
      }]),
    ]);
    expect(await owners([`race-late-${conversationId}`], [])).toEqual([[`race-late-${conversationId}`, known.customerId]]);
  });

  // A tab of the anonymous shopper, open before the sign-in. The merge cuts it when it commits, possibly before the
  // acks of what it sent: what it wrote is read from the database.
  async function tabBeforeSignIn(userId: string, name: string) {
    const known = await signIn(userId, { name });
    const anonymous = await widgetSession(stack.url);
    const tab = await connectWidget(stack.url, anonymous.visitorToken);
    open.push(tab);
    return { known, anonymous, tab, signIn: () => signIn(userId, { visitorToken: anonymous.visitorToken }) };
  }
  /** The customer of the first row `query` finds, once it finds one (the writes were not acknowledged). */
  const ownerOf = async (query: () => Promise<{ customer_id: number }[]>) => Number((await eventually(async () => (await query())[0])).customer_id);

  it('lands a chat a shopper starts in another tab while the merge runs on the kept record', async () => {
    const { known, anonymous, tab, signIn: merge } = await tabBeforeSignIn('shop-user-merge-race-3', 'Noor');
    const merged = await whileMergePaused(merge, [async () => tab.emit('message:send', { clientId: 'race-3-tab', text: 'do you ship to Norway?' }, () => {})], { throughServer: true });
    expect(merged).toMatchObject({ customerId: known.customerId });
    expect(await ownerOf(() => stack.env.sql`select c.customer_id from messages m join conversations c on c.id = m.conversation_id where m.client_id = 'race-3-tab'`))
      .toBe(known.customerId);
    const [left] = await stack.env.sql`select count(*)::int as n from conversations where customer_id = ${anonymous.customerId}`;
    expect(left.n).toBe(0);
  });

  it('lands a message left in another tab while the merge runs, and the address it gives, on the kept record', async () => {
    const { known, anonymous, tab, signIn: merge } = await tabBeforeSignIn('shop-user-merge-race-4', 'Ines');
    await whileMergePaused(merge, [async () => tab.emit('offline:leave', { email: 'ines.tab@example.com', name: 'Ines T', text: 'Please email me the shipping costs.' }, () => {})], { throughServer: true });
    expect(await ownerOf(() => stack.env.sql`select customer_id from offline_messages where email = 'ines.tab@example.com'`)).toBe(known.customerId);
    // The address the shopper left is the person's now; the emptied record stays empty.
    const rows = await stack.env.sql<{ id: number; email: string | null }[]>`
      select id, email from customers where id in (${known.customerId}, ${anonymous.customerId}) order by id`;
    expect(rows.map((r) => [Number(r.id), r.email])).toEqual([[known.customerId, 'ines.tab@example.com'], [anonymous.customerId, null]]);
  });

  it('lands a file a shopper sends while the merge runs, and the chat it starts, on the kept record', async () => {
    const { known, anonymous, signIn: merge } = await tabBeforeSignIn('shop-user-merge-race-5', 'Ola');
    let status = 0;
    await whileMergePaused(merge, [async () => {
      status = (await fetch(`${stack.url}/api/widget/attachments?${new URLSearchParams({ clientId: 'race-5-file', name: 'receipt.png' })}`, {
        method: 'POST', headers: { authorization: `Bearer ${anonymous.visitorToken}`, 'content-type': 'image/png' }, body: new Uint8Array(await solidPng(4, 3, [10, 120, 40])),
      })).status;
    }], { throughServer: true });
    expect(status).toBe(200);
    expect(await ownerOf(() => stack.env.sql`select customer_id from attachments where file_name = 'receipt.png'`)).toBe(known.customerId);
    expect(await ownerOf(() => stack.env.sql`select c.customer_id from messages m join conversations c on c.id = m.conversation_id where m.client_id = 'race-5-file'`))
      .toBe(known.customerId);
  });

  it('lands a chat an agent starts from the panel of a record being merged on the kept record', async () => {
    const known = await signIn('shop-user-merge-race-6', { name: 'Ivo' });
    const anonymous = await widgetSession(stack.url);
    let sent: { status: number; json: { conversationId?: number } } | undefined;
    await whileMergePaused(() => signIn('shop-user-merge-race-6', { visitorToken: anonymous.visitorToken }), [
      async () => {
        sent = await httpAs(stack.url, 'POST', `/api/customers/${anonymous.customerId}/conversations`, { cookie: agentAuth.cookie }, { text: 'Your refund went out today.' });
      },
    ], { throughServer: true });
    expect(sent?.status).toBe(201);
    const [row] = await stack.env.sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${sent!.json.conversationId!}`;
    expect(Number(row.customer_id)).toBe(known.customerId);
  });

  it('lands an email reply that arrives while the merge runs, and the chat it starts, on the kept record', async () => {
    const known = await signIn('shop-user-merge-race-7', { name: 'Vera' });
    const anonymous = await widgetSession(stack.url);
    // A chat of theirs, resolved and emailed to them; their reply comes in while they sign in, and starts a new chat.
    const [{ id: conversationId }] = await stack.env.sql<{ id: number }[]>`
      insert into conversations (customer_id, status, resolved_at) values (${anonymous.customerId}, 'resolved', now()) returning id`;
    const emailMessageId = '<race-7-reply@mail.example.com>';
    let replied: { conversationId: number; duplicate: boolean } | undefined;
    await whileMergePaused(() => signIn('shop-user-merge-race-7', { visitorToken: anonymous.visitorToken }), [async () => {
      replied = await stack.servers[0].handle.ctx.chat.customerEmailReply({ customerId: anonymous.customerId, conversationId, emailMessageId, text: 'One more question.', metadata: {} });
    }], { throughServer: true });
    expect(replied).toMatchObject({ duplicate: false });
    expect(replied!.conversationId).not.toBe(conversationId);
    const [stored] = await stack.env.sql<{ customer_id: number; chat_customer_id: number }[]>`
      select i.customer_id, c.customer_id as chat_customer_id from inbound_emails i join conversations c on c.id = i.conversation_id
      where i.message_id = ${emailMessageId}`;
    expect([Number(stored.customer_id), Number(stored.chat_customer_id)]).toEqual([known.customerId, known.customerId]);
  });

  it('lets an agent merge two records of one person (offered by their email), audited; a block holds for the person', async () => {
    const laptop = await widgetSession(stack.url, { name: 'Sam', email: 'Sam.Merge@example.com' });
    const phone = await widgetSession(stack.url, { email: 'sam.merge@example.com' });
    const first = await chat(laptop.visitorToken, 'sam-1', 'Do you have the rain jacket in M?');
    const second = await chat(phone.visitorToken, 'sam-2', 'Is the rain jacket waterproof?');
    await httpAs(stack.url, 'POST', `/api/customers/${phone.customerId}/block`, { cookie: agentAuth.cookie }, { reason: 'testing' });

    const offered = await httpAs(stack.url, 'GET', `/api/customers/${laptop.customerId}/duplicates`, { cookie: agentAuth.cookie });
    expect(offered.json.items.map((c: { id: number }) => c.id)).toEqual([phone.customerId]);

    const merged = await httpAs(stack.url, 'POST', `/api/customers/${phone.customerId}/merge`, { cookie: agentAuth.cookie }, { intoId: laptop.customerId });
    expect(merged.status).toBe(200);
    expect(merged.json).toMatchObject({ mergedId: phone.customerId, conversations: 1, customer: { id: laptop.customerId, name: 'Sam', email: 'Sam.Merge@example.com' } });
    expect(merged.json.customer.blocked).toMatchObject({ reason: 'testing' });
    const chats = await httpAs(stack.url, 'GET', `/api/customers/${laptop.customerId}`, { cookie: agentAuth.cookie });
    expect(chats.json.conversations.map((c: { id: number }) => c.id).sort()).toEqual([first, second].sort());
    const audit = await stack.env.sql`select actor_user_id, action, details from audit_log where target = ${`customer:${laptop.customerId}`} and action = 'customer.merge'`;
    expect(audit.map((a) => [a.actor_user_id, a.details])).toEqual([[agentAuth.user.id, { mergedId: phone.customerId, reason: 'agent' }]]);
    expect((await httpAs(stack.url, 'GET', `/api/customers/${laptop.customerId}/duplicates`, { cookie: agentAuth.cookie })).json.items).toEqual([]);
  });

  it('refuses what must not be merged, and keeps both records as they were', async () => {
    const a = await signIn('shop-user-merge-a');
    const b = await signIn('shop-user-merge-b');
    const anonymous = await widgetSession(stack.url);
    const as = (path: string, body: unknown, auth: { cookie: string } | null = { cookie: agentAuth.cookie }) => httpAs(stack.url, 'POST', path, auth, body);

    const twoAccounts = await as(`/api/customers/${a.customerId}/merge`, { intoId: b.customerId });
    expect(twoAccounts.status).toBe(409);
    expect(twoAccounts.json.error.code).toBe('both_signed_in');
    expect((await as(`/api/customers/${a.customerId}/merge`, { intoId: a.customerId })).json.error.code).toBe('same_customer');
    // A signed-in account into an anonymous record would make that anonymous browser the account (its orders too).
    const intoAnonymous = await as(`/api/customers/${a.customerId}/merge`, { intoId: anonymous.customerId });
    expect(intoAnonymous.status).toBe(409);
    expect(intoAnonymous.json.error).toEqual({ code: 'signed_in_into_anonymous', message: `Customer #${a.customerId} is a signed-in shop account: merge customer #${anonymous.customerId} into it instead, so the account stays the kept record.` });
    expect((await as(`/api/customers/${a.customerId}/merge`, { intoId: 999_999_999 })).status).toBe(404);
    expect((await as(`/api/customers/${a.customerId}/merge`, { intoId: 'b' })).status).toBe(400);
    expect((await as(`/api/customers/${a.customerId}/merge`, { intoId: b.customerId, force: true })).status).toBe(400);
    expect((await as(`/api/customers/${anonymous.customerId}/merge`, { intoId: a.customerId }, null)).status).toBe(401);
    const [rows] = await stack.env.sql`select count(*)::int as n from customers where id in (${a.customerId}, ${b.customerId}, ${anonymous.customerId}) and merged_into_id is null`;
    expect(rows.n).toBe(3);

    // Merged once, a record cannot be merged again, nor receive another.
    expect((await as(`/api/customers/${anonymous.customerId}/merge`, { intoId: a.customerId })).status).toBe(200);
    const again = await as(`/api/customers/${anonymous.customerId}/merge`, { intoId: b.customerId });
    expect(again.json.error.code).toBe('customer_merged');
    const other = await widgetSession(stack.url);
    expect((await as(`/api/customers/${other.customerId}/merge`, { intoId: anonymous.customerId })).json.error.code).toBe('customer_merged');
  });

  it('a signed-in shopper signing in again, or two tabs signing in at once, merges nothing twice', async () => {
    const known = await signIn('shop-user-merge-3');
    const again = await signIn('shop-user-merge-3', { visitorToken: known.visitorToken });
    expect(again.customerId).toBe(known.customerId);
    const anonymous = await widgetSession(stack.url);
    await chat(anonymous.visitorToken, 'tabs-1', 'hi');
    const both = await Promise.all([1, 2].map(() => signIn('shop-user-merge-3', { visitorToken: anonymous.visitorToken })));
    expect(both.map((s) => s.customerId)).toEqual([known.customerId, known.customerId]);
    await eventually(async () => (await timelineTypes(known.customerId)).some((e) => e.type === 'customer.merged'), 15_000, 'the merge on the timeline');
    const events = await stack.env.sql`select count(*)::int as n from interaction_events where type = 'customer.merged' and customer_id = ${known.customerId}`;
    expect(events[0].n).toBe(1);
  });

  it('a sign-in on a new browser folds its empty visitor record in quietly: no timeline line, no webhook', async () => {
    const known = await signIn('shop-user-merge-quiet');
    const fresh = await widgetSession(stack.url); // the widget's session before the page calls identify()
    const signedIn = await signIn('shop-user-merge-quiet', { visitorToken: fresh.visitorToken });
    expect(signedIn.customerId).toBe(known.customerId);
    const [left] = await stack.env.sql`select merged_into_id from customers where id = ${fresh.customerId}`;
    expect(left.merged_into_id).toBe(known.customerId); // still tombstoned: its token is refused like any merged one
    // A merge that moves something is recorded; give the worker time to have written this one had it been queued.
    const other = await widgetSession(stack.url);
    await chat(other.visitorToken, 'quiet-1', 'hello');
    await signIn('shop-user-merge-quiet', { visitorToken: other.visitorToken });
    await eventually(async () => (await timelineTypes(known.customerId)).some((e) => e.type === 'customer.merged'), 15_000, 'the second merge on the timeline');
    const events = await stack.env.sql`select payload from interaction_events where type = 'customer.merged' and customer_id = ${known.customerId}`;
    expect(events.map((e) => e.payload.mergedId)).toEqual([other.customerId]);
    const deliveries = await stack.env.sql`select payload from webhook_deliveries where event = 'customer.merged' and customer_id = ${known.customerId}`;
    expect(deliveries.map((d) => d.payload.data.mergedId)).toEqual([other.customerId]);
  });
});
