// The owed-rules recovery tests' bed (test/chat/*-rules-recovery.test.ts): a stack whose own server has no background
// sweeps — it stands for the server that died before running a chat's automation rules — and servers a test starts
// "after the crash", which sweep every SWEEP_PERIOD_MS and are closed after that test, as are the rules it saved.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { httpAs, login, startStack, type TestStack } from './server.ts';
import { createServer, type ServerHandle, type ServerOptions } from '../../server/app.ts';
import type { Config } from '../../server/config.ts';
import { OWED_RULES_GRACE_SECONDS, type OwedRulesRecoveryDeps } from '../../server/services/new-chat-rules-recovery.ts';

/** The sweep period of every server of the bed (BOT_RECOVERY_SWEEP_MS; 30 s by default). */
export const SWEEP_PERIOD_MS = 250;
/** An age at which a chat's owed rules are the sweep's to run, no longer the live run's. */
export const PAST_GRACE = OWED_RULES_GRACE_SECONDS + 5;

/** What runOwedAutomationRules needs of a server, to run one sweep on it directly. */
export const depsOf = (handle: ServerHandle): OwedRulesRecoveryDeps =>
  ({ config: handle.ctx.config, sql: handle.ctx.sql, redis: handle.ctx.redis, chat: () => handle.ctx.chat, log: handle.ctx.log });

/** Sets the bed up for a test file; `server` is what every server of it runs with (a responder). */
export function rulesRecoveryBed(server: Omit<ServerOptions, 'backgroundTimers'> = {}) {
  const started: ServerHandle[] = [];
  const bed = {
    stack: undefined as unknown as TestStack,
    admin: undefined as unknown as Awaited<ReturnType<typeof login>>,

    /** A server as after a restart, with its background sweeps (without: only the sweeps a test runs itself). */
    async startRecoveringServer(options: { backgroundTimers?: boolean; config?: Partial<Config> } = {}): Promise<ServerHandle> {
      const handle = await createServer({ ...bed.stack.env.config, ...options.config }, { ...server, backgroundTimers: options.backgroundTimers ?? true });
      started.push(handle);
      await handle.listen();
      return handle;
    },

    /** An automation rule saved by the admin, as the console saves it. */
    async saveRule(body: unknown): Promise<{ id: number }> {
      const saved = await httpAs(bed.stack.url, 'POST', '/api/admin/automation-rules', bed.admin, body);
      expect(saved.status, saved.text).toBe(201);
      return saved.json.item;
    },
  };

  beforeAll(async () => {
    bed.stack = await startStack({ config: { botRecoverySweepMs: SWEEP_PERIOD_MS }, server: { ...server, backgroundTimers: false } });
    bed.admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
  });
  afterEach(async () => {
    for (const handle of started.splice(0)) await handle.close();
    await bed.stack.env.sql`delete from automation_rules`;
  });
  afterAll(async () => {
    await bed.stack?.close();
  });
  return bed;
}
