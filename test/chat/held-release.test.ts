// Chats held by an agent who went offline go back to the queue after OFFLINE_AGENT_RELEASE_MINUTES whenever the
// shopper waits for the team — whoever wrote last (the bot's "connecting you" line, a system line, the shopper) —
// and stay with an agent who replied last. A chat handed back while nobody can take it gets the same
// leave-a-message offer (`agents:unavailable`) a fresh hand-off gets, not only "We're finding someone else".
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextEvent, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';
import { DEFAULT_WIDGET_SETTINGS, loadWidgetSettings, saveWidgetSettings } from '../../server/services/widget-settings.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

let stack: TestStack;
const open: { close(): void }[] = [];
let agentCount = 0;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});
beforeEach(async () => {
  // Each test starts with no chat waiting for a person and nobody online.
  await stack.env.sql`update conversations set status = 'resolved', resolved_at = now() where status in ('queued', 'assigned')`;
  await stack.env.sql`update users set presence = 'offline'`;
});

async function onlineAgent(name: string): Promise<{ socket: AgentClient; id: number }> {
  const email = `held-${++agentCount}@demo.shop`;
  await stack.env.sql`insert into users (email, name, role, password_hash, capacity) values (${email}, ${name}, 'agent', ${await hashPassword('held-pw-123')}, 5)`;
  const { token, user } = await login(stack.url, email, 'held-pw-123');
  const socket = await connectAgent(stack.url, token);
  open.push(socket);
  await callOk(socket, 'presence:set', { presence: 'online' });
  return { socket, id: user.id };
}

/** The agent went offline `minutes` ago (a console closed for good, as far as the sweep can tell). */
async function offlineFor(agent: { socket: AgentClient; id: number }, minutes: number): Promise<void> {
  await callOk(agent.socket, 'presence:set', { presence: 'offline' });
  await stack.env.sql`update users set last_seen_at = now() - make_interval(mins => ${minutes}) where id = ${agent.id}`;
}

/**
 * A shopper greets the bot, asks for a person, and the bot hands the chat off to `agent` with its "connecting you"
 * line: the shopper says nothing more, as in the sale-day review.
 */
async function handedOffBy(agent: { socket: AgentClient }, label: string, locale?: string): Promise<{ socket: WidgetClient; conversationId: number }> {
  const session = await widgetSession(stack.url, locale ? { locale } : {});
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const greeted = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${label}-1`, text: 'hello' });
  await greeted;
  const assigned = nextEvent<ConversationSummary>(agent.socket, 'conversation:assigned', (c) => c.id === conversationId);
  await callOk(socket, 'message:send', { clientId: `${label}-2`, text: 'can I talk to a person?', conversationId });
  await assigned;
  return { socket, conversationId };
}

const holder = async (id: number) =>
  (await stack.env.sql<{ status: string; assignee_id: number | null }[]>`select status, assignee_id from conversations where id = ${id}`)[0];

/** The last public message that was not a system line: what the old rule looked at. */
const lastSaid = async (id: number) => (await stack.env.sql<{ author_type: string; body: string }[]>`
  select author_type, body from messages where conversation_id = ${id} and not private and author_type <> 'system' order by id desc limit 1`)[0];

const chat = () => stack.servers[0].handle.ctx.chat;

/** The shopper writes after the hand-off: a chat the offline release took back before the fix too. */
const shopperWritesAgain = (shopper: { socket: WidgetClient; conversationId: number }, clientId: string) =>
  callOk(shopper.socket, 'message:send', { conversationId: shopper.conversationId, clientId, text: 'hello? anyone there?' });

describe('a chat held by an agent who went offline', () => {
  it('goes back to the queue when the shopper waits for the team, whoever wrote last; stays when the agent replied last', async () => {
    const leaving = await onlineAgent('Leaving Lee');
    const afterBotLine = await handedOffBy(leaving, 'bot-last');
    const agentReplied = await handedOffBy(leaving, 'agent-last');
    const shopperAgain = await handedOffBy(leaving, 'shopper-last');
    await callOk(leaving.socket, 'message:send', { conversationId: agentReplied.conversationId, clientId: 'agent-last-r', text: 'Let me check that for you.' });
    await callOk(leaving.socket, 'message:send', { conversationId: shopperAgain.conversationId, clientId: 'shopper-last-r', text: 'Which order is it?' });
    await callOk(shopperAgain.socket, 'message:send', { conversationId: shopperAgain.conversationId, clientId: 'shopper-last-3', text: 'Order 1234, hello?' });
    // The review's case: the bot's hand-off line is the last thing said to the shopper.
    expect(await lastSaid(afterBotLine.conversationId)).toMatchObject({ author_type: 'bot', body: expect.stringMatching(/connecting you/) });

    await offlineFor(leaving, 2);
    expect(await chat().releaseHeldChats({ offlineMinutes: 5 })).toBe(0); // a reload or a short drop keeps the chats
    await offlineFor(leaving, 6);
    const told = nextEvent<ChatMessage>(afterBotLine.socket, 'message:new', (m) => (m.metadata as Record<string, unknown>).event === 'agent_unavailable');
    expect(await chat().releaseHeldChats({ offlineMinutes: 5 })).toBe(2);
    expect((await told).text).toBe("Leaving Lee is no longer available. We're finding someone else to help you.");
    expect(await holder(afterBotLine.conversationId)).toEqual({ status: 'queued', assignee_id: null });
    expect(await holder(shopperAgain.conversationId)).toEqual({ status: 'queued', assignee_id: null });
    // The agent answered and the shopper has not come back: the chat is still theirs.
    expect(await holder(agentReplied.conversationId)).toEqual({ status: 'assigned', assignee_id: leaving.id });
  });

  it('a private note is no answer: the shopper still waits and the chat goes back', async () => {
    const leaving = await onlineAgent('Noting Nia');
    const noted = await handedOffBy(leaving, 'noted');
    await callOk(leaving.socket, 'message:send', { conversationId: noted.conversationId, clientId: 'noted-n', text: 'ask the warehouse', private: true });
    await offlineFor(leaving, 6);
    expect(await chat().releaseHeldChats({ offlineMinutes: 5 })).toBe(1);
    expect(await holder(noted.conversationId)).toEqual({ status: 'queued', assignee_id: null });
  });
});

describe('a chat handed back while nobody can take it', () => {
  it('offers the shopper to leave a message, as a fresh hand-off does, right after "finding someone else"', async () => {
    const leaving = await onlineAgent('Gone Gus');
    const shopper = await handedOffBy(leaving, 'nobody');
    await shopperWritesAgain(shopper, 'nobody-again');
    const heard = record<unknown>(shopper.socket, 'message:new');
    const offered = nextEvent<{ conversationId: number; reason: string; message: string }>(shopper.socket, 'agents:unavailable');
    await offlineFor(leaving, 6);
    expect(await chat().releaseHeldChats({ offlineMinutes: 5 })).toBe(1);
    expect(await offered).toEqual({ conversationId: shopper.conversationId, reason: 'no_agents_online', message: DEFAULT_WIDGET_SETTINGS.offlineMessage.en });
    expect(heard.map((m) => ((m as ChatMessage).metadata as Record<string, unknown>).event)).toContain('agent_unavailable');
    expect(await holder(shopper.conversationId)).toEqual({ status: 'queued', assignee_id: null });
  });

  it("offers it in Taiwan's Traditional to a shopper whose widget is zh-TW", async () => {
    const leaving = await onlineAgent('Gone Gao');
    const shopper = await handedOffBy(leaving, 'nobody-tw', 'zh-TW');
    await shopperWritesAgain(shopper, 'nobody-tw-again');
    const offered = nextEvent<{ message: string }>(shopper.socket, 'agents:unavailable');
    await offlineFor(leaving, 6);
    expect(await chat().releaseHeldChats({ offlineMinutes: 5 })).toBe(1);
    const { message } = await offered;
    expect(DEFAULT_WIDGET_SETTINGS.offlineMessage.zh).toContain('没有客服在线');
    expect(message).toContain('沒有客服'); // the shop's Simplified words, converted
    expect(message).not.toMatch(/没有|邮箱|我们/);
  });

  it('says the shop is closed when it is outside opening hours', async () => {
    const leaving = await onlineAgent('Closing Cleo');
    const shopper = await handedOffBy(leaving, 'closed');
    await shopperWritesAgain(shopper, 'closed-again');
    const before = await loadWidgetSettings(stack.env.sql);
    await saveWidgetSettings(stack.env.sql, { ...before, businessHours: { timezone: 'UTC', days: [null, null, null, null, null, null, null] } } as never);
    try {
      const offered = nextEvent<{ reason: string }>(shopper.socket, 'agents:unavailable');
      await offlineFor(leaving, 6);
      expect(await chat().releaseHeldChats({ offlineMinutes: 5 })).toBe(1);
      expect((await offered).reason).toBe('after_hours');
    } finally {
      await saveWidgetSettings(stack.env.sql, before);
    }
  });

  it('says nothing of the kind when someone is online: the chat goes to them', async () => {
    const leaving = await onlineAgent('Off Otto');
    const shopper = await handedOffBy(leaving, 'someone');
    await shopperWritesAgain(shopper, 'someone-again');
    const standIn = await onlineAgent('Stand-in Sue');
    await eventually(async () => (await stack.env.sql`select presence from users where id = ${standIn.id}`)[0].presence === 'online', 5_000, 'stand-in online');
    const offers = record(shopper.socket, 'agents:unavailable');
    const taken = nextEvent<ConversationSummary>(standIn.socket, 'conversation:assigned', (c) => c.id === shopper.conversationId);
    await offlineFor(leaving, 6);
    expect(await chat().releaseHeldChats({ offlineMinutes: 5 })).toBe(1);
    expect((await taken).assignee?.id).toBe(standIn.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(offers).toEqual([]);
  });
});
