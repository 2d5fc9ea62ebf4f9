// Plain-text transcript of a conversation: the shopper's download (their own words are "You", in their language,
// no private notes, system lines worded as the widget words them, times in the zone their browser gave) and the team's
// export (the customer by name, private notes marked, in English and UTC like the team's other exports). System lines
// ("X joined the chat.") stand without an author.
import type { Sql } from '../db/client.ts';
import { conversationsRepository, type ConversationRow } from '../repositories/conversations.ts';
import { customersRepository } from '../repositories/customers.ts';
import { STRINGS as WIDGET_WORDS, systemLineText } from '../../widget/src/i18n.ts';
import { langOf } from '../../widget/src/i18n.ts';

type Audience = 'shopper' | 'team';

const WORDS = {
  en: {
    you: 'You', customer: 'Customer', bot: 'Bot', agent: 'Agent', note: 'private note',
    header: (id: number, at: string, status: string) => `Conversation #${id} — started ${at} — status ${status}`,
    status: { bot: 'with the bot', queued: 'waiting for a person', assigned: 'with a person', resolved: 'resolved' },
  },
  zh: {
    you: '您', customer: '顾客', bot: '机器人', agent: '客服', note: '内部备注',
    header: (id: number, at: string, status: string) => `会话 #${id} — 开始于 ${at} — 状态：${status}`,
    status: { bot: '机器人处理中', queued: '等待人工', assigned: '人工处理中', resolved: '已解决' },
  },
} satisfies Record<string, { status: Record<ConversationRow['status'], string> } & Record<string, unknown>>;

/** "2026-12-06 13:54:26 (Asia/Shanghai)": in the reader's zone when known, else UTC. */
function stamper(timeZone: string | undefined): (at: Date) => string {
  if (!timeZone || timeZone === 'UTC') return (at) => `${at.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
  const format = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return (at) => `${format.format(at)} (${timeZone})`;
}

export async function conversationTranscript(sql: Sql, conversationId: number, options: { audience: Audience; timeZone?: string }): Promise<string | null> {
  const conversations = conversationsRepository(sql);
  const conversation = await conversations.findById(conversationId);
  if (!conversation) return null;
  const customer = await customersRepository(sql).findById(conversation.customer_id);
  // The shopper reads it in the language they chat in; the team's export is in English like the rest of its exports.
  const lang = options.audience === 'shopper' ? langOf(customer?.locale) : 'en';
  const words = WORDS[lang];
  const stamp = stamper(options.audience === 'shopper' ? options.timeZone : undefined);
  const customerLabel = options.audience === 'shopper' ? words.you : (customer?.name || customer?.email || `${words.customer} #${conversation.customer_id}`);
  const messages = await conversations.messagesAfter(conversationId, 0, options.audience === 'team', 10_000);
  const lines = [words.header(conversationId, stamp(conversation.created_at), words.status[conversation.status]), ''];
  for (const m of messages) {
    if (m.author_type === 'system') {
      const line = options.audience === 'shopper' ? systemLineText(WIDGET_WORDS[lang], m.body, m.metadata ?? {}) : m.body;
      lines.push(`[${stamp(m.created_at)}] · ${line}`);
      continue;
    }
    const who = m.author_type === 'customer' ? customerLabel : m.author_type === 'bot' ? words.bot : (m.author_name ?? words.agent);
    const note = m.private ? ` [${words.note}]` : '';
    lines.push(`[${stamp(m.created_at)}] ${who}${note}: ${m.body}`);
  }
  return lines.join('\n') + '\n';
}
