// Bulk actions on the inbox's selection (POST /api/conversations/bulk) over real HTTP, sockets, Postgres and Redis:
// each chat goes through the single-chat path, so its rules hold one by one — an agent cannot resolve a chat a
// teammate holds, and that refusal is reported without stopping the others — and shoppers and consoles hear of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, eventually, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

let stack: TestStack;
const open: { close(): void }[] = [];
let sam: { token: string; user: { id: number } };
let samSocket: AgentClient;
let otherSocket: AgentClient;
let admin: { token: string; user: { id: number } };

beforeAll(async () => {
  stack = await startStack();
  await stack.env.sql`insert into users (email, name, role, password_hash, capacity)
                      values ('bulk-other@demo.shop', 'Other Agent', 'agent', ${await hashPassword('other-agent-pw')}, 5)`;
  sam = await login(stack.url, stack.agent.email, stack.agent.password);
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  samSocket = await connectAgent(stack.url, sam.token);
  otherSocket = await connectAgent(stack.url, (await login(stack.url, 'bulk-other@demo.shop', 'other-agent-pw')).token);
  open.push(samSocket, otherSocket);
});
afterAll(async () => {
  for (const socket of open) socket.close();
  await stack?.close();
});

/** A shopper's chat, accepted by `holder` when given (else left with the bot). */
async function chatWith(label: string, holder?: AgentClient): Promise<{ shopper: WidgetClient; conversationId: number }> {
  const session = await widgetSession(stack.url);
  const shopper = await connectWidget(stack.url, session.visitorToken);
  open.push(shopper);
  const sent = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `${label}-1`, text: `hello from ${label}` });
  await stack.servers[0].handle.ctx.chat.drain();
  if (holder) await callOk(holder, 'conversation:accept', { conversationId: sent.conversationId });
  return { shopper, conversationId: sent.conversationId };
}

const bulk = async (token: string, body: unknown) => {
  const response = await fetch(`${stack.url}/api/conversations/bulk`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() as any };
};
const statusOf = async (id: number) => (await stack.env.sql<{ status: string }[]>`select status from conversations where id = ${id}`)[0].status;

describe('bulk actions', () => {
  it("resolves the agent's own and unheld chats, refuses a teammate's with the reason, and each shopper sees their chat end", async () => {
    const mine = await chatWith('mine', samSocket);
    const withBot = await chatWith('bot');
    const theirs = await chatWith('theirs', otherSocket);
    const shopperSaw = record<ChatMessage>(mine.shopper, 'message:new');

    const result = await bulk(sam.token, { conversationIds: [mine.conversationId, theirs.conversationId, withBot.conversationId], action: 'resolve' });
    expect(result.status).toBe(200);
    expect(result.body.done).toEqual([mine.conversationId, withBot.conversationId]);
    expect(result.body.failed).toEqual([{
      conversationId: theirs.conversationId, code: 'forbidden', reason: 'held_by_other', params: { name: 'Other Agent' }, message: 'Only the agent holding this chat (or an admin) can resolve it.',
    }]);
    expect(await statusOf(mine.conversationId)).toBe('resolved');
    expect(await statusOf(withBot.conversationId)).toBe('resolved');
    expect(await statusOf(theirs.conversationId)).toBe('assigned');
    // The single-chat path ran: the shopper is told, as after a resolve from the chat itself.
    await eventually(async () => shopperSaw.some((m) => m.author.type === 'system' && /ended the chat/.test(m.text)), 5_000, 'the "ended" line');

    // An admin may resolve a teammate's chat; one already resolved is reported, not an error for the batch, with the
    // refusal's reason as an error body would carry it (the console words it by that, in its language).
    const again = await bulk(admin.token, { conversationIds: [theirs.conversationId, mine.conversationId], action: 'resolve' });
    expect(again.body.done).toEqual([theirs.conversationId]);
    expect(again.body.failed).toEqual([{ conversationId: mine.conversationId, code: 'conflict', reason: 'already_resolved', message: 'The conversation is already resolved.' }]);
    // Each chat keeps who pressed Resolve (the per-agent report credits them), holder or not: Sam his own and the
    // bot's, the admin the teammate's.
    const resolvers = await stack.env.sql<{ id: number; resolver_id: number | null }[]>`
      select id, resolver_id from conversations where id in ${stack.env.sql([mine.conversationId, theirs.conversationId, withBot.conversationId])}`;
    const resolverOf = (id: number) => resolvers.find((r) => r.id === id)!.resolver_id;
    expect(resolverOf(mine.conversationId)).toBe(sam.user.id);
    expect(resolverOf(withBot.conversationId)).toBe(sam.user.id);
    expect(resolverOf(theirs.conversationId)).toBe(admin.user.id);
    // An id that does not exist is one more failure, named.
    const missing = await bulk(admin.token, { conversationIds: [999_999_999], action: 'resolve' });
    expect(missing.body).toEqual({ done: [], failed: [{ conversationId: 999_999_999, code: 'not_found', message: expect.stringMatching(/Conversation/) }] });
  });

  it('adds a label to every selected chat, normalised, and tells every console', async () => {
    const a = await chatWith('label-a');
    const b = await chatWith('label-b');
    const told = record<{ conversationId: number; labels: string[] }>(otherSocket, 'conversation:labels');
    const result = await bulk(sam.token, { conversationIds: [a.conversationId, b.conversationId], action: 'label', label: '  Holiday Backlog ' });
    expect(result.body).toEqual({ done: [a.conversationId, b.conversationId], failed: [] });
    const rows = await stack.env.sql<{ labels: string[] }[]>`select labels from conversations where id in (${a.conversationId}, ${b.conversationId})`;
    expect(rows.map((r) => r.labels)).toEqual([['holiday backlog'], ['holiday backlog']]);
    await eventually(async () => told.filter((e) => e.labels.includes('holiday backlog')).length === 2, 5_000, 'both consoles told');
  });

  it('validates the request: ids, their count, the action and its label; nobody signed in gets 401', async () => {
    const tooMany = Array.from({ length: 101 }, (_, i) => i + 1);
    for (const body of [
      { conversationIds: [], action: 'resolve' },
      { conversationIds: tooMany, action: 'resolve' },
      { conversationIds: [1, 1], action: 'resolve' },
      { conversationIds: [1], action: 'delete' },
      { conversationIds: [1], action: 'label' },
      { conversationIds: [1], action: 'label', label: '   ' },
      { conversationIds: [1], action: 'resolve', label: 'x' },
      { conversationIds: ['1; drop table conversations'], action: 'resolve' },
    ]) {
      const answer = await bulk(sam.token, body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.body.error.message).toBeTruthy();
    }
    const anonymous = await fetch(`${stack.url}/api/conversations/bulk`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ conversationIds: [1], action: 'resolve' }) });
    expect(anonymous.status).toBe(401);
  });
});
