// The language the console inserts canned responses and article links in (console/src/chat-language.ts).
import { describe, expect, it } from 'vitest';
import { chatLanguage } from '../../console/src/chat-language.ts';
import type { ChatMessage } from '../../console/src/types.ts';

let id = 0;
const message = (type: 'customer' | 'bot' | 'agent' | 'system', text: string, metadata: Record<string, unknown> = {}): ChatMessage => ({
  id: ++id, conversationId: 1, clientId: null, author: { type, id: null, name: null }, text, private: false, metadata, createdAt: new Date(0).toISOString(),
} as unknown as ChatMessage);

describe('the language of a chat', () => {
  it("follows the shopper's latest words, whatever the browser said", () => {
    expect(chatLanguage([message('customer', '我要退货，我的包裹坏了'), message('customer', '转人工')], 'en')).toBe('zh');
    expect(chatLanguage([message('customer', '我要退货'), message('customer', 'actually, English please')], 'zh-CN')).toBe('en');
    expect(chatLanguage([message('customer', 'my power bank 充不进电了')], 'en')).toBe('zh'); // mostly Chinese
  });

  it("falls back to what the bot answered in, then the widget's language", () => {
    expect(chatLanguage([message('customer', '😊'), message('bot', '您好', { language: 'zh' }), message('agent', 'Hi')], 'en')).toBe('zh');
    expect(chatLanguage([message('system', 'Lin joined the chat.')], 'zh-CN')).toBe('zh');
    expect(chatLanguage([], null)).toBe('en');
  });
});
