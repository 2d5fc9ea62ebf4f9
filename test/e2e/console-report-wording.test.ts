// The Reports page's wording in Chromium, from a shop owner's first-day review: the containment card is the "bot
// resolution rate" (the product's term, not "containment" jargon), its range note reads as a sentence, and
// "Conversations by label" says there were no labels rather than drawing empty axes.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';

const bed = consoleTestBed();
const DAY = '2019-10-07';

describe('reports wording', () => {
  it('names the bot resolution rate, words its range, and says when no labels were used', async () => {
    const sql = bed.stack.env.sql;
    const at = (hour: number) => new Date(`${DAY}T${String(hour).padStart(2, '0')}:00:00Z`);
    const [customer] = await sql<{ id: number }[]>`insert into customers (name) values ('Wording Wes') returning id`;
    // Settled by the bot, handed off, and one still with the bot (undecided): the rate ends between 1/3 and 2/3.
    await sql`insert into conversations (customer_id, status, handed_off, resolved_by, created_at, resolved_at)
              values (${customer.id}, 'resolved', false, 'bot', ${at(9)}, ${at(10)}),
                     (${customer.id}, 'resolved', true, 'agent', ${at(11)}, ${at(12)}),
                     (${customer.id}, 'bot', false, null, ${at(13)}, null)`;

    const { page, errors } = await signedInConsole(bed, '/console/admin/reports', { account: bed.stack.admin });
    const show = async (from: string, to: string) => {
      await page.getByTestId('report-from').fill(from);
      await page.getByTestId('report-to').fill(to);
      await page.getByTestId('report-apply').click();
      await expect.poll(() => page.getByTestId('report-ready').getAttribute('data-from')).toBe(from);
    };
    await show(DAY, DAY);

    const card = page.getByTestId('kpi-containment');
    const text = await card.textContent();
    expect(text).toContain('Bot resolution rate');
    expect(text).not.toContain('containment');
    expect(text).toContain('the final rate will be between 33.3% and 66.7% once the open chats end');
    expect(await page.getByTestId('chart-containment').locator('h2').textContent()).toBe('Bot resolution rate');

    // No chat of the range has a label: a line saying so, not a chart with nothing on it.
    const labels = page.getByTestId('chart-labels');
    expect(await labels.getByTestId('chart-labels-empty').textContent()).toBe('No labels used in this period.');
    expect(await labels.locator('canvas').count()).toBe(0);
    // So do the other lists with nothing in the range: the test's rows have no rating, no bot decision and no hand-off
    // event (the chart of labels below shows one drawn again once it has something).
    for (const chart of ['chart-articles', 'chart-intents', 'chart-handoff-reasons']) {
      expect(await page.getByTestId(`${chart}-empty`).textContent(), chart).toBe('Nothing in this period.');
      expect(await page.getByTestId(chart).locator('canvas').count(), chart).toBe(0);
    }

    // Labels in another range: the chart comes back (its canvas drawn), without the line.
    await sql`update conversations set labels = array['refund'] where customer_id = ${customer.id} and resolved_by = 'bot'`;
    await show('2019-10-06', DAY);
    await expect.poll(() => labels.getAttribute('data-values')).toBe('1');
    expect(await labels.locator('canvas').count()).toBe(1);
    expect(await labels.getByTestId('chart-labels-empty').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('in Chinese, names the rate and says when no labels were used', async () => {
    const { page, errors } = await signedInConsole(bed, '/console/admin/reports', { account: bed.stack.admin, consoleLanguage: 'zh' });
    await page.getByTestId('report-from').fill('2001-01-01');
    await page.getByTestId('report-to').fill('2001-01-01');
    await page.getByTestId('report-apply').click();
    await expect.poll(() => page.getByTestId('report-ready').getAttribute('data-from')).toBe('2001-01-01');
    expect(await page.getByTestId('kpi-containment').textContent()).toContain('机器人解决率');
    expect(await page.getByTestId('chart-labels-empty').textContent()).toBe('这段时间内没有使用标签。');
    expect(errors).toEqual([]);
  });
});
