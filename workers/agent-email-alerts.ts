// agent-email-alerts: emails an agent away from the console one digest of what needs them (see
// server/services/agent-email-alerts.ts for the producer side). The job (one per agent, delayed by the agent's
// chosen minutes) looks at the agent's open events when it runs and closes each with what became of it:
// - dropped: the preference is off now, the chat is no longer theirs, or the agent was deactivated;
// - seen: the chat was read past it (conversations.agent_last_seen_id), the mention seen (mention_reads), the left
//   message handled, or the agent is online in a console now (the console alerted them there);
// - emailed: in the digest sent.
// At most one email per agent per delay window: a job that comes sooner puts itself off until the window ends.
// No transaction is open while the mail server is talked to (it can take seconds, or a minute to time out, and an
// open transaction holds its locks and its connection all that time). The job claims the events to email in a short
// transaction under an advisory lock per agent (claimed_by: its BullMQ job id), sends, then closes them as emailed —
// the follow-up emails' way (workers/email-claims.ts). A job that finds another job's fresh claim is retried later,
// so two jobs of one agent never email the same events; a refused send keeps the claim for this job's retry (BullMQ,
// with backoff) and, after the last attempt, hands the events back to the agent's next window.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../server/config.ts';
import type { Sql, Tx } from '../server/db/client.ts';
import { createQueues, type Queues } from '../server/queues.ts';
import { agentAlertEmail, shortExcerpt, visitorName, type DigestItem } from '../server/services/agent-alert-email.ts';
import { alertJobScheduler, preferencesOf, QUEUE_AGENT_EMAIL_ALERTS, wants, type AlertKind, type EmailAlertPreferences } from '../server/services/agent-email-alerts.ts';
import { createMailer, emailEnabled, senderAddress, type Mailer } from '../server/services/mailer.ts';
import { loadWidgetSettings, shopIdentity } from '../server/services/widget-settings.ts';
import type { ProcessorDefinition } from './processors.ts';
import { CLAIM_SECONDS, sendRefused } from './email-claims.ts';

/** At most this many events in one run; more wait for the next window (an agent that far behind has the console for it). */
const MAX_EVENTS = 500;
/** At most this many chats listed in one email. */
const MAX_ITEMS = 30;

interface AgentRow {
  id: number;
  email: string;
  name: string;
  role: 'agent' | 'admin';
  active: boolean;
  presence: 'online' | 'away' | 'offline';
  languages: string[];
  email_alerts: unknown;
  email_alert_sent_at: Date | null;
}

interface EventRow {
  id: number;
  kind: AlertKind;
  conversation_id: number | null;
  message_id: number | null;
  offline_message_id: number | null;
  still_theirs: boolean;
  chat_read: boolean;
  mention_seen: boolean;
  left_handled: boolean;
  customer_id: number | null;
  customer_name: string | null;
  actor_name: string | null;
  message_text: string | null;
  last_shopper_text: string | null;
  left_name: string | null;
  left_email: string | null;
  left_text: string | null;
}

export interface AgentAlertDeps {
  config: Config;
  sql: Sql;
  mailer: Mailer;
  /** Queues the agent's job again for when their window has passed. */
  later(userId: number, prefs: EmailAlertPreferences, sentAt: Date): Promise<void>;
}

export type AgentAlertOutcome =
  | { status: 'skipped'; reason: string }
  | { status: 'deferred' }
  | { status: 'sent'; events: number; chats: number };

type Outcome = 'emailed' | 'seen' | 'dropped';

/** What becomes of one event now, or null when it goes in the email. */
function verdict(event: EventRow, prefs: EmailAlertPreferences, agent: AgentRow): Exclude<Outcome, 'emailed'> | null {
  if (!wants(prefs, event.kind)) return 'dropped';
  if ((event.kind === 'assigned' || event.kind === 'shopper_message') && !event.still_theirs) return 'dropped';
  if (event.kind === 'mention' && event.mention_seen) return 'seen';
  if ((event.kind === 'assigned' || event.kind === 'shopper_message') && event.chat_read) return 'seen';
  if (event.kind === 'left_message' && event.left_handled) return 'seen';
  // Online in a console: its sound and unread badges told them; the email is for the agent who is not there.
  if (agent.presence === 'online') return 'seen';
  return null;
}

/** The email's items: one per chat (events of one chat together), one per left message without a chat. */
async function digestItems(events: EventRow[], config: Config, language: EmailAlertPreferences['language']): Promise<DigestItem[]> {
  const base = config.publicUrl.replace(/\/+$/, '');
  const items = new Map<string, DigestItem>();
  for (const event of events) {
    const key = event.conversation_id !== null ? `c${event.conversation_id}` : `o${event.offline_message_id}`;
    let item = items.get(key);
    if (!item) {
      item = {
        who: event.customer_name || event.left_name || event.left_email || (event.customer_id !== null ? await visitorName(language, event.customer_id) : '?'),
        assigned: false,
        shopperMessages: 0,
        mentionedBy: [],
        leftMessage: false,
        excerpt: null,
        link: event.conversation_id !== null ? `${base}/console/conversations/${event.conversation_id}` : `${base}/console/messages`,
      };
      items.set(key, item);
    }
    // Events come oldest first: the newest one's words win.
    if (event.kind === 'assigned') {
      item.assigned = true;
      item.excerpt = shortExcerpt(event.last_shopper_text) ?? item.excerpt;
    } else if (event.kind === 'shopper_message') {
      item.shopperMessages += 1;
      item.excerpt = shortExcerpt(event.message_text) ?? item.excerpt;
    } else if (event.kind === 'mention') {
      const by = event.actor_name ?? '?';
      if (!item.mentionedBy.includes(by)) item.mentionedBy.push(by);
      item.excerpt = shortExcerpt(event.message_text) ?? item.excerpt;
    } else {
      item.leftMessage = true;
      item.excerpt = shortExcerpt(event.left_text) ?? item.excerpt;
    }
  }
  return [...items.values()].slice(0, MAX_ITEMS);
}

async function openEvents(tx: Tx, userId: number, jobId: string): Promise<EventRow[]> {
  return tx<EventRow[]>`
    select e.id, e.kind, e.conversation_id, e.message_id, e.offline_message_id,
           coalesce(c.status = 'assigned' and c.assignee_id = e.user_id, false) as still_theirs,
           coalesce(c.agent_last_seen_id >= e.message_id, false) as chat_read,
           coalesce(mr.seen_message_id >= e.message_id, false) as mention_seen,
           coalesce(o.handled_at is not null, false) as left_handled,
           c.customer_id, coalesce(nullif(cu.name, ''), nullif(cu.email, '')) as customer_name, a.name as actor_name,
           case when e.kind in ('shopper_message', 'mention') then m.body end as message_text,
           case when e.kind = 'assigned' then (select x.body from messages x where x.conversation_id = e.conversation_id
                                                and x.author_type = 'customer' order by x.id desc limit 1) end as last_shopper_text,
           o.name as left_name, o.email as left_email, o.body as left_text
    from agent_alert_events e
    left join conversations c on c.id = e.conversation_id
    left join customers cu on cu.id = c.customer_id
    left join mention_reads mr on mr.user_id = e.user_id and mr.conversation_id = e.conversation_id
    left join offline_messages o on o.id = e.offline_message_id
    left join messages m on m.id = e.message_id
    left join users a on a.id = e.actor_id
    where e.user_id = ${userId} and e.handled_at is null
      -- this job's own claim (a retry) or no live claim: claimEvents waits out another job's fresh one
      and (e.claimed_by is null or e.claimed_by = ${jobId} or e.claimed_at <= now() - make_interval(secs => ${CLAIM_SECONDS}))
    order by e.id limit ${MAX_EVENTS}`;
}

async function close(tx: Tx, ids: number[], outcome: Outcome): Promise<void> {
  if (ids.length) await tx`update agent_alert_events set handled_at = now(), outcome = ${outcome} where id = any(${ids}::bigint[])`;
}

type Claim =
  | { status: 'skipped'; reason: string }
  | { status: 'deferred'; prefs: EmailAlertPreferences; sentAt: Date }
  | { status: 'claimed'; agent: AgentRow; prefs: EmailAlertPreferences; events: EventRow[] };

/**
 * The short transaction before the send: under the agent's advisory lock, closes the events that need no email (seen,
 * dropped) and claims the rest for this job. Nothing is claimed when the agent is gone or deactivated, or their
 * window has not ended yet.
 */
async function claimEvents(sql: Sql, config: Config, userId: number, jobId: string): Promise<Claim> {
  return (await sql.begin(async (tx) => {
    // Another job of this agent (one queued while this window's job was running) is at it: try again shortly.
    const [{ locked }] = await tx<{ locked: boolean }[]>`select pg_try_advisory_xact_lock(hashtext('agent-email-alerts'), ${userId}::int) as locked`;
    if (!locked) throw new Error(`another job is emailing agent ${userId}`);
    // Or it is sending its email now: once it has, its email starts the agent's window and this job waits for the end.
    const [{ busy }] = await tx<{ busy: boolean }[]>`
      select exists (select 1 from agent_alert_events where user_id = ${userId} and handled_at is null and claimed_by <> ${jobId}
                     and claimed_at > now() - make_interval(secs => ${CLAIM_SECONDS})) as busy`;
    if (busy) throw new Error(`another job is emailing agent ${userId}`);
    const [agent] = await tx<AgentRow[]>`
      select id, email, name, role, active, presence, languages, email_alerts, email_alert_sent_at from users where id = ${userId}`;
    if (!agent) return { status: 'skipped', reason: 'agent gone' };
    const events = await openEvents(tx, userId, jobId);
    if (!events.length) return { status: 'skipped', reason: 'nothing open' };
    if (!agent.active) {
      await close(tx, events.map((e) => e.id), 'dropped');
      return { status: 'skipped', reason: 'agent deactivated' };
    }
    const prefs = preferencesOf(agent.email_alerts, agent.role, agent.languages);
    const windowEnds = agent.email_alert_sent_at ? agent.email_alert_sent_at.getTime() + prefs.delayMinutes * config.agentAlertMinuteMs : 0;
    if (windowEnds > Date.now()) return { status: 'deferred', prefs, sentAt: agent.email_alert_sent_at! };
    const toEmail: EventRow[] = [];
    const closed: Record<Exclude<Outcome, 'emailed'>, number[]> = { seen: [], dropped: [] };
    for (const event of events) {
      const settled = verdict(event, prefs, agent);
      if (settled) closed[settled].push(event.id);
      else toEmail.push(event);
    }
    await close(tx, closed.seen, 'seen');
    await close(tx, closed.dropped, 'dropped');
    if (!toEmail.length) return { status: 'skipped', reason: 'all seen or not wanted' };
    await tx`update agent_alert_events set claimed_by = ${jobId}, claimed_at = now() where id = any(${toEmail.map((e) => e.id)}::bigint[])`;
    return { status: 'claimed', agent, prefs, events: toEmail };
  })) as Claim;
}

export async function sendAgentAlerts(deps: AgentAlertDeps, job: Job<{ userId?: unknown }>): Promise<AgentAlertOutcome> {
  const userId = Number(job.data?.userId);
  if (!Number.isSafeInteger(userId) || userId < 1) throw new UnrecoverableError('Malformed agent-email-alerts job: userId must be a positive integer');
  const { sql, config } = deps;
  const jobId = String(job.id);
  const claim = await claimEvents(sql, config, userId, jobId);
  if (claim.status === 'skipped') return claim;
  if (claim.status === 'deferred') {
    await deps.later(userId, claim.prefs, claim.sentAt);
    return { status: 'deferred' };
  }
  const { agent, prefs, events } = claim;
  const ids = events.map((e) => e.id);

  const shop = shopIdentity(await loadWidgetSettings(sql), config);
  const items = await digestItems(events, config, prefs.language);
  const email = await agentAlertEmail({ shopName: shop.shopName, agentName: agent.name, items, consoleUrl: `${config.publicUrl.replace(/\/+$/, '')}/console` }, prefs.language);
  try {
    await deps.mailer.send({
      from: senderAddress({ ...config, shopName: shop.shopName }),
      to: agent.email,
      ...email,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  } catch (error) {
    // Retried, the job takes its claim again (with whatever came meanwhile); given up, the events stay open,
    // unclaimed, for the agent's next window.
    return sendRefused(job, error, 'alert email', async ({ final }) => {
      if (final) await sql`update agent_alert_events set claimed_by = null, claimed_at = null where id = any(${ids}::bigint[]) and claimed_by = ${jobId} and handled_at is null`;
    });
  }
  await sql.begin(async (tx) => {
    await tx`update agent_alert_events set handled_at = now(), outcome = 'emailed' where id = any(${ids}::bigint[]) and handled_at is null`;
    await tx`update users set email_alert_sent_at = now() where id = ${userId}`;
    // The rows are for deciding and for looking into "why did (not) I get an email": a month of them is plenty.
    await tx`delete from agent_alert_events where user_id = ${userId} and handled_at < now() - interval '30 days'`;
  });
  return { status: 'sent', events: events.length, chats: items.length };
}

export const agentEmailAlertsProcessor: ProcessorDefinition = {
  queueName: QUEUE_AGENT_EMAIL_ALERTS,
  concurrency: 4,
  create({ config, sql, log }) {
    let mailer: Mailer | null = null;
    let queues: Queues | null = null;
    const deps = (): AgentAlertDeps => ({
      config,
      sql,
      mailer: (mailer ??= createMailer(config)),
      later: (userId, prefs, sentAt) => alertJobScheduler(config, (queues ??= createQueues(config))).schedule(userId, prefs.delayMinutes, sentAt),
    });
    return {
      async process(job) {
        // Jobs are queued only when the server has SMTP_URL; a worker process without it leaves them failed, said why.
        if (!emailEnabled(config)) throw new UnrecoverableError('SMTP_URL is not set in this worker process');
        const outcome = await sendAgentAlerts(deps(), job);
        if (outcome.status === 'sent') log.info(`agent-email-alerts: agent ${job.data.userId}: emailed ${outcome.events} events in ${outcome.chats} chats`);
        return outcome;
      },
      async close() {
        mailer?.close();
        await queues?.close();
      },
    };
  },
};
