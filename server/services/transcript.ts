// Plain-text transcript of a conversation: the shopper's download (their own words labelled as the widget labels them,
// "You" / "我", in their language, no private notes, system lines worded as the widget words them, times in the zone
// their browser gave, named once in the header) and the team's
// export (the customer by name, private notes marked, in English and UTC like the team's other exports). System lines
// ("X joined the chat.") stand without an author.
import type { Sql } from '../db/client.ts';
import { conversationsRepository, toChatMessage, type ConversationRow, type MessageRow } from '../repositories/conversations.ts';
import { customersRepository } from '../repositories/customers.ts';
import { STRINGS as WIDGET_WORDS, systemLineText } from '../../widget/src/i18n.ts';
import { langOf } from '../../knowledge-base/text/language.ts';
import { traditionalConverter, traditionalVariant } from './chinese-script.ts';
import { convertedDictionary } from '../../knowledge-base/text/longest-match.ts';
import { currentShownNames, namedForShopper } from './shopper-agent-names.ts';

type Audience = 'shopper' | 'team';
/** Messages read per query while a transcript is put together. */
const TRANSCRIPT_PAGE = 5_000;

const WORDS = {
  en: {
    customer: 'Customer', bot: 'Bot', agent: 'Agent', note: 'private note', said: ': ',
    header: (id: number, at: string, status: string) => `Conversation #${id} — started ${at} — status ${status}`,
    status: { bot: 'with the bot', queued: 'waiting for a person', assigned: 'with a person', resolved: 'resolved' },
  },
  zh: {
    customer: '顾客', bot: '机器人', agent: '客服', note: '内部备注', said: '：',
    header: (id: number, at: string, status: string) => `会话 #${id} — 开始于 ${at} — 状态：${status}`,
    status: { bot: '机器人处理中', queued: '等待人工', assigned: '人工处理中', resolved: '已解决' },
  },
} satisfies Record<string, { status: Record<ConversationRow['status'], string> } & Record<string, unknown>>;

/**
 * "2026-12-06 13:54:26": in the reader's zone when known, else UTC. The zone is named once, after the header's start
 * time ("2026-12-06 13:54:26 (Asia/Shanghai)", "… UTC"), not on every line.
 */
function stamper(timeZone: string | undefined): { stamp: (at: Date) => string; zoned: (at: Date) => string } {
  if (!timeZone || timeZone === 'UTC') {
    const stamp = (at: Date) => at.toISOString().replace('T', ' ').slice(0, 19);
    return { stamp, zoned: (at) => `${stamp(at)} UTC` };
  }
  const format = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return { stamp: (at) => format.format(at), zoned: (at) => `${format.format(at)} (${timeZone})` };
}

/** The products an agent's message carried, one indented line each: "  · Harbor Canvas Tote — https://…". */
function productLines(metadata: unknown): string[] {
  const products = (metadata as { products?: unknown } | null)?.products;
  if (!Array.isArray(products)) return [];
  return products
    .filter((p): p is { name: string; url?: unknown } => typeof p?.name === 'string')
    .map((p) => `  · ${p.name}${typeof p.url === 'string' && p.url ? ` — ${p.url}` : ''}`);
}

/**
 * Every message of the chat, oldest first, read a page at a time: a download that stopped at a cap would leave out
 * the newest messages of a long chat without a word.
 */
async function everyMessage(conversations: ReturnType<typeof conversationsRepository>, conversationId: number, includePrivate: boolean) {
  const all: MessageRow[] = [];
  let hasMore = true;
  while (hasMore) {
    const page = await conversations.messagesAfter(conversationId, all.at(-1)?.id ?? 0, includePrivate, TRANSCRIPT_PAGE);
    all.push(...page.messages);
    hasMore = page.hasMore;
  }
  return all;
}

export async function conversationTranscript(sql: Sql, conversationId: number, options: { audience: Audience; timeZone?: string }): Promise<string | null> {
  const conversations = conversationsRepository(sql);
  const conversation = await conversations.findById(conversationId);
  if (!conversation) return null;
  const customer = await customersRepository(sql).findById(conversation.customer_id);
  // The shopper reads it in the language they chat in; the team's export is in English like the rest of its exports.
  const lang = options.audience === 'shopper' ? langOf(customer?.locale) : 'en';
  const words = WORDS[lang];
  // A shopper in Taiwan or Hong Kong reads the transcript's own words in Traditional, as the widget showed them; the
  // messages are as they were said (the bot's were stored in the shopper's script).
  const variant = options.audience === 'shopper' ? traditionalVariant(customer?.locale) : null;
  const ours = variant ? await traditionalConverter(variant) : (text: string) => text;
  // The widget's wording of system lines, converted around the names it fills in (they stay as written).
  const widgetWords = variant ? convertedDictionary(WIDGET_WORDS[lang], ours) : WIDGET_WORDS[lang];
  const { stamp, zoned } = stamper(options.audience === 'shopper' ? options.timeZone : undefined);
  // The shopper's own words are labelled as the widget labels their bubbles ("You", "我").
  const customerLabel = options.audience === 'shopper' ? ours(WIDGET_WORDS[lang].you) : (customer?.name || customer?.email || `${words.customer} #${conversation.customer_id}`);
  const messages = await everyMessage(conversations, conversationId, options.audience === 'team');
  const lines = [ours(words.header(conversationId, zoned(conversation.created_at), words.status[conversation.status])), ''];
  // The shopper's copy names agents as the widget does (the names they show customers now, looked up once for the
  // whole transcript), the team's by full name.
  const names = options.audience === 'shopper' ? await currentShownNames(sql, messages.map(toChatMessage)) : null;
  for (const m of messages) {
    const shown = names ? namedForShopper(toChatMessage(m), names) : null;
    if (m.author_type === 'system') {
      const line = shown ? systemLineText(widgetWords, m.body, shown.metadata ?? {}) : m.body;
      lines.push(`[${stamp(m.created_at)}] · ${line}`);
      continue;
    }
    const who = m.author_type === 'customer' ? customerLabel : m.author_type === 'bot' ? ours(words.bot) : ((shown ? shown.author.name : m.author_name) ?? ours(words.agent));
    const note = m.private ? ` [${words.note}]` : '';
    lines.push(`[${stamp(m.created_at)}] ${who}${note}${words.said}${m.body}`);
    // The bot's product answers already end on the page's link; an agent's cards are only in the metadata.
    if (m.author_type === 'agent') lines.push(...productLines(m.metadata));
  }
  return lines.join('\n') + '\n';
}
