// Asking for the rating by email, the producer side: when a person's chat is resolved, a delayed job
// (CSAT_EMAIL_DELAY_SECONDS) is queued for the conversation, one job id per conversation. Whether the email goes is
// decided when the job runs (workers/csat-email.ts), by the same rules checked here at the resolve to spare jobs that
// could never send, plus the two only time can answer: the shopper rated meanwhile, or saw the question in the chat.
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import { deletedCustomer } from '../repositories/customers.ts';
import type { Queues } from '../queues.ts';
import { emailJobOptions } from './email-job-options.ts';
import { emailOptedOut } from './email-unsubscribe.ts';
import { csatAskOf, loadWidgetSettings } from './widget-settings.ts';

export const QUEUE_CSAT_EMAILS = 'csat-emails';

export interface CsatEmailJob {
  conversationId: number;
}

export const csatEmailJobId = (conversationId: number) => `csat-email-${conversationId}`;

/** The conversation and its shopper as the email needs them. */
export interface CsatEmailTarget {
  conversation_id: number;
  customer_id: number;
  email: string;
  locale: string | null;
  identified: boolean;
  resolved_at: Date;
  customer_last_seen_id: number;
}

type Row = Omit<CsatEmailTarget, 'email' | 'resolved_at'> & {
  email: string | null;
  resolved_at: Date | null;
  status: string;
  anonymised: boolean;
  deleted: boolean;
  blocked: boolean;
  opted_out: boolean;
  by_person: boolean;
  rated: boolean;
  asked: boolean;
};

/**
 * The shopper to ask, or why not: the chat must be resolved (a reopened one is not over), a person's (an agent held
 * it or replied: the widget's `people` rule), not rated yet, not asked by email before, and its shopper reachable
 * (an address, not unsubscribed from the shop's emails, not blocked, data not deleted), with the shop's `csatAsk`
 * asking after a person's chat (`people` or `all`; `never` asks nobody).
 */
export async function csatEmailTarget(sql: Sql, conversationId: number): Promise<{ target: CsatEmailTarget } | { skip: string }> {
  const [row] = await sql<Row[]>`
    select c.id as conversation_id, c.customer_id, c.status, c.resolved_at, c.customer_last_seen_id,
           c.anonymised_at is not null as anonymised, cu.email, cu.locale, cu.external_id is not null as identified,
           ${deletedCustomer(sql, 'cu')} as deleted, cu.blocked_at is not null as blocked,
           ${emailOptedOut(sql, 'cu')} as opted_out,
           (c.assignee_id is not null or c.first_response_at is not null) as by_person,
           exists (select 1 from feedback f where f.idempotency_key = 'csat:' || c.id::text) as rated,
           exists (select 1 from csat_emails e where e.conversation_id = c.id and e.status <> 'sending') as asked
    from conversations c join customers cu on cu.id = c.customer_id where c.id = ${conversationId}`;
  if (!row) return { skip: 'conversation gone' };
  if (row.status !== 'resolved' || !row.resolved_at) return { skip: 'not resolved (reopened)' };
  if (!row.by_person) return { skip: 'no person handled the chat' };
  if (row.anonymised || row.deleted) return { skip: 'customer data removed' };
  if (!row.email) return { skip: 'no email address' };
  if (row.opted_out) return { skip: 'unsubscribed' };
  if (row.blocked) return { skip: 'customer blocked' };
  if (row.rated) return { skip: 'already rated' };
  if (row.asked) return { skip: 'already asked by email' };
  if (csatAskOf(await loadWidgetSettings(sql)) === 'never') return { skip: 'the shop does not ask for ratings' };
  const { conversation_id, customer_id, email, locale, identified, resolved_at, customer_last_seen_id } = row;
  return { target: { conversation_id, customer_id, email, locale, identified, resolved_at, customer_last_seen_id: Number(customer_last_seen_id) } };
}

export interface CsatEmailScheduler {
  /** Called after a chat is resolved; resolves once Redis has the job (or it was not needed). */
  resolved(conversationId: number): Promise<void>;
}

export function csatEmailScheduler(config: Config, sql: Sql, queues: Pick<Queues, 'queue'>): CsatEmailScheduler {
  return {
    async resolved(conversationId) {
      if ('skip' in (await csatEmailTarget(sql, conversationId))) return;
      const queue = queues.queue(QUEUE_CSAT_EMAILS);
      const jobId = csatEmailJobId(conversationId);
      // Resolved again while the earlier resolve's job still waits (reopened meanwhile): the delay starts again, so the
      // shopper back in the reopened chat has the same time to rate in the widget. A job already running is left be.
      const waiting = await queue.getJob(jobId);
      if (waiting && (await waiting.isDelayed())) await waiting.remove().catch(() => {});
      const data: CsatEmailJob = { conversationId };
      // Gone from Redis once finished; csat_emails keeps what was sent, so a later resolve's job never asks again.
      await queue.add('ask', data, emailJobOptions(config, jobId, config.csatEmailDelaySeconds * 1000));
    },
  };
}
