// csat-email: asks a shopper by email "How did we do?" after a person's chat was resolved while they were not there
// to rate it in the widget. The job (csat-email-queue.ts: queued at the resolve, delayed CSAT_EMAIL_DELAY_SECONDS, one
// per conversation) checks the chat again when it runs: still resolved, not rated, the shopper reachable, the shop
// asking, and the question not seen in the chat.
//
// "Seen in the chat" is read from the shopper's seen mark (conversations.customer_last_seen_id), not from whether a
// socket was connected: the widget moves the mark only while its panel is open on a visible page, and the resolve
// stores a line ("… ended the chat") that the panel shows together with the rating card. A mark at the chat's last
// message thus means the widget showed the question — at the resolve or any time before the job runs — while a widget
// connected in a background tab, or with its panel closed, showed nothing and its shopper is asked. (A chat resolved
// from the queue, with no holder and so no such line, counts as seen when the shopper had read its last message.)
//
// Each email is recorded in csat_emails (one row per conversation) before it is sent: a retried job resends only a
// row still 'sending', and a later resolve of the same chat never asks again. A refusal for now is retried with
// backoff and recorded 'failed' after the last attempt; a permanent 5xx fails at once.
//
// Once sent, the chat gets a line for its agents ("Asked the shopper by email to rate the chat", agent-note.ts): a
// private system line, so the widget never shows it, that neither reopens the chat nor moves its last activity, and
// that reports and alerts do not count.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../server/config.ts';
import type { Sql } from '../server/db/client.ts';
import { csatEmailTarget, QUEUE_CSAT_EMAILS } from '../server/services/csat-email-queue.ts';
import { csatEmail, csatWords } from '../server/services/csat-email-content.ts';
import { csatRateUrl, signCsatToken } from '../server/services/csat-email-link.ts';
import { unsubscribeToken, unsubscribeUrl } from '../server/services/email-unsubscribe.ts';
import { createMailer, emailEnabled, senderAddress, type Mailer } from '../server/services/mailer.ts';
import { sharedSecret } from '../server/services/secrets.ts';
import { loadWidgetSettings, shopIdentity } from '../server/services/widget-settings.ts';
import type { ProcessorDefinition } from './processors.ts';
import { sendRefused } from './email-claims.ts';
import { addAgentNote, workerRedis, type AnnounceMessages } from './agent-note.ts';

export interface CsatEmailDeps {
  config: Config;
  sql: Sql;
  mailer: Mailer;
  /** The install's shared secret (the visitor-token one): signs the rating and unsubscribe links. */
  linkSecret(): Promise<string>;
  /** Tells the consoles about the agents' line (the servers' message fan-out). */
  announce: AnnounceMessages;
}

export type CsatEmailOutcome = { status: 'skipped'; reason: string } | { status: 'sent' };

export async function sendCsatEmail(deps: CsatEmailDeps, job: Job<{ conversationId?: unknown }>): Promise<CsatEmailOutcome> {
  const { sql, config } = deps;
  const conversationId = Number(job.data?.conversationId);
  if (!Number.isSafeInteger(conversationId) || conversationId < 1) throw new UnrecoverableError('Malformed csat-emails job: conversationId must be a positive integer');
  const found = await csatEmailTarget(sql, conversationId);
  if ('skip' in found) return { status: 'skipped', reason: found.skip };
  const { target } = found;
  const [{ last_shown: lastShown }] = await sql<{ last_shown: number }[]>`
    select coalesce(max(id), 0)::bigint as last_shown from messages where conversation_id = ${conversationId} and not private`;
  if (target.customer_last_seen_id >= Number(lastShown)) return { status: 'skipped', reason: 'the widget showed the question' };

  // Claimed before sending: a retry of this job takes its own 'sending' row again; any other row means asked already.
  const [claimed] = await sql<{ status: string }[]>`
    insert into csat_emails (conversation_id, status) values (${conversationId}, 'sending')
    on conflict (conversation_id) do update set updated_at = now() where csat_emails.status = 'sending'
    returning status`;
  if (!claimed) return { status: 'skipped', reason: 'already asked by email' };

  const secret = await deps.linkSecret();
  const shop = shopIdentity(await loadWidgetSettings(sql), config);
  const token = signCsatToken(secret, conversationId);
  const unsubscribe = unsubscribeUrl(config.publicUrl, unsubscribeToken(secret, target.customer_id));
  const email = csatEmail(await csatWords(target.locale), {
    shopName: shop.shopName,
    rateUrl: (score) => csatRateUrl(config.publicUrl, token, score),
    unsubscribeUrl: unsubscribe,
    identified: target.identified,
  });
  try {
    await deps.mailer.send({
      from: senderAddress({ ...config, shopName: shop.shopName }),
      to: target.email,
      ...email,
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'Auto-Submitted': 'auto-generated' },
    });
  } catch (error) {
    return sendRefused(job, error, 'rating email', ({ final, text }) => sql`
      update csat_emails set attempts = attempts + 1, error = ${text}, updated_at = now(),
        status = ${final ? 'failed' : 'sending'} where conversation_id = ${conversationId}`);
  }
  await sql`update csat_emails set status = 'sent', attempts = attempts + 1, error = null, sent_at = now(), updated_at = now()
            where conversation_id = ${conversationId}`;
  await addAgentNote(sql, deps.announce, {
    conversationId,
    // One per chat, as the email is (a client id is stored once per chat).
    clientId: `csat-email:${conversationId}`,
    body: 'Asked the shopper by email to rate the chat.',
    metadata: { event: 'csat_email' },
  });
  return { status: 'sent' };
}

export const csatEmailsProcessor: ProcessorDefinition = {
  queueName: QUEUE_CSAT_EMAILS,
  concurrency: 4,
  create({ config, sql, log }) {
    let mailer: Mailer | null = null;
    const redis = workerRedis(config);
    let secret: Promise<string> | null = null;
    const deps = (): CsatEmailDeps => ({
      config,
      sql,
      mailer: (mailer ??= createMailer(config)),
      linkSecret: () => (secret ??= sharedSecret(sql, 'visitor_token_secret', config.sessionSecret)),
      announce: redis.announcer(config),
    });
    return {
      async process(job) {
        // Jobs are queued only when the server has SMTP_URL; a worker process without it leaves them failed, said why.
        if (!emailEnabled(config)) throw new UnrecoverableError('SMTP_URL is not set in this worker process');
        const outcome = await sendCsatEmail(deps(), job);
        if (outcome.status === 'sent') log.info(`csat-emails: conversation ${job.data.conversationId}: asked for a rating by email`);
        return outcome;
      },
      async close() {
        mailer?.close();
        await redis.close();
      },
    };
  },
};
