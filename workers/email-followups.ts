// email-followups: emails a shopper the agents' replies they did not see in
// the chat. The job (queued by the chat service, delayed EMAIL_FOLLOWUP_DELAY_SECONDS,
// one per conversation) looks at the conversation when it runs: the agent
// replies newer than both the shopper's seen mark and the last follow-up
// already sent. None (the shopper read them, or there were only notes and bot
// answers) means no email.
//
// Each email is recorded in email_followups before it is sent, with the last
// message it covers, so a retried job never emails the same messages twice.
// A refusal for now (4xx, connection failure) is retried by BullMQ with backoff
// and recorded as failed after the last attempt; a permanent 5xx fails at once.
// Agents see a private note in the chat once it is sent.
//
// Each email has its own Message-ID (kept on its row) and, with INBOUND_EMAIL_ADDRESS
// set, a Reply-To signed for its conversation, so the shopper's reply finds the chat
// again (server/services/email-inbound.ts); a later follow-up of the same
// conversation names the earlier ones in In-Reply-To / References, so mail clients
// show them as one thread.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../server/config.ts';
import type { Sql } from '../server/db/client.ts';
import type { AttachmentRef } from '../server/realtime/event-maps.ts';
import { shownNameColumn } from '../server/repositories/users.ts';
import { QUEUE_EMAIL_FOLLOWUPS } from '../server/services/email-followup-queue.ts';
import { followupEmail, followupProducts, maskedAddress } from '../server/services/email-followup-content.ts';
import { emailOptedOut, unsubscribeToken, unsubscribeUrl } from '../server/services/email-unsubscribe.ts';
import { newMessageId, replyToAddress } from '../server/services/email-reply-address.ts';
import { createMailer, emailEnabled, senderAddress, type Mailer } from '../server/services/mailer.ts';
import { lastPages } from '../server/services/shopper-activity.ts';
import { sharedSecret } from '../server/services/secrets.ts';
import { signResumeToken } from '../server/services/visitor-tokens.ts';
import { loadWidgetSettings, shopIdentity } from '../server/services/widget-settings.ts';
import type { ProcessorDefinition } from './processors.ts';
import { holdKeptCustomers } from '../server/repositories/kept-customers.ts';
import { deletedCustomer } from '../server/repositories/customers.ts';
import { CLAIM_SECONDS, sendRefused } from './email-claims.ts';
import { addAgentNote, workerRedis, type AnnounceMessages } from './agent-note.ts';
import { traditionalConverter, traditionalVariant } from '../server/services/chinese-script.ts';
// The widget opens its chat panel on a page whose address ends with this marker.
import { openChatHash } from '../widget/src/open-marker.ts';

/** At most this many replies in one email; the rest are a click away in the chat. */
const MAX_REPLIES = 20;

/** The customer a follow-up is addressed to, as its claim read them. */
interface Addressee {
  customer_id: number;
  email: string;
  locale: string | null;
  identified: boolean;
}

interface Target {
  conversation_id: number;
  customer_id: number;
  customer_last_seen_id: number;
  anonymised: boolean;
  email: string | null;
  locale: string | null;
  opted_out: boolean;
  deleted: boolean;
  identified: boolean;
}

interface ReplyRow {
  id: number;
  body: string;
  metadata: { attachments?: AttachmentRef[]; fileOnly?: boolean; products?: unknown };
  /** The name the agent shows customers now (users.display_name, else the full name); null once they are deleted. */
  author_name: string | null;
  author_name_chosen: boolean;
}

export interface FollowupDeps {
  config: Config;
  sql: Sql;
  mailer: Mailer;
  /** The shopper's last shop page (Redis, a day), for the "Continue the chat" link. */
  lastPageUrl(customerId: number): Promise<string | null>;
  /** Tells the consoles about the note (the servers' message fan-out). */
  announce: AnnounceMessages;
  /** The install's shared secret (the visitor-token one): signs unsubscribe and resume links and reply addresses. */
  linkSecret(): Promise<string>;
}

/** At most this many earlier follow-ups in References: enough for any mail client to thread them. */
const MAX_REFERENCES = 10;

export type FollowupOutcome =
  | { status: 'skipped'; reason: string }
  | { status: 'sent'; followupId: number; upToMessageId: number; replies: number };

/**
 * Where "Continue the chat" leads: the shopper's last page when it is on the shop's site, else the shop's page, else
 * the help centre (it has the widget). An anonymous shopper's link also carries a resume token, so it opens this chat on any device; a shopper
 * the shop identified gets it back by signing in there.
 */
function continueUrl(config: Config, shopUrl: string, lastPage: string | null, resumeToken: string | null): string {
  const base = (lastPage && onShopSite(lastPage, [shopUrl, config.publicUrl]) ? lastPage : null)
    ?? (shopUrl || `${config.publicUrl.replace(/\/+$/, '')}/help`);
  return `${base.split('#')[0]}${openChatHash(resumeToken)}`;
}

/**
 * Whether a page the widget reported is on the shop's own site (the origin of its address or of this server). The
 * widget reports whatever address its page has, and a shopper's script can report any: an email sent in the shop's
 * name must not carry a link someone else chose.
 */
function onShopSite(page: string, siteUrls: string[]): boolean {
  const origin = (url: string) => {
    try {
      return new URL(url).origin;
    } catch {
      return null;
    }
  };
  const pageOrigin = origin(page);
  return pageOrigin !== null && siteUrls.some((site) => site && origin(site) === pageOrigin);
}

export async function sendFollowup(deps: FollowupDeps, job: Job<{ conversationId?: unknown }>): Promise<FollowupOutcome> {
  const { sql, config } = deps;
  const conversationId = Number(job.data?.conversationId);
  if (!Number.isSafeInteger(conversationId) || conversationId < 1) throw new UnrecoverableError('Malformed email-followups job: conversationId must be a positive integer');
  const [target] = await sql<Target[]>`
    select c.id as conversation_id, c.customer_id, c.customer_last_seen_id, c.anonymised_at is not null as anonymised,
           cu.email, cu.locale, ${emailOptedOut(sql, 'cu')} as opted_out,
           ${deletedCustomer(sql, 'cu')} as deleted, cu.external_id is not null as identified
    from conversations c join customers cu on cu.id = c.customer_id where c.id = ${conversationId}`;
  if (!target) return { status: 'skipped', reason: 'conversation gone' };
  if (target.deleted || target.anonymised) return { status: 'skipped', reason: 'customer data removed' };
  if (!target.email) return { status: 'skipped', reason: 'no email address' };
  if (target.opted_out) return { status: 'skipped', reason: 'unsubscribed' };

  const [{ emailed }] = await sql<{ emailed: number }[]>`
    select coalesce(max(up_to_message_id), 0)::bigint as emailed from email_followups where conversation_id = ${conversationId} and status = 'sent'`;
  const after = Math.max(Number(emailed), target.customer_last_seen_id);
  const replies = await sql<ReplyRow[]>`
    select m.id, m.body, m.metadata,
           -- the name the agent shows customers now, not the one stored with the reply (shopper-agent-names.ts);
           -- null for a deleted agent, whom the email calls by its word for "agent"
           ${shownNameColumn(sql, 'u')} as author_name, u.display_name is not null as author_name_chosen
    from messages m left join users u on u.id = m.author_id
    where m.conversation_id = ${conversationId} and m.author_type = 'agent' and not m.private and m.id > ${after}
    order by m.id limit ${MAX_REPLIES}`;
  if (!replies.length) return { status: 'skipped', reason: 'nothing unseen' };
  const upTo = replies[replies.length - 1].id;

  // The name and address the admin set in the console, else SHOP_NAME / SHOP_URL.
  const shop = shopIdentity(await loadWidgetSettings(sql), config);
  const claimed = await claim(sql, { conversationId, customerId: target.customer_id, upTo, jobId: String(job.id) });
  if ('skipped' in claimed) return { status: 'skipped', reason: claimed.skipped };
  // Addressed as the record the follow-up was claimed for (the kept one, if a merge committed since the read above):
  // its address, and its unsubscribe and resume links — a link naming the emptied record would reach nobody.
  const { followupId, customer } = claimed;
  const unsubscribe = unsubscribeUrl(config.publicUrl, unsubscribeToken(await deps.linkSecret(), customer.customer_id));
  // The Message-ID is kept on the row before sending (a retry of the row sends the same one), so a reply that
  // arrives at once already finds its conversation; the earlier follow-ups thread this one under them.
  const [{ message_id: messageId }] = await sql<{ message_id: string }[]>`
    update email_followups set message_id = coalesce(message_id, ${newMessageId(config.publicUrl)}) where id = ${followupId} returning message_id`;
  const earlier = (await sql<{ message_id: string }[]>`
    select message_id from email_followups where conversation_id = ${conversationId} and status = 'sent' and message_id is not null
    order by id desc limit ${MAX_REFERENCES}`).map((r) => r.message_id).reverse();
  const replyTo = replyToAddress(config, await deps.linkSecret(), conversationId);
  const variant = traditionalVariant(customer.locale);
  const email = followupEmail({
    shopName: shop.shopName,
    locale: customer.locale,
    replies: replies.map((r) => ({
      agentName: r.author_name,
      agentNameChosen: r.author_name_chosen,
      text: r.body,
      fileOnly: r.metadata?.fileOnly === true,
      attachments: Array.isArray(r.metadata?.attachments) ? r.metadata.attachments : [],
      products: followupProducts(r.metadata?.products),
    })),
    continueUrl: continueUrl(config, shop.shopUrl, await deps.lastPageUrl(customer.customer_id).catch(() => null),
      customer.identified ? null : signResumeToken(await deps.linkSecret(), customer.customer_id)),
    unsubscribeUrl: unsubscribe,
    publicUrl: config.publicUrl,
    identified: customer.identified,
  }, variant ? { tag: variant, convert: await traditionalConverter(variant) } : undefined);
  try {
    await deps.mailer.send({
      from: senderAddress({ ...config, shopName: shop.shopName }),
      to: customer.email,
      ...email,
      messageId,
      ...(replyTo ? { replyTo } : {}),
      ...(earlier.length ? { inReplyTo: earlier[earlier.length - 1], references: earlier } : {}),
      headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'Auto-Submitted': 'auto-generated' },
    });
  } catch (error) {
    return sendRefused(job, error, 'follow-up email', ({ final, text }) => sql`
      update email_followups set attempts = attempts + 1, error = ${text}, updated_at = now(),
        status = ${final ? 'failed' : 'sending'}, job_id = ${final ? null : String(job.id)} where id = ${followupId}`);
  }
  await sql`update email_followups set status = 'sent', attempts = attempts + 1, error = null, sent_at = now(), updated_at = now(), job_id = null
            where id = ${followupId}`;
  await noteForAgents(deps, conversationId, followupId, upTo, customer.email);
  return { status: 'sent', followupId, upToMessageId: upTo, replies: replies.length };
}

/**
 * Takes (or creates) the conversation's follow-up in progress for this job. A retry of the same job takes its own row
 * again, now covering any reply that came meanwhile; a row another job touched within CLAIM_SECONDS is being sent by
 * it, so this job is retried later (by then it finds those replies emailed).
 */
async function claim(sql: Sql, row: { conversationId: number; customerId: number; upTo: number; jobId: string }): Promise<{ followupId: number; customer: Addressee } | { skipped: string }> {
  return (await sql.begin(async (tx) => {
    // The customer read before the email was composed may have been merged away since (its rows, this table's
    // included, already moved) or be being merged now: the row goes to the record it is kept in, held meanwhile,
    // and the email to that record's address (read again here: the kept record's own, its opt-out included).
    const customerId = (await holdKeptCustomers(tx, [row.customerId])).get(row.customerId) ?? row.customerId;
    const [customer] = await tx<(Addressee & { deleted: boolean; opted_out: boolean })[]>`
      select cu.id as customer_id, cu.email, cu.locale, cu.external_id is not null as identified, ${emailOptedOut(tx, 'cu')} as opted_out,
             ${deletedCustomer(tx, 'cu')} as deleted
      from customers cu where cu.id = ${customerId}`;
    if (!customer || customer.deleted) return { skipped: 'customer data removed' };
    if (!customer.email) return { skipped: 'no email address' };
    if (customer.opted_out) return { skipped: 'unsubscribed' };
    const recipient = customer.email;
    const [open] = await tx<{ id: number; job_id: string | null; fresh: boolean }[]>`
      select id, job_id, updated_at > now() - make_interval(secs => ${CLAIM_SECONDS}) as fresh from email_followups
      where conversation_id = ${row.conversationId} and status = 'sending' order by id desc limit 1 for update`;
    if (open && open.job_id && open.job_id !== row.jobId && open.fresh) throw new Error(`another job (${open.job_id}) is emailing conversation ${row.conversationId}`);
    if (open) {
      await tx`update email_followups set up_to_message_id = ${row.upTo}, recipient = ${recipient}, job_id = ${row.jobId}, updated_at = now() where id = ${open.id}`;
      return { followupId: open.id, customer };
    }
    const [created] = await tx<{ id: number }[]>`
      insert into email_followups (conversation_id, customer_id, up_to_message_id, recipient, status, job_id)
      values (${row.conversationId}, ${customerId}, ${row.upTo}, ${recipient}, 'sending', ${row.jobId}) returning id`;
    return { followupId: created.id, customer };
  })) as { followupId: number; customer: Addressee } | { skipped: string };
}

async function noteForAgents(deps: FollowupDeps, conversationId: number, followupId: number, upTo: number, recipient: string): Promise<void> {
  await addAgentNote(deps.sql, deps.announce, {
    conversationId,
    clientId: `email-followup:${followupId}`,
    body: `Emailed the reply to ${maskedAddress(recipient)} (the shopper was away).`,
    // `to` (masked) lets each console word the note in its own language; anonymising removes it with the address.
    metadata: { event: 'email_followup', followupId, upToMessageId: upTo, to: maskedAddress(recipient) },
  });
}

export const emailFollowupsProcessor: ProcessorDefinition = {
  queueName: QUEUE_EMAIL_FOLLOWUPS,
  concurrency: 4,
  create({ config, sql, log }) {
    let mailer: Mailer | null = null;
    const redis = workerRedis(config);
    let secret: Promise<string> | null = null;
    const deps = (): FollowupDeps => ({
      config,
      sql,
      mailer: (mailer ??= createMailer(config)),
      lastPageUrl: async (customerId) => (await lastPages(redis.connection(), config).of(customerId))?.page.url ?? null,
      announce: redis.announcer(config),
      linkSecret: () => (secret ??= sharedSecret(sql, 'visitor_token_secret', config.sessionSecret)),
    });
    return {
      async process(job) {
        // Jobs are queued only when the server has SMTP_URL; a worker process without it leaves them failed, said why.
        if (!emailEnabled(config)) throw new UnrecoverableError('SMTP_URL is not set in this worker process');
        const outcome = await sendFollowup(deps(), job);
        if (outcome.status === 'sent') log.info(`email-followups: conversation ${job.data.conversationId}: emailed ${outcome.replies} replies`);
        return outcome;
      },
      async close() {
        mailer?.close();
        await redis.close();
      },
    };
  },
};
