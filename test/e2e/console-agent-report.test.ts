// The Reports page's "Agents" card in Chromium: the table shows, for the chosen range, the figures the database
// gives (rows written by the fixture, read back here with plain SQL), a Team line, sorting by a column, the
// empty-state line for a range without agents' chats, and the CSV link answering with the same rows.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';
import { formatSeconds } from '../../console/src/hooks.ts';
import { RANGE, expectedFigures, seedAgentReport } from '../console/agent-report-fixture.ts';

const bed = consoleTestBed();

async function adminPage(path: string): Promise<Page> {
  return (await signedInConsole(bed, path, { account: bed.stack.admin })).page;
}

async function showRange(page: Page, from: string, to: string): Promise<void> {
  await page.getByTestId('report-from').fill(from);
  await page.getByTestId('report-to').fill(to);
  await page.getByTestId('report-apply').click();
  await expect.poll(() => page.getByTestId('report-agents').getAttribute('data-ready')).toBe(`${from}/${to}`);
}

describe('reports: agents', () => {
  it('shows each agent\'s figures equal to the database, a Team line, sorting, the empty state and the CSV', async () => {
    const sql = bed.stack.env.sql;
    const fixture = await seedAgentReport(sql, 'e2e');
    const page = await adminPage('/console/admin/reports');
    await showRange(page, RANGE.from, RANGE.to);
    // The days are the reader's (the browser's zone, sent with the request), and the page says which.
    expect(await page.getByTestId('report-zone').textContent()).toBe(`Days in your time zone (${await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)}).`);

    // What the database says, with plain SQL here: the chats each agent replied in and their ratings, the chats each
    // closed (no "resolved" events in the fixture: the holder then) and their resolution times, public replies per
    // author, and each hold's first public reply, credited to whoever wrote it.
    const start = `${RANGE.from}T00:00:00Z`;
    const end = '2019-04-04T00:00:00Z';
    const chats = await sql<{ id: number; assignee_id: number | null; status: string; resolved_by: string | null; resolution_seconds: number | null; rating: number | null }[]>`
      select c.id, c.assignee_id, c.status, c.resolved_by, c.resolution_seconds, f.rating
      from conversations c left join feedback f on f.conversation_id = c.id and f.kind = 'csat'
      where c.created_at >= ${start} and c.created_at < ${end}`;
    const lines = await sql<{ conversation_id: number; author_type: string; author_id: number | null; private: boolean; metadata: { agentId?: number }; created_at: Date }[]>`
      select m.conversation_id, m.author_type, m.author_id, m.private, m.metadata, m.created_at from messages m
      where m.conversation_id in ${sql(chats.map((c) => c.id))} order by m.id`;
    const median = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const replyTimes = (agentId: number) => {
      const times: number[] = [];
      for (const chat of chats) {
        const own = lines.filter((l) => l.conversation_id === chat.id);
        own.forEach((line, i) => {
          if (line.author_type !== 'system' || line.metadata.agentId === undefined) return;
          const next = own.findIndex((l, j) => j > i && l.author_type === 'system' && l.metadata.agentId !== undefined);
          const reply = own.slice(i + 1, next === -1 ? undefined : next).find((l) => l.author_type === 'agent' && !l.private);
          if (reply?.author_id === agentId) times.push((reply.created_at.getTime() - line.created_at.getTime()) / 1000);
        });
      }
      return times;
    };
    // "In time": first replies within the team's target (the default 5 minutes), per hold.
    const inTime = (times: number[]) => `${Math.round((times.filter((s) => s <= 300).length / times.length) * 100)}% (${times.filter((s) => s <= 300).length}/${times.length})`;
    const repliedIn = (agentId: number | null) => chats.filter((c) => lines.some((l) => l.conversation_id === c.id && l.author_type === 'agent' && !l.private
      && (agentId === null || l.author_id === agentId)));
    const closedBy = (agentId: number | null) => chats.filter((c) => c.status === 'resolved' && c.resolved_by === 'agent' && (agentId === null || c.assignee_id === agentId));
    // From the hand-off, as the overview counts (worked out by hand in the fixture): in time (share, met/judged), late while holding.
    const fromHandoff = (f: { handoffTarget: { met: number; late: number; share: number | null } }) => [
      `${(f.handoffTarget.share! * 100).toFixed(1)}% (${f.handoffTarget.met}/${f.handoffTarget.met + f.handoffTarget.late})`, String(f.handoffTarget.late)];
    const expected = expectedFigures(fixture);
    const expectedRow = (agentId: number) => {
      const handled = repliedIn(agentId);
      const resolved = closedBy(agentId);
      const ratings = handled.flatMap((c) => (c.rating === null ? [] : [c.rating]));
      const csat = ratings.reduce((a, b) => a + b, 0) / ratings.length;
      return [String(handled.length), String(resolved.length), formatSeconds(median(replyTimes(agentId))), null, inTime(replyTimes(agentId)),
        ...fromHandoff(expected.agents.find((a) => a.agentId === agentId)!),
        formatSeconds(median(resolved.map((c) => c.resolution_seconds!))), `${csat.toFixed(2)} (n=${ratings.length})`,
        String(lines.filter((l) => l.author_type === 'agent' && !l.private && l.author_id === agentId).length)];
    };

    const rows = page.getByTestId('report-agent-row');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-agent'))))).toEqual([fixture.ann.id, fixture.bob.id]);
    for (const [i, who] of [fixture.ann, fixture.bob].entries()) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      expect(cells[0]).toContain(who.name);
      const expected = expectedRow(who.id);
      expect(cells.slice(1).filter((_, j) => expected[j] !== null)).toEqual(expected.filter((x) => x !== null));
    }
    expect(await rows.nth(1).locator('td').first().textContent()).toContain('deactivated');
    expect(await rows.nth(0).locator('td').nth(3).textContent()).toBe('1m 15s'); // Ann: 10, 30, 120, 180 s
    expect(await rows.nth(0).locator('td').nth(4).textContent()).toBe('2m 42s'); // p90
    // Cy's only chat is outside the range.
    expect(await page.locator(`[data-testid=report-agent-row][data-agent="${fixture.cy.id}"]`).count()).toBe(0);

    // The Team line: the chats once each, times over every hold.
    const team = await page.getByTestId('report-agents-team').locator('th').allTextContents();
    const handled = repliedIn(null);
    const ratings = handled.flatMap((c) => (c.rating === null ? [] : [c.rating]));
    expect(team).toEqual(['Team', String(handled.length), String(closedBy(null).length),
      formatSeconds(median([...replyTimes(fixture.ann.id), ...replyTimes(fixture.bob.id)])), '2m 36s',
      inTime([...replyTimes(fixture.ann.id), ...replyTimes(fixture.bob.id)]),
      ...fromHandoff(expected.team),
      formatSeconds(median(closedBy(null).map((c) => c.resolution_seconds!))),
      `${(ratings.reduce((a, b) => a + b, 0) / ratings.length).toFixed(2)} (n=${ratings.length})`,
      String(lines.filter((l) => l.author_type === 'agent' && !l.private).length)]);
    // What each column measures is in its name, and the two first-reply figures say why they differ.
    const headers = await page.getByTestId('report-agents').locator('thead th').allTextContents();
    expect(headers.slice(1, 6).map((h) => h.replace(' ▼', ''))).toEqual(['Handled (replied in)', 'Resolved (closed by them)', 'First reply after assignment (median)',
      'First reply after assignment (p90)', 'First reply in time after assignment']);
    expect(headers.slice(6, 8).map((h) => h.replace(' ▼', ''))).toEqual(['Hand-offs in time (from hand-off)', 'Late while holding']);
    // Each column says exactly what it measures in its tooltip.
    const hints = await page.getByTestId('report-agents').locator('thead th').evaluateAll((ths) => ths.slice(1).map((th) => th.getAttribute('title') ?? ''));
    expect(hints.every((h) => h.length > 20)).toBe(true);
    expect(hints[6]).toContain('held when the target passed without any reply');
    // The Team line's hand-off figure is the overview card's (75 %: C3 late in Bob's hold).
    expect(await page.getByTestId('report-agents-team').locator('[data-col=handoffInTime]').getAttribute('data-value'))
      .toBe(await page.getByTestId('kpi-first-reply-target').getAttribute('data-value'));
    expect(await page.getByTestId('kpi-first-response').textContent()).toContain('First reply after hand-off (median)');
    expect(await page.getByTestId('report-first-reply-rule').textContent()).toContain('A hand-off nobody answered counts as late');
    expect(await page.getByTestId('report-agents-unanswered').getAttribute('data-value')).toBe('0');
    expect(await page.getByTestId('report-agents-unanswered').textContent()).toContain('0 hand-offs of this range got no reply from anyone');
    await page.getByTestId('report-agents').screenshot({ path: artifactPath('console-reports-agents.png') });

    // Sorting: CSAT best first (Ann 3.67), a second click worst first (Bob 3.00); first reply fastest first
    // (Bob's 45 s); back to most handled (Ann).
    await page.getByTestId('agents-sort-csat').click();
    await page.getByTestId('agents-sort-csat').click();
    await expect.poll(() => rows.first().getAttribute('data-agent')).toBe(String(fixture.bob.id));
    await page.getByTestId('agents-sort-firstReply').click(); // fastest first: Bob's 45 s before Ann's 75 s
    await expect.poll(() => rows.first().getAttribute('data-agent')).toBe(String(fixture.bob.id));
    await page.getByTestId('agents-sort-handled').click();
    await expect.poll(() => rows.first().getAttribute('data-agent')).toBe(String(fixture.ann.id));

    // The CSV link answers with the same rows, from the page's session.
    const href = await page.getByTestId('report-agents-csv').getAttribute('href');
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(href).toBe(`/api/admin/reports/agents.csv?from=${RANGE.from}&to=${RANGE.to}&tz=${encodeURIComponent(zone)}`);
    const csv = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
    expect(csv.trimEnd().split('\r\n').map((l) => l.split(',')[1])).toEqual(['"agent"', `"${fixture.ann.name}"`, `"${fixture.bob.name}"`, '"Team"']);

    // A range without agents' chats: the empty-state line, no table.
    await showRange(page, '2018-01-01', '2018-01-31');
    await page.getByTestId('report-agents-empty').waitFor();
    expect(await rows.count()).toBe(0);
  });
});
