// Email follow-up of agent replies the shopper did not see, against a real SMTP
// receiver started here, a real server with its workers, and socket.io clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import type { SmtpReceiver } from '../support/smtp.ts';
import { login, widgetSession, type TestStack } from '../support/server.ts';
import { startEmailStack, type EmailStack } from '../support/email-stack.ts';
import { callOk, connectWidget, eventually, nextAgentMessage, nextEvent, record, type AgentClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { unsubscribeToken } from '../../server/services/email-unsubscribe.ts';
import { sharedSecret } from '../../server/services/secrets.ts';
import { productsRepository } from '../../knowledge-base/repositories/products.ts';

let smtp: SmtpReceiver;
let stack: TestStack;
let agent: AgentClient;
let queue: Queue;
let seq = 0;
/** The first test's email link, which the resume test opens "on another device". */
let resumeLink: { token: string; customerId: number; conversationId: number } | undefined;
let bed: EmailStack;

beforeAll(async () => {
  // The follow-up waits EMAIL_FOLLOWUP_DELAY_SECONDS after a reply: two replies sent one after the other must fall in
  // that window to go out as one email, and a shopper's seen mark must arrive in it for nothing to be sent. One
  // second was a thin margin on a loaded machine (a round trip can take that long there); three keep the tests quick.
  bed = await startEmailStack({ emailFollowupDelaySeconds: 3, shopUrl: 'https://shop.example/' });
  ({ smtp, stack, agent, followups: queue } = bed);
});
afterAll(() => bed?.close());

/** A shopper with an email address who has written once (the bot answered); returns their open conversation. */
async function shopperWithEmail(email: string | null = `shopper${++seq}@example.com`) {
  const session = await widgetSession(stack.url, email ? { email } : {});
  const socket = await connectWidget(stack.url, session.visitorToken);
  const botReply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot');
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `q-${seq}`, text: 'Has my parcel left the warehouse?' });
  await botReply;
  return { email, session, socket, conversationId: sent.conversationId };
}

async function agentReply(conversationId: number, text: string, extra: Record<string, unknown> = {}): Promise<number> {
  const sent = await callOk<{ id: number }>(agent, 'message:send', { conversationId, clientId: `a-${++seq}`, text, ...extra });
  return sent.id;
}

/** Every follow-up job has run (none waiting, delayed, active or being retried). */
const followupsSettled = () => bed.followupsSettled();

const followupRows = (conversationId: number) =>
  stack.env.sql<{ status: string; attempts: number; error: string | null; recipient: string; up_to_message_id: number }[]>`
    select status, attempts, error, recipient, up_to_message_id from email_followups where conversation_id = ${conversationId} order by id`;

describe('email follow-up of replies the shopper missed', () => {
  it('emails two replies to a shopper who left as one email, with a link back to their last page, and tells the agents', async () => {
    const shopper = await shopperWithEmail('sofia.reyes@example.com');
    shopper.socket.emit('page:view', { url: 'https://shop.example/products/harbor-tote?utm=x', title: 'Harbor Tote' });
    await eventually(async () => (await callOk<{ shopper: { page: { url: string } | null } }>(agent, 'conversation:join', { conversationId: shopper.conversationId })).shopper.page, 5_000, 'the page to be known');
    shopper.socket.close(); // the tab is closed: nobody sees the replies
    const note = nextAgentMessage(agent, (m) => m.conversationId === shopper.conversationId && m.author.type === 'system' && m.private, 20_000);
    const first = await agentReply(shopper.conversationId, 'Your parcel left this morning.');
    const second = await agentReply(shopper.conversationId, 'Tracking: <b>NW-123456</b> & more');

    const emailed = await eventually(async () => smtp.to('sofia.reyes@example.com')[0], 20_000, 'the follow-up email');
    const { mail } = emailed;
    expect(mail.subject).toBe('New reply from Northwind Goods');
    expect(mail.from?.value[0]).toMatchObject({ name: 'Northwind Goods', address: 'no-reply@localhost' });
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0].address : null).toBe('sofia.reyes@example.com');
    expect(mail.text).toContain('Sam wrote:');
    expect(mail.text).toContain('Your parcel left this morning.');
    expect(mail.text).toContain('Tracking: <b>NW-123456</b> & more');
    expect(mail.text).not.toContain('Sam Agent'); // first names only
    expect(mail.html).toContain('Tracking: &lt;b&gt;NW-123456&lt;/b&gt; &amp; more');
    // The shopper's last page, without its query, and the marker that opens the widget there, with a resume token
    // (an anonymous shopper: the link opens this chat on any device).
    const link = /Continue the chat: (https:\/\/shop\.example\/products\/harbor-tote#shopdesk-chat=(r1\.[^\s]+))/.exec(mail.text ?? '');
    expect(link, mail.text).toBeTruthy();
    expect(mail.html).toContain(`href="${link![1]}"`);
    resumeLink = { token: decodeURIComponent(link![2]), customerId: shopper.session.customerId, conversationId: shopper.conversationId };
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toMatch(/<http:\/\/localhost:\d+\/api\/email\/unsubscribe\?token=\d+\.[0-9a-f]{64}>/);
    expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(mail.text).toMatch(/Stop emails about chat replies: http:\/\/localhost:\d+\/api\/email\/unsubscribe\?token=/);
    // Its own Message-ID, recorded for replies to find the chat; no Reply-To without INBOUND_EMAIL_ADDRESS; the first of its thread.
    const [{ message_id: recordedId }] = await stack.env.sql<{ message_id: string }[]>`select message_id from email_followups where conversation_id = ${shopper.conversationId}`;
    expect(mail.messageId).toBe(recordedId);
    expect(mail.replyTo).toBeUndefined();
    expect(mail.inReplyTo).toBeUndefined();

    expect((await note).text).toBe('Emailed the reply to s…@example.com (the shopper was away).');
    expect((await note).private).toBe(true);
    // The note is about the chat, not activity in it: the idle-close clock still runs from the agent's last reply.
    const [clock] = await stack.env.sql<{ last: Date; replied: Date }[]>`
      select c.last_message_at as last, (select created_at from messages where id = ${Math.max(first, second)}) as replied
      from conversations c where c.id = ${shopper.conversationId}`;
    expect(clock.last.getTime()).toBe(clock.replied.getTime());
    await followupsSettled();
    expect(smtp.to('sofia.reyes@example.com')).toHaveLength(1);
    expect(await followupRows(shopper.conversationId)).toEqual([
      expect.objectContaining({ status: 'sent', attempts: 1, error: null, recipient: 'sofia.reyes@example.com', up_to_message_id: Math.max(first, second) }),
    ]);
    // The note never reaches the shopper's widget.
    const back = await connectWidget(stack.url, shopper.session.visitorToken);
    const current = await callOk<{ messages: ChatMessage[] }>(back, 'conversation:current', {});
    expect(current.messages.some((m) => m.text.startsWith('Emailed'))).toBe(false);
    back.close();
  });

  it("brings the email's chat to another device from its link, once; an expired, forged or identified customer's link does not", async () => {
    expect(resumeLink).toBeTruthy();
    const { token, customerId, conversationId } = resumeLink!;
    // Another device: a browser with its own anonymous visitor record, opening the link.
    const elsewhere = await widgetSession(stack.url);
    const [, id, expires, sig] = token.split('.');
    const refusedWith = async (resumeToken: string) => {
      const answer = await widgetSession(stack.url, { visitorToken: elsewhere.visitorToken, resumeToken });
      expect(answer, resumeToken).toMatchObject({ customerId: elsewhere.customerId, resumed: false }); // this browser stays who it was
      expect(answer.conversationId).toBeUndefined();
    };
    await refusedWith(`r1.${id}.${Number(expires) + 1}.${sig}`); // a later expiry than was signed
    await refusedWith(`r1.${Number(id) + 1}.${expires}.${sig}`); // someone else's record
    const { signResumeToken } = await import('../../server/services/visitor-tokens.ts');
    const secret = await sharedSecret(stack.env.sql, 'visitor_token_secret', stack.env.config.sessionSecret);
    await refusedWith(signResumeToken(secret, customerId, Date.now() - 31 * 86_400_000)); // issued 31 days ago: expired
    // Once the shop has identified the shopper, the link no longer resumes them: their orders are behind the shop's sign-in.
    await stack.env.sql`update customers set external_id = ${`shop-user-resume-${customerId}`} where id = ${customerId}`;
    await refusedWith(token);
    await stack.env.sql`update customers set external_id = null where id = ${customerId}`;

    // The link's chat comes into this browser's own record (merged), and is the chat the widget asks for.
    const resumed = await widgetSession(stack.url, { visitorToken: elsewhere.visitorToken, resumeToken: token });
    expect(resumed).toMatchObject({ customerId: elsewhere.customerId, resumed: true, identified: false, conversationId });
    const socket = await connectWidget(stack.url, resumed.visitorToken);
    const current = await callOk<{ conversation: { id: number }; messages: ChatMessage[] }>(socket, 'conversation:current', { conversationId });
    expect(current.conversation.id).toBe(conversationId);
    expect(current.messages.map((m) => m.text)).toContain('Your parcel left this morning.');
    socket.close();
    // Used once, it brings nothing to a third browser.
    const third = await widgetSession(stack.url, { resumeToken: token });
    expect(third.resumed).toBe(false);
    expect(third.customerId).not.toBe(elsewhere.customerId);
  });

  it('sends nothing when the shopper saw the replies in the chat, and tells the agents they were seen', async () => {
    const shopper = await shopperWithEmail();
    await callOk(agent, 'conversation:join', { conversationId: shopper.conversationId });
    const seenAtAgent = nextEvent<{ conversationId: number; by: string; lastSeenId: number }>(agent, 'messages:seen', (p) => p.conversationId === shopper.conversationId);
    const arrived = nextEvent<ChatMessage>(shopper.socket, 'message:new', (m) => m.author.type === 'agent');
    const replyId = await agentReply(shopper.conversationId, 'I have checked: it is on its way.');
    // The widget reports what it showed with the panel open and the page visible.
    shopper.socket.emit('messages:seen', { conversationId: shopper.conversationId, lastSeenId: (await arrived).id });
    expect(await seenAtAgent).toEqual({ conversationId: shopper.conversationId, by: 'customer', lastSeenId: replyId });
    // conversation:join gives a console that opens the chat later the same mark.
    const joined = await callOk<{ conversation: { customerLastSeenId: number } }>(agent, 'conversation:join', { conversationId: shopper.conversationId });
    expect(joined.conversation.customerLastSeenId).toBe(replyId);
    await followupsSettled();
    expect(smtp.to(shopper.email!)).toHaveLength(0);
    expect(await followupRows(shopper.conversationId)).toEqual([]);
    shopper.socket.close();
  });

  it('refuses messages:seen for another shopper\'s conversation and moves nothing', async () => {
    const owner = await shopperWithEmail(null);
    const replyId = await agentReply(owner.conversationId, 'A reply only the owner should mark seen.');
    const stranger = await connectWidget(stack.url, (await widgetSession(stack.url)).visitorToken);
    const seenAtAgent = record(agent, 'messages:seen');
    await callOk(agent, 'conversation:join', { conversationId: owner.conversationId });
    const refused = nextEvent<{ event: string; error: { code: string } }>(stranger, 'request:error', (e) => e.event === 'messages:seen');
    stranger.emit('messages:seen', { conversationId: owner.conversationId, lastSeenId: replyId });
    expect((await refused).error.code).toBe('not_found');
    const [row] = await stack.env.sql<{ customer_last_seen_id: number }[]>`select customer_last_seen_id from conversations where id = ${owner.conversationId}`;
    expect(row.customer_last_seen_id).toBe(0);
    // The owner's own mark does move (so the refusal above is about ownership, not the payload).
    const own = nextEvent<{ conversationId: number; lastSeenId: number }>(agent, 'messages:seen', (p) => p.conversationId === owner.conversationId);
    owner.socket.emit('messages:seen', { conversationId: owner.conversationId, lastSeenId: replyId });
    expect((await own).lastSeenId).toBe(replyId);
    expect(seenAtAgent.filter((p: { conversationId: number }) => p.conversationId === owner.conversationId)).toHaveLength(1);
    // Never backwards.
    owner.socket.emit('messages:seen', { conversationId: owner.conversationId, lastSeenId: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing answers a mark that moves nothing: give it time to (not) happen
    const [after] = await stack.env.sql<{ customer_last_seen_id: number }[]>`select customer_last_seen_id from conversations where id = ${owner.conversationId}`;
    expect(after.customer_last_seen_id).toBe(replyId);
    owner.socket.close();
    stranger.close();
  });

  it('stops emailing a shopper who unsubscribed with the emailed link; a forged token is refused', async () => {
    const shopper = await shopperWithEmail();
    shopper.socket.close();
    await agentReply(shopper.conversationId, 'We have refunded the order.');
    const { mail } = await eventually(async () => smtp.to(shopper.email!)[0], 20_000, 'the first follow-up');
    const link = /<(http[^>]+)>/.exec(mail.headerLines.find((h) => h.key === 'list-unsubscribe')!.line)![1];
    const path = new URL(link).pathname + new URL(link).search;
    const token = new URL(link).searchParams.get('token')!;
    const optedOut = async () => (await stack.env.sql<{ off: boolean }[]>`select email_followups_off_at is not null as off from customers where id = ${shopper.session.customerId}`)[0].off;

    // Forged: another customer's id with this signature, and a signature for nothing.
    const forged = token.replace(/^\d+/, String(shopper.session.customerId + 1));
    for (const bad of [forged, `${shopper.session.customerId}.${'0'.repeat(64)}`, 'nonsense']) {
      const response = await fetch(`${stack.url}/api/email/unsubscribe?token=${encodeURIComponent(bad)}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(response.status).toBe(400);
    }
    // The page only asks (a mail scanner opening the link unsubscribes nobody).
    const pageResponse = await fetch(`${stack.url}${path}`);
    expect(pageResponse.status).toBe(200);
    expect(await pageResponse.text()).toContain('<form method="post"');
    expect(await optedOut()).toBe(false);
    // In the language of the emails they got (their record's), whatever the browser opening it says.
    await stack.env.sql`update customers set locale = 'zh-CN' where id = ${shopper.session.customerId}`;
    const chinese = await (await fetch(`${stack.url}${path}`, { headers: { 'accept-language': 'en-US' } })).text();
    expect(chinese).toContain('<html lang="zh-CN">');
    expect(chinese).toContain('>退订</button>');
    expect(chinese).toContain('<title>不再接收 Northwind Goods 的邮件？</title>'); // a Latin shop name is set off by spaces
    // A Taiwan shopper's page is in Taiwan's Traditional, and says so (not zh-CN); the shop's name stays as written.
    await stack.env.sql`update customers set locale = 'zh-TW' where id = ${shopper.session.customerId}`;
    const taiwan = await (await fetch(`${stack.url}${path}`, { headers: { 'accept-language': 'en-US' } })).text();
    expect(taiwan).toContain('<html lang="zh-TW">');
    expect(taiwan).toContain('<title>不再接收 Northwind Goods 的郵件？</title>');
    expect(taiwan).toContain('>退訂</button>');
    expect(taiwan).not.toMatch(/邮件|退订|聊天评分/);
    await stack.env.sql`update customers set locale = 'en' where id = ${shopper.session.customerId}`;
    // A link that is not valid names nobody: the browser's language says it.
    const invalid = await fetch(`${stack.url}/api/email/unsubscribe?token=1.${'0'.repeat(64)}`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('此退订链接无效');
    const invalidHongKong = await (await fetch(`${stack.url}/api/email/unsubscribe?token=1.${'0'.repeat(64)}`, { headers: { 'accept-language': 'zh-HK,zh;q=0.9' } })).text();
    expect(invalidHongKong).toContain('<html lang="zh-HK">');
    expect(invalidHongKong).toContain('此退訂鏈接無效');
    // RFC 8058 one-click, as a mail client sends it.
    const oneClick = await fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('You are unsubscribed');
    expect(await optedOut()).toBe(true);

    // A control shopper in the same window still gets theirs, so the pipeline is working while the other gets nothing.
    const control = await shopperWithEmail();
    control.socket.close();
    await agentReply(shopper.conversationId, 'One more thing about the refund.');
    await agentReply(control.conversationId, 'Here is your answer.');
    await eventually(async () => smtp.to(control.email!)[0], 20_000, 'the control follow-up');
    // A job queued before the shopper unsubscribed (replies in the delay window) sends nothing either.
    const manualId = `manual-${shopper.conversationId}`;
    await queue.add('followup', { conversationId: shopper.conversationId }, { jobId: manualId, removeOnComplete: false });
    await eventually(async () => (await queue.getJob(manualId))?.returnvalue, 20_000, 'the queued job to run');
    expect((await queue.getJob(manualId))!.returnvalue).toEqual({ status: 'skipped', reason: 'unsubscribed' });
    await followupsSettled();
    expect(smtp.to(shopper.email!)).toHaveLength(1);
    // The signed token matches what the server would issue (the same helper signs the emailed link).
    expect(token).toBe(unsubscribeToken(stack.servers[0].handle.ctx.visitorSecret, shopper.session.customerId));
  });

  it('delivers on a retry after the mail server refused for now (4xx), once', async () => {
    const shopper = await shopperWithEmail();
    shopper.socket.close();
    smtp.refuseNext(shopper.email!, 451);
    await agentReply(shopper.conversationId, 'Sorry for the wait, here is the update.');
    await eventually(async () => smtp.to(shopper.email!)[0], 20_000, 'the retried follow-up');
    await followupsSettled();
    expect(smtp.attempts.get(shopper.email!)).toBe(2);
    expect(smtp.to(shopper.email!)).toHaveLength(1);
    expect(await followupRows(shopper.conversationId)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2, error: null })]);
  });

  it('records a permanent refusal (5xx) as failed without retrying', async () => {
    const shopper = await shopperWithEmail();
    shopper.socket.close();
    smtp.refuseNext(shopper.email!, 550);
    await agentReply(shopper.conversationId, 'This address does not exist.');
    await eventually(async () => (await followupRows(shopper.conversationId))[0]?.status === 'failed', 20_000, 'the follow-up to be failed');
    await followupsSettled();
    expect(smtp.attempts.get(shopper.email!)).toBe(1);
    expect(smtp.to(shopper.email!)).toHaveLength(0);
    const [row] = await followupRows(shopper.conversationId);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row.error).toMatch(/550/);
  });

  it("lists the products an agent attached under the reply, each name escaped in the HTML", async () => {
    await productsRepository(stack.env.sql).save([
      { sku: 'FU-TOTE', name: 'Tote <b>blue</b> & co', url: 'https://shop.example/products/tote', priceCents: 4800, currency: 'USD', inStock: true },
      { sku: 'FU-MUG', name: 'Enamel Mug', url: null, priceCents: null },
    ]);
    const shopper = await shopperWithEmail();
    shopper.socket.close();
    await agentReply(shopper.conversationId, 'These two?', { products: [{ sku: 'FU-TOTE' }, { sku: 'FU-MUG' }] });
    const { mail } = await eventually(async () => smtp.to(shopper.email!)[0], 20_000, 'the follow-up email');
    expect(mail.text).toContain('  These two?\n  · Tote <b>blue</b> & co — $48.00 — https://shop.example/products/tote\n  · Enamel Mug\n');
    expect(mail.html).toContain('<li><a href="https://shop.example/products/tote">Tote &lt;b&gt;blue&lt;/b&gt; &amp; co</a> — $48.00</li><li>Enamel Mug</li>');
    expect(mail.html).not.toContain('<b>blue</b>');
  });

  it('sends nothing for a conversation with only bot answers and private notes', async () => {
    const shopper = await shopperWithEmail();
    shopper.socket.close();
    await agentReply(shopper.conversationId, 'Note to self: check the warehouse.', { private: true });
    // Even a job run for it on purpose finds no agent reply to email.
    await queue.add('followup', { conversationId: shopper.conversationId }, { jobId: `manual-${shopper.conversationId}`, removeOnComplete: false });
    await eventually(async () => (await queue.getJob(`manual-${shopper.conversationId}`))?.returnvalue, 20_000, 'the job to complete');
    expect((await queue.getJob(`manual-${shopper.conversationId}`))!.returnvalue).toEqual({ status: 'skipped', reason: 'nothing unseen' });
    await followupsSettled();
    expect(smtp.to(shopper.email!)).toHaveLength(0);
    expect(await followupRows(shopper.conversationId)).toEqual([]);
  });

  it('deleting the customer deletes their follow-up records', async () => {
    const shopper = await shopperWithEmail();
    shopper.socket.close();
    await agentReply(shopper.conversationId, 'Your return label is attached.');
    await eventually(async () => (await followupRows(shopper.conversationId))[0]?.status === 'sent', 20_000, 'the follow-up');
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const response = await fetch(`${stack.url}/api/admin/customers/${shopper.session.customerId}`, { method: 'DELETE', headers: { cookie: admin.cookie } });
    expect(response.status).toBeLessThan(300);
    expect(await followupRows(shopper.conversationId)).toEqual([]);
    const notes = await stack.env.sql<{ body: string }[]>`select body from messages where conversation_id = ${shopper.conversationId} and metadata->>'event' = 'email_followup'`;
    expect(notes.map((n) => n.body)).toEqual(['Emailed a reply to the shopper.']);
  });

  it('names the shop and links to its address as set in the console, over SHOP_NAME', async () => {
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const settingsUrl = `${stack.url}/api/admin/widget-settings`;
    const put = (body: unknown) => fetch(settingsUrl, { method: 'PUT', headers: { cookie: admin.cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { identitySecretSet: _set, ...settings } = await (await fetch(settingsUrl, { headers: { cookie: admin.cookie } })).json();
    expect((await put({ ...settings, shopName: 'Harbor & Sons', shopUrl: 'https://harbor.example/shop' })).status).toBe(200);
    try {
      const shopper = await shopperWithEmail();
      // A page on another site (any script can report one): the email in the shop's name links to the shop's address.
      shopper.socket.emit('page:view', { url: 'https://evil.example/harbor-login', title: 'Harbor & Sons sign-in' });
      await eventually(async () => (await callOk<{ shopper: { page: { url: string } | null } }>(agent, 'conversation:join', { conversationId: shopper.conversationId })).shopper.page, 5_000, 'the page to be known');
      shopper.socket.close();
      await agentReply(shopper.conversationId, 'Your exchange is on its way.');
      const { mail } = await eventually(async () => smtp.to(shopper.email!)[0], 20_000, 'the follow-up email');
      expect(mail.subject).toBe('New reply from Harbor & Sons');
      expect(mail.from?.value[0]).toMatchObject({ name: 'Harbor & Sons' });
      expect(mail.text).toContain('Continue the chat: https://harbor.example/shop#shopdesk-chat');
      expect(mail.text).not.toContain('evil.example');
      const token = /unsubscribe\?token=([^\s>]+)/.exec(mail.text ?? '')![1];
      expect(await (await fetch(`${stack.url}/api/email/unsubscribe?token=${token}`)).text()).toContain('Stop emails from Harbor &amp; Sons?');
    } finally {
      await put({ ...settings, shopName: '', shopUrl: '' });
    }
  });
});
