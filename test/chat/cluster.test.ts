// Two server instances on the same Postgres and Redis (Socket.IO Redis adapter):
// messages cross servers both ways, concurrent assignment across both never
// gives one chat to two agents nor an agent more chats than its capacity, and
// an agent sees where a shopper connected to the other server is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextAgentMessage, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage, ConversationSummary, ShopperActivity } from '../../server/realtime/event-maps.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

let stack: TestStack;
const sockets: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack({ servers: 2 });
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

describe('two servers', () => {
  it('relays messages between a shopper on one server and an agent on the other', async () => {
    const [one, two] = stack.servers;
    const session = await widgetSession(one.url);
    const shopper = await connectWidget(one.url, session.visitorToken);
    const { token } = await login(two.url, stack.agent.email, stack.agent.password);
    const agent = await connectAgent(two.url, token);
    sockets.push(shopper, agent);
    await callOk(agent, 'presence:set', { presence: 'online' });

    const seenByAgent = nextAgentMessage(agent, (m) => m.text === 'Hello from server one');
    const assigned = nextEvent<ConversationSummary>(agent, 'conversation:assigned');
    const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'x-1', text: 'Hello from server one' });
    expect((await seenByAgent).conversationId).toBe(sent.conversationId);

    await callOk(shopper, 'handoff:request', { conversationId: sent.conversationId });
    expect((await assigned).id).toBe(sent.conversationId);
    const seenByShopper = nextEvent<ChatMessage>(shopper, 'message:new', (m) => m.author.type === 'agent');
    await callOk(agent, 'message:send', { conversationId: sent.conversationId, clientId: 'y-1', text: 'Answer from server two' });
    expect((await seenByShopper).text).toBe('Answer from server two');

    // Typing crosses servers too.
    await callOk(agent, 'conversation:join', { conversationId: sent.conversationId });
    const typing = nextEvent<{ author: string; typing: boolean }>(agent, 'typing', (p) => p.author === 'customer');
    shopper.emit('typing', { conversationId: sent.conversationId, typing: true });
    expect((await typing).typing).toBe(true);
    await callOk(agent, 'presence:set', { presence: 'offline' });
  });

  it('assigns 20 queued chats across 4 agents without double assignment or over-capacity', async () => {
    const sql = stack.env.sql;
    const capacity = 3;
    const passwordHash = await hashPassword('cluster-agent-pw');
    const agents: { id: number; email: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const [row] = await sql<{ id: number }[]>`
        insert into users (email, name, role, password_hash, capacity) values (${`cluster${i}@demo.shop`}, ${`Cluster Agent ${i}`}, 'agent', ${passwordHash}, ${capacity}) returning id`;
      agents.push({ id: row.id, email: `cluster${i}@demo.shop` });
    }

    // 20 shoppers, half on each server, each with a conversation handed off to the queue.
    const shoppers: { socket: WidgetClient; conversationId: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const server = stack.servers[i % 2];
      const session = await widgetSession(server.url);
      const socket = await connectWidget(server.url, session.visitorToken);
      sockets.push(socket);
      const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `q-${i}`, text: `question ${i}` });
      shoppers.push({ socket, conversationId: sent.conversationId });
    }

    // Agents connect, two per server, and everything happens at once: hand-offs on both servers and agents going online.
    const agentSockets: AgentClient[] = [];
    const assignedTo = new Map<number, number[]>();
    for (const [i, a] of agents.entries()) {
      const server = stack.servers[i % 2];
      const { token } = await login(server.url, a.email, 'cluster-agent-pw');
      const socket = await connectAgent(server.url, token);
      sockets.push(socket);
      agentSockets.push(socket);
      socket.on('conversation:assigned', (c: ConversationSummary) => assignedTo.set(c.id, [...(assignedTo.get(c.id) ?? []), a.id]));
    }
    await Promise.all([
      ...shoppers.map((s) => callOk(s.socket, 'handoff:request', { conversationId: s.conversationId })),
      ...agentSockets.map((s) => callOk(s, 'presence:set', { presence: 'online' })),
    ]);
    // Both servers run assignment passes concurrently as well.
    await Promise.all(stack.servers.flatMap((s) => [s.handle.ctx.chat.assignPending(), s.handle.ctx.chat.assignPending()]));

    const ids = shoppers.map((s) => s.conversationId);
    const rows = await eventually(async () => {
      const r = await sql<{ id: number; status: string; assignee_id: number | null }[]>`select id, status, assignee_id from conversations where id in ${sql(ids)}`;
      return r.filter((c) => c.status === 'assigned').length === agents.length * capacity ? r : null;
    }, 15_000, 'all seats filled');

    const perAgent = new Map<number, number>();
    for (const row of rows.filter((r) => r.status === 'assigned')) perAgent.set(row.assignee_id!, (perAgent.get(row.assignee_id!) ?? 0) + 1);
    expect([...perAgent.keys()].sort()).toEqual(agents.map((a) => a.id).sort());
    for (const count of perAgent.values()) expect(count).toBeLessThanOrEqual(capacity);
    expect(rows.filter((r) => r.status === 'queued')).toHaveLength(20 - agents.length * capacity);

    // No chat was handed out twice: one "joined" notice per assigned chat, one assignment event per chat.
    const joins = await sql<{ conversation_id: number; n: number }[]>`
      select conversation_id, count(*)::int as n from messages
      where conversation_id in ${sql(ids)} and metadata->>'event' = 'agent_joined' group by conversation_id`;
    expect(joins).toHaveLength(agents.length * capacity);
    expect(joins.every((j) => j.n === 1)).toBe(true);
    await eventually(async () => assignedTo.size === agents.length * capacity, 5_000, 'assignment events');
    expect([...assignedTo.values()].every((owners) => owners.length === 1)).toBe(true);

    // Freeing a seat assigns the longest-waiting queued chat, once.
    const firstAssigned = rows.find((r) => r.status === 'assigned')!;
    const holder = agentSockets[agents.findIndex((a) => a.id === firstAssigned.assignee_id)];
    await callOk(holder, 'conversation:resolve', { conversationId: firstAssigned.id });
    await eventually(async () => {
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from conversations where id in ${sql(ids)} and status = 'assigned'`;
      return n === agents.length * capacity;
    }, 10_000, 'freed seat refilled');
    const [{ n: stillQueued }] = await sql<{ n: number }[]>`select count(*)::int as n from conversations where id in ${sql(ids)} and status = 'queued'`;
    expect(stillQueued).toBe(20 - agents.length * capacity - 1);
  });

  it("marks offline an agent left 'online' by a crashed server, and keeps those whose console is open on either server", async () => {
    const sql = stack.env.sql;
    const [ghost] = await sql<{ id: number }[]>`
      insert into users (email, name, role, password_hash, presence) values ('ghost@demo.shop', 'Ghost Agent', 'agent', ${await hashPassword('ghost-pw')}, 'online') returning id`;
    await sql`insert into users (email, name, role, password_hash) values ('here@demo.shop', 'Here Agent', 'agent', ${await hashPassword('here-pw')})`;
    const here = await connectAgent(stack.servers[1].url, (await login(stack.servers[1].url, 'here@demo.shop', 'here-pw')).token);
    sockets.push(here);
    await callOk(here, 'presence:set', { presence: 'away' });
    const told = nextEvent<{ agentId: number; presence: string }>(here, 'presence:updated', (p) => p.agentId === ghost.id);

    // Asked on server one: the console on server two counts, the ghost has none anywhere.
    expect(await stack.servers[0].handle.reconcilePresence()).toBeGreaterThanOrEqual(1);
    expect(await told).toEqual({ agentId: ghost.id, presence: 'offline' });
    const presence = await sql<{ email: string; presence: string }[]>`select email, presence from users where email in ('ghost@demo.shop', 'here@demo.shop') order by email`;
    expect(presence).toEqual([{ email: 'ghost@demo.shop', presence: 'offline' }, { email: 'here@demo.shop', presence: 'away' }]);
  });
  it('shows the agent where the shopper is now (page and online) across servers, and what they last saw once gone', async () => {
    const [one, two] = stack.servers;
    const session = await widgetSession(one.url);
    const firstTab = await connectWidget(one.url, session.visitorToken);
    const secondTab = await connectWidget(two.url, session.visitorToken);
    const { token } = await login(two.url, stack.agent.email, stack.agent.password);
    const agent = await connectAgent(two.url, token);
    sockets.push(firstTab, secondTab, agent);
    const sent = await callOk<{ conversationId: number }>(firstTab, 'message:send', { clientId: 'where-1', text: 'Do you have this in blue?' });

    const joined = await callOk<{ shopper: ShopperActivity }>(agent, 'conversation:join', { conversationId: sent.conversationId });
    expect(joined.shopper).toEqual({ customerId: session.customerId, online: true, page: null, at: null });

    // The shop page arrives live, cleaned as a message's page is (no query, fragment or credentials).
    const moved = nextEvent<ShopperActivity>(agent, 'shopper:activity', (a) => a.page?.title === 'Harbor Tote');
    firstTab.emit('page:view', { url: 'https://pat:pw@shop.example/products/tote?token=abc#reviews', title: '  Harbor  Tote ' });
    const activity = await moved;
    expect(activity).toMatchObject({ customerId: session.customerId, online: true, page: { url: 'https://shop.example/products/tote', title: 'Harbor Tote' } });
    expect(Date.parse(activity.at!)).toBeGreaterThan(Date.now() - 60_000);

    // What is not a web page is refused, and changes nothing.
    const refused = nextEvent<{ event: string; error: { code: string } }>(firstTab, 'request:error');
    (firstTab as unknown as { emit(event: string, payload: unknown): void }).emit('page:view', { url: 'javascript:alert(1)' });
    expect(await refused).toMatchObject({ event: 'page:view', error: { code: 'validation' } });

    // One tab closing leaves the shopper on the shop while the other (on the other server) is open.
    firstTab.close();
    await eventually(async () => {
      const again = await callOk<{ shopper: ShopperActivity }>(agent, 'conversation:join', { conversationId: sent.conversationId });
      return again.shopper.online && again.shopper.page?.title === 'Harbor Tote';
    }, 10_000, 'the shopper still online with one tab open');

    // The last tab closing tells the agent, with the page they were last on.
    const left = nextEvent<ShopperActivity>(agent, 'shopper:activity', (a) => !a.online);
    secondTab.close();
    expect(await left).toMatchObject({ customerId: session.customerId, online: false, page: { url: 'https://shop.example/products/tote' } });
    const later = await callOk<{ shopper: ShopperActivity }>(agent, 'conversation:join', { conversationId: sent.conversationId });
    expect(later.shopper).toMatchObject({ online: false, page: { title: 'Harbor Tote' }, at: activity.at });

    // Deleting the customer deletes where they were too.
    const admin = await login(one.url, stack.admin.email, stack.admin.password);
    const deleted = await fetch(`${one.url}/api/admin/customers/${session.customerId}`, { method: 'DELETE', headers: { cookie: admin.cookie } });
    expect(deleted.status).toBe(200);
    const afterDeletion = await callOk<{ shopper: ShopperActivity }>(agent, 'conversation:join', { conversationId: sent.conversationId });
    expect(afterDeletion.shopper).toEqual({ customerId: session.customerId, online: false, page: null, at: null });
  });
  it('tells agents who else has a conversation open, on either server, as they come and go', async () => {
    const [one, two] = stack.servers;
    const session = await widgetSession(one.url);
    const shopper = await connectWidget(one.url, session.visitorToken);
    const agentLogin = await login(one.url, stack.agent.email, stack.agent.password);
    const adminLogin = await login(two.url, stack.admin.email, stack.admin.password);
    const agent = await connectAgent(one.url, agentLogin.token);
    const admin = await connectAgent(two.url, adminLogin.token);
    sockets.push(shopper, agent, admin);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'viewers-1', text: 'Is anyone looking at this?' });
    type Viewers = { conversationId: number; agents: { id: number; name: string }[] };
    const ids = (event: Viewers) => event.agents.map((a) => a.id).sort();
    const mine = (socket: AgentClient, count: number) => nextEvent<Viewers>(socket, 'conversation:viewers', (e) => e.conversationId === conversationId && e.agents.length === count);

    const alone = mine(agent, 1);
    await callOk(agent, 'conversation:join', { conversationId });
    expect(ids(await alone)).toEqual([agentLogin.user.id]);

    const bothSeenByAgent = mine(agent, 2);
    const bothSeenByAdmin = mine(admin, 2);
    await callOk(admin, 'conversation:join', { conversationId });
    const both = [agentLogin.user.id, adminLogin.user.id].sort();
    expect(ids(await bothSeenByAgent)).toEqual(both);
    expect(ids(await bothSeenByAdmin)).toEqual(both);

    const adminGone = mine(agent, 1);
    admin.emit('conversation:leave', { conversationId });
    expect(ids(await adminGone)).toEqual([agentLogin.user.id]);

    // Closing the console (not leaving politely) counts too.
    const rejoined = mine(admin, 2);
    await callOk(admin, 'conversation:join', { conversationId });
    await rejoined;
    const agentGone = mine(admin, 1);
    agent.close();
    expect(ids(await agentGone)).toEqual([adminLogin.user.id]);
  });
});
