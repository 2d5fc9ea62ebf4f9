// Asking for the rating by email: a real SMTP receiver, a real server with its workers, socket.io clients for the
// shopper and the agent. A person's chat resolved while the shopper's widget did not show it is followed, after the
// (here shortened) delay, by "How did we do?" with five signed links; the page they open stores nothing until its
// form is posted, and the posted rating goes the way a widget rating goes (feedback row, history, report, webhook).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { smtpReceiver, type SmtpReceiver } from '../support/smtp.ts';
import { startStack, login, widgetSession, httpAs, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, nextEvent, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { bullPrefix } from '../../server/queues.ts';
import { QUEUE_CSAT_EMAILS } from '../../server/services/csat-email-queue.ts';
import { CSAT_LINK_DAYS, signCsatToken } from '../../server/services/csat-email-link.ts';
import { unsubscribeToken } from '../../server/services/email-unsubscribe.ts';
import { sharedSecret } from '../../server/services/secrets.ts';
import { loadWidgetSettings, saveWidgetSettings, type CsatAsk } from '../../server/services/widget-settings.ts';

const DELAY_SECONDS = 2;

let smtp: SmtpReceiver;
let stack: TestStack;
let agent: AgentClient;
let admin: { cookie: string };
let queue: Queue;
let queueRedis: Redis;
let seq = 0;
const open: { close(): void }[] = [];

beforeAll(async () => {
  smtp = smtpReceiver();
  const port = await smtp.listen();
  stack = await startStack({
    workers: true,
    // Follow-ups of the agent's reply are kept out of the way (an hour): the rating email is what is counted here.
    config: { smtpUrl: `smtp://127.0.0.1:${port}`, csatEmailDelaySeconds: DELAY_SECONDS, emailFollowupDelaySeconds: 3600, emailRetryDelayMs: 300, shopName: 'Northwind Goods', mailFrom: '' },
  });
  const session = await login(stack.url, stack.agent.email, stack.agent.password);
  agent = await connectAgent(stack.url, session.token);
  open.push(agent);
  await callOk(agent, 'presence:set', { presence: 'online' });
  await stack.env.sql`update users set capacity = 50 where email = ${stack.agent.email}`;
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  // A CRM listening for ratings: its deliveries are created with the rating (sending them is the webhook tests' job).
  await stack.env.sql`insert into webhooks (url, secret, events) values ('https://crm.example.invalid/ratings', 'crm-secret', ${['rating.submitted']}::text[])`;
  queueRedis = new Redis(stack.env.config.redisUrl);
  queue = new Queue(QUEUE_CSAT_EMAILS, { connection: queueRedis, prefix: bullPrefix(stack.env.config) });
}, 120_000);
afterAll(async () => {
  open.forEach((s) => s.close());
  await queue?.close();
  queueRedis?.disconnect();
  await stack?.close();
  await smtp?.close();
});

interface Chat {
  email: string;
  visitorToken: string;
  customerId: number;
  conversationId: number;
  socket: WidgetClient;
}

/** A shopper with an email address hands the chat to a person, who takes it and answers; the chat is still open. */
async function answeredChat(options: { locale?: string } = {}): Promise<Chat> {
  const email = `rater${++seq}@example.com`;
  const session = await widgetSession(stack.url, { email, ...(options.locale ? { locale: options.locale } : {}) });
  const socket = await connectWidget(stack.url, session.visitorToken, options.locale ?? 'en');
  open.push(socket);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `q-${seq}`, text: 'Where is my parcel?' });
  await callOk(socket, 'handoff:request', { conversationId: sent.conversationId });
  await eventually(async () => (await stack.env.sql`select 1 from conversations where id = ${sent.conversationId} and assignee_id is not null`).length > 0, 10_000, 'the chat to be assigned');
  await callOk(agent, 'message:send', { conversationId: sent.conversationId, clientId: `a-${seq}`, text: 'It left this morning.' });
  return { email, visitorToken: session.visitorToken, customerId: session.customerId, conversationId: sent.conversationId, socket };
}

/** The shopper closes the tab, then the agent resolves the chat. */
async function resolvedWhileAway(chat: Chat): Promise<void> {
  chat.socket.close();
  await callOk(agent, 'conversation:resolve', { conversationId: chat.conversationId });
}

/** Every rating-email job has run (none waiting, delayed or active). */
async function jobsSettled(): Promise<void> {
  await eventually(async () => {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
    return Object.values(counts).every((n) => n === 0);
  }, 20_000, 'the csat-emails queue to be empty');
}

const emailedRows = (conversationId: number) =>
  stack.env.sql<{ status: string; attempts: number }[]>`select status, attempts from csat_emails where conversation_id = ${conversationId}`;

/**
 * The five rating links of an email, by score, pointed at this test's server (the email carries PUBLIC_URL's address,
 * here the default http://localhost:3000).
 */
function ratingLinks(text: string): Map<number, string> {
  return new Map([...text.matchAll(/http:\/\/localhost:\d+(\/api\/email\/rate\?token=[^\s&]+&score=([1-5]))/g)].map((m) => [Number(m[2]), `${stack.url}${m[1]}`]));
}

const postRating = (link: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
  const url = new URL(link);
  url.searchParams.delete('score');
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
};

const feedbackOf = (conversationId: number) =>
  stack.env.sql<{ rating: number; comment: string | null; customer_id: number }[]>`
    select rating, comment, customer_id from feedback where idempotency_key = ${`csat:${conversationId}`}`;

const today = () => new Date().toISOString().slice(0, 10);
const reportCsat = async () => (await httpAs(stack.url, 'GET', `/api/admin/reports?from=${today()}&to=${today()}`, admin)).json.csat as { count: number; distribution: number[] };

const setAsk = async (csatAsk: CsatAsk) => saveWidgetSettings(stack.env.sql, { ...(await loadWidgetSettings(stack.env.sql)), csatAsk });

describe('asking for the rating by email', () => {
  let firstLink = '';
  let first: Chat;

  it('emails "How did we do?" after the delay to a shopper whose widget was gone at the resolve, once', async () => {
    first = await answeredChat();
    await resolvedWhileAway(first);
    const [resolved] = await stack.env.sql<{ resolved_at: Date }[]>`select resolved_at from conversations where id = ${first.conversationId}`;
    const { mail } = await eventually(async () => smtp.to(first.email)[0], 20_000, 'the rating email');
    // The row is marked sent once the SMTP server has answered, a moment after the receiver has the email.
    const row = await eventually(async () => (await stack.env.sql<{ sent_at: Date | null }[]>`
      select sent_at from csat_emails where conversation_id = ${first.conversationId} and sent_at is not null`)[0], 5_000, 'the email recorded as sent');
    expect(row.sent_at!.getTime() - resolved.resolved_at.getTime()).toBeGreaterThanOrEqual(DELAY_SECONDS * 1000 - 50);
    expect(mail.subject).toBe('How did we do? Rate your chat with Northwind Goods');
    expect(mail.from?.value[0]).toMatchObject({ name: 'Northwind Goods', address: 'no-reply@localhost' });
    const links = ratingLinks(mail.text ?? '');
    expect([...links.keys()]).toEqual([1, 2, 3, 4, 5]);
    expect(mail.text).toContain('4 out of 5, good: http://');
    for (const link of links.values()) expect(mail.html).toContain(`${new URL(link).search.replace(/&/g, '&amp;')}"`);
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toMatch(/<http:\/\/localhost:\d+\/api\/email\/unsubscribe\?token=\d+\.[0-9a-f]{64}>/);
    expect(mail.text).toMatch(/Stop emails about your chats: http:\/\/localhost:\d+\/api\/email\/unsubscribe\?token=/);
    firstLink = links.get(4)!;

    await jobsSettled();
    expect(await emailedRows(first.conversationId)).toEqual([{ status: 'sent', attempts: 1 }]);
    // Reopened and resolved again with the shopper still away: asked once per chat, not once per resolve.
    await callOk(agent, 'conversation:reopen', { conversationId: first.conversationId });
    await callOk(agent, 'conversation:resolve', { conversationId: first.conversationId });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await jobsSettled();
    expect(smtp.to(first.email)).toHaveLength(1);
  });

  it('shows the rating page on GET and stores nothing; the posted form stores the rating as the widget would', async () => {
    expect(firstLink).toBeTruthy();
    const reportBefore = await reportCsat();
    const shown = await fetch(firstLink);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await shown.text();
    expect(html).toContain('Rate your chat with Northwind Goods');
    expect(html).toMatch(/<input type="radio" name="score" value="4" required checked/);
    expect(html).toMatch(/<form method="post" action="\/api\/email\/rate\?token=/);
    expect(html).toContain('<textarea');
    // A mail scanner opening every link rates nothing.
    for (const score of [1, 2, 3, 5]) expect((await fetch(firstLink.replace(/score=4$/, `score=${score}`))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await feedbackOf(first.conversationId)).toEqual([]);

    const posted = await postRating(firstLink, { score: '4', comment: '  Quick <b>and</b> kind  ' });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('Your rating: 4 out of 5.');
    const [stored] = await eventually(async () => { const rows = await feedbackOf(first.conversationId); return rows.length ? rows : null; }, 10_000, 'the rating stored');
    expect(stored).toEqual({ rating: 4, comment: 'Quick <b>and</b> kind', customer_id: first.customerId });
    // The customer's history, the report's CSAT and the CRM's webhook all have it, as for a widget rating.
    const timeline = await httpAs(stack.url, 'GET', `/api/customers/${first.customerId}/timeline`, admin);
    expect(timeline.json.items).toContainEqual(expect.objectContaining({ type: 'rating', conversationId: first.conversationId, payload: { kind: 'csat', rating: 4, comment: 'Quick <b>and</b> kind' } }));
    const reportAfter = await reportCsat();
    expect(reportAfter.count).toBe(reportBefore.count + 1);
    expect(reportAfter.distribution[3]).toBe(reportBefore.distribution[3] + 1);
    const deliveries = await stack.env.sql<{ event: string }[]>`select event from webhook_deliveries where conversation_id = ${first.conversationId}`;
    expect(deliveries.map((d) => d.event)).toContain('rating.submitted');

    // Opened again: the page says it was rated and lets the shopper change it; the new rating replaces the old.
    const again = await (await fetch(firstLink.replace(/score=4$/, 'score=2'))).text();
    expect(again).toContain('You rated this chat 4 out of 5.');
    expect(again).toMatch(/value="2" required checked/);
    expect((await postRating(firstLink, { score: '2', comment: '' })).status).toBe(200);
    await eventually(async () => (await feedbackOf(first.conversationId))[0]?.rating === 2, 10_000, 'the rating replaced');
    expect(await feedbackOf(first.conversationId)).toEqual([{ rating: 2, comment: null, customer_id: first.customerId }]);
  });

  it('refuses a tampered or expired link, and a form without a score', async () => {
    expect(firstLink).toBeTruthy();
    const token = decodeURIComponent(/token=([^&]+)/.exec(firstLink)![1]);
    const [version, id, expires, signature] = token.split('.');
    const page = (t: string, headers: Record<string, string> = {}) => fetch(`${stack.url}/api/email/rate?token=${encodeURIComponent(t)}&score=5`, { headers });
    // Another chat's id, a later expiry, a changed signature: all "not valid".
    for (const forged of [`${version}.${Number(id) + 1}.${expires}.${signature}`, `${version}.${id}.${Number(expires) + 86_400}.${signature}`, `${version}.${id}.${expires}.${'0'.repeat(64)}`, 'nonsense']) {
      const refused = await page(forged);
      expect(refused.status, forged).toBe(400);
      expect(await refused.text()).toContain('This rating link is not valid.');
      expect((await postRating(`${stack.url}/api/email/rate?token=${encodeURIComponent(forged)}`, { score: '1' })).status).toBe(400);
    }
    // In the reader's language when the link names no chat.
    expect(await (await page('nonsense', { 'accept-language': 'zh-CN,zh;q=0.9' })).text()).toContain('此评分链接无效');
    // Genuine but signed longer ago than links last.
    const secret = await sharedSecret(stack.env.sql, 'visitor_token_secret', stack.env.config.sessionSecret);
    const old = signCsatToken(secret, first.conversationId, Date.now() - (CSAT_LINK_DAYS + 1) * 86_400_000);
    const expired = await page(old);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('This rating link has expired.');
    expect((await postRating(`${stack.url}/api/email/rate?token=${encodeURIComponent(old)}`, { score: '1' })).status).toBe(410);
    // No score chosen: the form again, saying so; nothing stored.
    const noScore = await postRating(firstLink, { comment: 'forgot to choose' });
    expect(noScore.status).toBe(400);
    expect(await noScore.text()).toContain('Please choose a rating from 1 to 5.');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await feedbackOf(first.conversationId))[0].rating).toBe(2);
  });

  it('tells the agents in the chat that the email went, with a line the shopper never sees and that changes nothing else', async () => {
    const chat = await answeredChat();
    const isNote = (m: ChatMessage) => m.conversationId === chat.conversationId && (m.metadata as { event?: unknown }).event === 'csat_email';
    const noted = nextEvent<ChatMessage[]>(agent, 'messages:new', (batch) => batch.some(isNote), 20_000);
    await resolvedWhileAway(chat);
    const conversation = () => stack.env.sql<{ status: string; last_message_at: Date; resolved_at: Date }[]>`
      select status, last_message_at, resolved_at from conversations where id = ${chat.conversationId}`;
    const alertRows = () => stack.env.sql`select id from agent_alert_events where conversation_id = ${chat.conversationId}`;
    const report = async () => (await httpAs(stack.url, 'GET', `/api/admin/reports?from=${today()}&to=${today()}`, admin)).json;
    const [before] = await conversation();
    const alertsBefore = await alertRows();
    const reportBefore = await report();

    // The consoles get it live, as the line agents see in the chat.
    const line = (await noted).find(isNote)!;
    expect(line).toMatchObject({ private: true, author: { type: 'system' }, text: 'Asked the shopper by email to rate the chat.' });
    expect(smtp.to(chat.email)).toHaveLength(1);
    await jobsSettled();
    const stored = await stack.env.sql`
      select author_type, private from messages where conversation_id = ${chat.conversationId} and metadata->>'event' = 'csat_email'`;
    expect(stored).toEqual([{ author_type: 'system', private: true }]);
    // Still resolved, its last activity unmoved (no idle-close clock restarted, no new place in the inbox), no alert
    // for anyone, and the reports' figures as they were.
    expect(await conversation()).toEqual([before]);
    expect(await alertRows()).toEqual(alertsBefore);
    expect(await report()).toEqual(reportBefore);

    // The shopper back in the widget has the chat without it (the "ended the chat" line is there: the sync works).
    const back = await connectWidget(stack.url, chat.visitorToken);
    open.push(back);
    const { messages } = await callOk<{ messages: ChatMessage[] }>(back, 'messages:sync', { conversationId: chat.conversationId, afterId: 0 });
    expect(messages.some((m) => m.author.type === 'system' && /ended the chat/.test(m.text))).toBe(true);
    expect(messages.filter((m) => m.id === line.id || m.private)).toEqual([]);
  });

  it('refuses an old link of a shopper blocked since, on the page and the form, storing nothing', async () => {
    const chat = await answeredChat();
    await resolvedWhileAway(chat);
    const { mail } = await eventually(async () => smtp.to(chat.email)[0], 20_000, 'the rating email');
    const link = ratingLinks(mail.text ?? '').get(1)!;
    expect((await fetch(link)).status).toBe(200); // the link works before the block
    const blocked = await httpAs(stack.url, 'POST', `/api/customers/${chat.customerId}/block`, admin, { reason: 'abusive messages' });
    expect(blocked.status, blocked.text).toBe(200);

    const shown = await fetch(link);
    expect(shown.status).toBe(403);
    const html = await shown.text();
    expect(html).toContain('This chat cannot be rated.');
    expect(html).not.toContain('<form');
    const posted = await postRating(link, { score: '1', comment: 'You blocked me!' });
    expect(posted.status).toBe(403);
    expect(await posted.text()).toContain('This chat cannot be rated.');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await feedbackOf(chat.conversationId)).toEqual([]);

    // Unblocked, the same link rates again (the refusal was the block's, not the link's).
    expect((await httpAs(stack.url, 'DELETE', `/api/customers/${chat.customerId}/block`, admin)).status).toBe(200);
    expect((await postRating(link, { score: '3', comment: '' })).status).toBe(200);
    await eventually(async () => (await feedbackOf(chat.conversationId))[0]?.rating === 3, 10_000, 'the rating stored');
  });

  it('does not ask a shopper who rated in the widget, whose widget showed the end of the chat, or who unsubscribed', async () => {
    // Rated in the widget right after the resolve.
    const rated = await answeredChat();
    await callOk(agent, 'conversation:resolve', { conversationId: rated.conversationId });
    await callOk(rated.socket, 'feedback:csat', { conversationId: rated.conversationId, rating: 5 });
    await eventually(async () => (await feedbackOf(rated.conversationId)).length > 0, 10_000, 'the widget rating stored');
    rated.socket.close();

    // The widget open at the resolve: it shows the "ended" line (and the rating card) and marks it seen, as the widget does.
    const watching = await answeredChat();
    const ended = nextEvent<ChatMessage>(watching.socket, 'message:new', (m) => m.conversationId === watching.conversationId && m.author.type === 'system');
    await callOk(agent, 'conversation:resolve', { conversationId: watching.conversationId });
    await callOk(watching.socket, 'messages:seen', { conversationId: watching.conversationId, lastSeenId: (await ended).id });

    // Unsubscribed through the follow-up emails' link before the resolve.
    const unsubscribed = await answeredChat();
    const secret = await sharedSecret(stack.env.sql, 'visitor_token_secret', stack.env.config.sessionSecret);
    const optOut = await fetch(`${stack.url}/api/email/unsubscribe?token=${unsubscribeToken(secret, unsubscribed.customerId)}`, { method: 'POST' });
    expect(optOut.status).toBe(200);
    await resolvedWhileAway(unsubscribed);

    await new Promise((resolve) => setTimeout(resolve, 200));
    await jobsSettled();
    for (const chat of [rated, watching, unsubscribed]) {
      expect(smtp.to(chat.email), chat.email).toEqual([]);
      expect(await emailedRows(chat.conversationId)).toEqual([]);
    }
  });

  it('does not ask after a chat reopened meanwhile, nor when the shop asks for no ratings', async () => {
    const reopened = await answeredChat();
    await resolvedWhileAway(reopened);
    await callOk(agent, 'conversation:reopen', { conversationId: reopened.conversationId });
    await jobsSettled();
    expect(smtp.to(reopened.email)).toEqual([]);
    expect(await emailedRows(reopened.conversationId)).toEqual([]);

    await setAsk('never');
    try {
      const notAsked = await answeredChat();
      await resolvedWhileAway(notAsked);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await jobsSettled();
      expect(smtp.to(notAsked.email)).toEqual([]);
    } finally {
      await setAsk('people');
    }
    // The reopened chat's link (had one been sent) says it is not over rather than taking a rating.
    const secret = await sharedSecret(stack.env.sql, 'visitor_token_secret', stack.env.config.sessionSecret);
    const page = await fetch(`${stack.url}/api/email/rate?token=${signCsatToken(secret, reopened.conversationId)}&score=3`);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('This chat was reopened');
  });

  it('writes to a reader in Taiwan in Traditional Chinese, email and page', async () => {
    const chat = await answeredChat({ locale: 'zh-TW' });
    await stack.env.sql`update customers set locale = 'zh-TW' where id = ${chat.customerId}`;
    await resolvedWhileAway(chat);
    const { mail } = await eventually(async () => smtp.to(chat.email)[0], 20_000, 'the rating email');
    expect(mail.subject).toBe('請為您與 Northwind Goods 的聊天評分');
    expect(mail.html).toContain('<html lang="zh-TW">');
    const link = ratingLinks(mail.text ?? '').get(5)!;
    const html = await (await fetch(link)).text();
    expect(html).toContain('<html lang="zh-TW">');
    expect(html).toContain('為您與 Northwind Goods 的聊天評分');
    const posted = await postRating(link, { score: '5', comment: '很好' });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('感謝您的評價');
    await eventually(async () => (await feedbackOf(chat.conversationId))[0]?.rating === 5, 10_000, 'the rating stored');
  });
});
