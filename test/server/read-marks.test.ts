// Who moves the team's "seen" mark of a chat, and who hears of it, over real sockets, Postgres and Redis:
// on a chat someone holds only the holder's report counts (a teammate who left the chat open after a transfer, or an
// admin looking in, does not read it for them, and is not told off for trying); on a chat nobody holds the mark is the
// team's, as before. Whenever the mark moves every console hears it (conversation:read), so other tabs and agents
// drop their unread counts; an agent who saw the mentions of them in a chat is told on all their tabs (mentions:seen).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, nextAgentMessage, nextEvent, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

let stack: TestStack;
let sam: AgentClient; // the demo agent
let samOtherTab: AgentClient;
let ada: AgentClient;
let admin: AgentClient;
let samLogin: Awaited<ReturnType<typeof login>>;
let adaId: number;
const sockets: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack();
  const adaAccount = { email: 'ada@shopdesk.test', password: 'ada-password-123' };
  const [row] = await stack.env.sql<{ id: number }[]>`
    insert into users (email, name, role, password_hash) values (${adaAccount.email}, 'Ada Agent', 'agent', ${await hashPassword(adaAccount.password)}) returning id`;
  adaId = Number(row.id);
  samLogin = await login(stack.url, stack.agent.email, stack.agent.password);
  sam = await connectAgent(stack.url, samLogin.token);
  samOtherTab = await connectAgent(stack.url, samLogin.token);
  ada = await connectAgent(stack.url, (await login(stack.url, adaAccount.email, adaAccount.password)).token);
  admin = await connectAgent(stack.url, (await login(stack.url, stack.admin.email, stack.admin.password)).token);
  sockets.push(sam, samOtherTab, ada, admin);
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await stack?.close();
});

const teamMark = async (conversationId: number) =>
  Number((await stack.env.sql<{ mark: number }[]>`select agent_last_seen_id as mark from conversations where id = ${conversationId}`)[0].mark);

/** A shopper who wrote `text` and asked for a person: their chat waits in the queue (nobody is online yet). */
async function queuedChat(name: string, text: string): Promise<{ conversationId: number; shopper: WidgetClient; firstId: number }> {
  const session = await widgetSession(stack.url, { name, locale: 'en' });
  const shopper = await connectWidget(stack.url, session.visitorToken);
  sockets.push(shopper);
  const sent = await callOk<{ conversationId: number; id: number }>(shopper, 'message:send', { clientId: `${name}-1`.replace(/\W+/g, '-'), text });
  await callOk(shopper, 'handoff:request', { conversationId: sent.conversationId });
  return { conversationId: sent.conversationId, shopper, firstId: sent.id };
}

describe('the team\'s seen mark of a chat someone holds', () => {
  it('moves only on the holder\'s report: not on a teammate\'s left open after a transfer, nor an admin\'s, and neither is refused', async () => {
    const { conversationId, shopper } = await queuedChat('Tom Transfer', 'My parcel never came');
    await callOk(sam, 'conversation:accept', { conversationId });
    await callOk(sam, 'conversation:join', { conversationId });
    await callOk(admin, 'conversation:join', { conversationId });
    await callOk(ada, 'presence:set', { presence: 'online' });
    await callOk(sam, 'conversation:transfer', { conversationId, toAgentId: adaId });
    await callOk(ada, 'conversation:snooze', { conversationId, until: new Date(Date.now() + 3_600_000).toISOString() });

    // The shopper writes (waking the chat); Sam's screen, still on the chat, reports it seen, and so does an admin's.
    const arrived = nextAgentMessage(sam, (m) => m.conversationId === conversationId && m.text === 'Hello? Anyone?');
    const { id: latest } = await callOk<{ id: number }>(shopper, 'message:send', { conversationId, clientId: 'tom-2', text: 'Hello? Anyone?' });
    await arrived;
    const before = await teamMark(conversationId);
    expect(before).toBeLessThan(latest);
    expect(await call(sam, 'messages:seen', { conversationId, lastSeenId: latest })).toEqual({ ok: true });
    expect(await call(admin, 'messages:seen', { conversationId, lastSeenId: latest })).toEqual({ ok: true });
    expect(await teamMark(conversationId)).toBe(before);

    // Ada, who holds it, reads it: the mark moves, and every console hears so (Sam's too, who no longer holds it).
    const told = nextEvent(sam, 'conversation:read', (e) => e.conversationId === conversationId);
    expect(await call(ada, 'messages:seen', { conversationId, lastSeenId: latest })).toEqual({ ok: true });
    expect(await told).toEqual({ conversationId, agentLastSeenId: latest });
    expect(await teamMark(conversationId)).toBe(latest);
  });
});

describe('the team\'s seen mark of a chat nobody holds', () => {
  it('is shared: any agent\'s report moves it, and every console hears so, including those that do not have it open', async () => {
    await callOk(ada, 'presence:set', { presence: 'offline' }); // nobody online: the chat stays in the queue
    const { conversationId, firstId } = await queuedChat('Quinn Queued', 'Do you ship to Norway?');
    expect((await stack.env.sql`select status from conversations where id = ${conversationId}`)[0].status).toBe('queued');
    const told = nextEvent(ada, 'conversation:read', (e) => e.conversationId === conversationId);
    expect(await call(admin, 'messages:seen', { conversationId, lastSeenId: firstId })).toEqual({ ok: true });
    expect(await told).toEqual({ conversationId, agentLastSeenId: firstId });
    expect(await teamMark(conversationId)).toBe(firstId);
  });
});

describe('mentions seen', () => {
  it('tells every tab of the agent who saw them how many chats still have an unseen mention of them, and no one else', async () => {
    const { conversationId } = await queuedChat('Mia Mention', 'Can I change the size?');
    await callOk(admin, 'message:send', { conversationId, clientId: 'mia-note', text: '@Sam Agent can you check the sizes?', private: true });
    const adaHeard = record(ada, 'mentions:seen');
    const told = nextEvent(samOtherTab, 'mentions:seen', (e) => e.conversationId === conversationId);
    const answer = await httpAs(stack.url, 'POST', `/api/conversations/${conversationId}/mentions/seen`, samLogin);
    expect(answer.status).toBe(200);
    expect(await told).toEqual({ conversationId, unseen: answer.json.unseen });
    await callOk(ada, 'messages:sync', { conversationId, afterId: 0 }); // a round trip after the news went out
    expect(adaHeard).toEqual([]);
  });
});
