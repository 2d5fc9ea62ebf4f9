// For a test file that acts as the demo agent beside shoppers (the customer-merge tests, messages left): a stack, the
// agent signed in (`agentAuth`, for HTTP) with a console socket (`agent`, not set online), and shoppers' chats. Every
// socket on `open` (push a test's own there) is closed after the file, then the stack.
import { afterAll, beforeAll } from 'vitest';
import { login, startStack, type TestStack } from './server.ts';
import { callOk, connectAgent, connectWidget, type AgentClient, type WidgetClient } from './sockets.ts';

export function agentStack(options: Parameters<typeof startStack>[0] = {}) {
  const bed = {
    stack: undefined as unknown as TestStack,
    agent: undefined as unknown as AgentClient,
    agentAuth: undefined as unknown as Awaited<ReturnType<typeof login>>,
    open: [] as { close(): void }[],

    /** A shopper's widget (visitor `token`) that sent `text` as its first message, and the chat it started. */
    async shopperChat(token: string, clientId: string, text: string): Promise<{ socket: WidgetClient; conversationId: number }> {
      const socket = await connectWidget(bed.stack.url, token);
      bed.open.push(socket);
      const sent = await callOk<{ conversationId: number }>(socket, 'message:send', { clientId, text });
      return { socket, conversationId: sent.conversationId };
    },
  };

  beforeAll(async () => {
    bed.stack = await startStack(options);
    bed.agentAuth = await login(bed.stack.url, bed.stack.agent.email, bed.stack.agent.password);
    bed.agent = await connectAgent(bed.stack.url, bed.agentAuth.token);
    bed.open.push(bed.agent);
  });
  afterAll(async () => {
    bed.open.forEach((s) => s.close());
    await bed.stack?.close();
  });
  return bed;
}
