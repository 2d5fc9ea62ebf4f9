// The per-agent report reads the range's agent lines through the partial index made for it (messages_agent_hold_changes_idx,
// migrations 033, 057 and 061), whose condition must be implied by the report's own. When the report began to read
// "returned to the queue" lines too (agent_requeued) and the index did not, Postgres read every message of the range's
// chats instead — the same figures, 10–30 % slower at a busy shop's size (docs/benchmarks.md), and no test failed.
// Migration 061 rebuilt it when the report also read the releases that end a hold (agent_unavailable, agent_no_reply).
// This runs the report's real statement (captured as it is sent) through EXPLAIN on a real Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentReport } from '../../server/services/agent-report.ts';
import { resolveRange } from '../../server/services/console-reports.ts';
import type { Sql } from '../../server/db/client.ts';
import { createTestEnv, type TestEnv } from '../support/test-env.ts';
import { RANGE, seedAgentReport } from './agent-report-fixture.ts';
import { capturingClient, planOf, type CapturedStatement } from '../support/captured-statements.ts';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.cleanup();
});

describe('per-agent report plan', () => {
  it('reads the agent lines through messages_agent_hold_changes_idx, not every message of the range', async () => {
    await seedAgentReport(env.sql, 'plan');
    // Shoppers' and bot lines in the range's chats, as most messages are, so the index's condition matters.
    await env.sql`
      insert into messages (conversation_id, author_type, body, created_at)
      select c.id, case when g % 2 = 0 then 'customer' else 'bot' end, 'hello', c.created_at + make_interval(secs => g)
      from conversations c, generate_series(1, 400) g`;
    await env.sql`analyze messages`;

    const statements: CapturedStatement[] = [];
    const capturing = capturingClient(env.config.databaseUrl, statements);
    try {
      const report = await buildAgentReport(capturing as unknown as Sql, resolveRange(RANGE.from, RANGE.to));
      expect(report.team.messagesSent).toBe(8);
      const statement = statements.find((s) => s.query.includes('lines as materialized'));
      expect(statement).toBeDefined();
      const plan = await capturing.begin(async (tx) => {
        // Any index rather than a scan of the small table: the test is about which index the condition can use.
        await tx`set local enable_seqscan = off`;
        return planOf(tx, statement!);
      });
      const text = plan.split('\n');
      const start = text.findIndex((line) => line.trim() === 'CTE lines');
      expect(start).toBeGreaterThanOrEqual(0);
      const end = text.findIndex((line, i) => i > start && /^\s*CTE /.test(line));
      const linesStep = text.slice(start, end).join('\n');
      expect(linesStep).toContain('messages_agent_hold_changes_idx');
      expect(linesStep).not.toContain('messages_conversation_idx');
    } finally {
      await capturing.end({ timeout: 2 });
    }
  });
});
