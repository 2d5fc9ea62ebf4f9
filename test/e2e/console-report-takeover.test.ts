// The Reports page's containment block in Chromium with a chat the team took over from the bot (no hand-off): its
// own slice of the containment chart, counted in the card's settled chats and the rate's base, and the card's hint
// says what it is.
import { describe, expect, it } from 'vitest';
import { consoleTestBed, signedInConsole } from '../support/browser.ts';

const bed = consoleTestBed();
const DAY = '2019-09-02';

describe('reports: chats taken over by the team', () => {
  it('shows them in the containment chart and card, on the side of the rate against the bot', async () => {
    const sql = bed.stack.env.sql;
    const at = (hour: number) => new Date(`${DAY}T${String(hour).padStart(2, '0')}:00:00Z`);
    const [customer] = await sql<{ id: number }[]>`insert into customers (name) values ('Takeover Tess') returning id`;
    // Settled by the bot, handed off, and one an agent took from the bot that the idle sweep closed as the system.
    await sql`insert into conversations (customer_id, status, handed_off, resolved_by, created_at, resolved_at)
              values (${customer.id}, 'resolved', false, 'bot', ${at(9)}, ${at(10)}),
                     (${customer.id}, 'resolved', true, 'agent', ${at(11)}, ${at(12)}),
                     (${customer.id}, 'resolved', false, 'system', ${at(13)}, ${at(15)})`;
    await sql`update conversations set assigned_at = ${at(13)}, first_response_at = ${at(13)} where customer_id = ${customer.id} and resolved_by = 'system'`;

    const { page, errors } = await signedInConsole(bed, '/console/admin/reports', { account: bed.stack.admin });
    await page.getByTestId('report-from').fill(DAY);
    await page.getByTestId('report-to').fill(DAY);
    await page.getByTestId('report-apply').click();
    await expect.poll(() => page.getByTestId('report-ready').getAttribute('data-from')).toBe(DAY);

    // Resolved by the bot, handed off, still with the bot, closed by an agent, straight to a person, taken over.
    expect(await page.getByTestId('chart-containment').getAttribute('data-values')).toBe('1,1,0,0,0,1');
    const card = page.getByTestId('kpi-containment');
    expect(await card.textContent()).toContain('33.3%'); // 1 of 3 decided: the taken-over chat is not the bot's
    expect(await card.textContent()).toContain('of 3 decided chats: 1 by the bot · 1 handed off · 1 taken over by the team');
    expect(await card.getAttribute('title')).toContain('counts as taken over by the team');
    expect(errors).toEqual([]);
  });
});
