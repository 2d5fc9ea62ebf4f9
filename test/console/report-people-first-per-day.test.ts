// The overview's chart of chats per day and the doughnut of containment beside it split the chats the same way, on a
// real server and Postgres: a chat sent straight to a person (hand-off reason bot_mode, "Who answers first", or
// email_reply) is `peopleFirst` in both, not among the bot's hand-offs. Per day they were counted as "Handed off": the
// orange bar read 4 where the orange slice read 3. The console draws them as a series of their own with the
// doughnut's name and colour (report-series.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, type TestStack } from '../support/server.ts';
import { containmentSlices, perDaySeries, type ChatsOfADay } from '../../console/src/report-series.ts';
import { t } from '../../console/src/i18n.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  await stack?.close();
});

/** A shopper's resolved chat started at `created`, handed to a person for `reason` (none: the bot settled it). */
async function chat(customerId: number, created: string, reason: string | null) {
  const at = new Date(created);
  await stack.env.sql`
    insert into conversations (customer_id, status, handed_off, handoff_reason, queued_at, created_at, resolved_at, resolved_by)
    values (${customerId}, 'resolved', ${reason !== null}, ${reason}, ${reason ? at : null}, ${at}, ${new Date(at.getTime() + 600_000)}, ${reason ? 'agent' : 'bot'})`;
}

describe('chats per day', () => {
  it('counts the chats sent straight to a person apart from the hand-offs, as the doughnut does', async () => {
    const [{ id }] = await stack.env.sql<{ id: number }[]>`insert into customers (name) values ('Per day') returning id`;
    // 2019-04-01: three by "Who answers first", one handed off by the shopper's button, one the bot settled.
    for (const hour of ['08', '09', '10']) await chat(id, `2019-04-01T${hour}:00:00Z`, 'bot_mode');
    await chat(id, '2019-04-01T11:00:00Z', 'customer_request');
    await chat(id, '2019-04-01T12:00:00Z', null);
    // 2019-04-02: a shopper's reply to the team's email.
    await chat(id, '2019-04-02T08:00:00Z', 'email_reply');

    const r = (await httpAs(stack.url, 'GET', '/api/admin/reports?from=2019-04-01&to=2019-04-02', admin)).json;
    expect(r.containment).toMatchObject({ total: 6, handedOff: 1, peopleFirst: 4, botResolved: 1 });
    expect(r.conversationsPerDay).toEqual([
      { day: '2019-04-01', total: 5, handedOff: 1, peopleFirst: 3, takenOver: 0 },
      { day: '2019-04-02', total: 1, handedOff: 0, peopleFirst: 1, takenOver: 0 },
    ]);
  });

  it("draws them as their own series, named and coloured as the doughnut's slice", () => {
    const days: ChatsOfADay[] = [
      { day: '2019-04-01', total: 5, handedOff: 1, peopleFirst: 3, takenOver: 0 },
      { day: '2019-04-02', total: 4, handedOff: 0, peopleFirst: 1, takenOver: 2 },
    ];
    const series = perDaySeries(days);
    const slices = containmentSlices({ botResolved: 2, handedOff: 1, withBot: 1, closedByTeam: 0, peopleFirst: 4, takenOver: 2 });
    const slice = (label: string) => ({ label, value: slices.data[slices.labels.indexOf(label)], colour: slices.colours[slices.labels.indexOf(label)] });
    const bars = (label: string) => series.find((s) => s.label === label)!;

    const straight = slice(t('reports.peopleFirst'));
    expect(straight).toEqual({ label: 'Straight to a person', value: 4, colour: '#fb923c' });
    expect(bars(straight.label)).toEqual({ label: straight.label, data: [3, 1], backgroundColor: straight.colour });
    const handedOff = slice(t('reports.handedOff'));
    expect(bars(handedOff.label)).toEqual({ label: handedOff.label, data: [1, 0], backgroundColor: handedOff.colour });
    // The bot alone is what is left of each day; every chat is in one bar.
    expect(bars(t('reports.botOnly')).data).toEqual([1, 1]);
    expect(days.map((_, i) => series.reduce((n, s) => n + s.data[i], 0))).toEqual([5, 4]);
  });
});
