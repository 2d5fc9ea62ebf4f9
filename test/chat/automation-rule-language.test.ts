// An automation rule's `language` condition goes by the chat's language as routing and the inbox do
// (routing.ts conversationLanguage: what the bot last answered in, else the widget's locale), not by the widget's locale
// alone: a shopper on the English widget who writes Chinese, and whom the bot answers in Chinese, is a Chinese chat.
// Real server, Postgres, Redis and widget socket; the bot answers in the language of what the shopper wrote.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpAs, login, startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, eventually, type WidgetClient } from '../support/sockets.ts';
import type { Responder, ResponderContext, ResponderDecision } from '../../server/services/responder.ts';

/** Answers in the language of the shopper's words (Han characters: Chinese), and hands off when asked for a person. */
class FollowsTheShopperResponder implements Responder {
  readonly name = 'language-following-bot';
  async respond(context: ResponderContext): Promise<ResponderDecision> {
    const language = /\p{Script=Han}/u.test(context.text) ? 'zh' : 'en';
    const metadata = { intent: null, confidence: 0.9, articles: [], encoder: 'none', language };
    if (/person|人工/i.test(context.text)) return { action: 'handoff', reply: language === 'zh' ? '正在为您转接人工客服。' : 'Connecting you with a person.', metadata: { decision: 'handoff', ...metadata } };
    return { action: 'answer', reply: language === 'zh' ? '好的。' : 'Sure.', metadata: { decision: 'answer', ...metadata } };
  }
}

let stack: TestStack;
let shopper: WidgetClient | undefined;

beforeAll(async () => {
  stack = await startStack({ server: { responder: new FollowsTheShopperResponder() } });
}, 60_000);
afterAll(async () => {
  shopper?.close();
  await stack?.close();
});

describe("an automation rule's language condition", () => {
  it("takes the language the bot answered in, as routing does, over the widget's locale", async () => {
    const admin = await login(stack.url, stack.admin.email, stack.admin.password);
    for (const [name, language, label] of [['Chinese chats', 'zh', 'chinese'], ['English chats', 'en', 'english']] as const) {
      const saved = await httpAs(stack.url, 'POST', '/api/admin/automation-rules', admin, {
        name, trigger: 'handoff', conditions: [{ type: 'language', languages: [language] }], actions: [{ type: 'addLabels', labels: [label] }],
      });
      expect(saved.status, saved.text).toBe(201);
    }
    const session = await widgetSession(stack.url, { locale: 'en' });
    shopper = await connectWidget(stack.url, session.visitorToken, 'en');
    const { conversationId } = await callOk<{ conversationId: number }>(shopper, 'message:send', { clientId: 'lang-1', text: '我要退款，请转人工' });
    await eventually(async () => {
      const [row] = await stack.env.sql<{ n: number }[]>`
        select count(*)::int as n from messages where conversation_id = ${conversationId} and metadata->>'event' = 'automation_ran'`;
      return row!.n > 0;
    }, 10_000, 'a hand-off rule ran');
    const [{ labels }] = await stack.env.sql<{ labels: string[] }[]>`select labels from conversations where id = ${conversationId}`;
    expect(labels).toEqual(['chinese']);
  });
});
