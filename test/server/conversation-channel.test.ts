// Where a conversation started (migration 055, conversations.channel): stored when a shopper's widget message starts
// one, when an agent writes first (the email reply and the import: email-inbound.test.ts, conversation-import.test.ts);
// the inbox's `channel` filter, alone, with others, refused when bad, kept in a saved view and counted; the console's
// summary carries it and the shopper's does not; the conversations CSV ends with it. Real server, Postgres, sockets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, type WidgetClient } from '../support/sockets.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';

type Auth = Awaited<ReturnType<typeof login>>;
let stack: TestStack;
let agent: Auth;
let admin: Auth;
const sockets: WidgetClient[] = [];
/** The chats of the filter tests by name. */
const chat: Record<string, number> = {};

const http = (method: string, path: string, auth: Auth | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);
const channelOf = async (id: number) => (await stack.env.sql<{ channel: string }[]>`select channel from conversations where id = ${id}`)[0]?.channel;

/** The fixture chats the list answers for this query string, by name. */
async function listed(search: string): Promise<string[]> {
  const answer = await http('GET', `/api/conversations?limit=200&${search.includes('view=') ? '' : 'view=all&'}${search}`, agent);
  expect(answer.status, answer.text).toBe(200);
  const ids = new Set((answer.json.items as { conversation: { id: number } }[]).map((i) => i.conversation.id));
  return Object.keys(chat).filter((name) => ids.has(chat[name]!)).sort();
}

async function fixture(name: string, channel: string, status: string) {
  const sql = stack.env.sql;
  const [{ id: customerId }] = await sql<{ id: number }[]>`insert into customers (name) values (${name}) returning id::int`;
  const [{ id }] = await sql<{ id: number }[]>`
    insert into conversations (customer_id, status, channel, handed_off, resolved_at)
    values (${customerId}, ${status}, ${channel}, ${status !== 'bot'}, ${status === 'resolved' ? new Date() : null}) returning id::int`;
  await sql`insert into messages (conversation_id, author_type, body) values (${id}, 'customer', 'Hello')`;
  chat[name] = id;
}

beforeAll(async () => {
  stack = await startStack();
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

describe('the channel a conversation started in', () => {
  it("is 'widget' for a shopper's first message in the widget, which the console's summary carries and the shopper's does not", async () => {
    const shopper = await widgetSession(stack.url, { name: 'Wes Widget' });
    const widget = await connectWidget(stack.url, shopper.visitorToken);
    sockets.push(widget);
    const sent = await callOk<{ conversationId: number }>(widget, 'message:send', { clientId: 'wes-1', text: 'Do you ship to Norway?' });
    expect(await channelOf(sent.conversationId)).toBe('widget');
    const current = await callOk<{ conversation: ConversationSummary }>(widget, 'conversation:current', {});
    expect(current.conversation.id).toBe(sent.conversationId);
    expect(current.conversation).not.toHaveProperty('channel');
    const inbox = await http('GET', `/api/conversations?customerId=${shopper.customerId}`, agent);
    expect(inbox.json.items[0].conversation).toMatchObject({ id: sent.conversationId, channel: 'widget' });
  });

  it("is 'agent' for a conversation an agent started, in the list's summary too", async () => {
    const shopper = await widgetSession(stack.url, { name: 'Ada Agentstart', email: 'ada@example.com' });
    const started = await http('POST', `/api/customers/${shopper.customerId}/conversations`, agent, { text: 'Your parcel is on its way.' });
    expect(started.status, started.text).toBe(201);
    expect(await channelOf(started.json.conversationId)).toBe('agent');
    const inbox = await http('GET', `/api/conversations?customerId=${shopper.customerId}`, agent);
    expect(inbox.json.items[0].conversation).toMatchObject({ id: started.json.conversationId, channel: 'agent' });
  });

  it('is refused by the database outside the known channels', async () => {
    const [{ id: customerId }] = await stack.env.sql<{ id: number }[]>`insert into customers (name) values ('Fax') returning id::int`;
    await expect(stack.env.sql`insert into conversations (customer_id, channel) values (${customerId}, 'fax')`).rejects.toThrow(/check/);
  });
});

describe('the inbox filter on it', () => {
  beforeAll(async () => {
    await fixture('emailOpen', 'email', 'queued');
    await fixture('emailDone', 'email', 'resolved');
    await fixture('widgetOpen', 'widget', 'queued');
    await fixture('agentOpen', 'agent', 'assigned');
    await fixture('imported', 'import', 'resolved');
  });

  it('lists the chats of any of the channels given, alone and with other filters', async () => {
    expect(await listed('channel=email')).toEqual(['emailDone', 'emailOpen']);
    expect(await listed('channel=email,agent')).toEqual(['agentOpen', 'emailDone', 'emailOpen']);
    expect(await listed('channel=import')).toEqual(['imported']);
    expect(await listed('channel=email&status=queued')).toEqual(['emailOpen']);
    expect(await listed('channel=widget,email&view=open')).toEqual(['emailOpen', 'widgetOpen']);
    expect(await listed('')).toEqual(['agentOpen', 'emailDone', 'emailOpen', 'imported', 'widgetOpen']);
  });

  it('a bad channel is a 400 that names it', async () => {
    for (const search of ['channel=fax', 'channel=', 'channel=email,', 'channel=email,widget,agent,import,email']) {
      const answer = await http('GET', `/api/conversations?${search}`, agent);
      expect(answer.status, search).toBe(400);
      expect(answer.json.error.message, search).toContain('channel');
    }
  });

  it('is kept in a saved view, whose count is what the list holds; a bad one is refused', async () => {
    const created = await http('POST', '/api/inbox-views/personal', agent, { name: 'Email chats', filters: { channel: ['email', 'email'] } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.item.filters).toEqual({ channel: ['email'] });
    const counts = await http('GET', '/api/inbox-views/counts', agent);
    expect(counts.json.counts[created.json.item.id]).toBe(2);
    const openEmail = await http('POST', '/api/inbox-views/personal', agent, { name: 'Open email', filters: { view: 'open', channel: ['email'] } });
    expect((await http('GET', '/api/inbox-views/counts', agent)).json.counts[openEmail.json.item.id]).toBe(1);
    for (const channel of [['fax'], [], 'email']) {
      const bad = await http('POST', '/api/inbox-views/personal', agent, { name: 'Bad', filters: { channel } });
      expect(bad.status, JSON.stringify(channel)).toBe(400);
      expect(bad.json.error.message).toContain('channel');
    }
  });
});

describe('the conversations CSV', () => {
  it('ends with a channel column, the earlier columns where they were', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const csv = await http('GET', `/api/admin/reports/conversations.csv?from=${today}&to=${today}`, admin);
    expect(csv.status, csv.text).toBe(200);
    const [header] = csv.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(header).toBe('"conversation_id","created_at","status","started_by","handed_off","resolved_by","customer_id","customer_name","customer_email",'
      + '"assignee","first_response_seconds","resolution_seconds","csat","labels","transcript","channel"');
    // A record ends its transcript's last line with the channel (the transcript's lines are split by \n alone).
    const records = csv.text.split('\r\n');
    const recordOf = (id: number) => {
      const start = records.findIndex((r) => r.startsWith(`"${id}",`));
      return start < 0 ? undefined : records[start];
    };
    expect(recordOf(chat.emailOpen!)).toMatch(/,"email"$/);
    expect(recordOf(chat.agentOpen!)).toMatch(/,"agent"$/);
    expect(recordOf(chat.widgetOpen!)).toMatch(/,"widget"$/);
  });
});
