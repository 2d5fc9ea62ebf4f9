// Retention: conversations resolved longer ago than RETENTION_DAYS lose their words, files and questions; their
// counts, times and ratings stay for the reports; recent ones are not touched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { applyRetention } from '../../server/services/retention.ts';
import { RETAINED_TEXT } from '../../server/services/customer-privacy.ts';
import { unansweredRepository } from '../../knowledge-base/unanswered.ts';
import { solidPng } from '../support/png.ts';
import { callOk, connectWidget, eventually } from '../support/sockets.ts';

let stack: TestStack;
beforeAll(async () => {
  // Workers: a left message's history event and its webhook deliveries are written by them.
  stack = await startStack({ workers: true });
  // Port 9 (discard) refuses: the deliveries are only looked at, never delivered.
  await stack.env.sql`insert into webhooks (url, secret, events) values ('http://127.0.0.1:9/hook', 'retention-test-secret', ${['offline_message.created']}::text[])`;
});
afterAll(async () => {
  await stack?.close();
});

/** A resolved conversation with a shopper photo, an agent reply, a miss in the learning loop and a rated, timed history. */
async function resolvedConversation(label: string, resolvedDaysAgo: number): Promise<{ id: number; attachmentUrl: string }> {
  const sql = stack.env.sql;
  const session = await widgetSession(stack.url, { name: `Retained ${label}` });
  const upload = await fetch(`${stack.url}/api/widget/attachments?clientId=${label}&name=receipt.png&caption=${encodeURIComponent(`my address is 1 ${label} Street`)}`, {
    method: 'POST', headers: { authorization: `Bearer ${session.visitorToken}`, 'content-type': 'image/png' }, body: new Uint8Array(await solidPng(2, 2, [1, 2, 3])),
  });
  const { conversationId: id, attachment } = (await upload.json()) as { conversationId: number; attachment: { url: string } };
  // The bot hands a file to a person, with a reply of its own: wait for it, so the counts below are fixed.
  await eventually(async () => (await sql`select 1 from messages where conversation_id = ${id} and author_type = 'bot'`).length === 1, 10_000, 'the bot reply');
  await sql`insert into messages (conversation_id, author_type, body) values (${id}, 'agent', ${`We'll send it to ${label} Street`})`;
  await unansweredRepository(sql).record(`do you deliver to ${label} street`, id, { reason: 'no_match' });
  await sql`insert into interaction_events (idempotency_key, customer_id, conversation_id, type, payload, occurred_at)
            values (${`ret:${label}`}, ${session.customerId}, ${id}, 'bot.decision', ${sql.json({ action: 'clarify', reason: 'no_match', question: `do you deliver to ${label} street` })}, now())`;
  await sql`insert into feedback (idempotency_key, kind, customer_id, conversation_id, rating, comment) values (${`csat:ret:${label}`}, 'csat', ${session.customerId}, ${id}, 4, ${`thanks from ${label}`})`;
  await sql`update conversations set status = 'resolved', resolved_at = now() - make_interval(days => ${resolvedDaysAgo}), first_response_seconds = 42 where id = ${id}`;
  return { id, attachmentUrl: attachment.url };
}

describe('retention', () => {
  it('anonymises conversations resolved longer ago than the limit, keeps what the reports count, leaves recent ones alone', async () => {
    const sql = stack.env.sql;
    const old = await resolvedConversation('oldlane', 40);
    const recent = await resolvedConversation('newlane', 5);
    expect(await applyRetention(sql, 0)).toBe(0); // 0 = keep for ever

    expect(await applyRetention(sql, 30)).toBe(1);
    const bodies = async (id: number) => (await sql<{ body: string }[]>`select body from messages where conversation_id = ${id} and author_type <> 'system' order by id`).map((m) => m.body);
    // Said as retention's, not as a customer's request: nobody asked (an operator's review).
    expect(await bodies(old.id)).toEqual([RETAINED_TEXT, RETAINED_TEXT, RETAINED_TEXT]); // shopper, bot, agent
    expect((await fetch(`${stack.url}${old.attachmentUrl}`)).status).toBe(404);
    expect(await sql`select 1 from unanswered_questions where text like '%oldlane%'`).toHaveLength(0);
    const [event] = await sql<{ payload: Record<string, unknown> }[]>`select payload from interaction_events where idempotency_key = 'ret:oldlane'`;
    expect(event.payload).toEqual({ action: 'clarify', reason: 'no_match' }); // the reports still count it
    const [rating] = await sql`select rating, comment from feedback where idempotency_key = 'csat:ret:oldlane'`;
    expect(rating).toEqual({ rating: 4, comment: null });
    const [conversation] = await sql`select status, first_response_seconds, anonymised_at is not null as done from conversations where id = ${old.id}`;
    expect(conversation).toEqual({ status: 'resolved', first_response_seconds: 42, done: true });

    // The recent one is whole, and a second sweep finds nothing more to do.
    expect((await bodies(recent.id))[0]).toBe('my address is 1 newlane Street');
    expect((await fetch(`${stack.url}${recent.attachmentUrl}`)).status).toBe(200);
    expect(await applyRetention(sql, 30)).toBe(0);
    const [audit] = await sql`select details from audit_log where action = 'retention.anonymise' order by id desc limit 1`;
    expect(audit.details).toEqual({ days: 30, conversations: 1, messages: 3 });
  });

  it('deletes messages left outside any chat after as long, and keeps recent ones and those of a chat', async () => {
    const sql = stack.env.sql;
    const { customerId } = await widgetSession(stack.url);
    const left = async (label: string, daysAgo: number) => (await sql<{ id: number }[]>`
      insert into offline_messages (customer_id, email, body, created_at)
      values (${customerId}, ${`${label}@example.com`}, ${`call me about ${label}`}, now() - make_interval(days => ${daysAgo})) returning id`)[0].id;
    const old = await left('oldleft', 40);
    const recent = await left('newleft', 5);
    expect(await applyRetention(sql, 30)).toBe(1);
    expect((await sql`select id from offline_messages where id in (${old}, ${recent})`).map((r) => r.id)).toEqual([recent]);
    const [audit] = await sql`select details from audit_log where action = 'retention.delete_left_messages' order by id desc limit 1`;
    expect(audit.details).toEqual({ days: 30, leftMessages: 1 });
    expect(await applyRetention(sql, 30)).toBe(0);
  });

  it('takes the words and address of a deleted left message out of the history and deletes its webhook deliveries', async () => {
    const sql = stack.env.sql;
    const leave = async (label: string) => {
      const session = await widgetSession(stack.url);
      const widget = await connectWidget(stack.url, session.visitorToken);
      try {
        const { id } = await callOk<{ id: number }>(widget, 'offline:leave', { email: `${label}@example.com`, text: `call me about ${label}` });
        await eventually(async () => (await sql`select 1 from webhook_deliveries where event_key = ${`offline:${id}`}`).length === 1, 15_000, 'the delivery');
        return { id, customerId: session.customerId };
      } finally {
        widget.disconnect();
      }
    };
    const old = await leave('oldform');
    const recent = await leave('newform');
    await sql`update offline_messages set created_at = now() - make_interval(days => 40) where id = ${old.id}`;
    expect(await applyRetention(sql, 30)).toBe(1);

    const history = async (id: number) => (await sql<{ payload: Record<string, unknown> }[]>`
      select payload from interaction_events where idempotency_key = ${`offline:${id}`} and type = 'offline.message'`)[0]?.payload;
    expect(await history(old.id)).toEqual({ offlineMessageId: old.id }); // the timeline still shows one was left
    expect(JSON.stringify(await sql`select payload from webhook_deliveries where event_key = ${`offline:${old.id}`}`)).toBe('[]');
    // The customer's timeline, as the console reads it, holds neither.
    const { cookie } = await login(stack.url, stack.admin.email, stack.admin.password);
    const timeline = await httpAs(stack.url, 'GET', `/api/customers/${old.customerId}/timeline`, { cookie });
    expect(timeline.json.items.filter((e: { type: string }) => e.type === 'offline.message')).toHaveLength(1);
    expect(timeline.text).not.toMatch(/oldform/);

    // The recent one keeps both.
    expect(await history(recent.id)).toEqual({ offlineMessageId: recent.id, email: 'newform@example.com', text: 'call me about newform' });
    expect(await sql`select 1 from webhook_deliveries where event_key = ${`offline:${recent.id}`}`).toHaveLength(1);
  });
});
