// agent-email-alerts: emails an agent away from the console one digest of what needs them (see
// server/services/agent-email-alerts.ts for the producer side). The job (one per agent, delayed by the agent's
// chosen minutes) looks at the agent's open events when it runs and closes each with what became of it:
// - dropped: the preference is off now, the chat is no longer theirs, or the agent was deactivated;
// - seen: the chat was read past it (conversations.agent_last_seen_id), the mention seen (mention_reads), the left
//   message handled, or the agent is online in a console now (the console alerted them there);
// - emailed: in the digest sent.
// At most one email per agent per delay window: a job that comes sooner puts itself off until the window ends.
// The agent's events are read, emailed and closed in one transaction under an advisory lock per agent, so two jobs
// of one agent never email the same events; a refused send rolls it back and BullMQ retries with backoff.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Config } from '../server/config.ts';
import type { Sql, Tx } from '../server/db/client.ts';
import { createQueues, type Queues } from '../server/queues.ts';
import { agentAlertEmail, shortExcerpt, visitorName, type DigestItem } from '../server/services/agent-alert-email.ts';
import { alertJobScheduler, preferencesOf, QUEUE_AGENT_EMAIL_ALERTS, wants, type AlertKind, type EmailAlertPreferences } from '../server/services/agent-email-alerts.ts';
import { createMailer, emailEnabled, isPermanentSmtpFailure, senderAddress, smtpErrorText, type Mailer } from '../server/services/mailer.ts';
import { loadWidgetSettings, shopIdentity } from '../server/services/widget-settings.ts';
import type { ProcessorDefinition } from './processors.ts';

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
function digestItems(events: EventRow[], config: Config, language: EmailAlertPreferences['language']): DigestItem[] {
  const base = config.publicUrl.replace(/\/+$/, '');
  const items = new Map<string, DigestItem>();
  for (const event of events) {
    const key = event.conversation_id !== null ? `c${event.conversation_id}` : `o${event.offline_message_id}`;
    let item = items.get(key);
    if (!item) {
      item = {
        who: event.customer_name || event.left_name || event.left_email || (event.customer_id !== null ? visitorName(language, event.customer_id) : '?'),
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

async function openEvents(tx: Tx, userId: number): Promise<EventRow[]> {
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
    order by e.id limit ${MAX_EVENTS}`;
}

async function close(tx: Tx, ids: number[], outcome: Outcome): Promise<void> {
  if (ids.length) await tx`update agent_alert_events set handled_at = now(), outcome = ${outcome} where id = any(${ids}::bigint[])`;
}

export async function sendAgentAlerts(deps: AgentAlertDeps, job: Job<{ userId?: unknown }>): Promise<AgentAlertOutcome> {
  const userId = Number(job.data?.userId);
  if (!Number.isSafeInteger(userId) || userId < 1) throw new UnrecoverableError('Malformed agent-email-alerts job: userId must be a positive integer');
  const { sql, config } = deps;
  return (await sql.begin(async (tx) => {
    // Another job of this agent (one queued while this window's job was running) is at it: try again shortly.
    const [{ locked }] = await tx<{ locked: boolean }[]>`select pg_try_advisory_xact_lock(hashtext('agent-email-alerts'), ${userId}::int) as locked`;
    if (!locked) throw new Error(`another job is emailing agent ${userId}`);
    const [agent] = await tx<AgentRow[]>`
      select id, email, name, role, active, presence, languages, email_alerts, email_alert_sent_at from users where id = ${userId}`;
    if (!agent) return { status: 'skipped', reason: 'agent gone' } as const;
    const events = await openEvents(tx, userId);
    if (!events.length) return { status: 'skipped', reason: 'nothing open' } as const;
    if (!agent.active) {
      await close(tx, events.map((e) => e.id), 'dropped');
      return { status: 'skipped', reason: 'agent deactivated' } as const;
    }
    const prefs = preferencesOf(agent.email_alerts, agent.role, agent.languages);
    const windowEnds = agent.email_alert_sent_at ? agent.email_alert_sent_at.getTime() + prefs.delayMinutes * config.agentAlertMinuteMs : 0;
    if (windowEnds > Date.now()) {
      await deps.later(userId, prefs, agent.email_alert_sent_at!);
      return { status: 'deferred' } as const;
    }
    const toEmail: EventRow[] = [];
    const closed: Record<Exclude<Outcome, 'emailed'>, number[]> = { seen: [], dropped: [] };
    for (const event of events) {
      const settled = verdict(event, prefs, agent);
      if (settled) closed[settled].push(event.id);
      else toEmail.push(event);
    }
    await close(tx, closed.seen, 'seen');
    await close(tx, closed.dropped, 'dropped');
    if (!toEmail.length) return { status: 'skipped', reason: 'all seen or not wanted' } as const;

    const shop = shopIdentity(await loadWidgetSettings(sql), config);
    const items = digestItems(toEmail, config, prefs.language);
    const email = agentAlertEmail({ shopName: shop.shopName, agentName: agent.name, items, consoleUrl: `${config.publicUrl.replace(/\/+$/, '')}/console` }, prefs.language);
    try {
      await deps.mailer.send({
        from: senderAddress({ ...config, shopName: shop.shopName }),
        to: agent.email,
        ...email,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (error) {
      // The transaction rolls back: the events stay open for the retry (or, refused for good, for the next window).
      if (isPermanentSmtpFailure(error)) throw new UnrecoverableError(`alert email refused for good: ${smtpErrorText(error)}`);
      throw error;
    }
    await close(tx, toEmail.map((e) => e.id), 'emailed');
    await tx`update users set email_alert_sent_at = now() where id = ${userId}`;
    // The rows are for deciding and for looking into "why did (not) I get an email": a month of them is plenty.
    await tx`delete from agent_alert_events where user_id = ${userId} and handled_at < now() - interval '30 days'`;
    return { status: 'sent', events: toEmail.length, chats: items.length } as const;
  })) as AgentAlertOutcome;
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
