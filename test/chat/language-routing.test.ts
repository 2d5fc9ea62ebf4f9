// Automatic assignment prefers the agents who speak the shopper's language
// (users.languages): a Chinese shopper's chat goes to the Chinese-speaking
// agent even when she is busier, an English one to the English-speaking
// agent, and when no speaker has room the chat still goes to someone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, login, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectAgent, connectWidget, nextEvent, type AgentClient } from '../support/sockets.ts';
import type { ConversationSummary } from '../../server/realtime/event-maps.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

let stack: TestStack;
const open: { close(): void }[] = [];
const agents: Record<'lin' | 'eve', { id: number; socket: AgentClient }> = {} as never;

beforeAll(async () => {
  stack = await startStack();
  const passwordHash = await hashPassword('language-agent-pw');
  for (const [key, name, languages] of [['lin', 'Lin Zhou', ['zh']], ['eve', 'Eve Shaw', ['en']]] as const) {
    const email = `${key}@language.test`;
    const [row] = await stack.env.sql<{ id: number }[]>`
      insert into users (email, name, role, password_hash, capacity, languages) values (${email}, ${name}, 'agent', ${passwordHash}, 3, ${[...languages]}::text[]) returning id`;
    const socket = await connectAgent(stack.url, (await login(stack.url, email, 'language-agent-pw')).token);
    open.push(socket);
    agents[key] = { id: row.id, socket };
  }
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await stack?.close();
});

/** A shopper whose widget speaks `locale` asks for a person; resolves with the agent the chat was given to. */
let sent = 0;
async function handedOff(locale: string, text: string): Promise<number> {
  const session = await widgetSession(stack.url, { locale });
  const shopper = await connectWidget(stack.url, session.visitorToken, locale);
  open.push(shopper);
  const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: `language-${++sent}`, text });
  const assigned = nextEvent<ConversationSummary>(shopper, 'conversation:updated', (c) => c.id === conversationId && c.status === 'assigned');
  await callOk(shopper, 'handoff:request', { conversationId });
  return (await assigned).assignee!.id;
}

describe('language-aware assignment', () => {
  it("gives each chat to an agent who speaks the shopper's language first, and to anyone when no speaker has room", async () => {
    for (const { socket } of Object.values(agents)) await callOk(socket, 'presence:set', { presence: 'online' });
    expect(await handedOff('zh-CN', '你好，我要找人工')).toBe(agents.lin.id);
    // Lin now holds one chat and Eve none: by load alone Eve would be next, but a Chinese chat still goes to Lin…
    expect(await handedOff('zh-CN', '请帮我转人工')).toBe(agents.lin.id);
    // …and an English one to Eve.
    expect(await handedOff('en', 'I need a person please')).toBe(agents.eve.id);
    // Lin full: the next Chinese chat is not left waiting while Eve has room.
    await stack.env.sql`update users set capacity = 2 where id = ${agents.lin.id}`;
    expect(await handedOff('zh-CN', '还有人吗')).toBe(agents.eve.id);
  });
});
