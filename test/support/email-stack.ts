// The email tests' bed: a real SMTP receiver, a stack with its workers sending to it, the demo agent online on a
// socket, and (for the follow-up tests) the email-followups queue, to wait until every job has run or add one by hand.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Config } from '../../server/config.ts';
import { bullPrefix } from '../../server/queues.ts';
import { QUEUE_EMAIL_FOLLOWUPS } from '../../server/services/email-followup-queue.ts';
import { smtpReceiver, type SmtpReceiver } from './smtp.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { login, startStack, widgetSession, type TestStack } from './server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextEvent, type AgentClient } from './sockets.ts';

export interface EmailStack {
  smtp: SmtpReceiver;
  stack: TestStack;
  /** The demo agent, online. */
  agent: AgentClient;
  /** The email-followups queue of this stack. */
  followups: Queue;
  /** Every follow-up job has run (none waiting, delayed, active or being retried). */
  followupsSettled(): Promise<void>;
  /**
   * A shopper with address `email` whose chat the agent answered, their widget closed since: an email reply to it is
   * taken. `tag` makes the messages' client ids unique.
   */
  chatAnsweredByAgent(email: string, tag: string): Promise<{ customerId: number; conversationId: number }>;
  close(): Promise<void>;
}

/** `config` goes over the email defaults (SMTP to the receiver, quick retries, the shop's name, no From override). */
export async function startEmailStack(config: Partial<Config>): Promise<EmailStack> {
  const smtp = smtpReceiver();
  const port = await smtp.listen();
  const stack = await startStack({
    workers: true,
    config: { smtpUrl: `smtp://127.0.0.1:${port}`, emailRetryDelayMs: 300, shopName: 'Northwind Goods', mailFrom: '', ...config },
  });
  const { token } = await login(stack.url, stack.agent.email, stack.agent.password);
  const agent = await connectAgent(stack.url, token);
  await callOk(agent, 'presence:set', { presence: 'online' });
  const queueRedis = new Redis(stack.env.config.redisUrl);
  const followups = new Queue(QUEUE_EMAIL_FOLLOWUPS, { connection: queueRedis, prefix: bullPrefix(stack.env.config) });
  return {
    smtp, stack, agent, followups,
    followupsSettled: () => eventually(async () => {
      const counts = await followups.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
      return Object.values(counts).every((n) => n === 0);
    }, 20_000, 'the email-followups queue to be empty').then(() => undefined),
    async chatAnsweredByAgent(email, tag) {
      const session = await widgetSession(stack.url, { email });
      const socket = await connectWidget(stack.url, session.visitorToken);
      const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
      const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `q-${tag}`, text: 'Where is my parcel?' });
      await botReply;
      await callOk(agent, 'message:send', { conversationId: sent.conversationId, clientId: `a-${tag}`, text: 'On its way.' });
      socket.close();
      return { customerId: session.customerId, conversationId: sent.conversationId };
    },
    async close() {
      agent.close();
      await followups.close();
      queueRedis.disconnect();
      await stack.close();
      await smtp.close();
    },
  };
}
