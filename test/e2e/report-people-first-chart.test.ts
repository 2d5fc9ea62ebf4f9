// The reports' chart of chats per day draws the chats sent straight to a person ("Who answers first", a reply to the
// team's email) as a series of their own, named as the doughnut beside it names them, not inside "Handed off": the
// orange bar read 4 where the orange slice read 3. The chart is a canvas, so its legend is read from what the canvas
// drew (every fillText recorded by an init script). In Debian's Chromium (playwright-core) against a real server,
// Postgres and Redis, the console bundle built from this source.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';

const bed = consoleTestBed();
const REPORT_DAY = '2021-09-06';

describe('the chart of chats per day', () => {
  it('draws the chats sent straight to a person as their own series, beside the hand-offs', async () => {
    const { sql } = bed.stack.env;
    const [{ id }] = await sql<{ id: number }[]>`insert into customers (name) values ('Straight to a person') returning id`;
    for (const [hour, reason] of [['09', 'bot_mode'], ['10', 'bot_mode'], ['11', 'bot_mode'], ['12', 'customer_request']] as const) {
      const at = new Date(`${REPORT_DAY}T${hour}:00:00Z`);
      await sql`insert into conversations (customer_id, status, handed_off, handoff_reason, queued_at, created_at, resolved_at, resolved_by)
                values (${id}, 'resolved', true, ${reason}, ${at}, ${at}, ${new Date(at.getTime() + 600_000)}, 'agent')`;
    }
    const { page, errors } = await signedInConsole(bed, '/console/admin/reports', { account: bed.stack.admin, consoleLanguage: 'en' });
    await page.addInitScript(() => {
      const drawn: { chart: string | null; text: string }[] = [];
      (window as unknown as { drawnText: typeof drawn }).drawnText = drawn;
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text: string, x: number, y: number, maxWidth?: number) {
        drawn.push({ chart: this.canvas.closest('[data-testid]')?.getAttribute('data-testid') ?? null, text: String(text) });
        return maxWidth === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, maxWidth);
      };
    });
    await page.reload();
    await page.getByTestId('report-from').fill(REPORT_DAY);
    await page.getByTestId('report-to').fill(REPORT_DAY);
    await page.getByTestId('report-apply').click();
    await expect.poll(() => page.getByTestId('report-ready').getAttribute('data-from'), { timeout: 15_000 }).toBe(REPORT_DAY);
    await expect.poll(() => page.getByTestId('chart-per-day').getAttribute('data-values')).toBe('4');
    // The doughnut: 1 hand-off, 3 straight to a person.
    expect(await page.getByTestId('chart-containment').getAttribute('data-values')).toBe('0,1,0,0,3,0');
    const legend = async () => page.evaluate(() => (window as unknown as { drawnText: { chart: string | null; text: string }[] }).drawnText
      .filter((d) => d.chart === 'chart-per-day').map((d) => d.text));
    await expect.poll(legend).toContain('Straight to a person');
    expect(await legend()).toEqual(expect.arrayContaining(['Bot only', 'Handed off', 'Taken over by the team']));
    expect(errors).toEqual([]);
  }, 90_000);
});
