// Runs the new-chat automation rules a killed server owed. A new chat's rules run after the shopper's ack, in the
// memory of the server that took the message (chat-service.ts, publishCustomerMessage); a server killed in between
// (SIGKILL, out of memory) lost them for good. The conversation's row now says it owes them (new_chat_rules_owed,
// migration 056: set by the insert that creates it while any new-chat rule is enabled, cleared once they have run), and
// the bot-turn recovery sweep (bot-turn-recovery.ts) calls this first on every server, at start and periodically, so a
// recovered chat gets its rules before its recovered bot answer, as on the live path.
//
// Several servers sweep at once: a chat is claimed in Redis (SET NX with an expiry) before its rules run, so one server
// runs them. The grace period leaves a live run time to finish; a late run skips the rules whose line is in the chat
// already (automation-rules.ts, `recovered`), so a server that died part-way through them, or a live run that outlasted
// the grace period, does not get a rule run twice. A chat an agent took, or that was closed, is left alone.
import type { Redis } from 'ioredis';
import type { Sql } from '../db/client.ts';
import { prefixed, type Config } from '../config.ts';
import type { ChatService } from './chat-service.ts';

/**
 * How old a chat still owing its rules must be before a sweep takes them. A live run ends within the rules' budget
 * (RULES_RUN_BUDGET_MS, 5 s) plus each fired rule's short line wait, and a stopping server waits for its runs (they
 * are chained with its bot turns, which it drains): 20 s is past them, as for bot turns (BOT_RECOVERY_GRACE_SECONDS).
 */
export const NEW_CHAT_RULES_GRACE_SECONDS = 20;

/**
 * How long a claim holds: far longer than a run takes, and once it has run the chat no longer owes them. A server that
 * dies while running them leaves the claim to expire; a later sweep runs what it had not.
 */
const CLAIM_TTL_MS = 60_000;

/** Chats looked at per sweep; after a crash of a busy server the rest wait for the next sweep (or another server's). */
const BATCH = 100;

export interface NewChatRulesRecoveryDeps {
  config: Pick<Config, 'redisPrefix'>;
  sql: Sql;
  redis: Redis;
  chat: () => ChatService;
  log: { warn(obj: unknown, msg?: string): void };
}

/**
 * Chats past the grace period that still owe their new-chat rules, oldest first (the partial index of migration 056).
 * No age limit: whether late rules still make sense is the chat's state, checked when they run (runOwedNewChatRules),
 * and a chat past that only stops owing them.
 */
async function chatsOwingRules(sql: Sql): Promise<number[]> {
  const rows = await sql<{ id: number }[]>`
    select id from conversations
    where new_chat_rules_owed and created_at < now() - make_interval(secs => ${NEW_CHAT_RULES_GRACE_SECONDS})
    order by created_at limit ${BATCH}`;
  return rows.map((r) => Number(r.id));
}

/** One pass: claims each chat owing its rules and runs them (one at a time); resolves to how many it took. */
export async function runOwedNewChatRules(deps: NewChatRulesRecoveryDeps, stopped: () => boolean = () => false): Promise<number> {
  const { sql, redis, log } = deps;
  const claimKey = (conversationId: number) => `${prefixed(deps.config, 'new-chat-rules')}:${conversationId}`;
  let taken = 0;
  for (const conversationId of await chatsOwingRules(sql)) {
    if (stopped()) break;
    const claimed = await redis.set(claimKey(conversationId), '1', 'PX', CLAIM_TTL_MS, 'NX');
    if (claimed !== 'OK') continue; // another server has it
    log.warn({ conversationId }, "running a new chat's automation rules no server ran (a server stopped abruptly?)");
    await deps.chat().runOwedNewChatRules(conversationId);
    taken++;
  }
  return taken;
}
