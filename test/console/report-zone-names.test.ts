// A report's zone read one way everywhere: its range's bounds are computed here (Intl), its per-day buckets and the
// CSV's transcript times in Postgres (`at time zone`). CET, MET, WET and EET are IANA zones with summer time to Intl
// (CET is Europe/Brussels) but fixed-offset abbreviations to Postgres, which reads those first: with tz=CET a chat at
// 00:30 on a June day was inside that day's range and in no day of its chart, and its transcript an hour behind
// Europe/Brussels's. resolveRange passes on the zone's canonical name (canonicalTimeZone), which both read alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, httpAs, type TestStack } from '../support/server.ts';
import { resolveRange } from '../../server/services/console-reports.ts';
import { canonicalTimeZone } from '../../server/services/widget-settings.ts';

let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  stack = await startStack();
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  await stack?.close();
});

describe("a report's time zone", () => {
  it('is named canonically: an alias or abbreviation as the zone Intl reads it, an unknown one or a bare offset refused', () => {
    expect(canonicalTimeZone('CET')).toBe('Europe/Brussels');
    expect(canonicalTimeZone('asia/shanghai')).toBe('Asia/Shanghai');
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
    expect(canonicalTimeZone('+08:00')).toBeNull();
    const range = resolveRange('2019-06-02', '2019-06-02', new Date(), 'CET');
    expect([range.timeZone, range.start.toISOString(), range.end.toISOString()]).toEqual(['Europe/Brussels', '2019-06-01T22:00:00.000Z', '2019-06-02T22:00:00.000Z']);
  });

  it("with tz=CET counts a summer night's chat in its day and stamps its transcript in summer time", async () => {
    const sql = stack.env.sql;
    const [{ id: customerId }] = await sql<{ id: number }[]>`insert into customers (name) values ('Brussels') returning id`;
    // 00:30 on 2 June in Central European Summer Time (22:30 UTC on 1 June), and 10:00 there (08:00 UTC).
    await sql`insert into conversations (customer_id, status, created_at) values (${customerId}, 'bot', ${new Date('2019-06-01T22:30:00Z')})`;
    const [{ id: later }] = await sql<{ id: number }[]>`
      insert into conversations (customer_id, status, created_at) values (${customerId}, 'bot', ${new Date('2019-06-02T08:00:00Z')}) returning id`;
    await sql`insert into messages (conversation_id, author_type, body, created_at) values (${later}, 'customer', 'hello', ${new Date('2019-06-02T08:00:00Z')})`;

    for (const tz of ['CET', 'Europe/Brussels']) {
      const r = (await httpAs(stack.url, 'GET', `/api/admin/reports?from=2019-06-02&to=2019-06-02&tz=${encodeURIComponent(tz)}`, admin)).json;
      expect(r.containment.total, tz).toBe(2);
      expect(r.conversationsPerDay.map((d: { day: string; total: number }) => [d.day, d.total]), tz).toEqual([['2019-06-02', 2]]);

      const csv = await fetch(`${stack.url}/api/admin/reports/conversations.csv?from=2019-06-02&to=2019-06-02&tz=${encodeURIComponent(tz)}`, { headers: { cookie: admin.cookie } });
      expect(csv.status).toBe(200);
      expect(await csv.text(), tz).toContain('[2019-06-02 10:00:00] Customer: hello');
      // And the report says which zone its days are: the one it read.
      expect(r.range.timeZone, tz).toBe('Europe/Brussels');
    }
  });
});
