// The Reports page's per-agent table (GET /api/admin/reports/agents and its CSV) on a real server and Postgres:
// exact figures over rows written here (transfers, a hold without a reply, notes, ratings, a chat outside the
// range, a deactivated agent), the same figures from chats run through the real chat loop, validation and roles.
import { readFile } from 'node:fs/promises';
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
  it('gives each agent and the team exact figures for the range: replied in counts, reply time per hold', async () => {
    const fixture = await seedAgentReport(stack.env.sql, 'api');
    const r = await http('GET', `/api/admin/reports/agents?from=${RANGE.from}&to=${RANGE.to}`, admin);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ range: { ...RANGE, timeZone: 'UTC' }, ...expectedFigures(fixture) });
    // Cy's only chat is outside the range: not listed.
    expect(r.json.agents.map((a: { agentId: number }) => a.agentId)).not.toContain(fixture.cy.id);

    // The outside chat alone: Cy and Ann both replied there, so it counts for both (Cy closed it).
    const outside = (await http('GET', '/api/admin/reports/agents?from=2019-04-05&to=2019-04-05', admin)).json;
    expect(outside.agents.map((a: { name: string; handled: number; resolved: number; messagesSent: number }) => [a.name, a.handled, a.resolved, a.messagesSent]))
      .toEqual([[fixture.ann.name, 1, 0, 1], [fixture.cy.name, 1, 1, 1]]);
    expect(outside.team).toMatchObject({ handled: 1, resolved: 1, messagesSent: 2 });

    // No chats in the range: nobody listed, the team's times empty.
    const empty = (await http('GET', '/api/admin/reports/agents?from=2018-01-01&to=2018-01-31', admin)).json;
    expect(empty).toEqual({
      range: { from: '2018-01-01', to: '2018-01-31', timeZone: 'UTC' }, agents: [],
      team: { handled: 0, resolved: 0, firstReply: { count: 0, medianSeconds: null, p90Seconds: null }, firstReplyInTime: { count: 0, share: null }, handoffTarget: { met: 0, late: 0, share: null }, resolution: { count: 0, medianSeconds: null, p90Seconds: null }, csat: { count: 0, average: null }, messagesSent: 0 },
      handoffsUnanswered: 0, lateInQueue: 0,
    });

    // The CSV: one line per agent in the same order, then the team.
    const csv = await http('GET', `/api/admin/reports/agents.csv?from=${RANGE.from}&to=${RANGE.to}`, admin);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain(`agents-${RANGE.from}-to-${RANGE.to}.csv`);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toEqual([
      '"agent_id","agent","active","handled_replied_in","resolved_by_agent","first_reply_after_assignment_count","first_reply_after_assignment_median_seconds","first_reply_after_assignment_p90_seconds","first_reply_after_assignment_in_time","resolution_count","resolution_median_seconds","resolution_p90_seconds","csat_count","csat_average","messages_sent","handoffs_in_time","handoffs_late_while_holding"',
      `"${fixture.ann.id}","${fixture.ann.name}","true","4","2","4","75","162","4","2","450","570","3","3.67","5","3","0"`,
      `"${fixture.bob.id}","${fixture.bob.name}","false","2","1","1","45","45","1","1","1800","1800","2","3","3","0","1"`,
      '"","Team","","4","3","5","45","156","5","3","600","1560","3","3.67","8","3","1"',
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

  it('credits who actually replied and resolved, and says which hand-offs nobody answered', async () => {
    // A month's reviewed activity in small: an admin auto-assigned chats she never touched, an agent who worked a chat
    // and transferred it to someone who never wrote, a deactivated agent whose chats went back to the queue, and a
    // hand-off nobody was online for.
    const sql = stack.env.sql;
    const at = (time: string) => new Date(`2019-05-01T${time}Z`);
    const person = async (name: string, role: 'admin' | 'agent') => {
      const [row] = await sql<{ id: number }[]>`insert into users (email, name, role, password_hash) values (${`credit-${name}@example.com`}, ${`Credit ${name}`}, ${role}, 'x') returning id`;
      return row.id;
    };
    const dee = await person('Dee', 'admin');
    const eve = await person('Eve', 'agent');
    const fay = await person('Fay', 'agent');
    const gus = await person('Gus', 'agent');
    const [customer] = await sql<{ id: number }[]>`insert into customers (name) values ('Credit Shopper') returning id`;
    const chat = async (time: string, fields: { holder: number | null; status: string; firstResponse?: number; resolvedSeconds?: number }) => {
      const created = at(time);
      const resolvedAt = fields.resolvedSeconds === undefined ? null : new Date(created.getTime() + fields.resolvedSeconds * 1000);
      const [row] = await sql<{ id: number }[]>`
        insert into conversations (customer_id, status, handed_off, assignee_id, queued_at, created_at, first_response_seconds, resolved_at, resolution_seconds, resolved_by)
        values (${customer.id}, ${fields.status}, true, ${fields.holder}, ${created}, ${created}, ${fields.firstResponse ?? null},
                ${resolvedAt}, ${fields.resolvedSeconds ?? null}, ${resolvedAt ? 'agent' : null})
        returning id`;
      return { id: row.id, resolvedAt };
    };
    const given = (conversationId: number, event: string, agentId: number, time: string) => sql`
      insert into messages (conversation_id, author_type, body, metadata, created_at)
      values (${conversationId}, 'system', 'joined', ${sql.json({ event, agentId })}, ${at(time)})`;
    const write = (conversationId: number, agentId: number, time: string, note = false) => sql`
      insert into messages (conversation_id, author_type, author_id, body, private, created_at) values (${conversationId}, 'agent', ${agentId}, 'Hello', ${note}, ${at(time)})`;

    // Dee holds C7 (auto-assigned); Eve answers it for her after 2 minutes and leaves a note.
    const c7 = await chat('10:00:00', { holder: dee, status: 'assigned', firstResponse: 120 });
    await given(c7.id, 'agent_joined', dee, '10:00:00');
    await write(c7.id, eve, '10:02:00');
    await write(c7.id, eve, '10:03:00', true);
    const resolvedEvent = (conversationId: number, agentId: number, occurredAt: Date) => sql`
      insert into interaction_events (idempotency_key, customer_id, conversation_id, type, payload, occurred_at)
      values (${`credit-resolved-${conversationId}-${agentId}`}, ${customer.id}, ${conversationId}, 'resolved', ${sql.json({ by: 'agent', agentId })}, ${occurredAt})`;
    // Dee holds C8; nobody writes; Eve closes it. Closed before migration 035: only its "resolved" event names her
    // (an older one, from a resolution since reopened, names Dee), the chat has no resolver_id.
    const c8 = await chat('11:00:00', { holder: dee, status: 'resolved', resolvedSeconds: 1800 });
    await given(c8.id, 'agent_joined', dee, '11:00:00');
    await resolvedEvent(c8.id, dee, at('11:10:00'));
    await resolvedEvent(c8.id, eve, c8.resolvedAt!);
    // Eve works C9 (reply after 30 s, a note) and transfers it to Fay, who never writes.
    const c9 = await chat('12:00:00', { holder: fay, status: 'assigned', firstResponse: 30 });
    await given(c9.id, 'agent_joined', eve, '12:00:00');
    await write(c9.id, eve, '12:00:30');
    await write(c9.id, eve, '12:01:00', true);
    await given(c9.id, 'agent_transferred', fay, '12:05:00');
    // Dee had closed C9 once, before it was reopened: an event, but the chat is open and credits nobody.
    await resolvedEvent(c9.id, dee, at('12:03:00'));
    // Gus replies in C10 and C11, is deactivated, and both go back to the queue.
    for (const time of ['13:00:00', '14:00:00']) {
      const c = await chat(time, { holder: null, status: 'queued', firstResponse: 60 });
      await given(c.id, 'agent_joined', gus, time);
      await write(c.id, gus, time.replace(':00:00', ':01:00'));
    }
    await sql`update users set active = false where id = ${gus}`;
    // C12: handed off while nobody was online; never assigned, never answered.
    await chat('15:00:00', { holder: null, status: 'queued' });
    // C13: Fay takes it and returns it to the queue a minute later without a word; nobody answers it. Late in the
    // queue, not in Fay's hold: her hold ended with the return (agent_requeued names her as who returned it).
    const c13 = await chat('16:00:00', { holder: null, status: 'queued' });
    await given(c13.id, 'agent_joined', fay, '16:00:00');
    await given(c13.id, 'agent_requeued', fay, '16:01:00');

    // Migration 035's backfill, run again on these rows (it only fills chats without a resolver): each chat now
    // closed by an agent gets the latest "resolved" event's agent; open chats keep none.
    await sql.unsafe(await readFile(new URL('../../server/db/migrations/035_conversation_resolver.sql', import.meta.url), 'utf8'));
    const resolvers = await sql<{ id: number; resolver_id: number | null }[]>`select id, resolver_id from conversations where id in ${sql([c7.id, c8.id, c9.id])} order by id`;
    expect(resolvers).toEqual([{ id: c7.id, resolver_id: null }, { id: c8.id, resolver_id: eve }, { id: c9.id, resolver_id: null }]);

    const range = 'from=2019-05-01&to=2019-05-01';
    const r = (await http('GET', `/api/admin/reports/agents?${range}`, admin)).json;
    const row = (id: number) => r.agents.find((a: { agentId: number }) => a.agentId === id);
    // Nobody is credited with handling chats they only held: Dee and Fay never wrote in a chat nor closed one. Dee
    // has a row all the same: she held C8 when its 5 minutes passed without a reply (late while holding).
    expect(r.agents.map((a: { agentId: number }) => a.agentId).sort()).toEqual([dee, eve, gus].sort());
    expect(row(dee)).toMatchObject({ handled: 0, resolved: 0, messagesSent: 0, firstReply: { count: 0 }, handoffTarget: { met: 0, late: 1, share: 0 } });
    expect(row(eve)).toMatchObject({
      handled: 2, resolved: 1, messagesSent: 2, // C7 and C9 replied in; C8 closed
      firstReply: { count: 2, medianSeconds: 75 }, // 120 s in Dee's hold of C7, 30 s in her own of C9
      resolution: { count: 1, medianSeconds: 1800 },
    });
    expect(row(gus)).toMatchObject({ active: false, handled: 2, resolved: 0, messagesSent: 2, firstReply: { count: 2, medianSeconds: 60 } });
    expect(r.team).toMatchObject({ handled: 4, resolved: 1, messagesSent: 4, firstReply: { count: 4 }, firstReplyInTime: { count: 4, share: 1 } });
    // The hand-offs nobody answered (C8 closed unanswered, C12 and C13 still queued): in no row, said beside the table…
    expect(r.handoffsUnanswered).toBe(3);
    // …and late in the overview's share, which runs from the hand-off: the two figures differ by exactly those.
    const overview = (await http('GET', `/api/admin/reports?${range}`, admin)).json;
    expect(overview.firstReplyTarget).toMatchObject({ met: 4, missed: 3, waiting: 0 });
    expect(overview.firstResponse.count).toBe(4);
    // The Team line's hand-off figure is the overview's: 4 in time (Eve's two, Gus's two), 3 late — C8 in Dee's
    // hold, C12 and C13 in the queue (in no row).
    expect(row(eve).handoffTarget).toEqual({ met: 2, late: 0, share: 1 });
    expect(row(gus).handoffTarget).toEqual({ met: 2, late: 0, share: 1 });
    expect(r.team.handoffTarget).toEqual({ met: 4, late: 3, share: 0.5714 });
    expect(r.lateInQueue).toBe(2);
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
      // The report rounds to a tenth of a second from Postgres's microseconds; these times are milliseconds, so a wait
      // near a rounding edge (0.05 s) may round the other way: the report's figure is within a rounding of the wait.
      const agentWait = (firstReplyBy(agent.user.id) - givenAt('agent_joined', agent.user.id)) / 1000;
      const adminWait = (firstReplyBy(admin.user.id) - givenAt('agent_transferred', admin.user.id)) / 1000;
      const nearly = (wait: number) => expect.toSatisfy((reported: number) => Math.abs(reported - wait) <= 0.051, `a tenth-rounding of ${wait} s`);
      const [conv] = await sql<{ resolution_seconds: number }[]>`select resolution_seconds from conversations where id = ${id}`;

      const today = new Date().toISOString().slice(0, 10);
      const r = (await http('GET', `/api/admin/reports/agents?from=${today}&to=${today}`, admin)).json;
      const row = (who: number) => r.agents.find((a: { agentId: number }) => a.agentId === who);
      // Both replied in the chat: it counts for both; the admin closed it.
      expect(r.agents.map((a: { agentId: number }) => a.agentId).sort()).toEqual([admin.user.id, agent.user.id].sort());
      expect(row(admin.user.id)).toMatchObject({
        name: admin.user.name, active: true, handled: 1, resolved: 1, messagesSent: 2,
        firstReply: { count: 1, medianSeconds: nearly(adminWait), p90Seconds: nearly(adminWait) },
        resolution: { count: 1, medianSeconds: conv.resolution_seconds },
      });
      expect(row(agent.user.id)).toMatchObject({
        name: agent.user.name, handled: 1, resolved: 0, messagesSent: 1,
        firstReply: { count: 1, medianSeconds: nearly(agentWait) },
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
