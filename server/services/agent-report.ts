// The Reports page's per-agent table: how each person on the team did with the conversations started in a date
// range of the reader's days (the range every conversation figure of the reports uses), computed in one SQL statement.
//
// What counts for whom:
// - A chat is handled by whoever held it last (`conversations.assignee_id`, which resolving leaves in place): after
//   a transfer it counts once, for the agent it went to. Its resolution time and its rating go with it.
// - First reply is measured per hold, not per chat: from the moment the chat was given to the agent (the
//   "joined" / "transferred to" line the server stores at every assignment) to their first reply to the shopper
//   while they held it. The team's first-response figure runs from the hand-off instead; charging that to an agent
//   would count the time the chat waited for a free seat, or with a colleague before a transfer, against them.
//   A hold that ended without a reply (transferred away, passed over) gives no time.
// - Messages sent are public replies (not notes) in the range's chats, whoever held them.
// An agent appears when they held or answered one of the range's chats, deactivated ones included.
import type { Sql } from '../db/client.ts';
import { csvField, withoutJit, type DateRange, type Percentiles, type resolveRange } from './console-reports.ts';
import { loadTeamSettings } from './team-settings.ts';

export interface AgentFigures {
  /** Chats they held last. */
  handled: number;
  /** Of those, the ones closed now. */
  resolved: number;
  /** Seconds from being given a chat to their first reply in it, per hold. */
  firstReply: Percentiles;
  /**
   * Of those first replies, how many came within the team's first-reply target (team settings), and their share;
   * null when the team has no target. Per hold, like `firstReply`: the team's own figure runs from the hand-off.
   */
  firstReplyInTime: { count: number; share: number | null } | null;
  /** Seconds from a chat's start to its resolution (as the team's resolution figure), of the resolved ones. */
  resolution: Percentiles;
  /** Ratings of the chats they held last (a chat's latest rating). */
  csat: { count: number; average: number | null };
  /** Public replies in the range's chats. */
  messagesSent: number;
}

export interface AgentRow extends AgentFigures {
  agentId: number;
  /** Null only when the account no longer exists. */
  name: string | null;
  active: boolean;
  presence: 'online' | 'away' | 'offline';
}

export interface AgentReport {
  range: DateRange;
  /** Handled first (most first), then by name. */
  agents: AgentRow[];
  /** The whole team: sums, and times and ratings over every hold and chat (not an average of the agents' figures). */
  team: AgentFigures;
}

interface Row {
  agent_id: number | null; team: boolean; name: string | null; active: boolean | null; presence: AgentRow['presence'] | null;
  handled: number; resolved: number; sent: number;
  fr_count: number; fr_median: number | null; fr_p90: number | null; fr_in_time: number;
  res_count: number; res_median: number | null; res_p90: number | null;
  csat_count: number; csat_average: number | null;
}

const round = (n: number | null, digits: number) => (n === null ? null : Number(n.toFixed(digits)));

function figures(r: Row, targetSeconds: number | null): AgentFigures {
  return {
    handled: r.handled, resolved: r.resolved,
    firstReply: { count: r.fr_count, medianSeconds: round(r.fr_median, 1), p90Seconds: round(r.fr_p90, 1) },
    firstReplyInTime: targetSeconds === null ? null : { count: r.fr_in_time, share: r.fr_count ? round(r.fr_in_time / r.fr_count, 4) : null },
    resolution: { count: r.res_count, medianSeconds: round(r.res_median, 1), p90Seconds: round(r.res_p90, 1) },
    csat: { count: r.csat_count, average: round(r.csat_average, 2) },
    messagesSent: r.sent,
  };
}

export async function buildAgentReport(sql: Sql, range: ReturnType<typeof resolveRange>): Promise<AgentReport> {
  const targetMinutes = (await loadTeamSettings(sql)).firstReplyTargetMinutes;
  const targetSeconds = targetMinutes > 0 ? targetMinutes * 60 : null;
  // One statement: the range's chats once (the same scan of conversations as the other figures), their agents'
  // replies and assignment lines through messages (conversation_id, id) — so the cost follows the range, not the
  // history — and every figure from one grouping, with the team row as the grand total of the same facts.
  const rows = await withoutJit(sql, (tx) => tx<Row[]>`
    with ranged as materialized (
      select c.id, c.assignee_id, c.status, c.resolution_seconds
      from conversations c where c.created_at >= ${range.start} and c.created_at < ${range.end}
    ),
    lines as materialized (
      select m.conversation_id, m.id, m.created_at, m.author_id,
             case when m.author_type = 'system' and m.metadata ->> 'agentId' ~ '^[0-9]{1,15}$'
                  then (m.metadata ->> 'agentId')::bigint end as given_to,
             m.author_type = 'system' as assignment
      from messages m
      -- The ids as an array: the planner then reads these chats' messages through (conversation_id, id). Joined
      -- instead, it scanned all of messages once the range held a few thousand chats (30 days out of a year of
      -- 750,000 messages: 200 ms for this step instead of 25 ms).
      where m.conversation_id = any (array(select id from ranged))
        and ((m.author_type = 'agent' and not m.private)
             or (m.author_type = 'system' and m.metadata ->> 'event' in ('agent_joined', 'agent_transferred')))
    ),
    holds as (
      select conversation_id, id, created_at, given_to,
             lead(id) over (partition by conversation_id order by id) as ends_before
      from lines where assignment
    ),
    first_replies as (
      select h.given_to as agent_id, extract(epoch from min(l.created_at) - h.created_at)::float8 as seconds
      from holds h
      left join lines l on l.conversation_id = h.conversation_id and l.author_id = h.given_to and not l.assignment
                       and l.id > h.id and (h.ends_before is null or l.id < h.ends_before)
      where h.given_to is not null
      group by h.conversation_id, h.id, h.given_to, h.created_at
    ),
    -- Each held chat's latest rating, from one join of the range's chats with the ratings rather than a lookup per chat
    -- (90,000 index probes for a year of a busy shop).
    rated as (
      select distinct on (f.conversation_id) f.conversation_id, f.rating
      from ranged r join feedback f on f.conversation_id = r.id and f.kind = 'csat'
      where r.assignee_id is not null
      order by f.conversation_id, f.id desc
    ),
    facts as (
      select r.assignee_id as agent_id, 1 as held, r.status = 'resolved' as resolved,
             case when r.status = 'resolved' then r.resolution_seconds end as resolution_seconds,
             rated.rating, null::float8 as reply_seconds, 0 as sent
      from ranged r left join rated on rated.conversation_id = r.id
      where r.assignee_id is not null
      union all
      select agent_id, 0, false, null, null, seconds, 0 from first_replies
      union all
      select author_id, 0, false, null, null, null, 1 from lines where not assignment and author_id is not null
    ),
    totals as (
      select agent_id, grouping(agent_id) = 1 as team,
             coalesce(sum(held), 0)::int as handled,
             count(*) filter (where resolved)::int as resolved,
             coalesce(sum(sent), 0)::int as sent,
             count(reply_seconds)::int as fr_count,
             count(*) filter (where reply_seconds <= ${targetSeconds ?? 0})::int as fr_in_time,
             percentile_cont(0.5) within group (order by reply_seconds) as fr_median,
             percentile_cont(0.9) within group (order by reply_seconds) as fr_p90,
             count(resolution_seconds)::int as res_count,
             percentile_cont(0.5) within group (order by resolution_seconds) as res_median,
             percentile_cont(0.9) within group (order by resolution_seconds) as res_p90,
             count(rating)::int as csat_count,
             avg(rating)::float8 as csat_average
      from facts group by grouping sets ((agent_id), ())
    )
    select t.*, u.name, u.active, u.presence
    from totals t left join users u on u.id = t.agent_id
    order by t.team, t.handled desc, u.name, t.agent_id`);

  const teamRow = rows.find((r) => r.team)!;
  return {
    range: { from: range.from, to: range.to, timeZone: range.timeZone },
    agents: rows.filter((r) => !r.team).map((r) => ({
      agentId: r.agent_id!, name: r.name, active: r.active ?? false, presence: r.presence ?? 'offline', ...figures(r, targetSeconds),
    })),
    team: figures(teamRow, targetSeconds),
  };
}

/** The same table as CSV, one line per agent and a last "Team" line. */
export function agentReportCsv(report: AgentReport): string {
  const header = ['agent_id', 'agent', 'active', 'handled', 'resolved', 'first_reply_count', 'first_reply_median_seconds', 'first_reply_p90_seconds',
    'first_reply_in_time', 'resolution_count', 'resolution_median_seconds', 'resolution_p90_seconds', 'csat_count', 'csat_average', 'messages_sent'];
  const cells = (f: AgentFigures) => [f.handled, f.resolved, f.firstReply.count, f.firstReply.medianSeconds, f.firstReply.p90Seconds, f.firstReplyInTime?.count ?? null,
    f.resolution.count, f.resolution.medianSeconds, f.resolution.p90Seconds, f.csat.count, f.csat.average, f.messagesSent];
  const lines = [header.map(csvField).join(',')];
  for (const a of report.agents) lines.push([a.agentId, a.name, a.active, ...cells(a)].map(csvField).join(','));
  lines.push(['', 'Team', '', ...cells(report.team)].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}
