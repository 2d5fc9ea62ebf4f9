// Automatic Away: an Online agent without activity for the team setting's minutes is set Away by the server (every
// tab and every other console are told), activity in any one tab keeps them Online, a manual Away stays as it is,
// 0 turns it off, and an agent set Away gets no new chats. One "minute" of the setting is one second here
// (AUTO_AWAY_UNIT_SECONDS, tests only), and the sweeps run on their timers on both servers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectWidget, eventually, type AgentClient } from '../support/sockets.ts';
import { hashPassword } from '../../server/services/auth-service.ts';
import { createAutoAway } from '../../server/services/auto-away.ts';
import type { Presence } from '../../server/realtime/event-maps.ts';

type Update = { agentId: number; presence: Presence; autoAwayMinutes?: number };

let stack: TestStack;
let admin: { cookie: string };
const open: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startStack({ servers: 2, config: { autoAwayUnitSeconds: 1, rateLimitLoginsPerMinute: 200 }, server: { backgroundTimers: true } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
}, 60_000);
afterEach(() => void open.splice(0).forEach((s) => s.close()));
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

const setAwayAfter = async (minutes: number) => {
  const answer = await httpAs(stack.url, 'PUT', '/api/admin/team-settings', admin, { awayAfterMinutes: minutes });
  expect(answer.status).toBe(200);
};

let agents = 0;
async function newAgent(): Promise<{ token: string; id: number; email: string }> {
  const email = `away-${++agents}@demo.shop`;
  await stack.env.sql`insert into users (email, name, role, password_hash) values (${email}, ${`Away ${agents}`}, 'agent', ${await hashPassword('away-pw-12345')})`;
  const { token, user } = await login(stack.url, email, 'away-pw-12345');
  return { token, id: user.id, email };
}

/** A console tab on server `server`: listens before it connects, so the presence sent on connection is kept. */
function consoleTab(token: string, server = 0): Promise<{ socket: AgentClient; updates: Update[] }> {
  const socket = io(`${stack.servers[server].url}/agent`, { auth: { token, restorePresence: true }, transports: ['websocket'], reconnection: false, forceNew: true }) as unknown as AgentClient;
  open.push(socket);
  const updates: Update[] = [];
  socket.on('presence:updated', (u) => void updates.push(u));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, updates }));
    socket.once('connect_error', reject);
  });
}

const row = async (id: number) => (await stack.env.sql<{ presence: Presence; presence_choice: Presence; auto_away_minutes: number | null }[]>`
  select presence, presence_choice, auto_away_minutes from users where id = ${id}`)[0];
/** The agent as the admin's team page lists them. */
const teamRow = async (agentId: number) =>
  ((await httpAs(stack.url, 'GET', '/api/admin/team', admin)).json.items as { id: number; presence: string; autoAway: boolean }[]).find((m) => m.id === agentId);
const sawAutoAway = (tab: { updates: Update[] }, agentId: number) => tab.updates.some((u) => u.agentId === agentId && u.presence === 'away' && u.autoAwayMinutes !== undefined);
const lastFor = (tab: { updates: Update[] }, agentId: number) => tab.updates.filter((u) => u.agentId === agentId).at(-1);
const awayAutomatically = (id: number) => eventually(async () => (await row(id)).auto_away_minutes !== null, 20_000, `agent ${id} set Away automatically`);

describe('the setting', () => {
  it('is 15 minutes until an admin changes it; out-of-range values are refused with a sentence, and only admins may change it', async () => {
    expect((await httpAs(stack.url, 'GET', '/api/admin/team-settings', admin)).json).toEqual({ awayAfterMinutes: 15, firstReplyTargetMinutes: 5 });
    for (const bad of [241, -1, 1.5, '15', null]) {
      const answer = await httpAs(stack.url, 'PUT', '/api/admin/team-settings', admin, { awayAfterMinutes: bad });
      expect(answer.status, String(bad)).toBe(400);
      expect(answer.json.error).toEqual({
        code: 'validation', message: 'awayAfterMinutes: a whole number of minutes from 1 to 240, or 0 to never set agents Away automatically.', reason: 'minutes_out_of_range', params: { n: '240' },
      });
    }
    expect((await httpAs(stack.url, 'PUT', '/api/admin/team-settings', admin, {})).status).toBe(400);
    expect((await httpAs(stack.url, 'PUT', '/api/admin/team-settings', admin, { awayAfterMinutes: 5, extra: 1 })).status).toBe(400);
    const agent = await login(stack.url, stack.agent.email, stack.agent.password);
    expect((await httpAs(stack.url, 'PUT', '/api/admin/team-settings', agent, { awayAfterMinutes: 5 })).status).toBe(403);
    expect((await httpAs(stack.url, 'GET', '/api/admin/team-settings', admin)).json).toEqual({ awayAfterMinutes: 15, firstReplyTargetMinutes: 5 });
    for (const good of [240, 0, 1]) {
      const answer = await httpAs(stack.url, 'PUT', '/api/admin/team-settings', admin, { awayAfterMinutes: good });
      expect(answer.json).toEqual({ awayAfterMinutes: good, firstReplyTargetMinutes: 5 }); // the setting not named is kept
    }
  });
});

describe('automatic Away', () => {
  it('sets an idle Online agent Away on every tab (on both servers) and on other consoles; a new tab keeps it; "I\'m back" ends it', async () => {
    // Every console open before the setting is short, however slowly they connect on a loaded machine.
    await setAwayAfter(240);
    const agent = await newAgent();
    const observer = await newAgent();
    const tabA = await consoleTab(agent.token, 0);
    const tabB = await consoleTab(agent.token, 1);
    const colleague = await consoleTab(observer.token, 1);
    expect(tabA.updates[0]).toEqual({ agentId: agent.id, presence: 'online' });
    await setAwayAfter(2);

    await eventually(async () => sawAutoAway(tabA, agent.id) && sawAutoAway(tabB, agent.id) && sawAutoAway(colleague, agent.id), 20_000, 'every console told');
    expect(lastFor(tabB, agent.id)).toEqual({ agentId: agent.id, presence: 'away', autoAwayMinutes: 2 });
    expect(lastFor(colleague, agent.id)).toEqual({ agentId: agent.id, presence: 'away', autoAwayMinutes: 2 });
    // Held as the agent's presence and stored choice: a reload or a new tab shows Away, still as automatic (the banner).
    expect(await row(agent.id)).toEqual({ presence: 'away', presence_choice: 'away', auto_away_minutes: 2 });
    const tabC = await consoleTab(agent.token, 0);
    expect(tabC.updates[0]).toEqual({ agentId: agent.id, presence: 'away', autoAwayMinutes: 2 });
    // The team page marks it as automatic.
    expect(await teamRow(agent.id)).toMatchObject({ presence: 'away', autoAway: true });

    // Activity does not bring them back (only the agent's choice does)...
    await callOk(tabA.socket, 'presence:activity', {});
    expect((await row(agent.id)).presence).toBe('away');
    // ... "I'm back" does, for every tab, and it is no longer automatic.
    await setAwayAfter(240); // so the agent is not set Away again while the test looks
    await callOk(tabC.socket, 'presence:set', { presence: 'online' });
    await eventually(async () => [tabA, tabB, colleague].every((tab) => lastFor(tab, agent.id)?.presence === 'online'), 10_000, 'every console told the agent is back');
    expect(lastFor(tabB, agent.id)).toEqual({ agentId: agent.id, presence: 'online' });
    expect(await row(agent.id)).toEqual({ presence: 'online', presence_choice: 'online', auto_away_minutes: null });
    expect(await teamRow(agent.id)).toMatchObject({ presence: 'online', autoAway: false });
    // Both servers sweep; each agent is set Away (and announced) once.
    expect(tabB.updates.filter((u) => u.agentId === agent.id && u.autoAwayMinutes !== undefined)).toHaveLength(1);
  });

  it('keeps an automatic Away (and its banner) when the agent comes back after closing every tab; a fresh sign-in starts Online', async () => {
    await setAwayAfter(1);
    const agent = await newAgent();
    const first = await consoleTab(agent.token, 0);
    await awayAutomatically(agent.id);
    first.socket.close();
    await eventually(async () => (await row(agent.id)).presence === 'offline', 10_000, 'the agent offline');
    const reload = await consoleTab(agent.token, 1);
    await eventually(async () => reload.updates[0], 5_000, 'the presence sent on connection');
    expect(reload.updates[0]).toEqual({ agentId: agent.id, presence: 'away', autoAwayMinutes: 1 });
    reload.socket.close();
    await eventually(async () => (await row(agent.id)).presence === 'offline', 10_000, 'the agent offline again');

    const signedInAgain = await login(stack.url, agent.email, 'away-pw-12345');
    const next = await consoleTab(signedInAgain.token, 0);
    await eventually(async () => next.updates[0], 5_000, 'the presence sent on connection');
    expect(next.updates[0]).toEqual({ agentId: agent.id, presence: 'online' });
  });

  it('activity in one of two tabs keeps the agent Online while an idle colleague is set Away; without it they go Away too', async () => {
    await setAwayAfter(240);
    const busy = await newAgent();
    const tabA = await consoleTab(busy.token, 0);
    const tabB = await consoleTab(busy.token, 1); // open, never used
    // Connected after the busy agent: once they are Away, the busy agent's own idle time has run out too.
    const idle = await newAgent();
    await consoleTab(idle.token, 1);

    let reporting = true;
    const reports = (async () => {
      while (reporting) {
        await callOk(tabA.socket, 'presence:activity', {});
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    try {
      await setAwayAfter(5);
      await awayAutomatically(idle.id);
      expect((await row(busy.id)).presence).toBe('online');
      expect(sawAutoAway(tabB, busy.id)).toBe(false);
    } finally {
      reporting = false;
      await reports;
    }
    await awayAutomatically(busy.id);
    await eventually(async () => sawAutoAway(tabB, busy.id), 10_000, 'the idle tab told');
  });

  it('an action that reaches the server (a message) counts as activity', async () => {
    await setAwayAfter(240);
    const agent = await newAgent();
    const tab = await consoleTab(agent.token, 0);
    const idle = await newAgent();
    await consoleTab(idle.token, 0);
    const session = await widgetSession(stack.url);
    const shopper = await connectWidget(stack.url, session.visitorToken);
    open.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'act-1', text: 'hello' });
    let writing = true;
    let n = 0;
    const notes = (async () => {
      while (writing) {
        await callOk(tab.socket, 'message:send', { conversationId, clientId: `act-note-${++n}`, text: 'checking', private: true });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    try {
      await setAwayAfter(5);
      await awayAutomatically(idle.id);
      expect((await row(agent.id)).presence).toBe('online');
    } finally {
      writing = false;
      await notes;
    }
  });

  it('leaves a manual Away as it is (not automatic, not brought back by activity)', async () => {
    await setAwayAfter(240);
    const agent = await newAgent();
    const tab = await consoleTab(agent.token, 0);
    await callOk(tab.socket, 'presence:set', { presence: 'away' });
    const idle = await newAgent(); // connects later: once it is Away, the sweep has run past the agent's idle time
    await consoleTab(idle.token, 0);
    await setAwayAfter(1);
    await awayAutomatically(idle.id);
    expect(await row(agent.id)).toEqual({ presence: 'away', presence_choice: 'away', auto_away_minutes: null });
    expect(sawAutoAway(tab, agent.id)).toBe(false);
    expect(await teamRow(agent.id)).toMatchObject({ presence: 'away', autoAway: false }); // chosen, not automatic
    await callOk(tab.socket, 'presence:activity', {});
    expect((await row(agent.id)).presence).toBe('away');
  });

  it('does nothing with the setting 0', async () => {
    await setAwayAfter(0);
    const agent = await newAgent();
    await consoleTab(agent.token, 0);
    await stack.env.sql`update users set last_active_at = now() - interval '1 day' where id = ${agent.id}`;
    // The sweep each server runs on its timer, run here to see its answer.
    const autoAway = createAutoAway({ config: stack.env.config, sql: stack.env.sql, realtime: stack.servers[0].handle.ctx.realtime });
    expect(await autoAway.sweep()).toEqual([]);
    expect((await row(agent.id)).presence).toBe('online');
    // The same agent with the setting on: Away (so it was the 0 that kept them Online).
    await setAwayAfter(1);
    await awayAutomatically(agent.id);
  });

  it('gives a chat handed off while the agent is Away automatically to nobody until they are back', async () => {
    await setAwayAfter(1);
    const agent = await newAgent();
    const tab = await consoleTab(agent.token, 0);
    await awayAutomatically(agent.id);
    await stack.env.sql`update users set presence = 'offline' where id <> ${agent.id}`; // nobody else can take it
    const session = await widgetSession(stack.url);
    const shopper = await connectWidget(stack.url, session.visitorToken);
    open.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'away-handoff-1', text: 'a person please' });
    await callOk(shopper, 'handoff:request', { conversationId });
    await stack.servers[0].handle.ctx.chat.assignPending();
    const chat = async () => (await stack.env.sql<{ status: string; assignee_id: number | null }[]>`select status, assignee_id from conversations where id = ${conversationId}`)[0];
    expect(await chat()).toEqual({ status: 'queued', assignee_id: null });
    // "I'm back": the waiting chat is theirs (so only the Away kept it from them).
    await setAwayAfter(240);
    await callOk(tab.socket, 'presence:set', { presence: 'online' });
    expect(await chat()).toEqual({ status: 'assigned', assignee_id: agent.id });
  });

  it('refuses a malformed activity report', async () => {
    const agent = await newAgent();
    const tab = await consoleTab(agent.token, 0);
    const answer = await call(tab.socket, 'presence:activity', { at: Date.now() });
    expect(answer).toMatchObject({ ok: false, error: { code: 'validation' } });
  });
});
