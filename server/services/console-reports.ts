// The admin reports: every figure is computed in SQL over the records
// (conversations, feedback, interaction events) for one UTC date range, so the
// numbers on the page are the database's numbers.
import type { Sql } from '../db/client.ts';
import { loadWidgetSettings } from './widget-settings.ts';
import { loadTeamSettings } from './team-settings.ts';
import { badRequest } from '../errors.ts';
import { isRealDay } from './calendar-days.ts';
import { BOT_IDLE_MINUTES } from './bot-idle.ts';
import { NOT_KNOWN_REASONS, UNANSWERED_REASONS } from '../../knowledge-base/types.ts';

export interface DateRange {
  /** Inclusive first day, YYYY-MM-DD (UTC). */
  from: string;
  /** Inclusive last day, YYYY-MM-DD (UTC). */
  to: string;
}

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

/** Validates a range (defaults: the last 30 days) and returns it with its bounds as instants. */
export function resolveRange(from?: string, to?: string, now = new Date()): DateRange & { start: Date; end: Date; days: number } {
  const today = now.toISOString().slice(0, 10);
  const toDay = to ?? today;
  const fromDay = from ?? new Date(Date.parse(`${toDay}T00:00:00Z`) - 29 * DAY_MS).toISOString().slice(0, 10);
  const start = new Date(`${fromDay}T00:00:00Z`);
  const lastDay = new Date(`${toDay}T00:00:00Z`);
  if (!isRealDay(fromDay) || !isRealDay(toDay)) throw badRequest('Dates must be real days written YYYY-MM-DD.');
  const days = Math.round((lastDay.getTime() - start.getTime()) / DAY_MS) + 1;
  if (days < 1) throw badRequest('"from" must not be after "to".');
  if (days > MAX_DAYS) throw badRequest(`A report covers at most ${MAX_DAYS} days.`);
  return { from: fromDay, to: toDay, start, end: new Date(lastDay.getTime() + DAY_MS), days };
}

export interface Percentiles {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface Report {
  range: DateRange;
  /** Shoppers' conversations per day (those an agent started are `agentStarted`, outside every other figure). */
  conversationsPerDay: { day: string; total: number; handedOff: number }[];
  agentStarted: number;
  /**
   * `botResolved` includes `confirmedByShopper` (still open, its latest answer rated helpful); `withBot` are open
   * chats not yet settled either way, counted once quiet for `settlesAfterMinutes`. `rate` is over the settled ones.
   */
  containment: {
    total: number; botResolved: number; confirmedByShopper: number; handedOff: number; withBot: number;
    /** Closed by an agent without a hand-off (spam, a blocked shopper): in neither side of the rate. */
    closedByTeam: number;
    settlesAfterMinutes: number; rate: number | null;
  };
  firstResponse: Percentiles;
  /**
   * Hand-offs of the range measured against the team's first-reply target (null when there is none). `met`: the
   * first reply came in time; `missed`: it came late, or the shopper waited past the target and got none (the chat
   * closed, or is still waiting); `waiting`: no reply yet, still within the target (in neither side of the share).
   */
  firstReplyTarget: { minutes: number; met: number; missed: number; waiting: number; share: number | null } | null;
  resolution: Percentiles;
  csat: { count: number; average: number | null; distribution: number[] };
  topIntents: { intent: string; count: number }[];
  articleHelpfulness: { articleId: number; title: string | null; helpful: number; notHelpful: number }[];
  /** The bot's turns by outcome; `unanswered` = it said it did not know (a second miss in a row also hands off). */
  botQuestions: { total: number; answered: number; clarified: number; unanswered: number; handedOff: number; unansweredRate: number | null };
  /** Why chats went to a person: the shopper's button, a request in words, upset, two misses, a file … */
  handoffReasons: { reason: string; count: number }[];
  /** The questions the bot most often could not answer (did not know or had to ask which was meant), repeats counted together. */
  topUnanswered: { question: string; count: number; lastAsked: string }[];
  /** Proactive messages in the range: how often each was shown and opened (path from the current rules). */
  nudges: { id: string; path: string | null; shown: number; opened: number }[];
  /** Conversations started in the range, by the labels agents gave them (most used first). */
  labels: { label: string; count: number }[];
}

/** Decision reasons of a recognised intent (policy.ts); events stored before reasons existed count as such. */
const INTENT_REASONS = ['intent', 'intent_action', 'order_status'];

const round = (n: number | null, digits = 0) => (n === null ? null : Number(n.toFixed(digits)));

export async function buildReport(sql: Sql, range: ReturnType<typeof resolveRange>): Promise<Report> {
  const { start, end } = range;
  const perDay = await sql<{ day: string; total: number; handed_off: number }[]>`
    select to_char(d.day, 'YYYY-MM-DD') as day,
           count(c.id)::int as total,
           count(c.id) filter (where c.handed_off)::int as handed_off
    from (select (${range.from}::date + i) as day from generate_series(0, ${range.days - 1}::int) as i) d
    left join conversations c
      on c.created_at >= (d.day::timestamp at time zone 'UTC') and c.created_at < ((d.day + 1)::timestamp at time zone 'UTC')
         and c.started_by = 'shopper'
    group by d.day order by d.day`;

  // Containment: of the conversations started in the range, how many the bot settled alone vs handed to a person.
  // The bot settles a chat when the shopper rates its latest answer helpful (confirmed at once) or leaves it
  // BOT_IDLE_MINUTES without writing (closed by the idle sweep); until then it is still with the bot. A chat an
  // agent closed without taking it (spam, a blocked shopper) is neither the bot's success nor a hand-off.
  // Conversations an agent started by writing to a customer are never the bot's to answer: outside every figure
  // about the bot, hand-offs and response times, counted on their own (agent_started) in the same read of the range.
  const [containment] = await sql<{ total: number; bot_closed: number; bot_confirmed: number; handed_off: number; with_bot: number; closed_by_team: number; agent_started: number }[]>`
    with in_range as (
      select c.id, c.status, c.handed_off, c.resolved_by, c.started_by
      from conversations c where c.created_at >= ${start} and c.created_at < ${end}),
    ranged as (
      select r.status, r.handed_off, r.resolved_by,
             case when r.status <> 'resolved' and not r.handed_off then coalesce((
               select f.helpful from feedback f where f.conversation_id = r.id and f.kind = 'article'
               order by f.created_at desc, f.id desc limit 1), false) else false end as confirmed
      from in_range r where r.started_by = 'shopper')
    select (select count(*) from in_range where started_by = 'agent')::int as agent_started,
           count(*)::int as total,
           count(*) filter (where status = 'resolved' and not handed_off and resolved_by is distinct from 'agent')::int as bot_closed,
           count(*) filter (where status = 'resolved' and not handed_off and resolved_by = 'agent')::int as closed_by_team,
           count(*) filter (where confirmed)::int as bot_confirmed,
           count(*) filter (where handed_off)::int as handed_off,
           count(*) filter (where status <> 'resolved' and not handed_off and not confirmed)::int as with_bot
    from ranged`;
  const botResolved = containment.bot_closed + containment.bot_confirmed;
  const decided = botResolved + containment.handed_off;

  const [times] = await sql<{ fr_count: number; fr_median: number | null; fr_p90: number | null; res_count: number; res_median: number | null; res_p90: number | null }[]>`
    select count(first_response_seconds)::int as fr_count,
           percentile_cont(0.5) within group (order by first_response_seconds) as fr_median,
           percentile_cont(0.9) within group (order by first_response_seconds) as fr_p90,
           count(resolution_seconds) filter (where handed_off)::int as res_count,
           percentile_cont(0.5) within group (order by resolution_seconds) filter (where handed_off) as res_median,
           percentile_cont(0.9) within group (order by resolution_seconds) filter (where handed_off) as res_p90
    from conversations where created_at >= ${start} and created_at < ${end} and started_by = 'shopper'`;

  const targetMinutes = (await loadTeamSettings(sql)).firstReplyTargetMinutes;
  const firstReplyTarget = targetMinutes > 0 ? await firstRepliesAgainstTarget(sql, start, end, targetMinutes * 60) : null;

  const csatRows = await sql<{ rating: number; n: number }[]>`
    select rating, count(*)::int as n from feedback
    where kind = 'csat' and created_at >= ${start} and created_at < ${end} group by rating`;
  const distribution = [1, 2, 3, 4, 5].map((r) => csatRows.find((row) => row.rating === r)?.n ?? 0);
  const csatCount = distribution.reduce((a, b) => a + b, 0);
  const csatSum = distribution.reduce((sum, n, i) => sum + n * (i + 1), 0);

  // Intents the bot recognised and acted on; an unsure guess behind an article answer or a clarification
  // ("and to Canada?" leaning to cancel_order) is evidence for the agent, not what shoppers asked about.
  const topIntents = await sql<{ intent: string; count: number }[]>`
    select payload->>'intent' as intent, count(*)::int as count from interaction_events
    where type = 'bot.decision' and occurred_at >= ${start} and occurred_at < ${end}
      and coalesce(payload->>'intent', '') <> '' and coalesce(payload->>'reason', 'intent') in ${sql(INTENT_REASONS)}
    group by 1 order by 2 desc, 1 limit 10`;

  const articles = await sql<{ article_id: number; title: string | null; helpful: number; not_helpful: number }[]>`
    select f.article_id, max(a.title) as title,
           count(*) filter (where f.helpful)::int as helpful,
           count(*) filter (where not f.helpful)::int as not_helpful
    from feedback f left join articles a on a.id = f.article_id
    where f.kind = 'article' and f.article_id is not null and f.created_at >= ${start} and f.created_at < ${end}
    group by f.article_id order by count(*) desc, f.article_id limit 20`;

  const [bot] = await sql<{ total: number; answered: number; clarified: number; unanswered: number; handed_off: number }[]>`
    select count(*)::int as total,
           count(*) filter (where payload->>'action' = 'answer')::int as answered,
           count(*) filter (where payload->>'reason' = 'ambiguous')::int as clarified,
           count(*) filter (where payload->>'reason' in ${sql(NOT_KNOWN_REASONS)})::int as unanswered,
           count(*) filter (where payload->>'action' = 'handoff')::int as handed_off
    from interaction_events where type = 'bot.decision' and occurred_at >= ${start} and occurred_at < ${end}`;

  const handoffReasons = await sql<{ reason: string; count: number }[]>`
    select coalesce(payload->>'reason', 'bot') as reason, count(*)::int as count from interaction_events
    where type = 'handoff' and occurred_at >= ${start} and occurred_at < ${end}
    group by 1 order by 2 desc, 1`;

  // Repeats differ in case, spacing and punctuation ("Do you ship to Mars?" / "do you ship to mars"), shown
  // in their latest spelling; the similarity groups with their actions are on the unanswered-questions page.
  const unanswered = await sql<{ question: string; count: number; last_asked: Date }[]>`
    select (array_agg(payload->>'question' order by occurred_at desc))[1] as question, count(*)::int as count, max(occurred_at) as last_asked
    from interaction_events
    where type = 'bot.decision' and occurred_at >= ${start} and occurred_at < ${end}
      and payload->>'reason' in ${sql(UNANSWERED_REASONS)} and coalesce(payload->>'question', '') <> ''
    group by btrim(regexp_replace(lower(payload->>'question'), '[[:punct:][:space:]]+', ' ', 'g'))
    order by 2 desc, 3 desc limit 10`;

  const labels = await sql<{ label: string; count: number }[]>`
    select label, count(*)::int as count from conversations, unnest(labels) as label
    where created_at >= ${start} and created_at < ${end} and cardinality(labels) > 0
    group by label order by 2 desc, 1 limit 20`;

  const nudgeRows = await sql<{ nudge_id: string; shown: number; opened: number }[]>`
    select nudge_id, sum(shown)::int as shown, sum(opened)::int as opened from nudge_stats
    where day >= ${range.from}::date and day <= ${range.to}::date
    group by nudge_id order by 2 desc, 1`;
  const rules = new Map((await loadWidgetSettings(sql)).nudges.map((n) => [n.id, n.path]));

  return {
    range: { from: range.from, to: range.to },
    conversationsPerDay: perDay.map((r) => ({ day: r.day, total: r.total, handedOff: r.handed_off })),
    agentStarted: containment.agent_started,
    containment: {
      total: containment.total, botResolved, confirmedByShopper: containment.bot_confirmed, handedOff: containment.handed_off,
      withBot: containment.with_bot, closedByTeam: containment.closed_by_team, settlesAfterMinutes: BOT_IDLE_MINUTES, rate: decided ? round(botResolved / decided, 4) : null,
    },
    firstResponse: { count: times.fr_count, medianSeconds: round(times.fr_median, 1), p90Seconds: round(times.fr_p90, 1) },
    firstReplyTarget: firstReplyTarget && { minutes: targetMinutes, ...firstReplyTarget },
    resolution: { count: times.res_count, medianSeconds: round(times.res_median, 1), p90Seconds: round(times.res_p90, 1) },
    csat: { count: csatCount, average: csatCount ? round(csatSum / csatCount, 2) : null, distribution },
    topIntents,
    handoffReasons,
    articleHelpfulness: articles.map((a) => ({ articleId: a.article_id, title: a.title, helpful: a.helpful, notHelpful: a.not_helpful })),
    botQuestions: {
      total: bot.total, answered: bot.answered, clarified: bot.clarified, unanswered: bot.unanswered, handedOff: bot.handed_off,
      unansweredRate: bot.total ? round(bot.unanswered / bot.total, 4) : null,
    },
    topUnanswered: unanswered.map((u) => ({ question: u.question, count: u.count, lastAsked: u.last_asked.toISOString() })),
    labels,
    nudges: nudgeRows.map((n) => ({ id: n.nudge_id, path: rules.get(n.nudge_id) ?? null, shown: n.shown, opened: n.opened })),
  };
}

/** One CSV field: quoted, quotes doubled, and a leading formula character neutralised (spreadsheet injection). */
/**
 * The range's hand-offs against a first-reply target. The wait runs from the hand-off (as `first_response_seconds`
 * does) to the first reply, or else to the chat's close, or else to now. A chat closed without a reply inside the
 * target (the shopper left at once) counts on neither side.
 */
async function firstRepliesAgainstTarget(sql: Sql, start: Date, end: Date, targetSeconds: number): Promise<{ met: number; missed: number; waiting: number; share: number | null }> {
  const [row] = await sql<{ met: number; missed: number; waiting: number }[]>`
    with handed as (
      select first_response_seconds as replied_after,
             extract(epoch from coalesce(resolved_at, now()) - coalesce(queued_at, created_at)) as waited, resolved_at
      from conversations where created_at >= ${start} and created_at < ${end} and handed_off
    )
    select count(*) filter (where replied_after <= ${targetSeconds})::int as met,
           count(*) filter (where replied_after > ${targetSeconds} or (replied_after is null and waited > ${targetSeconds}))::int as missed,
           count(*) filter (where replied_after is null and resolved_at is null and waited <= ${targetSeconds})::int as waiting
    from handed`;
  const decided = row.met + row.missed;
  return { ...row, share: decided ? round(row.met / decided, 4) : null };
}

export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

const CSV_LIMIT = 20_000;

/** Conversations started in the range with their public transcripts (private notes left out), as CSV. */
export async function conversationsCsv(sql: Sql, range: ReturnType<typeof resolveRange>): Promise<string> {
  const rows = await sql<{
    id: number; created_at: Date; status: string; started_by: string; handed_off: boolean; resolved_by: string | null; customer_id: number;
    customer_name: string | null; customer_email: string | null; assignee: string | null;
    first_response_seconds: number | null; resolution_seconds: number | null; csat: number | null; labels: string[]; transcript: string | null;
  }[]>`
    select c.id, c.created_at, c.status, c.started_by, c.handed_off, c.resolved_by, c.customer_id, cu.name as customer_name, cu.email as customer_email,
           u.name as assignee, c.first_response_seconds, c.resolution_seconds, c.labels,
           (select f.rating from feedback f where f.conversation_id = c.id and f.kind = 'csat' order by f.id desc limit 1) as csat,
           (select string_agg(
                     '[' || to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '] '
                     || case m.author_type when 'customer' then 'Customer' when 'bot' then 'Bot' when 'system' then 'System'
                                           else coalesce(au.name, 'Agent') end
                     || ': ' || m.body, E'\n' order by m.id)
            from messages m left join users au on au.id = m.author_id
            where m.conversation_id = c.id and not m.private) as transcript
    from conversations c
    join customers cu on cu.id = c.customer_id
    left join users u on u.id = c.assignee_id
    where c.created_at >= ${range.start} and c.created_at < ${range.end}
    order by c.id limit ${CSV_LIMIT}`;
  // started_by: 'shopper', or 'agent' for a conversation the team started (outside the report's bot figures).
  const header = ['conversation_id', 'created_at', 'status', 'started_by', 'handed_off', 'resolved_by', 'customer_id', 'customer_name', 'customer_email',
    'assignee', 'first_response_seconds', 'resolution_seconds', 'csat', 'labels', 'transcript'];
  const lines = [header.map(csvField).join(',')];
  for (const r of rows) {
    lines.push([r.id, r.created_at, r.status, r.started_by, r.handed_off, r.resolved_by, r.customer_id, r.customer_name, r.customer_email,
      r.assignee, r.first_response_seconds, r.resolution_seconds, r.csat, r.labels.join('; '), r.transcript].map(csvField).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
