// The Reports page's "Teams" card in Chromium: for the chosen range, a line per team with the figures the API gives
// for the fixture's chats (a chat sent from Returns to Billing on Billing's line), "No team" and "All hand-offs" lines,
// the rule of which team a chat counts for said under the table, and the CSV link answering from the page's session.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifactPath, consoleTestBed, signedInConsole } from '../support/browser.ts';
import { login, httpAs } from '../support/server.ts';
import { formatSeconds } from '../../console/src/hooks.ts';
import { RANGE, seedTeamReport } from '../console/team-report-fixture.ts';

const bed = consoleTestBed();

async function adminPage(path: string): Promise<Page> {
  return (await signedInConsole(bed, path, { account: bed.stack.admin })).page;
}

describe('reports: teams', () => {
  it('shows a line per team with the API\'s figures, "No team" and the total, the counting rule and the CSV', async () => {
    const { stack } = bed;
    const fixture = await seedTeamReport(stack.env.sql, 'e2e');
    const page = await adminPage('/console/admin/reports');
    await page.getByTestId('report-from').fill(RANGE.from);
    await page.getByTestId('report-to').fill(RANGE.to);
    await page.getByTestId('report-apply').click();
    await expect.poll(() => page.getByTestId('report-teams').getAttribute('data-ready')).toBe(`${RANGE.from}/${RANGE.to}`);

    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const api = (await httpAs(stack.url, 'GET', `/api/admin/reports/teams?from=${RANGE.from}&to=${RANGE.to}&tz=${encodeURIComponent(zone)}`, admin)).json;
    const billing = api.teams.find((t: { teamId: number }) => t.teamId === fixture.teams.billing.id);
    expect(billing.handedOff).toBe(5); // the fixture's story, so the cells below are not zeros

    const cell = (row: ReturnType<Page['locator']>, col: string) => row.locator(`[data-col="${col}"]`).textContent();
    for (const team of [fixture.teams.returns, fixture.teams.billing, fixture.teams.idle]) {
      const figures = api.teams.find((t: { teamId: number }) => t.teamId === team.id);
      const row = page.locator(`[data-testid="report-team-row"][data-team="${team.id}"]`);
      expect(await row.locator('th').textContent()).toBe(team.name);
      expect(await cell(row, 'handedOff')).toBe(String(figures.handedOff));
      expect(await cell(row, 'answered')).toBe(String(figures.answered));
      expect(await cell(row, 'resolved')).toBe(String(figures.resolved));
      expect(await cell(row, 'firstResponse')).toBe(formatSeconds(figures.firstResponse.medianSeconds));
      expect(await cell(row, 'firstResponseP90')).toBe(formatSeconds(figures.firstResponse.p90Seconds));
      expect(await cell(row, 'resolution')).toBe(formatSeconds(figures.resolution.medianSeconds));
    }
    const billingRow = page.locator(`[data-testid="report-team-row"][data-team="${fixture.teams.billing.id}"]`);
    const share = billing.firstReplyTarget;
    expect(await cell(billingRow, 'target')).toBe(`${(share.share * 100).toFixed(1)}% (${share.met}/${share.met + share.missed})`);
    expect(await cell(billingRow, 'csat')).toBe(`${billing.csat.average.toFixed(2)} (n=${billing.csat.count})`);
    // Reasons in words, most frequent first, three at most.
    expect(await cell(billingRow, 'reasons')).toBe('Shopper pressed "Talk to a person" (2), Sent a file (1), Upset shopper (1)');

    expect(await cell(page.getByTestId('report-teams-none'), 'handedOff')).toBe(String(api.noTeam.handedOff));
    expect(await cell(page.getByTestId('report-teams-total'), 'handedOff')).toBe(String(api.total.handedOff));
    expect(await page.getByTestId('report-teams-note').textContent()).toContain('the team it was last sent to');
    await page.getByTestId('report-teams').screenshot({ path: artifactPath('console-reports-teams.png') });

    // The CSV link: the page's range and zone, answered from the page's session with the same lines.
    const href = await page.getByTestId('report-teams-csv').getAttribute('href');
    expect(href).toBe(`/api/admin/reports/teams.csv?from=${RANGE.from}&to=${RANGE.to}&tz=${encodeURIComponent(zone)}`);
    const csv = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
    const names = csv.trimEnd().split('\r\n').map((l) => l.split(',')[1]);
    expect(names.slice(-2)).toEqual(['"No team"', '"All hand-offs"']);
    expect(names).toContain(`"${fixture.teams.billing.name}"`);
  });
});
