// Sentences the console puts together around what shoppers wrote, in the console's language and its word order
// (kept apart from the pages so they can be unit-tested without a DOM): Chinese greets "林小美，您好：" with the name
// first and ends a label with a full-width colon, where English writes "Hello Robin," and "12:03:".
import { formatTime } from './hooks.ts';
import { t, type Key } from './i18n.ts';
import type { OfflineMessage } from './types.ts';

/** A label followed by the language's colon ("Customer: " / "客户："). */
export const labelled = (label: string): string => `${label}${t('punct.colon')}`;

/** A reply to a left message drafted in the agent's own mail program, quoting what the shopper wrote. */
export function replyMailto(message: Pick<OfflineMessage, 'email' | 'name' | 'text' | 'createdAt'>): string {
  const greeting = message.name ? t('messages.replyGreeting', { name: message.name }) : t('messages.replyGreetingNoName');
  const quoted = message.text.split('\n').map((line) => `> ${line}`).join('\n');
  // The colon ends the line: no trailing space after it.
  const body = `${greeting}\n\n\n\n${labelled(formatTime(message.createdAt)).trimEnd()}\n${quoted}`;
  return `mailto:${encodeURIComponent(message.email)}?subject=${encodeURIComponent(t('messages.replySubject'))}&body=${encodeURIComponent(body)}`;
}

/** Who wrote the message a search matched, as the inbox labels its snippet ("Private note: " / "内部备注："). */
export function matchAuthorLabel(match: { private: boolean; authorType: string }): string {
  return labelled(t(match.private ? 'search.matchIn.note' : `search.matchIn.${match.authorType}` as Key));
}
