// Rows for the per-team report tests (API and Chromium), written into Postgres the way the chat loop leaves them: the
// hand-off's team tag and reason on the chat (routing.enqueue), a transfer to another team as routing.requeue and the
// chat service leave it (the tag replaced, an "agent_requeued" line naming the team), the first response from the
// hand-off, the first-reply target stored at the hand-off, CSAT rows. `chats` says what each in-range hand-off is, so
// the tests work out the expected figures from it rather than from numbers written by hand.
import type { Sql } from '../../server/db/client.ts';

export const RANGE = { from: '2019-05-01', to: '2019-05-03' };
/** The target stored on every hand-off of the fixture (minutes). */
export const TARGET_MINUTES = 5;

export type TeamKey = 'returns' | 'billing' | null;

export interface FixtureChat {
  id: number;
  /** The team it counts for: the last one it was sent to. */
  team: TeamKey;
  reason: string;
  status: 'queued' | 'assigned' | 'resolved';
  firstResponseSeconds: number | null;
  /** When resolved: seconds from the chat's start to its close. */
  resolutionSeconds: number | null;
  /** The chat's latest shop-side rating (older and imported ones are written too, and must not count). */
  rating: number | null;
}

export interface TeamReportFixture {
  teams: { returns: { id: number; name: string }; billing: { id: number; name: string }; idle: { id: number; name: string } };
  chats: FixtureChat[];
  /** A queued Returns hand-off the API test sends to Billing through the real socket call. */
  queuedReturnsChat: number;
}

const at = (day: number, time: string) => new Date(`2019-05-0${day}T${time}Z`);

/**
 * Teams Returns and Billing (chats), Idle (none). In the range (2019-05-01..03), shoppers' hand-offs:
 *  Returns: fr 60 resolved 600 rated 5; fr 400 (late) resolved 1,200 rated 3 (an imported rating 1 too); a queued
 *           one never answered (late), plus the queued chat the API test transfers.
 *  Billing: one tagged Returns at its hand-off and then sent to Billing (counts for Billing) fr 30 resolved 300, rated
 *           4 then 2 (latest 2); fr 200 assigned; fr 500 resolved 900 rated 1; fr 50 resolved 100 (a file); fr 250
 *           resolved 450 (upset) — four reasons, so the top three drop one.
 *  No team: fr 100 resolved 400 rated 4 ("Who answers first"); one closed by the shopper after 60 s unanswered
 *           (within the target: neither met nor missed).
 * Left out: a Returns hand-off after the range, an imported Billing chat, a chat the bot kept, a chat an agent started
 * and sent to Returns, two chats agents took straight from the bot and answered (one tagged Billing, one closed).
 */
export async function seedTeamReport(sql: Sql, prefix: string): Promise<TeamReportFixture> {
  const team = async (name: string) => {
    const [row] = await sql<{ id: number }[]>`insert into teams (name) values (${`${prefix} ${name}`}) returning id`;
    return { id: Number(row.id), name: `${prefix} ${name}` };
  };
  const teams = { returns: await team('Returns'), billing: await team('Billing'), idle: await team('Idle') };
  const [customer] = await sql<{ id: number }[]>`insert into customers (name, email) values ('Team Report Shopper', ${`${prefix}-team-shopper@example.com`}) returning id`;
  const [agent] = await sql<{ id: number }[]>`
    insert into users (email, name, role, password_hash) values (${`${prefix}-team-agent@example.com`}, ${`${prefix} Tia`}, 'agent', 'x') returning id`;

  let ratings = 0;
  const rate = async (conversationId: number, rating: number, when: Date, imported = false) => {
    await sql`insert into feedback (idempotency_key, kind, customer_id, conversation_id, rating, created_at, imported)
              values (${`${prefix}-team-csat-${++ratings}`}, 'csat', ${customer.id}, ${conversationId}, ${rating}, ${when}, ${imported})`;
  };
  const chats: FixtureChat[] = [];
  const insert = async (created: Date, f: {
    team: TeamKey; reason: string; status: FixtureChat['status']; fr: number | null; resolution?: number; resolvedBy?: 'agent' | 'customer';
    handedOff?: boolean; startedBy?: 'shopper' | 'agent'; imported?: boolean;
  }) => {
    const resolvedAt = f.resolution !== undefined ? new Date(created.getTime() + f.resolution * 1000) : null;
    const handedOff = f.handedOff ?? true;
    const [row] = await sql<{ id: number }[]>`
      insert into conversations (customer_id, status, handed_off, started_by, queued_at, created_at, assignee_id, resolved_at, resolution_seconds, resolved_by,
                                 first_response_seconds, first_reply_target_minutes, handoff_reason, team_id, imported_from, external_id)
      values (${customer.id}, ${f.status}, ${handedOff}, ${f.startedBy ?? 'shopper'}, ${handedOff ? created : null}, ${created},
              ${f.status === 'assigned' ? agent.id : null}, ${resolvedAt}, ${f.resolution ?? null}, ${resolvedAt ? (f.resolvedBy ?? 'agent') : null},
              ${f.fr}, ${handedOff ? TARGET_MINUTES : null}, ${handedOff ? f.reason : null}, ${f.team ? teams[f.team].id : null},
              ${f.imported ? 'zendesk' : null}, ${f.imported ? `${prefix}-${created.getTime()}` : null})
      returning id`;
    return Number(row.id);
  };
  const counted = async (created: Date, f: Parameters<typeof insert>[1] & { rating?: number }) => {
    const id = await insert(created, f);
    if (f.rating) await rate(id, f.rating, new Date(created.getTime() + 3_600_000));
    chats.push({ id, team: f.team, reason: f.reason, status: f.status, firstResponseSeconds: f.fr, resolutionSeconds: f.resolution ?? null, rating: f.rating ?? null });
    return id;
  };

  await counted(at(1, '09:00:00'), { team: 'returns', reason: 'customer_request', status: 'resolved', fr: 60, resolution: 600, rating: 5 });
  const late = await counted(at(1, '11:00:00'), { team: 'returns', reason: 'negative_sentiment', status: 'resolved', fr: 400, resolution: 1200, rating: 3 });
  await rate(late, 1, at(1, '13:00:00'), true); // imported: not the shop's rating, newer or not
  await counted(at(2, '10:00:00'), { team: 'returns', reason: 'customer_request', status: 'queued', fr: null });
  const queuedReturnsChat = await counted(at(3, '10:00:00'), { team: 'returns', reason: 'human_request', status: 'queued', fr: null });

  // Handed off to Returns, then sent to Billing: the tag replaced, the line the chat service writes.
  const moved = await counted(at(1, '14:00:00'), { team: 'billing', reason: 'customer_request', status: 'resolved', fr: 30, resolution: 300 });
  await sql`insert into messages (conversation_id, author_type, body, metadata, created_at)
            values (${moved}, 'system', ${`The chat was sent to ${teams.billing.name}.`},
                    ${sql.json({ event: 'agent_requeued', agentId: Number(agent.id), agentName: `${prefix} Tia`, teamId: teams.billing.id, teamName: teams.billing.name })}, ${at(1, '14:02:00')})`;
  await rate(moved, 4, at(1, '15:00:00'));
  await rate(moved, 2, at(1, '16:00:00'));
  chats.find((c) => c.id === moved)!.rating = 2;
  await counted(at(2, '08:00:00'), { team: 'billing', reason: 'repeated_miss', status: 'assigned', fr: 200 });
  await counted(at(2, '12:00:00'), { team: 'billing', reason: 'customer_request', status: 'resolved', fr: 500, resolution: 900, rating: 1 });
  await counted(at(3, '08:00:00'), { team: 'billing', reason: 'attachment', status: 'resolved', fr: 50, resolution: 100 });
  await counted(at(3, '09:00:00'), { team: 'billing', reason: 'negative_sentiment', status: 'resolved', fr: 250, resolution: 450 });

  await counted(at(2, '15:00:00'), { team: null, reason: 'bot_mode', status: 'resolved', fr: 100, resolution: 400, rating: 4 });
  await counted(at(3, '16:00:00'), { team: null, reason: 'customer_request', status: 'resolved', fr: null, resolution: 60, resolvedBy: 'customer' });

  // Outside the figures.
  await insert(at(5, '09:00:00'), { team: 'returns', reason: 'customer_request', status: 'resolved', fr: 10, resolution: 50 });
  await insert(at(2, '09:00:00'), { team: 'billing', reason: 'customer_request', status: 'resolved', fr: 10, resolution: 50, imported: true });
  await insert(at(2, '09:30:00'), { team: null, reason: 'unused', status: 'resolved', fr: null, resolution: 120, handedOff: false, resolvedBy: 'customer' });
  await insert(at(2, '09:45:00'), { team: 'returns', reason: 'unused', status: 'queued', fr: null, handedOff: false, startedBy: 'agent' });
  // Taken straight from the bot by an agent (accept while with the bot: no hand-off) and answered: its first reply runs
  // from the chat's start, the bot's conversation included, so neither the overview's first reply nor this table counts it.
  await insert(at(2, '10:30:00'), { team: 'billing', reason: 'unused', status: 'assigned', fr: 45, handedOff: false });
  await insert(at(2, '10:40:00'), { team: null, reason: 'unused', status: 'resolved', fr: 20, resolution: 500, handedOff: false });

  return { teams, chats, queuedReturnsChat };
}
