// The Reports page's per-agent table (GET /api/admin/reports/agents and its CSV) on a real server and Postgres:
// exact figures over rows written here (transfers, a hold without a reply, notes, ratings, a chat outside the
// range, a deactivated agent), the same figures from chats run through the real chat loop, validation and roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, widgetSession, type TestStack } from '../support/server.ts';
import { connectAgent, connectWidget, callOk } from '../support/sockets.ts';
import { RANGE, expectedFigures, seedAgentReport } from './agent-report-fixture.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let agent: Awaited<ReturnType<typeof login>>;

const http = (method: string, path: string, auth: { cookie: string } | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
});
afterAll(async () => {
  await stack?.close();
});

describe('per-agent report', () => {
  it('gives each agent and the team exact figures for the range: last holder counts, reply time per hold', async () => {
    const fixture = await seedAgentReport(stack.env.sql, 'api');
    const r = await http('GET', `/api/admin/reports/agents?from=${RANGE.from}&to=${RANGE.to}`, admin);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ range: { ...RANGE, timeZone: 'UTC' }, ...expectedFigures(fixture) });
    // Cy's only chat is outside the range: not listed.
    expect(r.json.agents.map((a: { agentId: number }) => a.agentId)).not.toContain(fixture.cy.id);

    // The outside chat alone: Cy and Ann (her one reply there, no hold) are listed; Ann handled none.
    const outside = (await http('GET', '/api/admin/reports/agents?from=2019-04-05&to=2019-04-05', admin)).json;
    expect(outside.agents.map((a: { name: string; handled: number; messagesSent: number }) => [a.name, a.handled, a.messagesSent]))
      .toEqual([[fixture.cy.name, 1, 1], [fixture.ann.name, 0, 1]]);

    // No chats in the range: nobody listed, the team's times empty.
    const empty = (await http('GET', '/api/admin/reports/agents?from=2018-01-01&to=2018-01-31', admin)).json;
    expect(empty).toEqual({
      range: { from: '2018-01-01', to: '2018-01-31', timeZone: 'UTC' }, agents: [],
      team: { handled: 0, resolved: 0, firstReply: { count: 0, medianSeconds: null, p90Seconds: null }, firstReplyInTime: { count: 0, share: null }, resolution: { count: 0, medianSeconds: null, p90Seconds: null }, csat: { count: 0, average: null }, messagesSent: 0 },
    });

    // The CSV: one line per agent in the same order, then the team.
    const csv = await http('GET', `/api/admin/reports/agents.csv?from=${RANGE.from}&to=${RANGE.to}`, admin);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain(`agents-${RANGE.from}-to-${RANGE.to}.csv`);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toEqual([
      '"agent_id","agent","active","handled","resolved","first_reply_count","first_reply_median_seconds","first_reply_p90_seconds","first_reply_in_time","resolution_count","resolution_median_seconds","resolution_p90_seconds","csat_count","csat_average","messages_sent"',
      `"${fixture.ann.id}","${fixture.ann.name}","true","3","2","4","75","162","4","2","450","570","2","4.5","5"`,
      `"${fixture.bob.id}","${fixture.bob.name}","false","1","1","1","45","45","1","1","1800","1800","1","2","3"`,
      '"","Team","","4","3","5","45","156","5","3","600","1560","3","3.67","8"',
    ]);

    // Against a 2-minute target, per hold: Ann's 10, 30 and 120 s are in time, her 180 s is not; Bob's 45 s is.
    expect((await http('PUT', '/api/admin/team-settings', admin, { firstReplyTargetMinutes: 2 })).status).toBe(200);
    try {
      const timed = (await http('GET', `/api/admin/reports/agents?from=${RANGE.from}&to=${RANGE.to}`, admin)).json;
      const inTime = (id: number) => timed.agents.find((a: { agentId: number }) => a.agentId === id).firstReplyInTime;
      expect(inTime(fixture.ann.id)).toEqual({ count: 3, share: 0.75 });
      expect(inTime(fixture.bob.id)).toEqual({ count: 1, share: 1 });
      expect(timed.team.firstReplyInTime).toEqual({ count: 4, share: 0.8 });
      expect((await http('PUT', '/api/admin/team-settings', admin, { firstReplyTargetMinutes: 0 })).status).toBe(200);
      expect((await http('GET', `/api/admin/reports/agents?from=${RANGE.from}&to=${RANGE.to}`, admin)).json.team.firstReplyInTime).toBeNull();
    } finally {
      await http('PUT', '/api/admin/team-settings', admin, { firstReplyTargetMinutes: 5 });
    }
  });

  it('counts chats run through the chat loop: accept by replying, transfer, notes, resolve', async () => {
    const sql = stack.env.sql;
    const visitor = await widgetSession(stack.url, { name: 'Loop Shopper', email: 'loop@example.com' });
    const shopper = await connectWidget(stack.url, visitor.visitorToken);
    const agentSocket = await connectAgent(stack.url, agent.token);
    const adminSocket = await connectAgent(stack.url, admin.token);
    try {
      const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'l1', text: 'Hello, anyone there?' });
      const id = sent.conversationId;
      await callOk(agentSocket, 'message:send', { conversationId: id, clientId: 'a1', text: 'Hi, I am here.' }); // takes the chat
      await callOk(agentSocket, 'message:send', { conversationId: id, clientId: 'a2', text: 'private thought', private: true });
      // Chats are transferred only to someone at a console (the admin's API socket leaves presence as it is).
      await sql`update users set presence = 'away' where id = ${admin.user.id}`;
      await callOk(agentSocket, 'conversation:transfer', { conversationId: id, toAgentId: admin.user.id });
      await callOk(adminSocket, 'message:send', { conversationId: id, clientId: 'b1', text: 'Taking over.' });
      await callOk(adminSocket, 'message:send', { conversationId: id, clientId: 'b2', text: 'All sorted.' });
      await callOk(adminSocket, 'conversation:resolve', { conversationId: id });

      // What the database holds, read here without the report's SQL.
      const lines = await sql<{ author_type: string; author_id: number | null; private: boolean; metadata: { event?: string; agentId?: number }; created_at: Date }[]>`
        select author_type, author_id, private, metadata, created_at from messages where conversation_id = ${id} order by id`;
      const givenAt = (event: string, to: number) => lines.find((l) => l.metadata.event === event && l.metadata.agentId === to)!.created_at.getTime();
      const firstReplyBy = (who: number) => lines.find((l) => l.author_type === 'agent' && !l.private && l.author_id === who)!.created_at.getTime();
      const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
      const agentWait = seconds(firstReplyBy(agent.user.id) - givenAt('agent_joined', agent.user.id));
      const adminWait = seconds(firstReplyBy(admin.user.id) - givenAt('agent_transferred', admin.user.id));
      const [conv] = await sql<{ resolution_seconds: number }[]>`select resolution_seconds from conversations where id = ${id}`;

      const today = new Date().toISOString().slice(0, 10);
      const r = (await http('GET', `/api/admin/reports/agents?from=${today}&to=${today}`, admin)).json;
      const row = (who: number) => r.agents.find((a: { agentId: number }) => a.agentId === who);
      expect(r.agents.map((a: { agentId: number }) => a.agentId)).toEqual([admin.user.id, agent.user.id]); // handled 1, then 0
      expect(row(admin.user.id)).toMatchObject({
        name: admin.user.name, active: true, handled: 1, resolved: 1, messagesSent: 2,
        firstReply: { count: 1, medianSeconds: adminWait, p90Seconds: adminWait },
        resolution: { count: 1, medianSeconds: conv.resolution_seconds },
      });
      expect(row(agent.user.id)).toMatchObject({
        name: agent.user.name, handled: 0, resolved: 0, messagesSent: 1,
        firstReply: { count: 1, medianSeconds: agentWait },
        resolution: { count: 0, medianSeconds: null },
      });
      expect(r.team).toMatchObject({ handled: 1, resolved: 1, messagesSent: 3, firstReply: { count: 2 } });
    } finally {
      shopper.close();
      agentSocket.close();
      adminSocket.close();
    }
  });

  it('refuses a bad range (400) and anyone but an admin (403 agent, 401 nobody)', async () => {
    for (const path of ['/api/admin/reports/agents', '/api/admin/reports/agents.csv']) {
      for (const bad of ['from=2020-03-05&to=2020-03-01', 'from=2019-01-01&to=2020-03-01', 'from=2020-02-30&to=2020-03-01', 'from=yesterday']) {
        const r = await http('GET', `${path}?${bad}`, admin);
        expect(r.status, `${path}?${bad}`).toBe(400);
        expect(r.json.error.code).toBeTruthy();
      }
      expect((await http('GET', path, agent)).status).toBe(403);
      expect((await http('GET', path, null)).status).toBe(401);
    }
  });
});
