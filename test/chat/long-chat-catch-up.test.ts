// A chat longer than one answer, read back on a real server, Postgres and Redis: messages:sync (the catch-up after a
// reconnect) answers at most SYNC_PAGE messages and says when there are more, so that a client asking again from the
// last id it got misses none, for the shopper and for the console alike; and both transcript downloads hold every
// message, the newest included, however long the chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, type AgentClient, type WidgetClient } from '../support/sockets.ts';
import { SYNC_PAGE } from '../../server/repositories/conversations.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';

let stack: TestStack;
let agent: AgentClient;
let agentLogin: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  stack = await startStack();
  agentLogin = await login(stack.url, stack.agent.email, stack.agent.password);
  agent = await connectAgent(stack.url, agentLogin.token);
});
afterAll(async () => {
  agent?.close();
  await stack?.close();
});

/**
 * A chat the demo agent holds with `count` messages "Line 1" … "Line N"; every tenth is the agent's private note.
 * Written straight into Postgres: thousands of messages through the socket would take minutes.
 */
async function longChat(count: number): Promise<{ conversationId: number; visitorToken: string; ids: number[]; shoppersIds: number[] }> {
  const { sql } = stack.env;
  const session = await widgetSession(stack.url, { name: 'Lou Long', locale: 'en' });
  const [me] = await sql<{ id: number }[]>`select id::int from users where email = ${stack.agent.email}`;
  const [chat] = await sql<{ id: number }[]>`
    insert into conversations (customer_id, status, assignee_id, handed_off, assigned_at, last_message_at)
    values (${session.customerId}, 'assigned', ${me.id}, true, now(), now()) returning id::int`;
  const rows = await sql<{ id: number; private: boolean }[]>`
    insert into messages (conversation_id, author_type, author_id, body, private)
    select ${chat.id}, case when i % 10 = 0 then 'agent' else 'customer' end, case when i % 10 = 0 then ${me.id}::bigint end, 'Line ' || i, i % 10 = 0
    from generate_series(1, ${count}) as i order by i
    returning id::int, private`;
  rows.sort((a, b) => a.id - b.id);
  return { conversationId: chat.id, visitorToken: session.visitorToken, ids: rows.map((r) => r.id), shoppersIds: rows.filter((r) => !r.private).map((r) => r.id) };
}

type Synced = { messages: ChatMessage[]; hasMore: boolean };

/** Catches up from `afterId` as a client does: again after the last message of each answer that says there is more. */
async function catchUp(socket: AgentClient | WidgetClient, conversationId: number, afterId: number): Promise<{ ids: number[]; answers: Synced[] }> {
  const answers: Synced[] = [];
  const ids: number[] = [];
  for (let from = afterId, more = true; more;) {
    const answer = await callOk<Synced>(socket, 'messages:sync', { conversationId, afterId: from });
    answers.push(answer);
    ids.push(...answer.messages.map((m) => m.id));
    more = answer.hasMore;
    if (more) from = answer.messages.at(-1)!.id;
  }
  return { ids, answers };
}

describe('catching up on a long chat after a reconnect', () => {
  it('answers a page at a time and says there is more, until everything after the id was answered once', async () => {
    const { conversationId, visitorToken, ids, shoppersIds } = await longChat(SYNC_PAGE * 2 + 300);
    const shopper = await connectWidget(stack.url, visitorToken);
    try {
      // The shopper, behind by more than a page (they never see the private notes).
      const behind = shoppersIds[4];
      const forShopper = await catchUp(shopper, conversationId, behind);
      expect(forShopper.answers[0].messages).toHaveLength(SYNC_PAGE);
      expect(forShopper.answers[0].hasMore).toBe(true);
      expect(forShopper.answers.at(-1)!.hasMore).toBe(false);
      expect(forShopper.ids).toEqual(shoppersIds.filter((id) => id > behind));

      // The console, private notes included.
      const forTeam = await catchUp(agent, conversationId, ids[0]);
      expect(forTeam.answers.map((a) => a.hasMore)).toEqual([true, true, false]);
      expect(forTeam.ids).toEqual(ids.slice(1));
    } finally {
      shopper.close();
    }
  });

  it('says there is no more when the answer holds the rest, also exactly a page of it', async () => {
    const { conversationId, ids } = await longChat(SYNC_PAGE + 1);
    const exact = await callOk<Synced>(agent, 'messages:sync', { conversationId, afterId: ids[0] });
    expect(exact.messages.map((m) => m.id)).toEqual(ids.slice(1));
    expect(exact.hasMore).toBe(false);
    const none = await callOk<Synced>(agent, 'messages:sync', { conversationId, afterId: ids.at(-1)! });
    expect(none).toMatchObject({ messages: [], hasMore: false });
  });
});

describe('the transcript of a long chat', () => {
  it('holds every message, the newest included, in the team\'s export and the shopper\'s download', async () => {
    const total = 10_050;
    const { conversationId, visitorToken } = await longChat(total);
    const numbers = (text: string) => [...text.matchAll(/: Line (\d+)$/gm)].map((line) => Number(line[1]));
    const all = Array.from({ length: total }, (_, i) => i + 1);

    const team = await httpAs(stack.url, 'GET', `/api/conversations/${conversationId}/transcript`, agentLogin);
    expect(team.status).toBe(200);
    expect(numbers(team.text)).toEqual(all);

    const shopperCopy = await fetch(`${stack.url}/api/widget/conversations/${conversationId}/transcript`, { headers: { authorization: `Bearer ${visitorToken}` } });
    expect(shopperCopy.status).toBe(200);
    expect(numbers(await shopperCopy.text())).toEqual(all.filter((n) => n % 10 !== 0));
  }, 60_000);
});
