// A shopper who types Traditional gets the bot's reply in Traditional even when the widget's locale says otherwise
// (chat-service.ts → replyLocale in server/services/chinese-script.ts): a shopper in Taiwan on an English or
// Simplified page asks 寄到台灣要多久 and reads the answer a zh-TW widget would have shown; written Cantonese gets Hong
// Kong's; a locale that names its Chinese (zh-HK, zh-CN) still wins, and Simplified stays Simplified. Over a real socket.io chat with the seeded
// knowledge base, set up as test/knowledge-base/brain/server-traditional.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, widgetSession, type TestStack } from '../support/server.ts';
import { callOk, connectWidget, nextEvent, type WidgetClient } from '../support/sockets.ts';
import { knowledgeBaseExtension } from '../../knowledge-base/server-extension.ts';
import type { ChatMessage } from '../../server/realtime/event-maps.ts';
import { inShoppersScript } from '../../server/services/chinese-script.ts';

let stack: TestStack;
const sockets: WidgetClient[] = [];

/** The bot's reply to `text`, asked in a new chat by a new shopper whose widget has this locale. */
async function ask(text: string, locale: string): Promise<ChatMessage> {
  const session = await widgetSession(stack.url, { locale });
  const socket = await connectWidget(stack.url, session.visitorToken, locale);
  sockets.push(socket);
  const reply = nextEvent<ChatMessage>(socket, 'message:new', (m) => m.author.type === 'bot', 20_000);
  await callOk(socket, 'message:send', { clientId: 'c1', text });
  return reply;
}

/** The Simplified reply as the variant's shopper reads it (the bot's help-centre links ask for that variant). */
async function asReadIn(simplified: string, variant: 'zh-TW' | 'zh-HK'): Promise<string> {
  return (await inShoppersScript(simplified, variant)).replace(/(\/help\/[a-z0-9-]+\?locale=)zh(?![\w-])/g, `$1${variant}`);
}

beforeAll(async () => {
  stack = await startStack({
    servers: 1,
    workers: true,
    config: { rateLimitMessagesPer10s: 50 },
    server: { extensions: [knowledgeBaseExtension({ prepare: { seed: true } })] },
  });
}, 180_000);

afterAll(async () => {
  sockets.forEach((s) => s.close());
  await stack?.close();
});

describe('a reply in the script the shopper typed', () => {
  it('answers 寄到台灣要多久 in Taiwan Traditional under an en or zh widget, as a zh-TW widget would; stored as said', async () => {
    const simplified = await ask('寄到台湾要多久', 'zh');
    const taiwan = await ask('寄到台灣要多久', 'zh-TW');
    // The question is answered (not a shrug) and its answer reads differently in Taiwan's script.
    expect(simplified.text).toMatch(/[\u4e00-\u9fff]{4}/);
    expect(taiwan.text).toBe(await asReadIn(simplified.text, 'zh-TW'));
    expect(taiwan.text).not.toBe(simplified.text);
    for (const locale of ['en', 'zh']) {
      const reply = await ask('寄到台灣要多久', locale);
      expect(reply.text).toBe(taiwan.text);
      const [stored] = await stack.env.sql<{ body: string }[]>`select body from messages where id = ${reply.id}`;
      expect(stored.body).toBe(reply.text);
    }
  });

  it("answers written Cantonese in Hong Kong's forms", async () => {
    const simplified = await ask('我嘅订单几时寄到香港？', 'zh');
    expect(simplified.text).toMatch(/[\u4e00-\u9fff]{4}/);
    const reply = await ask('我嘅訂單幾時寄到香港？', 'en');
    expect(reply.text).toBe(await asReadIn(simplified.text, 'zh-HK'));
    expect(reply.text).not.toBe(simplified.text);
  });

  it('keeps a locale that names its Chinese, and Simplified for Simplified', async () => {
    const simplified = await ask('寄到台湾要多久', 'zh');
    expect((await ask('寄到台灣要多久', 'zh-HK')).text).toBe(await asReadIn(simplified.text, 'zh-HK'));
    expect((await ask('寄到台灣要多久', 'zh-CN')).text).toBe(simplified.text);
    expect((await ask('寄到台湾要多久', 'en')).text).toBe(simplified.text);
  });
});
