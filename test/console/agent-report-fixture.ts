// Rows for the per-agent report tests, written straight into Postgres the way the chat loop writes them: a
// "joined" / "transferred to" system line (metadata.event, metadata.agentId) at every assignment, agents' replies
// and notes, the holder left in conversations.assignee_id, the chat's first response from the hand-off (the team
// KPI's figure, which the per-agent table does not use), one CSAT row per chat. Used by the API test and the
// Chromium test, which both check the figures listed in `expected` (worked out by hand below).
import type { Sql } from '../../server/db/client.ts';

export const RANGE = { from: '2019-04-01', to: '2019-04-03' };

export interface AgentReportFixture {
  ann: { id: number; name: string };
  bob: { id: number; name: string };
  cy: { id: number; name: string };
}

const at = (day: number, time: string) => new Date(`2019-04-0${day}T${time}Z`);

/**
 * Ann (agent), Bob (agent, deactivated after the range) and Cy (agent, chats only outside the range).
 *  C1 04-01: joined Ann 10:01:00, Ann replies +30 s and again; resolved (600 s); rated 5.
 *  C2 04-01: joined Ann 12:00:00, Ann replies +120 s; transferred to Bob 12:10:00, Bob replies +45 s and again
 *            (plus a private note); resolved (1,800 s); rated 2. Counts for Bob, Ann keeps her reply time.
 *  C3 04-02: joined Bob 09:00:00, no reply; transferred to Ann 09:20:00, she replies +10 s; still open.
 *  C4 04-03: joined Ann 08:00:00, replies +180 s; Bob helps with one reply; resolved (300 s); rated 4.
 *  C5 04-05 (outside): joined Cy, Cy and Ann reply; resolved; rated 1.
 *  C6 04-02: the bot's alone, resolved.
 */
export async function seedAgentReport(sql: Sql, prefix: string): Promise<AgentReportFixture> {
  const user = async (name: string, active = true) => {
    const [row] = await sql<{ id: number }[]>`
      insert into users (email, name, role, password_hash, active) values (${`${prefix}-${name.toLowerCase()}@example.com`}, ${name}, 'agent', 'x', ${active}) returning id`;
    return { id: row.id, name };
  };
  const ann = await user(`${prefix} Ann`);
  const bob = await user(`${prefix} Bob`);
  const cy = await user(`${prefix} Cy`);
  const [customer] = await sql<{ id: number }[]>`insert into customers (name, email) values ('Agent Report Shopper', ${`${prefix}-shopper@example.com`}) returning id`;

  let rating = 0;
  const chat = async (created: Date, fields: { holder: number | null; resolvedSeconds?: number; csat?: number; firstResponse?: number }) => {
    const resolved = fields.resolvedSeconds !== undefined;
    const [row] = await sql<{ id: number }[]>`
      insert into conversations (customer_id, status, handed_off, assignee_id, queued_at, assigned_at, created_at, resolved_at, resolution_seconds, resolved_by, first_response_seconds)
      values (${customer.id}, ${resolved ? 'resolved' : fields.holder ? 'assigned' : 'bot'}, ${fields.holder !== null}, ${fields.holder},
              ${fields.holder ? created : null}, ${fields.holder ? created : null}, ${created},
              ${resolved ? new Date(created.getTime() + fields.resolvedSeconds! * 1000) : null}, ${fields.resolvedSeconds ?? null},
              ${resolved ? (fields.holder ? 'agent' : 'bot') : null}, ${fields.firstResponse ?? null})
      returning id`;
    await sql`insert into messages (conversation_id, author_type, body, created_at) values (${row.id}, 'customer', 'Where is my parcel?', ${created})`;
    if (fields.csat) {
      await sql`insert into feedback (idempotency_key, kind, customer_id, conversation_id, rating, created_at)
                values (${`${prefix}-csat-${++rating}`}, 'csat', ${customer.id}, ${row.id}, ${fields.csat}, ${created})`;
    }
    return row.id;
  };
  const given = async (conversationId: number, how: 'agent_joined' | 'agent_transferred', agent: { id: number; name: string }, when: Date) => {
    await sql`insert into messages (conversation_id, author_type, body, metadata, created_at)
              values (${conversationId}, 'system', ${`${agent.name} joined the chat.`}, ${sql.json({ event: how, agentId: agent.id, agentName: agent.name })}, ${when})`;
  };
  const reply = async (conversationId: number, agent: { id: number }, when: Date, note = false) => {
    await sql`insert into messages (conversation_id, author_type, author_id, body, private, created_at)
              values (${conversationId}, 'agent', ${agent.id}, ${note ? 'note to self' : 'On its way!'}, ${note}, ${when})`;
  };

  const c1 = await chat(at(1, '10:00:00'), { holder: ann.id, resolvedSeconds: 600, csat: 5, firstResponse: 90 });
  await given(c1, 'agent_joined', ann, at(1, '10:01:00'));
  await reply(c1, ann, at(1, '10:01:30'));
  await reply(c1, ann, at(1, '10:04:00'));

  const c2 = await chat(at(1, '12:00:00'), { holder: bob.id, resolvedSeconds: 1800, csat: 2, firstResponse: 120 });
  await given(c2, 'agent_joined', ann, at(1, '12:00:00'));
  await reply(c2, ann, at(1, '12:02:00'));
  await given(c2, 'agent_transferred', bob, at(1, '12:10:00'));
  await reply(c2, bob, at(1, '12:10:45'));
  await reply(c2, bob, at(1, '12:11:00'), true);
  await reply(c2, bob, at(1, '12:12:00'));

  const c3 = await chat(at(2, '09:00:00'), { holder: ann.id, firstResponse: 1210 });
  await given(c3, 'agent_joined', bob, at(2, '09:00:00'));
  await given(c3, 'agent_transferred', ann, at(2, '09:20:00'));
  await reply(c3, ann, at(2, '09:20:10'));

  const c4 = await chat(at(3, '08:00:00'), { holder: ann.id, resolvedSeconds: 300, csat: 4, firstResponse: 180 });
  await given(c4, 'agent_joined', ann, at(3, '08:00:00'));
  await reply(c4, ann, at(3, '08:03:00'));
  await reply(c4, bob, at(3, '08:04:00'));

  const c5 = await chat(at(5, '08:00:00'), { holder: cy.id, resolvedSeconds: 100, csat: 1, firstResponse: 5 });
  await given(c5, 'agent_joined', cy, at(5, '08:00:00'));
  await reply(c5, cy, at(5, '08:00:05'));
  await reply(c5, ann, at(5, '08:00:06'));

  await chat(at(2, '15:00:00'), { holder: null, resolvedSeconds: 60 });
  await sql`update users set active = false where id = ${bob.id}`;
  return { ann, bob, cy };
}

/**
 * The figures the fixture gives for RANGE, per the plan above (percentiles interpolated as percentile_cont does).
 * Handled = the chats an agent replied in (Ann: C1-C4; Bob: C2, C4); resolved = the chats each closed (no
 * "resolved" event here, so the holder at the time: Ann C1, C4; Bob C2); ratings go with the chats replied in.
 */
export function expectedFigures(f: AgentReportFixture) {
  return {
    agents: [
      {
        agentId: f.ann.id, name: f.ann.name, active: true, presence: 'offline',
        handled: 4, resolved: 2,
        firstReply: { count: 4, medianSeconds: 75, p90Seconds: 162 }, // 10, 30, 120, 180
        firstReplyInTime: { count: 4, share: 1 }, // all within the default 5 minutes
        handoffTarget: { met: 3, late: 0, share: 1 }, // the first replies of C1, C2 and C4 from the hand-off
        resolution: { count: 2, medianSeconds: 450, p90Seconds: 570 }, // 300, 600
        csat: { count: 3, average: 3.67 }, // 5, 2, 4: she replied in C2 too
        messagesSent: 5,
      },
      {
        agentId: f.bob.id, name: f.bob.name, active: false, presence: 'offline',
        handled: 2, resolved: 1, // C2, and C4 where he helped with one reply
        firstReply: { count: 1, medianSeconds: 45, p90Seconds: 45 }, // C3's hold got no reply: no time
        firstReplyInTime: { count: 1, share: 1 },
        handoffTarget: { met: 0, late: 1, share: 0 }, // C3: he held it when its 5 minutes passed unanswered
        resolution: { count: 1, medianSeconds: 1800, p90Seconds: 1800 },
        csat: { count: 2, average: 3 }, // 2, 4
        messagesSent: 3, // the note is not a message sent
      },
    ],
    team: {
      handled: 4, resolved: 3, // each chat once
      firstReply: { count: 5, medianSeconds: 45, p90Seconds: 156 }, // 10, 30, 45, 120, 180
      firstReplyInTime: { count: 5, share: 1 },
      handoffTarget: { met: 3, late: 1, share: 0.75 }, // the overview's: C3 late (1,210 s)
      resolution: { count: 3, medianSeconds: 600, p90Seconds: 1560 }, // 300, 600, 1800
      csat: { count: 3, average: 3.67 }, // 11 / 3
      messagesSent: 8,
    },
    handoffsUnanswered: 0,
    lateInQueue: 0,
  };
}
