// Email alerts to agents away from the console, against a real SMTP receiver, a real server with its workers, and
// socket.io clients: an assignment, shopper messages and mentions the agent has not seen are emailed after the
// agent's delay (one "minute" is a second here, agentAlertMinuteMs), as one digest; what they read meanwhile, or
// turned off, is not. Also the preferences route's checks.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { smtpReceiver, type SmtpReceiver } from '../support/smtp.ts';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { bullPrefix } from '../../server/queues.ts';
import { QUEUE_AGENT_EMAIL_ALERTS } from '../../server/services/agent-email-alerts.ts';

const MINUTE_MS = 1000;
const SAM_DELAY_MINUTES = 2;

let smtp: SmtpReceiver;
let stack: TestStack;
let queue: Queue;
let queueRedis: Redis;
let adminSocket: AgentClient;
let admin: Awaited<ReturnType<typeof login>>;
let sam: Awaited<ReturnType<typeof login>>;
let samEmail: string;
let lee: { id: number; email: string };
let seq = 0;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  smtp = smtpReceiver();
  const port = await smtp.listen();
  stack = await startStack({
    workers: true,
    config: { smtpUrl: `smtp://127.0.0.1:${port}`, agentAlertMinuteMs: MINUTE_MS, emailRetryDelayMs: 300, shopName: 'Northwind Goods', mailFrom: '', offlineAgentReleaseMinutes: 0 },
  });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  sam = await login(stack.url, stack.agent.email, stack.agent.password);
  samEmail = stack.agent.email;
  adminSocket = await connectAgent(stack.url, admin.token);
  // A third teammate who answers chats in Chinese only: their emails are in Chinese until they choose otherwise.
  const made = await httpAs(stack.url, 'POST', '/api/admin/team', admin,
    { email: 'lee.wong@example.com', name: 'Lee Wong', role: 'agent', password: 'a-long-initial-password', languages: ['zh'] });
  expect(made.status, made.text).toBe(201);
  lee = { id: made.json.member.id, email: 'lee.wong@example.com' };
  await stack.env.sql`update users set email_alerts = ${stack.env.sql.json({ delayMinutes: SAM_DELAY_MINUTES })} where id = ${lee.id}`;
  const saved = await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', sam,
    { assigned: true, shopperMessage: true, mention: true, leftMessage: false, delayMinutes: SAM_DELAY_MINUTES, language: 'en' });
  expect(saved.status, saved.text).toBe(200);
  queueRedis = new Redis(stack.env.config.redisUrl);
  queue = new Queue(QUEUE_AGENT_EMAIL_ALERTS, { connection: queueRedis, prefix: bullPrefix(stack.env.config) });
});
afterAll(async () => {
  for (const socket of opened) socket.close();
  adminSocket?.close();
  await queue?.close();
  queueRedis?.disconnect();
  await stack?.close();
  await smtp?.close();
});
// Each test starts with nothing pending and no alert window running (the windows are tested in their own test).
beforeEach(async () => {
  await alertsSettled();
  await stack.env.sql`update users set email_alert_sent_at = null`;
});

const chatLink = (conversationId: number) => `${stack.env.config.publicUrl.replace(/\/+$/, '')}/console/conversations/${conversationId}`;

/** Every alert job has run and no event waits. */
async function alertsSettled(): Promise<void> {
  await eventually(async () => {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
    const [{ open }] = await stack.env.sql<{ open: number }[]>`select count(*)::int as open from agent_alert_events where handled_at is null`;
    return open === 0 && Object.values(counts).every((n) => n === 0);
  }, 20_000, 'the agent alerts to be settled');
}

const outcomes = (conversationId: number) =>
  stack.env.sql<{ user_id: number; kind: string; outcome: string | null }[]>`
    select user_id, kind, outcome from agent_alert_events where conversation_id = ${conversationId} order by id`;

/** A shopper who has written once (the bot answered): their open conversation and widget socket. */
async function shopper(text: string): Promise<{ conversationId: number; socket: WidgetClient }> {
  const session = await widgetSession(stack.url, { name: `Sofia Reyes ${++seq}` });
  const socket = await connectWidget(stack.url, session.visitorToken);
  opened.push(socket);
  const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `s-${seq}`, text });
  await botReply;
  return { conversationId: sent.conversationId, socket };
}

/**
 * Sam has the console open (an agent must be at one to be given a chat), an admin gives him the chat, and he closes
 * the console at once: the chat's alert reaches him only by email.
 */
async function assignToSamWhoLeaves(conversationId: number): Promise<number> {
  const console = await connectAgent(stack.url, sam.token, { restorePresence: true });
  await eventually(async () => (await presenceOf(sam.user.id)) !== 'offline', 5_000, 'Sam at the console');
  await callOk(adminSocket, 'conversation:assign', { conversationId, toAgentId: sam.user.id });
  const assignedAt = Date.now();
  console.close();
  await eventually(async () => (await presenceOf(sam.user.id)) === 'offline', 5_000, 'Sam gone from the console');
  return assignedAt;
}

const presenceOf = async (userId: number) => (await stack.env.sql<{ presence: string }[]>`select presence from users where id = ${userId}`)[0].presence;

describe('email alerts to agents away from the console', () => {
  it('emails an agent who left the console the chat assigned to them, after their delay, with its link', async () => {
    const chat = await shopper('Where is my <b>parcel</b> & refund?');
    const before = smtp.to(samEmail).length;
    const assignedAt = await assignToSamWhoLeaves(chat.conversationId);

    const { mail } = await eventually(async () => smtp.to(samEmail)[before], 20_000, 'the alert email');
    expect(Date.now() - assignedAt).toBeGreaterThanOrEqual(SAM_DELAY_MINUTES * MINUTE_MS - 100);
    expect(mail.subject).toBe('Northwind Goods: a chat needs you');
    expect(mail.text).toContain(`Sofia Reyes ${seq} — assigned to you`);
    expect(mail.text).toContain('Where is my <b>parcel</b> & refund?');
    expect(mail.text).toContain(chatLink(chat.conversationId));
    expect(mail.html).toContain('Where is my &lt;b&gt;parcel&lt;/b&gt; &amp; refund?');
    expect(mail.html).toContain(`href="${chatLink(chat.conversationId)}"`);
    await alertsSettled();
    expect(smtp.to(samEmail)).toHaveLength(before + 1);
    expect(await outcomes(chat.conversationId)).toEqual([{ user_id: sam.user.id, kind: 'assigned', outcome: 'emailed' }]);
  });

  it('sends nothing when the agent read the chat before the delay passed', async () => {
    const chat = await shopper('Can I change the delivery address?');
    const before = smtp.to(samEmail).length;
    await assignToSamWhoLeaves(chat.conversationId);
    // On his phone's console, without coming online: he opens the chat, which marks it read.
    const phone = await connectAgent(stack.url, sam.token);
    const { messages } = await callOk<{ messages: ChatMessage[] }>(phone, 'conversation:join', { conversationId: chat.conversationId });
    await callOk(phone, 'messages:seen', { conversationId: chat.conversationId, lastSeenId: messages[messages.length - 1].id });
    phone.close();

    await alertsSettled();
    expect(await outcomes(chat.conversationId)).toEqual([{ user_id: sam.user.id, kind: 'assigned', outcome: 'seen' }]);
    expect(smtp.to(samEmail)).toHaveLength(before);
  });

  it('puts several shopper messages (and the assignment) of one delay in one email', async () => {
    // A longer delay than the others' here: the three messages must all arrive within it, and on a loaded machine
    // leaving the console and sending them took longer than two "minutes" (the digest went out with fewer).
    const delay = async (delayMinutes: number) => expect((await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', sam,
      { assigned: true, shopperMessage: true, mention: true, leftMessage: false, delayMinutes, language: 'en' })).status).toBe(200);
    await delay(8);
    try {
      const chat = await shopper('Hello?');
      const before = smtp.to(samEmail).length;
      await assignToSamWhoLeaves(chat.conversationId);
      for (const text of ['Is anyone there?', 'My order is NW-1001.', 'It arrived broken.']) {
        await callOk(chat.socket, 'message:send', { clientId: `s-${++seq}`, text, conversationId: chat.conversationId });
      }

      const { mail } = await eventually(async () => smtp.to(samEmail)[before], 30_000, 'the alert email');
      await alertsSettled();
      expect(smtp.to(samEmail)).toHaveLength(before + 1);
      expect(mail.text).toContain('assigned to you; 3 new messages from the shopper');
      expect(mail.text).toContain('It arrived broken.'); // the latest words
      expect(mail.text).toContain(chatLink(chat.conversationId));
      expect((await outcomes(chat.conversationId)).map((e) => e.outcome)).toEqual(['emailed', 'emailed', 'emailed', 'emailed']);
    } finally {
      await delay(SAM_DELAY_MINUTES);
    }
  }, 45_000);

  it('emails only the teammate a note mentions, in their language, and nothing to one who turned mentions off', async () => {
    const chat = await shopper('The tote strap snapped.');
    const beforeSam = smtp.to(samEmail).length;
    await callOk(adminSocket, 'message:send', { conversationId: chat.conversationId, clientId: `n-${++seq}`, text: '@Lee can you check the strap supplier?', private: true });

    const { mail } = await eventually(async () => smtp.to(lee.email)[0], 20_000, 'the alert email to Lee');
    expect(mail.subject).toBe('Northwind Goods：有 1 个对话需要您处理');
    expect(mail.text).toContain('Ada Admin 在备注中提到了您');
    expect(mail.text).toContain('@Lee can you check the strap supplier?');
    expect(mail.text).toContain(chatLink(chat.conversationId));
    await alertsSettled();
    expect(smtp.to(lee.email)).toHaveLength(1);
    expect(smtp.to(samEmail)).toHaveLength(beforeSam); // not mentioned
    expect(smtp.to(stack.admin.email)).toHaveLength(0); // the author
    expect(await outcomes(chat.conversationId)).toEqual([{ user_id: lee.id, kind: 'mention', outcome: 'emailed' }]);

    // Sam turns mention emails off; a note naming him and Lee then emails Lee (the control) and not Sam.
    const off = await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', sam,
      { assigned: true, shopperMessage: true, mention: false, leftMessage: false, delayMinutes: SAM_DELAY_MINUTES, language: 'en' });
    expect(off.status, off.text).toBe(200);
    await stack.env.sql`update users set email_alert_sent_at = null`;
    await callOk(adminSocket, 'message:send', { conversationId: chat.conversationId, clientId: `n-${++seq}`, text: '@Sam Agent and @Lee: please both look', private: true });
    await eventually(async () => smtp.to(lee.email)[1], 20_000, 'the second alert email to Lee');
    await alertsSettled();
    expect(smtp.to(samEmail)).toHaveLength(beforeSam);
    expect((await outcomes(chat.conversationId)).filter((e) => e.user_id === sam.user.id)).toEqual([]);
    await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', sam,
      { assigned: true, shopperMessage: true, mention: true, leftMessage: false, delayMinutes: SAM_DELAY_MINUTES, language: 'en' });
  });

  it("writes the alert in Traditional for an agent whose console was in Taiwan's Chinese when they saved", async () => {
    await stack.env.sql`update users set email_alerts = ${stack.env.sql.json({ delayMinutes: SAM_DELAY_MINUTES, language: 'zh-TW' })}, email_alert_sent_at = null where id = ${lee.id}`;
    try {
      const before = smtp.to(lee.email).length;
      const chat = await shopper('The zip is stuck.');
      await callOk(adminSocket, 'message:send', { conversationId: chat.conversationId, clientId: `n-${++seq}`, text: '@Lee the zip again', private: true });
      const { mail } = await eventually(async () => smtp.to(lee.email)[before], 20_000, 'the Traditional alert email to Lee');
      expect(mail.subject).toBe('Northwind Goods：有 1 個對話需要您處理');
      expect(mail.text).toContain('Ada Admin 在備註中提到了您'); // the teammate's name as written
      expect(mail.text).not.toMatch(/对话|备注|邮件/);
      await alertsSettled();
    } finally {
      await stack.env.sql`update users set email_alerts = ${stack.env.sql.json({ delayMinutes: SAM_DELAY_MINUTES })} where id = ${lee.id}`;
    }
  });

  it('sends at most one email per agent per delay: a job that runs sooner waits for the window to end', async () => {
    const first = await shopper('First question');
    const second = await shopper('Second question');
    const before = smtp.to(lee.email).length;
    await callOk(adminSocket, 'message:send', { conversationId: first.conversationId, clientId: `n-${++seq}`, text: '@Lee first', private: true });
    await eventually(async () => smtp.to(lee.email)[before], 20_000, 'the first alert email');
    const firstAt = Date.now();
    await callOk(adminSocket, 'message:send', { conversationId: second.conversationId, clientId: `n-${++seq}`, text: '@Lee second', private: true });
    await eventually(async () => (await outcomes(second.conversationId)).length === 1, 5_000, 'the second mention recorded');
    // A job of Lee's that runs at once (as one queued while the first email's job was running can): it must wait.
    await queue.add('alert', { userId: lee.id }, { jobId: `early-${lee.id}`, removeOnComplete: true, removeOnFail: true });
    const { mail } = await eventually(async () => smtp.to(lee.email)[before + 1], 20_000, 'the second alert email');
    expect(Date.now() - firstAt).toBeGreaterThanOrEqual(SAM_DELAY_MINUTES * MINUTE_MS - 200);
    expect(mail.text).toContain('@Lee second');
    expect(mail.text).not.toContain('@Lee first');
    await alertsSettled();
    expect(smtp.to(lee.email)).toHaveLength(before + 2);
  });

  it('holds no transaction open while the mail server answers, and a job that runs meanwhile sends nothing twice', async () => {
    const chat = await shopper('Is the blue kettle back in stock?');
    const before = smtp.to(lee.email).length;
    const slowServer = smtp.holdNext(lee.email);
    await callOk(adminSocket, 'message:send', { conversationId: chat.conversationId, clientId: `n-${++seq}`, text: '@Lee kettle stock?', private: true });
    await slowServer.arrived;
    try {
      // The worker waits for the mail server's answer: a transaction it opened before would be idle in it all along
      // (and hold the agent's advisory lock). Looked at after a pause, so a transaction of anyone else's that is
      // only between two statements is not counted.
      await new Promise((resolve) => setTimeout(resolve, 400));
      const idle = await stack.env.sql<{ pid: number }[]>`
        select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()
          and state like 'idle in transaction%' and xact_start < clock_timestamp() - interval '300 milliseconds'`;
      expect(idle).toEqual([]);
      const locks = await stack.env.sql`
        select 1 from pg_locks where locktype = 'advisory' and objid = ${lee.id} and objsubid = 2
          and database = (select oid from pg_database where datname = current_database())`;
      expect(locks).toEqual([]);
      // The event is claimed by the job sending it, not yet closed.
      const [claimed] = await stack.env.sql<{ claimed_by: string | null; outcome: string | null }[]>`
        select claimed_by, outcome from agent_alert_events where conversation_id = ${chat.conversationId}`;
      expect(claimed.outcome).toBeNull();
      expect(claimed.claimed_by).toBeTruthy();

      // Another job of Lee's runs meanwhile: it sees the claim and is retried later rather than email the same event.
      const jobId = `during-send-${lee.id}`;
      await queue.add('alert', { userId: lee.id }, { jobId, attempts: 6, backoff: { type: 'exponential', delay: 300 }, removeOnComplete: true, removeOnFail: true });
      await eventually(async () => /another job is emailing/.test((await queue.getJob(jobId))?.failedReason ?? ''), 10_000, 'the other job put off');
    } finally {
      slowServer.release();
    }
    await eventually(async () => smtp.to(lee.email)[before], 20_000, 'the alert email');
    await alertsSettled();
    expect(smtp.to(lee.email)).toHaveLength(before + 1);
    expect(await outcomes(chat.conversationId)).toEqual([{ user_id: lee.id, kind: 'mention', outcome: 'emailed' }]);
  });

  it('retries a send the mail server refused for now, and emails the events once', async () => {
    const chat = await shopper('Can I pay on delivery?');
    const before = smtp.to(lee.email).length;
    const attemptsBefore = smtp.attempts.get(lee.email) ?? 0;
    smtp.refuseNext(lee.email, 451);
    await callOk(adminSocket, 'message:send', { conversationId: chat.conversationId, clientId: `n-${++seq}`, text: '@Lee pay on delivery?', private: true });
    const { mail } = await eventually(async () => smtp.to(lee.email)[before], 20_000, 'the alert email, sent again');
    expect(mail.text).toContain('@Lee pay on delivery?');
    await alertsSettled();
    expect(smtp.attempts.get(lee.email)).toBe(attemptsBefore + 2);
    expect(smtp.to(lee.email)).toHaveLength(before + 1);
    expect(await outcomes(chat.conversationId)).toEqual([{ user_id: lee.id, kind: 'mention', outcome: 'emailed' }]);
  });

  it('emails admins, not agents, a message left while nobody was online', async () => {
    await stack.env.sql`update users set email_alerts = ${stack.env.sql.json({ delayMinutes: SAM_DELAY_MINUTES })} where id = ${admin.user.id}`;
    const chat = await shopper('Anyone?');
    const beforeSam = smtp.to(samEmail).length;
    const beforeLee = smtp.to(lee.email).length;
    await callOk(chat.socket, 'offline:leave', { email: 'mia@example.com', name: 'Mia', text: 'Please call me back about order NW-2002', conversationId: chat.conversationId });

    const { mail } = await eventually(async () => smtp.to(stack.admin.email)[0], 20_000, 'the alert email to the admin');
    expect(mail.text).toContain('a message left while nobody was online');
    expect(mail.text).toContain('Please call me back about order NW-2002');
    expect(mail.text).toContain(chatLink(chat.conversationId));
    await alertsSettled();
    expect(smtp.to(samEmail)).toHaveLength(beforeSam);
    expect(smtp.to(lee.email)).toHaveLength(beforeLee);
    expect(await outcomes(chat.conversationId)).toEqual([{ user_id: admin.user.id, kind: 'left_message', outcome: 'emailed' }]);
  });

  it('sends nothing to an agent deactivated before the delay passed', async () => {
    const chat = await shopper('Do you ship to Norway?');
    const before = smtp.to(lee.email).length;
    await callOk(adminSocket, 'message:send', { conversationId: chat.conversationId, clientId: `n-${++seq}`, text: '@Lee Wong Norway?', private: true });
    await eventually(async () => (await outcomes(chat.conversationId)).length === 1, 5_000, 'the mention recorded');
    await stack.env.sql`update users set active = false where id = ${lee.id}`;
    try {
      await alertsSettled();
      expect(await outcomes(chat.conversationId)).toEqual([{ user_id: lee.id, kind: 'mention', outcome: 'dropped' }]);
      expect(smtp.to(lee.email)).toHaveLength(before);
    } finally {
      await stack.env.sql`update users set active = true where id = ${lee.id}`;
    }
  });
});

describe('GET/PUT /api/auth/me/email-alerts', () => {
  const valid = { assigned: false, shopperMessage: true, mention: true, leftMessage: true, delayMinutes: 15, language: 'zh' };

  it('shows the defaults, saves a choice, and keeps left-message emails for admins', async () => {
    await stack.env.sql`update users set email_alerts = null where id = ${admin.user.id}`;
    const fresh = await httpAs(stack.url, 'GET', '/api/auth/me/email-alerts', admin);
    expect(fresh.status).toBe(200);
    expect(fresh.json).toEqual({
      preferences: { assigned: true, shopperMessage: true, mention: true, leftMessage: true, delayMinutes: 5, language: 'en' },
      emailEnabled: true,
    });
    const saved = await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', admin, valid);
    expect(saved.status, saved.text).toBe(200);
    expect(saved.json.preferences).toEqual(valid);
    expect((await httpAs(stack.url, 'GET', '/api/auth/me/email-alerts', admin)).json.preferences).toEqual(valid);
    // A console in Taiwan's or Hong Kong's Traditional saves its variant (the emails are converted to it).
    const taiwan = await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', admin, { ...valid, language: 'zh-TW' });
    expect(taiwan.status, taiwan.text).toBe(200);
    expect(taiwan.json.preferences.language).toBe('zh-TW');
    await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', admin, valid);
    // An agent's left-message choice is kept off: those are for admins.
    const agentSaved = await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', sam, { ...valid, language: 'en', delayMinutes: SAM_DELAY_MINUTES });
    expect(agentSaved.json.preferences.leftMessage).toBe(false);
    await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', sam,
      { assigned: true, shopperMessage: true, mention: true, leftMessage: false, delayMinutes: SAM_DELAY_MINUTES, language: 'en' });
  });

  it('refuses the signed-out, bad bodies and API tokens', async () => {
    expect((await httpAs(stack.url, 'GET', '/api/auth/me/email-alerts', null)).status).toBe(401);
    expect((await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', null, valid)).status).toBe(401);
    for (const body of [
      { ...valid, delayMinutes: 0 }, { ...valid, delayMinutes: 61 }, { ...valid, delayMinutes: 2.5 }, { ...valid, delayMinutes: '5' },
      { ...valid, assigned: 'yes' }, { ...valid, language: 'fr' }, { ...valid, language: 'zh-XX' }, { ...valid, extra: true }, { assigned: true }, 'on',
    ]) {
      const refused = await httpAs(stack.url, 'PUT', '/api/auth/me/email-alerts', admin, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    const made = await httpAs(stack.url, 'POST', '/api/admin/api-tokens', admin, { name: 'alerts script', scope: 'admin' });
    expect(made.status, made.text).toBe(201);
    for (const method of ['GET', 'PUT'] as const) {
      const response = await fetch(`${stack.url}/api/auth/me/email-alerts`, {
        method,
        headers: { authorization: `Bearer ${made.json.token}`, ...(method === 'PUT' ? { 'content-type': 'application/json' } : {}) },
        body: method === 'PUT' ? JSON.stringify(valid) : undefined,
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('api_token_not_allowed');
    }
  });
});
