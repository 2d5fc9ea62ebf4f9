// A widget message names the chat it was written in (`writtenIn`): a resend after a lost ack goes there, or is
// refused once that chat has ended, and never lands in a chat the shopper started since.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, type AgentClient } from '../support/sockets.ts';

let stack: TestStack;
let agent: AgentClient;

beforeAll(async () => {
  stack = await startStack();
  agent = await connectAgent(stack.url, (await login(stack.url, stack.agent.email, stack.agent.password)).token);
});
afterAll(async () => {
  agent?.close();
  await stack?.close();
});

type Sent = { id: number; conversationId: number; duplicate: boolean };
const storedWith = (clientId: string) =>
  stack.env.sql<{ id: number; conversation_id: number }[]>`select id, conversation_id from messages where client_id = ${clientId}`;

describe('message:send with writtenIn', () => {
  it('a resend after a lost ack stays in the chat it was written in, after that chat ended and another began', async () => {
    const session = await widgetSession(stack.url);
    const shopper = await connectWidget(stack.url, session.visitorToken);
    const first = await callOk<Sent>(shopper, 'message:send', { clientId: 'w-first', text: 'Where is my parcel?' });
    // Stored; its ack is "lost" (the widget keeps it in the outbox).
    const lost = await callOk<Sent>(shopper, 'message:send', { clientId: 'w-lost-ack', text: 'It was order 1001', writtenIn: first.conversationId });
    expect(lost).toMatchObject({ conversationId: first.conversationId, duplicate: false });
    // Meanwhile the chat ends and the shopper starts another one (another tab).
    await callOk(agent, 'conversation:resolve', { conversationId: first.conversationId });
    const second = await callOk<Sent>(shopper, 'message:send', { clientId: 'w-second', text: 'A new question' });
    expect(second.conversationId).not.toBe(first.conversationId);

    // The resend is recognised in its own chat: the same message, nothing new in the second chat.
    const resent = await callOk<Sent>(shopper, 'message:send', { clientId: 'w-lost-ack', text: 'It was order 1001', writtenIn: first.conversationId });
    expect(resent).toEqual({ ok: true, id: lost.id, conversationId: first.conversationId, duplicate: true, createdAt: expect.any(String) });
    expect(await storedWith('w-lost-ack')).toEqual([{ id: lost.id, conversation_id: first.conversationId }]);

    // One that never got there is refused with a reason the widget offers Retry for, and stored nowhere.
    const refused = await call(shopper, 'message:send', { clientId: 'w-never-arrived', text: 'And the colour?', writtenIn: first.conversationId });
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict', reason: 'conversation_resolved' } });
    expect(await storedWith('w-never-arrived')).toEqual([]);
    // The shopper's Retry sends it without the ended chat: into the open one.
    const retried = await callOk<Sent>(shopper, 'message:send', { clientId: 'w-never-arrived', text: 'And the colour?' });
    expect(retried.conversationId).toBe(second.conversationId);

    // While its chat is open, a message written there goes there (the fast path), and a repeat is a repeat.
    const open = await callOk<Sent>(shopper, 'message:send', { clientId: 'w-open', text: 'Thanks', writtenIn: second.conversationId });
    expect(open).toMatchObject({ conversationId: second.conversationId, duplicate: false });
    expect(await callOk<Sent>(shopper, 'message:send', { clientId: 'w-open', text: 'Thanks', writtenIn: second.conversationId })).toMatchObject({ id: open.id, duplicate: true });
    shopper.close();
  });

  it("refuses another shopper's chat and a writtenIn that contradicts conversationId", async () => {
    const owner = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
    const stranger = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
    const theirs = await callOk<Sent>(owner, 'message:send', { clientId: 'o-1', text: 'Hello' });
    const mine = await callOk<Sent>(stranger, 'message:send', { clientId: 's-1', text: 'Hi' });
    expect(await call(stranger, 'message:send', { clientId: 's-2', text: 'Sneaky', writtenIn: theirs.conversationId }))
      .toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call(stranger, 'message:send', { clientId: 's-3', text: 'Mixed', writtenIn: mine.conversationId, conversationId: theirs.conversationId }))
      .toMatchObject({ ok: false, error: { code: 'validation' } });
    expect(await call(stranger, 'message:send', { clientId: 's-4', text: 'Bad id', writtenIn: 'seven' }))
      .toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('writtenIn') } });
    expect([...await storedWith('s-2'), ...await storedWith('s-3'), ...await storedWith('s-4')]).toEqual([]);
    owner.close();
    stranger.close();
  });
});
