// A server killed between a shopper's ack and the new chat's automation rules used to lose those rules for good (they
// ran only in its memory). The chat now says it owes them (conversations.new_chat_rules_owed, migration 056) until they
// have run, and every server's recovery sweep runs them late (server/services/new-chat-rules-recovery.ts). The crash is
// reproduced as it leaves the database: the conversation made the way the server makes it, the first message stored,
// no rule run, the server gone. Then servers with the sweep start: the rules run once, before the recovered bot answer,
// even with two servers sweeping; a chat an agent took or that was closed gets none; a rule the dead server had run is
// not run again; a live chat's own run clears the mark, so no sweep runs its rules twice; the email path clears it too.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, eventually, type WidgetClient } from '../support/sockets.ts';
import { depsOf, PAST_GRACE, rulesRecoveryBed, SWEEP_PERIOD_MS as PERIOD_MS } from '../support/rules-recovery.ts';
import { conversationsRepository } from '../../server/repositories/conversations.ts';
import { routingRepository } from '../../server/repositories/routing.ts';
import { LABELS_LOCK } from '../../server/services/conversation-labels.ts';
import { runOwedAutomationRules } from '../../server/services/new-chat-rules-recovery.ts';
import type { Responder, ResponderContext, ResponderDecision } from '../../server/services/responder.ts';

/** Answers every question; counts its runs per chat. */
class CountingResponder implements Responder {
  readonly name = 'rules-recovery-test-bot';
  readonly runs = new Map<number, number>();
  async respond(context: ResponderContext): Promise<ResponderDecision> {
    this.runs.set(context.conversationId, (this.runs.get(context.conversationId) ?? 0) + 1);
    return { action: 'answer', reply: `Answer to: ${context.text}`, metadata: { decision: 'answer', intent: null, confidence: 1, articles: [], encoder: 'none' } };
  }
}

const responder = new CountingResponder();
// The stack's own server has no background sweeps: it stands for the server that took the messages and died.
const bed = rulesRecoveryBed({ responder });
const { startRecoveringServer, saveRule } = bed;
let stack: TestStack;
const sockets: WidgetClient[] = [];

beforeAll(() => {
  ({ stack } = bed);
});
afterEach(() => {
  sockets.splice(0).forEach((s) => s.close());
});

const firstContactRule = { name: 'First contact', trigger: 'conversation_created', conditions: [], actions: [{ type: 'addLabels', labels: ['first-contact'] }, { type: 'note', text: 'New shopper.' }] };

const chatRow = async (id: number) =>
  (await stack.env.sql<{ status: string; labels: string[]; owed: boolean }[]>`
    select status, labels, new_chat_rules_owed as owed from conversations where id = ${id}`)[0]!;
const lines = (conversationId: number) => stack.env.sql<{ id: number; author_type: string; metadata: Record<string, any> }[]>`
  select id, author_type, metadata from messages where conversation_id = ${conversationId} order by id`;
const ruleLines = async (conversationId: number) =>
  (await lines(conversationId)).filter((m) => ['automation_ran', 'automation_stopped', 'automation_note'].includes(m.metadata.event));

/** A chat the server made and stored the first message of, then died before its rules; started `ageSeconds` ago. */
async function chatOwingRules(text: string, ageSeconds: number) {
  const session = await widgetSession(stack.url);
  const repo = conversationsRepository(stack.env.sql);
  const conversation = await repo.create(session.customerId);
  const { message } = await repo.insertMessage({ conversationId: conversation.id, authorType: 'customer', clientId: randomUUID(), body: text });
  // The insert that made it says it owes the rules (an enabled new-chat rule exists).
  expect((await chatRow(conversation.id)).owed).toBe(true);
  const chat = { ...session, conversationId: conversation.id, messageId: message.id };
  await startedAgo(chat, ageSeconds);
  return chat;
}

async function startedAgo(chat: { conversationId: number; messageId?: number }, ageSeconds: number) {
  await stack.env.sql`update conversations set created_at = now() - make_interval(secs => ${ageSeconds}),
                        last_message_at = now() - make_interval(secs => ${ageSeconds}) where id = ${chat.conversationId}`;
  if (chat.messageId) await stack.env.sql`update messages set created_at = now() - make_interval(secs => ${ageSeconds}) where id = ${chat.messageId}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('new-chat rules lost with a killed server', () => {
  it('two servers sweeping at once run them once, before the recovered bot answer', async () => {
    await saveRule(firstContactRule);
    const one = await startRecoveringServer();
    const two = await startRecoveringServer();
    // Made after both are up, so both sweeps find it within a period once it is old enough.
    const chat = await chatOwingRules('Do you ship to Norway?', 0);
    await startedAgo(chat, PAST_GRACE);
    const answered = await eventually(async () => {
      const stored = await lines(chat.conversationId);
      const bot = stored.find((m) => m.author_type === 'bot');
      return bot && { stored, bot };
    }, 10_000, 'the bot answer');
    await sleep(8 * PERIOD_MS); // more sweeps on both servers: nothing more

    const ran = await ruleLines(chat.conversationId);
    expect(ran.map((m) => m.metadata.event)).toEqual(['automation_note', 'automation_ran']);
    expect(await chatRow(chat.conversationId)).toMatchObject({ labels: ['first-contact'], owed: false, status: 'bot' });
    // The rules came first, as on the live path: their line is stored before the bot's answer.
    expect(ran[1]!.id).toBeLessThan(answered.bot.id);
    expect((await lines(chat.conversationId)).filter((m) => m.author_type === 'bot')).toHaveLength(1);
    expect(responder.runs.get(chat.conversationId)).toBe(1);

    // The claim, raced head on: two sweeps of two servers started together take the chat once between them.
    const other = await chatOwingRules('Is the tote waterproof?', PAST_GRACE);
    // The servers' own periodic sweeps may take it first; then neither direct sweep does, which the sum allows.
    const taken = await Promise.all([runOwedAutomationRules(depsOf(one)), runOwedAutomationRules(depsOf(two))]);
    expect(taken[0] + taken[1]).toBeLessThanOrEqual(1);
    await eventually(async () => !(await chatRow(other.conversationId)).owed, 10_000, 'the second chat no longer owing its rules');
    await sleep(4 * PERIOD_MS);
    expect((await ruleLines(other.conversationId)).map((m) => m.metadata.event)).toEqual(['automation_note', 'automation_ran']);
  });

  it('two sweeps racing with no periodic sweep around take a chat exactly once', async () => {
    await saveRule(firstContactRule);
    // No sweeps of their own: only the direct ones, started together.
    const one = await startRecoveringServer({ backgroundTimers: false });
    const two = await startRecoveringServer({ backgroundTimers: false });
    const chat = await chatOwingRules('Can I pay by invoice?', PAST_GRACE);
    const taken = await Promise.all([runOwedAutomationRules(depsOf(one)), runOwedAutomationRules(depsOf(two)), runOwedAutomationRules(depsOf(one))]);
    expect(taken.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await ruleLines(chat.conversationId)).map((m) => m.metadata.event)).toEqual(['automation_note', 'automation_ran']);
    expect(await chatRow(chat.conversationId)).toMatchObject({ labels: ['first-contact'], owed: false });
    // Done: a later sweep finds nothing (even once the claim is gone).
    expect(await one.ctx.redis.del(`${stack.env.config.redisPrefix}:new-chat-rules:${chat.conversationId}`)).toBe(1);
    expect(await runOwedAutomationRules(depsOf(two))).toBe(0);
  });

  it('a chat an agent took, or that was closed, meanwhile gets no rules and stops owing them', async () => {
    await saveRule(firstContactRule);
    const [agent] = await stack.env.sql<{ id: number }[]>`select id from users where email = ${stack.agent.email}`;
    const taken = await chatOwingRules('I need help with a return', PAST_GRACE);
    await stack.env.sql`update conversations set status = 'assigned', handed_off = true, assignee_id = ${agent!.id}, assigned_at = now() where id = ${taken.conversationId}`;
    const closed = await chatOwingRules('Never mind.', PAST_GRACE);
    expect(await routingRepository(stack.env.sql).resolve(closed.conversationId, 'customer')).not.toBeNull();
    const control = await chatOwingRules('What sizes does the tote come in?', PAST_GRACE);

    await startRecoveringServer();
    await eventually(async () => (await ruleLines(control.conversationId)).some((m) => m.metadata.event === 'automation_ran'), 10_000, 'the control chat’s rules');
    await eventually(async () => !(await chatRow(taken.conversationId)).owed && !(await chatRow(closed.conversationId)).owed, 10_000, 'the marks dropped');
    await sleep(4 * PERIOD_MS);
    for (const chat of [taken, closed]) {
      expect(await ruleLines(chat.conversationId)).toEqual([]);
      expect((await chatRow(chat.conversationId)).labels).toEqual([]);
    }
    expect((await chatRow(control.conversationId)).labels).toEqual(['first-contact']);
  });

  it('a rule the dead server had run is not run again; the ones after it are', async () => {
    const first = await saveRule({ name: 'Rule A', trigger: 'conversation_created', conditions: [], actions: [{ type: 'note', text: 'A ran.' }] });
    await saveRule({ name: 'Rule B', trigger: 'conversation_created', conditions: [], actions: [{ type: 'addLabels', labels: ['b'] }] });
    const chat = await chatOwingRules('Hello', PAST_GRACE);
    // The killed server got through the first rule (its note and its line) and died before the second.
    const repo = conversationsRepository(stack.env.sql);
    for (const metadata of [{ event: 'automation_note', ruleId: first.id, ruleName: 'Rule A', text: 'A ran.' }, { event: 'automation_ran', ruleId: first.id, ruleName: 'Rule A', actions: [{ type: 'note', status: 'done' }] }]) {
      await repo.insertMessage({ conversationId: chat.conversationId, authorType: 'system', body: 'written before the crash', metadata, private: true });
    }
    await startRecoveringServer();
    await eventually(async () => !(await chatRow(chat.conversationId)).owed, 10_000, 'the rules run');
    const ran = await ruleLines(chat.conversationId);
    expect(ran.map((m) => [m.metadata.event, m.metadata.ruleName])).toEqual([
      ['automation_note', 'Rule A'], ['automation_ran', 'Rule A'], ['automation_ran', 'Rule B'],
    ]);
    expect((await chatRow(chat.conversationId)).labels).toEqual(['b']);
  });

  it("a hand-off does not wait for rules owed to a sweep; the sweep runs them on the queued chat", async () => {
    await saveRule(firstContactRule);
    const chat = await chatOwingRules('Can I talk to someone?', 0);
    const shopper = await connectWidget(stack.url, chat.visitorToken);
    sockets.push(shopper);
    const askedAt = Date.now();
    await callOk(shopper, 'handoff:request', { conversationId: chat.conversationId });
    // Well under the 10 s hold a wait for the rules would take (room for a loaded machine).
    expect(Date.now() - askedAt).toBeLessThan(5_000);
    expect(await chatRow(chat.conversationId)).toMatchObject({ status: 'queued', owed: true });
    await startedAgo(chat, PAST_GRACE);
    await startRecoveringServer();
    await eventually(async () => !(await chatRow(chat.conversationId)).owed, 10_000, 'the rules run');
    expect((await ruleLines(chat.conversationId)).map((m) => m.metadata.event)).toEqual(['automation_note', 'automation_ran']);
    expect((await chatRow(chat.conversationId)).labels).toEqual(['first-contact']);
  });
});

describe('new-chat rules on the live path', () => {
  it('the mark is set while they run and cleared by their run, so no sweep runs them again', async () => {
    await saveRule(firstContactRule);
    // An admin's rename holds the labels lock: the rule's first action waits on it (up to its 2 s), long enough to see
    // the chat owe its rules while they run.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const hasLock = new Promise<void>((resolve) => (locked = resolve));
    const transaction = stack.env.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${LABELS_LOCK})`;
      locked();
      await held;
    });
    await hasLock;
    const session = await widgetSession(stack.url);
    const shopper = await connectWidget(stack.url, session.visitorToken);
    sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: randomUUID(), text: 'Hi there' });
    expect((await chatRow(conversationId)).owed).toBe(true);
    release();
    await transaction;
    await eventually(async () => !(await chatRow(conversationId)).owed, 10_000, 'the live run done');
    expect((await ruleLines(conversationId)).map((m) => m.metadata.event)).toEqual(['automation_note', 'automation_ran']);

    // Old enough for a sweep, and servers sweeping: nothing more.
    await startedAgo({ conversationId }, PAST_GRACE);
    await startRecoveringServer();
    await startRecoveringServer();
    await sleep(8 * PERIOD_MS);
    expect((await ruleLines(conversationId)).map((m) => m.metadata.event)).toEqual(['automation_note', 'automation_ran']);
    expect((await chatRow(conversationId)).labels).toEqual(['first-contact']);
  });

  it('with no new-chat rule enabled a chat owes nothing (no extra write)', async () => {
    await saveRule({ ...firstContactRule, trigger: 'handoff' });
    await saveRule({ ...firstContactRule, name: 'Off', enabled: false });
    const session = await widgetSession(stack.url);
    const conversation = await conversationsRepository(stack.env.sql).create(session.customerId);
    expect((await chatRow(conversation.id)).owed).toBe(false);
  });

  it("a shopper's email reply that starts a chat runs its rules inline and clears the mark", async () => {
    await saveRule(firstContactRule);
    const session = await widgetSession(stack.url);
    const repo = conversationsRepository(stack.env.sql);
    const old = await repo.create(session.customerId);
    await repo.insertMessage({ conversationId: old.id, authorType: 'customer', clientId: randomUUID(), body: 'Earlier question' });
    expect(await routingRepository(stack.env.sql).resolve(old.id, 'customer')).not.toBeNull();
    const reply = await stack.servers[0]!.handle.ctx.chat.customerEmailReply({
      customerId: session.customerId, conversationId: old.id, emailMessageId: `<${randomUUID()}@mail.test>`, text: 'Replying by email: still broken.', metadata: {},
    });
    expect(reply.conversationId).not.toBe(old.id);
    expect(await chatRow(reply.conversationId)).toMatchObject({ owed: false, labels: ['first-contact'] });
    expect((await ruleLines(reply.conversationId)).map((m) => m.metadata.event)).toEqual(['automation_note', 'automation_ran']);
  });
});
