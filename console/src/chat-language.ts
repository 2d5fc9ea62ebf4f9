// The language a chat is going on in, for what an agent inserts (canned responses, article links): the shopper's own
// latest words first, then what the bot last answered in (it follows the shopper, as routing does), then the language
// the widget opened in. The browser's language alone said "en" for a shopper writing Chinese.
import { detectLanguage, langOf, type Language } from '../../knowledge-base/text/language.ts';
import type { ChatMessage } from './types.ts';

const hasLetters = (text: string) => /\p{L}/u.test(text);

export function chatLanguage(messages: readonly ChatMessage[], customerLocale: string | null | undefined): Language {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.author.type === 'customer' && hasLetters(m.text)) return detectLanguage(m.text);
    const answeredIn = m.author.type === 'bot' ? (m.metadata as { language?: unknown }).language : undefined;
    if (answeredIn === 'zh' || answeredIn === 'en') return answeredIn;
  }
  return langOf(customerLocale);
}
