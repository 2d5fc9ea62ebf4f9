// What a follow-up email says: the agents' replies the shopper has not seen,
// a link back into the chat and a way out. Plain text and simple HTML; every
// text that came from a person is escaped in the HTML.
import type { AttachmentRef } from '../realtime/event-maps.ts';
import { langOf } from '../../knowledge-base/text/language.ts';
import { convertedDictionary } from '../../knowledge-base/text/longest-match.ts';
import { firstName } from '../../widget/src/person-name.ts';

export interface FollowupReply {
  /** The name the shopper was shown for the agent when the reply was sent (their full name unless they chose one). */
  agentName: string | null;
  /** The agent chose a name to show customers (users.display_name): it is used as written, not cut to a first name. */
  agentNameChosen?: boolean;
  text: string;
  /** The message is a file sent without a caption (its text is only the file's name). */
  fileOnly: boolean;
  attachments: AttachmentRef[];
  /** Products the agent attached to the reply (the cards the chat shows): listed under it. */
  products?: FollowupProduct[];
}

/** A product card as an email lists it: its name, and its price and page when the catalogue had them. */
export interface FollowupProduct {
  name: string;
  price?: string;
  url?: string;
}

export interface FollowupContent {
  shopName: string;
  /** The shopper's language ('zh…' gets Chinese, anything else English). */
  locale: string | null;
  replies: FollowupReply[];
  continueUrl: string;
  unsubscribeUrl: string;
  /** The chat server's public address: file links are relative to it. */
  publicUrl: string;
  /** The shopper is signed in to the shop (their address came with their account), not one who typed it in the chat. */
  identified?: boolean;
}

/** Characters written without spaces between them: Han and the full-width punctuation of Chinese text. */
const CJK = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;

/**
 * Chinese text around a name: no space where the name meets Chinese on both sides ("北风好物回复了您"), a space where
 * it meets Latin letters or digits ("Acme 回复了您", "您曾与 Acme 聊天"), as Chinese typesetting does.
 */
export function zhJoin(...parts: string[]): string {
  return parts.reduce((text, part) => {
    if (!text || !part) return text + part;
    return text + (CJK.test(text.slice(-1)) && CJK.test(part[0]) ? '' : ' ') + part;
  }, '');
}

const WORDS = {
  en: {
    htmlLang: 'en',
    /** After a label ("Continue the chat: …"); trimmed at the end of a line. */
    colon: ': ',
    /** Between sentences, and after a label's colon in the HTML. */
    gap: ' ',
    subject: (shop: string) => `New reply from ${shop}`,
    intro: (shop: string) => `You have a reply from ${shop} that you have not seen in the chat yet:`,
    wrote: (name: string) => `${name} wrote:`,
    sentFile: (name: string) => `${name} sent you a file`,
    agent: 'Our team',
    continue: 'Continue the chat',
    footer: (shop: string) => `You get this email because you chatted with ${shop} and left your email address.`,
    footerAccount: (shop: string) => `You get this email because you chatted with ${shop} while signed in to your account.`,
    unsubscribe: 'Stop emails about chat replies',
  },
  zh: {
    htmlLang: 'zh-CN',
    colon: '：',
    gap: '',
    subject: (shop: string) => zhJoin(shop, '回复了您'),
    intro: (shop: string) => zhJoin(shop, '回复了您，您还没有在聊天中看到：'),
    wrote: (name: string) => `${name}：`,
    sentFile: (name: string) => zhJoin(name, '给您发送了文件'),
    agent: '客服',
    continue: '继续聊天',
    footer: (shop: string) => zhJoin('您收到此邮件，是因为您曾与', shop, '聊天并留下了邮箱地址。'),
    footerAccount: (shop: string) => zhJoin('您收到此邮件，是因为您曾在登录账户后与', shop, '聊天。'),
    unsubscribe: '不再接收聊天回复邮件',
  },
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** An http(s) address as it is; anything else (javascript:, a relative path) is no link in an email. */
function httpUrl(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The products a stored message carries (`metadata.products`, copied from the catalogue when the agent sent it:
 * services/agent-products.ts) as an email lists them: name, price and an http(s) page only, anything malformed left off.
 */
export function followupProducts(raw: unknown): FollowupProduct[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((p): FollowupProduct[] => {
    if (!p || typeof p !== 'object' || typeof p.name !== 'string' || !p.name.trim()) return [];
    const url = httpUrl(p.url);
    return [{ name: p.name, ...(typeof p.price === 'string' && p.price ? { price: p.price } : {}), ...(url ? { url } : {}) }];
  });
}

/** Files are linked by name: their address carries a random key, the same link the chat itself shows the shopper. */
function fileLinks(reply: FollowupReply, publicUrl: string): { name: string; url: string }[] {
  const base = publicUrl.replace(/\/+$/, '');
  return reply.attachments
    .filter((a) => typeof a?.url === 'string' && a.url.startsWith('/api/attachments/'))
    .map((a) => ({ name: a.name, url: `${base}${a.url}` }));
}

/**
 * The email, in the shopper's language; `traditional` (a reader in Taiwan or Hong Kong: their tag and the server's
 * converter, chinese-script.ts) writes its own words in Traditional. The agents' replies are quoted as they wrote them.
 */
export function followupEmail(content: FollowupContent, traditional?: { tag: string; convert(text: string): string }): { subject: string; text: string; html: string } {
  const simplified = WORDS[langOf(content.locale)];
  const w = traditional && simplified === WORDS.zh ? { ...convertedDictionary(simplified, traditional.convert), htmlLang: traditional.tag } : simplified;
  const shop = content.shopName;
  const footer = (content.identified ? w.footerAccount : w.footer)(shop);
  const textParts: string[] = [w.intro(shop), ''];
  const htmlParts: string[] = [`<p>${escapeHtml(w.intro(shop))}</p>`];
  for (const reply of content.replies) {
    // An agent is named by first name only, as in the widget's friendly tone (a Western surname stays in the shop). A
    // name in Chinese characters has no first name to split off and is used whole, surname included
    // (widget/src/person-name.ts, shared with the console's canned replies): a team that would rather not show it
    // names such agents as they should be shown (an admin sets the name).
    // A name the agent chose for customers is theirs to shape ("Dr. Lee", "Support Sam") and is used whole.
    const name = (reply.agentNameChosen ? reply.agentName?.trim() || null : firstName(reply.agentName)) ?? w.agent;
    const files = fileLinks(reply, content.publicUrl);
    if (files.length) {
      textParts.push(`${w.sentFile(name)}${w.colon.trimEnd()}`, ...files.map((f) => `  ${f.name}${w.colon}${f.url}`));
      htmlParts.push(`<p><strong>${escapeHtml(w.sentFile(name) + w.colon.trimEnd())}</strong>${w.gap}${files.map((f) => `<a href="${escapeHtml(f.url)}">${escapeHtml(f.name)}</a>`).join(', ')}</p>`);
    }
    if (!reply.fileOnly) {
      textParts.push(w.wrote(name), ...reply.text.split('\n').map((line) => `  ${line}`));
      htmlParts.push(`<p><strong>${escapeHtml(w.wrote(name))}</strong><br>${escapeHtml(reply.text).replace(/\n/g, '<br>')}</p>`);
    }
    // The cards under the reply, one line each ("· Tote — $48.00 — https://…"): the reply often only makes sense with them.
    const products = followupProducts(reply.products);
    if (products.length) {
      textParts.push(...products.map((p) => `  · ${[p.name, p.price, p.url].filter(Boolean).join(' — ')}`));
      htmlParts.push(`<ul>${products.map((p) => {
        const label = p.url ? `<a href="${escapeHtml(p.url)}">${escapeHtml(p.name)}</a>` : escapeHtml(p.name);
        return `<li>${label}${p.price ? ` — ${escapeHtml(p.price)}` : ''}</li>`;
      }).join('')}</ul>`);
    }
    textParts.push('');
  }
  textParts.push(`${w.continue}${w.colon}${content.continueUrl}`, '', '--', footer, `${w.unsubscribe}${w.colon}${content.unsubscribeUrl}`);
  htmlParts.push(
    `<p><a href="${escapeHtml(content.continueUrl)}"><strong>${escapeHtml(w.continue)}</strong></a></p>`,
    `<hr><p style="color:#666;font-size:12px">${escapeHtml(footer)}${w.gap}<a href="${escapeHtml(content.unsubscribeUrl)}">${escapeHtml(w.unsubscribe)}</a></p>`,
  );
  return {
    subject: w.subject(shop),
    text: textParts.join('\n'),
    html: `<!doctype html><html lang="${w.htmlLang}"><body style="font-family:sans-serif;line-height:1.5">${htmlParts.join('\n')}</body></html>`,
  };
}

/** "s…@example.com": enough for an agent to recognise the address, not the whole of it in every note. */
export function maskedAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '…';
  return `${email[0]}…${email.slice(at)}`;
}
