// The macro tests' bed (test/server/macros.test.ts, macro-run-key.test.ts): a stack on which the demo agent is the only
// agent online, on a console socket of their own, so every chat a shopper hands off goes to them; the admin and the
// agent signed in; chats the agent holds. The sockets (push a test's own onto `sockets`) and the stack are closed
// after the file.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { login, startStack, widgetSession, type TestStack } from './server.ts';
import { callOk, connectAgent, connectWidget, eventually, type AgentClient, type WidgetClient } from './sockets.ts';

type Auth = Awaited<ReturnType<typeof login>>;

export function macroTestBed() {
  const bed = {
    stack: undefined as unknown as TestStack,
    admin: undefined as unknown as Auth,
    agent: undefined as unknown as Auth,
    sockets: [] as (AgentClient | WidgetClient)[],

    /** A shopper (named `name`, when given) who wrote `text` and handed off; their chat held by the demo agent. */
    async heldChat(text: string, name: string | null = null): Promise<{ shopper: WidgetClient; conversationId: number }> {
      const { stack } = bed;
      const session = await widgetSession(stack.url, {});
      if (name) await stack.env.sql`update customers set name = ${name} where id = ${session.customerId}`;
      const shopper = await connectWidget(stack.url, session.visitorToken);
      bed.sockets.push(shopper);
      const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: randomUUID(), text });
      await callOk(shopper, 'handoff:request', { conversationId });
      await eventually(async () => (await stack.env.sql<{ assignee_id: number | null }[]>`
        select assignee_id from conversations where id = ${conversationId}`)[0]?.assignee_id === bed.agent.user.id, 10_000, 'the chat assigned to the agent');
      return { shopper, conversationId };
    },
  };

  beforeAll(async () => {
    // Every sign-in of these files comes from one address: the per-address limit is not what they test.
    bed.stack = await startStack({ config: { rateLimitLoginsPerMinute: 100 } });
    await bed.stack.env.sql`update users set presence = 'offline'`;
    bed.admin = await login(bed.stack.url, bed.stack.admin.email, bed.stack.admin.password);
    bed.agent = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
    const console = await connectAgent(bed.stack.url, bed.agent.token);
    bed.sockets.push(console);
    await callOk(console, 'presence:set', { presence: 'online' });
  }, 60_000);
  afterAll(async () => {
    bed.sockets.forEach((s) => s.close());
    await bed.stack?.close();
  });
  return bed;
}
