// The email an agent away from the console gets (workers/agent-email-alerts.ts sends it): one digest of the chats
// that need them — assigned to them, a shopper wrote, a teammate mentioned them, a message left for the team — each
// with who, a short excerpt and its link in the console. Plain text and HTML, every value escaped in the HTML
// (shoppers write the excerpts and names). English or Chinese (Simplified, or Taiwan's or Hong Kong's Traditional),
// the language of the agent's console when they saved their alert preferences.
import { escapeHtml } from './email-followup-content.ts';
import { emailWordsIn, isChinese, type EmailLanguage } from './email-language.ts';

export type AlertLanguage = EmailLanguage;

/** What happened in one chat (or one left message) since the agent last looked. */
export interface DigestItem {
  /** The shopper as the console names them (name, else email, else "Visitor #id"). */
  who: string;
  assigned: boolean;
  /** Shopper messages the agent has not read. */
  shopperMessages: number;
  /** Teammates whose notes named the agent. */
  mentionedBy: string[];
  leftMessage: boolean;
  /** The latest words that matter (the shopper's, the note, the left message), already shortened. */
  excerpt: string | null;
  link: string;
}

export interface DigestContent {
  shopName: string;
  agentName: string;
  items: DigestItem[];
  consoleUrl: string;
}

/** Longest excerpt quoted in the email; the rest is a click away. */
export const EXCERPT_CHARS = 200;

export function shortExcerpt(text: string | null | undefined): string | null {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  if (!flat) return null;
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

const WORDS = {
  en: {
    subject: (shop: string, count: number) => `${shop}: ${count === 1 ? 'a chat needs' : `${count} chats need`} you`,
    hello: (name: string) => `Hello ${name},`,
    intro: 'While you were away from the console:',
    visitor: (id: number) => `Visitor #${id}`,
    assigned: 'assigned to you',
    shopperMessages: (n: number) => (n === 1 ? 'a new message from the shopper' : `${n} new messages from the shopper`),
    mentioned: (names: string) => `${names} mentioned you in a note`,
    leftMessage: 'a message left while nobody was online',
    open: 'Open the chat',
    openLeft: 'Open the messages left',
    footer: 'You get these emails because they are on in your console (Account → Email alerts). Change or turn them off there:',
  },
  zh: {
    subject: (shop: string, count: number) => `${shop}：有 ${count} 个对话需要您处理`,
    hello: (name: string) => `${name}，您好：`,
    intro: '您不在工作台期间：',
    visitor: (id: number) => `访客 #${id}`,
    assigned: '已分配给您',
    shopperMessages: (n: number) => `顾客发来 ${n} 条新消息`,
    mentioned: (names: string) => `${names} 在备注中提到了您`,
    leftMessage: '无人在线时顾客留言',
    open: '打开对话',
    openLeft: '查看留言',
    footer: '您收到这些邮件，是因为您在工作台中开启了邮件提醒（账户 → 邮件提醒）。可在此更改或关闭：',
  },
};

type AlertWords = typeof WORDS.en;

export const visitorName = async (language: AlertLanguage, customerId: number) => (await emailWordsIn(WORDS, language)).visitor(customerId);

function reasons(w: AlertWords, language: AlertLanguage, item: DigestItem): string[] {
  const list: string[] = [];
  if (item.assigned) list.push(w.assigned);
  if (item.shopperMessages > 0) list.push(w.shopperMessages(item.shopperMessages));
  if (item.mentionedBy.length) list.push(w.mentioned(item.mentionedBy.join(isChinese(language) ? '、' : ', ')));
  if (item.leftMessage) list.push(w.leftMessage);
  return list;
}

export async function agentAlertEmail(content: DigestContent, language: AlertLanguage): Promise<{ subject: string; text: string; html: string }> {
  const w = await emailWordsIn(WORDS, language);
  const separator = isChinese(language) ? '；' : '; ';
  const textItems = content.items.flatMap((item) => [
    `• ${item.who} — ${reasons(w, language, item).join(separator)}`,
    ...(item.excerpt ? [`  “${item.excerpt}”`] : []),
    `  ${item.link}`,
    '',
  ]);
  const text = [w.hello(content.agentName), '', w.intro, '', ...textItems, w.footer, content.consoleUrl, ''].join('\n');
  const htmlItems = content.items.map((item) => [
    '<li style="margin-bottom:12px">',
    `<strong>${escapeHtml(item.who)}</strong> — ${escapeHtml(reasons(w, language, item).join(separator))}`,
    item.excerpt ? `<br><q>${escapeHtml(item.excerpt)}</q>` : '',
    `<br><a href="${escapeHtml(item.link)}">${escapeHtml(item.leftMessage && !item.link.includes('/conversations/') ? w.openLeft : w.open)}</a>`,
    '</li>',
  ].join(''));
  const html = [
    `<p>${escapeHtml(w.hello(content.agentName))}</p>`,
    `<p>${escapeHtml(w.intro)}</p>`,
    `<ul>${htmlItems.join('')}</ul>`,
    `<p style="color:#666;font-size:13px">${escapeHtml(w.footer)} <a href="${escapeHtml(content.consoleUrl)}">${escapeHtml(content.consoleUrl)}</a></p>`,
  ].join('\n');
  return { subject: w.subject(content.shopName, content.items.length), text, html };
}
