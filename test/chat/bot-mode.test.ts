// "Who answers first" (widget settings `botMode`): the bot always (the default, and what an install from before
// the setting gets), a person while one can take the chat (the bot only when nobody can), or never the bot. What the
// shopper receives, where the chat goes and why (the hand-off's reason), what the reports count, and that the
// unanswered questions never hold a question the bot was not asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, httpAs, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';
import { DEFAULT_WIDGET_SETTINGS, loadWidgetSettings, saveWidgetSettings, type BotMode } from '../../server/services/widget-settings.ts';
import { buildReport, resolveRange } from '../../server/services/console-reports.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';

let stack: TestStack;
let agent: AgentClient;
let agentId: number;
const open: { close(): void }[] = [];
// Not a question the bot knows: with the bot asked, it lands in the unanswered questions.
const UNKNOWN = 'qwzx plorf snarbling the vintrabulator?';

interface Shopper {
  socket: WidgetClient;
  conversationId: number;
  messages: ChatMessage[];
  typing: { author: string; typing: boolean }[];
  unavailable: { reason: string; message: string }[];
}

async function shopperAsks(label: string, text = UNKNOWN): Promise<Shopper> {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const messages = record<ChatMessage>(socket, 'message:new');
  const typing = record<{ author: string; typing: boolean }>(socket, 'typing');
  const unavailable = record<{ reason: string; message: string }>(socket, 'agents:unavailable');
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${label}-1`, text });
  return { socket, conversationId: sent.conversationId, messages, typing, unavailable };
}

const setMode = (botMode: BotMode) => saveWidgetSettings(stack.env.sql, { ...DEFAULT_WIDGET_SETTINGS, botMode });
const chat = async (id: number) =>
  (await stack.env.sql<{ status: string; assignee_id: number | null; handed_off: boolean }[]>`select status, assignee_id, handed_off from conversations where id = ${id}`)[0];
/** Why the chat was handed off, as stored on it at the hand-off (migration 043). */
const storedHandoffReason = async (id: number) =>
  (await stack.env.sql<{ handoff_reason: string | null }[]>`select handoff_reason from conversations where id = ${id}`)[0].handoff_reason;
const botMessages = async (id: number) =>
  (await stack.env.sql<{ body: string }[]>`select body from messages where conversation_id = ${id} and author_type = 'bot'`).map((m) => m.body);
const handoffReason = (id: number) => eventually(async () => {
  const [row] = await stack.env.sql<{ reason: string }[]>`select payload->>'reason' as reason from interaction_events where idempotency_key = ${`handoff:${id}`}`;
  return row?.reason;
}, 10_000, `hand-off event of ${id}`);
const decisions = async (id: number) =>
  (await stack.env.sql<{ n: number }[]>`select count(*)::int as n from interaction_events where conversation_id = ${id} and type = 'bot.decision'`)[0].n;
const inUnanswered = async (id: number) =>
  (await stack.env.sql`select 1 from unanswered_questions u, jsonb_array_elements(u.examples) e where (e->>'conversationId')::bigint = ${id}`).length > 0;
const settle = () => new Promise((resolve) => setTimeout(resolve, 800));
const presence = async (value: 'online' | 'away') => {
  await callOk(agent, 'presence:set', { presence: value });
  await eventually(async () => (await stack.env.sql`select presence from users where id = ${agentId}`)[0].presence === value, 10_000, value);
};

/** Handed to a person straight away: no word or typing from the bot, the reason `bot_mode`, nothing for the learning loop. */
async function expectPeopleFirst(shopper: Shopper) {
  await settle();
  expect(await botMessages(shopper.conversationId)).toEqual([]);
  expect(shopper.messages.filter((m) => m.author.type === 'bot')).toEqual([]);
  expect(shopper.typing.filter((t) => t.author === 'bot')).toEqual([]);
  expect(await handoffReason(shopper.conversationId)).toBe('bot_mode');
  expect(await storedHandoffReason(shopper.conversationId)).toBe('bot_mode');
  expect(await decisions(shopper.conversationId)).toBe(0);
  expect(await inUnanswered(shopper.conversationId)).toBe(false);
}

beforeAll(async () => {
  // The knowledge-base brain, whose misses are the learning loop's unanswered questions.
  stack = await startStack({ workers: true, server: { extensions: [knowledgeBaseExtension({ prepare: { seed: true } })] } });
  const session = await login(stack.url, stack.agent.email, stack.agent.password);
  agentId = session.user.id;
  agent = await connectAgent(stack.url, session.token);
  open.push(agent);
  await stack.env.sql`update users set capacity = 10 where id = ${agentId}`;
}, 180_000);
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

describe('who answers first (botMode)', () => {
  it('defaults to the bot for an install whose stored settings predate the setting, and the bot answers first', async () => {
    const { botMode: _, ...before } = DEFAULT_WIDGET_SETTINGS;
    await stack.env.sql`insert into settings (key, value) values ('widget', ${stack.env.sql.json(before as never)})
                        on conflict (key) do update set value = excluded.value`;
    expect((await loadWidgetSettings(stack.env.sql)).botMode).toBe('always');
    await presence('online');
    const shopper = await shopperAsks('always');
    await eventually(async () => (await botMessages(shopper.conversationId)).length === 1, 10_000, 'the bot answers');
    expect((await chat(shopper.conversationId)).status).toBe('bot');
    // Asked and not known: the learning loop has it (what the other modes must not collect).
    await eventually(() => inUnanswered(shopper.conversationId), 10_000, 'an unanswered question');
  });

  it('when_team_unavailable: a person first while one is online, the bot when nobody is', async () => {
    await setMode('when_team_unavailable');
    await presence('online');
    const first = await shopperAsks('team-online');
    await eventually(async () => (await chat(first.conversationId)).status === 'assigned', 10_000, 'assigned');
    expect(await chat(first.conversationId)).toEqual({ status: 'assigned', assignee_id: agentId, handed_off: true });
    await expectPeopleFirst(first);
    expect(first.messages.map((m) => (m.metadata as Record<string, unknown> | undefined)?.event)).toContain('agent_joined');
    expect(first.unavailable).toEqual([]);
    // A second message goes to the agent, not the bot.
    await callOk(first.socket, 'message:send', { clientId: 'team-online-2', text: 'hello?', conversationId: first.conversationId });
    await settle();
    expect(await botMessages(first.conversationId)).toEqual([]);
    await callOk(agent, 'conversation:resolve', { conversationId: first.conversationId });

    // Nobody online (the only agent away): the bot answers as it always did, so the shopper gets help at night.
    await presence('away');
    const night = await shopperAsks('team-away', 'hello');
    await eventually(async () => (await botMessages(night.conversationId)).length === 1, 10_000, 'the bot answers');
    expect((await chat(night.conversationId)).status).toBe('bot');
    // Someone comes online meanwhile: a chat the bot took stays its conversation (it hands off when it should).
    await presence('online');
    await callOk(night.socket, 'message:send', { clientId: 'team-away-2', text: 'and what about shipping?', conversationId: night.conversationId });
    await eventually(async () => (await botMessages(night.conversationId)).length === 2, 10_000, 'the bot answers again');
    expect((await chat(night.conversationId)).handed_off).toBe(false);
    // "Talk to a person" still reaches whoever is online.
    await callOk(night.socket, 'handoff:request', { conversationId: night.conversationId });
    await eventually(async () => (await chat(night.conversationId)).status === 'assigned', 10_000, 'assigned');
    expect(await handoffReason(night.conversationId)).toBe('customer_request');
    await callOk(agent, 'conversation:resolve', { conversationId: night.conversationId });
  });

  it('never: every chat goes to a person; with nobody online, the leave-a-message offer and no bot', async () => {
    await setMode('never');
    await presence('online');
    const online = await shopperAsks('never-online');
    await eventually(async () => (await chat(online.conversationId)).status === 'assigned', 10_000, 'assigned');
    expect((await chat(online.conversationId)).assignee_id).toBe(agentId);
    await expectPeopleFirst(online);
    await callOk(agent, 'conversation:resolve', { conversationId: online.conversationId });

    await presence('away');
    const nobody = await shopperAsks('never-nobody');
    await eventually(async () => nobody.unavailable.length === 1, 10_000, 'agents:unavailable');
    expect(nobody.unavailable[0]).toMatchObject({ conversationId: nobody.conversationId, reason: 'no_agents_online', message: DEFAULT_WIDGET_SETTINGS.offlineMessage.en });
    expect(await chat(nobody.conversationId)).toEqual({ status: 'queued', assignee_id: null, handed_off: true });
    await expectPeopleFirst(nobody);
    // Queued with nobody to take it, the bot still keeps out: another question, a quick reply, "Talk to a person".
    await callOk(nobody.socket, 'message:send', { clientId: 'never-nobody-2', text: 'where is my order?', conversationId: nobody.conversationId });
    await callOk(nobody.socket, 'message:send', { clientId: 'never-nobody-3', text: 'Talk to a person', quickReply: 'handoff', conversationId: nobody.conversationId });
    const handoff = await callOk<{ conversation: ConversationSummary }>(nobody.socket, 'handoff:request', { conversationId: nobody.conversationId });
    expect(handoff.conversation.status).toBe('queued');
    await settle();
    expect(await botMessages(nobody.conversationId)).toEqual([]);
    expect(await decisions(nobody.conversationId)).toBe(0);
    // The form works as for any hand-off while nobody can answer.
    await callOk(nobody.socket, 'offline:leave', { email: 'night@example.com', text: 'Please call me back', conversationId: nobody.conversationId });
    // Someone comes online: the chat is theirs.
    await presence('online');
    await eventually(async () => (await chat(nobody.conversationId)).status === 'assigned', 10_000, 'assigned');
    expect(await botMessages(nobody.conversationId)).toEqual([]);
    await callOk(agent, 'conversation:resolve', { conversationId: nobody.conversationId });
  });

  it('keeps chats that never went to the bot out of its containment, and names their reason', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const report = await buildReport(stack.env.sql, resolveRange(today, today));
    // Three chats sent straight to a person; one handed off by the shopper's button after the bot answered.
    expect(report.containment).toMatchObject({ total: 5, peopleFirst: 3, handedOff: 1, withBot: 1, botResolved: 0, decided: 1, rate: 0 });
    expect(report.handoffReasons).toEqual(expect.arrayContaining([{ reason: 'bot_mode', count: 3 }, { reason: 'customer_request', count: 1 }]));
    // The bot's turns: only the questions it was asked (the first chat's one, the night chat's two).
    expect(report.botQuestions.total).toBe(3);
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const overHttp = await httpAs(stack.url, 'GET', `/api/admin/reports?from=${today}&to=${today}`, admin);
    expect(overHttp.json.containment).toMatchObject({ handedOff: 1, decided: 1, peopleFirst: 3 });
    // The chats keep why they were handed off: the count does not depend on history events, which deletions remove.
    await stack.env.sql`delete from interaction_events where type = 'handoff' and conversation_id in (select id from conversations where handoff_reason is not null)`;
    expect((await buildReport(stack.env.sql, resolveRange(today, today))).containment).toMatchObject({ peopleFirst: 3, handedOff: 1 });
  });

  it('is validated, and a client that does not send it leaves it unchanged', async () => {
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const { identitySecretSet: _, ...current } = (await httpAs(stack.url, 'GET', '/api/admin/widget-settings', admin)).json;
    expect(current.botMode).toBe('never');
    expect((await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...current, botMode: 'sometimes' })).status).toBe(400);
    const saved = await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...current, botMode: 'when_team_unavailable' });
    expect(saved.status).toBe(200);
    expect(saved.json.botMode).toBe('when_team_unavailable');
    const { botMode: _omitted, ...older } = current;
    const kept = await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...older, color: '#112233' });
    expect(kept.status).toBe(200);
    expect(kept.json).toMatchObject({ botMode: 'when_team_unavailable', color: '#112233' });
    expect((await loadWidgetSettings(stack.env.sql)).botMode).toBe('when_team_unavailable');
  });
});
