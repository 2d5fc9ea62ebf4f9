// The Reports page's per-team table (GET /api/admin/reports/teams and its CSV) on a real server and Postgres: figures
// for two teams, "No team" and the total worked out here from the fixture's chats (a chat sent from one team to
// another counts for the last; imported, agent-started, bot-only and out-of-range chats stay out), a real transfer
// through the socket moving a chat's figures, the overview agreeing with the total line, the CSV, and roles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, type TestStack } from '../support/server.ts';
import { connectAgent, callOk } from '../support/sockets.ts';
import { BYTE_ORDER_MARK } from '../../server/services/console-reports.ts';
import { RANGE, TARGET_MINUTES, seedTeamReport, type FixtureChat, type TeamKey, type TeamReportFixture } from './team-report-fixture.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
let agent: Awaited<ReturnType<typeof login>>;
let fixture: TeamReportFixture;

const http = (method: string, path: string, auth: { cookie: string } | null) => httpAs(stack.url, method, path, auth);
const range = `from=${RANGE.from}&to=${RANGE.to}`;

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  fixture = await seedTeamReport(stack.env.sql, 'api');
});
afterAll(async () => {
  await stack?.close();
});

/** Postgres's percentile_cont: linear between the two nearest ranks. */
function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = p * (sorted.length - 1);
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
}
const round = (n: number | null, digits: number) => (n === null ? null : Number(n.toFixed(digits)));
const percentiles = (values: number[]) => ({ count: values.length, medianSeconds: round(percentile(values, 0.5), 1), p90Seconds: round(percentile(values, 0.9), 1) });

/** The overview's verdict on a hand-off: queued_at is the chat's start in the fixture, and its waits are long past. */
function verdict(c: FixtureChat): 'met' | 'missed' | 'waiting' | null {
  const target = TARGET_MINUTES * 60;
  if (c.firstResponseSeconds !== null) return c.firstResponseSeconds <= target ? 'met' : 'missed';
  if (c.status === 'resolved') return c.resolutionSeconds! > target ? 'missed' : null;
  return 'missed';
}

function expectedFigures(chats: FixtureChat[]) {
  const met = chats.filter((c) => verdict(c) === 'met').length;
  const missed = chats.filter((c) => verdict(c) === 'missed').length;
  const ratings = chats.flatMap((c) => (c.rating === null ? [] : [c.rating]));
  const reasons = new Map<string, number>();
  for (const c of chats) reasons.set(c.reason, (reasons.get(c.reason) ?? 0) + 1);
  return {
    handedOff: chats.length,
    answered: chats.filter((c) => c.firstResponseSeconds !== null).length,
    resolved: chats.filter((c) => c.status === 'resolved').length,
    firstResponse: percentiles(chats.flatMap((c) => (c.firstResponseSeconds === null ? [] : [c.firstResponseSeconds]))),
    firstReplyTarget: { met, missed, waiting: 0, share: met + missed ? round(met / (met + missed), 4) : null },
    resolution: percentiles(chats.flatMap((c) => (c.status === 'resolved' ? [c.resolutionSeconds!] : []))),
    csat: { count: ratings.length, average: ratings.length ? round(ratings.reduce((a, b) => a + b, 0) / ratings.length, 2) : null },
    topReasons: [...reasons].map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)).slice(0, 3),
  };
}

function expectedReport(chats: FixtureChat[]) {
  const of = (team: TeamKey) => expectedFigures(chats.filter((c) => c.team === team));
  const { returns, billing, idle } = fixture.teams;
  const rows = [
    { teamId: returns.id, name: returns.name, ...of('returns') },
    { teamId: billing.id, name: billing.name, ...of('billing') },
    { teamId: idle.id, name: idle.name, ...expectedFigures([]) },
  ].sort((a, b) => b.handedOff - a.handedOff || a.name.localeCompare(b.name));
  return { range: { ...RANGE, timeZone: 'UTC' }, teams: rows, noTeam: of(null), total: expectedFigures(chats) };
}

describe('per-team report', () => {
  it('gives each team, "No team" and the total the figures of the hand-offs last sent to it', async () => {
    const r = await http('GET', `/api/admin/reports/teams?${range}`, admin);
    expect(r.status).toBe(200);
    // Other tests' rows are in other databases: the teams here are the fixture's (and the demo's, if any, with zeros).
    const own = new Set(Object.values(fixture.teams).map((t) => t.id));
    const expected = expectedReport(fixture.chats);
    expect({ ...r.json, teams: r.json.teams.filter((t: { teamId: number }) => own.has(t.teamId)) }).toEqual(expected);
    // The worked-out figures are the fixture's story, not zeros: Billing got the chat Returns passed on, and lost the
    // fourth of its reasons.
    const billing = r.json.teams.find((t: { teamId: number }) => t.teamId === fixture.teams.billing.id);
    expect(billing).toMatchObject({ handedOff: 5, answered: 5, resolved: 4, csat: { count: 2, average: 1.5 } });
    expect(billing.topReasons.map((x: { reason: string }) => x.reason)).toEqual(['customer_request', 'attachment', 'negative_sentiment']);
    expect(r.json.noTeam).toMatchObject({ handedOff: 2, firstReplyTarget: { met: 1, missed: 0 } });

    // The total line is the overview's hand-off figures over the same chats.
    const overview = (await http('GET', `/api/admin/reports?${range}`, admin)).json;
    expect(r.json.total.handedOff).toBe(overview.containment.handedOff + overview.containment.peopleFirst);
    expect(r.json.total.firstResponse).toEqual(overview.firstResponse);
    expect(r.json.total.resolution).toEqual(overview.resolution);
    expect(r.json.total.firstReplyTarget).toMatchObject({ met: overview.firstReplyTarget.met, missed: overview.firstReplyTarget.missed });

    // Every line zero outside the range's days.
    const empty = (await http('GET', '/api/admin/reports/teams?from=2018-01-01&to=2018-01-31', admin)).json;
    expect(empty.total).toMatchObject({ handedOff: 0, firstResponse: { count: 0, medianSeconds: null }, csat: { count: 0, average: null }, topReasons: [] });
    expect(empty.teams.every((t: { handedOff: number }) => t.handedOff === 0)).toBe(true);
  });

  it('moves a chat to the team it is sent to through the chat loop', async () => {
    const socket = await connectAgent(stack.url, admin.token);
    try {
      await callOk(socket, 'conversation:transfer-team', { conversationId: fixture.queuedReturnsChat, teamId: fixture.teams.billing.id });
    } finally {
      socket.close();
    }
    const chats = fixture.chats.map((c) => (c.id === fixture.queuedReturnsChat ? { ...c, team: 'billing' as const } : c));
    const r = (await http('GET', `/api/admin/reports/teams?${range}`, admin)).json;
    const expected = expectedReport(chats);
    for (const team of expected.teams) expect(r.teams.find((t: { teamId: number }) => t.teamId === team.teamId)).toEqual(team);
    expect(r.teams.find((t: { teamId: number }) => t.teamId === fixture.teams.billing.id).handedOff).toBe(6);
    // Put back for the tests that follow (the fixture's story).
    await stack.env.sql`update conversations set team_id = ${fixture.teams.returns.id} where id = ${fixture.queuedReturnsChat}`;
  });

  it('exports the same lines as CSV: byte-order mark, quoted fields, "No team" and "All hand-offs" last', async () => {
    const json = (await http('GET', `/api/admin/reports/teams?${range}`, admin)).json;
    const response = await fetch(`${stack.url}/api/admin/reports/teams.csv?${range}`, { headers: { cookie: admin.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    expect(response.headers.get('content-disposition')).toContain(`teams-${RANGE.from}-to-${RANGE.to}.csv`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(text.startsWith(BYTE_ORDER_MARK)).toBe(true);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('"team_id","team","handed_off","answered","resolved","first_response_count","first_response_median_seconds","first_response_p90_seconds","first_reply_target_met","first_reply_target_missed","first_reply_target_met_share","resolution_count","resolution_median_seconds","resolution_p90_seconds","csat_count","csat_average","top_handoff_reasons"');
    expect(lines.length).toBe(1 + json.teams.length + 2);
    const billing = fixture.teams.billing;
    const b = expectedReport(fixture.chats).teams.find((t) => t.teamId === billing.id)!;
    expect(lines).toContain([billing.id, billing.name, b.handedOff, b.answered, b.resolved, b.firstResponse.count, b.firstResponse.medianSeconds, b.firstResponse.p90Seconds,
      b.firstReplyTarget.met, b.firstReplyTarget.missed, b.firstReplyTarget.share, b.resolution.count, b.resolution.medianSeconds, b.resolution.p90Seconds,
      b.csat.count, b.csat.average, 'customer_request (2); attachment (1); negative_sentiment (1)'].map((v) => `"${v}"`).join(','));
    expect(lines.at(-2)!.startsWith(`"","No team","${json.noTeam.handedOff}",`)).toBe(true);
    expect(lines.at(-1)!.startsWith(`"","All hand-offs","${json.total.handedOff}",`)).toBe(true);
  });

  it('refuses a bad range (400) and anyone but an admin (403 agent, 401 nobody)', async () => {
    for (const path of ['/api/admin/reports/teams', '/api/admin/reports/teams.csv']) {
      for (const bad of ['from=2020-03-05&to=2020-03-01', 'from=2019-01-01&to=2020-03-01', 'from=2020-02-30&to=2020-03-01', 'from=yesterday', 'tz=Mars%2FOlympus']) {
        const r = await http('GET', `${path}?${bad}`, admin);
        expect(r.status, `${path}?${bad}`).toBe(400);
      }
      const refused = await http('GET', `${path}?${range}`, agent);
      expect(refused.status).toBe(403);
      expect(refused.text).not.toContain(fixture.teams.billing.name);
      expect((await http('GET', path, null)).status).toBe(401);
    }
  });
});
