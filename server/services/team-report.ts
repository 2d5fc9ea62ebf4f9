// The Reports page's per-team table: for shops with teams (teams.ts), how each team did with the hand-offs of a date
// range of the reader's days — the overview's hand-off figures (console-reports.ts) split by team, in one statement.
//
// Which team a chat counts for: the team it was last sent to, `conversations.team_id` as it is now. The hand-off
// tags the chat with the team that takes its topic (routing.enqueue), and every "send to team" (an agent's, an
// admin's or an automation rule's: routing.requeue) replaces the tag, so a chat the Returns team passed on to
// Billing counts for Billing, the team that had it last and, in the end, answered for it — as a manager reads "our
// chats". Chats with no tag (no team takes their topic, or the team was deleted since: the tag is cleared on delete)
// are the "No team" line.
//
// What is counted, per team, of the shoppers' hand-offs of the range (started in it; imported chats and chats an agent
// started stay out, as in the overview; so do chats an agent took straight from the bot: no hand-off, no queue wait
// to measure — the overview's first reply leaves them out too, and the Agents table counts them for their agents):
// - handedOff: the hand-offs; answered: those with a first reply; resolved: those now closed, by anyone.
// - firstResponse: from the hand-off to the first reply (the overview's figure, queue time included).
// - firstReplyTarget: the overview's verdicts (handoffVerdict: each chat by the target stored at its hand-off).
// - resolution: from the chat's start to its close, of the closed ones (as the overview's).
// - csat: the latest rating of each of those chats (as the agents table rates chats; the overview's CSAT card counts
//   ratings given in the range instead, so the two can differ at the range's edges).
// - topReasons: the hand-off reasons stored on the chats (043), most frequent three.
// The `total` line is every hand-off once: its figures equal the overview's over shoppers' hand-offs.
import type { Sql } from '../db/client.ts';
import { csvField, handoffVerdict, reportedHandoff, withoutJit, type DateRange, type Percentiles, type resolveRange } from './console-reports.ts';
import { loadTeamSettings } from './team-settings.ts';

/** Reasons listed per team: enough to say what a team is busy with, short enough for a table cell. */
export const TOP_REASONS = 3;

export interface TeamFigures {
  handedOff: number;
  answered: number;
  resolved: number;
  firstResponse: Percentiles;
  /** Null when neither the team's setting nor any chat of the range had a first-reply target. */
  firstReplyTarget: { met: number; missed: number; waiting: number; share: number | null } | null;
  resolution: Percentiles;
  csat: { count: number; average: number | null };
  topReasons: { reason: string; count: number }[];
}

export interface TeamRow extends TeamFigures {
  teamId: number;
  name: string;
}

export interface TeamReport {
  range: DateRange;
  /** Every team that exists now, most hand-offs first, then by name (a team with none shows its zeros). */
  teams: TeamRow[];
  /** Hand-offs no team was given (or whose team was deleted). */
  noTeam: TeamFigures;
  /** Every hand-off of the range once. */
  total: TeamFigures;
}

interface Row {
  team_id: number | null; total: boolean;
  handed_off: number; answered: number; resolved: number;
  fr_count: number; fr_median: number | null; fr_p90: number | null;
  res_count: number; res_median: number | null; res_p90: number | null;
  met: number; missed: number; waiting: number; had_target: boolean;
  csat_count: number; csat_average: number | null;
  reasons: { reason: string; count: number }[] | null;
}

const round = (n: number | null, digits: number) => (n === null ? null : Number(n.toFixed(digits)));

const EMPTY: Row = {
  team_id: null, total: false, handed_off: 0, answered: 0, resolved: 0, fr_count: 0, fr_median: null, fr_p90: null,
  res_count: 0, res_median: null, res_p90: null, met: 0, missed: 0, waiting: 0, had_target: false, csat_count: 0, csat_average: null, reasons: null,
};

function figures(r: Row, hasTarget: boolean): TeamFigures {
  return {
    handedOff: r.handed_off, answered: r.answered, resolved: r.resolved,
    firstResponse: { count: r.fr_count, medianSeconds: round(r.fr_median, 1), p90Seconds: round(r.fr_p90, 1) },
    firstReplyTarget: hasTarget ? { met: r.met, missed: r.missed, waiting: r.waiting, share: r.met + r.missed ? round(r.met / (r.met + r.missed), 4) : null } : null,
    resolution: { count: r.res_count, medianSeconds: round(r.res_median, 1), p90Seconds: round(r.res_p90, 1) },
    csat: { count: r.csat_count, average: round(r.csat_average, 2) },
    topReasons: r.reasons ?? [],
  };
}

export async function buildTeamReport(sql: Sql, range: ReturnType<typeof resolveRange>): Promise<TeamReport> {
  const targetMinutes = (await loadTeamSettings(sql)).firstReplyTargetMinutes;
  const { rows, teams } = await withoutJit(sql, async (tx) => {
    // One read of the range's hand-offs (conversations_created_idx), grouped per team and once more for the total.
    const rows = await tx<Row[]>`
      with ranged as materialized (
        select c.id, c.team_id, c.status, c.first_response_seconds, c.resolution_seconds, c.handoff_reason,
               ${handoffVerdict(tx, targetMinutes)} as verdict,
               coalesce(c.first_reply_target_minutes, 0) > 0 as had_target
        from conversations c
        where c.created_at >= ${range.start} and c.created_at < ${range.end}
          and ${reportedHandoff(tx)}
      ),
      -- Each chat's latest rating, read through the ids as an array (feedback's conversation index), as the agents
      -- report does; imported ratings stay out.
      rated as (
        select distinct on (f.conversation_id) f.conversation_id, f.rating
        from feedback f
        where f.conversation_id = any (array(select id from ranged)) and f.kind = 'csat' and not f.imported
        order by f.conversation_id, f.id desc
      ),
      totals as (
        select r.team_id, grouping(r.team_id) = 1 as total,
               count(*)::int as handed_off,
               count(r.first_response_seconds)::int as answered,
               count(*) filter (where r.status = 'resolved')::int as resolved,
               count(r.first_response_seconds)::int as fr_count,
               percentile_cont(0.5) within group (order by r.first_response_seconds) as fr_median,
               percentile_cont(0.9) within group (order by r.first_response_seconds) as fr_p90,
               count(r.resolution_seconds) filter (where r.status = 'resolved')::int as res_count,
               percentile_cont(0.5) within group (order by r.resolution_seconds) filter (where r.status = 'resolved') as res_median,
               percentile_cont(0.9) within group (order by r.resolution_seconds) filter (where r.status = 'resolved') as res_p90,
               count(*) filter (where r.verdict = 'met')::int as met,
               count(*) filter (where r.verdict = 'missed')::int as missed,
               count(*) filter (where r.verdict = 'waiting')::int as waiting,
               bool_or(r.had_target) as had_target,
               count(rated.rating)::int as csat_count,
               avg(rated.rating)::float8 as csat_average
        from ranged r left join rated on rated.conversation_id = r.id
        group by grouping sets ((r.team_id), ())
      ),
      -- Reasons counted per team and over all, then the first TOP_REASONS of each (most first, then by name).
      reason_counts as (
        select team_id, grouping(team_id) = 1 as total, handoff_reason as reason, count(*)::int as n
        from ranged where handoff_reason is not null
        group by grouping sets ((team_id, handoff_reason), (handoff_reason))
      ),
      reasons as (
        select team_id, total, json_agg(json_build_object('reason', reason, 'count', n) order by n desc, reason) as reasons
        from (select *, row_number() over (partition by total, team_id order by n desc, reason) as place from reason_counts) ranked
        where place <= ${TOP_REASONS}
        group by team_id, total
      )
      select t.*, rs.reasons
      from totals t left join reasons rs on rs.total = t.total and rs.team_id is not distinct from t.team_id`;
    const teams = await tx<{ id: number; name: string }[]>`select id, name from teams order by lower(name), id`;
    return { rows, teams };
  });

  const total = rows.find((r) => r.total) ?? EMPTY;
  const noTeam = rows.find((r) => !r.total && r.team_id === null) ?? EMPTY;
  // A target now, or one stored on a hand-off of the range (a target since removed keeps its days' figures).
  const hasTarget = targetMinutes > 0 || total.had_target;
  const byTeam = new Map(rows.filter((r) => !r.total && r.team_id !== null).map((r) => [Number(r.team_id), r]));
  const teamRows = teams
    .map((t) => ({ teamId: Number(t.id), name: t.name, ...figures(byTeam.get(Number(t.id)) ?? EMPTY, hasTarget) }))
    // Stable: teams come in name order, so equal counts stay by name.
    .sort((a, b) => b.handedOff - a.handedOff);
  return {
    range: { from: range.from, to: range.to, timeZone: range.timeZone },
    teams: teamRows,
    noTeam: figures(noTeam, hasTarget),
    total: figures(total, hasTarget),
  };
}

/** The table as CSV: one line per team, then "No team" and "All hand-offs" (the same conventions as agents.csv). */
export function teamReportCsv(report: TeamReport): string {
  const header = ['team_id', 'team', 'handed_off', 'answered', 'resolved', 'first_response_count', 'first_response_median_seconds', 'first_response_p90_seconds',
    'first_reply_target_met', 'first_reply_target_missed', 'first_reply_target_met_share', 'resolution_count', 'resolution_median_seconds', 'resolution_p90_seconds',
    'csat_count', 'csat_average', 'top_handoff_reasons'];
  const cells = (f: TeamFigures) => [f.handedOff, f.answered, f.resolved, f.firstResponse.count, f.firstResponse.medianSeconds, f.firstResponse.p90Seconds,
    f.firstReplyTarget?.met ?? null, f.firstReplyTarget?.missed ?? null, f.firstReplyTarget?.share ?? null,
    f.resolution.count, f.resolution.medianSeconds, f.resolution.p90Seconds, f.csat.count, f.csat.average,
    f.topReasons.map((r) => `${r.reason} (${r.count})`).join('; ')];
  const lines = [header.map(csvField).join(',')];
  for (const t of report.teams) lines.push([t.teamId, t.name, ...cells(t)].map(csvField).join(','));
  lines.push(['', 'No team', ...cells(report.noTeam)].map(csvField).join(','));
  lines.push(['', 'All hand-offs', ...cells(report.total)].map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}
