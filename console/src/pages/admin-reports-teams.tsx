// The Reports page's "Teams" card: the range's hand-offs split by the team each chat was last sent to, from
// /api/admin/reports/teams (server/services/team-report.ts), with "No team" and "All hand-offs" lines and its own
// CSV. Shown only when the shop has teams: without any, the one line would repeat the overview.
import { get, query } from '../api.ts';
import { formatSeconds, useLoad } from '../hooks.ts';
import { t } from '../i18n.ts';
import { handoffReasonLabel } from './handoff-reason-label.ts';

interface Percentiles { count: number; medianSeconds: number | null; p90Seconds: number | null }
interface Figures {
  handedOff: number; answered: number; resolved: number; firstResponse: Percentiles; resolution: Percentiles;
  /** Null when there is no first-reply target. */
  firstReplyTarget: { met: number; missed: number; waiting: number; share: number | null } | null;
  csat: { count: number; average: number | null };
  topReasons: { reason: string; count: number }[];
}
interface TeamRow extends Figures { teamId: number; name: string }
interface TeamReport { range: { from: string; to: string }; teams: TeamRow[]; noTeam: Figures; total: Figures }

interface Column { key: string; label: string; text: (f: Figures) => string }

const columns = (withTarget: boolean): Column[] => [
  { key: 'handedOff', label: t('reports.teamHandedOff'), text: (f) => String(f.handedOff) },
  { key: 'answered', label: t('reports.teamAnswered'), text: (f) => String(f.answered) },
  { key: 'resolved', label: t('reports.teamResolved'), text: (f) => String(f.resolved) },
  { key: 'firstResponse', label: t('reports.teamFirstResponse'), text: (f) => formatSeconds(f.firstResponse.medianSeconds) },
  { key: 'firstResponseP90', label: t('reports.teamFirstResponseP90'), text: (f) => formatSeconds(f.firstResponse.p90Seconds) },
  ...(withTarget ? [{
    key: 'target', label: t('reports.teamTargetMet'),
    text: (f: Figures) => (f.firstReplyTarget?.share == null ? '—' : `${(f.firstReplyTarget.share * 100).toFixed(1)}% (${f.firstReplyTarget.met}/${f.firstReplyTarget.met + f.firstReplyTarget.missed})`),
  }] : []),
  { key: 'resolution', label: t('reports.resolution'), text: (f) => formatSeconds(f.resolution.medianSeconds) },
  { key: 'csat', label: t('reports.agentCsat'), text: (f) => (f.csat.average === null ? '—' : `${f.csat.average.toFixed(2)} (n=${f.csat.count})`) },
  { key: 'reasons', label: t('reports.teamReasons'), text: (f) => f.topReasons.map((r) => `${handoffReasonLabel(r.reason)} (${r.count})`).join(', ') || '—' },
];

export function TeamsCard({ range }: { range: { from: string; to: string } }) {
  const report = useLoad(() => get<TeamReport>(`/api/admin/reports/teams${query(range)}`), [range.from, range.to]);
  const r = report.data;
  if (r && r.teams.length === 0) return null;
  const cols = columns(!!r?.total.firstReplyTarget);
  const line = (testId: string, name: string, f: Figures, teamId?: number, Cell: 'td' | 'th' = 'td') => (
    <tr key={teamId ?? testId} data-testid={testId} data-team={teamId ?? ''}>
      <th scope="row">{name}</th>
      {cols.map((c) => <Cell key={c.key} data-col={c.key}>{c.text(f)}</Cell>)}
    </tr>
  );
  return (
    <div class="card" data-testid="report-teams" data-ready={r ? `${r.range.from}/${r.range.to}` : ''}>
      <h2 class="section-title">{t('reports.teams')} <a class="small" data-testid="report-teams-csv" href={`/api/admin/reports/teams.csv${query(range)}`} download>{t('reports.teamsCsv')}</a></h2>
      {report.error && <p class="error">{report.error}</p>}
      {r && (
        <table>
          <thead><tr><th>{t('reports.team')}</th>{cols.map((c) => <th key={c.key}>{c.label}</th>)}</tr></thead>
          <tbody>
            {r.teams.map((team) => line('report-team-row', team.name, team, team.teamId))}
            {line('report-teams-none', t('reports.teamNone'), r.noTeam)}
          </tbody>
          <tfoot>{line('report-teams-total', t('reports.teamAll'), r.total, undefined, 'th')}</tfoot>
        </table>
      )}
      {r && <p class="muted small" data-testid="report-teams-note">{t('reports.teamsNote')}</p>}
    </div>
  );
}
