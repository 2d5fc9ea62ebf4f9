// Assigning and taking chats by hand, beyond accept and transfer: "assign to me" out of turn, an admin giving a
// waiting chat to a chosen agent (online or away, with a free seat, or past their capacity with a reason), returning
// a held chat to the queue (first in line, offered to others first), sending a chat to a team's queue, and taking
// over a chat another agent holds (the previous holder is told). Each answers with a clear refusal when the role or
// the chat's state does not allow it, writes its history event, and tells the shopper only what concerns them.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, httpAs, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextAgentMessage, nextEvent, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';
import type { Responder, ResponderDecision } from '../../server/services/responder.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { queuedEvents as queuedEventsOf } from '../support/queued-events.ts';

/** Every question is handed to a person: the tests are about what happens after. */
class HandoffResponder implements Responder {
  readonly name = 'handoff-bot';
  async respond(): Promise<ResponderDecision> {
    return { action: 'handoff', reply: 'Connecting you with a person.', metadata: { decision: 'handoff', intent: null, confidence: 1, articles: [], encoder: 'none' } };
  }
}

type Person = { id: number; name: string; socket: AgentClient; cookie: string };
let stack: TestStack;
let admin: Person;
let sam: Person;
let ben: Person;
let lin: { id: number; name: string };
const open: { close(): void }[] = [];

async function person(email: string, password: string): Promise<Person> {
  const session = await login(stack.url, email, password);
  const socket = await connectAgent(stack.url, session.token);
  open.push(socket);
  return { id: session.user.id, name: session.user.name, socket, cookie: session.cookie };
}

beforeAll(async () => {
  stack = await startStack({ server: { responder: new HandoffResponder() } });
  const hash = await hashPassword('assign-agent-password');
  await stack.env.sql`insert into users (email, name, role, password_hash, capacity) values
    ('ben@assign.test', 'Ben Okafor', 'agent', ${hash}, 1), ('lin@assign.test', 'Lin Zhou', 'agent', ${hash}, 5)`;
  admin = await person(stack.admin.email, stack.admin.password);
  sam = await person(stack.agent.email, stack.agent.password);
  ben = await person('ben@assign.test', 'assign-agent-password');
  const [row] = await stack.env.sql<{ id: number }[]>`select id from users where email = 'lin@assign.test'`;
  lin = { id: Number(row.id), name: 'Lin Zhou' }; // never signs in: offline
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

// Everyone at a console but Away: nothing is assigned by itself, and everyone can still be chosen. No chat is left open.
beforeEach(async () => {
  for (const p of [admin, sam, ben]) await callOk(p.socket, 'presence:set', { presence: 'away' });
  await stack.env.sql`update conversations set status = 'resolved', resolved_at = now() where status <> 'resolved'`;
});

let sent = 0;
/** A shopper whose chat the bot handed off; `lines` collects what their widget receives. */
async function queuedChat(): Promise<{ socket: WidgetClient; conversationId: number; lines: ChatMessage[] }> {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const lines = record<ChatMessage>(socket, 'message:new');
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `assign-${++sent}`, text: 'I need a person' });
  await eventually(async () => (await row(conversationId)).status === 'queued', 10_000, 'the hand-off');
  return { socket, conversationId, lines };
}

const row = async (id: number) => (await stack.env.sql<{ status: string; assignee_id: number | null; queued_at: Date | null; passed_over_by: number | null; team_id: number | null }[]>`
  select status, assignee_id, queued_at, passed_over_by, team_id from conversations where id = ${id}`)[0];

const queuedEvents = (conversationId: number) => queuedEventsOf(stack, conversationId);

const event = (name: string) => (m: ChatMessage) => (m.metadata as Record<string, unknown>).event === name;
/** What the shopper's widget got of the system lines, after the server had time to send anything more. */
async function shopperSystemEvents(lines: ChatMessage[]): Promise<unknown[]> {
  await new Promise((r) => setTimeout(r, 300));
  return lines.filter((m) => m.author.type === 'system').map((m) => (m.metadata as Record<string, unknown>).event);
}

describe('assigning a waiting chat', () => {
  it('lets any agent take one out of turn ("assign to me") and tells the shopper who joined', async () => {
    const older = await queuedChat();
    const newer = await queuedChat();
    const taken = await callOk<{ conversation: ConversationSummary }>(sam.socket, 'conversation:assign', { conversationId: newer.conversationId, toAgentId: sam.id });
    expect(taken.conversation).toMatchObject({ status: 'assigned', assignee: { id: sam.id, name: sam.name } });
    expect((await row(older.conversationId)).status).toBe('queued'); // the head of the queue still waits
    expect(await shopperSystemEvents(newer.lines)).toEqual(['agent_joined']);
    expect(await queuedEvents(newer.conversationId)).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'assigned', payload: expect.objectContaining({ agentId: sam.id, how: 'accepted' }) }),
    ]));
    // A chat someone holds is not "assigned": it is transferred or taken over.
    expect(await call(ben.socket, 'conversation:assign', { conversationId: newer.conversationId, toAgentId: ben.id }))
      .toMatchObject({ ok: false, error: { code: 'held', message: `${sam.name} holds this chat: transfer it (its holder or an admin) or take it over.` } });
  });

  it('lets an admin give one to an agent online or away with a free seat; not to someone offline; an agent only to themselves', async () => {
    const chat = await queuedChat();
    expect(await call(sam.socket, 'conversation:assign', { conversationId: chat.conversationId, toAgentId: ben.id }))
      .toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // The old refusal ("Only a chat held by an agent can be transferred.") is gone: a waiting chat is given like this too.
    expect(await call(sam.socket, 'conversation:transfer', { conversationId: chat.conversationId, toAgentId: ben.id }))
      .toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await call(admin.socket, 'conversation:assign', { conversationId: chat.conversationId, toAgentId: lin.id }))
      .toMatchObject({ ok: false, error: { code: 'agent_offline', message: expect.stringContaining('Lin Zhou is offline') } });
    // Payloads are checked like every other event's.
    expect(await call(admin.socket, 'conversation:assign', { conversationId: chat.conversationId, toAgentId: 'ben' })).toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await call(admin.socket, 'conversation:assign', { conversationId: chat.conversationId, toAgentId: ben.id, extra: 1 })).toMatchObject({ ok: false, error: { code: 'validation' } });

    const toBen = nextEvent<ConversationSummary>(ben.socket, 'conversation:assigned', (c) => c.id === chat.conversationId);
    const given = await callOk<{ conversation: ConversationSummary }>(admin.socket, 'conversation:transfer', { conversationId: chat.conversationId, toAgentId: ben.id });
    expect(given.conversation).toMatchObject({ status: 'assigned', assignee: { id: ben.id } });
    await toBen;
    expect(await shopperSystemEvents(chat.lines)).toEqual(['agent_joined']);
    expect(await queuedEvents(chat.conversationId)).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'assigned', payload: expect.objectContaining({ agentId: ben.id, how: 'chosen', byAgentId: admin.id }) }),
    ]));
  });

  it('respects the agent\'s capacity unless an admin gives a reason, kept in the history and the audit log', async () => {
    const first = await queuedChat();
    await callOk(admin.socket, 'conversation:assign', { conversationId: first.conversationId, toAgentId: ben.id }); // Ben's one seat
    const second = await queuedChat();
    expect(await call(admin.socket, 'conversation:assign', { conversationId: second.conversationId, toAgentId: ben.id }))
      .toMatchObject({ ok: false, error: { code: 'agent_full', message: expect.stringContaining('1 of 1 chats open') } });
    expect((await row(second.conversationId)).status).toBe('queued');
    // Only an admin may go over it, and only saying why.
    expect(await call(sam.socket, 'conversation:assign', { conversationId: second.conversationId, toAgentId: sam.id, overCapacityReason: 'I am fine' }))
      .toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await call(admin.socket, 'conversation:assign', { conversationId: second.conversationId, toAgentId: ben.id, overCapacityReason: '   ' }))
      .toMatchObject({ ok: false, error: { code: 'validation' } });
    const reason = 'Ben handled this order yesterday';
    const over = await callOk<{ conversation: ConversationSummary }>(admin.socket, 'conversation:assign', { conversationId: second.conversationId, toAgentId: ben.id, overCapacityReason: reason });
    expect(over.conversation.assignee).toEqual({ id: ben.id, name: ben.name });
    expect(await queuedEvents(second.conversationId)).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'assigned', payload: expect.objectContaining({ agentId: ben.id, how: 'chosen', overCapacity: { reason, seatsBefore: 1, capacity: 1 } }) }),
    ]));
    const audit = await stack.env.sql<{ actor_user_id: number; details: Record<string, unknown> }[]>`
      select actor_user_id, details from audit_log where action = 'conversation.assigned_over_capacity' and target = ${`conversation:${second.conversationId}`}`;
    expect(audit).toEqual([{ actor_user_id: admin.id, details: { agentId: ben.id, reason, seatsBefore: 1, capacity: 1 } }]);
  });
});

describe('returning a chat to the queue', () => {
  it('is for the holder or an admin; the chat keeps its first queue time and is offered to others first', async () => {
    const chat = await queuedChat();
    const queuedAt = (await row(chat.conversationId)).queued_at!.getTime();
    await callOk(sam.socket, 'conversation:assign', { conversationId: chat.conversationId, toAgentId: sam.id });
    expect(await call(ben.socket, 'conversation:requeue', { conversationId: chat.conversationId }))
      .toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'held_by_other', params: { name: sam.name } } });

    const seen = nextAgentMessage(admin.socket, (m) => m.conversationId === chat.conversationId && event('agent_requeued')(m));
    const back = await callOk<{ conversation: ConversationSummary }>(sam.socket, 'conversation:requeue', { conversationId: chat.conversationId });
    expect(back.conversation).toMatchObject({ status: 'queued', assignee: null });
    expect(await row(chat.conversationId)).toMatchObject({ status: 'queued', assignee_id: null, passed_over_by: sam.id });
    expect((await row(chat.conversationId)).queued_at!.getTime()).toBe(queuedAt);
    // Agents see who did it; the shopper, who never heard from Sam, only saw Sam join (their widget waits again).
    expect(await seen).toMatchObject({ private: true, text: `${sam.name} returned the chat to the queue.`, metadata: { agentId: sam.id, fromAgentId: sam.id } });
    expect(await shopperSystemEvents(chat.lines)).toEqual(['agent_joined']);
    expect(await queuedEvents(chat.conversationId)).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'transferred', payload: expect.objectContaining({ agentId: null, how: 'requeued', fromAgentId: sam.id, byAgentId: sam.id }) }),
    ]));
    expect(await call(sam.socket, 'conversation:requeue', { conversationId: chat.conversationId })).toMatchObject({ ok: false, error: { code: 'conflict' } });

    // Offered to everyone else first: with Sam and Ben online (Sam was first, the pass runs when Ben comes), Ben gets it.
    const toBen = nextEvent<ConversationSummary>(ben.socket, 'conversation:assigned', (c) => c.id === chat.conversationId);
    await stack.env.sql`update users set presence = 'online' where id = ${sam.id}`;
    await callOk(ben.socket, 'presence:set', { presence: 'online' });
    expect((await toBen).assignee?.id).toBe(ben.id);
  });

  it('tells a shopper who was talking with the agent that someone else is coming; an admin may do it for the holder', async () => {
    const chat = await queuedChat();
    await callOk(sam.socket, 'conversation:assign', { conversationId: chat.conversationId, toAgentId: sam.id });
    await callOk(sam.socket, 'message:send', { conversationId: chat.conversationId, clientId: `reply-${sent}`, text: 'Hi, let me look.' });
    const told = nextEvent<ChatMessage>(chat.socket, 'message:new', event('agent_requeued'));
    await callOk(admin.socket, 'conversation:requeue', { conversationId: chat.conversationId });
    expect(await told).toMatchObject({ private: false, text: `${sam.name} is no longer available. We're finding someone else to help you.`, metadata: { agentId: admin.id, fromAgentName: sam.name } });
  });
});

describe('sending a chat to a team', () => {
  let teamId: number;
  it('puts a held chat back in the queue for the team, whose members get it first', async () => {
    const created = await httpAs(stack.url, 'POST', '/api/admin/teams', admin, { name: 'Returns', memberIds: [ben.id] });
    expect(created.status).toBe(201);
    teamId = created.json.team.id;
    const chat = await queuedChat();
    await callOk(sam.socket, 'conversation:assign', { conversationId: chat.conversationId, toAgentId: sam.id });
    expect(await call(ben.socket, 'conversation:transfer-team', { conversationId: chat.conversationId, teamId }))
      .toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'held_by_other', params: { name: sam.name } } });
    expect(await call(sam.socket, 'conversation:transfer-team', { conversationId: chat.conversationId, teamId: 99_999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call(sam.socket, 'conversation:transfer-team', { conversationId: chat.conversationId })).toMatchObject({ ok: false, error: { code: 'validation' } });

    // The admin (not in the team) is online and less loaded; Ben, the team's member, gets it.
    await callOk(admin.socket, 'presence:set', { presence: 'online' });
    await callOk(ben.socket, 'presence:set', { presence: 'online' });
    const toBen = nextEvent<ConversationSummary>(ben.socket, 'conversation:assigned', (c) => c.id === chat.conversationId);
    const moved = await callOk<{ conversation: ConversationSummary }>(sam.socket, 'conversation:transfer-team', { conversationId: chat.conversationId, teamId });
    expect((await toBen).team).toEqual({ id: teamId, name: 'Returns' });
    expect(moved.conversation).toMatchObject({ status: 'assigned', assignee: { id: ben.id }, team: { id: teamId } });
    const lines = await stack.env.sql<{ private: boolean; body: string }[]>`
      select private, body from messages where conversation_id = ${chat.conversationId} and metadata->>'event' = 'agent_requeued'`;
    expect(lines).toEqual([{ private: true, body: `${sam.name} sent the chat to the Returns queue.` }]);
    expect(await shopperSystemEvents(chat.lines)).toEqual(['agent_joined', 'agent_joined']);
    expect(await queuedEvents(chat.conversationId)).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'transferred', payload: expect.objectContaining({ how: 'team', teamId, teamName: 'Returns', fromAgentId: sam.id, byAgentId: sam.id }) }),
    ]));
  });

  it('lets any agent re-tag a waiting chat; not a chat still with the bot', async () => {
    const chat = await queuedChat();
    const retagged = await callOk<{ conversation: ConversationSummary }>(sam.socket, 'conversation:transfer-team', { conversationId: chat.conversationId, teamId });
    expect(retagged.conversation).toMatchObject({ status: 'queued', assignee: null, team: { id: teamId, name: 'Returns' } });
    expect(await call(sam.socket, 'conversation:transfer-team', { conversationId: chat.conversationId, teamId })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await shopperSystemEvents(chat.lines)).toEqual([]);

    const session = await widgetSession(stack.url);
    const socket = await connectWidget(stack.url, session.visitorToken);
    open.push(socket);
    const [botChat] = await stack.env.sql<{ id: number }[]>`insert into conversations (customer_id, status) values (${session.customerId}, 'bot') returning id`;
    expect(await call(sam.socket, 'conversation:transfer-team', { conversationId: Number(botChat.id), teamId })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});

describe('taking over a chat another agent holds', () => {
  it('lets any agent take it with an explicit action, telling the previous holder; the shopper reads a transfer', async () => {
    const chat = await queuedChat();
    await callOk(sam.socket, 'conversation:assign', { conversationId: chat.conversationId, toAgentId: sam.id });
    expect(await call(sam.socket, 'conversation:takeover', { conversationId: chat.conversationId })).toMatchObject({ ok: false, error: { code: 'conflict' } });

    const samTold = nextEvent<{ conversationId: number; messageId: number; by: { id: number; name: string }; text: string }>(sam.socket, 'mention:new', (m) => m.conversationId === chat.conversationId);
    const samSees = nextEvent<ConversationSummary>(sam.socket, 'conversation:updated', (c) => c.id === chat.conversationId && c.assignee?.id === ben.id);
    const taken = await callOk<{ conversation: ConversationSummary }>(ben.socket, 'conversation:takeover', { conversationId: chat.conversationId });
    expect(taken.conversation).toMatchObject({ status: 'assigned', assignee: { id: ben.id } });
    // `event` lets the console word the alert in its own language (mention-alert.ts) instead of showing `text`.
    expect(await samTold).toMatchObject({ by: { id: ben.id, name: ben.name }, text: `${ben.name} took over this chat from you.`, event: 'agent_took_over' });
    await samSees;
    // Sam finds it under Mentions later too (the private line names them).
    const mentions = await httpAs(stack.url, 'GET', '/api/conversations?view=mentions&limit=200', sam);
    expect(mentions.json.items.map((i: { conversation: { id: number } }) => i.conversation.id)).toContain(chat.conversationId);
    const [line] = await stack.env.sql<{ private: boolean; body: string }[]>`
      select private, body from messages where conversation_id = ${chat.conversationId} and metadata->>'event' = 'agent_took_over'`;
    expect(line).toEqual({ private: true, body: `${ben.name} took over the chat from ${sam.name}.` });
    expect(await shopperSystemEvents(chat.lines)).toEqual(['agent_joined', 'agent_transferred']);
    expect(await queuedEvents(chat.conversationId)).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'transferred', payload: expect.objectContaining({ agentId: ben.id, how: 'taken_over', fromAgentId: sam.id, byAgentId: ben.id }) }),
    ]));

    // Resolving or snoozing stays the holder's (or an admin's): Sam would take it back first. The refusal names the holder.
    expect(await call(sam.socket, 'conversation:resolve', { conversationId: chat.conversationId }))
      .toMatchObject({ ok: false, error: { code: 'forbidden', reason: 'held_by_other', params: { name: ben.name } } });
    // Nobody holds a waiting chat: nothing to take over.
    const waiting = await queuedChat();
    expect(await call(sam.socket, 'conversation:takeover', { conversationId: waiting.conversationId })).toMatchObject({ ok: false, error: { code: 'not_held' } });
  });
});
