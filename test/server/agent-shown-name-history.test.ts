// A shopper's history names each agent by the name that agent shows customers *now*, not the one stored when a line
// was written (server/services/shopper-agent-names.ts): an agent who answers under their full name and only then
// chooses a shown name is never named by the full name again — not on reconnect (conversation:current), not on a
// resync (messages:sync), not in the transcript download. A deleted agent is named by nobody ("Agent").
// Real server, Postgres, Redis and socket.io clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, nextEvent, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

let stack: TestStack;
const sockets: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await stack?.close();
});

const eventOf = (m: ChatMessage) => (m.metadata as { event?: string }).event;

/** A shopper asks for a person, `agentToken`'s agent takes the chat and answers `reply`; the shopper's socket and chat. */
async function answeredChat(agentToken: string, reply: string): Promise<{ shopper: WidgetClient; conversationId: number; visitorToken: string }> {
  const session = await widgetSession(stack.url, { name: 'Mia Shopper', locale: 'en' });
  const shopper = await connectWidget(stack.url, session.visitorToken);
  const agent = await connectAgent(stack.url, agentToken);
  sockets.push(shopper, agent);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `q-${reply.length}`, text: 'A person please' });
  await callOk(shopper, 'handoff:request', { conversationId });
  await callOk(agent, 'conversation:accept', { conversationId });
  const said = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'agent');
  await callOk(agent, 'message:send', { conversationId, clientId: `r-${reply.length}`, text: reply });
  await said;
  return { shopper, conversationId, visitorToken: session.visitorToken };
}

const transcriptOf = async (conversationId: number, visitorToken: string) =>
  (await fetch(`${stack.url}/api/widget/conversations/${conversationId}/transcript`, { headers: { authorization: `Bearer ${visitorToken}` } })).text();

describe('the shopper\'s history names agents as they are shown now', () => {
  it('replaces the full name an agent answered under once they choose a shown name, in every copy of the history', async () => {
    const agent = await login(stack.url, stack.agent.email, stack.agent.password);
    // Answered with no shown name: the shopper was told the full name then.
    const { shopper, conversationId, visitorToken } = await answeredChat(agent.token, 'Hello Mia, I can help.');
    expect((await httpAs(stack.url, 'PATCH', '/api/auth/me', agent, { displayName: 'Sammy' })).status).toBe(200);

    for (const [event, payload] of [['conversation:current', {}], ['messages:sync', { conversationId, afterId: 0 }]] as const) {
      const { messages } = await callOk<{ messages: ChatMessage[] }>(shopper, event, payload);
      const reply = messages.find((m) => m.author.type === 'agent')!;
      expect(reply.author.name, event).toBe('Sammy');
      const joined = messages.find((m) => eventOf(m) === 'agent_joined')!;
      expect(joined.metadata, event).toMatchObject({ agentName: 'Sammy' });
      expect(joined.text, event).toBe('Sammy joined the chat.');
      expect(JSON.stringify(messages), event).not.toContain('Sam Agent');
    }

    const transcript = await transcriptOf(conversationId, visitorToken);
    expect(transcript).toContain('Sammy joined the chat.');
    expect(transcript).toContain('Sammy: Hello Mia, I can help.');
    expect(transcript).not.toContain('Sam Agent');

    // The team still reads the full name.
    const teamCopy = await httpAs(stack.url, 'GET', `/api/conversations/${conversationId}/transcript`, agent);
    expect(teamCopy.text).toContain('Sam Agent');
    await httpAs(stack.url, 'PATCH', '/api/auth/me', agent, { displayName: null });
  });

  it('names a deleted agent by nobody: the shopper\'s word for "agent", never the name stored with the lines', async () => {
    const tess = { email: 'tess.gone@demo.shop', password: 'tess-gone-pw1' };
    await stack.env.sql`insert into users (email, name, role, password_hash) values (${tess.email}, 'Tess Teammate', 'agent', ${await hashPassword(tess.password)})`;
    const session = await login(stack.url, tess.email, tess.password);
    const { shopper, conversationId, visitorToken } = await answeredChat(session.token, 'Your parcel left today.');
    await stack.env.sql`update conversations set status = 'resolved', assignee_id = null, resolved_at = now() where id = ${conversationId}`;
    await stack.env.sql`delete from users where id = ${session.user.id}`;

    const { messages } = await callOk<{ messages: ChatMessage[] }>(shopper, 'messages:sync', { conversationId, afterId: 0 });
    expect(messages.find((m) => m.author.type === 'agent')!.author.name).toBeNull();
    const joined = messages.find((m) => eventOf(m) === 'agent_joined')!;
    expect(joined.metadata).not.toHaveProperty('agentName');
    expect(joined.text).toBe('Agent joined the chat.');
    expect(JSON.stringify(messages)).not.toContain('Tess');
    const transcript = await transcriptOf(conversationId, visitorToken);
    expect(transcript).toContain('Agent: Your parcel left today.');
    expect(transcript).not.toContain('Tess');
  });
});
