// For the tests of the knowledge base's admin work on the seeded bot (the learning loop, a shop making the bot its
// own): a stack with BullMQ workers and the bot's demo intents and articles, shoppers allowed a brisk pace, and the
// admin signed in (`admin`, for httpAs).
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import { login, startStack, type TestStack } from './server.ts';

export async function seededBotStack(): Promise<{ stack: TestStack; admin: { cookie: string } }> {
  const stack = await startStack({
    workers: true, config: { rateLimitMessagesPer10s: 50 },
    server: { extensions: [knowledgeBaseExtension({ prepare: { seed: true } })] },
  });
  return { stack, admin: { cookie: (await login(stack.url, stack.admin.email, stack.admin.password)).cookie } };
}
