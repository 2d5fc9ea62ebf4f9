// Email alerts to agents away from the console: each agent chooses which events email them and after how long
// (users.email_alerts, migration 049; the Account panel, GET/PUT /api/auth/me/email-alerts). When such an event
// happens the chat service records it (agent_alert_events) and starts a delayed job for the agent: one job id per
// agent, so the events of one delay window make one digest email. The worker (workers/agent-email-alerts.ts)
// decides at send time what the agent has still not seen.
import { Type, type Static } from 'typebox';
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import type { Queues } from '../queues.ts';
import { emailJobOptions } from './email-job-options.ts';
import { EmailLanguageSchema, isEmailLanguage } from './email-language.ts';

export const QUEUE_AGENT_EMAIL_ALERTS = 'agent-email-alerts';

export const EmailAlertPreferencesSchema = Type.Object({
  assigned: Type.Boolean({ description: 'A chat was assigned or transferred to me' }),
  shopperMessage: Type.Boolean({ description: 'A shopper wrote in a chat I hold' }),
  mention: Type.Boolean({ description: 'A teammate mentioned me in a note' }),
  leftMessage: Type.Boolean({ description: 'Admins only: a shopper left a message while nobody was online' }),
  delayMinutes: Type.Integer({ minimum: 1, maximum: 60, description: 'How long an event may wait unseen before it is emailed; also the least time between two alert emails' }),
  language: Type.Union(EmailLanguageSchema.anyOf, { description: 'The language of the emails: the console\'s when the preferences were saved (zh Simplified; zh-TW, zh-HK Traditional)' }),
}, { additionalProperties: false });

export type EmailAlertPreferences = Static<typeof EmailAlertPreferencesSchema>;
export type AlertKind = 'assigned' | 'shopper_message' | 'mention' | 'left_message';

/**
 * Never chosen = on, after 5 minutes. The alerts exist for the chat nobody notices: an agent who has to find and turn
 * them on first would miss exactly those. They are quiet by design — only what is still unread when the delay has
 * passed, one digest per window, nothing while the agent is online in a console — so on costs little.
 * Left messages concern the whole team; only admins can get them.
 */
export function defaultPreferences(role: 'agent' | 'admin', languages: readonly string[] = []): EmailAlertPreferences {
  return {
    assigned: true,
    shopperMessage: true,
    mention: true,
    leftMessage: role === 'admin',
    delayMinutes: 5,
    // As the invitation email picks: the one language they answer chats in, else English.
    language: languages.length === 1 && languages[0] === 'zh' ? 'zh' : 'en',
  };
}

/** The stored choice over the defaults; a field stored by an older version that no longer fits falls back to its default. */
export function preferencesOf(stored: unknown, role: 'agent' | 'admin', languages: readonly string[] = []): EmailAlertPreferences {
  const prefs = defaultPreferences(role, languages);
  if (!stored || typeof stored !== 'object') return prefs;
  const given = stored as Record<string, unknown>;
  for (const key of ['assigned', 'shopperMessage', 'mention', 'leftMessage'] as const) {
    if (typeof given[key] === 'boolean') prefs[key] = given[key];
  }
  if (Number.isInteger(given.delayMinutes) && (given.delayMinutes as number) >= 1 && (given.delayMinutes as number) <= 60) prefs.delayMinutes = given.delayMinutes as number;
  if (isEmailLanguage(given.language)) prefs.language = given.language;
  if (role !== 'admin') prefs.leftMessage = false;
  return prefs;
}

/** Whether the preferences let an event of this kind email the agent. */
export function wants(prefs: EmailAlertPreferences, kind: AlertKind): boolean {
  return { assigned: prefs.assigned, shopper_message: prefs.shopperMessage, mention: prefs.mention, left_message: prefs.leftMessage }[kind];
}

interface AgentRow {
  role: 'agent' | 'admin';
  languages: string[];
  email_alerts: unknown;
}

export async function loadPreferences(sql: Sql, userId: number): Promise<EmailAlertPreferences | null> {
  const [row] = await sql<AgentRow[]>`select role, languages, email_alerts from users where id = ${userId}`;
  return row ? preferencesOf(row.email_alerts, row.role, row.languages) : null;
}

export async function savePreferences(sql: Sql, userId: number, role: 'agent' | 'admin', prefs: EmailAlertPreferences): Promise<EmailAlertPreferences> {
  const stored = { ...prefs, leftMessage: role === 'admin' && prefs.leftMessage };
  await sql`update users set email_alerts = ${sql.json(stored)} where id = ${userId}`;
  return stored;
}

export interface AgentAlertJob {
  userId: number;
}

export const agentAlertJobId = (userId: number) => `agent-alert-${userId}`;

/** The events the chat service reports; each resolves once recorded and queued (callers do not wait on it, see chat-service.ts). */
export interface AgentAlerts {
  assigned(agentId: number, conversationId: number): Promise<void>;
  shopperWrote(conversationId: number, messageId: number): Promise<void>;
  mentioned(agentIds: readonly number[], conversationId: number, noteId: number, authorId: number): Promise<void>;
  messageLeft(offlineMessageId: number, conversationId: number | null): Promise<void>;
}

/** An agent who got an event recorded: when to look at it. */
interface Recorded {
  user_id: number;
  delay_minutes: number;
  sent_at: Date | null;
}

export function agentAlertScheduler(config: Config, sql: Sql, queues: Pick<Queues, 'queue'>): AgentAlerts {
  // The preference as SQL: the stored choice, else the default (defaultPreferences; left messages are for admins only).
  const wanted = (field: 'assigned' | 'shopperMessage' | 'mention' | 'leftMessage') => field === 'leftMessage'
    ? sql`u.role = 'admin' and coalesce((u.email_alerts ->> 'leftMessage')::boolean, true)`
    : sql`coalesce((u.email_alerts ->> ${field})::boolean, true)`;
  // Each insert returns the agents it recorded for, with what the job's delay needs.
  const recorded = (inserted: ReturnType<typeof sql>) => sql<Recorded[]>`
    with added as (${inserted})
    select distinct u.id as user_id, u.email_alert_sent_at as sent_at,
           coalesce(case when (u.email_alerts ->> 'delayMinutes') ~ '^[0-9]{1,2}$' then (u.email_alerts ->> 'delayMinutes')::int end, 5) as delay_minutes
    from added join users u on u.id = added.user_id`;

  const scheduler = alertJobScheduler(config, queues);
  const wake = async (rows: Recorded[]) => {
    for (const row of rows) await scheduler.schedule(Number(row.user_id), row.delay_minutes, row.sent_at);
  };

  return {
    async assigned(agentId, conversationId) {
      await wake(await recorded(sql`
        insert into agent_alert_events (user_id, kind, conversation_id, message_id)
        select u.id, 'assigned', ${conversationId}, (select max(id) from messages where conversation_id = ${conversationId})
        from users u where u.id = ${agentId} and u.active and ${wanted('assigned')}
        returning user_id`));
    },
    async shopperWrote(conversationId, messageId) {
      await wake(await recorded(sql`
        insert into agent_alert_events (user_id, kind, conversation_id, message_id)
        select u.id, 'shopper_message', c.id, ${messageId}
        from conversations c join users u on u.id = c.assignee_id
        where c.id = ${conversationId} and c.status = 'assigned' and u.active and ${wanted('shopperMessage')}
        returning user_id`));
    },
    async mentioned(agentIds, conversationId, noteId, authorId) {
      if (!agentIds.length) return;
      await wake(await recorded(sql`
        insert into agent_alert_events (user_id, kind, conversation_id, message_id, actor_id)
        select u.id, 'mention', ${conversationId}, ${noteId}, ${authorId}
        from users u where u.id = any(${agentIds.map(Number)}::bigint[]) and u.active and ${wanted('mention')}
        returning user_id`));
    },
    async messageLeft(offlineMessageId, conversationId) {
      await wake(await recorded(sql`
        insert into agent_alert_events (user_id, kind, conversation_id, offline_message_id)
        select u.id, 'left_message', ${conversationId}, ${offlineMessageId}
        from users u where u.active and ${wanted('leftMessage')}
        returning user_id`));
    },
  };
}

/** Starts (or joins) an agent's delayed job; also used by the worker to come back once the agent's window has passed. */
export function alertJobScheduler(config: Pick<Config, 'agentAlertMinuteMs' | 'emailRetryDelayMs'>, queues: Pick<Queues, 'queue'>) {
  return {
    /**
     * The job runs a delay after the first event of the window (later ones join it: same job id), and never sooner
     * than a delay after the last email — at most one alert email per agent per delay.
     */
    async schedule(userId: number, delayMinutes: number, lastSentAt: Date | null): Promise<void> {
      const window = delayMinutes * config.agentAlertMinuteMs;
      const delay = Math.max(window, lastSentAt ? lastSentAt.getTime() + window - Date.now() : 0);
      const queue = queues.queue(QUEUE_AGENT_EMAIL_ALERTS);
      let jobId = agentAlertJobId(userId);
      // A job of this agent running now may have chosen its events already: this one gets a job of its own
      // (it finds nothing left if the running job took it).
      if ((await queue.getJobState(jobId)) === 'active') jobId = `${jobId}-${Date.now()}`;
      const data: AgentAlertJob = { userId };
      await queue.add('alert', data, emailJobOptions(config, jobId, delay));
    },
  };
}
