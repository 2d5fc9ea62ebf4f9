// The Reports page's per-agent table: how each person on the team did with the conversations started in a date
// range of the reader's days (the range every conversation figure of the reports uses), computed in one SQL statement.
//
// What counts for whom — each figure goes to the person who did the thing, as a manager reads it:
// - Handled: the chats the agent replied in (a public reply, not a note). A chat several agents replied in counts
//   for each of them (the Team line counts it once). Holding a chat is not handling it: chats auto-assigned to
//   someone who never wrote in them used to count for that holder, and a chat worked by one agent then transferred
//   counted only for the one it went to; a chat that went back to the queue counted for nobody.
// - Resolved: the chats the agent closed: who pressed Resolve (an admin may close a colleague's chat), stored on the
//   chat as resolver_id, else the holder at the time; its resolution time goes with it.
// - First reply after assignment, per hold: from the moment the chat was given to someone (the "joined" /
//   "transferred to" line the server stores at every assignment) to the first public agent reply while it was
//   theirs, credited to whoever wrote that reply (a colleague who answered for the holder gets it). A hold that
//   ended without a reply gives no time. This is not the overview's first reply, which runs from the hand-off
//   (queue time included) and counts a hand-off nobody answered as late; `handoffsUnanswered` says how many of
//   those the range has, as they are in no agent's row.
// - Hand-offs in time / late while holding (`handoffTarget`), the overview's measure split by agent: each of the
//   range's hand-offs the overview judges against the first-reply target (met or missed, from the hand-off, by the
//   target stored on the chat at its hand-off) goes to one agent. In time: to whoever wrote its first reply. Late: to
//   whoever held it when the target passed unanswered (the last "joined"/"transferred" line before that moment, unless
//   a return to the queue or a release of an agent offline, deactivated or not replying in time came after it) —
//   an agent who held a chat past the target without replying and handed it back had no row before, since only
//   replies made a hold count. Late while in the queue (nobody held it then) goes to nobody: `lateInQueue`. The
//   Team line is the overview's met / missed, each hand-off once.
// - Ratings: the latest rating of each chat the agent replied in.
// - Messages sent are public replies (not notes) in the range's chats.
// An agent appears when they replied in, resolved, or held a chat that went late of the range's chats, deactivated
// ones included.
import type { Sql } from '../db/client.ts';
import { csvField, handoffTargetSeconds, handoffVerdict, withoutJit, type DateRange, type Percentiles, type resolveRange } from './console-reports.ts';
import { loadTeamSettings } from './team-settings.ts';

export interface AgentFigures {
  /** Chats they replied in (the Team line: chats any agent replied in, each once). */
  handled: number;
  /** Chats they closed (Resolve pressed by them), now resolved. */
  resolved: number;
  /** Seconds from a chat being given to someone to the first agent reply in that hold, credited to who wrote it. */
  firstReply: Percentiles;
  /**
   * Of those first replies, how many came within the chat's first-reply target (the one in force at its hand-off,
   * else the team's current one), and their share of the first replies that had a target; null when there is no
   * target. Per hold, like `firstReply`: `handoffTarget` runs from the hand-off, as the overview does.
   */
  firstReplyInTime: { count: number; share: number | null } | null;
  /**
   * The overview's first reply against the target, from the hand-off, split by agent: `met` = hand-offs whose first
   * reply (within the target) they wrote; `late` = hand-offs they held when the target passed without a reply ("late
   * while holding"). On the Team line: the overview's met and missed, each hand-off once (late ones nobody held are in
   * `lateInQueue`). `share` = met ÷ (met + late). Null when there is no target.
   */
  handoffTarget: { met: number; late: number; share: number | null } | null;
  /** Seconds from a chat's start to its resolution (as the team's resolution figure), of the chats they closed. */
  resolution: Percentiles;
  /** Ratings of the chats they replied in (a chat's latest rating). */
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
  /** The whole team: each chat once, times and ratings over every hold and chat (not an average of the agents' figures). */
  team: AgentFigures;
  /**
   * Shoppers' hand-offs of the range no agent has replied to (never assigned, e.g. nobody was online, or assigned
   * and not answered): in no agent's first reply, while the overview's first-reply-from-hand-off share counts each
   * as late once it waited past the target.
   */
  handoffsUnanswered: number;
  /** Hand-offs that went past the target unanswered while waiting in the queue (nobody held them then): in no row. */
  lateInQueue: number;
}

interface Row {
  agent_id: number | null; team: boolean; name: string | null; active: boolean | null; presence: AgentRow['presence'] | null;
  handled: number; resolved: number; sent: number;
  fr_count: number; fr_median: number | null; fr_p90: number | null; fr_in_time: number; fr_with_target: number;
  handoff_met: number; handoff_late: number; team_met: number; team_missed: number;
  res_count: number; res_median: number | null; res_p90: number | null;
  csat_count: number; csat_average: number | null; handoffs_unanswered: number;
}

const round = (n: number | null, digits: number) => (n === null ? null : Number(n.toFixed(digits)));

function figures(r: Row, hasTarget: boolean, met: number, late: number): AgentFigures {
  return {
    handled: r.handled, resolved: r.resolved,
    firstReply: { count: r.fr_count, medianSeconds: round(r.fr_median, 1), p90Seconds: round(r.fr_p90, 1) },
    firstReplyInTime: hasTarget ? { count: r.fr_in_time, share: r.fr_with_target ? round(r.fr_in_time / r.fr_with_target, 4) : null } : null,
    handoffTarget: hasTarget ? { met, late, share: met + late ? round(met / (met + late), 4) : null } : null,
    resolution: { count: r.res_count, medianSeconds: round(r.res_median, 1), p90Seconds: round(r.res_p90, 1) },
    csat: { count: r.csat_count, average: round(r.csat_average, 2) },
    messagesSent: r.sent,
  };
}

export async function buildAgentReport(sql: Sql, range: ReturnType<typeof resolveRange>): Promise<AgentReport> {
  // Each chat is judged by the target stored at its hand-off (migration 038); the current one only where none is.
  const targetMinutes = (await loadTeamSettings(sql)).firstReplyTargetMinutes;
  // One statement: the range's chats once (the same scan of conversations as the other figures), their agents'
  // replies and assignment lines through messages (conversation_id, id) — so the cost follows the range, not the
  // history — and every figure from one grouping, with the team row as the grand total of the same facts.
  const rows = await withoutJit(sql, (tx) => tx<Row[]>`
    with ranged as materialized (
      select c.id, c.assignee_id, c.status, c.resolved_by, c.resolver_id, c.resolution_seconds,
             c.handed_off and c.started_by = 'shopper' and c.first_response_seconds is null as handoff_unanswered,
             t.seconds as target_seconds, coalesce(c.queued_at, c.created_at) as handed_off_at,
             -- The overview's own verdict on the hand-off (console-reports.ts): 'met', 'missed', 'waiting' or null.
             ${handoffVerdict(tx, targetMinutes)} as verdict
      from conversations c
      cross join lateral (select ${handoffTargetSeconds(tx, targetMinutes)} as seconds) t
      where c.created_at >= ${range.start} and c.created_at < ${range.end}
    ),
    lines as materialized (
      select m.conversation_id, m.id, m.created_at, m.author_id,
             -- A hold starts at a join or transfer. Every other line here puts the chat back in the queue with nobody
             -- holding it, so lateness after it is the queue's (their agentId is whom it left): a return to the queue
             -- or to a team's (agent_requeued), the release of an agent who went offline or was deactivated
             -- (agent_unavailable, routing.releaseHeldChats), and of one who did not reply in time (agent_no_reply,
             -- routing.releaseUnansweredChats).
             case when m.author_type = 'system' and m.metadata ->> 'event' in ('agent_joined', 'agent_transferred') and m.metadata ->> 'agentId' ~ '^[0-9]{1,15}$'
                  then (m.metadata ->> 'agentId')::bigint end as given_to,
             m.author_type = 'system' as assignment
      from messages m
      -- The ids as an array: the planner then reads these chats' messages through (conversation_id, id). Joined
      -- instead, it scanned all of messages once the range held a few thousand chats (30 days out of a year of
      -- 750,000 messages: 200 ms for this step instead of 25 ms). The condition is messages_agent_hold_changes_idx's
      -- (migration 061), word for word: a line kind added here without the index makes Postgres read every message of
      -- these chats, four in five of them shoppers' and the bot's (agent_requeued did: the report 10–30 % slower).
      -- agent-report-plan.test.ts checks the plan.
      where m.conversation_id = any (array(select id from ranged))
        and ((m.author_type = 'agent' and not m.private)
             or (m.author_type = 'system' and m.metadata ->> 'event' in ('agent_joined', 'agent_transferred', 'agent_requeued', 'agent_unavailable', 'agent_no_reply')))
    ),
    holds as (
      select conversation_id, id, created_at, given_to,
             lead(id) over (partition by conversation_id order by id) as ends_before
      from lines where assignment
    ),
    -- Each hold's first public reply, whoever wrote it.
    first_replies as (
      select distinct on (h.id) l.author_id as agent_id, h.conversation_id, l.id as reply_id, l.created_at as replied_at,
             extract(epoch from l.created_at - h.created_at)::float8 as seconds
      from holds h
      join lines l on l.conversation_id = h.conversation_id and not l.assignment and l.author_id is not null
                  and l.id > h.id and (h.ends_before is null or l.id < h.ends_before)
      where h.given_to is not null
      order by h.id, l.id
    ),
    -- The range's hand-offs judged against their target, and whom each verdict goes to: a met one to whoever wrote
    -- its first reply after the hand-off, a missed one to whoever held it when the target passed (the last
    -- assignment line by then; none when it was in the queue).
    judged as materialized (
      select id, verdict, handed_off_at, handed_off_at + make_interval(secs => target_seconds) as deadline from ranged where verdict in ('met', 'missed')
    ),
    -- Both from the holds and their first replies, not from every line: an agent's reply comes within a hold, so a
    -- chat's first reply after its hand-off is its earliest hold's first reply after it. The verdicts, first replies
    -- and holds are put in one list and each chat's verdict spread over its rows by a window, not joined: the
    -- planner takes the CTEs for a row or two and joined them in a nested loop (a year's report ran for minutes), and
    -- joining the judged chats with all their lines instead cost about 0.15 s more.
    credit_rows as (
      select id as conversation_id, verdict, handed_off_at, deadline, 0 as kind, null::bigint as line_id, null::bigint as agent_id, null::timestamptz as at from judged
      union all
      select conversation_id, null, null, null, 1, reply_id, agent_id, replied_at from first_replies
      union all
      select conversation_id, null, null, null, 2, id, given_to, created_at from holds
    ),
    spread as (
      select kind, conversation_id, line_id, agent_id, at,
             max(verdict) over chat as verdict, max(handed_off_at) over chat as handed_off_at, max(deadline) over chat as deadline
      from credit_rows window chat as (partition by conversation_id)
    ),
    credited as (
      select distinct on (conversation_id) verdict, agent_id
      from spread
      where (verdict = 'met' and kind = 1 and at >= handed_off_at) or (verdict = 'missed' and kind = 2 and at <= deadline)
      order by conversation_id, case when verdict = 'met' then line_id else -line_id end
    ),
    -- The chats whose target differs from the team's current one (stored at a hand-off before a change): usually
    -- few, so the holds' first replies look their target up in a small table rather than in every chat of the range.
    other_targets as materialized (
      select id, target_seconds from ranged where target_seconds is distinct from ${targetMinutes * 60}
    ),
    -- The chats each agent replied in; first_of_chat marks one row per chat, for the Team line's count of chats.
    replied as (
      select conversation_id, agent_id, row_number() over (partition by conversation_id order by agent_id) = 1 as first_of_chat
      from (select distinct conversation_id, author_id as agent_id from lines where not assignment and author_id is not null) d
    ),
    -- Who pressed Resolve, stored on the chat when an agent resolves it (resolver_id; migration 035 filled it for
    -- older chats from their "resolved" events), else the holder at the time. Read from the range's chats alone:
    -- reading the range's "resolved" events instead took half of a year's report (1.7 s of 3.6 s).
    resolvers as (
      select id, resolution_seconds, coalesce(resolver_id, assignee_id) as agent_id
      from ranged where status = 'resolved' and resolved_by = 'agent'
    ),
    -- Replies sent, counted per agent before they join the facts: one fact per reply made the facts' sort for the
    -- grouping the report's largest (826,000 rows sorted on disk for a year of a busy shop; 266,000 now).
    sent as (
      select author_id as agent_id, count(*)::int as sent from lines where not assignment and author_id is not null group by author_id
    ),
    -- Each replied-in chat's latest rating, from one join with the ratings rather than a lookup per chat (90,000
    -- index probes for a year of a busy shop).
    rated as (
      select distinct on (f.conversation_id) f.conversation_id, f.rating
      from feedback f
      where f.conversation_id = any (array(select conversation_id from replied where first_of_chat)) and f.kind = 'csat'
      order by f.conversation_id, f.id desc
    ),
    -- One row per thing done, for the agent who did it: a chat closed, a hold's first reply, a chat replied in (with
    -- its rating); and one per agent with their replies sent. The Team line is the grand total of the same rows,
    -- except that it counts and rates a chat several agents replied in once (first_of_chat).
    facts as (
      select agent_id, 0 as handled, false as first_of_chat, true as resolved, resolution_seconds, null::int as rating, null::float8 as reply_seconds,
             null::float8 as reply_target, 0 as sent, 0 as handoff_met, 0 as handoff_late
      from resolvers where agent_id is not null
      union all
      select f.agent_id, 0, false, false, null, null, f.seconds, coalesce(o.target_seconds, ${targetMinutes * 60}), 0, 0, 0
      from first_replies f left join other_targets o on o.id = f.conversation_id
      union all
      select agent_id, 0, false, false, null, null, null, null, sent, 0, 0 from sent
      union all
      select p.agent_id, 1, p.first_of_chat, false, null, rated.rating, null, null, 0, 0, 0 from replied p left join rated on rated.conversation_id = p.conversation_id
      union all
      select agent_id, 0, false, false, null, null, null, null, 0, (verdict = 'met')::int, (verdict = 'missed')::int from credited where agent_id is not null
    ),
    totals as (
      select agent_id, grouping(agent_id) = 1 as team,
             (case when grouping(agent_id) = 1 then count(*) filter (where first_of_chat) else coalesce(sum(handled), 0) end)::int as handled,
             count(*) filter (where resolved)::int as resolved,
             coalesce(sum(sent), 0)::int as sent,
             count(reply_seconds)::int as fr_count,
             count(*) filter (where reply_target > 0 and reply_seconds <= reply_target)::int as fr_in_time,
             count(*) filter (where reply_target > 0 and reply_seconds is not null)::int as fr_with_target,
             coalesce(sum(handoff_met), 0)::int as handoff_met,
             coalesce(sum(handoff_late), 0)::int as handoff_late,
             percentile_cont(0.5) within group (order by reply_seconds) as fr_median,
             percentile_cont(0.9) within group (order by reply_seconds) as fr_p90,
             count(resolution_seconds)::int as res_count,
             percentile_cont(0.5) within group (order by resolution_seconds) as res_median,
             percentile_cont(0.9) within group (order by resolution_seconds) as res_p90,
             (case when grouping(agent_id) = 1 then count(rating) filter (where first_of_chat) else count(rating) end)::int as csat_count,
             (case when grouping(agent_id) = 1 then avg(rating) filter (where first_of_chat) else avg(rating) end)::float8 as csat_average
      from facts group by grouping sets ((agent_id), ())
    )
    select t.*, u.name, u.active, u.presence,
           (select count(*) from ranged where handoff_unanswered)::int as handoffs_unanswered,
           (select count(*) from judged where verdict = 'met')::int as team_met,
           (select count(*) from judged where verdict = 'missed')::int as team_missed
    from totals t left join users u on u.id = t.agent_id
    order by t.team, t.handled desc, u.name, t.agent_id`);

  const teamRow = rows.find((r) => r.team)!;
  // A target now, or one stored on a chat of the range (a target since removed keeps its days' figures).
  const hasTarget = targetMinutes > 0 || teamRow.fr_with_target > 0 || teamRow.team_met + teamRow.team_missed > 0;
  return {
    range: { from: range.from, to: range.to, timeZone: range.timeZone },
    agents: rows.filter((r) => !r.team).map((r) => ({
      agentId: r.agent_id!, name: r.name, active: r.active ?? false, presence: r.presence ?? 'offline', ...figures(r, hasTarget, r.handoff_met, r.handoff_late),
    })),
    team: figures(teamRow, hasTarget, teamRow.team_met, teamRow.team_missed),
    handoffsUnanswered: teamRow.handoffs_unanswered,
    lateInQueue: teamRow.team_missed - teamRow.handoff_late,
  };
}

/** The same table as CSV, one line per agent and a last "Team" line. */
export function agentReportCsv(report: AgentReport): string {
  // Named for what they count (handled = replied in; first reply from the assignment, not the hand-off). The last two,
  // from the hand-off as the overview counts: on the Team line, the overview's met and missed (late in the queue too).
  const header = ['agent_id', 'agent', 'active', 'handled_replied_in', 'resolved_by_agent', 'first_reply_after_assignment_count',
    'first_reply_after_assignment_median_seconds', 'first_reply_after_assignment_p90_seconds', 'first_reply_after_assignment_in_time', 'resolution_count', 'resolution_median_seconds', 'resolution_p90_seconds', 'csat_count', 'csat_average', 'messages_sent',
    'handoffs_in_time', 'handoffs_late_while_holding'];
  const cells = (f: AgentFigures) => [f.handled, f.resolved, f.firstReply.count, f.firstReply.medianSeconds, f.firstReply.p90Seconds, f.firstReplyInTime?.count ?? null,
    f.resolution.count, f.resolution.medianSeconds, f.resolution.p90Seconds, f.csat.count, f.csat.average, f.messagesSent,
    f.handoffTarget?.met ?? null, f.handoffTarget?.late ?? null];
  const lines = [header.map(csvField).join(',')];
  for (const a of report.agents) lines.push([a.agentId, a.name, a.active, ...cells(a)].map(csvField).join(','));
  lines.push(['', 'Team', '', ...cells(report.team)].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}
