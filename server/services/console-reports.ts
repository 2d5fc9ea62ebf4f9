// The admin reports: every figure is computed in SQL over the records
// (conversations, feedback, interaction events) for one date range, its days
// those of the reader's time zone, so the numbers on the page are the
// database's numbers.
import type { Sql } from '../db/client.ts';
import { canonicalTimeZone, loadWidgetSettings } from './widget-settings.ts';
import { loadTeamSettings } from './team-settings.ts';
import { badRequest, worded } from '../errors.ts';
import { isRealDay } from './calendar-days.ts';
import { dayIn, startOfDayIn } from './zoned-days.ts';
import { BOT_IDLE_MINUTES } from './bot-idle.ts';
import { NOT_KNOWN_REASONS } from '../../knowledge-base/types.ts';

export interface DateRange {
  /** Inclusive first day, YYYY-MM-DD, in `timeZone`. */
  from: string;
  /** Inclusive last day, YYYY-MM-DD, in `timeZone`. */
  to: string;
  /** The IANA zone whose days these are, by its canonical name (the console sends its reader's; UTC when a caller names none). */
  timeZone: string;
}

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;
/** The days a report may cover (compared as text: YYYY-MM-DD sorts as dates do). */
const FIRST_DAY = '2000-01-01';
const LAST_DAY = '9998-12-31';

/**
 * Validates a range (defaults: the last 30 days) of days in the zone `zoneAsSent` and returns it with its bounds as
 * instants: from the first day's midnight there to the midnight after the last; its `timeZone` is the zone's canonical name.
 */
export function resolveRange(from?: string, to?: string, now = new Date(), zoneAsSent = 'UTC'): DateRange & { start: Date; end: Date; days: number } {
  // The canonical name from here on: the range's bounds (Intl) and its per-day buckets and CSV times (Postgres's
  // `at time zone`) then read the same zone, "CET" included (canonicalTimeZone).
  const timeZone = canonicalTimeZone(zoneAsSent);
  if (!timeZone) throw worded(badRequest(`tz: "${zoneAsSent}" is not a time zone this server knows; use an IANA name such as Europe/Berlin or Asia/Shanghai.`), 'unknown_time_zone', { zone: zoneAsSent.slice(0, 100) });
  const toDay = to ?? dayIn(now, timeZone);
  const fromDay = from ?? new Date(Date.parse(`${toDay}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  if (!isRealDay(fromDay) || !isRealDay(toDay)) throw badRequest('Dates must be real days written YYYY-MM-DD.');
  // The range's end is the midnight after its last day: after 9999-12-31 that is year 10000, which no YYYY-MM-DD
  // holds (every report route answered 500). No shop has chats outside these years.
  if (fromDay < FIRST_DAY || toDay > LAST_DAY) throw worded(badRequest(`Dates must be between ${FIRST_DAY} and ${LAST_DAY}.`), 'report_dates_outside', { from: FIRST_DAY, to: LAST_DAY });
  // Counted on the calendar, not between instants: a day with a daylight-saving change is 23 or 25 hours long.
  const days = Math.round((Date.parse(`${toDay}T00:00:00Z`) - Date.parse(`${fromDay}T00:00:00Z`)) / DAY_MS) + 1;
  if (days < 1) throw worded(badRequest('"from" must not be after "to".'), 'report_range_reversed');
  if (days > MAX_DAYS) throw worded(badRequest(`A report covers at most ${MAX_DAYS} days.`), 'report_too_long', { n: String(MAX_DAYS) });
  const dayAfter = new Date(Date.parse(`${toDay}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  return { from: fromDay, to: toDay, timeZone, start: startOfDayIn(fromDay, timeZone), end: startOfDayIn(dayAfter, timeZone), days };
}

export interface Percentiles {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface Report {
  range: DateRange;
  /** Shoppers' conversations per day (those an agent started are `agentStarted`, outside every other figure). */
  /**
   * Split as `containment` is: `handedOff` the bot's hand-offs, `peopleFirst` the chats sent straight to a person (as
   * containment.peopleFirst, not in `handedOff`), `takenOver` taken by a person without a hand-off; the rest the bot's alone.
   */
  conversationsPerDay: { day: string; total: number; handedOff: number; peopleFirst: number; takenOver: number }[];
  agentStarted: number;
  /**
   * `botResolved` includes `confirmedByShopper` (still open, its latest answer rated helpful); `withBot` are open
   * chats not yet settled either way, counted once quiet for `settlesAfterMinutes`. `rate` is over the settled ones.
   */
  containment: {
    total: number; botResolved: number; confirmedByShopper: number; handedOff: number; withBot: number;
    /**
     * Sent straight to a person, not the bot's to win or lose, so in neither side of the rate (nor in `handedOff`):
     * by the widget's "Who answers first" setting before the bot said anything (hand-off reason `bot_mode`), or a
     * shopper's reply to the team's email (`email_reply`: it answers a person, and goes to the queue at once).
     */
    peopleFirst: number;
    /**
     * Taken over by the team without a hand-off: an agent took the chat from the bot (Assign to me, or replying in
     * it), or reopened one the bot had settled. Not the bot's success: on the not-contained side of the rate, as
     * `handedOff` is, and decided at once; never in `withBot`, `botResolved` or `closedByTeam`.
     */
    takenOver: number;
    /** Closed by an agent without a hand-off (spam, a blocked shopper): in neither side of the rate. */
    closedByTeam: number;
    settlesAfterMinutes: number;
    /** Over the decided chats: botResolved ÷ (botResolved + handedOff + takenOver). */
    rate: number | null;
    /** Chats decided either way (botResolved + handedOff + takenOver): the base of `rate`. */
    decided: number;
    /** Chats not decided yet (= withBot): a hand-off or take-over is decided at once, the bot's success only after the quiet time. */
    undecided: number;
    /**
     * Where the rate ends once the undecided chats settle: all handed off (`low`) to all settled by the bot (`high`);
     * null when none is undecided (the rate is final).
     */
    rateRange: { low: number; high: number } | null;
    /**
     * True when at least as many chats are undecided as decided: the rate then says little (right after a busy day
     * it read 0.0 % with 49 hand-offs decided and 31 chats still with the bot), and the console shows it as pending.
     */
    pending: boolean;
  };
  /**
   * From the hand-off to the first reply, of the shoppers' hand-offs answered (queue time included). A chat an agent
   * took straight from the bot is not one: it is in the Agents table's figures, not here nor in the Teams table.
   */
  firstResponse: Percentiles;
  /**
   * Hand-offs of the range measured against the team's first-reply target (null when there is none). `met`: the
   * first reply came in time; `missed`: it came late, or the shopper waited past the target and got none (the chat
   * closed, or is still waiting); `waiting`: no reply yet, still within the target (in neither side of the share).
   */
  firstReplyTarget: {
    /** The team's target now (0 = none now; the object is still given when the range's hand-offs had one). */
    minutes: number; met: number; missed: number; waiting: number; share: number | null;
    /**
     * The targets the range's hand-offs were judged by: each chat's target at its hand-off (stored on the chat,
     * migration 038; the current one where none is stored). Null when none of them had a target.
     */
    atTheTime: { minMinutes: number; maxMinutes: number } | null;
  } | null;
  resolution: Percentiles;
  csat: {
    count: number; average: number | null; distribution: number[];
    /** The same ratings split by who answered the chat: the bot alone, or a person who replied in it. */
    byWhoAnswered: Record<'bot' | 'people', { count: number; average: number | null }>;
  };
  topIntents: { intent: string; count: number }[];
  articleHelpfulness: { articleId: number; title: string | null; helpful: number; notHelpful: number }[];
  /** Ratings of intents' own typed answers (which link no article), by intent name. */
  intentAnswerHelpfulness: { intent: string; helpful: number; notHelpful: number }[];
  /** The bot's turns by outcome; `unanswered` = it said it did not know (a second miss in a row also hands off). */
  botQuestions: { total: number; answered: number; clarified: number; unanswered: number; handedOff: number; unansweredRate: number | null };
  /** Why chats went to a person: the shopper's button, a request in words, upset, two misses, a file … */
  handoffReasons: { reason: string; count: number }[];
  /**
   * The Unanswered page's groups (similar questions together) asked most in the range, with what the admin did about
   * them. `count` is the group's questions asked in the range (see `unansweredGroups` for when it is an estimate).
   */
  topUnanswered: UnansweredGroupFigure[];
  /** Proactive messages in the range: how often each was shown and opened (path from the current rules). */
  nudges: { id: string; path: string | null; shown: number; opened: number }[];
  /** Conversations started in the range, by the labels agents gave them (most used first). */
  labels: { label: string; count: number }[];
}

/**
 * Hand-off reasons of chats that went straight to a person, the bot never having had them to answer: "Who answers
 * first" (chat-service botTurn) and a shopper's reply to the team's email (customerEmailReply).
 */
const STRAIGHT_TO_A_PERSON = ['bot_mode', 'email_reply'];

/**
 * SQL over conversation `c`: a chat a person took without a bot hand-off — accepted from the bot, taken by replying
 * in it, or a settled one reopened. `assigned_at` stays once set (a return to the queue or a release keeps it, so does
 * resolving), and `first_response_at` marks a reply. Chats handed off are counted as hand-offs instead.
 */
const takenOverByTeam = (sql: Sql) => sql`(not c.handed_off and (c.assigned_at is not null or c.first_response_at is not null))`;

/**
 * The history events the reports count (the bot's turns, top intents, hand-off reasons) and the payload fields they
 * read: a customer's deletion keeps these, detached from them and cut down to these fields (customer-privacy.ts), so
 * deleting a customer does not rewrite past figures, as the chats kept for containment do not. Migration 065's triggers
 * count these types by these fields per day (report_event_days): a change here needs a migration that recounts them.
 */
export const REPORTED_EVENTS: { types: string[]; fields: string[] } = { types: ['bot.decision', 'handoff'], fields: ['intent', 'reason', 'action'] };

/** Decision reasons of a recognised intent (policy.ts); events stored before reasons existed count as such. */
const INTENT_REASONS = ['intent', 'intent_action', 'order_status'];

const round = (n: number | null, digits = 0) => (n === null ? null : Number(n.toFixed(digits)));

/**
 * SQL over conversation `c`: true for a hand-off whose first reply the first-response figures measure — a shopper's chat
 * (an agent-started one has no wait) handed to a person here (not imported). A chat an agent took straight from the
 * bot is not one: its first_response_seconds runs from the chat's start, the bot's conversation included. The overview
 * (`shopper and handed_off` over the non-imported rows below), the Teams table and the widget's "We usually reply in
 * about N min" (reply-expectation.ts) count this population, so the shopper is promised what the reports show.
 */
export const reportedHandoff = (sql: Sql) =>
  sql`(c.started_by = 'shopper' and c.handed_off and c.imported_from is null)`;

/**
 * SQL over conversation `c`, shared by the overview and the agents report so their verdicts on a hand-off agree: its
 * first-reply target in seconds (the one stored when it was handed off, else the team's current one) and how long the
 * shopper has waited since the hand-off (until resolved, or now).
 */
export const handoffTargetSeconds = (sql: Sql, currentTargetMinutes: number) =>
  sql`coalesce(c.first_reply_target_minutes, ${currentTargetMinutes}) * 60`;
export const handoffWaitedSeconds = (sql: Sql) =>
  sql`extract(epoch from coalesce(c.resolved_at, now()) - coalesce(c.queued_at, c.created_at))`;
/**
 * The verdict on a hand-off's first reply: 'met' (answered within its target), 'missed' (answered late, or not
 * answered and waiting past it), 'waiting' (not answered, still open and within it), or null (no hand-off, no target,
 * or closed unanswered within it: the shopper left at once, on neither side).
 */
export const handoffVerdict = (sql: Sql, currentTargetMinutes: number) => {
  const target = handoffTargetSeconds(sql, currentTargetMinutes);
  return sql`case when c.handed_off and ${target} > 0 then
      case when c.first_response_seconds <= ${target} then 'met'
           when c.first_response_seconds > ${target}
             or (c.first_response_seconds is null and ${handoffWaitedSeconds(sql)} > ${target}) then 'missed'
           when c.first_response_seconds is null and c.resolved_at is null then 'waiting' end
    end`;
};

/**
 * Runs a report's statements in one transaction with JIT compilation off (`set local`: this transaction only). Over a
 * year of a busy shop the planner's cost estimates pass Postgres's JIT thresholds, and compiling then took longer than
 * running: 1.1 s of 2.3 s for the bot figures of 366 days, 0.6 s of 1.3 s for the CSV of 30 days (bench:reports).
 * These statements are scans, joins and aggregates that JIT hardly speeds up.
 */
export async function withoutJit<T>(sql: Sql, run: (tx: Sql) => Promise<T>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx`set local jit = off`;
    return [await run(tx as unknown as Sql)];
  }))[0] as T;
}

/**
 * SQL: the reported events (REPORTED_EVENTS) of [start, end) as rows of (type, intent, reason, action, events) — how
 * many events of that type had those payload fields. The whole UTC days inside the range come from their daily counts
 * (report_event_days, kept by triggers as events are written; migration 065), the partial days at its edges from the
 * events themselves: a day of the reader's zone rarely starts at a UTC midnight, and this way every zone's days (half-
 * hour offsets, daylight-saving days) are exact, and today's events count the moment they are written.
 */
function reportedEventCounts(sql: Sql, start: Date, end: Date) {
  const dayStart = (ms: number) => new Date(ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS));
  let firstWholeDay = dayStart(start.getTime() + DAY_MS - 1);
  let afterWholeDays = dayStart(end.getTime());
  // No whole UTC day inside: the events alone ([start, end) and [end, end)), no daily counts.
  if (afterWholeDays <= firstWholeDay) firstWholeDay = afterWholeDays = end;
  const utcDay = (at: Date) => at.toISOString().slice(0, 10);
  const payloadFields = sql`type, payload ->> 'intent' as intent, payload ->> 'reason' as reason, payload ->> 'action' as action, 1::bigint as events`;
  return sql`
    select type, intent, reason, action, events from report_event_days
    where day >= ${utcDay(firstWholeDay)}::date and day < ${utcDay(afterWholeDays)}::date
    union all
    select ${payloadFields} from interaction_events
    where type in ${sql(REPORTED_EVENTS.types)} and occurred_at >= ${start} and occurred_at < ${firstWholeDay}
    union all
    select ${payloadFields} from interaction_events
    where type in ${sql(REPORTED_EVENTS.types)} and occurred_at >= ${afterWholeDays} and occurred_at < ${end}`;
}

export async function buildReport(sql: Sql, range: ReturnType<typeof resolveRange>): Promise<Report> {
  return withoutJit(sql, (tx) => reportFigures(tx, range));
}

async function reportFigures(sql: Sql, range: ReturnType<typeof resolveRange>): Promise<Report> {
  const { start, end } = range;
  // Each day of the range, with the range's shoppers' conversations counted by their day in the range's zone, in one read of the range
  // (rather than one probe of the created_at index per day, which a year's report costed so high it was JIT-compiled).
  // Split as the containment figures are: hand-offs sent straight to a person (STRAIGHT_TO_A_PERSON) apart from the
  // bot's hand-offs, so the chart of days and the doughnut beside it agree.
  const perDay = await sql<{ day: string; total: number; handed_off: number; people_first: number; taken_over: number }[]>`
    select to_char(d.day, 'YYYY-MM-DD') as day, coalesce(n.total, 0)::int as total, coalesce(n.handed_off, 0)::int as handed_off,
           coalesce(n.people_first, 0)::int as people_first, coalesce(n.taken_over, 0)::int as taken_over
    from (select (${range.from}::date + i) as day from generate_series(0, ${range.days - 1}::int) as i) d
    left join (
      select (c.created_at at time zone ${range.timeZone})::date as day, count(*) as total, count(*) filter (where c.handed_off) as handed_off,
             count(*) filter (where c.handed_off and c.handoff_reason in ${sql(STRAIGHT_TO_A_PERSON)}) as people_first,
             count(*) filter (where ${takenOverByTeam(sql)}) as taken_over
      from conversations c
      where c.created_at >= ${start} and c.created_at < ${end} and c.started_by = 'shopper' and c.imported_from is null
      group by 1
    ) n on n.day = d.day
    order by d.day`;

  // The conversation figures, in one read of the conversations started in the range.
  // Containment: of the shoppers' conversations, how many the bot settled alone vs handed to a person. The bot
  // settles a chat when the shopper rates its latest answer helpful (confirmed at once) or leaves it
  // BOT_IDLE_MINUTES without writing (closed by the idle sweep); until then it is still with the bot. A chat an
  // agent closed without taking it (spam, a blocked shopper) is neither the bot's success nor a hand-off. A chat a
  // person took over without a hand-off (takenOverByTeam) is not the bot's success either, however it closes — the
  // idle sweep of chats with a person closes it as 'system', which read as the bot's — and counts against it at once.
  // Chats sent straight to a person (STRAIGHT_TO_A_PERSON) are on neither side.
  // Conversations an agent started by writing to a customer are never the bot's to answer: outside every figure
  // about the bot, hand-offs and response times, counted on their own (agent_started).
  // Conversations imported from the tool the shop used before (047, conversation-import.ts) were not handled here:
  // outside every figure, the CSV and the labels included, and their ratings (feedback.imported) out of CSAT.
  // The first-reply target is measured over the range's hand-offs: the wait runs from the hand-off (as
  // `first_response_seconds` does) to the first reply, or else to the chat's close, or else to now. A chat closed
  // without a reply inside the target (the shopper left at once) counts on neither side. Each chat is judged by the
  // target in force when it was handed off (`first_reply_target_minutes`, stored by routing.enqueue; migration 038):
  // reading the current setting rewrote past days whenever an admin changed it. The current setting stands in only
  // where a chat has none stored; 0 (stored or current) means no target, and such a chat is on neither side.
  const targetMinutes = (await loadTeamSettings(sql)).firstReplyTargetMinutes;
  const [facts] = await sql<{
    agent_started: number; total: number; bot_closed: number; handed_off: number; people_first: number; taken_over: number; open_with_bot: number; closed_by_team: number;
    fr_count: number; fr_median: number | null; fr_p90: number | null; res_count: number; res_median: number | null; res_p90: number | null;
    target_met: number; target_missed: number; target_waiting: number; target_min: number | null; target_max: number | null;
  }[]>`
    select count(*) filter (where not shopper)::int as agent_started,
           count(*) filter (where shopper)::int as total,
           count(*) filter (where shopper and status = 'resolved' and not handed_off and not taken_over and resolved_by is distinct from 'agent')::int as bot_closed,
           count(*) filter (where shopper and status = 'resolved' and not handed_off and not taken_over and resolved_by = 'agent')::int as closed_by_team,
           count(*) filter (where shopper and taken_over)::int as taken_over,
           count(*) filter (where shopper and handed_off)::int as handed_off,
           -- Of those, the ones sent straight to a person (reason stored at the hand-off, 043): the bot never had them.
           count(*) filter (where shopper and handed_off and handoff_reason in ${sql(STRAIGHT_TO_A_PERSON)})::int as people_first,
           count(*) filter (where shopper and status <> 'resolved' and not handed_off and not taken_over)::int as open_with_bot,
           -- The first reply after a hand-off: a chat an agent took straight from the bot has none to wait from (its
           -- first_response_seconds runs from the chat's start, the bot's conversation included); as the Teams table.
           count(first_response_seconds) filter (where shopper and handed_off)::int as fr_count,
           percentile_cont(0.5) within group (order by first_response_seconds) filter (where shopper and handed_off) as fr_median,
           percentile_cont(0.9) within group (order by first_response_seconds) filter (where shopper and handed_off) as fr_p90,
           count(resolution_seconds) filter (where shopper and handed_off)::int as res_count,
           percentile_cont(0.5) within group (order by resolution_seconds) filter (where shopper and handed_off) as res_median,
           percentile_cont(0.9) within group (order by resolution_seconds) filter (where shopper and handed_off) as res_p90,
           count(*) filter (where verdict = 'met')::int as target_met,
           count(*) filter (where verdict = 'missed')::int as target_missed,
           count(*) filter (where verdict = 'waiting')::int as target_waiting,
           (min(target) filter (where target > 0) / 60)::int as target_min,
           (max(target) filter (where target > 0) / 60)::int as target_max
    from (
      select c.status, c.handed_off, c.handoff_reason, c.resolved_by, c.first_response_seconds, c.resolution_seconds,
             c.started_by = 'shopper' as shopper, ${takenOverByTeam(sql)} as taken_over,
             case when c.handed_off then ${handoffTargetSeconds(sql, targetMinutes)} end as target,
             ${handoffVerdict(sql, targetMinutes)} as verdict
      from conversations c where c.created_at >= ${start} and c.created_at < ${end} and c.imported_from is null
    ) r`;
  // Of the open chats still with the bot, those whose latest answer the shopper rated helpful: few rows (open chats
  // are the last hours' ones), found through the status index. Apart from the read above: inside it, the per-row
  // lookup was planned (and costed) for every chat of the range, twice.
  const [{ confirmed }] = await sql<{ confirmed: number }[]>`
    select count(*)::int as confirmed from conversations c
    where c.status in ('bot', 'queued', 'assigned') and c.created_at >= ${start} and c.created_at < ${end}
      and c.started_by = 'shopper' and not ${takenOverByTeam(sql)} and not c.handed_off
      and coalesce((select f.helpful from feedback f where f.conversation_id = c.id and f.kind in ('article', 'answer')
                    order by f.created_at desc, f.id desc limit 1), false)`;
  const peopleFirst = facts.people_first;
  const handedOff = facts.handed_off - peopleFirst;
  const takenOver = facts.taken_over;
  const botResolved = facts.bot_closed + confirmed;
  const decided = botResolved + handedOff + takenOver;
  // Hand-offs and take-overs count as decided the moment they happen, the bot's successes only after BOT_IDLE_MINUTES
  // of quiet: the rate over the decided chats leans low while many are undecided, so the report gives where it can
  // still end.
  const undecided = facts.open_with_bot - confirmed;
  const targetDecided = facts.target_met + facts.target_missed;
  // Shown while the team has a target, or when any hand-off of the range was made under one (a target since removed
  // does not erase how those days went).
  const firstReplyTarget = targetMinutes > 0 || facts.target_max !== null
    ? {
        minutes: targetMinutes, met: facts.target_met, missed: facts.target_missed, waiting: facts.target_waiting, share: targetDecided ? round(facts.target_met / targetDecided, 4) : null,
        atTheTime: facts.target_min === null ? null : { minMinutes: facts.target_min, maxMinutes: facts.target_max! },
      }
    : null;

  // Each rating with who answered the chat: a person who replied in it, or the bot alone (a rating without its chat,
  // left after the chat was deleted, counts as the bot's: nobody's reply is on record).
  const csatRows = await sql<{ rating: number; people: boolean; n: number }[]>`
    select f.rating, coalesce(c.first_response_seconds is not null, false) as people, count(*)::int as n
    from feedback f left join conversations c on c.id = f.conversation_id
    where f.kind = 'csat' and f.created_at >= ${start} and f.created_at < ${end} and not f.imported group by 1, 2`;
  type RatingRow = { rating: number; people: boolean; n: number };
  const distributionOf = (rows: RatingRow[]) => [1, 2, 3, 4, 5].map((r) => rows.filter((row) => row.rating === r).reduce((n, row) => n + row.n, 0));
  const summaryOf = (rows: RatingRow[]) => {
    const counts = distributionOf(rows);
    const count = counts.reduce((a, b) => a + b, 0);
    return { count, average: count ? round(counts.reduce((sum, n, i) => sum + n * (i + 1), 0) / count, 2) : null };
  };
  const distribution = distributionOf(csatRows);
  const csatCount = distribution.reduce((a, b) => a + b, 0);
  const csatSum = distribution.reduce((sum, n, i) => sum + n * (i + 1), 0);

  // The bot's turns and the hand-offs, counted per day and payload fields (reportedEventCounts: a year's report read
  // a million events here, 5.3 s at a busy shop). They are grouped by what each figure counts by, so each figure
  // below sums a few thousand groups at most:
  // - top intents: intents the bot recognised and acted on; an unsure guess behind an article answer or a
  //   clarification ("and to Canada?" leaning to cancel_order) is evidence for the agent, not what shoppers asked about;
  // - the bot's turns by outcome; hand-offs by their reason.
  // The questions it could not answer are not grouped here but taken from the Unanswered page's groups
  // (`unansweredGroups`), so the report lists what an admin finds there, with what was done about each.
  const [events] = await sql<{
    bot: { total: number; answered: number; clarified: number; unanswered: number; handed_off: number };
    intents: { intent: string; count: number }[]; reasons: { reason: string; count: number }[];
  }[]>`
    with grouped as materialized (
      select case when type = 'bot.decision' and coalesce(intent, '') <> '' and coalesce(reason, 'intent') in ${sql(INTENT_REASONS)}
                  then intent end as intent,
             case when type = 'handoff' then coalesce(reason, 'bot') end as handoff_reason,
             sum(events) filter (where type = 'bot.decision') as decisions,
             sum(events) filter (where type = 'bot.decision' and action = 'answer') as answered,
             sum(events) filter (where type = 'bot.decision' and reason = 'ambiguous') as clarified,
             sum(events) filter (where type = 'bot.decision' and reason in ${sql(NOT_KNOWN_REASONS)}) as unanswered,
             sum(events) filter (where type = 'bot.decision' and action = 'handoff') as handed_off,
             sum(events) as n
      from (${reportedEventCounts(sql, start, end)}) counted
      group by 1, 2
    )
    select
      (select json_build_object('total', coalesce(sum(decisions), 0)::int, 'answered', coalesce(sum(answered), 0)::int, 'clarified', coalesce(sum(clarified), 0)::int,
                                'unanswered', coalesce(sum(unanswered), 0)::int, 'handed_off', coalesce(sum(handed_off), 0)::int) from grouped) as bot,
      (select coalesce(json_agg(json_build_object('intent', i.intent, 'count', i.count) order by i.count desc, i.intent), '[]')
       from (select intent, sum(n)::int as count from grouped where intent is not null group by 1 order by 2 desc, 1 limit 10) i) as intents,
      (select coalesce(json_agg(json_build_object('reason', h.reason, 'count', h.count) order by h.count desc, h.reason), '[]')
       from (select handoff_reason as reason, sum(n)::int as count from grouped where handoff_reason is not null group by 1) h) as reasons`;
  const { bot, intents: topIntents, reasons: handoffReasons } = events;
  const topUnanswered = await unansweredGroups(sql, range);

  const articles = await sql<{ article_id: number; title: string | null; helpful: number; not_helpful: number }[]>`
    select f.article_id, max(a.title) as title,
           count(*) filter (where f.helpful)::int as helpful,
           count(*) filter (where not f.helpful)::int as not_helpful
    from feedback f left join articles a on a.id = f.article_id
    where f.kind = 'article' and f.article_id is not null and f.created_at >= ${start} and f.created_at < ${end}
    group by f.article_id order by count(*) desc, f.article_id limit 20`;
  // Intents' own typed answers, rated the same way (they link no article).
  const answers = await sql<{ intent: string; helpful: number; not_helpful: number }[]>`
    select f.intent,
           count(*) filter (where f.helpful)::int as helpful,
           count(*) filter (where not f.helpful)::int as not_helpful
    from feedback f
    where f.kind = 'answer' and f.created_at >= ${start} and f.created_at < ${end}
    group by f.intent order by count(*) desc, f.intent limit 20`;

  const labels = await sql<{ label: string; count: number }[]>`
    select label, count(*)::int as count from conversations, unnest(labels) as label
    where created_at >= ${start} and created_at < ${end} and cardinality(labels) > 0 and imported_from is null
    group by label order by 2 desc, 1 limit 20`;

  // Counted per UTC day when they happen (nudge_stats): the range's dates are taken as UTC days here.
  const nudgeRows = await sql<{ nudge_id: string; shown: number; opened: number }[]>`
    select nudge_id, sum(shown)::int as shown, sum(opened)::int as opened from nudge_stats
    where day >= ${range.from}::date and day <= ${range.to}::date
    group by nudge_id order by 2 desc, 1`;
  const rules = new Map((await loadWidgetSettings(sql)).nudges.map((n) => [n.id, n.path]));

  return {
    range: { from: range.from, to: range.to, timeZone: range.timeZone },
    conversationsPerDay: perDay.map((r) => ({ day: r.day, total: r.total, handedOff: r.handed_off - r.people_first, peopleFirst: r.people_first, takenOver: r.taken_over })),
    agentStarted: facts.agent_started,
    containment: {
      total: facts.total, botResolved, confirmedByShopper: confirmed, handedOff, peopleFirst, takenOver,
      withBot: undecided, closedByTeam: facts.closed_by_team, settlesAfterMinutes: BOT_IDLE_MINUTES, rate: decided ? round(botResolved / decided, 4) : null,
      decided, undecided, pending: undecided > 0 && undecided >= decided,
      rateRange: undecided ? { low: round(botResolved / (decided + undecided), 4)!, high: round((botResolved + undecided) / (decided + undecided), 4)! } : null,
    },
    firstResponse: { count: facts.fr_count, medianSeconds: round(facts.fr_median, 1), p90Seconds: round(facts.fr_p90, 1) },
    firstReplyTarget,
    resolution: { count: facts.res_count, medianSeconds: round(facts.res_median, 1), p90Seconds: round(facts.res_p90, 1) },
    csat: {
      count: csatCount, average: csatCount ? round(csatSum / csatCount, 2) : null, distribution,
      byWhoAnswered: { bot: summaryOf(csatRows.filter((r) => !r.people)), people: summaryOf(csatRows.filter((r) => r.people)) },
    },
    topIntents,
    handoffReasons,
    articleHelpfulness: articles.map((a) => ({ articleId: a.article_id, title: a.title, helpful: a.helpful, notHelpful: a.not_helpful })),
    intentAnswerHelpfulness: answers.map((a) => ({ intent: a.intent, helpful: a.helpful, notHelpful: a.not_helpful })),
    botQuestions: {
      total: bot.total, answered: bot.answered, clarified: bot.clarified, unanswered: bot.unanswered, handedOff: bot.handed_off,
      unansweredRate: bot.total ? round(bot.unanswered / bot.total, 4) : null,
    },
    topUnanswered,
    labels,
    nudges: nudgeRows.map((n) => ({ id: n.nudge_id, path: rules.get(n.nudge_id) ?? null, shown: n.shown, opened: n.opened })),
  };
}

/** One group of the Unanswered page as the report lists it. */
export interface UnansweredGroupFigure {
  /** The group's id on the Unanswered page. */
  id: number;
  /** The group's question as the Unanswered page titles it (its first one). */
  question: string;
  /** The group's questions asked in the range. */
  count: number;
  /**
   * False when `count` is an estimate: the group keeps its newest questions (MAX_UNANSWERED_EXAMPLES in knowledge-base/unanswered.ts) with their
   * times and a total, so a busy group that started before the range and is still asked after it has in-range
   * questions that were not kept.
   */
  countExact: boolean;
  /** The group's latest question in the range (its last time seen, when that one was not kept). */
  lastAsked: string;
  status: 'open' | 'handled';
  /** What the admin did (Unanswered page): `example` (added to `intent`), `out_of_scope` ("Not for the bot"), `article`, `dismissed`. */
  handled: { kind: string; intent?: string; slug?: string } | null;
}

/** Groups the report lists: the most asked in the range. */
const TOP_UNANSWERED = 10;

/**
 * The Unanswered page's groups (knowledge-base/unanswered.ts: similar questions grouped by shared words, open or
 * handled) with questions in the range, most asked in the range first. A group stores its total `count`, its
 * `first_seen` / `last_seen`, and its newest questions (MAX_UNANSWERED_EXAMPLES) each with `at`, so its questions in
 * the range are counted:
 * - as its total, when it was seen only inside the range (its examples are not read);
 * - from the kept examples' times, when every question of the group is kept, or the oldest kept is older than the
 *   range (every question of the range is newer, so kept);
 * - else, when the group began inside the range and its oldest kept question is before the range's end: the total
 *   minus the kept questions after the range (the dropped ones are all older, so inside it);
 * - else estimated (`countExact` false, shown as "about"): the kept examples in the range, plus the questions that were
 *   not kept (all older than the oldest kept, from `first_seen` on) in the share of that span the range covers, as if
 *   asked evenly over it. Counting only the kept ones dropped the busiest groups to the bottom: a group asked 1,600
 *   times in a month keeps its newest 10, all from the last hours (bench:reports). A group with no examples left (a
 *   customer's deletion, the retention sweep) has its last question at `last_seen` and the others spread evenly over
 *   [first_seen, last_seen]; no estimate exceeds the group's total.
 * Only groups seen since the range began are read, through `unanswered_open_idx` (status, last_seen): groups, not
 * events, each with its few examples unnested.
 */
export async function unansweredGroups(sql: Sql, range: { start: Date; end: Date }): Promise<UnansweredGroupFigure[]> {
  const { start, end } = range;
  const rows = await sql<{
    id: number; question: string; count: number; exact: boolean; last_asked: Date; status: 'open' | 'handled'; resolution: Record<string, unknown> | null;
  }[]>`
    with kept as (
      select q.id, q.text, q.status, q.resolution, q.count as total, q.first_seen, q.last_seen,
             count(e.at) as kept,
             count(*) filter (where e.at >= ${start} and e.at < ${end}) as kept_in,
             count(*) filter (where e.at >= ${end}) as kept_after,
             min(e.at) as oldest_kept,
             max(e.at) filter (where e.at >= ${start} and e.at < ${end}) as last_in
      from unanswered_questions q
      -- A group seen only inside the range needs no examples read: all its questions are the range's.
      left join lateral (
        select (x ->> 'at')::timestamptz as at from jsonb_array_elements(q.examples) x
        where not (q.first_seen >= ${start} and q.last_seen < ${end}) and x ->> 'at' is not null) e on true
      where q.status in ('open', 'handled') and q.last_seen >= ${start} and q.first_seen < ${end}
      group by q.id
    ),
    -- Which of the four ways above counts the group, decided once: the count and its exactness both follow from it.
    -- A group can have no saved examples at all though it has questions: a customer's deletion and the retention sweep
    -- take theirs out (customer-privacy.ts) and keep the total. Its latest question's time is still known (last_seen),
    -- so the estimate takes it as the one kept (known, known_in, oldest_known) and spreads the others over
    -- [first_seen, last_seen]. Without it the span's end was NULL, which least() and greatest() skip: the estimate
    -- became the total times the range's seconds (4 questions read as 345,600 in a day).
    how as (
      select *,
             case when first_seen >= ${start} and last_seen < ${end} then 'total'
                  when kept >= total or oldest_kept < ${start} then 'kept'
                  when first_seen >= ${start} and oldest_kept < ${end} then 'total_minus_after'
                  else 'estimate' end as way,
             greatest(kept, 1) as known,
             case when kept > 0 then kept_in else (last_seen >= ${start} and last_seen < ${end})::int end as known_in,
             coalesce(oldest_kept, last_seen) as oldest_known
      from kept
    ),
    counted as (
      select *,
             case way when 'total' then total
                      when 'kept' then kept_in
                      when 'total_minus_after' then total - kept_after
                      -- Never more than the group's questions, whatever its stored times say.
                      else least(total, known_in + round(greatest(0, total - known)
                                   * greatest(0, extract(epoch from least(oldest_known, ${end}::timestamptz) - greatest(first_seen, ${start}::timestamptz)))
                                   / greatest(1, extract(epoch from oldest_known - first_seen)))) end as in_range,
             way <> 'estimate' as exact
      from how
    )
    select id, text as question, in_range::int as count, exact, status, resolution,
           coalesce(last_in, least(last_seen, ${end}::timestamptz - interval '1 millisecond')) as last_asked
    from counted
    where in_range > 0
    order by in_range desc, last_asked desc, id
    limit ${TOP_UNANSWERED}`;
  return rows.map((r) => ({
    id: r.id, question: r.question, count: r.count, countExact: r.exact, lastAsked: r.last_asked.toISOString(), status: r.status,
    handled: r.status === 'handled' && r.resolution ? handledHow(r.resolution) : null,
  }));
}

/** What the admin did with a group, without who did it (the audit log has that). */
function handledHow(resolution: Record<string, unknown>): UnansweredGroupFigure['handled'] {
  const how: NonNullable<UnansweredGroupFigure['handled']> = { kind: String(resolution.kind ?? 'handled') };
  if (typeof resolution.intent === 'string') how.intent = resolution.intent;
  if (typeof resolution.slug === 'string') how.slug = resolution.slug;
  return how;
}

/** One CSV field: quoted, quotes doubled, and a leading formula character neutralised (spreadsheet injection). */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * U+FEFF, which every CSV the team downloads starts with (conversations.csv, agents.csv, the customers' export.csv):
 * it tells Excel the file is UTF-8. Without it Excel on a Chinese Windows reads the file in the system's code page
 * (GBK) and every Chinese name and message is garbled. The contacts import strips it (customer-import.ts's parseCsv),
 * so an exported file reads back as it is; `fetch`'s text() drops it too.
 */
export const BYTE_ORDER_MARK = '\uFEFF';

/** A CSV as it is sent: the byte-order mark, then the text or its streamed pieces. */
export function withByteOrderMark(csv: string): string;
export function withByteOrderMark(csv: AsyncIterable<string>): AsyncGenerator<string>;
export function withByteOrderMark(csv: string | AsyncIterable<string>): string | AsyncGenerator<string> {
  if (typeof csv === 'string') return BYTE_ORDER_MARK + csv;
  return (async function* () {
    yield BYTE_ORDER_MARK;
    yield* csv;
  })();
}

/** Conversations read per statement of the CSV: a year of a busy shop is 300,000 of them, with their transcripts. */
const CSV_PAGE = 5_000;

// started_by: 'shopper', or 'agent' for a conversation the team started (outside the report's bot figures). channel
// (migration 055): widget, email or agent — last, so the columns a shop's spreadsheet reads by position stay where they were.
const CSV_HEADER = ['conversation_id', 'created_at', 'status', 'started_by', 'handed_off', 'resolved_by', 'customer_id', 'customer_name', 'customer_email',
  'assignee', 'first_response_seconds', 'resolution_seconds', 'csat', 'labels', 'transcript', 'channel'];

/**
 * Conversations started in the range with their public transcripts (private notes left out), as CSV text in pieces:
 * the header, then a piece per page of CSV_PAGE conversations in id order (keyset paging), so the route streams a
 * year's export without holding it whole. There was a cap of 20,000 rows that dropped the rest without a word; a
 * busy shop passes it within a month. `limit` stops after that many rows (the benchmark compares with the capped
 * code it replaced).
 */
export async function* conversationsCsvChunks(sql: Sql, range: ReturnType<typeof resolveRange>, options: { limit?: number } = {}): AsyncGenerator<string> {
  yield CSV_HEADER.map(csvField).join(',') + '\r\n';
  let afterId = 0;
  let left = options.limit ?? Infinity;
  while (left > 0) {
    const pageSize = Math.min(CSV_PAGE, left);
    const rows = await withoutJit(sql, (tx) => tx<{
      id: number; created_at: Date; status: string; started_by: string; handed_off: boolean; resolved_by: string | null; customer_id: number;
      customer_name: string | null; customer_email: string | null; assignee: string | null;
      first_response_seconds: number | null; resolution_seconds: number | null; csat: number | null; labels: string[]; transcript: string | null; channel: string;
    }[]>`
      -- The page of conversations first, then their latest ratings and public messages read through the ids as an
      -- array (conversation_id indexes), each grouped once, instead of two lookups per conversation.
      with page as materialized (
        select c.id, c.created_at, c.status, c.started_by, c.handed_off, c.resolved_by, c.customer_id, c.assignee_id,
               c.first_response_seconds, c.resolution_seconds, c.labels, c.channel
        from conversations c
        where c.created_at >= ${range.start} and c.created_at < ${range.end} and c.id > ${afterId} and c.imported_from is null
        order by c.id limit ${pageSize}
      )
      select p.id, p.created_at, p.status, p.started_by, p.handed_off, p.resolved_by, p.customer_id, cu.name as customer_name, cu.email as customer_email,
             u.name as assignee, p.first_response_seconds, p.resolution_seconds, p.labels, rated.rating as csat, said.transcript, p.channel
      from page p
      join customers cu on cu.id = p.customer_id
      left join users u on u.id = p.assignee_id
      left join (
        select distinct on (f.conversation_id) f.conversation_id, f.rating from feedback f
        where f.conversation_id = any (array(select id from page)) and f.kind = 'csat'
        order by f.conversation_id, f.id desc
      ) rated on rated.conversation_id = p.id
      left join (
        select m.conversation_id, string_agg(
                 '[' || to_char(m.created_at at time zone ${range.timeZone}, 'YYYY-MM-DD HH24:MI:SS') || '] '
                 || case m.author_type when 'customer' then 'Customer' when 'bot' then 'Bot' when 'system' then 'System'
                                       else coalesce(au.name, 'Agent') end
                 || ': ' || m.body, E'\n' order by m.id) as transcript
        from messages m left join users au on au.id = m.author_id
        where m.conversation_id = any (array(select id from page)) and not m.private
        group by m.conversation_id
      ) said on said.conversation_id = p.id
      order by p.id`);
    if (!rows.length) return;
    const lines = rows.map((r) => [r.id, r.created_at, r.status, r.started_by, r.handed_off, r.resolved_by, r.customer_id, r.customer_name, r.customer_email,
      r.assignee, r.first_response_seconds, r.resolution_seconds, r.csat, r.labels.join('; '), r.transcript, r.channel].map(csvField).join(','));
    yield lines.join('\r\n') + '\r\n';
    afterId = rows[rows.length - 1].id;
    left -= rows.length;
    if (rows.length < pageSize) return;
  }
}

/** The whole CSV as one string (tests, the benchmark). */
export async function conversationsCsv(sql: Sql, range: ReturnType<typeof resolveRange>, options: { limit?: number } = {}): Promise<string> {
  let csv = '';
  for await (const chunk of conversationsCsvChunks(sql, range, options)) csv += chunk;
  return csv;
}
