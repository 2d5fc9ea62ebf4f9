// The follow-up email of replies a shopper missed names the agent as the chat did: a name the agent chose to show
// customers is used as written (two words and all), without one the full name's first name (as before), against a
// real SMTP receiver, a server with its workers, and socket.io clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpReceiver, type SmtpReceiver } from '../support/smtp.ts';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextEvent, type AgentClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

let smtp: SmtpReceiver;
let stack: TestStack;
let agent: AgentClient;
let session: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  smtp = smtpReceiver();
  const port = await smtp.listen();
  stack = await startStack({ workers: true, config: { smtpUrl: `smtp://127.0.0.1:${port}`, emailFollowupDelaySeconds: 1, shopName: 'Northwind Goods', mailFrom: '' } });
  session = await login(stack.url, stack.agent.email, stack.agent.password);
  agent = await connectAgent(stack.url, session.token);
  await callOk(agent, 'presence:set', { presence: 'online' });
});
afterAll(async () => {
  agent?.close();
  await stack?.close();
  await smtp?.close();
});

/**
 * A shopper with an address writes, the agent answers after they closed the tab; the email that follows. `afterReply`
 * runs once the reply is stored, before the email goes (a second's delay).
 */
async function missedReply(email: string, reply: string, afterReply?: () => Promise<void>) {
  const visitor = await widgetSession(stack.url, { email });
  const socket = await connectWidget(stack.url, visitor.visitorToken);
  const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
  const { conversationId } = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `q-${email.replace('@', '.')}`, text: 'Where is my parcel?' });
  await botReply;
  socket.close();
  await callOk(agent, 'message:send', { conversationId, clientId: `a-${email.replace('@', '.')}`, text: reply });
  await afterReply?.();
  return (await eventually(async () => smtp.to(email)[0], 20_000, 'the follow-up email')).mail;
}

describe('follow-up emails name the agent as shoppers are told', () => {
  it('uses the chosen name whole, and the full name\'s first name when none is chosen', async () => {
    expect((await httpAs(stack.url, 'PATCH', '/api/auth/me', session, { displayName: 'Sammy B' })).status).toBe(200);
    const chosen = await missedReply('lena@example.com', 'It left this morning.');
    expect(chosen.text).toContain('Sammy B wrote:');
    expect(chosen.text).not.toContain('Sam Agent');

    expect((await httpAs(stack.url, 'PATCH', '/api/auth/me', session, { displayName: null })).status).toBe(200);
    const plain = await missedReply('omar@example.com', 'It arrives tomorrow.');
    expect(plain.text).toContain('Sam wrote:');
    expect(plain.text).not.toContain('Sam Agent');
  });

  it('names the agent as shown when the email is written, not as stored with the reply', async () => {
    // Answered under the full name; the agent chose a shown name before the email went: the email uses it.
    const renamedAfter = await missedReply('ines@example.com', 'It is on its way.', async () => {
      expect((await httpAs(stack.url, 'PATCH', '/api/auth/me', session, { displayName: 'Sammy B' })).status).toBe(200);
    });
    expect(renamedAfter.text).toContain('Sammy B wrote:');
    expect(renamedAfter.text).not.toContain('Sam Agent');
    expect((await httpAs(stack.url, 'PATCH', '/api/auth/me', session, { displayName: null })).status).toBe(200);
  });
});
