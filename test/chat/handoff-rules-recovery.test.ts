// A server killed between queueing a chat for people and running its hand-off automation rules used to lose those
// rules for good: they ran only in its memory, and rules_pending_until merely let the queue take the chat without them
// 10 s later. The chat now says it owes them (conversations.handoff_rules_owed, migration 062, set by the hand-off's own
// update) until they have run, and the same recovery sweep that runs a new chat's owed rules runs them late
// (server/services/new-chat-rules-recovery.ts). The crash is reproduced as it leaves the database: the chat queued the
// way the server queues it (routing.enqueue), no rule run, the server gone. Nobody is online, so the chat stays queued.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { depsOf, PAST_GRACE, rulesRecoveryBed, SWEEP_PERIOD_MS as PERIOD_MS } from '../support/rules-recovery.ts';
import { conversationsRepository } from '../../server/repositories/conversations.ts';
import { routingRepository } from '../../server/repositories/routing.ts';
import { OWED_RULES_GRACE_SECONDS, owedRulesHoldMs, runOwedAutomationRules } from '../../server/services/new-chat-rules-recovery.ts';

// The stack's own server has no background sweeps: it stands for the server that queued the chats and died.
const bed = rulesRecoveryBed();
const { startRecoveringServer, saveRule } = bed;
let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
const sockets: (WidgetClient | AgentClient)[] = [];

beforeAll(() => {
  ({ stack, admin } = bed);
});
afterEach(async () => {
  sockets.splice(0).forEach((s) => s.close());
  await stack.env.sql`delete from teams`;
  await stack.env.sql`update users set presence = 'offline'`;
});

const vipRule = {
  name: 'Asked for a person', trigger: 'handoff', conditions: [{ type: 'handoffReason', reasons: ['customer_request'] }],
  actions: [{ type: 'addLabels', labels: ['wants-person'] }, { type: 'setPriority', priority: true }, { type: 'note', text: 'Asked for a person.' }],
};

const chatRow = async (id: number) =>
  (await stack.env.sql<{ status: string; labels: string[]; priority: boolean; owed: boolean; pending: Date | null }[]>`
    select status, labels, priority, handoff_rules_owed as owed, rules_pending_until as pending from conversations where id = ${id}`)[0]!;
const ruleLines = async (conversationId: number) =>
  (await stack.env.sql<{ metadata: Record<string, any> }[]>`
    select metadata from messages where conversation_id = ${conversationId} and author_type = 'system'
      and metadata->>'event' in ('automation_ran', 'automation_stopped', 'automation_note') order by id`).map((m) => m.metadata);

/** A chat the server queued for people and then died before its hand-off rules; queued `ageSeconds` ago. */
async function chatOwingHandoffRules(ageSeconds: number) {
  const session = await widgetSession(stack.url);
  const repo = conversationsRepository(stack.env.sql);
  const conversation = await repo.create(session.customerId);
  await repo.insertMessage({ conversationId: conversation.id, authorType: 'customer', clientId: randomUUID(), body: 'I want to talk to a person' });
  expect(await routingRepository(stack.env.sql).enqueue(conversation.id, 'customer_request')).toBe(true);
  // The hand-off's update says it owes the rules (an enabled hand-off rule exists).
  expect(await chatRow(conversation.id)).toMatchObject({ status: 'queued', owed: true });
  await queuedAgo(conversation.id, ageSeconds);
  return { ...session, conversationId: conversation.id };
}

const queuedAgo = (conversationId: number, ageSeconds: number) =>
  stack.env.sql`update conversations set queued_at = now() - make_interval(secs => ${ageSeconds}),
                  rules_pending_until = now() - make_interval(secs => ${ageSeconds - 10}) where id = ${conversationId}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hand-off rules lost with a killed server', () => {
  it('the sweep runs them exactly once, with two servers sweeping', async () => {
    await saveRule(vipRule);
    await startRecoveringServer();
    await startRecoveringServer();
    const chat = await chatOwingHandoffRules(PAST_GRACE);
    await eventually(async () => !(await chatRow(chat.conversationId)).owed, 10_000, 'the hand-off rules run');
    await sleep(8 * PERIOD_MS); // more sweeps on both servers: nothing more

    expect((await ruleLines(chat.conversationId)).map((m) => [m.event, m.ruleName])).toEqual([
      ['automation_note', 'Asked for a person'], ['automation_ran', 'Asked for a person'],
    ]);
    expect(await chatRow(chat.conversationId)).toMatchObject({ status: 'queued', labels: ['wants-person'], priority: true, owed: false, pending: null });
  });

  it('two direct sweeps racing take a chat once; a later sweep finds nothing', async () => {
    await saveRule(vipRule);
    const one = await startRecoveringServer({ backgroundTimers: false });
    const two = await startRecoveringServer({ backgroundTimers: false });
    const chat = await chatOwingHandoffRules(PAST_GRACE);
    const taken = await Promise.all([runOwedAutomationRules(depsOf(one)), runOwedAutomationRules(depsOf(two)), runOwedAutomationRules(depsOf(one))]);
    expect(taken.reduce((a, b) => a + b, 0)).toBe(1);
    expect((await ruleLines(chat.conversationId)).map((m) => m.event)).toEqual(['automation_note', 'automation_ran']);
    // Done: even with the claim gone, nothing is owed any more.
    expect(await one.ctx.redis.del(`${stack.env.config.redisPrefix}:handoff-rules:${chat.conversationId}`)).toBe(1);
    expect(await runOwedAutomationRules(depsOf(two))).toBe(0);
    expect((await ruleLines(chat.conversationId))).toHaveLength(2);
  });

  it('within the grace period a sweep leaves the chat to the live run', async () => {
    await saveRule(vipRule);
    const one = await startRecoveringServer({ backgroundTimers: false });
    const chat = await chatOwingHandoffRules(1);
    expect(await runOwedAutomationRules(depsOf(one))).toBe(0);
    expect(await ruleLines(chat.conversationId)).toEqual([]);
    expect((await chatRow(chat.conversationId)).owed).toBe(true);
  });

  it('a chat an agent took meanwhile gets no rules and stops owing them', async () => {
    await saveRule(vipRule);
    const [agent] = await stack.env.sql<{ id: number }[]>`select id from users where email = ${stack.agent.email}`;
    const chat = await chatOwingHandoffRules(PAST_GRACE);
    await stack.env.sql`update conversations set status = 'assigned', assignee_id = ${agent!.id}, assigned_at = now() where id = ${chat.conversationId}`;
    const one = await startRecoveringServer({ backgroundTimers: false });
    expect(await runOwedAutomationRules(depsOf(one))).toBe(1);
    expect(await chatRow(chat.conversationId)).toMatchObject({ owed: false, labels: [], priority: false });
    expect(await ruleLines(chat.conversationId)).toEqual([]);
  });

  it('a rule the dead server had run for this hand-off is not run again; one run at an earlier hand-off is', async () => {
    const a = await saveRule({ ...vipRule, name: 'Rule A', actions: [{ type: 'note', text: 'A ran.' }] });
    const b = await saveRule({ ...vipRule, name: 'Rule B', actions: [{ type: 'addLabels', labels: ['b'] }] });
    const chat = await chatOwingHandoffRules(PAST_GRACE);
    const repo = conversationsRepository(stack.env.sql);
    const ranLine = async (rule: { id: number }, name: string) => (await repo.insertMessage({
      conversationId: chat.conversationId, authorType: 'system', body: 'written before the crash', private: true,
      metadata: { event: 'automation_ran', ruleId: rule.id, ruleName: name, actions: [{ type: 'note', status: 'done' }] },
    })).message.id;
    // Rule B ran at an earlier hand-off of this chat (an hour ago); the killed server got through Rule A of this one.
    const earlier = await ranLine(b, 'Rule B');
    await stack.env.sql`update messages set created_at = now() - interval '1 hour' where id = ${earlier}`;
    await ranLine(a, 'Rule A');
    const one = await startRecoveringServer({ backgroundTimers: false });
    expect(await runOwedAutomationRules(depsOf(one))).toBe(1);
    expect((await ruleLines(chat.conversationId)).map((m) => m.ruleName)).toEqual(['Rule B', 'Rule A', 'Rule B']);
    expect(await chatRow(chat.conversationId)).toMatchObject({ labels: ['b'], owed: false });
  });
});

describe('hand-off rules on the live path', () => {
  it('a live hand-off runs them and clears the mark, so no sweep runs them again', async () => {
    await saveRule(vipRule);
    const session = await widgetSession(stack.url);
    const shopper = await connectWidget(stack.url, session.visitorToken);
    sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: randomUUID(), text: 'Hello' });
    await callOk(shopper, 'handoff:request', { conversationId });
    await eventually(async () => (await ruleLines(conversationId)).some((m) => m.event === 'automation_ran'), 10_000, 'the live run');
    expect(await chatRow(conversationId)).toMatchObject({ owed: false, pending: null, labels: ['wants-person'] });

    await queuedAgo(conversationId, PAST_GRACE);
    await startRecoveringServer();
    await startRecoveringServer();
    await sleep(8 * PERIOD_MS);
    expect((await ruleLines(conversationId)).map((m) => m.event)).toEqual(['automation_note', 'automation_ran']);
  });

  it('with no hand-off rule enabled a hand-off owes nothing', async () => {
    await saveRule({ ...vipRule, trigger: 'conversation_created', conditions: [] });
    await saveRule({ ...vipRule, name: 'Off', enabled: false });
    const session = await widgetSession(stack.url);
    const conversation = await conversationsRepository(stack.env.sql).create(session.customerId);
    expect(await routingRepository(stack.env.sql).enqueue(conversation.id, 'customer_request')).toBe(true);
    expect(await chatRow(conversation.id)).toMatchObject({ owed: false, pending: null });
  });
});

// The crash leaves the chat queued with its rules owed while agents are free. The automatic assignment must not take it
// once the dead server's 10 s hold (rules_pending_until) is over: the sweep would then find it taken and drop the rules,
// so a rule routing it to a team or labelling it would never apply. It waits for the sweep, within a bound.
describe('the automatic assignment and owed hand-off rules', () => {
  const stackServer = () => stack.servers[0]!.handle;
  const chatOf = async (id: number) =>
    (await stack.env.sql<{ status: string; assignee_id: number | null; team_id: number | null; labels: string[]; owed: boolean }[]>`
      select status, assignee_id, team_id, labels, handoff_rules_owed as owed from conversations where id = ${id}`)[0]!;

  /** The demo agent online on the stack's server (going online runs its assignment pass); returns their id. */
  async function freeAgent(): Promise<number> {
    const agentLogin = await login(stack.url, stack.agent.email, stack.agent.password);
    const socket = await connectAgent(stack.url, agentLogin.token);
    sockets.push(socket);
    await callOk(socket, 'presence:set', { presence: 'online' });
    return agentLogin.user.id;
  }

  /**
   * Earlier tests leave chats queued for nobody: closed here so the agent's free seats are this test's. And chats
   * still owing rules (one left within the grace by an earlier test is past it by now on a slow machine): settled, so
   * a sweep here runs this test's chat only.
   */
  async function emptyQueue(): Promise<void> {
    const routing = routingRepository(stack.env.sql);
    for (const { id } of await stack.env.sql<{ id: number }[]>`select id from conversations where status in ('queued', 'assigned')`) {
      await routing.resolve(id, 'system');
    }
    await stack.env.sql`update conversations set new_chat_rules_owed = false, handoff_rules_owed = false where new_chat_rules_owed or handoff_rules_owed`;
  }

  async function teamOf(agentId: number): Promise<number> {
    const team = await httpAs(stack.url, 'POST', '/api/admin/teams', admin, { name: `Returns ${randomUUID().slice(0, 8)}`, memberIds: [agentId] });
    expect(team.status, team.text).toBe(201);
    return team.json.team.id;
  }

  it('holds the chat past the dead server\'s hold until the sweep has run its rules, then assigns it', async () => {
    await emptyQueue();
    const agentId = await freeAgent();
    const teamId = await teamOf(agentId);
    await saveRule({ ...vipRule, actions: [{ type: 'addLabels', labels: ['wants-person'] }, { type: 'transferToTeam', teamId }] });
    // Queued 12 s ago: the 10 s hold is over, the sweep's grace is not.
    const chat = await chatOwingHandoffRules(12);
    expect(await stackServer().ctx.chat.assignPending()).toBe(0);
    expect(await chatOf(chat.conversationId)).toMatchObject({ status: 'queued', assignee_id: null, owed: true });

    // Past the grace, a server sweeping every 10 s holds it still (up to 20 s + 2 × 10 s after the hand-off) ...
    await queuedAgo(chat.conversationId, PAST_GRACE);
    const sweeper = await startRecoveringServer({ backgroundTimers: false, config: { botRecoverySweepMs: 10_000 } });
    expect(await sweeper.ctx.chat.assignPending()).toBe(0);
    expect((await chatOf(chat.conversationId)).status).toBe('queued');
    // ... and its sweep runs the rules, then hands the chat, now in the team, to the free agent.
    expect(await runOwedAutomationRules(depsOf(sweeper))).toBe(1);
    expect(await chatOf(chat.conversationId)).toMatchObject({ status: 'assigned', assignee_id: agentId, team_id: teamId, labels: ['wants-person'], owed: false });
    expect((await ruleLines(chat.conversationId)).map((m) => m.event)).toEqual(['automation_ran']);
  });

  it('past the bound the chat is assigned without its rules, though no sweep ran', async () => {
    await emptyQueue();
    await saveRule(vipRule);
    const agentId = await freeAgent();
    // The stack's servers sweep every 250 ms: they hold a chat owing its rules for 20.5 s after its hand-off.
    expect(owedRulesHoldMs(stack.env.config)).toBe(OWED_RULES_GRACE_SECONDS * 1000 + 2 * PERIOD_MS);
    const chat = await chatOwingHandoffRules(OWED_RULES_GRACE_SECONDS + 2);
    expect(await stackServer().ctx.chat.assignPending()).toBe(1);
    expect(await chatOf(chat.conversationId)).toMatchObject({ status: 'assigned', assignee_id: agentId, owed: true });
    // A sweep coming after all finds the chat taken: no rules, it just stops owing them.
    expect(await runOwedAutomationRules(depsOf(stackServer()))).toBe(1);
    expect(await chatOf(chat.conversationId)).toMatchObject({ labels: [], owed: false });
    expect(await ruleLines(chat.conversationId)).toEqual([]);
  });

  it('a live hand-off runs its rules and is assigned at once, with no sweep anywhere', async () => {
    await emptyQueue();
    const agentId = await freeAgent();
    await saveRule(vipRule);
    const session = await widgetSession(stack.url);
    const shopper = await connectWidget(stack.url, session.visitorToken);
    sockets.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: randomUUID(), text: 'Hello' });
    const asked = Date.now();
    await callOk(shopper, 'handoff:request', { conversationId });
    await eventually(async () => (await chatOf(conversationId)).status === 'assigned', 10_000, 'the live assignment');
    expect(Date.now() - asked).toBeLessThan(5_000);
    expect(await chatOf(conversationId)).toMatchObject({ assignee_id: agentId, labels: ['wants-person'], owed: false });
  });
});
