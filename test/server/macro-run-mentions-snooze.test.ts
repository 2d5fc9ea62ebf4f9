// Two things a macro run (server/services/macros.ts) must get right, on a real server, Postgres and Redis:
// a note's @mentions come from the words the macro's author wrote, never from a shopper's name filled into a
// placeholder; and "snooze 1 minute", which the macro form accepts, is not refused as "less than a minute from now".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { hashPassword } from '../../server/services/auth-service.ts';

type Auth = Awaited<ReturnType<typeof login>>;
let stack: TestStack;
let agent: Auth;
let tiaId: number;

const http = (method: string, path: string, body?: unknown) => httpAs(stack.url, method, path, agent, body);
const ownMacro = async (body: unknown) => {
  const saved = await http('POST', '/api/macros/personal', body);
  expect(saved.status, saved.text).toBe(201);
  return saved.json.item as { id: number };
};
const run = async (conversationId: number, macroId: number) => {
  const ran = await http('POST', `/api/conversations/${conversationId}/macros/${macroId}/run`, {});
  expect(ran.status, ran.text).toBe(200);
  return ran.json as { completed: boolean; actions: { type: string; status: string; code?: string; message?: string }[] };
};
/** A chat of a shopper called `name`, held by the demo agent. */
async function chatHeldByAgent(name: string): Promise<number> {
  const session = await widgetSession(stack.url, {});
  await stack.env.sql`update customers set name = ${name} where id = ${session.customerId}`;
  const [row] = await stack.env.sql<{ id: number }[]>`
    insert into conversations (customer_id, status, assignee_id, assigned_at) values (${session.customerId}, 'assigned', ${agent.user.id}, now()) returning id::int`;
  return row!.id;
}
const noteMentions = async (conversationId: number) => {
  const [note] = await stack.env.sql<{ body: string; metadata: { mentions?: { id: number }[] } }[]>`
    select body, metadata from messages where conversation_id = ${conversationId} and author_type = 'agent' and private order by id desc limit 1`;
  return { body: note!.body, mentioned: (note!.metadata.mentions ?? []).map((m) => Number(m.id)) };
};

beforeAll(async () => {
  stack = await startStack({ config: { rateLimitLoginsPerMinute: 100 } });
  const [tia] = await stack.env.sql<{ id: number }[]>`
    insert into users (email, name, role, password_hash) values ('tia@mentions.test', 'Tia Teammate', 'agent', ${await hashPassword('tia-mentions-pw')}) returning id::int`;
  tiaId = tia!.id;
  agent = await login(stack.url, stack.agent.email, stack.agent.password);
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe('a macro run', () => {
  it("mentions no teammate through a shopper's name filled into a note, only those its author named", async () => {
    const conversationId = await chatHeldByAgent('@Tia');
    const filled = await ownMacro({ name: 'Refund note', actions: [{ type: 'note', text: 'Refund asked by {{customer.name}}' }] });
    expect((await run(conversationId, filled.id)).completed).toBe(true);
    expect(await noteMentions(conversationId)).toEqual({ body: 'Refund asked by @Tia', mentioned: [] });

    const named = await ownMacro({ name: 'Ask Tia', actions: [{ type: 'note', text: '@Tia please check {{customer.name}}' }] });
    expect((await run(conversationId, named.id)).completed).toBe(true);
    expect(await noteMentions(conversationId)).toEqual({ body: '@Tia please check @Tia', mentioned: [tiaId] });
  });

  it('snoozes for 1 minute, the shortest the macro form accepts', async () => {
    const conversationId = await chatHeldByAgent('Minnie Minute');
    const macro = await ownMacro({ name: 'Back in a minute', actions: [{ type: 'snooze', minutes: 1 }] });
    const startedAt = Date.now();
    const result = await run(conversationId, macro.id);
    const endedAt = Date.now();
    expect(result.actions).toEqual([{ type: 'snooze', status: 'done' }]);
    const [{ snoozed_until }] = await stack.env.sql<{ snoozed_until: Date }[]>`select snoozed_until from conversations where id = ${conversationId}`;
    expect(snoozed_until.getTime()).toBeGreaterThanOrEqual(startedAt + 60_000);
    expect(snoozed_until.getTime()).toBeLessThanOrEqual(endedAt + 60_000);
  });
});
