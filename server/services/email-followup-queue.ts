// The producer side of email follow-ups: an agent's reply to a shopper who
// left an email address starts a delayed job for the conversation. One job id
// per conversation, so the replies of one delay window make one email; the
// worker (workers/email-followups.ts) decides at run time what, if anything,
// the shopper has not seen.
import type { Config } from '../config.ts';
import type { Queues } from '../queues.ts';
import { emailJobOptions } from './email-job-options.ts';

export const QUEUE_EMAIL_FOLLOWUPS = 'email-followups';

export interface EmailFollowupJob {
  conversationId: number;
}

export const emailFollowupJobId = (conversationId: number) => `email-${conversationId}`;

export interface FollowupScheduler {
  /** Called for every agent reply the shopper can see; resolves once Redis has the job. */
  replied(conversationId: number, messageId: number): Promise<void>;
}

export function followupScheduler(config: Config, queues: Pick<Queues, 'queue'>): FollowupScheduler {
  return {
    async replied(conversationId, messageId) {
      const queue = queues.queue(QUEUE_EMAIL_FOLLOWUPS);
      const data: EmailFollowupJob = { conversationId };
      let jobId = emailFollowupJobId(conversationId);
      // A job of this conversation being sent right now has already chosen its messages: adding under its id
      // would be ignored and this reply never emailed, so it gets a job of its own.
      if ((await queue.getJobState(jobId)) === 'active') jobId = `${jobId}-${messageId}`;
      await queue.add('followup', data, emailJobOptions(config, jobId, config.emailFollowupDelaySeconds * 1000));
    },
  };
}
