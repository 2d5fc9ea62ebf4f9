// Answers shopper questions a bot turn never answered. The shopper's ack goes out once the message is stored; the
// bot's turn runs after it, held only in the memory of the server that took the message (chat-service.ts,
// scheduleBotTurn). A server killed in between (SIGKILL, out of memory, the machine gone) leaves the question
// stored and unanswered, and the shopper, who saw "Sent", waits in silence. (A stopping server finishes its turns
// first: app.ts drains them.) Every server sweeps for such questions at start and then every BOT_RECOVERY_SWEEP_MS,
// and runs the bot's turn for each, announced the usual way, so the shopper's widget shows the answer live.
//
// Several servers sweep at once: a question is claimed in Redis (SET NX with an expiry) before its turn runs, so one
// server runs the classifier for it. A live turn still finishing is not claimed; the grace period leaves it time, and
// should it still race the late turn, the reply's key (botReplyClientId) stores one reply and the turn that lost
// says nothing (chat-service.ts, botTurn). A chat handed off, queued or resolved meanwhile is left alone.
//
// The same sweep first runs the automation rules (a new chat's, a hand-off's) a killed server owed (new-chat-rules-recovery.ts).
import type { Redis } from 'ioredis';
import type { Sql } from '../db/client.ts';
import { prefixed, type Config } from '../config.ts';
import { latestShopperMessagesWithBot, type LatestShopperMessage } from '../repositories/conversations.ts';
import type { ChatService } from './chat-service.ts';
import { BOT_IDLE_MINUTES } from './bot-idle.ts';
import { runOwedAutomationRules } from './new-chat-rules-recovery.ts';
import { detectLanguage } from '../../knowledge-base/text/language.ts';

/**
 * How old a question must be before a sweep takes it. A live turn takes well under a second, a few when it waits
 * behind earlier turns of its chat or for a brain being reloaded; a stopping server waits up to 10 s for its turns,
 * and a reply's insert up to DB_LOCK_TIMEOUT_MS (10 s) for a row lock. 20 s is past all of them, so a sweep does not
 * run a turn a live server is about to finish; a shopper whose question was lost waits at most this plus one sweep
 * period for the answer.
 */
export const BOT_RECOVERY_GRACE_SECONDS = 20;

/**
 * Questions older than this are left unanswered. A bot chat quiet this long is closed by the idle sweep as done
 * (BOT_IDLE_MINUTES), and the shopper has most likely left the page: an answer arriving half an hour later, out of
 * the blue, reads as odd, and on their next visit the widget shows a new chat anyway. They may still ask again.
 */
export const BOT_RECOVERY_MAX_AGE_MINUTES = BOT_IDLE_MINUTES;

/**
 * How long a claim holds: far longer than a turn takes, so no second server runs the classifier for the question
 * meanwhile; once the reply is stored the question is no longer found. A server that dies while answering leaves
 * the claim to expire, and the question is taken again by the sweep after that.
 */
const CLAIM_TTL_MS = 60_000;

/** Questions looked at per sweep; after a crash of a busy server the rest wait for the next sweep (or another server's). */
const BATCH = 100;

export interface BotTurnRecoveryDeps {
  config: Pick<Config, 'redisPrefix'>;
  sql: Sql;
  redis: Redis;
  chat: () => ChatService;
  log: { warn(obj: unknown, msg?: string): void };
}

/**
 * The widget's language is not stored with a message; botTurn prefers the customer's own locale, and without one the
 * question's own language (the bot's one reading of it) decides.
 */
const localeOf = (question: LatestShopperMessage) => detectLanguage(question.message.body);

export function createBotTurnRecovery(deps: BotTurnRecoveryDeps) {
  const { sql, redis, log } = deps;
  const claimKey = (messageId: number) => `${prefixed(deps.config, 'bot-recovery')}:${messageId}`;
  let running: Promise<number> | null = null;
  let stopped = false;

  async function sweepOnce(): Promise<number> {
    // Rules a killed server owed run first (new-chat-rules-recovery.ts), chained before any turn this server recovers
    // for the chat; a chat still owing its new-chat rules is not found below until they have run.
    await runOwedAutomationRules(deps, () => stopped);
    const stale = await latestShopperMessagesWithBot(sql, {
      graceSeconds: BOT_RECOVERY_GRACE_SECONDS,
      maxAgeSeconds: BOT_RECOVERY_MAX_AGE_MINUTES * 60,
      limit: BATCH,
    });
    let taken = 0;
    for (const latest of stale) {
      if (stopped) break;
      // An email reply is a person's to answer (handed off when stored); any other message, the bot's.
      const email = latest.message.client_id?.startsWith('email:') ?? false;
      if (!email && latest.answered) continue;
      // Redis away (the claim fails at once: app.ts passes the request connection): the turn runs unclaimed. A shopper
      // answered beats one left in silence until Redis is back, and it stays one answer: the reply's key
      // (botReplyClientId) stores one, and a turn that lost says nothing and undoes its hand-off (chat-service.ts,
      // botTurn). All a claim saves is a second server running the classifier for the question meanwhile.
      const claimed = await redis.set(claimKey(latest.message.id), '1', 'PX', CLAIM_TTL_MS, 'NX').catch(() => 'OK' as const);
      if (claimed !== 'OK') continue; // another server has it
      const where = { conversationId: latest.conversationId, messageId: latest.message.id };
      if (email) {
        log.warn(where, 'handing off an email reply whose hand-off was lost (a server stopped abruptly?)');
        await deps.chat().handoff(latest.conversationId, latest.customerId, 'email_reply');
      } else {
        log.warn(where, 'answering a shopper message no bot turn answered (a server stopped abruptly?)');
        // One at a time: after a crash there may be many, and the classifier runs on this event loop.
        await deps.chat().scheduleBotTurn(latest.conversationId, latest.customerId, latest.message, localeOf(latest), { recovered: true });
      }
      taken++;
    }
    return taken;
  }

  return {
    /** One sweep; a sweep still running (many questions after a crash) is joined, not doubled. Resolves to how many turns ran. */
    sweep(): Promise<number> {
      if (stopped) return Promise.resolve(0);
      running ??= sweepOnce().finally(() => {
        running = null;
      });
      return running;
    },
    /** No more turns start; resolves when the one running has ended (shutdown). */
    async stop(): Promise<void> {
      stopped = true;
      await running?.catch(() => {});
    },
  };
}

export type BotTurnRecovery = ReturnType<typeof createBotTurnRecovery>;
