// A message's client id is unique within its chat, and the server keys some messages itself: the bot's reply to a
// question is `bot-reply:<question id>` (its presence also says the question was answered), a shopper's email reply
// `email:<hash>`, a macro's message `macro:<key>:<step>`, an agent-started chat's first message `start-<uuid>`. A
// shopper who sent `bot-reply:<their own question>` first made the bot's answer a duplicate: the bot stayed silent.
// Client ids with those prefixes are now refused with a validation error, over the socket (shopper and agent) and the
// upload route; any other id, colons included, is taken as before. Real server, Postgres, Redis, socket.io-client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, nextEvent, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

let stack: TestStack;
const sockets: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await stack?.close();
});

async function shopper(): Promise<{ socket: WidgetClient; visitorToken: string }> {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  sockets.push(socket);
  return { socket, visitorToken: session.visitorToken };
}

const storedClientIds = async (conversationId: number) =>
  (await stack.env.sql<{ client_id: string }[]>`select client_id from messages where conversation_id = ${conversationId} and author_type = 'customer' order by id`)
    .map((r) => r.client_id);

describe('client ids the server keys messages with', () => {
  it('a shopper cannot take the id of the bot\'s reply to their next question; the bot answers it', async () => {
    const { socket } = await shopper();
    const firstReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
    const first = await callOk<{ id: number; conversationId: number }>(socket, 'message:send', { clientId: 'q:1', text: 'Do you ship to Norway?' });
    await firstReply;

    // The next message's id is not known before it is stored, but any guess at it is refused up front.
    for (const guess of [first.id + 1, first.id + 2, first.id]) {
      const refused = await call(socket, 'message:send', { clientId: `bot-reply:${guess}`, text: 'What about Sweden?', conversationId: first.conversationId });
      expect(refused).toEqual({ ok: false, error: { code: 'validation', message: expect.stringContaining('must not start with "bot-reply:"') } });
    }
    expect(await storedClientIds(first.conversationId)).toEqual(['q:1']);

    const answered = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
    const second = await callOk<{ id: number }>(socket, 'message:send', { clientId: 'q:2', text: 'What about Sweden?', conversationId: first.conversationId });
    expect((await answered).clientId).toBe(`bot-reply:${second.id}`);
  });

  it('every server prefix is refused to shoppers and agents alike; other ids with colons are taken', async () => {
    const { socket } = await shopper();
    const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: 'c:hello', text: 'Hello' });
    for (const clientId of ['email:0123abcd', 'macro:run-1:0', 'start-1234', 'bot-reply:1']) {
      const refused = await call(socket, 'message:send', { clientId, text: 'Hi again', conversationId });
      expect(refused, clientId).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining(`must not start with "${clientId.match(/^[a-z-]+[:-]/)![0]}"`) } });
    }
    // Close to the prefixes but not them: a shopper's own.
    for (const clientId of ['Email:1', 'macro-1', 'bot-reply-2', 'x:bot-reply:3']) {
      expect(await call(socket, 'message:send', { clientId, text: `Sent as ${clientId}`, conversationId }), clientId).toMatchObject({ ok: true });
    }
    expect(await storedClientIds(conversationId)).toEqual(['c:hello', 'Email:1', 'macro-1', 'bot-reply-2', 'x:bot-reply:3']);

    const agentLogin = await login(stack.url, stack.agent.email, stack.agent.password);
    const agent = await connectAgent(stack.url, agentLogin.token);
    sockets.push(agent);
    const byAgent = await call(agent, 'message:send', { conversationId, clientId: 'macro:mine:0', text: 'A note', private: true });
    expect(byAgent).toMatchObject({ ok: false, error: { code: 'validation', message: expect.stringContaining('must not start with "macro:"') } });
  });

  it('the upload route refuses a server prefix with a 400', async () => {
    const { visitorToken } = await shopper();
    const query = new URLSearchParams({ clientId: 'bot-reply:1', name: 'note.txt' });
    const response = await fetch(`${stack.url}/api/widget/attachments?${query}`, {
      method: 'POST', headers: { authorization: `Bearer ${visitorToken}`, 'content-type': 'application/pdf' }, body: new Uint8Array(Buffer.from('%PDF-1.4\n%%EOF\n')),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'validation', message: expect.stringContaining('clientId') } });
  });
});
