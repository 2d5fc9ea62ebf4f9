// The inbox's Mentions count on a real server, Postgres and Redis (migration 040): it counts every chat a note named
// me in, open or resolved, and how many of those have a mention I have not seen — until I open the chat (POST
// /mentions/seen); a later note naming me is unseen again. Also GET /api/conversations/:id/alert, what a console's
// alert says about a chat and whether a chat waiting in the queue is one for this agent (online; its team, if any).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, type AgentClient, type WidgetClient } from '../support/sockets.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let agent: Awaited<ReturnType<typeof login>>;
let agentSocket: AgentClient;
const shoppers: WidgetClient[] = [];

const http = (method: string, path: string, auth: { cookie: string } | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);
const mentionCounts = async (who: { cookie: string }) => (await http('GET', '/api/conversations/counts', who)).json.mentions;
const mentionsView = async (who: { cookie: string }) =>
  (await http('GET', '/api/conversations?view=mentions&limit=200', who)).json.items.map((i: any) => ({ id: i.conversation.id, unseen: i.mentionUnseen }));

async function shopperChat(name: string, text: string, clientId: string): Promise<{ conversationId: number; shopper: WidgetClient }> {
  const session = await widgetSession(stack.url, { name, locale: 'en' });
  const shopper = await connectWidget(stack.url, session.visitorToken);
  shoppers.push(shopper);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId, text });
  return { conversationId, shopper };
}

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  // Nobody takes chats by themselves here: the queue tests set presence by hand.
  await stack.env.sql`update users set capacity = 0, presence = 'offline'`;
  agentSocket = await connectAgent(stack.url, agent.token);
});
afterAll(async () => {
  shoppers.forEach((s) => s.close());
  agentSocket?.close();
  await stack?.close();
});

describe('mentions I have not seen', () => {
  it('counts a mention in a resolved chat until the agent opens it, and again for a later note', async () => {
    expect(await mentionCounts(admin)).toEqual({ total: 0, unread: 0 });
    const { conversationId } = await shopperChat('Mentioned Mo', 'Where is my refund?', 'mr-1');
    await callOk(agentSocket, 'message:send', { conversationId, clientId: 'mr-note-1', text: '@Ada Admin can you approve this refund?', private: true });
    expect(await mentionCounts(admin)).toEqual({ total: 1, unread: 1 });
    expect(await mentionCounts(agent)).toEqual({ total: 0, unread: 0 }); // the writer was not named
    expect(await mentionsView(admin)).toEqual([{ id: conversationId, unseen: true }]);

    // Resolved while Ada was away: still counted, still unseen (the count was "open chats" only and showed 0).
    await callOk(agentSocket, 'conversation:resolve', { conversationId });
    const [row] = await stack.env.sql`select status from conversations where id = ${conversationId}`;
    expect(row.status).toBe('resolved');
    expect(await mentionCounts(admin)).toEqual({ total: 1, unread: 1 });

    // Ada opens the chat: seen. The view still lists it, no longer highlighted.
    const seen = await http('POST', `/api/conversations/${conversationId}/mentions/seen`, admin);
    expect(seen.status).toBe(200);
    expect(seen.json).toEqual({ ok: true, unseen: 0 });
    expect(await mentionCounts(admin)).toEqual({ total: 1, unread: 0 });
    expect(await mentionsView(admin)).toEqual([{ id: conversationId, unseen: false }]);
    const [read] = await stack.env.sql`select count(*)::int as n from mention_reads where user_id = ${admin.user.id}`;
    expect(read.n).toBe(1);

    // Someone not named opening the chat stores nothing and changes nobody's count.
    expect((await http('POST', `/api/conversations/${conversationId}/mentions/seen`, agent)).json).toEqual({ ok: true, unseen: 0 });
    const [none] = await stack.env.sql`select count(*)::int as n from mention_reads where user_id = ${agent.user.id}`;
    expect(none.n).toBe(0);

    // A later note naming Ada is news again (in a reopened chat, or a resolved one if notes are allowed there).
    const note = await call(agentSocket, 'message:send', { conversationId, clientId: 'mr-note-2', text: '@Ada Admin one more thing', private: true });
    if (!note.ok) {
      await callOk(agentSocket, 'conversation:reopen', { conversationId });
      await callOk(agentSocket, 'message:send', { conversationId, clientId: 'mr-note-3', text: '@Ada Admin one more thing', private: true });
    }
    expect(await mentionCounts(admin)).toEqual({ total: 1, unread: 1 });
    // Seeing it twice, or in two tabs at once, is one read.
    await Promise.all([1, 2].map(() => http('POST', `/api/conversations/${conversationId}/mentions/seen`, admin)));
    expect(await mentionCounts(admin)).toEqual({ total: 1, unread: 0 });
  });

  it('refuses a chat that does not exist and anyone signed out', async () => {
    expect((await http('POST', '/api/conversations/987654/mentions/seen', admin)).status).toBe(404);
    expect((await http('POST', '/api/conversations/1/mentions/seen', null)).status).toBe(401);
  });
});

describe('what an alert says about a chat', () => {
  it('names the customer with the shopper\'s latest words, and says whether a queued chat is for this agent', async () => {
    const { conversationId, shopper } = await shopperChat('Queued Quinn', 'Hello?', 'qa-1');
    await callOk(shopper, 'message:send', { conversationId, clientId: 'qa-2', text: 'My parcel never came\nOrder 1042' });
    await callOk(shopper, 'handoff:request', { conversationId });
    const alert = async (who: { cookie: string }) => (await http('GET', `/api/conversations/${conversationId}/alert`, who)).json;
    const forMe = async (who: { cookie: string }) => (await alert(who)).queueAlert;

    expect(await alert(agent)).toMatchObject({
      conversationId, status: 'queued', customer: { name: 'Queued Quinn' }, latestShopperText: 'My parcel never came\nOrder 1042', queueAlert: false,
    });
    // Offline: not for me. Online: for me (no team).
    await stack.env.sql`update users set presence = 'online' where id = ${agent.user.id}`;
    expect(await forMe(agent)).toBe(true);
    expect(await forMe(admin)).toBe(false); // still offline

    // The chat's team is Ada's: with Ada online, it is hers, not Sam's; with her away, anyone online may take it.
    const [team] = await stack.env.sql<{ id: number }[]>`insert into teams (name) values ('Refunds') returning id`;
    await stack.env.sql`insert into team_members (team_id, user_id) values (${team.id}, ${admin.user.id})`;
    await stack.env.sql`update conversations set team_id = ${team.id} where id = ${conversationId}`;
    expect(await forMe(agent)).toBe(true);
    await stack.env.sql`update users set presence = 'online' where id = ${admin.user.id}`;
    expect(await forMe(admin)).toBe(true);
    expect(await forMe(agent)).toBe(false);
    await stack.env.sql`insert into team_members (team_id, user_id) values (${team.id}, ${agent.user.id})`;
    expect(await forMe(agent)).toBe(true);
    await stack.env.sql`delete from team_members where user_id = ${agent.user.id}`;
    await stack.env.sql`update users set presence = 'away' where id = ${admin.user.id}`;
    expect(await forMe(agent)).toBe(true);
    expect(await forMe(admin)).toBe(false); // away: not alerted

    // Taken: nobody's queue news any more.
    await callOk(agentSocket, 'conversation:accept', { conversationId });
    expect(await alert(agent)).toMatchObject({ status: 'assigned', queueAlert: false });
    await stack.env.sql`update users set presence = 'offline'`;

    expect((await http('GET', '/api/conversations/987654/alert', agent)).status).toBe(404);
    expect((await http('GET', `/api/conversations/${conversationId}/alert`, null)).status).toBe(401);
  });
});
