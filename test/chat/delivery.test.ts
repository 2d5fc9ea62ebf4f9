// Exactly-once storage by client id, and gap-free resync after a disconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, nextAgentMessage, nextEvent, record, type AgentClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary } from '../../server/realtime/event-maps.ts';

let stack: TestStack;
let agent: AgentClient;

beforeAll(async () => {
  stack = await startStack();
  const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
  agent = await connectAgent(stack.url, token);
  await callOk(agent, 'presence:set', { presence: 'online' });
});
afterAll(async () => {
  agent?.close();
  await stack?.close();
});

describe('message delivery', () => {
  it('stores a resent client id once and acks it with the same server id', async () => {
    const session = await widgetSession(stack.url);
    const shopper = await connectWidget(stack.url, session.visitorToken);
    const first = await callOk<{ id: number; conversationId: number; duplicate: boolean }>(shopper, 'message:send', { clientId: 'same-id', text: 'Is this in stock?' });
    // The same client id again, as a client does after a lost ack; even with different text the first one wins.
    const again = await callOk<{ id: number; duplicate: boolean }>(shopper, 'message:send', { clientId: 'same-id', text: 'Is this in stock?', conversationId: first.conversationId });
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => call<{ id: number }>(shopper, 'message:send', { clientId: 'same-id', text: 'Is this in stock?', conversationId: first.conversationId })),
    );
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    for (const result of concurrent) expect(result).toMatchObject({ ok: true, id: first.id });
    const rows = await stack.env.sql`select id from messages where conversation_id = ${first.conversationId} and client_id = 'same-id'`;
    expect(rows).toHaveLength(1);
    shopper.close();
  });

  it('delivers a shopper message to their other tabs and the agents, but not back to the sending tab', async () => {
    const session = await widgetSession(stack.url);
    const sendingTab = await connectWidget(stack.url, session.visitorToken);
    const first = await callOk<{ conversationId: number }>(sendingTab, 'message:send', { clientId: 'tab-0', text: 'Hello from the first tab' });
    const otherTab = await connectWidget(stack.url, session.visitorToken);
    const echoes = record<ChatMessage>(sendingTab, 'message:new');
    const inOtherTab = nextEvent<ChatMessage>(otherTab, 'message:new', (m) => m.clientId === 'tab-1');
    const atAgent = nextAgentMessage(agent, (m) => m.clientId === 'tab-1');
    const sent = await callOk<{ id: number; conversationId: number }>(sendingTab, 'message:send', { clientId: 'tab-1', text: 'Where is my parcel?' });
    expect(sent.conversationId).toBe(first.conversationId);
    expect(await inOtherTab).toMatchObject({ id: sent.id, text: 'Where is my parcel?', author: { type: 'customer' } });
    expect((await atAgent).id).toBe(sent.id);
    // The bot's answer reaches the sending tab, so its socket is still in the room: only its own message is left out.
    await nextEvent<ChatMessage>(sendingTab, 'message:new', (m) => m.author.type === 'bot');
    expect(echoes.filter((m) => m.clientId === 'tab-1')).toEqual([]);
    sendingTab.close();
    otherTab.close();
  });

  it('hands consoles the messages of one turn together, each message exactly once', async () => {
    const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
    const secondConsole = await connectAgent(stack.url, token);
    const frames = { first: record<ChatMessage[]>(agent, 'messages:new'), second: record<ChatMessage[]>(secondConsole, 'messages:new') };
    const shoppers = await Promise.all(Array.from({ length: 20 }, async () => connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken)));
    const acks = await Promise.all(shoppers.map((s, i) => callOk<{ id: number }>(s, 'message:send', { clientId: `burst-${i}`, text: `Burst question ${i}` })));
    const sentIds = acks.map((a) => a.id).sort((a, b) => a - b);
    const burstIds = (batches: ChatMessage[][]) => batches.flat().filter((m) => m.clientId?.startsWith('burst-')).map((m) => m.id).sort((a, b) => a - b);
    await eventually(async () => burstIds(frames.first).length >= 20 && burstIds(frames.second).length >= 20, 10_000, 'every burst message at both consoles');
    for (const batches of [frames.first, frames.second]) {
      expect(burstIds(batches)).toEqual(sentIds);
      // Twenty messages stored by a few group commits: far fewer frames than messages.
      expect(batches.filter((b) => b.some((m) => m.clientId?.startsWith('burst-'))).length).toBeLessThan(20);
    }
    for (const s of shoppers) s.close();
    secondConsole.close();
  });

  it('gives a reconnecting client exactly the messages it missed, in order', async () => {
    const session = await widgetSession(stack.url);
    let shopper = await connectWidget(stack.url, session.visitorToken);
    const assigned = nextEvent<ConversationSummary>(agent, 'conversation:assigned');
    const sent = await callOk<{ id: number; conversationId: number }>(shopper, 'message:send', { clientId: 'r-1', text: 'I need a person please' });
    const conversationId = sent.conversationId;
    await callOk(shopper, 'handoff:request', { conversationId });
    await assigned;

    // What the shopper has seen so far.
    const seen = await callOk<{ messages: ChatMessage[] }>(shopper, 'messages:sync', { conversationId, afterId: 0 });
    const lastSeenId = seen.messages.at(-1)!.id;
    shopper.close();

    // While the shopper is away, the agent writes three messages (and one private note).
    const missedTexts = ['First while you were away', 'Second one', 'Third and last'];
    await callOk(agent, 'message:send', { conversationId, clientId: 'm-1', text: missedTexts[0] });
    await callOk(agent, 'message:send', { conversationId, clientId: 'note-1', text: 'internal only', private: true });
    await callOk(agent, 'message:send', { conversationId, clientId: 'm-2', text: missedTexts[1] });
    await callOk(agent, 'message:send', { conversationId, clientId: 'm-3', text: missedTexts[2] });

    shopper = await connectWidget(stack.url, session.visitorToken);
    const resync = await callOk<{ messages: ChatMessage[]; conversation: ConversationSummary }>(shopper, 'messages:sync', { conversationId, afterId: lastSeenId });
    expect(resync.messages.map((m) => m.text)).toEqual(missedTexts);
    const ids = resync.messages.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids.every((id) => id > lastSeenId)).toBe(true);
    expect(resync.conversation.status).toBe('assigned');

    // Syncing again from the newest id gives nothing: nothing is shown twice.
    const none = await callOk<{ messages: ChatMessage[] }>(shopper, 'messages:sync', { conversationId, afterId: ids.at(-1)! });
    expect(none.messages).toEqual([]);

    // Live delivery resumes on the new socket, and seen marks reach the agent.
    const live = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.text === 'Welcome back');
    await callOk(agent, 'message:send', { conversationId, clientId: 'm-4', text: 'Welcome back' });
    const welcome = await live;
    const seenByShopper = nextEvent<{ conversationId: number; lastSeenId: number }>(agent, 'messages:seen', (p) => p.conversationId === conversationId);
    await callOk(agent, 'conversation:join', { conversationId });
    shopper.emit('messages:seen', { conversationId, lastSeenId: welcome.id });
    expect((await seenByShopper).lastSeenId).toBe(welcome.id);
    shopper.close();
  });

  it('continues the same conversation from another tab with the same visitor token', async () => {
    const session = await widgetSession(stack.url);
    const tabA = await connectWidget(stack.url, session.visitorToken);
    const sent = await callOk<{ conversationId: number }>(tabA, 'message:send', { clientId: 't-1', text: 'hello from tab A' });
    const tabB = await connectWidget(stack.url, session.visitorToken);
    const current = await callOk<{ conversation: ConversationSummary; messages: ChatMessage[] }>(tabB, 'conversation:current', {});
    expect(current.conversation.id).toBe(sent.conversationId);
    expect(current.messages[0].text).toBe('hello from tab A');
    const inB = nextEvent<ChatMessage>(tabB, 'message:new', (m) => m.text === 'and again from A');
    await callOk(tabA, 'message:send', { clientId: 't-2', text: 'and again from A', conversationId: sent.conversationId });
    expect((await inB).conversationId).toBe(sent.conversationId);
    tabA.close();
    tabB.close();
  });
});
