// Reports: conversations per day, containment, first-response and resolution
// times, CSAT, top intents, why chats went to a person, article helpfulness and the questions the bot could
// not answer for a date range, drawn with Chart.js from /api/admin/reports,
// plus the CSV export of the same range, the per-agent table (admin-reports-agents.tsx) and the per-team one
// (admin-reports-teams.tsx).
import { useEffect, useRef, useState } from 'preact/hooks';
import { dayIn } from '../../../server/services/zoned-days.ts';
import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import { get, query } from '../api.ts';
import { formatSeconds, formatTime, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';
import { navigate } from '../router.ts';
import { AgentsCard } from './admin-reports-agents.tsx';
import { TeamsCard } from './admin-reports-teams.tsx';
import { handoffReasonLabel } from './handoff-reason-label.ts';
import { useIntentNames } from '../intent-names.tsx';
import { containmentSlices, perDaySeries, type ChatsOfADay } from '../report-series.ts';

Chart.register(...registerables);

/** A group of the Unanswered page with its questions in the range (console-reports.ts unansweredGroups). */
interface UnansweredGroup {
  id: number; question: string; count: number; countExact: boolean; lastAsked: string; status: 'open' | 'handled';
  handled: { kind: string; intent?: string; slug?: string } | null;
}

interface Report {
  range: { from: string; to: string };
  conversationsPerDay: ChatsOfADay[];
  agentStarted: number;
  containment: {
    total: number; botResolved: number; confirmedByShopper: number; handedOff: number; withBot: number; closedByTeam: number; peopleFirst: number; settlesAfterMinutes: number; rate: number | null;
    /** Taken from the bot by a person without a hand-off (or reopened after it settled): against the bot, like a hand-off. */
    takenOver: number;
    /** The rate's base; not decided yet; where the rate ends once they settle; at least as many undecided as decided. */
    decided: number; undecided: number; rateRange: { low: number; high: number } | null; pending: boolean;
  };
  firstResponse: { count: number; medianSeconds: number | null; p90Seconds: number | null };
  /** Each hand-off judged by the target in force when it was handed off (`atTheTime`: the range of those targets). */
  firstReplyTarget: { minutes: number; met: number; missed: number; waiting: number; share: number | null; atTheTime: { minMinutes: number; maxMinutes: number } | null } | null;
  resolution: { count: number; medianSeconds: number | null; p90Seconds: number | null };
  csat: { count: number; average: number | null; distribution: number[]; byWhoAnswered: Record<'bot' | 'people', { count: number; average: number | null }> };
  topIntents: { intent: string; count: number }[];
  handoffReasons: { reason: string; count: number }[];
  articleHelpfulness: { articleId: number; title: string | null; helpful: number; notHelpful: number }[];
  intentAnswerHelpfulness?: { intent: string; helpful: number; notHelpful: number }[];
  botQuestions: { total: number; answered: number; clarified: number; unanswered: number; handedOff: number; unansweredRate: number | null };
  topUnanswered: UnansweredGroup[];
  labels: { label: string; count: number }[];
  nudges: { id: string; path: string | null; shown: number; opened: number }[];
}

/** The reader's time zone: the report counts their days (a shop in Shanghai is not on UTC). */
const READER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** How many characters of a bar's name the axis shows: Chart.js gives the axis at most half the chart, and cuts the rest. */
const AXIS_LABEL_CHARS = 30;
/** A bar chart's name axis: a long name (an intent's label, an article's title) shortened, whole in the tooltip. */
const namesAxis = {
  ticks: {
    callback(this: { getLabelForValue(value: number): string }, value: string | number): string {
      const name = this.getLabelForValue(Number(value));
      return [...name].length > AXIS_LABEL_CHARS ? `${[...name].slice(0, AXIS_LABEL_CHARS - 1).join('')}…` : name;
    },
  },
};
const day = (d: Date) => dayIn(d, READER_ZONE);

/** Articles' answers and intents' own answers in one list, the most rated first: both are what the bot said. */
function ratedAnswers(r: Report, named: (intent: string) => string): { name: string; helpful: number; notHelpful: number }[] {
  const articles = r.articleHelpfulness.map((a) => ({ name: a.title ?? `#${a.articleId}`, helpful: a.helpful, notHelpful: a.notHelpful }));
  const intents = (r.intentAnswerHelpfulness ?? []).map((a) => ({ name: t('reports.intentAnswer', { name: named(a.intent) }), helpful: a.helpful, notHelpful: a.notHelpful }));
  return [...articles, ...intents].sort((a, b) => b.helpful + b.notHelpful - (a.helpful + a.notHelpful)).slice(0, 20);
}

export function ReportsPage() {
  const [range, setRange] = useState(() => ({ from: day(new Date(Date.now() - 29 * 86_400_000)), to: day(new Date()), tz: READER_ZONE }));
  const [form, setForm] = useState(range);
  const report = useLoad(() => get<Report>(`/api/admin/reports${query(range)}`), [range.from, range.to]);
  const r = report.data;
  const named = useIntentNames();
  const rated = r ? ratedAnswers(r, named) : [];
  return (
    <div class="reports" data-testid="reports">
      <form class="card inline" onSubmit={(e) => { e.preventDefault(); setRange(form); }}>
        <label>{t('reports.from')} <input type="date" data-testid="report-from" value={form.from} onInput={(e) => setForm({ ...form, from: e.currentTarget.value })} /></label>
        <label>{t('reports.to')} <input type="date" data-testid="report-to" value={form.to} onInput={(e) => setForm({ ...form, to: e.currentTarget.value })} /></label>
        <button class="primary" type="submit" data-testid="report-apply">{t('reports.apply')}</button>
        <a class="button" data-testid="report-csv" href={`/api/admin/reports/conversations.csv${query(range)}`} download>{t('reports.csv')}</a>
        {/* Which days these are: the reader's zone's, sent as `tz` (console-reports.ts resolveRange). */}
        <span class="muted small" data-testid="report-zone">{t('reports.zoneDays', { zone: READER_ZONE })}</span>
      </form>
      {report.error && <p class="error">{report.error}</p>}
      {r && (
        <div data-testid="report-ready" data-from={r.range.from} data-to={r.range.to}>
          <div class="kpis">
            <Kpi id="kpi-conversations" label={t('reports.conversations')} value={String(r.containment.total)}
              detail={r.agentStarted ? t('reports.agentStarted', { n: r.agentStarted }) : undefined} />
            <Kpi id="kpi-containment" label={t('reports.containment')} value={containmentValue(r.containment)}
              detail={containmentDetail(r.containment)} hint={`${t('reports.containmentHint', { minutes: r.containment.settlesAfterMinutes })} ${t('reports.takenOverHint')}`} />
            <Kpi id="kpi-first-response" label={t('reports.firstResponse')} value={formatSeconds(r.firstResponse.medianSeconds)}
              detail={t('reports.firstResponseDetail', { p90: formatSeconds(r.firstResponse.p90Seconds), n: r.firstResponse.count })} raw={r.firstResponse.medianSeconds} />
            {r.firstReplyTarget && (
              <Kpi id="kpi-first-reply-target" label={targetLabel(r.firstReplyTarget)} hint={t('reports.withinTargetHint')}
                value={r.firstReplyTarget.share === null ? '—' : `${(r.firstReplyTarget.share * 100).toFixed(1)}%`}
                detail={t(r.firstReplyTarget.waiting ? 'reports.withinTargetDetailWaiting' : 'reports.withinTargetDetail', { met: r.firstReplyTarget.met, missed: r.firstReplyTarget.missed, waiting: r.firstReplyTarget.waiting })} raw={r.firstReplyTarget.share} />
            )}
            <Kpi id="kpi-resolution" label={t('reports.resolution')} value={formatSeconds(r.resolution.medianSeconds)}
              detail={`p90 ${formatSeconds(r.resolution.p90Seconds)} · n=${r.resolution.count}`} raw={r.resolution.medianSeconds} />
            <Kpi id="kpi-csat" label={t('reports.csat')} value={r.csat.average === null ? '—' : r.csat.average.toFixed(2)} raw={r.csat.average}
              detail={t('reports.csatDetail', { count: r.csat.count, bot: ratingSummary(r.csat.byWhoAnswered.bot), people: ratingSummary(r.csat.byWhoAnswered.people) })} />
            <Kpi id="kpi-unanswered" label={t('reports.unanswered')} value={r.botQuestions.unansweredRate === null ? '—' : `${(r.botQuestions.unansweredRate * 100).toFixed(1)}%`}
              detail={t('reports.unansweredDetail', { unanswered: r.botQuestions.unanswered, total: r.botQuestions.total, clarified: r.botQuestions.clarified })} raw={r.botQuestions.unansweredRate} />
          </div>
          {/* Which first reply these are: the Agents table's runs from the assignment, so the two differ (agent-report.ts). */}
          <p class="muted small" data-testid="report-first-reply-rule">{t('reports.firstReplyRule')}</p>
          <div class="charts">
            <ChartCard id="chart-per-day" title={t('reports.perDay')} config={{
              type: 'bar',
              data: {
                labels: r.conversationsPerDay.map((d) => d.day.slice(5)),
                // Split as the doughnut beside it, in its names and colours (report-series.ts).
                datasets: perDaySeries(r.conversationsPerDay).map((series) => ({ ...series, stack: 's' })),
              },
              options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
            }} values={r.conversationsPerDay.map((d) => d.total)} />
            <ContainmentChart containment={r.containment} />
            <ChartCard id="chart-csat" title={t('reports.csatDistribution')} config={{
              type: 'bar',
              data: { labels: ['1', '2', '3', '4', '5'], datasets: [{ label: t('reports.ratings'), data: r.csat.distribution, backgroundColor: '#a78bfa' }] },
              options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
            }} values={r.csat.distribution} />
            <ChartCard id="chart-intents" title={t('reports.topIntents')} empty={r.topIntents.length ? undefined : t('reports.chartNone')} config={{
              type: 'bar',
              data: { labels: r.topIntents.map((i) => named(i.intent)), datasets: [{ label: t('reports.decisions'), data: r.topIntents.map((i) => i.count), backgroundColor: '#34d399' }] },
              // The tooltip names the intent as admins edit it too (its label may be shared, or worded for shoppers).
              options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: namesAxis },
                plugins: { tooltip: { callbacks: { title: ([item]) => (item ? `${item.label} (${r.topIntents[item.dataIndex]?.intent ?? ''})` : '') } } } },
            }} values={r.topIntents.map((i) => i.count)} />
            <ChartCard id="chart-handoff-reasons" title={t('reports.handoffReasons')} empty={r.handoffReasons.length ? undefined : t('reports.chartNone')} config={{
              type: 'bar',
              data: { labels: r.handoffReasons.map((h) => handoffReasonLabel(h.reason)), datasets: [{ label: t('reports.handedOff'), data: r.handoffReasons.map((h) => h.count), backgroundColor: '#f59e0b' }] },
              options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: namesAxis } },
            }} values={r.handoffReasons.map((h) => h.count)} />
            <ChartCard id="chart-labels" title={t('reports.labels')} empty={r.labels.length ? undefined : t('reports.labelsNone')} config={{
              type: 'bar',
              data: { labels: r.labels.map((l) => l.label), datasets: [{ label: t('reports.conversations'), data: r.labels.map((l) => l.count), backgroundColor: '#a78bfa' }] },
              options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: namesAxis } },
            }} values={r.labels.map((l) => l.count)} />
            <ChartCard id="chart-articles" title={t('reports.articles')} empty={rated.length ? undefined : t('reports.chartNone')} config={{
              type: 'bar',
              data: {
                labels: rated.map((a) => a.name),
                datasets: [
                  { label: t('reports.helpful'), data: rated.map((a) => a.helpful), backgroundColor: '#22c55e', stack: 'a' },
                  { label: t('reports.notHelpful'), data: rated.map((a) => a.notHelpful), backgroundColor: '#ef4444', stack: 'a' },
                ],
              },
              options: { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { ...namesAxis, stacked: true } } },
            }} values={rated.flatMap((a) => [a.helpful, a.notHelpful])} />
          </div>
          <AgentsCard range={range} />
          <TeamsCard range={range} />
          <RatedComments range={range} />
          {(r.nudges?.length ?? 0) > 0 && (
            <div class="card" data-testid="report-nudges">
              <h2 class="section-title">{t('reports.nudges')}</h2>
              <table>
                <thead><tr><th>{t('widget.nudgePath')}</th><th>{t('reports.nudgeShown')}</th><th>{t('reports.nudgeOpened')}</th><th>{t('reports.nudgeRate')}</th></tr></thead>
                <tbody>
                  {r.nudges.map((n) => (
                    <tr key={n.id} data-testid="report-nudge-row" data-nudge={n.id}>
                      <td>{n.path ?? <span class="muted">{t('reports.nudgeDeleted', { id: n.id })}</span>}</td>
                      <td>{n.shown}</td><td>{n.opened}</td>
                      <td>{n.shown ? `${((100 * n.opened) / n.shown).toFixed(1)} %` : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <div class="card" data-testid="report-unanswered">
            <h2 class="section-title">{t('reports.topUnanswered')} <a class="small" data-testid="report-unanswered-link" href="/console/admin/unanswered" onClick={(e) => { e.preventDefault(); navigate('/console/admin/unanswered'); }}>{t('reports.teachBot')}</a></h2>
            {r.topUnanswered.length === 0
              ? <p class="muted small">{t('reports.noneUnanswered')}</p>
              : (
                <table>
                  <thead><tr><th>{t('reports.unansweredInRange')}</th><th>{t('unanswered.question')}</th><th>{t('unanswered.lastSeen')}</th><th>{t('reports.unansweredStatus')}</th></tr></thead>
                  <tbody>
                    {r.topUnanswered.map((u) => (
                      <tr key={u.id} data-testid="report-unanswered-row" data-group={u.id} data-status={u.status}>
                        <td>{u.countExact ? u.count : t('reports.unansweredAtLeast', { n: u.count })}</td><td>{u.question}</td>
                        <td class="small">{formatTime(u.lastAsked)}</td><td class="small">{unansweredStatus(u, named)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            <p class="muted small">{t('reports.unansweredNote')}</p>
          </div>
        </div>
      )}
    </div>
  );
}

interface RatedComment { conversationId: number; customerId: number; customerName: string | null; rating: number; comment: string; ratedAt: string }

/** The range's ratings that came with a comment, lowest first, each linking to its chat (report-ratings-routes.ts). */
function RatedComments({ range }: { range: { from: string; to: string; tz: string } }) {
  const rated = useLoad(() => get<{ items: RatedComment[] }>(`/api/admin/reports/ratings${query(range)}`), [range.from, range.to]);
  const items = rated.data?.items ?? [];
  return (
    <div class="card" data-testid="report-rated-comments">
      <h2 class="section-title">{t('reports.ratedComments')}</h2>
      {rated.error && <p class="error">{rated.error}</p>}
      {rated.data && items.length === 0 && <p class="muted small">{t('reports.noRatedComments')}</p>}
      {items.length > 0 && (
        <table>
          <thead><tr><th>{t('reports.ratingCol')}</th><th>{t('reports.commentCol')}</th><th>{t('reports.chatCol')}</th><th>{t('reports.ratedAtCol')}</th></tr></thead>
          <tbody>
            {items.map((item) => {
              const href = `/console/conversations/${item.conversationId}`;
              return (
                <tr key={item.conversationId} data-testid="report-rated-comment" data-rating={item.rating} data-conversation-id={item.conversationId}>
                  <td>{item.rating}/5</td><td>{item.comment}</td>
                  <td><a href={href} onClick={(e) => { e.preventDefault(); navigate(href); }}>{t('conversation.number', { id: item.conversationId })}</a>
                    {item.customerName && <span class="muted small"> · {item.customerName}</span>}</td>
                  <td class="small">{formatTime(item.ratedAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** What was done about a group, as the Unanswered page's actions name it. */
function unansweredStatus(u: UnansweredGroup, named: (intent: string) => string): string {
  if (u.status === 'open' || !u.handled) return u.status === 'open' ? t('reports.unansweredOpen') : t('reports.unansweredHandled');
  switch (u.handled.kind) {
    case 'example': return t('reports.unansweredExample', { intent: u.handled.intent ? named(u.handled.intent) : '?' });
    case 'out_of_scope': return t('unanswered.outOfScope');
    case 'article': return t('reports.unansweredArticle', { slug: u.handled.slug ?? '?' });
    case 'dismissed': return t('reports.unansweredDismissed');
    default: return t('reports.unansweredHandled');
  }
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/**
 * The headline: "Pending" while at least as many chats are undecided as decided (hand-offs are decided at once, the
 * bot's chats only after the quiet time, so right after a busy day the rate read 0.0 %); else the rate over the
 * decided chats, which the detail says.
 */
function containmentValue(c: Report['containment']): string {
  if (c.pending) return t('reports.containmentPendingValue');
  return c.rate === null ? '—' : percent(c.rate);
}

/**
 * The rate's base, the settled counts (the chats the team took over when there are any), and the chats still undecided
 * with the rule that settles them and where the rate can end.
 */
function containmentDetail(c: Report['containment']): string {
  const counts = t('reports.containmentDetail', { bot: c.botResolved, human: c.handedOff }) + (c.takenOver ? ` · ${t('reports.containmentTakenOver', { taken: c.takenOver })}` : '');
  const settled = `${t('reports.containmentOverDecided', { decided: c.decided })}${t('punct.colon')}${counts}`;
  if (!c.undecided) return settled;
  const undecided = c.pending
    ? t('reports.containmentUndecided', { open: c.undecided, all: c.decided + c.undecided, minutes: c.settlesAfterMinutes })
    : t('reports.containmentPending', { open: c.undecided, minutes: c.settlesAfterMinutes });
  const range = c.rateRange ? ` · ${t('reports.containmentRange', { low: percent(c.rateRange.low), high: percent(c.rateRange.high) })}` : '';
  return `${settled} · ${undecided}${range}`;
}

/** "within 5 min"; when the range's hand-offs were judged by other targets (set at the time), those. */
function targetLabel(target: NonNullable<Report['firstReplyTarget']>): string {
  const then = target.atTheTime;
  if (!then || (then.minMinutes === target.minutes && then.maxMinutes === target.minutes)) return t('reports.withinTarget', { minutes: target.minutes });
  return t('reports.withinTargetAtTheTime', { range: then.minMinutes === then.maxMinutes ? String(then.minMinutes) : `${then.minMinutes}–${then.maxMinutes}` });
}

/** "4.50 (n=4)", or "—" without ratings. */
const ratingSummary = (s: { count: number; average: number | null }) => (s.average === null ? '—' : `${s.average.toFixed(2)} (n=${s.count})`);

/** The doughnut of containment: every chat of the range once, each kind named and coloured as per day (report-series.ts). */
function ContainmentChart({ containment }: { containment: Report['containment'] }) {
  const slices = containmentSlices(containment);
  return (
    <ChartCard id="chart-containment" title={t('reports.containment')} config={{
      type: 'doughnut',
      data: { labels: slices.labels, datasets: [{ data: slices.data, backgroundColor: slices.colours }] },
    }} values={slices.data} />
  );
}

function Kpi({ id, label, value, detail, raw, hint }: { id: string; label: string; value: string; detail?: string; raw?: number | null; hint?: string }) {
  return (
    <div class="card kpi" data-testid={id} data-value={raw ?? value} title={hint}>
      <div class="muted small">{label}</div>
      <div class="kpi-value">{value}</div>
      {detail && <div class="muted small">{detail}</div>}
    </div>
  );
}

/**
 * One chart; the numbers it draws are also kept on the element (data-values) for checking and for screen readers'
 * summaries. `empty`: what the card says instead of its chart when there is nothing to draw (bare axes read as broken).
 */
function ChartCard({ id, title, config, values, empty }: { id: string; title: string; config: ChartConfiguration; values: number[]; empty?: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, { ...config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...(config.options ?? {}) } } as ChartConfiguration);
    return () => chart.destroy();
  }, [JSON.stringify(config.data), empty === undefined]);
  return (
    // data-labels: the whole names along its axis (the canvas draws long ones cut: namesAxis), readable outside the canvas (tests).
    <div class="card chart" data-testid={id} data-values={values.join(',')} data-labels={JSON.stringify(config.data.labels ?? [])}>
      <h2 class="section-title">{title}</h2>
      {empty === undefined
        ? <div class="chart-box"><canvas ref={canvas} aria-label={title} role="img" /></div>
        // The other empty lists' look (a muted line), e.g. "None in this range." under the unanswered questions.
        : <p class="muted small" data-testid={`${id}-empty`}>{empty}</p>}
    </div>
  );
}
