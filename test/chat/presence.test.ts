// One presence per agent, held by the server: a console that connects adopts it (or, with no console open,
// restores what the agent last chose) and every console follows changes live. A session the server cannot
// check for the moment is refused as retryable, never as signed out. And the inbox preview shows what was said.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { holdTableLock } from '../support/databases.ts';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, eventually, nextEvent, type AgentClient } from '../support/sockets.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import type { Presence } from '../../server/realtime/event-maps.ts';

let stack: TestStack;
const open: { close(): void }[] = [];

beforeAll(async () => {
  // A short lock timeout makes a held lock a quick, real failure of the session check.
  stack = await startStack({ config: { dbLockTimeoutMs: 300 } });
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

/** A console tab: listens before it connects, so the presence the server sends on connection is not missed. */
function consoleTab(token: string, userId: number): Promise<{ socket: AgentClient; presences: Presence[] }> {
  const socket = io(`${stack.url}/agent`, { auth: { token, restorePresence: true }, transports: ['websocket'], reconnection: false, forceNew: true }) as unknown as AgentClient;
  open.push(socket);
  const presences: Presence[] = [];
  socket.on('presence:updated', (p) => void (p.agentId === userId && presences.push(p.presence)));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, presences }));
    socket.once('connect_error', reject);
  });
}

/** The handshake's refusal (its data), or null when it connected. */
function handshakeRefusal(token: string): Promise<{ message: string; data?: { code?: string; retryable?: boolean } } | null> {
  const socket = io(`${stack.url}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    socket.once('connect', () => { socket.close(); resolve(null); });
    socket.once('connect_error', (error: Error & { data?: { code?: string; retryable?: boolean } }) => { socket.close(); resolve({ message: error.message, data: error.data }); });
  });
}

async function newAgent(email: string, role: 'agent' | 'admin' = 'agent'): Promise<{ token: string; id: number }> {
  await stack.env.sql`insert into users (email, name, role, password_hash) values (${email}, ${email.split('@')[0]}, ${role}, ${await hashPassword('presence-pw-123')})`;
  const { token, user } = await login(stack.url, email, 'presence-pw-123');
  return { token, id: user.id };
}

const stored = async (id: number) => (await stack.env.sql<{ presence: Presence }[]>`select presence from users where id = ${id}`)[0].presence;
const firstPresence = (tab: { presences: Presence[] }) => eventually(async () => tab.presences[0], 5_000, 'the presence sent on connection');

describe('presence across consoles', () => {
  it('a new tab adopts the presence the agent chose, every tab follows changes, and a reconnect restores the choice', async () => {
    const agent = await newAgent('tabs-presence@demo.shop');
    const tabA = await consoleTab(agent.token, agent.id);
    expect(await firstPresence(tabA)).toBe('online'); // a fresh sign-in starts online
    await callOk(tabA.socket, 'presence:set', { presence: 'away' });

    // A second tab (the reviewer opened /console/customers) adopts Away; it does not reset it to Online.
    const tabB = await consoleTab(agent.token, agent.id);
    expect(await firstPresence(tabB)).toBe('away');
    expect(await stored(agent.id)).toBe('away');

    // A change in one tab reaches the other live.
    const followed = nextEvent(tabA.socket, 'presence:updated', (p: { agentId: number; presence: Presence }) => p.agentId === agent.id && p.presence === 'online');
    await callOk(tabB.socket, 'presence:set', { presence: 'online' });
    await followed;
    await callOk(tabA.socket, 'presence:set', { presence: 'away' });

    // Every console closed: offline for routing. The next console (a reload, the same session) restores Away.
    tabA.socket.close();
    tabB.socket.close();
    await eventually(async () => (await stored(agent.id)) === 'offline', 5_000, 'the agent offline');
    const tabC = await consoleTab(agent.token, agent.id);
    expect(await firstPresence(tabC)).toBe('away');
    expect(await stored(agent.id)).toBe('away');
    tabC.socket.close();
    await eventually(async () => (await stored(agent.id)) === 'offline', 5_000, 'the agent offline again');

    // A fresh sign-in with no console open starts the shift online.
    const again = await login(stack.url, 'tabs-presence@demo.shop', 'presence-pw-123');
    const tabD = await consoleTab(again.token, agent.id);
    expect(await firstPresence(tabD)).toBe('online');
    expect(await stored(agent.id)).toBe('online');
    tabD.socket.close();
  });

  it("an admin's sign-in restores the presence they last chose instead of starting Online", async () => {
    const admin = await newAgent('admin-presence@demo.shop', 'admin');
    const tab = await consoleTab(admin.token, admin.id);
    expect(await firstPresence(tab)).toBe('online'); // nothing chosen yet: online, as for an agent
    await callOk(tab.socket, 'presence:set', { presence: 'away' });
    tab.socket.close();
    await eventually(async () => (await stored(admin.id)) === 'offline', 5_000, 'the admin offline');

    const again = await login(stack.url, 'admin-presence@demo.shop', 'presence-pw-123');
    const next = await consoleTab(again.token, admin.id);
    expect(await firstPresence(next)).toBe('away');
    expect(await stored(admin.id)).toBe('away');
    next.socket.close();
  });

  it('a console coming back online takes the waiting chats', async () => {
    const agent = await newAgent('returning@demo.shop');
    const tab = await consoleTab(agent.token, agent.id);
    await firstPresence(tab);
    tab.socket.close();
    await eventually(async () => (await stored(agent.id)) === 'offline', 5_000, 'the agent offline');
    // Nobody else online: the chat waits in the queue.
    await stack.env.sql`update users set presence = 'offline' where id <> ${agent.id}`;
    const session = await widgetSession(stack.url);
    const shopper = await connectWidget(stack.url, session.visitorToken);
    open.push(shopper);
    const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'ret-1', text: 'hello, anyone?' });
    await callOk(shopper, 'handoff:request', { conversationId: sent.conversationId });
    const back = await consoleTab(agent.token, agent.id);
    await eventually(async () => {
      const [row] = await stack.env.sql<{ assignee_id: number | null }[]>`select assignee_id from conversations where id = ${sent.conversationId}`;
      return row.assignee_id === agent.id;
    }, 5_000, 'the queued chat assigned to the agent who came back');
    back.socket.close();
  });
});

describe('a session that cannot be checked now', () => {
  it('is refused as retryable (not signed out) while Postgres cannot answer, and accepted once it can', async () => {
    const agent = await newAgent('locked-out@demo.shop');
    // Another transaction holds user_sessions (as a migration or a long admin job might): the session check
    // fails after the server's lock timeout with a real Postgres error (55P03 lock_not_available).
    const unlockSessions = await holdTableLock(stack.env.sql, 'user_sessions');
    try {
      const refusal = await handshakeRefusal(agent.token);
      expect(refusal?.data).toEqual({ code: 'unavailable', retryable: true });
    } finally {
      await unlockSessions();
    }
    expect(await handshakeRefusal(agent.token)).toBeNull();
    // A session that is not valid is still a sign-out.
    expect((await handshakeRefusal('not-a-session-token'))?.data?.code).toBe('unauthorized');
  });
});

describe('inbox preview', () => {
  it('shows the last thing the shopper, an agent or the bot said, not a system line or a private note', async () => {
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const agentTab = await consoleTab(admin.token, admin.user.id);
    const session = await widgetSession(stack.url);
    const shopper = await connectWidget(stack.url, session.visitorToken);
    open.push(shopper);
    const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'pv-1', text: 'Where is my parcel?' });
    const id = sent.conversationId;
    await callOk(shopper, 'handoff:request', { conversationId: id });
    await callOk(agentTab.socket, 'conversation:accept', { conversationId: id }).catch(() => undefined); // may already be assigned
    await callOk(agentTab.socket, 'message:send', { conversationId: id, clientId: 'pv-note', text: 'internal: check the courier', private: true });
    const preview = async () => {
      const list = await httpAs(stack.url, 'GET', `/api/conversations?customerId=${session.customerId}`, { cookie: admin.cookie });
      return list.json.items.find((i: { conversation: { id: number } }) => i.conversation.id === id).lastMessage;
    };
    const [joined] = await stack.env.sql`select id from messages where conversation_id = ${id} and author_type = 'system' order by id desc limit 1`;
    expect(joined).toBeDefined(); // "… joined the chat." is the newest public message
    const lastSaid = await stack.env.sql<{ body: string; author_type: string }[]>`
      select body, author_type from messages where conversation_id = ${id} and not private and author_type <> 'system' order by id desc limit 1`;
    expect(await preview()).toMatchObject({ text: lastSaid[0].body, authorType: lastSaid[0].author_type });

    // A chat with only system lines falls back to its last one.
    const [bare] = await stack.env.sql<{ id: number }[]>`insert into conversations (customer_id) values (${session.customerId}) returning id`;
    await stack.env.sql`insert into messages (conversation_id, author_type, body) values (${bare.id}, 'system', 'Chat started.')`;
    const list = await httpAs(stack.url, 'GET', `/api/conversations?customerId=${session.customerId}`, { cookie: admin.cookie });
    expect(list.json.items.find((i: { conversation: { id: number } }) => i.conversation.id === bare.id).lastMessage).toMatchObject({ text: 'Chat started.', authorType: 'system' });
    agentTab.socket.close();
  });
});

describe('an assigned chat nobody answers', () => {
  it('goes to another available agent after ASSIGNED_NO_REPLY_MINUTES, with a line to the shopper; not when the agent replied or nobody else is free', async () => {
    const chat = stack.servers[0].handle.ctx.chat;
    const idle = await newAgent('walked-away@demo.shop');
    const standIn = await newAgent('stand-in@demo.shop');
    const idleTab = await consoleTab(idle.token, idle.id);
    const standInTab = await consoleTab(standIn.token, standIn.id);
    await callOk(standInTab.socket, 'presence:set', { presence: 'away' });
    await stack.env.sql`update users set presence = 'offline' where id not in (${idle.id}, ${standIn.id})`;

    const handedOff = async (label: string) => {
      const session = await widgetSession(stack.url);
      const shopper = await connectWidget(stack.url, session.visitorToken);
      open.push(shopper);
      const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `${label}-1`, text: `question ${label}` });
      await callOk(shopper, 'handoff:request', { conversationId: sent.conversationId });
      return sent.conversationId;
    };
    const holder = async (id: number) => (await stack.env.sql<{ assignee_id: number | null; status: string }[]>`select assignee_id, status from conversations where id = ${id}`)[0];
    const waitedMinutes = (id: number, minutes: number) => stack.env.sql`update conversations set assigned_at = now() - make_interval(mins => ${minutes}) where id = ${id}`;

    const waiting = await handedOff('nr-a');
    await eventually(async () => (await holder(waiting)).assignee_id === idle.id, 5_000, 'the chat assigned to the idle agent');
    // Nobody else is free: taking it back would only leave it in the queue.
    await waitedMinutes(waiting, 11);
    expect(await chat.releaseUnansweredChats(10)).toBe(0);

    await callOk(standInTab.socket, 'presence:set', { presence: 'online' });
    await waitedMinutes(waiting, 9);
    expect(await chat.releaseUnansweredChats(10)).toBe(0); // not yet
    await waitedMinutes(waiting, 11);
    // By load and turn the idle agent would come first (no chats once this one is taken back, not assigned lately).
    await stack.env.sql`update users set last_assigned_at = case when id = ${idle.id} then null else now() end where id in (${idle.id}, ${standIn.id})`;
    const updated = nextEvent(idleTab.socket, 'conversation:updated', (c: { id: number; assignee: { id: number } | null }) => c.id === waiting && c.assignee?.id === standIn.id);
    expect(await chat.releaseUnansweredChats(10)).toBe(1);
    expect(await holder(waiting)).toEqual({ assignee_id: standIn.id, status: 'assigned' }); // someone else, not the same agent
    await updated;
    const [line] = await stack.env.sql`select body, metadata from messages where conversation_id = ${waiting} and metadata->>'event' = 'agent_no_reply'`;
    expect(line.body).toBe("walked-away could not reply in time. We're finding someone else to help you.");
    expect(line.metadata).toMatchObject({ agentId: idle.id, minutes: 10 });

    // A chat its agent answered is theirs however long the shopper takes.
    await callOk(standInTab.socket, 'presence:set', { presence: 'away' });
    const answered = await handedOff('nr-b');
    await eventually(async () => (await holder(answered)).assignee_id === idle.id, 5_000, 'the second chat assigned');
    await callOk(idleTab.socket, 'message:send', { conversationId: answered, clientId: 'nr-b-reply', text: 'Looking into it' });
    await callOk(standInTab.socket, 'presence:set', { presence: 'online' });
    await waitedMinutes(answered, 30);
    expect(await chat.releaseUnansweredChats(10)).toBe(0);
    expect((await holder(answered)).assignee_id).toBe(idle.id);
    idleTab.socket.close();
    standInTab.socket.close();
  });
});

describe('a session check that hangs', () => {
  it('is refused as retryable after 5 s instead of leaving the console waiting', async () => {
    // Here a lock is waited for as long as a minute: without the handshake's own limit the console would wait too.
    const patient = await startStack({ config: { dbLockTimeoutMs: 60_000 } });
    try {
      const { token } = await login(patient.url, patient.agent.email, patient.agent.password);
      const unlockSessions = await holdTableLock(patient.env.sql, 'user_sessions');
      try {
        const started = Date.now();
        const refusal = await new Promise<{ data?: unknown }>((resolve) => {
          const socket = io(`${patient.url}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
          socket.once('connect', () => { socket.close(); resolve({}); });
          socket.once('connect_error', (error: Error & { data?: unknown }) => { socket.close(); resolve({ data: error.data }); });
        });
        expect(refusal.data).toEqual({ code: 'unavailable', retryable: true });
        expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
        expect(Date.now() - started).toBeLessThan(15_000);
      } finally {
        await unlockSessions();
      }
    } finally {
      await patient.close();
    }
  }, 60_000);
});
