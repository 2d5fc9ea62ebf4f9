// Shopper messages are stored in shared batches, one batch at a time: a batch stuck behind a row lock must fail
// within the configured lock timeout (an error ack the widget retries) instead of holding every shopper.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectWidget } from '../support/sockets.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ config: { dbLockTimeoutMs: 300 } });
});
afterAll(async () => {
  await stack?.close();
});

describe('a message batch stuck behind a lock', () => {
  it('fails after the lock timeout with an error ack, lets the next batch through, and the resend is stored once', async () => {
    const blocked = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
    const other = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
    const first = await callOk<{ conversationId: number }>(blocked, 'message:send', { clientId: 'l-1', text: 'Hello' });
    await callOk(other, 'message:send', { clientId: 'o-1', text: 'Hi there' });

    // Another transaction holds the shopper's conversation row (as a long-running admin job might).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let transaction!: Promise<unknown>;
    await new Promise<void>((locked) => {
      transaction = stack.env.sql.begin(async (tx) => {
        await tx`select id from conversations where id = ${first.conversationId} for update`;
        locked();
        await held;
      });
    });
    try {
      const started = Date.now();
      const stuck = await call(blocked, 'message:send', { clientId: 'l-2', text: 'Are you there?' });
      expect(stuck.ok).toBe(false);
      expect(Date.now() - started).toBeLessThan(5_000);
      // The next batch, without the locked row, goes through.
      expect((await call(other, 'message:send', { clientId: 'o-2', text: 'Still here' })).ok).toBe(true);
    } finally {
      release();
      await transaction;
    }
    const resent = await callOk<{ id: number; duplicate: boolean }>(blocked, 'message:send', { clientId: 'l-2', text: 'Are you there?' });
    expect(resent.duplicate).toBe(false);
    const rows = await stack.env.sql`select id from messages where conversation_id = ${first.conversationId} and client_id = 'l-2'`;
    expect(rows.map((r) => r.id)).toEqual([resent.id]);
    blocked.close();
    other.close();
  });
});
