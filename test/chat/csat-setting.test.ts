// "Ask for a rating" (widget settings `csatAsk`): after chats a person handled (the default), after every closed
// chat, or never. The setting is validated and kept when a client leaves it out, the widget gets it with its public
// settings, and the server takes a rating only for a chat the setting asks about (a crafted client cannot add the
// ratings the widget does not ask for).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, httpAs, type TestStack } from '../support/server.ts';
import { call, callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { DEFAULT_WIDGET_SETTINGS, loadWidgetSettings, saveWidgetSettings, type CsatAsk } from '../../server/services/widget-settings.ts';

let stack: TestStack;
let agent: AgentClient;
const open: { close(): void }[] = [];

const setAsk = async (csatAsk: CsatAsk) => saveWidgetSettings(stack.env.sql, { ...(await loadWidgetSettings(stack.env.sql)), csatAsk });

async function shopperWrites(label: string): Promise<{ socket: WidgetClient; conversationId: number }> {
  const session = await widgetSession(stack.url);
  const socket = await connectWidget(stack.url, session.visitorToken);
  open.push(socket);
  const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId: `${label}-1`, text: 'Where is my parcel?' });
  return { socket, conversationId: sent.conversationId };
}

/** A chat the bot alone answered, closed by an agent (as the idle bot chats are closed by the system). */
async function botOnlyChat(label: string) {
  const chat = await shopperWrites(label);
  await callOk(agent, 'conversation:resolve', { conversationId: chat.conversationId });
  return chat;
}

/** Handed off, taken by the agent, answered, resolved. */
async function personChat(label: string) {
  const chat = await shopperWrites(label);
  await callOk(chat.socket, 'handoff:request', { conversationId: chat.conversationId });
  await eventually(async () => (await stack.env.sql`select 1 from conversations where id = ${chat.conversationId} and assignee_id is not null`).length > 0, 10_000, 'assigned');
  await callOk(agent, 'message:send', { conversationId: chat.conversationId, clientId: `${label}-reply`, text: 'It ships today.' });
  await callOk(agent, 'conversation:resolve', { conversationId: chat.conversationId });
  return chat;
}

const rate = (chat: { socket: WidgetClient; conversationId: number }, rating = 4) =>
  call(chat.socket, 'feedback:csat', { conversationId: chat.conversationId, rating, comment: 'ok' });

beforeAll(async () => {
  stack = await startStack();
  const session = await login(stack.url, stack.agent.email, stack.agent.password);
  agent = await connectAgent(stack.url, session.token);
  open.push(agent);
  await callOk(agent, 'presence:set', { presence: 'online' });
  await stack.env.sql`update users set capacity = 20 where email = ${stack.agent.email}`;
}, 120_000);
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

describe('csatAsk, the widget setting', () => {
  it("is 'people' by default, validated, and a client that does not send it leaves it unchanged", async () => {
    expect(DEFAULT_WIDGET_SETTINGS.csatAsk).toBe('people');
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const { identitySecretSet: _, ...current } = (await httpAs(stack.url, 'GET', '/api/admin/widget-settings', admin)).json;
    expect(current.csatAsk).toBe('people');
    expect((await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...current, csatAsk: 'sometimes' })).status).toBe(400);
    const saved = await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...current, csatAsk: 'all' });
    expect(saved.status).toBe(200);
    expect(saved.json.csatAsk).toBe('all');
    const { csatAsk: _omitted, ...older } = current;
    const kept = await httpAs(stack.url, 'PUT', '/api/admin/widget-settings', admin, { ...older, color: '#112233' });
    expect(kept.status).toBe(200);
    expect(kept.json).toMatchObject({ csatAsk: 'all', color: '#112233' });
    expect((await loadWidgetSettings(stack.env.sql)).csatAsk).toBe('all');
    // Stored before the setting existed: the default.
    const { csatAsk: _stored, ...before } = await loadWidgetSettings(stack.env.sql);
    await stack.env.sql`update settings set value = ${stack.env.sql.json(before as never)} where key = 'widget'`;
    expect((await loadWidgetSettings(stack.env.sql)).csatAsk).toBe('people');
  });

  it("reaches the widget with its public settings", async () => {
    await setAsk('never');
    const response = await fetch(`${stack.url}/api/widget/settings?site=${DEFAULT_WIDGET_SETTINGS.siteKey}`);
    expect(response.status).toBe(200);
    expect((await response.json()).csatAsk).toBe('never');
    await setAsk('people');
    expect((await (await fetch(`${stack.url}/api/widget/settings?site=${DEFAULT_WIDGET_SETTINGS.siteKey}`)).json()).csatAsk).toBe('people');
  });

  it("under 'people' takes a rating only for a chat a person handled", async () => {
    await setAsk('people');
    expect(await rate(await botOnlyChat('people-bot'))).toEqual({
      ok: false, error: { code: 'conflict', message: 'This shop asks for a rating only after a chat with a person.' },
    });
    expect(await rate(await personChat('people-person'))).toMatchObject({ ok: true });
  });

  it("under 'all' takes a rating for a bot-only chat too; under 'never' for none", async () => {
    await setAsk('all');
    expect(await rate(await botOnlyChat('all-bot'))).toMatchObject({ ok: true });
    const handled = await personChat('never-person');
    await setAsk('never');
    expect(await rate(handled)).toEqual({ ok: false, error: { code: 'conflict', message: 'This shop does not ask for ratings.' } });
    await setAsk('people');
  });
});

describe("the reports' ratings with comments (GET /api/admin/reports/ratings)", () => {
  it("lists the range's ratings that came with a comment, lowest first, each with its chat; admins only", async () => {
    const sql = stack.env.sql;
    const chats = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((label) => shopperWrites(label)));
    const [{ customer_id: customerId }] = await sql<{ customer_id: number }[]>`select customer_id from conversations where id = ${chats[0].conversationId}`;
    await sql`update customers set name = 'Rita Rater' where id = ${customerId}`;
    const insert = (key: string, chat: number, rating: number, comment: string | null, at: Date) => sql`
      insert into feedback (idempotency_key, kind, customer_id, conversation_id, rating, comment, created_at)
      select ${key}, 'csat', customer_id, id, ${rating}, ${comment}, ${at} from conversations where id = ${chat}`;
    const now = new Date();
    await insert('list-a', chats[0].conversationId, 5, 'Lovely', now);
    await insert('list-b', chats[1].conversationId, 2, 'Slow answer', now);
    await insert('list-c', chats[2].conversationId, 1, '   ', now); // no words: not listed
    await insert('list-d', chats[3].conversationId, 3, 'Old one', new Date(now.getTime() - 60 * 86_400_000)); // before the range
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    const today = now.toISOString().slice(0, 10);
    const listed = await httpAs(stack.url, 'GET', `/api/admin/reports/ratings?from=${today}&to=${today}`, admin);
    expect(listed.status).toBe(200);
    const ours = listed.json.items.filter((i: { conversationId: number }) => chats.some((c) => c.conversationId === i.conversationId));
    expect(ours.map((i: { conversationId: number; rating: number; comment: string }) => [i.conversationId, i.rating, i.comment])).toEqual([
      [chats[1].conversationId, 2, 'Slow answer'], [chats[0].conversationId, 5, 'Lovely'],
    ]);
    expect(ours[1]).toMatchObject({ customerId, customerName: 'Rita Rater' });
    const ratings = listed.json.items.map((i: { rating: number }) => i.rating);
    expect(ratings).toEqual([...ratings].sort((a, b) => a - b));
    const asAgent = await login(stack.url, stack.agent.email, stack.agent.password);
    expect((await httpAs(stack.url, 'GET', `/api/admin/reports/ratings?from=${today}&to=${today}`, asAgent)).status).toBe(403);
    expect((await httpAs(stack.url, 'GET', '/api/admin/reports/ratings?from=2026-13-01', admin)).status).toBe(400);
  });
});
