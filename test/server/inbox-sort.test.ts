// The inbox list's order the agent chooses (GET /api/conversations?sort=…) and the priority mark (PUT
// /api/conversations/{id}/priority, migration 045), on a real server, Postgres and Redis: each order on crafted chats
// whose activity, wait and mark put them in a different order each time, through the text search's paths too; the
// mark set and taken off, refused without a console session, and heard live by another console (never the shopper).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, nextEvent, record, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';

let stack: TestStack;
let agent: Awaited<ReturnType<typeof login>>;
let admin: Awaited<ReturnType<typeof login>>;
const open: { close(): void }[] = [];

const http = (method: string, path: string, auth: { cookie: string } | null, body?: unknown) => httpAs(stack.url, method, path, auth, body);

beforeAll(async () => {
  stack = await startStack();
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
  admin = await login(stack.url, stack.admin.email, stack.admin.password);
  // Nobody takes chats by themselves: the crafted chats stay as set.
  await stack.env.sql`update users set capacity = 0, presence = 'offline'`;
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

type Item = { conversation: ConversationSummary; waitingSince: string | null };

/**
 * Four open chats, each with a shopper message containing `word`. Minutes ago of the latest activity: A 1, B 2, C 3,
 * D 4. Waiting for a reply: A since its hand-off 30 min ago, D since a message 20 min ago after an agent reply, C since
 * its hand-off 10 min ago; B's agent spoke last (waits for nobody).
 */
async function craftedChats(word: string): Promise<Record<'A' | 'B' | 'C' | 'D', number>> {
  const sql = stack.env.sql;
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  const [{ id: agentId }] = await sql<{ id: number }[]>`select id from users where email = ${stack.agent.email}`;
  const chat = async (name: string, chat: { status: 'queued' | 'assigned'; queuedMinutesAgo: number; activityMinutesAgo: number }, lines: ['customer' | 'agent', number][]) => {
    const [{ id: customerId }] = await sql<{ id: number }[]>`insert into customers (name) values (${name}) returning id`;
    const [{ id }] = await sql<{ id: number }[]>`
      insert into conversations (customer_id, status, assignee_id, handed_off, queued_at, assigned_at, last_message_at, created_at)
      values (${customerId}, ${chat.status}, ${chat.status === 'assigned' ? agentId : null}, true, ${ago(chat.queuedMinutesAgo)},
              ${chat.status === 'assigned' ? ago(chat.queuedMinutesAgo) : null}, ${ago(chat.activityMinutesAgo)}, ${ago(60)})
      returning id`;
    for (const [author, minutesAgo] of lines) {
      await sql`insert into messages (conversation_id, author_type, author_id, body, created_at)
                values (${id}, ${author}, ${author === 'agent' ? agentId : null}, ${`${author} line ${word}`}, ${ago(minutesAgo)})`;
    }
    return Number(id);
  };
  return {
    A: await chat(`Sort A ${word}`, { status: 'queued', queuedMinutesAgo: 30, activityMinutesAgo: 1 }, [['customer', 31]]),
    B: await chat(`Sort B ${word}`, { status: 'assigned', queuedMinutesAgo: 40, activityMinutesAgo: 2 }, [['customer', 41], ['agent', 2]]),
    C: await chat(`Sort C ${word}`, { status: 'queued', queuedMinutesAgo: 10, activityMinutesAgo: 3 }, [['customer', 11]]),
    D: await chat(`Sort D ${word}`, { status: 'assigned', queuedMinutesAgo: 50, activityMinutesAgo: 4 }, [['customer', 51], ['agent', 25], ['customer', 20]]),
  };
}

/** The crafted chats' letters in the order the list gives them. */
async function listed(chats: Record<string, number>, params: string): Promise<{ order: string[]; status: number; scope?: string }> {
  const letters = new Map(Object.entries(chats).map(([letter, id]) => [id, letter]));
  const list = await http('GET', `/api/conversations?${params}`, agent);
  expect(list.status).toBe(200);
  return {
    order: (list.json.items as Item[]).filter((i) => letters.has(i.conversation.id)).map((i) => letters.get(i.conversation.id)!),
    status: list.status,
    scope: list.json.search?.scope,
  };
}

describe('the inbox list in the order the agent chose', () => {
  it('refuses an unknown order', async () => {
    for (const sort of ['bogus', 'NEWEST', '', 'priority,newest']) {
      const list = await http('GET', `/api/conversations?view=open&sort=${encodeURIComponent(sort)}`, agent);
      expect(list.status, sort).toBe(400);
    }
  });

  it('orders by newest or oldest activity, longest waiting, or priority first; the queue keeps its own order unless asked', async () => {
    const chats = await craftedChats('zqxw');
    expect((await listed(chats, 'view=open')).order).toEqual(['A', 'B', 'C', 'D']); // as before: newest activity
    expect((await listed(chats, 'view=open&sort=newest')).order).toEqual(['A', 'B', 'C', 'D']);
    expect((await listed(chats, 'view=open&sort=oldest')).order).toEqual(['D', 'C', 'B', 'A']);
    // The list's own `waitingSince` is what the order follows: B waits for nobody and comes last.
    const items = (await http('GET', '/api/conversations?view=open&sort=waiting', agent)).json.items as Item[];
    const waits = items.filter((i) => Object.values(chats).includes(i.conversation.id)).map((i) => i.waitingSince);
    expect(waits.slice(0, 3).map((w) => Date.parse(w!))).toEqual([...waits.slice(0, 3).map((w) => Date.parse(w!))].sort((a, b) => a - b));
    expect(waits[3]).toBeNull();
    expect((await listed(chats, 'view=open&sort=waiting')).order).toEqual(['A', 'D', 'C', 'B']);

    const marked = await http('PUT', `/api/conversations/${chats.C}/priority`, agent, { priority: true });
    expect(marked.status).toBe(200);
    expect((await listed(chats, 'view=open&sort=priority')).order).toEqual(['C', 'A', 'B', 'D']); // then newest activity
    expect((await listed(chats, 'view=open')).order).toEqual(['A', 'B', 'C', 'D']); // the mark alone reorders nothing

    // The queue in the order it is served: priority chats, then first in line (A queued 30 min ago, C 10), unless the
    // agent chose another order.
    expect((await listed(chats, 'view=queued')).order).toEqual(['C', 'A']);
    expect((await listed(chats, 'view=queued&sort=oldest')).order).toEqual(['C', 'A']);
    expect((await listed(chats, 'view=queued&sort=newest')).order).toEqual(['A', 'C']);
    expect((await http('PUT', `/api/conversations/${chats.C}/priority`, agent, { priority: false })).status).toBe(200);
    expect((await listed(chats, 'view=queued')).order).toEqual(['A', 'C']);
    expect((await http('PUT', `/api/conversations/${chats.C}/priority`, agent, { priority: true })).status).toBe(200);
  });

  it('keeps the chosen order through the text search: rare words (trigram index) and short searches (the first chats of the list)', async () => {
    const chats = await craftedChats('vbnm');
    await http('PUT', `/api/conversations/${chats.D}/priority`, agent, { priority: true });
    for (const q of ['vbnm', 'vb']) {
      const scope = q === 'vb' ? 'recent' : 'all';
      expect(await listed(chats, `view=open&q=${q}&sort=oldest`)).toMatchObject({ order: ['D', 'C', 'B', 'A'], scope });
      expect(await listed(chats, `view=open&q=${q}&sort=waiting`)).toMatchObject({ order: ['A', 'D', 'C', 'B'], scope });
      expect(await listed(chats, `view=open&q=${q}&sort=priority`)).toMatchObject({ order: ['D', 'A', 'B', 'C'], scope });
      expect(await listed(chats, `view=open&q=${q}`)).toMatchObject({ order: ['A', 'B', 'C', 'D'], scope });
    }
  });
});

describe('the priority mark', () => {
  async function shopperChat(clientId: string): Promise<{ conversationId: number; shopper: WidgetClient }> {
    const session = await widgetSession(stack.url, { name: 'Pri Ority', locale: 'en' });
    const shopper = await connectWidget(stack.url, session.visitorToken);
    open.push(shopper);
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId, text: 'My parcel is lost and the wedding is tomorrow' });
    return { conversationId, shopper };
  }

  it('is set and taken off by any agent, and every console hears of it once per change', async () => {
    const { conversationId } = await shopperChat('pri-1');
    const otherConsole: AgentClient = await connectAgent(stack.url, admin.token);
    open.push(otherConsole);
    const heard = record<ConversationSummary>(otherConsole, 'conversation:updated');
    const before = (await http('GET', `/api/conversations/${conversationId}`, agent)).json.conversation as ConversationSummary;
    expect(before.priority).toBe(false);

    const arrives = nextEvent<ConversationSummary>(otherConsole, 'conversation:updated', (c) => c.id === conversationId);
    const set = await http('PUT', `/api/conversations/${conversationId}/priority`, agent, { priority: true });
    expect(set.status).toBe(200);
    expect(set.json.conversation).toMatchObject({ id: conversationId, priority: true });
    expect(set.json.conversation.version).toBeGreaterThan(before.version);
    expect(await arrives).toMatchObject({ id: conversationId, priority: true, version: set.json.conversation.version });
    expect((await http('GET', `/api/conversations/${conversationId}`, admin)).json.conversation.priority).toBe(true);
    const item = (await http('GET', '/api/conversations?view=all', admin)).json.items.find((i: Item) => i.conversation.id === conversationId);
    expect(item.conversation.priority).toBe(true);

    // Again: nothing changes and nobody is told (the next change's event is the next one heard).
    const again = await http('PUT', `/api/conversations/${conversationId}/priority`, admin, { priority: true });
    expect(again.json.conversation).toMatchObject({ priority: true, version: set.json.conversation.version });
    const cleared = nextEvent<ConversationSummary>(otherConsole, 'conversation:updated', (c) => c.id === conversationId && c.priority === false);
    const unset = await http('PUT', `/api/conversations/${conversationId}/priority`, admin, { priority: false });
    expect(unset.json.conversation.priority).toBe(false);
    await cleared;
    expect(heard.filter((c) => c.id === conversationId).map((c) => c.priority)).toEqual([true, false]);
    const [row] = await stack.env.sql<{ priority: boolean }[]>`select priority from conversations where id = ${conversationId}`;
    expect(row.priority).toBe(false);
  });

  it('is refused without a console session or with a malformed body, and unknown chats are not found', async () => {
    const { conversationId, shopper } = await shopperChat('pri-2');
    expect((await http('PUT', `/api/conversations/${conversationId}/priority`, null, { priority: true })).status).toBe(401);
    const visitor = await widgetSession(stack.url);
    const asVisitor = await http('PUT', `/api/conversations/${conversationId}/priority`, { cookie: `sd_session=${visitor.visitorToken}` }, { priority: true });
    expect(asVisitor.status).toBe(401);
    for (const body of [{}, { priority: 'yes' }, { priority: true, level: 3 }]) {
      expect((await http('PUT', `/api/conversations/${conversationId}/priority`, agent, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await http('PUT', '/api/conversations/999999/priority', agent, { priority: true })).status).toBe(404);
    const [row] = await stack.env.sql<{ priority: boolean }[]>`select priority from conversations where id = ${conversationId}`;
    expect(row.priority).toBe(false);

    // The shopper's widget never learns of the team's triage.
    await http('PUT', `/api/conversations/${conversationId}/priority`, agent, { priority: true });
    const current = await callOk<{ conversation: ConversationSummary }>(shopper, 'conversation:current', { conversationId });
    expect(current.conversation.id).toBe(conversationId);
    expect(current.conversation).not.toHaveProperty('priority');
  });
});
