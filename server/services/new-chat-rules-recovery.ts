// Runs the automation rules a killed server owed: a new chat's (trigger conversation_created) and a hand-off's (trigger
// handoff). Both run in the memory of the server that took the event — a new chat's after the shopper's ack
// (chat-service.ts, publishCustomerMessage), a hand-off's right after the chat was queued (handedOff) — so a server
// killed in between (SIGKILL, out of memory) lost them for good. The conversation's row now says it owes them
// (new_chat_rules_owed, migration 056, set by the insert that creates it; handoff_rules_owed, migration 062, set by the
// hand-off's update; each only while a rule of its trigger is enabled, and cleared once they have run), and the bot-turn
// recovery sweep (bot-turn-recovery.ts) calls this first on every server, at start and periodically: a recovered chat
// gets its new-chat rules before its recovered bot answer, as on the live path, and its hand-off rules after them.
//
// Several servers sweep at once: a chat is claimed in Redis (SET NX with an expiry, one key per trigger) before its
// rules run, so one server runs them. The grace period leaves a live run time to finish; a late run skips the rules
// whose line is in the chat already (automation-rules.ts, `recovered`), so a server that died part-way through them, or
// a live run that outlasted the grace period, does not get a rule run twice. A chat where the late rules no longer make
// sense (an agent took it, it was closed) only stops owing them (chat-service.ts, runOwedRules).
import type { Redis } from 'ioredis';
import type { Sql } from '../db/client.ts';
import { prefixed, type Config } from '../config.ts';
import type { ChatService } from './chat-service.ts';
import type { Trigger } from './automation-rules.ts';

/**
 * How old an owed event (a chat's start, its hand-off) must be before a sweep takes its rules. A live run ends within
 * the rules' budget (RULES_RUN_BUDGET_MS, 5 s) plus each fired rule's short line wait, and a stopping server waits for
 * its runs (they are chained with its bot turns, which it drains): 20 s is past them, as for bot turns
 * (BOT_RECOVERY_GRACE_SECONDS).
 */
export const OWED_RULES_GRACE_SECONDS = 20;

/**
 * How long after its hand-off the automatic assignment keeps holding a chat that still owes its hand-off rules
 * (routing.assignNext): the grace period, then two sweep periods, so a sweep on some server has had its turn (one may
 * have started just before the grace ended). Past it the chat is assigned without them: a sweep that never comes must
 * not leave a shopper waiting with a free agent there.
 */
export const owedRulesHoldMs = (config: Pick<Config, 'botRecoverySweepMs'>) => OWED_RULES_GRACE_SECONDS * 1000 + 2 * config.botRecoverySweepMs;

/**
 * How long a claim holds: far longer than a run takes, and once it has run the chat no longer owes them. A server that
 * dies while running them leaves the claim to expire; a later sweep runs what it had not.
 */
const CLAIM_TTL_MS = 60_000;

/** Chats looked at per trigger and sweep; after a crash of a busy server the rest wait for the next sweep (or another server's). */
const BATCH = 100;

/**
 * Where each trigger's debt is kept: the conversations column saying it is owed (each with its partial index) and the
 * moment its event happened, which the grace period counts from. New-chat rules first: on the live path they run
 * before a hand-off's, whose rules see what they did.
 */
const OWED = [
  { trigger: 'conversation_created', owed: 'new_chat_rules_owed', since: 'created_at', claim: 'new-chat-rules' },
  { trigger: 'handoff', owed: 'handoff_rules_owed', since: 'queued_at', claim: 'handoff-rules' },
] as const satisfies readonly { trigger: Trigger; owed: string; since: string; claim: string }[];

export interface OwedRulesRecoveryDeps {
  config: Pick<Config, 'redisPrefix'>;
  sql: Sql;
  redis: Redis;
  chat: () => ChatService;
  log: { warn(obj: unknown, msg?: string): void };
}

/**
 * Chats past the grace period that still owe one trigger's rules, oldest event first (the partial index of 056 / 062).
 * No age limit: whether late rules still make sense is the chat's state, checked when they run (runOwedRules), and a
 * chat past that only stops owing them.
 */
async function chatsOwing(sql: Sql, kind: (typeof OWED)[number]): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    select id from conversations
    where ${sql(kind.owed)} and ${sql(kind.since)} < now() - make_interval(secs => ${OWED_RULES_GRACE_SECONDS})
    order by ${sql(kind.since)} limit ${BATCH}`;
  return rows.map((r) => Number(r.id));
}

/** One pass: claims each chat owing rules and runs them (one at a time); resolves to how many runs it took. */
export async function runOwedAutomationRules(deps: OwedRulesRecoveryDeps, stopped: () => boolean = () => false): Promise<number> {
  const { sql, redis, log } = deps;
  let taken = 0;
  for (const kind of OWED) {
    for (const conversationId of await chatsOwing(sql, kind)) {
      if (stopped()) return taken;
      // Redis away (the claim fails at once): the rules wait for it, unlike a bot turn (bot-turn-recovery.ts), as rules
      // run twice would add their notes and actions twice. The chat is left for a later sweep; the turns still run.
      const claimed = await redis.set(`${prefixed(deps.config, kind.claim)}:${conversationId}`, '1', 'PX', CLAIM_TTL_MS, 'NX').catch(() => null);
      if (claimed !== 'OK') continue; // another server has it, or Redis is away
      log.warn({ conversationId, trigger: kind.trigger }, 'running automation rules no server ran (a server stopped abruptly?)');
      await deps.chat().runOwedRules(kind.trigger, conversationId);
      taken++;
    }
  }
  return taken;
}
