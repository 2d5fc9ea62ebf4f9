// Retention deletes a deleted left message's webhook deliveries by their event key (retention.ts). The table's only
// index with event_key leads with the webhook, so without migration 063's index each batch read every delivery kept.
// This runs retention's real statement (captured as it is sent) through EXPLAIN on a real Postgres, against a deliveries
// table of a shop with webhooks (20,000 rows, analysed), leaving the planner its own choice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/services/retention.ts';
import type { Sql } from '../../server/db/client.ts';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { capturingClient, planOf, type CapturedStatement } from '../support/captured-statements.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.cleanup();
});

describe('retention of left messages: the deliveries delete', () => {
  it('finds the deliveries by the left-message index, not by reading the table', async () => {
    const sql = env.sql;
    const [hook] = await sql<{ id: number }[]>`
      insert into webhooks (url, secret, events) values ('https://hooks.example.com/in', 'plan-test-secret', ${['message.created', 'offline_message.created']}::text[]) returning id`;
    // Mostly chat messages' deliveries, as at any shop, and a few of left messages.
    await sql`
      insert into webhook_deliveries (webhook_id, event_key, event, payload, status)
      select ${hook.id}, 'msg:' || g, 'message.created', '{}'::jsonb, 'delivered' from generate_series(1, 20000) g`;
    const [left] = await sql<{ id: number }[]>`
      insert into offline_messages (email, body, created_at) values ('left@example.com', 'call me back', now() - interval '40 days') returning id`;
    await sql`
      insert into webhook_deliveries (webhook_id, event_key, event, payload, status)
      values (${hook.id}, ${`offline:${left.id}`}, 'offline_message.created', '{}'::jsonb, 'delivered')`;
    await sql`analyze webhook_deliveries`;

    const statements: CapturedStatement[] = [];
    const capturing = capturingClient(env.config.databaseUrl, statements);
    try {
      expect(await applyRetention(capturing as unknown as Sql, 30)).toBe(1);
      expect(await sql`select 1 from webhook_deliveries where event = 'offline_message.created'`).toHaveLength(0);
      const statement = statements.find((s) => /delete from webhook_deliveries/.test(s.query));
      expect(statement).toBeDefined();
      const plan = await planOf(capturing, statement!);
      expect(plan).toContain('webhook_deliveries_left_message_key_idx');
      expect(plan).not.toMatch(/Seq Scan on webhook_deliveries/);
    } finally {
      await capturing.end({ timeout: 2 });
    }
  });
});
