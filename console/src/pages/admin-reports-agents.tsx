// The Reports page's "Agents" card: each agent's chats, replies, times and ratings for the page's range, from
// /api/admin/reports/agents, with a Team line and its own CSV. Handled = replied in; first reply after assignment
// (the overview's runs from the hand-off), with the hand-offs nobody answered said under the table. Columns sort on click (most handled first by
// default); an empty value (no time, no rating) always sorts last.
import { useState } from 'preact/hooks';
import { get, query } from '../api.ts';
import { formatSeconds, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';

interface Percentiles { count: number; medianSeconds: number | null; p90Seconds: number | null }
interface Figures {
  handled: number; resolved: number; firstReply: Percentiles; resolution: Percentiles;
  /** Null when the team has no first-reply target. */
  firstReplyInTime: { count: number; share: number | null } | null;
  /** From the hand-off, as the overview: in time (first reply written by them) and late while they held it. */
  handoffTarget: { met: number; late: number; share: number | null } | null;
  csat: { count: number; average: number | null }; messagesSent: number;
}
interface AgentRow extends Figures { agentId: number; name: string | null; active: boolean; presence: 'online' | 'away' | 'offline' }
interface AgentReport {
  range: { from: string; to: string }; agents: AgentRow[]; team: Figures;
  /** Shoppers' hand-offs no agent replied to: in no row here, late in the overview's share (agent-report.ts). */
  handoffsUnanswered: number;
  /** Hand-offs late while waiting in the queue: in the Team line's late only. */
  lateInQueue: number;
}

/** `hint`: what the column measures exactly, shown as the header's tooltip. */
interface Column { key: string; label: string; hint: string; value: (f: Figures) => number | null; text: (f: Figures) => string }

/** The in-time columns only while there is a first-reply target (the report's figures are null without one). */
const columns = (withTarget: boolean): Column[] => [
  { key: 'handled', label: t('reports.agentHandled'), hint: t('reports.agentHandledHint'), value: (f) => f.handled, text: (f) => String(f.handled) },
  { key: 'resolved', label: t('reports.agentResolved'), hint: t('reports.agentResolvedHint'), value: (f) => f.resolved, text: (f) => String(f.resolved) },
  { key: 'firstReply', label: t('reports.agentFirstReply'), hint: t('reports.agentFirstReplyHint'), value: (f) => f.firstReply.medianSeconds, text: (f) => formatSeconds(f.firstReply.medianSeconds) },
  { key: 'firstReplyP90', label: t('reports.agentFirstReplyP90'), hint: t('reports.agentFirstReplyP90Hint'), value: (f) => f.firstReply.p90Seconds, text: (f) => formatSeconds(f.firstReply.p90Seconds) },
  ...(withTarget ? [{
    key: 'inTime', label: t('reports.agentInTime'), hint: t('reports.agentInTimeHint'), value: (f: Figures) => f.firstReplyInTime?.share ?? null,
    text: (f: Figures) => (f.firstReplyInTime?.share == null ? '—' : `${(f.firstReplyInTime.share * 100).toFixed(0)}% (${f.firstReplyInTime.count}/${f.firstReply.count})`),
  }, {
    // The overview's measure, from the hand-off: the Team line reads as the overview's card does.
    key: 'handoffInTime', label: t('reports.agentHandoffInTime'), hint: t('reports.agentHandoffInTimeHint'), value: (f: Figures) => f.handoffTarget?.share ?? null,
    text: (f: Figures) => (f.handoffTarget?.share == null ? '—' : `${(f.handoffTarget.share * 100).toFixed(1)}% (${f.handoffTarget.met}/${f.handoffTarget.met + f.handoffTarget.late})`),
  }, {
    key: 'lateHolding', label: t('reports.agentLateHolding'), hint: t('reports.agentLateHoldingHint'), value: (f: Figures) => f.handoffTarget?.late ?? null,
    text: (f: Figures) => String(f.handoffTarget?.late ?? '—'),
  }] : []),
  { key: 'resolution', label: t('reports.resolution'), hint: t('reports.agentResolutionHint'), value: (f) => f.resolution.medianSeconds, text: (f) => formatSeconds(f.resolution.medianSeconds) },
  { key: 'csat', label: t('reports.agentCsat'), hint: t('reports.agentCsatHint'), value: (f) => f.csat.average, text: (f) => (f.csat.average === null ? '—' : `${f.csat.average.toFixed(2)} (n=${f.csat.count})`) },
  { key: 'messages', label: t('reports.agentMessages'), hint: t('reports.agentMessagesHint'), value: (f) => f.messagesSent, text: (f) => String(f.messagesSent) },
];

type Sort = { key: string; desc: boolean };

function sorted(rows: AgentRow[], sort: Sort, cols: Column[]): AgentRow[] {
  const name = (r: AgentRow) => r.name ?? `#${r.agentId}`;
  if (sort.key === 'name') return [...rows].sort((a, b) => (sort.desc ? -1 : 1) * name(a).localeCompare(name(b)));
  const col = cols.find((c) => c.key === sort.key)!;
  return [...rows].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return (sort.desc ? y - x : x - y) || name(a).localeCompare(name(b));
  });
}

export function AgentsCard({ range }: { range: { from: string; to: string } }) {
  const report = useLoad(() => get<AgentReport>(`/api/admin/reports/agents${query(range)}`), [range.from, range.to]);
  const [sort, setSort] = useState<Sort>({ key: 'handled', desc: true });
  const r = report.data;
  const cols = columns(!!r?.team.firstReplyInTime);
  // A new column starts with its most telling end: the most chats, the fastest times, the best ratings.
  const choose = (key: string) => setSort((s) => (s.key === key ? { key, desc: !s.desc } : { key, desc: !['firstReply', 'firstReplyP90', 'resolution', 'name'].includes(key) }));
  const header = (key: string, label: string, hint?: string) => (
    <th aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'} title={hint}>
      <button type="button" class="link" data-testid={`agents-sort-${key}`} onClick={() => choose(key)}>
        {label}{sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
  return (
    <div class="card" data-testid="report-agents" data-ready={r ? `${r.range.from}/${r.range.to}` : ''}>
      <h2 class="section-title">{t('reports.agents')} <a class="small" data-testid="report-agents-csv" href={`/api/admin/reports/agents.csv${query(range)}`} download>{t('reports.agentsCsv')}</a></h2>
      {report.error && <p class="error">{report.error}</p>}
      {r && r.agents.length === 0 && <p class="muted small" data-testid="report-agents-empty">{t('reports.agentsEmpty')}</p>}
      {r && r.agents.length > 0 && (
        <table>
          <thead><tr>{header('name', t('reports.agent'))}{cols.map((c) => header(c.key, c.label, c.hint))}</tr></thead>
          <tbody>
            {sorted(r.agents, sort, cols).map((a) => (
              <tr key={a.agentId} data-testid="report-agent-row" data-agent={a.agentId}>
                <td>
                  {a.name ?? `#${a.agentId}`}{' '}
                  <span class="muted small">{a.active ? t(`presence.${a.presence}`) : t('reports.agentDeactivated')}</span>
                </td>
                {cols.map((c) => <td key={c.key} data-col={c.key} data-value={c.value(a) ?? ''}>{c.text(a)}</td>)}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="report-agents-team">
              <th>{t('reports.agentTeam')}</th>
              {cols.map((c) => <th key={c.key} data-col={c.key} data-value={c.value(r.team) ?? ''}>{c.text(r.team)}</th>)}
            </tr>
          </tfoot>
        </table>
      )}
      {r && <p class="muted small" data-testid="report-agents-note">{t('reports.agentsNote')}</p>}
      {r && (
        <p class="muted small" data-testid="report-agents-unanswered" data-value={r.handoffsUnanswered}>
          {r.handoffsUnanswered === 1 ? t('reports.agentsHandoffUnanswered') : t('reports.agentsHandoffsUnanswered', { n: r.handoffsUnanswered })}
        </p>
      )}
      {r && r.lateInQueue > 0 && (
        <p class="muted small" data-testid="report-agents-late-in-queue" data-value={r.lateInQueue}>{t('reports.agentsLateInQueue', { n: r.lateInQueue })}</p>
      )}
    </div>
  );
}
