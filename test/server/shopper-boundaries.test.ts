// What a shopper's widget may reach, on a real server, Postgres and Redis: a chat imported from another tool for the
// address a visitor typed is not theirs on any path (history sync, read marks, the transcript, a left message); a left
// message's typed address never replaces what the shop said of a customer it identified; and the history reads
// (conversation:current, messages:sync) are throttled per socket like the widget's other events.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, record, type WidgetClient } from '../support/sockets.ts';

const IDENTITY_SECRET = 'identity-secret-for-shopper-boundaries';
let stack: TestStack;
let admin: Awaited<ReturnType<typeof login>>;
const sockets: WidgetClient[] = [];

beforeAll(async () => {
  stack = await startStack({ config: { identitySecret: IDENTITY_SECRET } });
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

const sql = () => stack.env.sql;
const widget = async (token: string) => {
  const socket = await connectWidget(stack.url, token);
  sockets.push(socket);
  return socket;
};

describe("a chat imported for the address a visitor typed", () => {
  const victim = 'victim-of-import@example.com';
  const secret = 'The parcel for 12 Quiet Lane is behind the green gate.';
  let visitor: { visitorToken: string; customerId: number };
  let importedId: number;

  beforeAll(async () => {
    // Someone else types the victim's address into the pre-chat form first…
    visitor = await widgetSession(stack.url, { name: 'Not the victim', email: victim });
    // …then the shop imports the victim's old chats: the email-only customer is filed onto that live record.
    const imported = await httpAs(stack.url, 'POST', '/api/admin/conversations/import', admin, {
      source: 'Chatwoot',
      conversations: [{
        externalId: 'boundary-1', startedAt: '2024-05-01T09:00:00Z',
        customer: { email: victim },
        messages: [
          { author: 'customer', body: 'Where do you leave my parcels?', sentAt: '2024-05-01T09:00:10Z' },
          { author: 'agent', authorName: 'Sam (old tool)', body: secret, sentAt: '2024-05-01T09:02:00Z' },
        ],
      }],
    });
    expect(imported.status).toBe(200);
    const [row] = await sql()<{ id: number; customer_id: number }[]>`select id, customer_id from conversations where imported_from = 'chatwoot' and external_id = 'boundary-1'`;
    // The premise: the import did file it under the visitor's record.
    expect(Number(row.customer_id)).toBe(visitor.customerId);
    importedId = Number(row.id);
  });

  it('is not found by messages:sync, messages:seen or a left message, and its words never reach the socket', async () => {
    const socket = await widget(visitor.visitorToken);
    const sync = await call(socket, 'messages:sync', { conversationId: importedId, afterId: 0 });
    expect(sync).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(JSON.stringify(sync)).not.toContain('green gate');
    expect(await call(socket, 'messages:seen', { conversationId: importedId, lastSeenId: 1_000_000 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const [marks] = await sql()<{ customer_last_seen_id: number | null }[]>`select customer_last_seen_id from conversations where id = ${importedId}`;
    expect(marks.customer_last_seen_id).not.toBe(1_000_000);
    expect(await call(socket, 'offline:leave', { email: 'someone@example.com', text: 'hello', conversationId: importedId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect((await sql()`select 1 from offline_messages where conversation_id = ${importedId}`).length).toBe(0);
    // Nor as the widget's current chat (as before).
    expect(await callOk(socket, 'conversation:current', { conversationId: importedId })).toMatchObject({ conversation: null, messages: [] });
  });

  it('is not found as a transcript download', async () => {
    const response = await fetch(`${stack.url}/api/widget/conversations/${importedId}/transcript`, { headers: { authorization: `Bearer ${visitor.visitorToken}` } });
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'not_found' } });
    expect(text).not.toContain('green gate');
  });

  it("its socket room is not joined: an agent typing in the imported chat does not reach the visitor's socket", async () => {
    const socket = await widget(visitor.visitorToken);
    const agentAuth = await login(stack.url, stack.admin.email, stack.admin.password);
    const agent = await connectAgent(stack.url, agentAuth.token);
    try {
      const heard = record<{ conversationId: number }>(socket, 'typing');
      expect((await call(agent, 'typing', { conversationId: importedId, typing: true })).ok).toBe(true);
      // The control: the visitor's own chat's typing does arrive, so the socket was listening when the other was sent.
      const own = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: 'own-typing', text: 'Anyone there?' });
      const reconnected = await widget(visitor.visitorToken); // joined at connection: the own chat now exists
      const heardOwn = record<{ conversationId: number }>(reconnected, 'typing');
      const heardImported = record<{ conversationId: number }>(reconnected, 'typing');
      expect((await call(agent, 'typing', { conversationId: importedId, typing: true })).ok).toBe(true);
      expect((await call(agent, 'typing', { conversationId: own.conversationId, typing: true })).ok).toBe(true);
      await eventually(async () => heardOwn.some((e) => e.conversationId === own.conversationId), 5_000, 'typing in the own chat');
      expect(heardImported.filter((e) => e.conversationId === importedId)).toEqual([]);
      expect(heard.filter((e) => e.conversationId === importedId)).toEqual([]);
    } finally {
      agent.close();
    }
  });

  it("the visitor's own chat is still theirs on every path", async () => {
    const socket = await widget(visitor.visitorToken);
    const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: 'own-1', text: 'A question of my own' });
    const synced = await callOk<{ messages: { text: string }[] }>(socket, 'messages:sync', { conversationId: sent.conversationId, afterId: 0 });
    expect(synced.messages.map((m) => m.text)).toContain('A question of my own');
    expect((await call(socket, 'messages:seen', { conversationId: sent.conversationId, lastSeenId: 1 })).ok).toBe(true);
    const transcript = await fetch(`${stack.url}/api/widget/conversations/${sent.conversationId}/transcript`, { headers: { authorization: `Bearer ${visitor.visitorToken}` } });
    expect(transcript.status).toBe(200);
    expect(await transcript.text()).toContain('A question of my own');
  });
});

describe('a left message from a customer the shop identified', () => {
  const hash = (userId: string) => createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex');

  it("keeps the name and email the shop gave; the message keeps the address typed, for the reply", async () => {
    const session = await widgetSession(stack.url, { userId: 'shop-ob-1', hash: hash('shop-ob-1'), email: 'shop-said@example.com', name: 'Shop Said' });
    expect(session.identified).toBe(true);
    const socket = await widget(session.visitorToken);
    const left = await callOk<{ id: number }>(socket, 'offline:leave', { email: 'typed-elsewhere@example.com', name: 'Typed Name', text: 'Please call me back' });
    const [customer] = await sql()<{ email: string; name: string }[]>`select email, name from customers where id = ${session.customerId}`;
    expect(customer).toEqual({ email: 'shop-said@example.com', name: 'Shop Said' });
    const [message] = await sql()<{ email: string; name: string; customer_id: number }[]>`select email, name, customer_id from offline_messages where id = ${left.id}`;
    expect(message).toMatchObject({ email: 'typed-elsewhere@example.com', name: 'Typed Name' });
    expect(Number(message.customer_id)).toBe(session.customerId);
  });

  it('fills in only what the shop left empty, and a later typed address does not replace the first', async () => {
    const session = await widgetSession(stack.url, { userId: 'shop-ob-2', hash: hash('shop-ob-2'), name: 'Shop Named' });
    const socket = await widget(session.visitorToken);
    await callOk(socket, 'offline:leave', { email: 'first-left@example.com', name: 'Other Name', text: 'First question' });
    await callOk(socket, 'offline:leave', { email: 'second-left@example.com', text: 'Second question' });
    const [customer] = await sql()<{ email: string; name: string }[]>`select email, name from customers where id = ${session.customerId}`;
    expect(customer).toEqual({ email: 'first-left@example.com', name: 'Shop Named' });
  });

  it('an anonymous shopper\'s left message still fills in their record', async () => {
    const session = await widgetSession(stack.url, {});
    const socket = await widget(session.visitorToken);
    await callOk(socket, 'offline:leave', { email: 'anon-left@example.com', name: 'Anon Left', text: 'Do you ship to Iceland?' });
    const [customer] = await sql()<{ email: string; name: string }[]>`select email, name from customers where id = ${session.customerId}`;
    expect(customer).toEqual({ email: 'anon-left@example.com', name: 'Anon Left' });
  });
});

describe('history reads per socket', () => {
  it('answers a flood of conversation:current and messages:sync with rate_limited; another socket is unaffected', async () => {
    const session = await widgetSession(stack.url, {});
    const socket = await widget(session.visitorToken);
    const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: 'flood-1', text: 'Hello there' });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2
      ? call(socket, 'conversation:current', {})
      : call(socket, 'messages:sync', { conversationId: sent.conversationId, afterId: 0 }))));
    const ok = answers.filter((a) => a.ok).length;
    const limited = answers.filter((a) => !a.ok && a.error.code === 'rate_limited').length;
    expect(ok + limited).toBe(40);
    expect(ok).toBeGreaterThanOrEqual(20);
    expect(ok).toBeLessThanOrEqual(23); // the bucket refills 2 a second while the burst is answered
    expect(limited).toBeGreaterThanOrEqual(17);
    // Per socket: the shopper's other tab reads as usual.
    const other = await widget(session.visitorToken);
    expect((await call(other, 'conversation:current', {})).ok).toBe(true);
  });
});
