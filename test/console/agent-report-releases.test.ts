// The Agents table's "late while holding" and "late in the queue" when the server takes a chat back from its agent:
// an agent who went offline or was deactivated (agent_unavailable, routing.releaseHeldChats) and one who did not reply
// in time (agent_no_reply, routing.releaseUnansweredChats) leave the chat in the queue with nobody holding it, as a
// return to the queue does (agent_requeued). A hold ended only at a return, so the time after a release counted as
// still theirs: a chat that then waited past its target in the queue was late for the agent it had left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentReport } from '../../server/services/agent-report.ts';
import { resolveRange } from '../../server/services/console-reports.ts';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.cleanup();
});

const DAY = '2019-08-01';
const at = (time: string) => new Date(`${DAY}T${time}Z`);

describe('a hold the server ended', () => {
  it('ends at the release: lateness after it is the queue\'s, not the agent\'s it left', async () => {
    const sql = env.sql;
    const user = async (name: string) => {
      const [row] = await sql<{ id: number }[]>`
        insert into users (email, name, role, password_hash) values (${`${name.toLowerCase()}@releases.example.com`}, ${name}, 'agent', 'x') returning id`;
      return { id: row.id, name };
    };
    const ann = await user('Ann');
    const bob = await user('Bob');
    const [customer] = await sql<{ id: number }[]>`insert into customers (name) values ('Release Shopper') returning id`;
    /** A chat handed off at `handedOff` under a 5-minute target, first answered `firstResponse` seconds later. */
    const handoff = async (handedOff: string, firstResponse: number) => {
      const [row] = await sql<{ id: number }[]>`
        insert into conversations (customer_id, status, handed_off, handoff_reason, assignee_id, queued_at, assigned_at, created_at, first_response_seconds, first_reply_target_minutes)
        values (${customer.id}, 'assigned', true, 'customer_request', ${bob.id}, ${at(handedOff)}, ${at(handedOff)}, ${at(handedOff)}, ${firstResponse}, 5)
        returning id`;
      return row.id;
    };
    const line = (conversationId: number, event: string, agent: { id: number; name: string }, time: string) => sql`
      insert into messages (conversation_id, author_type, body, metadata, created_at)
      values (${conversationId}, 'system', ${`${agent.name}: ${event}`}, ${sql.json({ event, agentId: agent.id, agentName: agent.name })}, ${at(time)})`;
    const reply = (conversationId: number, agent: { id: number }, time: string) => sql`
      insert into messages (conversation_id, author_type, author_id, body, created_at) values (${conversationId}, 'agent', ${agent.id}, 'Hello', ${at(time)})`;

    // Ann went offline a minute after she got the chat; it waited in the queue past its 5 minutes until Bob took it.
    const offline = await handoff('10:00:00', 510);
    await line(offline, 'agent_joined', ann, '10:00:10');
    await line(offline, 'agent_unavailable', ann, '10:01:00');
    await line(offline, 'agent_joined', bob, '10:08:00');
    await reply(offline, bob, '10:08:30');
    // Ann did not reply in 4 minutes; the chat went back to the queue, and Bob took it after its 5 minutes.
    const noReply = await handoff('11:00:00', 380);
    await line(noReply, 'agent_joined', ann, '11:00:05');
    await line(noReply, 'agent_no_reply', ann, '11:04:05');
    await line(noReply, 'agent_joined', bob, '11:06:00');
    await reply(noReply, bob, '11:06:20');
    // Ann held this one when its 5 minutes passed, and was released only after: late while she held it.
    const heldPast = await handoff('12:00:00', 440);
    await line(heldPast, 'agent_joined', ann, '12:00:05');
    await line(heldPast, 'agent_unavailable', ann, '12:06:00');
    await line(heldPast, 'agent_joined', bob, '12:07:00');
    await reply(heldPast, bob, '12:07:20');

    const report = await buildAgentReport(sql, resolveRange(DAY, DAY));
    const row = (id: number) => report.agents.find((a) => a.agentId === id);
    expect(row(ann.id)).toMatchObject({ handled: 0, handoffTarget: { met: 0, late: 1, share: 0 } });
    expect(row(bob.id)).toMatchObject({ handled: 3, handoffTarget: { met: 0, late: 0, share: null }, firstReply: { count: 3, medianSeconds: 20 } });
    // The Team line is still the overview's three missed; two of them were late in the queue.
    expect(report.team.handoffTarget).toEqual({ met: 0, late: 3, share: 0 });
    expect(report.lateInQueue).toBe(2);
  });
});
